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

from pipeline import Settings, dedupe_text  # noqa: E402

# The far pastes below are kept by default (rule K6); the thorough policy,
# for corpora known to hold only pastes, removes them: its edges are tested.
THOROUGH = Settings(far_repeats="remove")


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
    assert dedupe_text(text, THOROUGH).kept_text == expected
    assert dedupe_text(text).kept_text == text


def test_paragraph_under_a_parallel_numbered_heading_is_kept() -> None:
    # A specification's sections 4.2.5 and 4.3.5 say the same paragraph on
    # purpose; the headings differ only in their numbers.
    para = (
        "The CSP shall comply with its respective records retention policies in "
        "accordance with applicable laws, regulations, and policies, including any "
        "records retention schedules that may apply. If the CSP opts to retain records "
        "in the absence of any mandatory requirements, it SHALL conduct a risk "
        "management process to determine how long records should be retained.\n"
    )
    filler = _report(11)
    text = f"4.2.5 Records Retention Policy\n\n{para}\n{filler}\n4.3.5 Records Retention Policy\n\n{para}"
    result = dedupe_text(text, THOROUGH)
    assert result.kept_text == text
    assert any("parallel" in f.reason for f in result.findings)


def test_sentences_alike_but_for_their_subject_are_kept() -> None:
    # "Y funded X. The council funded X. The council funded Z": the text
    # repeats with a period, yet every sentence is the author's.
    text = _report(14) + (
        "Annual report.\n"
        "State governments consolidated vocational training across every region, as "
        "Director Gupta reported to the board. The council consolidated vocational "
        "training across every region, as Director Gupta reported to the board. The "
        "council consolidated small business lending in line with the new statute.\n"
    )
    assert dedupe_text(text).kept_text == text


def test_a_replaced_name_is_not_a_typo() -> None:
    # Letters that two names share by chance must not split the edit:
    # each pair below differs by blocks of at most 4 characters.
    pairs = {"Alvarez": "Haddad", "Brennan": "Chen", "Fischer": "Eriksen"}
    one = " ".join(
        f"The agency funded the {w} programme after broad consultation and within "
        f"the approved budget, as Director {n} reported to the board."
        for w, n in zip(("water", "housing", "transport"), pairs, strict=True)
    )
    two = one
    for old, new in pairs.items():
        two = two.replace(old, new)
    text = f"{one}\n\n{_report(12)}\n{two}\n"
    result = dedupe_text(text)
    assert result.kept_text == text
    assert any("another word" in f.reason for f in result.findings)


def test_a_paste_does_not_run_on_into_a_heading_numbered_otherwise() -> None:
    # The text after the pasted section is a heading like the one after its
    # twin but for its number: the edge stops before the figure.
    paras = [p for p in _report(13).split("\n\n") if p]
    head, section = "\n\n".join(paras[:2]), "\n\n".join(paras[2:5])
    doc = f"{head}\n\n{section}\n\n4. The customs inspection regime\n\n{paras[5]}\n\n"
    text = doc + f"{paras[6]}\n\n{section}\n\n5. The customs inspection regime\n\n{paras[7]}\n"
    expected = doc + f"{paras[6]}\n\n5. The customs inspection regime\n\n{paras[7]}\n"
    assert dedupe_text(text, THOROUGH).kept_text == expected


def test_a_stutter_right_after_a_line_break_inside_a_paragraph_goes() -> None:
    # The copy starts a line, but its twin starts inside one: not a line
    # said twice.
    body = zh_report(random.Random(5), 2021)
    lines = body.split("\n")
    line = lines[4]
    span = line[10:] + "\n"
    text = "\n".join(lines[:5]) + "\n" + span + "\n".join(lines[5:])
    assert dedupe_text(text).kept_text == body
