"""Phase 4, compare: which tables to load. A non-empty target table equal to the
source (by digest) is left alone; one that differs is replaced
(if_not_empty=replace, with the migrated tables referencing it) or reported."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .copy_text import RowDigest
from .errors import Problem, ProblemLog
from .options import Options
from .outcome import TableResult
from .prepare import Prepared
from .read_ahead import SourceLease
from .target_session import TargetSession
from .verify import diff_rows, target_digest, target_has_rows


@dataclass(frozen=True)
class Comparison:
    to_load: list[str]  # in foreign-key order
    results: dict[str, TableResult]  # every table's, in foreign-key order


def compare(
    session: TargetSession, lease: SourceLease, prepared: Prepared, options: Options, problems: ProblemLog
) -> Comparison:
    """Tables to load, and each table's result so far; the differences found into ``problems``."""
    conn, schema = session.conn, session.schema
    plans = prepared.plans
    results = {
        n: TableResult(
            n,
            created=plans[n].created,
            numeric_dates={c: found.as_dict() for c, found in plans[n].numbers.items()},
            column_types={c: plans[n].types[c].formatted for c in plans[n].columns},
        )
        for n in prepared.order
    }
    to_load: list[str] = []
    for name, copy in prepared.copies.items():
        plan = plans[name]
        started = time.monotonic()
        if plan.created:
            to_load.append(name)
            continue
        if not target_has_rows(conn, schema, name):
            with lease.reading() as source:
                empty = source.count(name) == 0
            if empty:  # empty on both sides: nothing to do
                results[name].verified = True
                results[name].digest = RowDigest().hexdigest()
                continue
            to_load.append(name)
            continue
        found = len(problems.items)
        with lease.reading():
            tally = copy.run(problems)
        target = target_digest(conn, schema, name, copy.columns, copy.read_back(tally))
        result = results[name]
        result.source_rows, result.target_rows = tally.digest.count, target.count
        result.digest = tally.digest.hexdigest()
        result.seconds = time.monotonic() - started
        if len(problems.items) > found:  # values it cannot take: those are this table's report
            continue
        if tally.digest == target and not plan.widen:
            result.verified = True
            continue
        if options.if_not_empty == "replace":
            result.action = "replaced"
            to_load.append(name)
            continue
        with lease.reading():
            diff = diff_rows(conn, schema, copy)
        problems.not_empty.append(name)
        problems.add(
            Problem(
                name,
                "target table already holds rows that differ from the source (if_not_empty=fail): "
                + diff.message(),
            )
        )
    return Comparison(_with_dependants(prepared, to_load, results), results)


def _with_dependants(prepared: Prepared, to_load: list[str], results: dict[str, TableResult]) -> list[str]:
    """Emptying a parent table empties its children too (TRUNCATE of both in one
    statement): the migrated tables that reference a replaced table are reloaded."""
    replaced = {n for n in to_load if results[n].action == "replaced"}
    grew = True
    while grew:
        grew = False
        for name, parents in prepared.parents.items():
            if name not in replaced and parents & replaced and name in results:
                replaced.add(name)
                grew = True
                if name not in to_load:
                    results[name].action = "replaced"
                    results[name].verified = False
                    to_load.append(name)
    return [n for n in prepared.order if n in set(to_load)]
