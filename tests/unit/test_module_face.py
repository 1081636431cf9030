"""The Ansible face: documentation and argument_spec agree; the docs are valid YAML."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml

LIBRARY = Path(__file__).resolve().parents[2] / "library" / "sqlite_to_postgres.py"


def assignments() -> dict[str, Any]:
    tree = ast.parse(LIBRARY.read_text())
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                found[name] = yaml.safe_load(ast.literal_eval(node.value))
            elif name == "ARGUMENT_SPEC":
                found[name] = eval(
                    compile(ast.Expression(node.value), str(LIBRARY), "eval")
                )  # dict(...) literals
    return found


def test_documented_options_match_the_argument_spec() -> None:
    parts = assignments()
    options, spec = parts["DOCUMENTATION"]["options"], parts["ARGUMENT_SPEC"]
    assert set(options) == set(spec)
    for name, entry in spec.items():
        doc = options[name]
        assert doc.get("type") == entry.get("type"), name
        assert doc.get("choices") == entry.get("choices"), name
        assert (doc.get("default") or None) == (entry.get("default") or None), name
        assert bool(doc.get("required")) == bool(entry.get("required")), name
        assert doc.get("aliases") == entry.get("aliases"), name
    assert spec["login_password"]["no_log"] is True


def test_examples_and_return_are_yaml() -> None:
    parts = assignments()
    assert sum("sqlite_to_postgres" in task for task in parts["EXAMPLES"]) >= 3
    assert {"changed", "tables", "problems", "ddl"} <= set(parts["RETURN"])
