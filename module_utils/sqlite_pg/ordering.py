"""Tables in foreign-key order: parents before children."""

from __future__ import annotations


def fk_order(names: list[str], parents: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """(ordered names, tables left in a cycle). Self-references are ignored;
    a cycle cannot be ordered, so its tables come last, by name."""
    pending = {n: {p for p in parents.get(n, set()) if p in names and p != n} for n in names}
    ordered: list[str] = []
    while True:
        ready = sorted(n for n, deps in pending.items() if not deps)
        if not ready:
            break
        for name in ready:
            ordered.append(name)
            del pending[name]
        for deps in pending.values():
            deps.difference_update(ready)
    cycle = sorted(pending)
    return ordered + cycle, cycle


def load_order(names: list[str], parents: dict[str, set[str]], weight: dict[str, int]) -> list[str]:
    """``names`` parents first, and otherwise the heaviest table first (Kahn's
    algorithm, the largest ready table next, then by name): the tables that take
    PostgreSQL longest to finish (indexes, read-back) are then followed by more
    reading, and the last one, whose finishing nothing overlaps, is small.
    Tables left in a cycle come last, by name."""
    pending = {n: {p for p in parents.get(n, set()) if p in names and p != n} for n in names}
    ordered: list[str] = []
    while True:
        ready = [n for n, deps in pending.items() if not deps]
        if not ready:
            break
        name = min(ready, key=lambda n: (-weight.get(n, 0), n))
        ordered.append(name)
        del pending[name]
        for deps in pending.values():
            deps.discard(name)
    return ordered + sorted(pending)
