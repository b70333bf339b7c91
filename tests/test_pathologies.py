"""Work must grow linearly on texts that repeat throughout (issue 13).

The inputs of bench/pathologies.py, scaled down. Work is counted, not
timed: the Python calls a run makes (cProfile's count, the same on every
machine) and the candidate pairs near matching looks at. Before the fix
these grew with the square of the size (one sentence over and over: 13x
the calls for 4x the text) or piled up by the million (a log's lines).
"""

from __future__ import annotations

import cProfile
import pstats
import random
import sys

import numpy as np
import pytest
from conftest import REPO

import pipeline.match
from pipeline import dedupe_text
from pipeline.spans import SortedSpans, SpanSet, Successors

sys.path.insert(0, str(REPO / "bench"))
import pathologies  # noqa: E402


def _calls(text: str) -> int:
    profile = cProfile.Profile()
    profile.enable()
    dedupe_text(text)
    profile.disable()
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["same_sentence", "same_sentence_zh", "said_twice"])
def test_calls_grow_linearly(case: str) -> None:
    make = pathologies.CASES[case]
    small, big = _calls(make(0.05)), _calls(make(0.2))
    # linear work is 4x; quadratic was 9.6x (said_twice) to 13x
    assert big < 5.5 * small, (case, small, big)


def test_log_lines_pair_no_units_of_other_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = pipeline.match.band_pair_array

    def counting(*args: object, **kwargs: object) -> np.ndarray:
        pairs = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(len(pairs))
        return pairs

    monkeypatch.setattr(pipeline.match, "band_pair_array", counting)
    result = dedupe_text(pathologies.log_lines(0.2))
    assert not result.removed
    # every line has other figures: none can be a near match of another
    # (before: about 20 candidate pairs a unit, more the longer the log)
    assert sum(seen) == 0, seen


def test_a_sentence_on_every_line_is_kept_and_reported() -> None:
    # One line said on every line is a log or a chant, not a document
    # pasted again: nothing goes, the repeat is still reported.
    text = pathologies.same_sentence(0.02)
    result = dedupe_text(text)
    assert result.kept_text == text
    assert not result.removed and result.repeats


def _spans(rng: random.Random, ordered: bool) -> list[tuple[int, int]]:
    spans = []
    for _ in range(rng.randint(0, 12)):
        start = rng.randint(0, 60)
        spans.append((start, start + rng.randint(0, 12)))
    return sorted(spans) if ordered else spans


def _walk_covers(spans: list[tuple[int, int]], lo: int, hi: int) -> bool:
    """runs._adjacent's walk, on spans in order of start."""
    at = lo
    for start, end in spans:
        if end <= at or start >= hi:
            continue
        if start > at:
            return False
        at = max(at, end)
    return at >= hi


def test_span_sets_answer_as_the_scans_they_replace() -> None:
    rng = random.Random(13)
    for trial in range(3000):
        spans = _spans(rng, ordered=trial % 3 != 0)
        lo = rng.randint(0, 70)
        hi = lo + rng.randint(0, 20)
        found = SpanSet(spans)
        assert found.ordered == (spans == sorted(spans, key=lambda s: s[0]))
        assert found.overlaps(lo, hi) == any(s < hi and lo < e for s, e in spans)
        if found.ordered:
            assert found.covers(lo, hi) == _walk_covers(spans, lo, hi)
        near = SortedSpans(spans).near(lo, hi)
        assert [s for s in sorted(spans, key=lambda s: s[0]) if s[0] < hi and lo < s[1]] == [
            s for s in near if s[0] < hi and lo < s[1]
        ]
        starts = [s for s, _ in spans]
        first = next((v for v in starts if v > lo), None)
        assert Successors(starts).first_after(lo) == first
