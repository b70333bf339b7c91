"""The check before writing: it must catch a result that would lose text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline.api
from pipeline import dedupe_text
from pipeline.cli import main
from pipeline.errors import VerificationError
from pipeline.model import Repeat, Result, Span
from pipeline.verify import verify

TEXT = "第一段内容足够长，可以被视为一次真正的粘贴。\n另一段完全不同的文字，不应被删除。\n"


def _with(repeats: tuple[Repeat, ...]) -> Result:
    base = dedupe_text(TEXT)
    return Result(base.source, base.cleaned, repeats)


def test_a_good_result_passes() -> None:
    verify(dedupe_text(TEXT + TEXT), 0.9)


def test_removal_without_a_similar_twin_is_caught() -> None:
    first_line = TEXT.index("\n") + 1
    bad = Repeat(Span(first_line, len(TEXT)), Span(0, first_line), 1.0, "exact", True)
    with pytest.raises(VerificationError, match="only .* similar"):
        verify(_with((bad,)), 0.9)


def test_twin_after_the_removal_is_caught() -> None:
    bad = Repeat(Span(0, 5), Span(10, 15), 1.0, "exact", True)
    with pytest.raises(VerificationError, match="does not come before"):
        verify(_with((bad,)), 0.9)


def test_overlapping_removals_are_caught() -> None:
    one = Repeat(Span(20, 30), Span(0, 10), 1.0, "exact", True)
    two = Repeat(Span(25, 35), Span(0, 10), 1.0, "exact", True)
    with pytest.raises(VerificationError, match="overlaps"):
        verify(_with((one, two)), 0.9)


def test_failed_verification_writes_nothing_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "doc.txt").write_text(TEXT, encoding="utf-8")
    (src / "ok.txt").write_text("独一无二的一行。\n", encoding="utf-8")

    def broken_resolve(text, keyed, matches, settings):  # type: ignore[no-untyped-def]
        if "第一段" not in text:
            return ()
        cut = text.index("\n") + 1
        return (Repeat(Span(cut, len(text)), Span(0, cut), 1.0, "exact", True),)

    monkeypatch.setattr(pipeline.api, "resolve", broken_resolve)
    res = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "doc.txt: error: verification failed" in res.stderr
    assert not list((tmp_path / "out").glob("doc.*"))
    assert (tmp_path / "out" / "ok.txt").exists()
