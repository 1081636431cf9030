"""How roles/bwaincell_app writes a value into the .env (filter_plugins/bwaincell_dotenv.py),
read back by the application's parser (Node's dotenv, each pinned major version), python-dotenv
and the stand-in application: every value the filter accepts reads back exactly, with nothing
before or after it changed or added; every value it refuses would not have."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from dotenv_readers import FILTER, STANDIN, Read, load, read_all

dotenv = load(FILTER)

# Passwords an operator may well have, and worse.
HOSTILE = {
    "single quote": "it's",
    "double quote": 'say "hi"',
    "backtick": "a`b`c",
    "all quotes in pairs": '"x" `y`',
    "hash": "a#b",
    "space hash": "a #b",
    "hash first": "#ab",
    "dollar": "pa$$word$1 $HOME",
    "variable": "x${HOME}y",
    "variable with default": "${UNSET_IN_TESTS:-fallback}",
    "dollar brace unclosed": "a${b",
    "backslash": "a\\b",
    "backslash n, two characters": "a\\nb",
    "backslash quote-like": 'a\\"b\\`c',
    "two backslashes": "a\\\\b",
    "trailing backslash": "ab\\",
    "leading spaces": "  ab",
    "trailing spaces": "ab  ",
    "only spaces": "   ",
    "tabs": "\tab\t",
    "newline injection": "multi\nline=1\nINJECTED=yes",
    "newline export": "x\nexport A=1",
    "newline comment": "a\n# not a comment\nb",
    "newline at the ends": "\nab\n",
    "carriage return": "a\rb",
    "CRLF": "a\r\nINJECTED=yes",
    "equals": "a=b==",
    "colon": "KEY: value",
    "unicode": "pässwörd é",
    "emoji": "🔑🐘",
    "line separator": "a\u2028b\u2029c",
    "nul": "a\0b",
    "empty": "",
    "percent and at": "p%40ss@host/db?x#y",
    "json": '{"a": [1, "b"]}',
}
REFUSED = {
    "single quote",
    "variable",
    "variable with default",
    "two backslashes",
    "trailing backslash",
    "carriage return",
    "CRLF",
    "nul",
}


def env_file(path: Path, line: str) -> Path:
    path.write_text(f"# other settings\nBEFORE=1\n{line}\nAFTER=2\n", encoding="utf-8")
    return path


def reads_back(read: Read, value: str) -> bool:
    return read.variables == {"BEFORE": "1", "K": value, "AFTER": "2"}


def test_hostile_values_read_back_exactly_or_are_refused(tmp_path: Path) -> None:
    accepted = {name: v for name, v in HOSTILE.items() if not dotenv.dotenv_problem(v)}
    assert set(HOSTILE) - set(accepted) == REFUSED
    lines = [f"K={dotenv.dotenv_quote(v)}" for v in accepted.values()]
    paths = [env_file(tmp_path / f"{i}.env", line) for i, line in enumerate(lines)]
    # All of them in one file too, as one .env holds several values.
    together = tmp_path / "together.env"
    together.write_text(
        "".join(f"K{i}={dotenv.dotenv_quote(v)}\n" for i, v in enumerate(accepted.values())), encoding="utf-8"
    )
    reads = read_all([*paths, together])
    assert set(reads) == {
        "dotenv@16",
        "dotenv@17",
        "dotenv@18",
        "dotenv@18 fast",
        "python-dotenv",
        "stand-in",
    }
    for reader, results in reads.items():
        wrong = [
            name
            for name, read in zip(accepted, results, strict=False)
            if not reads_back(read, accepted[name])
        ]
        assert not wrong, f"{reader} does not read back {wrong}"
        assert results[-1].variables == {f"K{i}": v for i, v in enumerate(accepted.values())}, reader


def test_each_refused_value_would_not_read_back(tmp_path: Path) -> None:
    """The refusals are needed: written in the same form, each is misread by some reader."""
    refused = {name: HOSTILE[name] for name in sorted(REFUSED)}
    paths = [env_file(tmp_path / f"{i}.env", f"K='{v}'") for i, v in enumerate(refused.values())]
    reads = read_all(paths)
    for i, (name, value) in enumerate(refused.items()):
        assert not all(reads_back(results[i], value) for results in reads.values()), name


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_refused_value_is_never_shown(name: str) -> None:
    value = HOSTILE[name]
    with pytest.raises(AnsibleFilterError) as failure:
        dotenv.dotenv_quote(value)
    assert "cannot be written into the .env: it " in str(failure.value)
    assert value not in str(failure.value)
    (problem,) = dotenv.dotenv_problems({"POSTGRES_PASSWORD (bwaincell_app_db_password)": value})
    assert problem.startswith("POSTGRES_PASSWORD (bwaincell_app_db_password): it ")
    assert value not in problem


def test_problems_lists_each_refused_value_by_label() -> None:
    values = {"A (a)": "fine", "B (b)": "it's", "C (c)": None, "D (d)": 5432, "E (e)": "x\r"}
    assert [p.split(":")[0] for p in dotenv.dotenv_problems(values)] == ["B (b)", "C (c)", "E (e)"]
    assert dotenv.dotenv_quote(5432) == "'5432'"
    with pytest.raises(AnsibleFilterError):
        dotenv.dotenv_quote(None)


# Pieces of hostile values, for random ones.
PIECES = [
    *"'\"`#$={}:-\\ \t\n\rxZ9é\u2028\0%@/",
    " #",
    "${",
    "${A}",
    "${A:-b}",
    "\\n",
    "\\\\",
    "export ",
    "K=",
    "🐘",
]


def random_values(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8))) for _ in range(count)]


def test_random_values_read_back_exactly_when_and_only_when_accepted(tmp_path: Path) -> None:
    values = random_values(11, 600)
    paths = []
    for i, value in enumerate(values):
        line = f"K='{value}'" if dotenv.dotenv_problem(value) else f"K={dotenv.dotenv_quote(value)}"
        paths.append(env_file(tmp_path / f"{i}.env", line))
    reads = read_all(paths)
    accepted = 0
    for i, value in enumerate(values):
        exact = {reader: reads_back(results[i], value) for reader, results in reads.items()}
        if dotenv.dotenv_problem(value):
            assert not all(exact.values()), f"refused although every reader reads it back: {value!r}"
        else:
            accepted += 1
            misread = [reader for reader, ok in exact.items() if not ok]
            assert not misread, f"accepted but misread by {misread}: {value!r}"
    assert 150 < accepted < 550  # both kinds were tried


def random_env_text(rng: random.Random) -> str:
    keys = ["A", "B_1", "c.d", "e-f", "export G", " H", "I "]
    seps = ["=", " = ", ": ", "=  ", ":"]
    values = [
        "v",
        " v ",
        "'v'",
        '"v"',
        "`v`",
        '"a\\nb"',
        "'a\\nb'",
        "x #c",
        "x#c",
        "'a\nb'",
        '"a\nb',
        "",
        "'",
    ]
    lines = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.1:
            lines.append("# comment")
        elif kind < 0.15:
            lines.append(rng.choice(["", "  ", "junk", "=x"]))
        else:
            end = rng.choice(["", " ", " # c", "\r"])
            lines.append(rng.choice(keys) + rng.choice(seps) + rng.choice(values) + end)
    return "\n".join(lines) + rng.choice(["", "\n", "\r\n"])


def test_the_standin_reads_a_dotenv_file_as_node_dotenv_does(tmp_path: Path) -> None:
    """The stand-in application reads any .env as the application's dotenv does, not only the role's."""
    rng = random.Random(5)
    texts = [random_env_text(rng) for _ in range(400)]
    paths = []
    for i, text in enumerate(texts):
        paths.append(tmp_path / f"{i}.env")
        paths[-1].write_bytes(text.encode())
    reads = read_all(paths)
    standin = load(STANDIN)
    for reader in ("dotenv@16", "dotenv@17", "dotenv@18"):
        for i, text in enumerate(texts):
            assert standin.parse_env(text) == reads[reader][i].variables, (reader, text)
