"""privileges.missing: what the run needs against what the catalog says the role may do."""

from __future__ import annotations

from sqlite_pg.pg_target import SerialSequence
from sqlite_pg.privileges import Access, Reference, TableAccess, TableNeeds, missing


def table(owned: bool = False, row_security: bool = False, **denied: set[str]) -> TableAccess:
    return TableAccess(
        owner="app_owner",
        owned=owned,
        analyzable=owned,
        truncate=True,
        row_security=row_security,
        denied={p: frozenset(denied.get(p.lower(), set())) for p in ("SELECT", "INSERT", "REFERENCES")},
    )


def access(schema_exists: bool = True, database_create: bool = False, **tables: TableAccess) -> Access:
    return Access("loader", "app", database_create, "public", schema_exists, True, True, tables)


def test_everything_granted_needs_nothing() -> None:
    sequence = SerialSequence("t", "id", "public.t_id_seq", "app_owner", owned=False, can_update=True)
    needs = [TableNeeds("t", ("id", "v"), load=True, truncate=True, sequences=(sequence,))]
    assert missing(access(t=table()), needs, [], []) == []


def test_row_security_ownership_for_widening_and_an_unmovable_sequence() -> None:
    sequence = SerialSequence("t", "id", "public.t_id_seq", "app_owner", owned=False, can_update=False)
    needs = [TableNeeds("t", ("id", "v"), load=True, alter=True, sequences=(sequence,))]
    problems = missing(access(t=table(row_security=True)), needs, [], [])
    reasons = [p.reason for p in problems]
    assert len(reasons) == 3
    assert reasons[0].startswith("row-level security applies to role loader on table t")
    assert "widen_varchar" in reasons[1] and 'GRANT "app_owner" TO "loader"' in reasons[1]
    assert reasons[2].endswith('GRANT UPDATE ON SEQUENCE public.t_id_seq TO "loader"')
    assert problems[2].column == "id"


def test_a_table_only_compared_needs_select_only() -> None:
    needs = [TableNeeds("t", ("id", "v"))]
    assert missing(access(t=table(insert={"id", "v"})), needs, [], []) == []
    problems = missing(access(t=table(select={"v"})), needs, [], [])
    assert [(p.column, p.reason.split(":")[-1]) for p in problems] == [
        ("v", ' GRANT SELECT ("v") ON TABLE "public"."t" TO "loader"')
    ]


def test_created_tables_need_the_schema_or_the_database_and_references() -> None:
    parent = table(references={"id"})
    refs = [Reference("child", "parent", ("id",))]
    problems = missing(access(schema_exists=False, parent=parent), [], ["child"], refs)
    assert [p.table for p in problems] == ["public (schema)", "child"]
    assert 'GRANT CREATE ON DATABASE "app" TO "loader"' in problems[0].reason
    assert 'GRANT REFERENCES ON TABLE "public"."parent" TO "loader"' in problems[1].reason
    assert (
        missing(access(schema_exists=False, database_create=True, parent=table()), [], ["child"], refs) == []
    )
