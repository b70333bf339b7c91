"""Each case type of the quality benchmark, on a few base documents.

The cases come from bench/cases.py (the generator behind `make
bench-quality`); here they run on the seed and on one generated Chinese and
one generated English report, so every kind of repeat and every hard
negative is a test.
"""

from __future__ import annotations

import random
import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

from cases import Case, base_documents, negatives, positives  # noqa: E402
from quality import run_tool  # noqa: E402

from pipeline import Settings, dedupe_text  # noqa: E402

BASES = [doc for doc in base_documents(quick=True) if doc[0] in ("seed", "gen-zh-0", "gen-en-0")]
POSITIVES = [
    c
    for i, (name, doc) in enumerate(BASES)
    for c in positives(name, doc, random.Random(f"{name}-{i}"))
]
NEGATIVES = list(negatives(random.Random(500), 0))


def _id(case: Case) -> str:
    return f"{case.kind}-{case.base}"


# What the default policy removes: the document (or most of it) pasted again,
# exact or with noise, and a paste right after itself at a paragraph break.
REMOVED_BY_DEFAULT = {
    "a_whole_x2",
    "a_whole_x3",
    "a_third_cut",
    "b_rewrap_38",
    "b_join_lines",
    "b_width_swap",
    "b_spaces",
    "b_indent",
    "b_typos_1pct",
    "b_typos_3pct",
    "b_mojibake",
    "b_trailing_ws",
    "b_mixed",
    "c_after_itself",
    "d_glued",
}
# Pastes far from their twin: reported by default, removed by the thorough
# policy (far-repeats = "remove") that corpora known to hold only pastes use.
FAR = {"c_further_down", "c_at_end", "c_twice_more"}


@pytest.mark.parametrize("case", [c for c in POSITIVES if c.kind in REMOVED_BY_DEFAULT], ids=_id)
def test_paste_is_removed_and_nothing_else(case: Case) -> None:
    score = run_tool(case, Settings())
    assert score.repeat > 0
    assert score.precision == 1.0, "removed text that was not a repeat"
    assert score.equal == 1, "output differs from the expected text"


def _planted_share(case: Case) -> float:
    return sum(len(t) for t, copy in case.segments if copy) / len(case.expected)


# A section that is most of its (short, generated) document is a whole copy;
# a sentence doubled inside a line is kept and reported (rule K5), tested below.
KEPT_BY_DEFAULT = [
    c
    for c in POSITIVES
    if c.kind not in REMOVED_BY_DEFAULT | {"d_sentence_in_line"} and _planted_share(c) < 0.5
]


@pytest.mark.parametrize("case", [c for c in POSITIVES if c.kind == "d_sentence_in_line"], ids=_id)
def test_sentence_doubled_in_a_line_is_kept_and_reported(case: Case) -> None:
    result = dedupe_text(case.text)
    assert not result.removed
    assert result.findings


@pytest.mark.parametrize("case", KEPT_BY_DEFAULT, ids=_id)
def test_other_repeats_are_kept_and_reported(case: Case) -> None:
    result = dedupe_text(case.text)
    assert not result.removed, "removed a repeat the default policy keeps"
    planted = [
        (start, start + len(part))
        for start, (part, is_copy) in zip(_starts(case), case.segments, strict=True)
        if is_copy
    ]
    for lo, hi in planted:
        assert any(f.span.start < hi and lo < f.span.end for f in result.findings), (
            f"the planted copy at {lo}-{hi} is not reported"
        )


@pytest.mark.parametrize("case", [c for c in POSITIVES if c.kind in FAR], ids=_id)
def test_far_paste_is_removed_by_the_thorough_policy(case: Case) -> None:
    score = run_tool(case, Settings(far_repeats="remove"))
    assert score.precision == 1.0, "removed text that was not a repeat"
    assert score.equal == 1, "output differs from the expected text"


def _starts(case: Case) -> list[int]:
    starts, at = [], 0
    for part, _ in case.segments:
        starts.append(at)
        at += len(part)
    return starts


@pytest.mark.parametrize("case", NEGATIVES, ids=_id)
def test_text_written_twice_on_purpose_is_kept(case: Case) -> None:
    score = run_tool(case, Settings())
    assert score.removed == 0
    assert score.equal == 1


def test_every_case_type_is_covered() -> None:
    kinds = {c.kind for c in POSITIVES} | {c.kind for c in NEGATIVES}
    expected = {
        "a_whole_x2",
        "a_whole_x3",
        "a_third_cut",
        "b_rewrap_38",
        "b_join_lines",
        "b_width_swap",
        "b_spaces",
        "b_indent",
        "b_typos_1pct",
        "b_typos_3pct",
        "b_mojibake",
        "b_trailing_ws",
        "b_mixed",
        "c_after_itself",
        "c_further_down",
        "c_at_end",
        "c_twice_more",
        "d_glued",
        "d_mid_sentence",
        "d_mid_word",
        "d_sentence_in_line",
        "neg_short_lines",
        "neg_pages_tables",
        "neg_refrain_play",
        "neg_toc_body",
        "neg_spec_repeats",
        "neg_other_figures",
        "neg_two_years",
        "neg_law_versions",
    }
    assert expected <= kinds
