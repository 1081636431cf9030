"""Quoting PostgreSQL identifiers and literals."""

from __future__ import annotations

NAMEDATALEN = 64  # PostgreSQL's build constant: a name holds at most NAMEDATALEN - 1 bytes


def pg_name(name: str) -> str:
    """The name PostgreSQL stores for the identifier ``name``: its parser cuts
    identifiers to NAMEDATALEN - 1 = 63 bytes at a character boundary
    (pg_mbcliplen, with a NOTICE). Bytes of UTF-8, the server encoding the
    roles create. Every SQLite name that meets the catalog goes through this."""
    encoded = name.encode("utf-8")
    if len(encoded) < NAMEDATALEN:
        return name
    return encoded[: NAMEDATALEN - 1].decode("utf-8", errors="ignore")  # drops a cut character


def object_name(name1: str, name2: str | None, label: str) -> str:
    """The first name PostgreSQL picks for an object it names itself (makeObjectName:
    ``table_pkey``, ``table_columns_key``, ``table_column_seq``), both parts shortened
    until the whole fits 63 bytes; if that name is taken it picks another."""
    first, second = name1.encode("utf-8"), (name2 or "").encode("utf-8")
    overhead = len(label.encode("utf-8")) + 1 + (1 if name2 is not None else 0)
    available = NAMEDATALEN - 1 - overhead
    cut1, cut2 = len(first), len(second)
    while cut1 + cut2 > available:
        if cut1 > cut2:
            cut1 -= 1
        else:
            cut2 -= 1
    parts = [first[:cut1].decode("utf-8", errors="ignore")]
    if name2 is not None:
        parts.append(second[:cut2].decode("utf-8", errors="ignore"))
    return "_".join([*parts, label])


def quote_ident(name: str) -> str:
    """Always quote: keeps reserved words, mixed case and spaces exactly as in SQLite.
    The name is given as PostgreSQL stores it (pg_name): the DDL shows what the catalog holds."""
    if "\x00" in name:
        raise ValueError(f"identifier contains a NUL byte: {name!r}")
    return '"' + pg_name(name).replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def quote_literal(text: str) -> str:
    # standard_conforming_strings is on in every supported PostgreSQL.
    return "'" + text.replace("'", "''") + "'"


def column_list(names: list[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)
