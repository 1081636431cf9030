"""pgloader load files for the two ways operators run it.

``default``: pgloader creates the tables from the SQLite schema (its own type
casts: TINYINT to smallint, VARCHAR(n) to text, NOT NULLs dropped).
``data-only``: into the tables the application created (sequelize.sync()),
truncating them first, the way the guide's users combine the two.
``default-prefetch-10k``: ``default`` with ``prefetch rows = 10000`` (its
default is 100000 per reader thread), the setting pgloader's documentation
gives to bound its memory: the Debian binary's SBCL heap is fixed at build
time, and ``default`` runs out of it on the 1M-row sample ("GC invariant lost").
``data-only-prefetch-10k``: ``data-only`` with the same setting (``data-only``
too ran out of heap on the 1M-row sample in some runs: "Heap exhausted").
All reset sequences, as the module does, so the application can keep writing.
"""

from __future__ import annotations

from pathlib import Path

_WITH = {
    "default": "include drop, create tables, create indexes, foreign keys, reset sequences",
    "data-only": "data only, truncate, reset sequences",
}
_WITH["default-prefetch-10k"] = _WITH["default"] + ", prefetch rows = 10000"
_WITH["data-only-prefetch-10k"] = _WITH["data-only"] + ", prefetch rows = 10000"


def write_load_file(mode: str, sqlite_path: Path, target_url: str, out: Path) -> Path:
    # The URL may carry a password: the file is written 0600 and lives in the
    # git-ignored bench/out.
    text = (
        "LOAD DATABASE\n"
        f"  FROM sqlite://{sqlite_path.resolve()}\n"
        f"  INTO {target_url}\n"
        f"  WITH {_WITH[mode]};\n"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_text(text)
    return out
