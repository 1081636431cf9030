"""Helpers for the module's integration tests."""

from __future__ import annotations

from typing import Any

import sqlite_pg.migrate as migrate
from sqlite_pg.options import Options
from sqlite_pg.pg_target import ConnectionOptions


def options_for(db: Any, src: str, **extra: Any) -> Options:
    args = db.module_args()
    connection = ConnectionOptions(
        host=args["login_host"],
        port=args["port"],
        user=args["login_user"],
        password=args["login_password"],
        database=args["login_db"],
        ssl_mode="disable",
    )
    return Options(src=str(src), connection=connection, **extra)


def migrate_db(db: Any, src: str, **extra: Any) -> dict[str, Any]:
    return migrate.run(options_for(db, src, **extra))
