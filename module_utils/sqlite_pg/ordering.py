"""Tables in foreign-key order: parents before children."""

from __future__ import annotations

from collections.abc import Callable


def _topological(
    names: list[str], parents: dict[str, set[str]], pick: Callable[[list[str]], list[str]]
) -> tuple[list[str], list[str]]:
    """(ordered names, tables left in a cycle, by name). Kahn's algorithm: each
    step takes ``pick(ready tables)``. Self-references are ignored."""
    pending = {n: {p for p in parents.get(n, set()) if p in names and p != n} for n in names}
    ordered: list[str] = []
    while True:
        ready = [n for n, deps in pending.items() if not deps]
        if not ready:
            break
        chosen = pick(ready)
        for name in chosen:
            ordered.append(name)
            del pending[name]
        for deps in pending.values():
            deps.difference_update(chosen)
    cycle = sorted(pending)
    return ordered + cycle, cycle


def fk_order(names: list[str], parents: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """(ordered names, tables left in a cycle). A cycle cannot be ordered, so its
    tables come last, by name; the others come in waves, each by name."""
    return _topological(names, parents, sorted)


def load_order(names: list[str], parents: dict[str, set[str]], weight: dict[str, int]) -> list[str]:
    """``names`` parents first; the last table is the lightest of those no other
    table waits for (its finishing, indexes and read-back, is the one nothing
    overlaps), and the others come heaviest first (the largest ready table
    next, then by name): the tables that take PostgreSQL longest to finish are
    followed by more reading. Tables left in a cycle come last, by name."""
    waited_for = {p for n in names for p in parents.get(n, set()) if p != n}
    leaves = [n for n in names if n not in waited_for]
    last = min(leaves, key=lambda n: (weight.get(n, 0), n)) if len(names) > 1 and leaves else None

    def pick(ready: list[str]) -> list[str]:
        others = [n for n in ready if n != last] or ready
        return [min(others, key=lambda n: (-weight.get(n, 0), n))]

    return _topological(names, parents, pick)[0]
