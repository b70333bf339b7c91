"""The edges of a noisy copy: first and last lines, blank lines, headings.

Typos at a copy's first characters, blank lines that open the text, a
heading line at a section's edge: each once left a character or a line of
the copy behind (found on real documents by bench/quality.py).
"""

from __future__ import annotations

import random
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

from cases import en_report, typos, zh_report  # noqa: E402

from pipeline import dedupe_text  # noqa: E402


def _report(seed: int) -> str:
    return en_report(random.Random(seed), 2020)


def test_typo_in_a_copys_first_characters_takes_the_whole_first_line() -> None:
    for seed in range(5):
        body = _report(seed)
        doc = '<a name="sec4"></a>\n\n' + body
        copy = '<a nam="sec4"></a>\n\n' + body
        result = dedupe_text(doc + copy)
        assert result.kept_text == doc, seed


def test_copy_found_in_two_pieces_takes_its_line_break() -> None:
    # Dense typos split the copy into two removals; the last line of the
    # copy must go with its break, leaving no blank line behind.
    for seed in range(6):
        doc = _report(seed)
        copy = typos(doc, 0.03, random.Random(seed))
        result = dedupe_text(doc + copy)
        assert result.kept_text == doc, seed


def test_blank_lines_that_open_the_text_open_the_copy_too() -> None:
    for seed in range(6):
        doc = "\n\n\n\n" + _report(seed)
        copy = typos(doc, 0.03, random.Random(seed))
        result = dedupe_text(doc + copy)
        assert result.kept_text == doc, seed


def test_dense_typos_after_an_exact_header_go_with_the_copy() -> None:
    # The header matches exactly, the paragraph after it is too spoiled to
    # match as units, and its typos shift the copy's diagonal by one.
    header = "1954年中华人民共和国国务院政府工作报告\n\n各位代表：\n\n"
    first = "我們第一届全國人民代表大會第一次會議，在聽了劉少奇同志關於憲法草案的報告並進行了三天的討論以後，已經光榮地完成了一件歷史性的工作，通過了我們國家的根本法。\n"
    spoiled = "我們第一届全國人民代代表大會第一會議，在聽了劉少少奇同志關於憲法草案的報告並進行了三天的討論四後，已經光榮地完成了一件歷史性的工作，通了過我們國家的根本時。\n"
    body = zh_report(random.Random(7), 2021).split("\n", 3)[3]
    doc = header + first + body
    result = dedupe_text(doc + header + spoiled + body)
    assert result.kept_text == doc


def test_heading_line_at_a_sections_edge_goes_with_the_section() -> None:
    heading = "以下我们还要说到交通运输和商业战线上的情况\n\n"
    paras = zh_report(random.Random(3), 2021).splitlines(keepends=True)
    section = "".join(paras[3:6]) + heading
    doc_head, doc_tail = "".join(paras[:6]) + heading, "".join(paras[6:])
    # The section pasted further down, after a paragraph of other text.
    later = doc_tail.split("\n", 2)
    text = doc_head + later[0] + "\n" + later[1] + "\n" + section + later[2]
    expected = doc_head + later[0] + "\n" + later[1] + "\n" + later[2]
    assert dedupe_text(text).kept_text == expected
