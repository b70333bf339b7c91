"""Run every module's >>> examples, from the installed package."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pipeline

MODULES = sorted(m.name for m in pkgutil.iter_modules(pipeline.__path__, "pipeline."))


@pytest.mark.parametrize("name", ["pipeline", *MODULES])
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_doctests_exist() -> None:
    attempted = sum(
        doctest.testmod(importlib.import_module(n)).attempted for n in ["pipeline", *MODULES]
    )
    assert attempted >= 25
