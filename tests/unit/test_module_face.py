"""The Ansible faces: documentation and argument_spec agree; the docs are valid YAML
(every module of library/)."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlite_pg
import yaml

LIBRARY = Path(__file__).resolve().parents[2] / "library"
MODULES = {
    "sqlite_to_postgres": {"changed", "tables", "problems", "ddl"},
    "postgres_to_sqlite": {"changed", "tables", "problems", "dest", "extra", "backup_file"},
}


def face(module: str) -> ModuleType:
    """library/<module>.py imported, its module_utils imports (whatever package prefix they
    name) served by this checkout's sqlite_pg: the ARGUMENT_SPEC as AnsibleModule gets it."""
    path = LIBRARY / f"{module}.py"
    for prefix in set(re.findall(r"^\s*from (\S+)\.sqlite_pg\b", path.read_text(), re.MULTILINE)):
        sys.modules.setdefault(f"{prefix}.sqlite_pg", sqlite_pg)
        for info in pkgutil.iter_modules(sqlite_pg.__path__):
            sys.modules.setdefault(
                f"{prefix}.sqlite_pg.{info.name}", importlib.import_module(f"sqlite_pg.{info.name}")
            )
    spec = importlib.util.spec_from_file_location(f"library_{module}", path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def assignments(module: str) -> dict[str, Any]:
    path = LIBRARY / f"{module}.py"
    tree = ast.parse(path.read_text())
    found: dict[str, Any] = {"ARGUMENT_SPEC": face(module).ARGUMENT_SPEC}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                found[name] = yaml.safe_load(ast.literal_eval(node.value))
    return found


def test_every_module_is_checked() -> None:
    assert {p.stem for p in LIBRARY.glob("*.py")} == set(MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_documented_options_match_the_argument_spec(module: str) -> None:
    parts = assignments(module)
    assert parts["DOCUMENTATION"]["module"] == module
    options, spec = parts["DOCUMENTATION"]["options"], parts["ARGUMENT_SPEC"]
    assert set(options) == set(spec)
    for name, entry in spec.items():
        doc = options[name]
        assert doc.get("type") == entry.get("type"), name
        assert doc.get("choices") == entry.get("choices"), name
        assert doc.get("elements") == entry.get("elements"), name
        assert (doc.get("default") or None) == (entry.get("default") or None), name
        assert bool(doc.get("required")) == bool(entry.get("required")), name
        assert doc.get("aliases") == entry.get("aliases"), name
    assert spec["login_password"]["no_log"] is True


@pytest.mark.parametrize("module", sorted(MODULES))
def test_examples_and_return_are_yaml(module: str) -> None:
    parts = assignments(module)
    assert sum(module in task for task in parts["EXAMPLES"]) >= 3
    assert MODULES[module] <= set(parts["RETURN"])


def test_both_directions_take_the_same_login_options() -> None:
    forward, reverse = (assignments(m)["ARGUMENT_SPEC"] for m in ("sqlite_to_postgres", "postgres_to_sqlite"))
    shared = [n for n in forward if n.startswith("login_") or n in ("port", "ssl_mode", "ca_cert", "schema")]
    shared += ["connect_timeout", "lock_timeout", "date_numbers", "verify", "max_problems"]
    for name in shared:
        assert reverse[name] == forward[name], name


# The keys Ansible's documentation schema knows for a return value (a comma in a flow
# mapping's description splits it into a new key, and ansible-doc shows half of it).
RETURN_KEYS = {
    "description",
    "returned",
    "type",
    "elements",
    "contains",
    "sample",
    "choices",
    "version_added",
}


def return_entries(entries: dict[str, Any], where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, entry in entries.items():
        yield where + name, entry
        yield from return_entries(entry.get("contains") or {}, f"{where}{name}.")


@pytest.mark.parametrize(
    "path",
    sorted([*LIBRARY.glob("*.py"), *LIBRARY.parent.glob("roles/*/library/*.py")]),
    ids=lambda p: p.stem,
)
def test_return_entries_have_only_known_keys(path: Path) -> None:
    tree = ast.parse(path.read_text())
    found = {
        n.targets[0].id: yaml.safe_load(ast.literal_eval(n.value))
        for n in tree.body
        if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and n.targets[0].id == "RETURN"
    }
    for name, entry in return_entries(found["RETURN"]):
        assert set(entry) <= RETURN_KEYS, f"{path.name}: RETURN {name}: {sorted(set(entry) - RETURN_KEYS)}"
