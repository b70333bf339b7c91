"""The indented JSON every output file writes must be json.dumps's, byte
for byte, whatever the value: summary.json and the reports are compared
by users' scripts and by the golden outputs."""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.jsontext import dumps_indented

# keys of every kind json.dumps turns into strings, text of every kind
# (lone surrogates, controls, quotes, non-ASCII), floats with NaN and
# infinities, nested empty lists and dicts, tuples
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None), max_size=12)
)
_keys = st.text(max_size=6) | st.integers(-5, 5) | st.booleans() | st.none() | st.floats()
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_keys, inner, max_size=4)
    ),
    max_leaves=25,
)


def _reference(value: Any, level: int) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


@settings(max_examples=400, deadline=None)
@given(value=_values, level=st.integers(0, 3))
def test_writes_what_json_dumps_writes(value: Any, level: int) -> None:
    assert dumps_indented(value, level) == _reference(value, level)


class Kind(IntEnum):
    ONE = 1


@pytest.mark.parametrize(
    "value",
    [
        {"kind": Kind.ONE, "nested": [Kind.ONE, {Kind.ONE: 2}]},  # subclasses
        {"x": 1.0, "y": -0.0, "z": 1e300, "w": float("nan")},
        {(1, 2): "a tuple key"},  # JSON cannot write it
        {"a": {1, 2}},  # nor a set
    ],
    ids=["subclasses", "floats", "tuple-key", "set"],
)
def test_unusual_values_are_what_json_dumps_makes_of_them(value: Any) -> None:
    try:
        expected = _reference(value, 1)
    except TypeError as exc:
        with pytest.raises(TypeError, match=str(exc)[:20]):
            dumps_indented(value, 1)
        return
    assert dumps_indented(value, 1) == expected
