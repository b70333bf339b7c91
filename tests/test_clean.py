from __future__ import annotations

import pytest

from pipeline.clean import clean


def test_unified_line_endings_keep_line_numbers() -> None:
    cleaned = clean("一\r\n二\r三\n四")
    assert cleaned.text == "一\n二\n三\n四\n"
    kinds = [f.kind for f in cleaned.fixes]
    assert kinds == ["line_endings", "final_newline"]


def test_no_change_no_fix() -> None:
    text = "海关总署，“依法行政”（2022年）：增长６％。\n"
    cleaned = clean(text)
    assert cleaned.text == text
    assert cleaned.fixes == ()


@pytest.mark.parametrize(
    ("line", "kind", "after"),
    [
        ("a\x00b", "control_chars", "ab"),
        ("海\u200b关", "zero_width", "海关"),
        ("报告。\u3000\t ", "trailing_whitespace", "报告。"),
        ("æµ·å…³æ€»ç½²", "mojibake", "海关总署"),
    ],
)
def test_each_fix_is_recorded_with_line(line: str, kind: str, after: str) -> None:
    cleaned = clean(f"第一行\n{line}\n")
    assert cleaned.text == f"第一行\n{after}\n"
    assert [(f.line, f.kind, f.before, f.after) for f in cleaned.fixes] == [(2, kind, line, after)]


def test_no_fix_keeps_text_but_unifies_line_ends() -> None:
    cleaned = clean("a\x00b  \r\n", fix_text=False)
    assert cleaned.text == "a\x00b  \n"


def test_empty_and_blank() -> None:
    assert clean("").text == ""
    assert clean("\n\n").text == "\n\n"
