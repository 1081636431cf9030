"""Write a sample Bwaincell SQLite database the way the application writes it.

The application (Sequelize v6 on SQLite) creates its tables with backquoted
names and these declared types: ``UUID``, ``VARCHAR(n)``, ``TEXT``,
``TINYINT(1)`` (booleans stored 0/1), ``DATETIME`` (TEXT
``2024-04-19 02:51:06.990 +00:00``), ``DATE`` (``2024-03-21``), ``TIME``
(``11:02:00``), ``DECIMAL(10,2)``, ``FLOAT``, ``JSON`` (TEXT), ``BLOB``, ENUM
as ``TEXT``, ``INTEGER PRIMARY KEY AUTOINCREMENT`` (with ``sqlite_sequence``),
snake_case columns (``underscored: true``) and ``created_at``/``updated_at``.

Usage::

    scripts/bwaincell_sample.py sample/bwaincell.sqlite            # ~1,000 rows
    scripts/bwaincell_sample.py --rows 1000000 --seed 7 big.sqlite
    scripts/bwaincell_sample.py --defect varchar bad.sqlite         # fails validation

A package (models, ddl, rows, defects, sample, cli); ``scripts/bwaincell_sample.py`` runs
its command line. Importable with ``scripts`` on ``sys.path`` (tests and the benchmark use it)::

    from bwaincell_sample import TABLES, SQLITE_DDL, POSTGRES_DDL, create_sample

``POSTGRES_DDL`` is what the application's ``sequelize.sync()`` creates for the
same models on PostgreSQL: ``uuid``, ``boolean``, ``timestamp with time zone``,
``date``, ``time``, ``numeric(10,2)``, ``double precision``, ``json``,
``bytea``, enum types ``enum_<table>_<column>``, ``serial`` ids, ``varchar(n)``.

Only the standard library is used.
"""

from __future__ import annotations

from .ddl import POSTGRES_COLUMN_TYPES, POSTGRES_DDL, SQLITE_DDL, postgres_ddl, sqlite_ddl
from .defects import DEFECTS
from .models import ENUMS, MODELS, TABLES, Column, Model, row_shares
from .rows import format_datetime
from .sample import create_sample, table_counts

__all__ = [
    "DEFECTS",
    "ENUMS",
    "MODELS",
    "POSTGRES_COLUMN_TYPES",
    "POSTGRES_DDL",
    "SQLITE_DDL",
    "TABLES",
    "Column",
    "Model",
    "create_sample",
    "format_datetime",
    "postgres_ddl",
    "row_shares",
    "sqlite_ddl",
    "table_counts",
]
