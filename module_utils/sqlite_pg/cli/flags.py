"""An options dataclass as command-line flags and back: the names, types and defaults
are the dataclass's (the modules' ARGUMENT_SPECs agree: tests/unit/test_cli_options.py),
so no option is listed twice."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from collections.abc import Collection, Mapping
from typing import Any

# Fields that are not options of a run: positional arguments, the connection
# (a URL and the flags of CONNECTION_FLAGS), what the face sets itself.
NOT_FLAGS = frozenset({"src", "dest", "template", "connection", "check_mode", "progress"})
# ConnectionOptions' fields given as flags; the URL carries host, port, user and database.
CONNECTION_FLAGS = ("ssl_mode", "ca_cert", "connect_timeout", "lock_timeout")


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"{text!r} is not TABLE.COLUMN=READING")
    return key.strip(), value.strip()


def add_flags(
    parser: argparse.ArgumentParser,
    cls: type,
    choices: Mapping[str, Collection[str]],
    only: Collection[str] | None = None,
) -> list[str]:
    """One flag per field of ``cls`` (but NOT_FLAGS, or only ``only``); returns their names."""
    hints = typing.get_type_hints(cls)
    added = []
    for spec in dataclasses.fields(cls):
        name = spec.name
        if name in NOT_FLAGS or (only is not None and name not in only):
            continue
        default = default_of(spec)
        kind = hints[name]
        text = f"the module's option {name}" + (
            f" (default: {default})" if default not in (None, [], {}) else ""
        )
        if kind is bool:
            parser.add_argument(flag(name), action=argparse.BooleanOptionalAction, default=default, help=text)
        elif kind is int:
            parser.add_argument(flag(name), type=int, default=default, metavar="N", help=text)
        elif typing.get_origin(kind) is dict:
            parser.add_argument(
                flag(name), type=_pair, action="append", default=[], metavar="T.C=READING", help=text
            )
        elif list in (typing.get_origin(kind), *map(typing.get_origin, typing.get_args(kind))):
            parser.add_argument(
                flag(name), type=_split, action="extend", default=None, metavar="A,B", help=text
            )
        else:
            parser.add_argument(flag(name), default=default, choices=choices.get(name), help=text)
        added.append(name)
    return added


def default_of(spec: dataclasses.Field) -> Any:
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None


def values(args: argparse.Namespace, names: list[str], cls: type) -> dict[str, Any]:
    """The parsed flags as ``cls``'s keyword arguments (a list flag not given: its default)."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    found: dict[str, Any] = {}
    for name in names:
        value = getattr(args, name)
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            value = dict(value)
        elif value is None or (value == [] and isinstance(default_of(fields[name]), dict)):
            value = default_of(fields[name])
        found[name] = value
    return found
