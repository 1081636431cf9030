"""Every task that hands a password to a module has ``no_log: true``: with ANSIBLE_DEBUG=1 Ansible
prints the arguments of each module it runs (and a failed or verbose task its result). Checked in
the modules' EXAMPLES (library/, roles/*/library/) and in every playbook and tasks file of the
project. A task "hands a password" when one of its arguments (or its environment) is named like a
password, or refers to a variable named like one in a template; an assert's conditions are not
printed with their values, only its messages are."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parents[2]
MODULES = sorted([*PROJECT.glob("library/*.py"), *PROJECT.glob("roles/*/library/*.py")])
TASK_FILES = sorted(
    p
    for pattern in (
        "*.yml",
        "playbooks/**/*.yml",
        "roles/*/tasks/*.yml",
        "roles/*/handlers/*.yml",
        "molecule/*/*.yml",
        "molecule/*/tasks/*.yml",
        "tests/roles/playbooks/*.yml",
        "tests/roles/tasks/*.yml",
    )
    for p in PROJECT.glob(pattern)
    if p.name != "molecule.yml"
)

PASSWORD = re.compile(r"password|passwd|secret", re.IGNORECASE)
TEMPLATE = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.DOTALL)
# Task keywords whose values are not a module's arguments (nor printed as such).
NOT_ARGUMENTS = {
    "name", "when", "vars", "register", "no_log", "loop", "with_items", "with_dict", "loop_control",
    "tags", "notify", "listen", "changed_when", "failed_when", "until", "retries", "delay", "become",
    "become_user", "become_method", "delegate_to", "run_once", "check_mode", "diff", "ignore_errors",
    "module_defaults", "throttle", "any_errors_fatal", "timeout",
}  # fmt: skip
BLOCKS = ("block", "rescue", "always")
PLAY_TASKS = ("pre_tasks", "roles", "tasks", "post_tasks", "handlers")


class AnsibleLoader(yaml.SafeLoader):
    """YAML as Ansible writes it: !unsafe, !vault and the like read as their plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


AnsibleLoader.add_multi_constructor("!", _any_tag)


def tasks(items: Any, no_log: bool = False) -> Iterator[tuple[dict, bool]]:
    """(task, whether no_log is true for it: its own or its block's) for a play list or task list."""
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        own = item.get("no_log", no_log)
        if "hosts" in item:
            for key in PLAY_TASKS:
                yield from tasks(item.get(key), own)
        elif any(key in item for key in BLOCKS):
            for key in BLOCKS:
                yield from tasks(item.get(key), own)
        else:
            yield item, own is True or str(own).lower() == "true"


def arguments(task: dict) -> dict:
    """What of the task is printed as the module's arguments (environment included)."""
    args = {k: v for k, v in task.items() if k not in NOT_ARGUMENTS}
    for key in ("assert", "ansible.builtin.assert"):
        if isinstance(args.get(key), dict):
            args[key] = {k: v for k, v in args[key].items() if k != "that"}
    return args


def hands_a_password(value: Any) -> bool:
    if isinstance(value, dict):
        return any(PASSWORD.search(str(k)) or hands_a_password(v) for k, v in value.items())
    if isinstance(value, list):
        return any(hands_a_password(v) for v in value)
    return isinstance(value, str) and any(PASSWORD.search(m.group(0)) for m in TEMPLATE.finditer(value))


def examples(path: Path) -> list:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES":
            return yaml.load(ast.literal_eval(node.value), Loader=AnsibleLoader) or []
    return []


def unlogged(items: Any) -> list[str]:
    return [
        task.get("name", "?")
        for task, no_log in tasks(items)
        if hands_a_password(arguments(task)) and not no_log
    ]


def test_the_rule_sees_a_password() -> None:
    assert unlogged([{"name": "a", "sqlite_to_postgres": {"login_password": "x"}}]) == ["a"]
    assert unlogged([{"name": "b", "ansible.builtin.copy": {"content": "{{ app_password }}"}}]) == ["b"]
    assert unlogged([{"name": "c", "block": [{"name": "d", "x": {"y": "{{ z.passwd }}"}}]}]) == ["d"]
    assert unlogged([{"name": "e", "x": {}, "environment": {"PGPASSWORD": "{{ p }}"}}]) == ["e"]
    assert unlogged([{"hosts": "all", "tasks": [{"name": "f", "x": {"password": "{{ p }}"}}]}]) == ["f"]
    # no_log on the task or its block; an assert's conditions; a password file's path.
    assert unlogged([{"name": "g", "x": {"login_password": "p"}, "no_log": True}]) == []
    assert unlogged([{"no_log": True, "block": [{"name": "h", "x": {"password": "p"}}]}]) == []
    assert (
        unlogged([{"name": "i", "assert": {"that": "app_password | length > 0", "fail_msg": "empty"}}]) == []
    )
    assert unlogged([{"name": "j", "assert": {"that": "1", "fail_msg": "{{ app_password }}"}}]) == ["j"]
    assert unlogged([{"name": "k", "x": {}, "environment": {"PGPASSFILE": "{{ pgpass.path }}"}}]) == []


def test_every_example_that_handles_a_password_has_no_log() -> None:
    checked = 0
    for module in MODULES:
        found = examples(module)
        checked += sum(hands_a_password(arguments(task)) for task, _ in tasks(found))
        assert unlogged(found) == [], module.relative_to(PROJECT)
    assert checked >= 2  # the examples do show how a password is given


def test_every_task_of_the_project_that_handles_a_password_has_no_log() -> None:
    assert len(TASK_FILES) > 20
    checked = 0
    for path in TASK_FILES:
        found = yaml.load(path.read_text(), Loader=AnsibleLoader)
        checked += sum(hands_a_password(arguments(task)) for task, _ in tasks(found))
        assert unlogged(found) == [], path.relative_to(PROJECT)
    assert checked >= 3
