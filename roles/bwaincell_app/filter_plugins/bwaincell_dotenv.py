r"""How roles/bwaincell_app writes a value into the application's .env.

The application reads its .env with Node's ``dotenv`` (16, 17 and 18 read
alike); other tools read it with python-dotenv. One form is read back exactly
by both: the value in single quotes, unchanged. Inside single quotes both
keep ``#``, ``"``, backticks, ``$``, ``=``, spaces at either end, newlines and
any other text as it is, and Node's dotenv expands nothing. A value is
refused, never altered, when that form cannot hold it:

* a single quote: the readers agree on no escape for it;
* a carriage return: dotenv reads it as a newline;
* a NUL: an environment variable cannot hold one (Node cuts the value there);
* two backslashes in a row, or one at the end: python-dotenv reads ``\\`` as
  one backslash, and ``\'`` as a quote that does not close the value;
* ``${name}`` or ``${name:-default}``: python-dotenv expands it, even in
  single quotes.

Filters (the role's tasks use them; tests/roles/test_env_quoting.py reads
what they write with the real parsers):

* ``bwaincell_dotenv_quote``: the value's .env form; fails, without showing
  the value, when it is refused.
* ``bwaincell_dotenv_problems``: for a mapping of labels to values, one
  "label: reason" per refused value ([] when all can be written), for an
  ``ansible.builtin.assert`` before anything is changed. Only labels and
  reasons are in the list, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

# (text the value must not contain, why), checked in this order.
_REFUSED = (
    ("'", "it contains a single quote ('), which the .env's single-quoted form cannot hold"),
    ("\r", "it contains a carriage return, which dotenv reads as a newline"),
    ("\0", "it contains a NUL character, which an environment variable cannot hold"),
    ("\\\\", "it contains two backslashes in a row, which python-dotenv reads as one"),
)
# python-dotenv's variable reference (its variables.py).
_PYTHON_DOTENV_VARIABLE = re.compile(r"\$\{[^}:]*(?::-[^}]*)?\}")


def dotenv_problem(value: str) -> str:
    """Why value cannot be written into the .env so that it reads back exactly; '' when it can."""
    for text, reason in _REFUSED:
        if text in value:
            return reason
    if value.endswith("\\"):
        return "it ends with a backslash, which python-dotenv reads as escaping the closing quote"
    if _PYTHON_DOTENV_VARIABLE.search(value):
        return "it contains ${...}, which python-dotenv expands as a variable"
    return ""


def dotenv_quote(value: Any) -> str:
    """The .env form of value: in single quotes, unchanged. A refused value fails (it is not shown)."""
    if value is None:
        raise AnsibleFilterError("a value for the .env is not set")
    text = str(value)
    problem = dotenv_problem(text)
    if problem:
        raise AnsibleFilterError(f"a value cannot be written into the .env: {problem}")
    return f"'{text}'"


def dotenv_problems(values: Mapping[str, Any]) -> list[str]:
    """'label: reason' for each value of values (label -> value) that cannot be written."""
    problems = []
    for label, value in values.items():
        problem = "it is not set" if value is None else dotenv_problem(str(value))
        if problem:
            problems.append(f"{label}: {problem}")
    return problems


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"bwaincell_dotenv_quote": dotenv_quote, "bwaincell_dotenv_problems": dotenv_problems}
