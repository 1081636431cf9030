"""Casting rules for created tables, and default translation: one case per rule."""

from __future__ import annotations

import pytest
from sqlite_pg.pg_types import column_type as column_type_of
from sqlite_pg.type_rules import CAST_RULES, postgres_type, translate_default


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("TINYINT(1)", "boolean"),
        ("tinyint( 1 )", "boolean"),
        ("BOOLEAN", "boolean"),
        ("UUID", "uuid"),
        ("DATETIME", "timestamp with time zone"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp with time zone"),
        ("DATE", "date"),
        ("TIME", "time without time zone"),
        ("JSON", "json"),
        ("JSONB", "jsonb"),
        ("VARCHAR(255)", "varchar(255)"),
        ("varchar(32)", "varchar(32)"),
        ("CHARACTER VARYING(10)", "varchar(10)"),
        ("NVARCHAR(40)", "varchar(40)"),
        ("CHAR(3)", "varchar(3)"),
        ("DECIMAL(10,2)", "numeric(10,2)"),
        ("NUMERIC(12, 4)", "numeric(12,4)"),
        ("DECIMAL(8)", "numeric(8)"),
        ("DECIMAL", "numeric"),
        ("FLOAT", "double precision"),
        ("DOUBLE PRECISION", "double precision"),
        ("REAL", "double precision"),
        ("DOUBLE", "double precision"),
        ("BIGINT", "bigint"),
        ("INTEGER", "integer"),
        ("INT(11)", "integer"),
        ("INT UNSIGNED", "integer"),
        ("SMALLINT", "smallint"),
        ("TINYINT", "smallint"),
        ("TEXT", "text"),
        ("CLOB", "text"),
        ("VARCHAR", "text"),
        ("BLOB", "bytea"),
        ("", "text"),
        # unknown spellings fall back to SQLite's affinity rules
        ("UNSIGNED MEDIUM INTEGER", "bigint"),
        ("LONG VARCHAR STUFF", "text"),
        ("BINARY BLOB THING", "bytea"),
        ("FLOATING POINT", "bigint"),  # SQLite: contains "INT" -> INTEGER affinity (datatype3)
        ("MONEYBAGS", "numeric"),
    ],
)
def test_declared_types(declared: str, expected: str) -> None:
    assert postgres_type(declared) == expected


def test_every_rule_is_reachable() -> None:
    examples = {"": "text"}
    for rule in CAST_RULES:
        assert rule.target  # each rule maps somewhere
    assert postgres_type("") == examples[""]


@pytest.mark.parametrize(
    ("default", "pg_type", "expression", "literal"),
    [
        ("CURRENT_TIMESTAMP", "timestamp with time zone", "CURRENT_TIMESTAMP", None),
        ("datetime('now')", "timestamp with time zone", "CURRENT_TIMESTAMP", None),
        ("(datetime('now'))", "timestamp with time zone", "CURRENT_TIMESTAMP", None),
        ("(datetime('now','localtime'))", "timestamp with time zone", "CURRENT_TIMESTAMP", None),
        ("strftime('%Y-%m-%d %H:%M:%f','now')", "timestamp with time zone", "CURRENT_TIMESTAMP", None),
        ("CURRENT_DATE", "date", "CURRENT_DATE", None),
        ("date('now')", "date", "CURRENT_DATE", None),
        ("CURRENT_TIME", "time without time zone", "LOCALTIME", None),
        ("CURRENT_TIMESTAMP", "date", "CURRENT_DATE", None),
        ("'user'", "text", None, b"user"),
        ("'it''s'", "text", None, b"it's"),
        ("0", "boolean", None, 0),
        ("(1)", "boolean", None, 1),
        ("-2.5", "double precision", None, -2.5),
        ("TRUE", "boolean", None, 1),
        ("X'00ff'", "bytea", None, b"\x00\xff"),
    ],
)
def test_defaults(default: str, pg_type: str, expression: str | None, literal: object) -> None:
    translated = translate_default(default, pg_type)
    assert translated is not None
    assert translated.expression == expression
    assert translated.literal == literal


def test_no_default_and_null_default() -> None:
    assert translate_default(None, "text") is None
    assert translate_default("NULL", "text") is None


def test_untranslatable_default_is_an_error_not_a_string() -> None:
    with pytest.raises(ValueError, match="cannot translate"):
        translate_default("random()", "integer")


def test_every_rule_target_has_its_own_converter() -> None:
    """A created column is converted and checked as its PostgreSQL type: no rule
    target may fall back to plain text (as json once did)."""
    for rule in CAST_RULES:
        target = rule.target.format(None, "10", "2")
        assert column_type_of(target).name != "text" or target == "text", target
