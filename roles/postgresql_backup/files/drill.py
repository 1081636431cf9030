#!/usr/bin/env python3
"""pgbackrest-drill: the restore drill of roles/postgresql_backup (entry point `drill` and its timer).

Restores the stanza's latest backup into a scratch cluster (its own data
directory, port and socket directory; archiving off), replays the archived
WAL to its end, starts it, and compares it with the live cluster:
  - a marker row written into the live `postgres` database just before the
    restore (then archived by `pgbackrest check`) must be there: the backup
    and the WAL since it both restore;
  - per table of the application's database, the row count and a digest of
    the rows' text; tables that changed on the live cluster while the drill
    ran are compared by neither and listed as such.
The scratch cluster is stopped and removed whatever happens. Prints one JSON
object; exits 1 when the drill fails, naming the backup that did not restore.
Runs as the cluster's superuser OS user (peer authentication on the socket).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

MARKER_FILE = ".pgbackrest-drill"
# tables.sql, installed beside this script: name, rows, digest per table.
TABLES_SQL = (Path(__file__).resolve().parent / "tables.sql").read_text()
MARKER_TABLE = "pgbackrest_drill_marker"


class DrillError(Exception):
    pass


def run(argv: list[str], timeout: float = 3600) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise DrillError(f"{' '.join(argv)} exited {done.returncode}: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def psql(args: argparse.Namespace, socket: str, port: int, db: str, sql: str) -> list[list[str]]:
    out = run(
        [
            f"{args.bin_dir}/psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-F",
            "\x1f",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            socket,
            "-p",
            str(port),
            "-d",
            db,
            "-c",
            sql,
        ],
        timeout=600,
    )
    return [line.split("\x1f") for line in out.splitlines() if line]


def tables(args: argparse.Namespace, socket: str, port: int) -> dict[str, dict]:
    return {r[0]: {"rows": int(r[1]), "digest": r[2]} for r in psql(args, socket, port, args.db, TABLES_SQL)}


def latest_backup(args: argparse.Namespace, pgbackrest: list[str]) -> dict:
    info = json.loads(run([*pgbackrest, "--output=json", "info"]))
    stanza = next((s for s in info if s.get("name") == args.stanza), None)
    if not stanza or not stanza.get("backup"):
        message = stanza["status"]["message"] if stanza else "stanza not found"
        raise DrillError(f"stanza {args.stanza} has no backup to drill ({message})")
    return stanza["backup"][-1]


def write_marker(args: argparse.Namespace, token: str) -> None:
    psql(
        args,
        args.socket_dir,
        args.port,
        "postgres",
        f"CREATE TABLE IF NOT EXISTS public.{MARKER_TABLE} (token text PRIMARY KEY, at timestamptz NOT NULL);"
        f"DELETE FROM public.{MARKER_TABLE} WHERE at < now() - interval '7 days';"
        f"INSERT INTO public.{MARKER_TABLE} VALUES ('{token}', now());",
    )


def prepare_scratch(scratch: Path) -> Path:
    """The scratch directory, emptied; refused if something not made by a drill is there."""
    if scratch.exists():
        if not (scratch / MARKER_FILE).exists():
            raise DrillError(f"{scratch} exists and was not made by a drill: not touching it")
        shutil.rmtree(scratch)
    (scratch / "data").mkdir(parents=True, mode=0o700)
    (scratch / "socket").mkdir(mode=0o700)
    (scratch / MARKER_FILE).write_text("scratch cluster of pgbackrest-drill; removed after each drill\n")
    return scratch / "data"


def start_scratch(args: argparse.Namespace, data: Path, socket: Path) -> None:
    # A Debian cluster keeps its configuration outside the data directory:
    # give the scratch cluster the minimum it needs, settings on the command line.
    for name, text in (
        ("postgresql.conf", ""),
        ("pg_ident.conf", ""),
        ("pg_hba.conf", f"local all {pwd.getpwuid(os.getuid()).pw_name} peer\n"),
    ):
        path = data / name
        if name == "pg_hba.conf" or not path.exists():
            path.write_text(text)
    options = (
        f"-p {args.scratch_port} -k {socket} -c listen_addresses='' -c hot_standby=off "
        "-c archive_mode=off -c shared_buffers=32MB -c max_wal_senders=0 -c logging_collector=off "
        f"-c hba_file={data}/pg_hba.conf -c ident_file={data}/pg_ident.conf -c ssl=off"
    )
    run(
        [
            f"{args.bin_dir}/pg_ctl",
            "-D",
            str(data),
            "-l",
            str(data.parent / "server.log"),
            "-w",
            "-t",
            str(args.timeout),
            "-o",
            options,
            "start",
        ],
        timeout=args.timeout + 30,
    )
    # With hot_standby off the server refuses connections until recovery ends.
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            if psql(args, str(socket), args.scratch_port, "postgres", "SELECT pg_is_in_recovery()") == [
                ["f"]
            ]:
                return
            last = "still in recovery"
        except DrillError as exc:
            last = str(exc)
        if time.monotonic() > deadline:
            raise DrillError(f"the scratch cluster had not finished recovery after {args.timeout} s: {last}")
        time.sleep(1)


def stop_scratch(args: argparse.Namespace, data: Path) -> None:
    if (data / "postmaster.pid").exists():
        subprocess.run(
            [f"{args.bin_dir}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )


def compare(before: dict, after: dict, scratch: dict) -> tuple[list[dict], list[str]]:
    rows, problems = [], []
    for name in sorted(before):
        live = before[name]
        got = scratch.get(name)
        changed = after.get(name) != live
        entry = {
            "table": name,
            "live_rows": live["rows"],
            "restored_rows": got["rows"] if got else None,
            "changed_during_drill": changed,
            "match": None,
        }
        if got is None:
            problems.append(f"table {name} is missing from the restored cluster")
            entry["match"] = False
        elif not changed:
            entry["match"] = got == live
            if not entry["match"]:
                problems.append(
                    f"table {name}: restored {got['rows']} rows (digest {got['digest']}), "
                    f"live {live['rows']} rows (digest {live['digest']})"
                )
        rows.append(entry)
    return rows, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name in ("pgbackrest", "config", "stanza", "bin-dir", "socket-dir", "db", "scratch-dir"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scratch-port", type=int, required=True)
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()
    if args.scratch_port == args.port:
        print(json.dumps({"ok": False, "error": "the scratch port is the live cluster's port"}))
        return 2
    pgbackrest = [args.pgbackrest, f"--config={args.config}", f"--stanza={args.stanza}"]
    started = time.time()
    result: dict = {"ok": False, "stanza": args.stanza, "backup": None, "tables": [], "problems": []}
    scratch = Path(args.scratch_dir)
    data = scratch / "data"
    try:
        backup = latest_backup(args, pgbackrest)
        result["backup"] = {
            "label": backup["label"],
            "type": backup["type"],
            "stop": backup["timestamp"]["stop"],
        }
        before = tables(args, args.socket_dir, args.port)
        token = str(uuid.uuid4())
        write_marker(args, token)
        # Forces a WAL switch and waits until the segment holding the marker is archived.
        run([*pgbackrest, "check"])
        # Follow the live cluster's own history, not a timeline that a restore
        # which was put back left in the archive.
        timeline = psql(
            args,
            args.socket_dir,
            args.port,
            "postgres",
            "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int",
        )[0][0]
        data = prepare_scratch(scratch)
        try:
            run(
                [
                    *pgbackrest,
                    f"--pg1-path={data}",
                    f"--set={backup['label']}",
                    "--archive-mode=off",
                    "--type=default",
                    f"--target-timeline={timeline}",
                    "restore",
                ]
            )
        except DrillError as exc:
            raise DrillError(
                f"backup {backup['label']} of stanza {args.stanza} did NOT restore: {exc}"
            ) from None
        try:
            start_scratch(args, data, scratch / "socket")
        except DrillError as exc:
            log = scratch / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise DrillError(
                f"backup {backup['label']} restored but the cluster did not start: {exc} {tail}"
            ) from None
        marker = psql(
            args,
            str(scratch / "socket"),
            args.scratch_port,
            "postgres",
            f"SELECT count(*) FROM public.{MARKER_TABLE} WHERE token = '{token}'",
        )
        result["marker_found"] = marker == [["1"]]
        if not result["marker_found"]:
            result["problems"].append(
                f"the marker written before the drill is missing: backup {backup['label']} restored, "
                "but the archived WAL since it did not replay to the end"
            )
        restored = tables(args, str(scratch / "socket"), args.scratch_port)
        after = tables(args, args.socket_dir, args.port)
        result["tables"], problems = compare(before, after, restored)
        result["problems"] += problems
        result["ok"] = not result["problems"]
    except (DrillError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as exc:
        result["problems"].append(str(exc))
    finally:
        stop_scratch(args, data)
        if (scratch / MARKER_FILE).exists():
            shutil.rmtree(scratch, ignore_errors=True)
        result["scratch_removed"] = not scratch.exists()
        result["seconds"] = round(time.time() - started, 3)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
