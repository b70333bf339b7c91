"""Whole-document doubles and pastes right after themselves, in the shapes
bench/quality.py found the policy missing: a report whose title and
numbered headings sit above its prose, a Markdown document of lists and
tables with long prose lines, a copy glued onto its own end where that end
is not a sentence, a noisy copy whose last words carry a typo, and a copy
whose first characters carry one. None of them may cost the first copy a
character."""

from __future__ import annotations

import random

from pipeline import Settings, dedupe_text

_EN = (
    "Regional offices completed the review of emergency response plans and "
    "reported the results to the council, which adopted the new schedule for "
    "the coming year after a broad consultation with residents and experts."
)
_ZH_WHO = [
    "各级政府",
    "海关总署",
    "财政部门",
    "教育系统",
    "审计机关",
    "统计机构",
    "商务部门",
    "水利部门",
]
_ZH_DO = [
    "深入推进",
    "全面落实",
    "持续优化",
    "切实加强",
    "加快完善",
    "稳步实施",
    "着力提升",
    "积极推动",
]
_ZH_WHAT = [
    "法治政府建设",
    "营商环境建设",
    "风险防控机制",
    "公共服务供给",
    "生态保护修复",
    "乡村振兴战略",
]
_EN_WHO = [
    "The council",
    "Regional offices",
    "The ministry",
    "Local agencies",
    "The board",
    "Auditors",
]
_EN_DO = ["reviewed", "funded", "extended", "simplified", "published", "completed"]
_EN_WHAT = ["the response plans", "the lending scheme", "the training course", "the water survey"]


def _zh(n: int, seed: int) -> str:
    """n sentences of report-like Chinese, no two alike."""
    rng = random.Random(seed)
    return "".join(
        f"{rng.choice(_ZH_WHO)}{rng.choice(_ZH_DO)}{rng.choice(_ZH_WHAT)}，第{k + 1}项任务如期完成。"
        for k in range(n)
    )


def _en(n: int, seed: int) -> str:
    """n sentences of report-like English, no two alike."""
    rng = random.Random(seed)
    return " ".join(
        f"{rng.choice(_EN_WHO)} {rng.choice(_EN_DO)} {rng.choice(_EN_WHAT)} in step {k + 1}."
        for k in range(n)
    )


def _kept_once(doc: str, first: str) -> None:
    result = dedupe_text(doc, Settings())
    assert [r.rule for r in result.repeats if r.removed], result.repeats
    assert result.kept_text.rstrip("\n") == first.rstrip("\n")


def test_a_report_block_with_a_title_and_numbered_heading_pasted_after_itself_goes() -> None:
    block = "Annual Report of the Department, 2017\n\n1. Emergency response plans\n\n"
    block += " ".join([_EN] * 3) + "\n\n"
    rest = "2. Budget\n\n" + _en(30, 7) + "\n"
    result = dedupe_text(block + block + rest, Settings())
    assert [r.rule for r in result.repeats if r.removed] == ["R2"]
    assert result.kept_text == block + rest


def test_a_markdown_document_of_lists_and_long_prose_lines_pasted_twice_goes() -> None:
    lines = ['<a name="sec4"></a>', "", "## 4 Authenticator Assurance Levels", ""]
    for k in range(6):
        lines += [f"* Authenticator type {k} ([Section 5.1.{k}](#type{k}))"]
    lines += ["", " ".join([_EN] * 4), "", "| Requirement | AAL1 | AAL2 |", "|---|---|---|"]
    lines += ["| Privacy Controls | Required | Required |", "", " ".join([_EN] * 5)]
    doc = "\n".join(lines) + "\n"
    _kept_once(doc + doc, doc)


def test_a_document_glued_onto_its_own_end_that_is_no_sentence_goes() -> None:
    body = (
        "PRESIDENT'S ANNUAL ADDRESS\n\n"
        + (" ".join([_EN] * 3) + "\n\n") * 3
        + "ALL WEB RESOURCES >>"
    )
    _kept_once(body + body, body)


def _typos(text: str, every: int, seed: int) -> str:
    rng = random.Random(seed)
    out = list(text)
    for i in range(5, len(out) - 2, every):
        if out[i] not in "\n。，" and not out[i].isdigit():
            out[i] = rng.choice("的了在是有和")
    return "".join(out)


def test_a_noisy_copy_with_a_typo_in_its_last_words_still_follows_its_twin() -> None:
    body = "2021年政府工作报告\n\n" + "\n\n".join(_zh(4, k) for k in range(8)) + "\n"
    noisy = _typos(body, 37, 1)
    noisy = noisy[:-3] + "成了\n"  # the copy's last words spoiled
    _kept_once(body + "\n" + noisy, body)


def test_a_copy_missing_its_first_characters_takes_nothing_of_the_twin() -> None:
    body = "# 中华人民共和国预算法\n\n" + "\n\n".join(_zh(4, k) for k in range(8))
    body += "\n\n第一百零一条 本法自1995年1月1日起施行，同时废止。\n"
    copy = "# 华人民共和国预算法" + _typos(body, 41, 2)[len("# 中华人民共和国预算法") :]
    result = dedupe_text(body + copy, Settings())
    assert [r.rule for r in result.repeats if r.removed]
    assert result.kept_text.startswith(body.rstrip("\n"))


def test_a_sentence_said_again_and_again_is_kept_and_never_an_internal_error() -> None:
    # Its copies overlap their twins by all of themselves: neither one paste
    # of "most of the document" nor a seam between two pieces of one copy.
    for sentence in ("The budget was balanced for the fourth year in a row. ", "他说得对。"):
        for times in (2, 5, 12):
            text = "Intro line here.\n\n" + (sentence * times).rstrip() + "\n"
            result = dedupe_text(text, Settings())
            assert not [r for r in result.repeats if r.removed]
            assert result.kept_text == text


def _log(lines: list[str], times: int) -> str:
    return "".join(line + "\n" for line in lines) * times


def test_a_line_said_on_every_line_is_kept() -> None:
    # A log or a list of one line said again and again is not a document
    # pasted twice: the thing pasted (its twin) must be a document's worth
    # of text, and the copy at most a few of them.
    cases = [
        _log(["The quick brown fox jumps over the lazy dog near the river bank today."], 50),
        _log(["2026-01-01 worker ok", "2026-01-01 queue empty", "heartbeat sent"], 30),
        _log(["| 2026-01-01 | request completed | 200 | 1.0000 |"], 40),
        _log(["我们一定要坚持下去，绝不放弃。"], 20),
    ]
    for text in cases:
        result = dedupe_text(text, Settings())
        assert result.kept_text == text, text[:60]
        assert result.repeats, "the repeat is still reported"


def test_a_document_pasted_up_to_four_times_still_goes() -> None:
    doc = _EN + "\n\n" + _EN.replace("council", "board").replace("year", "term") + "\n"
    for times in (2, 3, 4):
        result = dedupe_text(doc * times, Settings())
        assert result.kept_text == doc, times


def test_a_block_pasted_after_itself_in_text_of_one_paragraph_per_line_goes() -> None:
    # Reports scraped from the web hold a paragraph per line, no blank lines:
    # there every line break is a paragraph break, even after a short line.
    paras = [_zh(3, k) for k in range(12)]
    for short in ("其他各项工作取得新成绩。", "All other work made progress."):
        block = "\n".join(paras[4:8]) + "\n" + short + "\n"
        head = "\n".join(paras[:4]) + "\n"
        tail = "\n".join(paras[8:]) + "\n"
        result = dedupe_text(head + block + block + tail, Settings())
        assert [r.rule for r in result.repeats if r.removed] == ["R2"], result.repeats
        assert result.kept_text == head + block + tail


def test_a_short_line_said_again_in_hard_wrapped_text_is_kept() -> None:
    # In text wrapped at 72 columns a line break is no paragraph break.
    lines = [_EN[i : i + 70] for i in range(0, 210, 70)]
    text = "\n".join(lines) + "\n" + lines[-1] + "\nThe end of the matter.\n"
    result = dedupe_text(text, Settings())
    assert not [r for r in result.repeats if r.removed]


_ZH_FIGURES = "一二三四五六七八九十百千万"


def _zh_figures(n: int, seed: int) -> str:
    """n report sentences, each with figures in Chinese numerals."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        figure = "".join(rng.choice(_ZH_FIGURES) for _ in range(rng.randint(3, 6)))
        out.append(
            f"{rng.choice(_ZH_WHO)}{rng.choice(_ZH_DO)}{rng.choice(_ZH_WHAT)}，完成{figure}项，第{k + 1}批。"
        )
    return "".join(out)


def test_a_noisy_copy_whose_typos_hit_chinese_numerals_goes_whole() -> None:
    # A typo that hits 十 or 百 changes a figure in one stretch of the copy;
    # spread over a whole copy full of typos it is noise, and the copy goes
    # in one piece, not as fragments reported apart.
    body = "1958年政府工作报告\n\n"
    body += "\n\n".join(_zh(4, k) + _zh_figures(1, k) for k in range(24)) + "\n"
    for every, seed in ((33, 3), (29, 4), (41, 5)):
        noisy = _typos(body, every, seed)
        result = dedupe_text(body + "\n" + noisy, Settings())
        assert [r.rule for r in result.repeats if r.removed] == ["R1"], (every, result.repeats)
        assert result.kept_text.rstrip("\n") == body.rstrip("\n")


def test_a_copy_with_one_figure_in_digits_changed_stays_however_noisy() -> None:
    body = "1958年政府工作报告\n\n"
    body += "\n\n".join(_zh(4, k) + _zh_figures(1, k) for k in range(24)) + "\n"
    noisy = _typos(body, 33, 3).replace("1958年", "1957年")
    result = dedupe_text(body + "\n" + noisy, Settings())
    assert not [r for r in result.repeats if r.removed]
