"""The tokenizer and CREATE TABLE/VIEW parser of SQLite's schema SQL."""

from __future__ import annotations

import pytest
from sqlite_pg.sqlite_sql import SqlSyntaxError, parse_create_table, tokenize, view_select


def test_tokens_quoting_comments_and_literals() -> None:
    sql = (
        "\"a \"\"b\"\"\" [c d] `e``f` 'it''s' x'00ff' -- a comment (\n"
        "/* another, with ) and ' */ 1.5e3 0x1F .5 ? :name || <> != >= ->>"
    )
    tokens = tokenize(sql)
    assert [(t.kind, t.text) for t in tokens] == [
        ("name", 'a "b"'), ("name", "c d"), ("name", "e`f"), ("string", "it's"), ("blob", "00ff"),
        ("number", "1.5e3"), ("number", "0x1F"), ("number", ".5"), ("param", "?"), ("param", ":name"),
        ("op", "||"), ("op", "<>"), ("op", "!="), ("op", ">="), ("op", "->>"),
    ]  # fmt: skip
    assert sql[tokens[3].start : tokens[3].end] == "'it''s'"


def test_unterminated_quotes_are_errors() -> None:
    for sql in ("'open", '"open', "[open", "x'00"):
        with pytest.raises(SqlSyntaxError):
            tokenize(sql)


def test_create_table_generated_checks_collations() -> None:
    table = parse_create_table(
        """CREATE TABLE "t" (
          id INTEGER PRIMARY KEY,
          [b c] DECIMAL(10, 2) DEFAULT (cast(1 AS int)) COLLATE nocase CHECK (length([b c]) > 0),
          g INT GENERATED ALWAYS AS (id * (2 + 1)) /* as (not this) */ STORED NOT NULL,
          v TEXT AS (lower("b c") || ')') VIRTUAL,
          w AS (id),
          d TEXT DEFAULT 'AS (x)' CHECK (d <> ','),
          CONSTRAINT "pos" CHECK (id > 0), UNIQUE (id, d), CHECK (g < 100),
          FOREIGN KEY (id) REFERENCES other (id)
        ) WITHOUT ROWID"""
    )
    assert list(table.columns) == ["id", "b c", "g", "v", "w", "d"]
    assert table.column("B C").collation == "NOCASE"
    g, v, w = table.column("g"), table.column("v"), table.column("w")
    assert (g.generated.text, g.stored) == ("id * (2 + 1)", True)
    assert (v.generated.text, v.stored) == ("lower(\"b c\") || ')'", False)
    assert (w.generated.text, w.stored) == ("id", False)
    assert table.column("d").generated is None
    assert [(c.name, c.column, c.expression.text) for c in table.checks] == [
        (None, "b c", "length([b c]) > 0"),
        (None, "d", "d <> ','"),
        ("pos", None, "id > 0"),
        (None, None, "g < 100"),
    ]


def test_not_a_create_table() -> None:
    with pytest.raises(SqlSyntaxError):
        parse_create_table("CREATE TABLE t AS SELECT 1")
    with pytest.raises(SqlSyntaxError):
        parse_create_table("CREATE TABLE t (a INT")


def test_view_select_and_its_column_list() -> None:
    tokens, names = view_select('CREATE VIEW "v" ("x", y) AS SELECT a AS "AS" FROM t;')
    assert [t.text for t in tokens] == ["SELECT", "a", "AS", "AS", "FROM", "t"]
    assert names == ["x", "y"]
    assert view_select("CREATE VIEW v AS SELECT 1")[1] is None
