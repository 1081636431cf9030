"""JSON deeper than Python's stack, and surrogate escapes (issue 11, item 7).

The parser and renderer without recursion must give exactly what the
recursive ones give, and refuse exactly what json.loads refuses.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlite_pg.errors import ConversionError
from sqlite_pg.jsontext import _parse, _parse_deep, _render_deep, _render_nested, json_text, jsonb_text

text = st.text(alphabet=st.characters(blacklist_characters="\x00"))  # jsonb cannot hold \u0000
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), text
)
values = st.recursive(scalars, lambda inner: st.lists(inner) | st.dictionaries(text, inner), max_leaves=30)


@given(values, st.sampled_from([None, 0, 2]))
def test_the_parser_without_recursion_gives_what_json_loads_gives(value: object, indent: int | None) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    parsed = _parse(text)
    assert _parse_deep(text) == parsed
    assert _render_deep(parsed) == _render_nested(parsed)


@pytest.mark.parametrize(
    "text",
    ["[1,]", '{"a" 1}', "[1 2]", "NaN", "[", '{"a":1,}', "01", "1 2", "", "[-]", "tru", "{1:2}", '"\x01"',
     "[1]]", "{]", '{"a":1', "-", "1.", ".5", "+1", "Infinity", "[NaN]"],
)  # fmt: skip
def test_the_parser_without_recursion_refuses_what_json_loads_refuses(text: str) -> None:
    with pytest.raises(ConversionError):
        _parse(text)
    with pytest.raises(ValueError):
        _parse_deep(text)


@pytest.mark.parametrize("depth", [900, 5000, 30_000])
def test_any_depth_is_parsed_and_rendered(depth: int) -> None:
    array = "[" * depth + "1, {}" + "]" * depth
    assert jsonb_text(array) == "[" * depth + "1, {}" + "]" * depth
    assert json_text(array) == array
    nested = '{"b": 2, "a": ' * depth + "[]" + "}" * depth
    assert jsonb_text(nested) == '{"a": ' * depth + "[]" + ', "b": 2}' * depth


def test_surrogate_escapes_jsonb_refuses_and_json_keeps() -> None:
    assert jsonb_text('"\\ud83d\\ude00"') == '"\U0001f600"'  # a pair: one character
    assert jsonb_text('"\\\\ud800"') == '"\\\\ud800"'  # an escaped backslash, not an escape
    for text in ['"\\ud800"', '"\\udc00"', '["\\ud800\\ud800"]', '{"\\uDBFF": 1}', '"\\ud800x"']:
        with pytest.raises(ConversionError, match="half of a surrogate pair"):
            jsonb_text(text)
        assert json_text(text) == text
