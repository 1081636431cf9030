"""What both commands do around a run: the options from the flags, the password,
the display, the result (text, or with --json the module's result object) and the
exit status: 0 done, 1 problems found (or any failure of the run), 2 usage or
connection errors, 130 interrupted (rolled back)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from ..errors import KIND_CONNECTION, MigrationError, Problem
from ..pg_target import ConnectionOptions
from . import flags
from .display import TableProgress
from .login import connection_for, with_password

OK, PROBLEMS, USAGE, INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True)
class Command:
    """One direction: its options class, its run, how it names what it writes."""

    name: str  # the program, also its application_name in pg_stat_activity
    options: type
    choices: dict[str, tuple[str, ...]]
    run: Callable[[Any], dict[str, Any]]
    untouched: str  # what a failure or an interruption leaves as it was
    summary: Callable[[dict[str, Any], bool], list[str]]  # the result as text lines (check mode or not)


def parser_for(
    command: Command, positionals: list[tuple[str, str]], description: str
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=command.name.replace("_", "-"), description=description)
    sub = parser.add_subparsers(dest="action", required=True)
    for action, text in (
        ("copy", "copy and verify, then commit"),
        ("check", "everything copy does (read, convert, validate, verify), then roll back"),
    ):
        each = sub.add_parser(action, help=text, description=text)
        for name, help_text in positionals:
            each.add_argument(name, help=help_text)
        each.add_argument("--json", action="store_true", help="print the module's result object")
        each.set_defaults(option_names=flags.add_flags(each, command.options, command.choices))
        each.set_defaults(
            connection_names=flags.add_flags(each, ConnectionOptions, {}, only=flags.CONNECTION_FLAGS)
        )
    return parser


def main(
    command: Command, parser: argparse.ArgumentParser, build: Callable[[argparse.Namespace], dict[str, Any]]
) -> int:
    """``build``: the options' positional fields and the URL, from the arguments."""
    args = parser.parse_args()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        fixed = build(args)
        url = fixed.pop("url")
        connection = connection_for(
            url, flags.values(args, args.connection_names, ConnectionOptions), command.name
        )
        options = command.options(
            **fixed,
            **flags.values(args, args.option_names, command.options),
            connection=connection,
            check_mode=args.action == "check",
        )
    except ValueError as exc:  # UsageError, and the options' own checks
        parser.error(str(exc))
    show = err.is_terminal and not args.json
    try:
        options.connection = with_password(options.connection)
        with TableProgress(err) if show else contextlib.nullcontext() as display:
            options.progress = display
            result = command.run(options)
    except KeyboardInterrupt:
        err.print(f"interrupted: rolled back, {command.untouched} is unchanged")
        return INTERRUPTED
    except MigrationError as exc:
        return _failed(args, command, err, exc)
    result["warnings_list"] = result.pop("warnings")  # as the module returns it
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        for warning in result["warnings_list"]:
            err.print(f"[yellow]warning:[/] {warning}")
        out = Console(highlight=False, soft_wrap=True)
        for line in command.summary(result, options.check_mode):
            out.print(line)
    return OK


def _failed(args: argparse.Namespace, command: Command, err: Console, exc: MigrationError) -> int:
    status = USAGE if exc.kind == KIND_CONNECTION else PROBLEMS
    if args.json:  # as the module fails
        failed = {
            "failed": True,
            "changed": False,
            "msg": exc.msg,
            "kind": exc.kind,
            "problems": exc.problems,
        }
        print(json.dumps(failed, indent=2, sort_keys=True))
    elif exc.problems:
        for problem in exc.problems:
            err.print(f"  {Problem(**problem)}", markup=False)
        err.print(f"{len(exc.problems)} problem(s) found; {command.untouched} is unchanged", markup=False)
    else:
        err.print(f"error: {exc.msg}", markup=False)
    return status


def run_main(
    command: Command, parser: argparse.ArgumentParser, build: Callable[[argparse.Namespace], dict[str, Any]]
) -> None:
    sys.exit(main(command, parser, build))
