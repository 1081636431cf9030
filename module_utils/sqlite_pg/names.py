"""SQLite names as PostgreSQL will store them (cut to 63 bytes, identifiers.pg_name):
which names change (reported), and which would collide (refused before writing).

Tables, indexes, sequences and views share one namespace per schema in
PostgreSQL, so a created index is checked against every relation there, and
against the names PostgreSQL gives the keys and identity sequences of the
created tables (identifiers.object_name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .errors import Problem
from .identifiers import pg_name

_CUT = "PostgreSQL cuts names to 63 bytes"


@dataclass(frozen=True)
class MappedName:
    """A SQLite name PostgreSQL stores shorter. ``table``: the SQLite table of a column or index."""

    kind: str  # schema | table | column | index
    name: str
    postgres_name: str
    table: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f" of table {self.table}" if self.table and self.kind != "table" else ""
        return f"{self.kind} {self.name}{where} is {self.postgres_name} in PostgreSQL ({_CUT})"


@dataclass(frozen=True)
class NewRelation:
    """A relation the DDL of a created table makes. ``named``: by the module (the
    table, its indexes); otherwise PostgreSQL names it and avoids a name in use."""

    kind: str  # table | index | primary key | unique constraint | identity sequence
    name: str  # the SQLite name, or what PostgreSQL names it after
    postgres_name: str
    named: bool = False

    def __str__(self) -> str:
        return f"{self.kind} {self.name}" + ("" if self.named else f" (named {self.postgres_name})")


def mapped(kind: str, name: str, table: str | None = None) -> MappedName | None:
    stored = pg_name(name)
    return MappedName(kind, name, stored, table) if stored != name else None


def mapped_names(
    schema: str, columns: dict[str, list[str]], created: dict[str, list[NewRelation]]
) -> list[MappedName]:
    """The names of this migration PostgreSQL stores shorter: the schema, the tables
    and their loaded ``columns`` (by table), the indexes of the ``created`` tables."""
    found = [mapped("schema", schema)]
    for table, names in columns.items():
        found.append(mapped("table", table, table))
        found += [mapped("column", column, table) for column in names]
        found += [mapped("index", r.name, table) for r in created.get(table, []) if r.kind == "index"]
    return [m for m in found if m is not None]


def colliding(names: Iterable[str]) -> list[tuple[str, str, str]]:
    """(first, other, PostgreSQL name) for each name cut to the same name as an earlier one."""
    first: dict[str, str] = {}
    found: list[tuple[str, str, str]] = []
    for name in names:
        stored = pg_name(name)
        if stored in first:
            found.append((first[stored], name, stored))
        else:
            first[stored] = name
    return found


def table_collisions(names: list[str]) -> list[Problem]:
    return [
        Problem(
            other,
            f"tables {first} and {other} are both {stored} in PostgreSQL ({_CUT}): "
            "leave one out (exclude_tables) or rename it in SQLite",
        )
        for first, other, stored in colliding(names)
    ]


def column_collisions(table: str, columns: list[str]) -> list[Problem]:
    return [
        Problem(
            table,
            f"columns {first} and {other} are both {stored} in PostgreSQL ({_CUT}): "
            f"leave one out (exclude_columns: {table}.{other}) or rename it in SQLite",
            other,
        )
        for first, other, stored in colliding(columns)
    ]


def relation_collisions(existing: dict[str, str], created: dict[str, list[NewRelation]]) -> list[Problem]:
    """Relations of the created tables whose names are taken: by a relation of the
    schema (``existing``: name -> kind, from the catalog) or by another created one.
    A name PostgreSQL picks itself moves aside for one in use, so a clash needs the
    later of the two to be named by the module (a table is created before any index)."""
    problems: list[Problem] = []
    claimed: dict[str, tuple[str, NewRelation]] = {}
    # In the order PostgreSQL makes them: every CREATE TABLE (with its sequences) first.
    made = [(table, new) for table, news in created.items() for new in news]
    made.sort(key=lambda item: item[1].kind not in ("table", "identity sequence"))
    for table, new in made:
        taken = claimed.get(new.postgres_name)
        if new.named and new.postgres_name in existing:
            holder = f"the existing PostgreSQL {existing[new.postgres_name]} {new.postgres_name}"
        elif taken is not None and (new.named or taken[1].named):
            holder = f"{taken[1]} of table {taken[0]}" if taken[0] != table else str(taken[1])
        else:
            claimed.setdefault(new.postgres_name, (table, new))
            continue
        renamed = "" if new.postgres_name == new.name else f" would be {new.postgres_name} ({_CUT}) and"
        way = (
            "leave the table out (exclude_tables) or rename or drop the PostgreSQL relation"
            if new.kind == "table"
            else "rename the index in SQLite, or leave the table out (exclude_tables)"
        )
        problems.append(Problem(table, f"{new}{renamed} clashes with {holder}: {way}"))
    return problems
