"""The PostgreSQL end of a command line: a URL (postgresql://user@host:port/db) and the
connection flags, as the modules' login parameters (ConnectionOptions.from_params).
The password never comes from an argument: libpq reads PGPASSWORD and ~/.pgpass
(PGPASSFILE) itself; on a terminal, when the server asks for one and neither has it,
it is asked for, as psql does."""

from __future__ import annotations

import dataclasses
import getpass
import sys
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import KIND_CONNECTION, MigrationError
from ..pg_target import ConnectionOptions, connect

SCHEMES = ("postgresql", "postgres")
_DEFAULTS = ConnectionOptions()


class UsageError(ValueError):
    """Bad arguments (exit status 2)."""


def login_params(url: str) -> dict[str, Any]:
    """The modules' login parameters that the URL carries; a socket directory as host
    (percent-encoded, or ?host=/dir) is login_unix_socket."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise UsageError(f"{url!r} is not a postgresql://user@host:port/database URL")
    if parts.password is not None:
        raise UsageError(
            "the URL holds a password: command lines are seen by every user of the machine; "
            "give it in PGPASSWORD or ~/.pgpass (PGPASSFILE), or type it when asked"
        )
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise UsageError(f"{url!r} names no database (postgresql://user@host:port/DATABASE)")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    if set(query) - {"host"}:
        raise UsageError(f"{url!r}: only ?host=/socket/dir is taken; the other settings are flags")
    host = unquote(query.get("host") or parts.hostname or "")
    try:
        port = parts.port or _DEFAULTS.port
    except ValueError as exc:
        raise UsageError(f"{url!r}: {exc}") from None
    return {
        "login_host": "" if host.startswith("/") else host,
        "login_unix_socket": host if host.startswith("/") else None,
        "login_port": port,
        "login_user": unquote(parts.username) if parts.username else _DEFAULTS.user,
        "login_password": None,
        "login_db": database,
    }


def connection_for(url: str, flags: dict[str, Any], application_name: str) -> ConnectionOptions:
    return ConnectionOptions.from_params({**login_params(url), **flags}, application_name)


def with_password(connection: ConnectionOptions) -> ConnectionOptions:
    """``connection``, tried once; with a password typed at the terminal when the
    server wants one that libpq has not found. Raises MigrationError (kind connection)."""
    try:
        connect(connection).close()
        return connection
    except MigrationError as exc:
        if not (_needs_password(exc) and sys.stdin.isatty()):
            raise
    password = getpass.getpass(f"Password for {connection.describe()}: ")
    if not password:
        raise MigrationError("no password given", kind=KIND_CONNECTION)
    typed = dataclasses.replace(connection, password=password)
    connect(typed).close()
    return typed


def _needs_password(exc: MigrationError) -> bool:
    # libpq's own words when the server asks for a password it has none for
    # (psycopg2 does not expose PQconnectionNeedsPassword).
    return exc.kind == KIND_CONNECTION and "no password supplied" in str(exc.__cause__ or "")
