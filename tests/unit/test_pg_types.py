"""The type registry (pg_types.py): one entry per PostgreSQL type; an unknown
spelling is an error, an unknown target type is sent as text (inexact)."""

from __future__ import annotations

import pytest
from sqlite_pg.converters import ColumnType, TextPolicy
from sqlite_pg.pg_types import BY_CATALOG, TYPES, column_type, converter_for, fast_field, registered
from sqlite_pg.type_rules import CAST_RULES, CastRule


def test_a_rule_naming_a_type_the_registry_lacks_fails_when_written() -> None:
    # CAST_RULES is built of CastRule(...) at import: this is the import's failure.
    with pytest.raises(ValueError, match="not in the type registry"):
        CastRule(r"money", "monetary")
    with pytest.raises(ValueError, match="not in the type registry"):
        CastRule(r"ipv4", "inet")


def test_an_unknown_spelling_is_an_error_not_text() -> None:
    for spelling in ("hstore", "texts", "varchar(", "timestamp with zone"):
        with pytest.raises(ValueError, match="not in the type registry"):
            column_type(spelling)
    with pytest.raises(ValueError, match="takes no modifiers"):
        column_type("boolean(1)")
    with pytest.raises(ValueError, match="takes no modifiers"):
        column_type("varchar(10,2)")


def test_every_rule_maps_to_its_entry() -> None:
    for rule in CAST_RULES:
        entry = rule.type
        spelled = rule.target.format(None, "12", "3")
        assert column_type(spelled).name == entry.catalog, rule
        assert registered(spelled) is entry


def test_entries_are_unique_and_consistent() -> None:
    assert len({t.catalog for t in TYPES}) == len(TYPES)
    assert len({t.spelling for t in TYPES}) == len(TYPES)
    for entry in TYPES:
        column = column_type(entry.spelling)
        assert column.name == entry.catalog
        _convert, exact = converter_for(column, TextPolicy())
        assert exact is entry.exact
        if entry.renderer is None:  # (a renderer may decline a column: numeric with no precision, ...)
            assert fast_field(column, TextPolicy(), '"c"') is None, entry.catalog


def test_modifiers_reach_the_column_type() -> None:
    assert column_type("varchar(20)") == ColumnType("varchar", "character varying(20)", length=20)
    assert column_type("numeric(10,2)") == ColumnType("numeric", "numeric(10,2)", precision=10, scale=2)
    assert column_type("numeric(7)") == ColumnType("numeric", "numeric(7)", precision=7, scale=0)
    assert column_type("numeric") == ColumnType("numeric", "numeric")


def test_an_existing_column_of_an_unknown_type_goes_as_text_inexact() -> None:
    assert "inet" not in BY_CATALOG
    convert, exact = converter_for(ColumnType("inet", "inet"), TextPolicy())
    assert exact is False
    assert convert(b"10.0.0.1\t") == "10.0.0.1\\t"
    assert fast_field(ColumnType("inet", "inet"), TextPolicy(), '"c"') is None
