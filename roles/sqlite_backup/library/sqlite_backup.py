#!/usr/bin/python
# ruff: noqa: E402  (Ansible modules keep DOCUMENTATION before the imports)
"""Ansible module: check, back up and restore an SQLite database file."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sqlite_backup
short_description: Check, back up (online backup API) and restore an SQLite database
description:
  - C(command=check) reports whether the file exists and is readable, C(PRAGMA integrity_check),
    its size and the row count of each table, and the free space at the given paths. Never changes anything.
  - C(command=backup) copies the database with SQLite's online backup API, a consistent snapshot
    even while the application writes, to C(dest_dir/<prefix>_<YYYYmmdd_HHMMSS>.sqlite), checks the copy
    with C(PRAGMA integrity_check), records its sha256 next to it (C(<file>.sha256), C(sha256sum -c) format)
    and keeps the last O(keep) backups. Fails before writing when the free space is short.
  - C(command=restore) puts a backup (the latest by default, or a named one) back at O(src) after checking
    its sha256 and C(PRAGMA integrity_check). Changes nothing when O(src) already holds exactly that backup.
    The file it replaces is kept as C(<src>.before-restore-<timestamp>) unless O(keep_replaced=false).
    The application must be stopped.
options:
  command:
    description: What to do.
    type: str
    choices: [check, backup, restore]
    default: check
  src:
    description: The application's SQLite database file.
    type: path
    required: true
  dest_dir:
    description: Directory of the backups (created with mode 0700 when missing).
    type: path
  prefix:
    description: File name prefix of the backups; defaults to the stem of O(src).
    type: str
  keep:
    description: How many backups to keep (0 keeps all).
    type: int
    default: 5
  backup:
    description:
      - For C(restore), the backup file to restore (a path, or a name in O(dest_dir)).
      - Default the latest.
    type: str
  sha256:
    description: For C(restore), the expected sha256 of the backup (default the one recorded next to it).
    type: str
  keep_replaced:
    description: For C(restore), keep the file being replaced.
    type: bool
    default: true
  free_space_paths:
    description: For C(check), paths (or their nearest existing parent) whose free bytes are reported.
    type: list
    elements: path
    default: []
  space_margin:
    description: For C(backup), the free space needed as a multiple of the database size.
    type: float
    default: 1.1
author: Bwaincell migration project (!UNKNOWN)
extends_documentation_fragment: [files]
"""

EXAMPLES = r"""
- name: Check the database and the free space of its backup directory
  sqlite_backup:
    src: /opt/bwaincell/data/bwaincell.sqlite
    free_space_paths: [/var/backups/bwaincell]

- name: Back it up, keeping the last five
  sqlite_backup:
    command: backup
    src: /opt/bwaincell/data/bwaincell.sqlite
    dest_dir: /var/backups/bwaincell
    keep: 5

- name: Put the latest backup back (the application stopped)
  sqlite_backup:
    command: restore
    src: /opt/bwaincell/data/bwaincell.sqlite
    dest_dir: /var/backups/bwaincell
"""

RETURN = r"""
exists: {description: C(check) whether O(src) exists, type: bool, returned: always}
integrity: {description: PRAGMA integrity_check (C(ok) when sound), type: str, returned: when readable}
size: {description: bytes of O(src), type: int, returned: when it exists}
counts: {description: rows per table, type: dict, returned: check}
free: {description: free bytes per path of O(free_space_paths), type: dict, returned: check}
devices: {description: file system (st_dev) of each path of O(free_space_paths), type: dict, returned: check}
path: {description: "the backup written or restored", type: str, returned: "backup, restore"}
sha256: {description: "sha256 of that backup", type: str, returned: "backup, restore"}
seconds: {description: "time the copy took", type: float, returned: "backup, restore"}
pruned: {description: backups removed by the retention, type: list, returned: backup}
backups: {description: "the backups kept, oldest first", type: list, returned: "backup, restore"}
replaced: {description: where the replaced file was kept, type: str, returned: restore}
"""

import hashlib
import os
import re
import shutil
import sqlite3
import time
from datetime import datetime, timezone
from typing import Any

from ansible.module_utils.basic import AnsibleModule


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def connect_ro(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.text_factory = bytes  # invalid UTF-8 in a TEXT column must not stop a check
    return conn


def integrity(path: str) -> str:
    conn = connect_ro(path)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    text = "; ".join(r[0].decode("utf-8", "replace") if isinstance(r[0], bytes) else str(r[0]) for r in rows)
    return text


def table_counts(path: str) -> dict[str, int]:
    conn = connect_ro(path)
    try:
        names = [
            r[0].decode() if isinstance(r[0], bytes) else r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
    finally:
        conn.close()


def nearest_existing(path: str) -> str:
    p = os.path.abspath(path)
    while not os.path.exists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


def free_bytes(path: str) -> int:
    st = os.statvfs(nearest_existing(path))
    return st.f_bavail * st.f_frsize


def backups_in(dest_dir: str, prefix: str) -> list[str]:
    pat = re.compile(rf"^{re.escape(prefix)}_\d{{8}}_\d{{6}}(_\d+)?\.sqlite$")
    if not os.path.isdir(dest_dir):
        return []
    return sorted(os.path.join(dest_dir, n) for n in os.listdir(dest_dir) if pat.match(n))


def read_sidecar(path: str) -> str | None:
    side = path + ".sha256"
    if not os.path.exists(side):
        return None
    with open(side, encoding="ascii") as f:
        return f.read().split()[0].lower()


def timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d_%H%M%S")  # noqa: UP017 (hosts may run Python < 3.11)


def do_check(module: AnsibleModule, src: str) -> dict[str, Any]:
    res: dict[str, Any] = {"changed": False, "exists": os.path.isfile(src), "readable": False}
    res["free"] = {p: free_bytes(p) for p in module.params["free_space_paths"]}
    res["devices"] = {p: os.stat(nearest_existing(p)).st_dev for p in module.params["free_space_paths"]}
    if not res["exists"]:
        return res
    res["size"] = os.path.getsize(src)
    res["readable"] = os.access(src, os.R_OK)
    if not res["readable"]:
        return res
    try:
        res["integrity"] = integrity(src)
        res["counts"] = table_counts(src)
    except sqlite3.Error as exc:
        res["integrity"] = f"error: {exc}"
        res["counts"] = {}
    return res


def do_backup(module: AnsibleModule, src: str, dest_dir: str, prefix: str) -> dict[str, Any]:
    if not os.path.isfile(src):
        module.fail_json(msg=f"SQLite database {src} does not exist")
    size = os.path.getsize(src)
    need = int(size * module.params["space_margin"]) + (1 << 20)
    free = free_bytes(dest_dir)
    if free < need:
        module.fail_json(
            msg=f"not enough room for the backup in {dest_dir}: {free} bytes free, {need} needed",
            free=free,
            need=need,
        )
    name = f"{prefix}_{timestamp()}.sqlite"
    path = os.path.join(dest_dir, name)
    n = 1
    while os.path.exists(path):
        path = os.path.join(dest_dir, f"{prefix}_{timestamp()}_{n}.sqlite")
        n += 1
    keep = module.params["keep"]
    if module.check_mode:
        existing = backups_in(dest_dir, prefix)
        would_prune = existing[: max(0, len(existing) + 1 - keep)] if keep > 0 else []
        return {"changed": True, "path": path, "sha256": None, "size": size, "pruned": would_prune}

    if not os.path.isdir(dest_dir):
        os.makedirs(dest_dir, mode=0o700)
    tmp = path + ".part"
    start = time.monotonic()
    old_umask = os.umask(0o077)
    try:
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=60)
        target = sqlite3.connect(tmp)
        try:
            # One step (pages=-1): the whole database is read inside one read
            # transaction, so the copy is a consistent snapshot even while the
            # application writes.
            source.backup(target, pages=-1)
        finally:
            target.close()
            source.close()
    except sqlite3.Error as exc:
        for leftover in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        module.fail_json(msg=f"online backup of {src} failed: {exc}")
    finally:
        os.umask(old_umask)
    check = integrity(tmp)
    if check != "ok":
        os.unlink(tmp)
        module.fail_json(msg=f"the backup copy of {src} fails PRAGMA integrity_check: {check}")
    digest = sha256_file(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.rename(tmp, path)
    fd = os.open(path + ".sha256", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(f"{digest}  {os.path.basename(path)}\n")
    seconds = round(time.monotonic() - start, 3)
    module.set_fs_attributes_if_different(module.load_file_common_arguments(module.params, path=path), False)
    pruned: list[str] = []
    if keep > 0:
        existing = backups_in(dest_dir, prefix)
        for old in existing[: max(0, len(existing) - keep)]:
            os.unlink(old)
            if os.path.exists(old + ".sha256"):
                os.unlink(old + ".sha256")
            pruned.append(old)
    return {
        "changed": True,
        "path": path,
        "sha256": digest,
        "size": os.path.getsize(path),
        "source_size": size,
        "seconds": seconds,
        "integrity": check,
        "pruned": pruned,
        "backups": backups_in(dest_dir, prefix),
    }


def do_restore(module: AnsibleModule, src: str, dest_dir: str | None, prefix: str) -> dict[str, Any]:
    wanted = module.params["backup"]
    if wanted and wanted != "latest":
        path = wanted if os.path.isabs(wanted) or not dest_dir else os.path.join(dest_dir, wanted)
    else:
        if not dest_dir:
            module.fail_json(msg="dest_dir or backup is needed to find the backup to restore")
        found = backups_in(dest_dir, prefix)
        if not found:
            module.fail_json(msg=f"no backup {prefix}_<timestamp>.sqlite in {dest_dir}")
        path = found[-1]
    if not os.path.isfile(path):
        module.fail_json(msg=f"backup {path} does not exist")
    expected = (module.params["sha256"] or read_sidecar(path) or "").lower()
    if not expected:
        module.fail_json(msg=f"no sha256 recorded for {path} ({path}.sha256 missing) and none given")
    digest = sha256_file(path)
    if digest != expected:
        module.fail_json(
            msg=f"backup {path} has sha256 {digest}, {expected} was recorded: refusing to restore it"
        )
    check = integrity(path)
    if check != "ok":
        module.fail_json(msg=f"backup {path} fails PRAGMA integrity_check: {check}")
    res: dict[str, Any] = {"path": path, "sha256": digest, "integrity": check, "replaced": None}
    if dest_dir:
        res["backups"] = backups_in(dest_dir, prefix)
    side = [src + s for s in ("-wal", "-shm", "-journal")]
    leftovers = [p for p in side if os.path.exists(p) and os.path.getsize(p) > 0]
    if os.path.isfile(src) and not leftovers and sha256_file(src) == digest:
        res["changed"] = False
        return res
    res["changed"] = True
    if module.check_mode:
        return res
    start = time.monotonic()
    st = os.stat(src) if os.path.exists(src) else None
    folder = os.path.dirname(os.path.abspath(src))
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o755)
    tmp = os.path.join(folder, f".{os.path.basename(src)}.restore")
    shutil.copyfile(path, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    if st is not None:
        os.chmod(tmp, st.st_mode & 0o7777)
        if os.geteuid() == 0:
            os.chown(tmp, st.st_uid, st.st_gid)
        if module.params["keep_replaced"]:
            res["replaced"] = f"{src}.before-restore-{timestamp()}"
            os.rename(src, res["replaced"])
    for p in side:
        if os.path.exists(p):
            if module.params["keep_replaced"] and res["replaced"]:
                os.rename(p, res["replaced"] + p[len(src) :])
            else:
                os.unlink(p)
    os.rename(tmp, src)
    if sha256_file(src) != digest:
        module.fail_json(msg=f"{src} does not match {path} after the copy", **res)
    res["seconds"] = round(time.monotonic() - start, 3)
    return res


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "command": {"type": "str", "choices": ["check", "backup", "restore"], "default": "check"},
            "src": {"type": "path", "required": True},
            "dest_dir": {"type": "path"},
            "prefix": {"type": "str"},
            "keep": {"type": "int", "default": 5},
            "backup": {"type": "str"},
            "sha256": {"type": "str", "no_log": False},
            "keep_replaced": {"type": "bool", "default": True},
            "free_space_paths": {"type": "list", "elements": "path", "default": []},
            "space_margin": {"type": "float", "default": 1.1},
        },
        required_if=[("command", "backup", ["dest_dir"])],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    src = module.params["src"]
    prefix = module.params["prefix"] or os.path.splitext(os.path.basename(src))[0]
    command = module.params["command"]
    if command == "check":
        module.exit_json(**do_check(module, src))
    elif command == "backup":
        module.exit_json(**do_backup(module, src, module.params["dest_dir"], prefix))
    else:
        module.exit_json(**do_restore(module, src, module.params["dest_dir"], prefix))


if __name__ == "__main__":
    main()
