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


_MISREADINGS = (
    "latin-1", "windows-1252", "windows-1250", "windows-1251", "windows-1253",
    "windows-1254", "windows-1257", "iso-8859-2", "mac_roman", "cp437",
)  # fmt: skip


def _ftfy_repair(line: str) -> str:
    """ftfy on the whole line, with the repair's settings: no cheap test."""
    import ftfy

    from pipeline.clean import repair_config

    return ftfy.fix_text(line, repair_config())


def _misreadings_of(line: str) -> list[str]:
    """`line` misread by every codec: whole, in its middle third, and one
    character of it with the losses of a careless copy (its no-break-space
    byte turned into a space, its second byte into a question mark)."""
    third = len(line) // 3
    at = next(i for i, char in enumerate(line) if not char.isascii())
    data = line[at].encode("utf-8")
    pieces = [
        ("", line.encode("utf-8"), ""),
        (line[:third], line[third : 2 * third].encode("utf-8"), line[2 * third :]),
        (line[:at], data[:1] + b"?" + data[2:], line[at + 1 :]),
        (line[:at], data.replace(b"\xa0", b" "), line[at + 1 :]),
    ]
    out = []
    for codec in _MISREADINGS:
        for before, raw, after in pieces:
            try:
                out.append(before + raw.decode(codec) + after)
            except UnicodeDecodeError:
                continue
    return out


def test_the_cheap_test_never_hides_a_line_the_repair_would_change() -> None:
    # Real lines (Chinese and English) misread by every single-byte codec
    # the repair undoes: wherever ftfy changes a line, fix_mojibake must be
    # given the chance to.
    from conftest import real_paragraphs

    from pipeline.clean import fix_mojibake

    paragraphs = real_paragraphs(40)
    starts = {line[:120] for p in paragraphs for line in p.splitlines()}
    lines = sorted(line for line in starts if not line.isascii())[::2]
    repaired = 0
    for line in lines:
        for misread in _misreadings_of(line):
            expected = _ftfy_repair(misread)
            if expected != misread:
                repaired += 1
                assert fix_mojibake(misread) == expected, misread
    assert repaired > 1000  # the sample is real: the repair had work to do


def test_quotes_dashes_and_dots_of_correct_text_do_not_load_the_repair() -> None:
    # “”, ——, …… and · are everyday Chinese punctuation; they sent whole
    # lines of correct text through ftfy (0.1 s to import, slower to run).
    import subprocess
    import sys

    code = (
        "import sys; from pipeline.clean import clean; "
        "text = '“依法行政”“8·8”——国门利剑2022……€5 — “quoted” text\\n' * 3; "
        "assert clean(text).text == text; "
        "print('ftfy' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
