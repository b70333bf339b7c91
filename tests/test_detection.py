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

from pipeline import Settings  # noqa: E402

BASES = [doc for doc in base_documents(quick=True) if doc[0] in ("seed", "gen-zh-0", "gen-en-0")]
POSITIVES = [
    c
    for i, (name, doc) in enumerate(BASES)
    for c in positives(name, doc, random.Random(f"{name}-{i}"))
]
NEGATIVES = list(negatives(random.Random(500), 0))


def _id(case: Case) -> str:
    return f"{case.kind}-{case.base}"


@pytest.mark.parametrize("case", POSITIVES, ids=_id)
def test_repeat_is_removed_and_nothing_else(case: Case) -> None:
    score = run_tool(case, Settings())
    assert score.repeat > 0
    assert score.precision == 1.0, "removed text that was not a repeat"
    assert score.equal == 1, "output differs from the expected text"


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
