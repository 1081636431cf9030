#!/usr/bin/env python3
"""A stand-in for the Bwaincell application, for the migration tests.

A small real HTTP service. At start it reads its ``.env`` the way the
application does (see the migration guide, "Configuration Changes"):

* ``DATABASE_URL=postgresql://user:pass@host:port/db`` set: PostgreSQL
  (percent-encoded user and password, as in any libpq URI);
* otherwise ``DATABASE_PATH=./data/bwaincell.sqlite``: SQLite, a relative
  path being relative to the directory of the ``.env``.

``GET /health`` queries whichever database it is configured for and answers
``{"status": "ok", "backend": "postgres"|"sqlite", "counts": {table: rows}}``
(503 with ``status: error`` when the database cannot be read). ``GET /`` is
the same without counts. With ``--write-every S`` (or ``STANDIN_WRITE_EVERY``
in the ``.env``) it also inserts a note every S seconds, as a running bot
would, so a backup can be tested against a database that is being written.

Standard library only, plus psycopg2 for PostgreSQL. The .env is read as
Node's dotenv reads it (``parse_env``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

TABLES = ("users", "lists", "tasks", "notes", "reminders", "budget", "schedules")
LOG = logging.getLogger("bwaincell-standin")


# Node's dotenv (16, 17 and 18: LINE and parse() in its lib/main.js) in
# Python's re. JavaScript's \s, and its ^ and $ with the m flag (after or
# before any line terminator), are spelt out: Python's differ.
_JS_SPACES = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_SPACE = f"[{_JS_SPACES}]"
_JS_BOL = "(?<![^\n\r\u2028\u2029])"
_JS_EOL = "(?=[\n\r\u2028\u2029]|\\Z)"
_DOTENV_LINE = re.compile(
    rf"{_JS_BOL}{_JS_SPACE}*(?:export{_JS_SPACE}+)?([A-Za-z0-9_.-]+)(?:{_JS_SPACE}*={_JS_SPACE}*?|:{_JS_SPACE}+?)"
    rf"({_JS_SPACE}*'(?:\\'|[^'])*'|{_JS_SPACE}*\"(?:\\\"|[^\"])*\"|{_JS_SPACE}*`(?:\\`|[^`])*`|[^#\r\n]+)?"
    rf"{_JS_SPACE}*(?:#[^\n\r\u2028\u2029]*)?{_JS_EOL}"
)
_DOTENV_QUOTED = re.compile(rf"{_JS_BOL}(['\"`])([\s\S]*)\1{_JS_EOL}")


def parse_env(text: str) -> dict[str, str]:
    """The variables of a .env's text, exactly as the application's dotenv reads them."""
    env: dict[str, str] = {}
    for match in _DOTENV_LINE.finditer(re.sub(r"\r\n?", "\n", text)):
        value = (match.group(2) or "").strip(_JS_SPACES)
        quote = value[:1]
        value = _DOTENV_QUOTED.sub(r"\2", value)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        env[match.group(1)] = value
    return env


def read_env(path: Path) -> dict[str, str]:
    """The variables of the .env file at path (see parse_env)."""
    return parse_env(path.read_text(encoding="utf-8"))


class Database:
    """Whichever database the ``.env`` names."""

    def __init__(self, env: dict[str, str], base: Path) -> None:
        url = env.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            self.backend = "postgres"
            parts = urlsplit(url)
            self.pg: dict[str, Any] = {
                "host": parts.hostname or "localhost",
                "port": parts.port or 5432,
                "user": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "dbname": unquote(parts.path.lstrip("/")),
                "connect_timeout": 5,
            }
            self.where = (
                f"postgresql://{self.pg['user']}@{self.pg['host']}:{self.pg['port']}/{self.pg['dbname']}"
            )
        elif env.get("DATABASE_PATH"):
            self.backend = "sqlite"
            path = Path(env["DATABASE_PATH"])
            self.path = path if path.is_absolute() else (base / path)
            self.where = str(self.path.resolve())
        else:
            raise SystemExit("neither DATABASE_URL (postgresql://) nor DATABASE_PATH is set in the .env")
        self.lock = threading.Lock()

    def _pg(self) -> Any:
        import psycopg2  # only needed on PostgreSQL

        return psycopg2.connect(**self.pg)

    def counts(self) -> dict[str, int]:
        if self.backend == "postgres":
            conn = self._pg()
            try:
                with conn.cursor() as cur:
                    out = {}
                    for t in TABLES:
                        cur.execute(f'SELECT count(*) FROM "{t}"')
                        out[t] = int(cur.fetchone()[0])
                    return out
            finally:
                conn.close()
        if not self.path.exists():
            raise FileNotFoundError(self.path)
        conn3 = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            return {t: int(conn3.execute(f"SELECT count(*) FROM `{t}`").fetchone()[0]) for t in TABLES}
        finally:
            conn3.close()

    def write_note(self) -> None:
        now = datetime.now(UTC)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d} +00:00"
        if self.backend == "postgres":
            conn = self._pg()
            try:
                with conn, conn.cursor() as cur:
                    cur.execute(
                        "INSERT INTO notes (user_id, title, content, is_pinned, created_at, updated_at)"
                        " VALUES ((SELECT min(id) FROM users), %s, %s, false, now(), now())",
                        ("standin", f"written at {stamp}"),
                    )
            finally:
                conn.close()
            return
        conn3 = sqlite3.connect(self.path, timeout=10)
        try:
            with conn3:
                conn3.execute(
                    "INSERT INTO `notes` (`user_id`, `title`, `content`, `is_pinned`,"
                    " `created_at`, `updated_at`) VALUES ((SELECT min(`id`) FROM `users`), ?, ?, 0, ?, ?)",
                    ("standin", f"written at {stamp}", stamp, stamp),
                )
        finally:
            conn3.close()


def make_handler(db: Database, started: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "bwaincell-standin/1"

        def log_message(self, fmt: str, *args: Any) -> None:
            LOG.info("%s %s", self.address_string(), fmt % args)

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, sort_keys=True).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            base = {"backend": db.backend, "database": db.where, "pid": os.getpid(), "started": started}
            if self.path.split("?")[0] not in ("/health", "/"):
                self._send(404, {"status": "not found"})
                return
            try:
                counts = db.counts()
            except Exception as exc:  # any database error is an unhealthy answer
                self._send(503, {**base, "status": "error", "error": f"{type(exc).__name__}: {exc}"})
                return
            if self.path.startswith("/health"):
                self._send(200, {**base, "status": "ok", "counts": counts, "total": sum(counts.values())})
            else:
                self._send(200, {**base, "status": "ok"})

    return Handler


def _writer(db: Database, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            db.write_note()
        except Exception as exc:  # keep running, as a bot would
            LOG.warning("write failed: %s", exc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Bwaincell stand-in: /health reports backend and row counts")
    p.add_argument("--env", default=os.environ.get("BWAINCELL_ENV", ".env"), help="path of the .env file")
    p.add_argument("--host", default=os.environ.get("STANDIN_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("STANDIN_PORT", "3000")))
    p.add_argument("--write-every", type=float, default=None, help="insert a note every S seconds")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    env_path = Path(args.env).resolve()
    env = read_env(env_path)
    db = Database(env, env_path.parent)
    every = (
        args.write_every if args.write_every is not None else float(env.get("STANDIN_WRITE_EVERY", "0") or 0)
    )
    started = datetime.now(UTC).isoformat()
    LOG.info("backend %s at %s (env %s)", db.backend, db.where, env_path)

    server = ThreadingHTTPServer((args.host, int(env.get("PORT", args.port))), make_handler(db, started))
    stop = threading.Event()
    if every > 0:
        threading.Thread(target=_writer, args=(db, every, stop), daemon=True).start()

    def _term(signum: int, _frame: Any) -> None:
        LOG.info("signal %d: stopping", signum)
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGINT, _term)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        # Give a running write a moment to finish before the process ends.
        time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
