"""The rule table: one place, documented as it is, each rule reachable."""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import REPO

from pipeline import Settings
from pipeline.policy import KEEP, REMOVE, RULES, Event, judge

PROSE = "The board agreed to rebuild the quay wall before the winter storms came."
BASE = Event(
    chars=60,
    distinct_chars=5000,
    gap="\n\n",
    follows_removal=False,
    copy=PROSE,
    before="storms came.\n\n",
    after="\n\nNext paragraph.",
    copy_lines=PROSE,
    twin_lines="Minutes of the meeting. " + PROSE,
    twin_starts_paragraph=False,
    far_why="",
)
DOCUMENT = {
    "gap": "\n",
    "chars": 4000,
    "distinct_chars": 4000,
    "twin_text": " ".join(f"{PROSE} (item {i})" for i in range(60)),
}


def test_codes_are_unique_and_actions_known() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert {r.action for r in RULES} == {KEEP, REMOVE}
    assert all(r.code[0] == ("R" if r.action == REMOVE else "K") for r in RULES)


def test_readme_lists_every_rule_as_the_code_says() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): (m.group(2), m.group(3), m.group(4))
        for m in re.finditer(r"^\| ([RK]\d) \| ([\w-]+) \| (\w+) \| ([^|]+) \|", readme, re.M)
    }
    for rule in RULES:
        assert rows.get(rule.code) == (rule.name, rule.action, rule.message.strip()), rule.code


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({}, "paste-at-paragraph"),
        ({"chars": 30}, "said-again"),
        ({"gap": "  ", "before": "storms came.  "}, "said-again"),
        ({"copy_lines": "| a | b |"}, "structured"),
        ({"before": "the rebuil", "copy": "t " + PROSE}, "cut-inside"),
        ({"exact": False, "edits": 1}, "author-edit"),
        ({"twin_starts_paragraph": True}, "said-again"),
        ({"twin_starts_paragraph": True, "chars": 90}, "paste-at-paragraph"),
        ({"gap": None}, "far-repeat"),
        ({"gap": None, "chars": 4000, "distinct_chars": 4000}, "far-repeat"),
        (
            DOCUMENT | {"twin_starts_paragraph": True},
            "whole-copy",
        ),
        # a line said on every line of a long log: what was pasted is no document
        (DOCUMENT | {"twin_starts_paragraph": True, "twin_text": PROSE}, "said-again"),
        # most of the text again, but its twin starts inside a paragraph
        ({"gap": "\n", "chars": 4000, "distinct_chars": 4000}, "said-again"),
        (
            {"gap": "\n", "chars": 4000, "distinct_chars": 4000, "exact": False, "edits": 2}
            | {"twin_starts_paragraph": True},
            "author-edit",
        ),
        (
            DOCUMENT | {"exact": False, "edits": 40, "twin_starts_paragraph": True},
            "whole-copy",
        ),
        (
            {
                "gap": "\n",
                "chars": 4000,
                "distinct_chars": 4000,
                "twin_starts_paragraph": True,
                "exact": False,
                "edits": 40,
                "systematic": True,
            },
            "author-edit",
        ),
    ],
)
def test_each_rule_decides_its_case(change: dict, name: str) -> None:
    assert judge(dataclasses.replace(BASE, **change), Settings()).rule.name == name


def test_far_repeats_go_only_under_the_thorough_policy() -> None:
    far = dataclasses.replace(BASE, gap=None)
    assert judge(far, Settings()).rule.name == "far-repeat"
    assert judge(far, Settings(far_repeats="remove")).rule.name == "far-repeat-removed"
    short = dataclasses.replace(far, far_why="shorter than 200 characters")
    verdict = judge(short, Settings(far_repeats="remove"))
    assert verdict.rule.name == "far-repeat" and "200" in verdict.reason


def test_far_repeats_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="far_repeats"):
        Settings(far_repeats="sometimes")
