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
    """``names`` parents first, and otherwise the heaviest table first (the largest
    ready table next, then by name): the tables that take PostgreSQL longest to
    finish (indexes, read-back) are then followed by more reading, and the last
    one, whose finishing nothing overlaps, is small. Tables left in a cycle come
    last, by name."""
    return _topological(names, parents, lambda ready: [min(ready, key=lambda n: (-weight.get(n, 0), n))])[0]
