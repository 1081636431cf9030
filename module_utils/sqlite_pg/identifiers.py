"""Quoting PostgreSQL identifiers and literals."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """Always quote: keeps reserved words, mixed case and spaces exactly as in SQLite."""
    if "\x00" in name:
        raise ValueError(f"identifier contains a NUL byte: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def quote_literal(text: str) -> str:
    # standard_conforming_strings is on in every supported PostgreSQL.
    return "'" + text.replace("'", "''") + "'"


def column_list(names: list[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)
