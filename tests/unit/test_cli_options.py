"""The command lines' options are the modules' options: every flag is an option of
the module's ARGUMENT_SPEC with the same default and choices, and every option of
the ARGUMENT_SPEC is a flag, a positional argument or a part of the URL; the flags
parse into the options objects the modules build; bad usage exits with 2."""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path

import pytest
from sqlite_pg.cli import flags, postgres_to_sqlite, sqlite_to_postgres
from sqlite_pg.cli.face import USAGE, main
from sqlite_pg.cli.login import UsageError, login_params
from sqlite_pg.pg_target import ConnectionOptions
from test_module_face import assignments

ROOT = Path(__file__).resolve().parents[2]
FACES = {"sqlite_to_postgres": sqlite_to_postgres, "postgres_to_sqlite": postgres_to_sqlite}
# What the command lines take otherwise: positional arguments, the URL, the environment.
POSITIONAL = {"sqlite_to_postgres": {"src"}, "postgres_to_sqlite": {"dest", "template"}}
IN_THE_URL = {"login_host", "login_port", "login_user", "login_db", "login_unix_socket"}
NEVER_AN_ARGUMENT = {"login_password"}


def copy_parser(face):
    return face.parser()._subparsers._group_actions[0].choices["copy"]


@pytest.mark.parametrize("module", sorted(FACES))
def test_flags_agree_with_the_argument_spec(module: str) -> None:
    """Same names; given no flag, the run gets the module's defaults; the same choices."""
    spec = assignments(module)["ARGUMENT_SPEC"]
    face = FACES[module]
    given = ["copy", "a", "postgresql://h/db"]
    if module == "postgres_to_sqlite":
        given = ["copy", "postgresql://h/db", "b", "--template", "t"]
    args = face.parser().parse_args(given)
    defaults = {
        **flags.values(args, args.option_names, face.COMMAND.options),
        **flags.values(args, args.connection_names, ConnectionOptions),
    }
    for name, value in defaults.items():
        assert name in spec, f"--{name} is no option of {module}"
        assert value == spec[name].get("default"), (
            f"--{name}: {value!r}, {module}: {spec[name].get('default')!r}"
        )
    actions = {a.dest: a for a in copy_parser(face)._actions}
    for name in defaults:
        if "choices" in spec[name] and name != "ssl_mode":  # libpq checks ssl_mode (the modules' list)
            assert sorted(actions[name].choices) == sorted(spec[name]["choices"]), name
    assert set(spec) == set(defaults) | POSITIONAL[module] | IN_THE_URL | NEVER_AN_ARGUMENT


def parsed(face, argv: list[str], monkeypatch: pytest.MonkeyPatch):
    """The options object the command would run with (the run itself replaced)."""
    seen = []

    def fake_run(options):
        seen.append(options)
        return {"changed": False, "tables": [], "ddl": [], "warnings": [], "dest": "x"}

    monkeypatch.setattr("sys.argv", [face.COMMAND.name, *argv])
    monkeypatch.setattr("sqlite_pg.cli.face.with_password", lambda connection: connection)
    command = face.COMMAND.__class__(**{**face.COMMAND.__dict__, "run": fake_run})
    status = main(command, face.parser(), face.build)
    return status, seen[0] if seen else None


def test_flags_parse_into_the_modules_options(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["check", "app.sqlite", "postgresql://app@db.example:5433/bwaincell", "--tables", "users,tasks"]
    argv += [
        "--tables",
        "notes",
        "--no-analyze",
        "--if-not-empty",
        "replace",
        "--date-numbers",
        "t.c=epoch_ms",
    ]
    argv += ["--lock-timeout", "0", "--ssl-mode", "verify-full"]
    status, options = parsed(sqlite_to_postgres, argv, monkeypatch)
    assert status == 0
    assert options.src == "app.sqlite" and options.check_mode is True
    assert options.tables == ["users", "tasks", "notes"]
    assert options.analyze is False and options.create_missing is True
    assert options.if_not_empty == "replace" and options.date_numbers == {"t.c": "epoch_ms"}
    assert options.exclude_tables == [] and options.max_problems == 50
    connection = options.connection
    assert (connection.host, connection.port, connection.user, connection.database) == (
        "db.example",
        5433,
        "app",
        "bwaincell",
    )
    assert connection.lock_timeout == 0 and connection.ssl_mode == "verify-full"
    assert connection.password is None and connection.application_name == "sqlite_to_postgres"


def test_reverse_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = [
        "copy",
        "postgresql://app@/bwaincell?host=/run/postgresql",
        "back.sqlite",
        "--template",
        "t.sqlite",
    ]
    status, options = parsed(postgres_to_sqlite, [*argv, "--extra", "add", "--backup"], monkeypatch)
    assert status == 0
    assert (options.dest, options.template, options.extra, options.backup) == (
        "back.sqlite",
        "t.sqlite",
        "add",
        True,
    )
    assert options.check_mode is False and options.connection.unix_socket == "/run/postgresql"


@pytest.mark.parametrize(
    "argv",
    [
        ["copy", "app.sqlite"],  # no URL
        ["copy", "app.sqlite", "postgresql://app@h/db", "--verify", "some"],  # not a choice
        ["copy", "app.sqlite", "postgresql://app@h/db", "--max-problems", "0"],  # the options' own check
        ["copy", "app.sqlite", "postgresql://app:secret@h/db"],  # a password in an argument
        ["copy", "app.sqlite", "postgresql://app@h/"],  # no database
        ["copy", "app.sqlite", "mysql://app@h/db"],
        ["copy", "app.sqlite", "postgresql://app@h/db?sslmode=disable"],  # a flag's setting in the URL
        ["move", "app.sqlite", "postgresql://app@h/db"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        parsed(sqlite_to_postgres, argv, monkeypatch)
    assert exited.value.code == USAGE
    assert "secret" not in capsys.readouterr().err


def test_the_url_defaults_are_the_modules() -> None:
    spec = assignments("sqlite_to_postgres")["ARGUMENT_SPEC"]
    found = login_params("postgresql://h/db")
    assert found["login_user"] == spec["login_user"]["default"]
    assert found["login_port"] == spec["login_port"]["default"]
    with pytest.raises(UsageError, match="PGPASSWORD"):
        login_params("postgresql://u:p@h/db")


def test_flag_names() -> None:
    assert flags.flag("if_not_empty") == "--if-not-empty"


def test_console_scripts_point_at_the_faces() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    scripts = project["project"]["scripts"]
    assert set(scripts) == {"sqlite-to-postgres", "postgres-to-sqlite"}
    for name, target in scripts.items():
        module, _, function = target.partition(":")
        face = import_module(module)
        assert getattr(face, function) is face.main
        assert face.COMMAND.name.replace("_", "-") == name
