"""The parsers a .env written by roles/bwaincell_app is read with, for the tests.

* Node's ``dotenv``, the application's own, every pinned major version
  (tests/node/package.json; scripts/setup.sh installs them with ``npm ci``),
  through tests/node/read_env.js: ``config()`` into a fresh process.env, as
  the application loads it;
* python-dotenv (requirements.txt), ``dotenv_values``;
* the stand-in application's reader (tests/standin_app/bwaincell_standin.py).

``read_all`` reads several files with each and returns, per reader, one
``Read`` per file: its variables, and the DATABASE_URL's parts as the
application's libraries decode them."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from dotenv import dotenv_values

PROJECT = Path(__file__).resolve().parents[2]
NODE_DIR = PROJECT / "tests" / "node"
READ_ENV_JS = NODE_DIR / "read_env.js"
STANDIN = PROJECT / "tests" / "standin_app" / "bwaincell_standin.py"
FILTER = PROJECT / "roles" / "bwaincell_app" / "filter_plugins" / "bwaincell_dotenv.py"


def load(path: Path) -> Any:
    """The Python file at path as a module (the role's filter plugin, the stand-in)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Read:
    variables: dict[str, str | None]
    # {"sequelize"|"pg"|"python": {"user", "password", "database"}}; None without a postgresql:// DATABASE_URL
    url: dict[str, dict[str, str]] | None


def _python_url(text: str | None) -> dict[str, dict[str, str]] | None:
    if not text or not text.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(text)
    return {
        "python": {
            "user": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "database": unquote(parts.path.lstrip("/")),
        }
    }


def read_with_node(paths: list[Path]) -> dict[str, list[Read]]:
    node = shutil.which("node")
    assert node, "node is not installed: run scripts/prepare-host.sh (Debian's nodejs and npm)"
    modules = NODE_DIR / "node_modules"
    missing = [d for d in ("dotenv16", "dotenv17", "dotenv18") if not (modules / d).is_dir()]
    assert not missing, f"{modules} lacks {missing}: run scripts/setup.sh (npm ci in tests/node)"
    # A clean environment: dotenv's config() does not override a variable that is already set.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    run = subprocess.run(
        [node, str(READ_ENV_JS), *map(str, paths)], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    return {name: [Read(r["variables"], r["url"]) for r in reads] for name, reads in answer.items()}


def read_with_python(paths: list[Path]) -> dict[str, list[Read]]:
    standin = load(STANDIN)
    out: dict[str, list[Read]] = {"python-dotenv": [], "stand-in": []}
    for path in paths:
        values = dict(dotenv_values(path))  # a bare KEY line gives None: kept, so that it is seen
        out["python-dotenv"].append(Read(values, _python_url(values.get("DATABASE_URL"))))
        mine = standin.read_env(path)
        out["stand-in"].append(Read(mine, _python_url(mine.get("DATABASE_URL"))))
    return out


def read_all(paths: list[Path]) -> dict[str, list[Read]]:
    """Per reader, one Read per file of paths."""
    return {**read_with_node(paths), **read_with_python(paths)}
