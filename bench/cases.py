"""A deterministic generator of labeled cases for the quality benchmark.

A case is a list of segments (text, is_repeat). The document is their
concatenation; the expected output is the concatenation of the segments
that are not repeats. Base documents are the seed's first copy, text this
module makes (report-like Chinese and English with figures, years and
names), and, when present, the real documents in ../shared/texts and
../shared/peers, read at run time and never copied into the project.

Typos never touch digits: the tool keeps a near copy whose figures differ
(a changed figure is a changed fact), and the negative cases check that.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = REPO / "seeds" / "000_b650ec4a271b368d.txt"

Segments = list[tuple[str, bool]]


@dataclass(frozen=True)
class Case:
    kind: str
    base: str
    segments: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.segments)

    @property
    def expected(self) -> str:
        return "".join(t for t, r in self.segments if not r)


# ---------------------------------------------------------------- base texts

_ZH_SUBJECTS = [
    "各级政府",
    "海关总署",
    "财政部门",
    "教育系统",
    "农业农村部门",
    "生态环境部门",
    "科技部门",
    "交通运输部门",
    "卫生健康系统",
    "市场监管部门",
    "统计机构",
    "审计机关",
    "人民银行",
    "商务部门",
    "水利部门",
    "住房城乡建设部门",
    "民政部门",
    "文化和旅游部门",
    "应急管理部门",
]
_ZH_VERBS = [
    "深入推进",
    "全面落实",
    "持续优化",
    "切实加强",
    "加快完善",
    "稳步实施",
    "大力发展",
    "着力提升",
    "认真开展",
    "积极推动",
    "不断健全",
    "统筹推进",
    "扎实做好",
    "依法规范",
]
_ZH_OBJECTS = [
    "行政审批制度改革",
    "基层治理体系",
    "营商环境建设",
    "公共服务供给",
    "风险防控机制",
    "科技创新能力",
    "生态保护修复",
    "乡村振兴战略",
    "法治政府建设",
    "财政资金监管",
    "就业创业服务",
    "社会保障体系",
    "对外开放水平",
    "数字政府建设",
    "粮食安全保障",
    "重点领域立法",
    "执法监督工作",
    "政务公开透明",
    "安全生产责任",
    "区域协调发展",
]
_ZH_RESULTS = [
    "取得明显成效",
    "形成长效机制",
    "群众满意度稳步提高",
    "各项任务如期完成",
    "发展质量和效益不断提升",
    "制度体系更加完备",
    "治理能力显著增强",
    "基础更加牢固",
]
_ZH_PLACES = ["北京", "上海", "广东", "四川", "陕西", "河南", "浙江", "湖北", "云南", "甘肃"]
_ZH_NUMS = "一二三四五六七八九十"

_EN_SUBJECTS = [
    "The agency",
    "Each department",
    "The committee",
    "State governments",
    "The commission",
    "Local authorities",
    "The treasury",
    "Regional offices",
    "The council",
    "Public schools",
]
_EN_VERBS = [
    "expanded",
    "reviewed",
    "strengthened",
    "completed",
    "modernized",
    "audited",
    "reformed",
    "funded",
    "simplified",
    "evaluated",
    "consolidated",
    "extended",
]
_EN_OBJECTS = [
    "its licensing procedures",
    "the public transport network",
    "rural health services",
    "the customs inspection regime",
    "small business lending",
    "the water supply system",
    "digital identity services",
    "the pension scheme",
    "flood defences",
    "housing assistance",
    "vocational training",
    "the statistical register",
    "emergency response plans",
]
_EN_TAILS = [
    "with measurable results",
    "ahead of schedule",
    "within the approved budget",
    "after broad consultation",
    "in line with the new statute",
    "across every region",
]
_EN_NAMES = ["Alvarez", "Brennan", "Chen", "Dubois", "Eriksen", "Fischer", "Gupta", "Haddad"]


def zh_sentence(rng: random.Random, year: int) -> str:
    """One report-like Chinese sentence, usually with a figure."""
    s, v, o, r = (
        rng.choice(_ZH_SUBJECTS),
        rng.choice(_ZH_VERBS),
        rng.choice(_ZH_OBJECTS),
        rng.choice(_ZH_RESULTS),
    )
    pick = rng.random()
    if pick < 0.3:
        fig = f"全年完成投资{rng.randint(12, 980)}.{rng.randint(1, 9)}亿元，同比增长{rng.randint(1, 15)}.{rng.randint(0, 9)}%"
    elif pick < 0.55:
        fig = f"{year}年新增{rng.choice(_ZH_PLACES)}等{rng.randint(3, 60)}个试点地区，覆盖{rng.randint(100, 9000)}万人"
    elif pick < 0.75:
        fig = f"累计出台{rng.randint(5, 90)}项配套措施，{rng.choice(_ZH_VERBS)}{rng.choice(_ZH_OBJECTS)}"
    else:
        fig = f"{rng.choice(_ZH_VERBS)}{rng.choice(_ZH_OBJECTS)}，惠及{rng.randint(2, 99)}个行业"
    return f"{s}{v}{o}，{fig}，{r}。"


def zh_report(rng: random.Random, year: int, sections: int = 5) -> str:
    """A report: title, greeting, numbered sections of paragraphs."""
    lines = [f"{year}年{rng.choice(_ZH_PLACES)}省人民政府工作报告", "", "各位代表："]
    for i in range(sections):
        lines.append(f"{_ZH_NUMS[i]}、{rng.choice(_ZH_VERBS)}{rng.choice(_ZH_OBJECTS)}")
        for j in range(rng.randint(2, 4)):
            head = f"（{_ZH_NUMS[j]}）{rng.choice(_ZH_VERBS)}{rng.choice(_ZH_OBJECTS)}。"
            body = "".join(zh_sentence(rng, year) for _ in range(rng.randint(3, 6)))
            lines.append("\u3000\u3000" + head + body)
    lines.append("各位代表！让我们紧密团结，开拓进取，为实现全年目标任务而努力奋斗！")
    return "\n".join(lines) + "\n"


def en_sentence(rng: random.Random, year: int) -> str:
    s, v, o, t = (
        rng.choice(_EN_SUBJECTS),
        rng.choice(_EN_VERBS),
        rng.choice(_EN_OBJECTS),
        rng.choice(_EN_TAILS),
    )
    if rng.random() < 0.5:
        return (
            f"In {year}, {s.lower()} {v} {o} {t}, serving {rng.randint(2, 900)},"
            f"{rng.randint(100, 999)} residents at a cost of ${rng.randint(2, 95)}.{rng.randint(1, 9)} million."
        )
    return f"{s} {v} {o} {t}, as Director {rng.choice(_EN_NAMES)} reported to the board."


def en_report(rng: random.Random, year: int, sections: int = 5) -> str:
    lines = [f"Annual Report of the Department, {year}", ""]
    for i in range(sections):
        lines.append(f"{i + 1}. {rng.choice(_EN_OBJECTS).capitalize()}")
        lines.append("")
        for _ in range(rng.randint(2, 4)):
            lines.append(" ".join(en_sentence(rng, year) for _ in range(rng.randint(3, 5))))
            lines.append("")
    lines.append("Respectfully submitted.")
    return "\n".join(lines) + "\n"


def _read_shared(folder: str) -> Iterator[tuple[str, str]]:
    root = SHARED / folder
    if not root.is_dir():
        return
    for path in sorted(root.glob("*.txt")):
        text = path.read_bytes().decode("utf-8-sig")
        # Pastes are of whole lines: a document that lacks its final line
        # break would glue every appended copy onto its last line.
        yield f"{folder}/{path.name}", text if text.endswith("\n") else text + "\n"


def base_documents(quick: bool = False) -> list[tuple[str, str]]:
    """(name, text) of every base document, in a fixed order."""
    seed = SEED.read_text(encoding="utf-8")
    first_copy = "".join(seed.splitlines(keepends=True)[:43])
    docs = [("seed", first_copy if first_copy.endswith("\n") else first_copy + "\n")]
    for i in range(2 if quick else 4):
        docs.append((f"gen-zh-{i}", zh_report(random.Random(100 + i), 2018 + i)))
    for i in range(1 if quick else 3):
        docs.append((f"gen-en-{i}", en_report(random.Random(200 + i), 2015 + i)))
    real = list(_read_shared("texts")) + list(_read_shared("peers"))
    if quick:
        real = real[::3]
    docs.extend(real)
    return docs


# ---------------------------------------------------------------- alterations

_CJK = re.compile(r"[\u3400-\u9fff]")
_WIDTH_PAIRS = [
    ("，", ","),
    ("（", "("),
    ("）", ")"),
    ("：", ":"),
    ("；", ";"),
    ("％", "%"),
    ("！", "!"),
    ("？", "?"),
    ("“", '"'),
    ("”", '"'),
]


def paragraphs(text: str) -> list[str]:
    """Lines with their line breaks (a paragraph per line in most inputs)."""
    return text.splitlines(keepends=True)


def rewrap(text: str, width: int) -> str:
    """Re-wrap every line at `width` characters (at spaces for Latin text)."""
    out: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        if _CJK.search(line):
            out.extend(line[i : i + width] for i in range(0, len(line), width))
        else:
            current = ""
            for word in line.split(" "):
                if current and len(current) + 1 + len(word) > width:
                    out.append(current)
                    current = word
                else:
                    current = f"{current} {word}" if current else word
            out.append(current)
    return "\n".join(out) + "\n"


def join_paragraphs(text: str, rng: random.Random) -> str:
    """Join runs of consecutive non-blank lines onto one line."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip() and j - i < rng.randint(2, 4):
            j += 1
        sep = "" if _CJK.search(lines[i]) else " "
        out.append(sep.join(line.strip() for line in lines[i:j]))
        i = j
    return "\n".join(out) + "\n"


def swap_width(text: str, rng: random.Random) -> str:
    """Swap full-width and half-width punctuation and digits at random."""
    out: list[str] = []
    for ch in text:
        if rng.random() < 0.6:
            for full, half in _WIDTH_PAIRS:
                if ch == full:
                    ch = half
                    break
                if ch == half:
                    ch = full
                    break
            else:
                if ch.isdigit() and ch.isascii() and rng.random() < 0.5:
                    ch = chr(ord(ch) - ord("0") + 0xFF10)
        out.append(ch)
    return "".join(out)


def mess_spaces(text: str, rng: random.Random) -> str:
    """Add, remove and double spaces, also between CJK characters."""
    out: list[str] = []
    for ch in text:
        if ch == " " and rng.random() < 0.3:
            out.append("  " if rng.random() < 0.5 else "")
            continue
        out.append(ch)
        if ch != "\n" and rng.random() < 0.03:
            out.append(" ")
    return "".join(out)


def reindent(text: str, rng: random.Random) -> str:
    out: list[str] = []
    for line in text.splitlines():
        bare = line.lstrip(" \u3000\t")
        if bare and rng.random() < 0.7:
            line = rng.choice(["\u3000\u3000", "    ", "\t", ""]) + bare
        out.append(line)
    return "\n".join(out) + "\n"


def typos(text: str, rate: float, rng: random.Random) -> str:
    """Substitutions, deletions, duplications and transpositions on letters."""
    chars = list(text)
    alphabet = [c for c in text if c.isalpha()] or ["x"]
    out: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch.isalpha() and not ch.isdigit() and rng.random() < rate:
            op = rng.randrange(4)
            if op == 0:
                out.append(rng.choice(alphabet))
            elif op == 1:
                pass
            elif op == 2:
                out.append(ch + ch)
            elif i + 1 < len(chars) and chars[i + 1].isalpha():
                out.append(chars[i + 1] + ch)
                i += 1
            else:
                out.append(rng.choice(alphabet))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def sloppy_cp1252(line: str) -> str:
    """UTF-8 bytes read as Windows-1252 (undefined bytes as Latin-1)."""
    out = []
    for byte in line.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def mojibake(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if not line.isascii() and line.strip()]
    for i in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
        lines[i] = sloppy_cp1252(lines[i])
    return "\n".join(lines) + "\n"


def trailing_ws(text: str, rng: random.Random) -> str:
    return (
        "\n".join(line + rng.choice(["", " ", "  ", "\t", "\u3000"]) for line in text.splitlines())
        + "\n"
    )


ALTERATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "b_rewrap_38": lambda t, r: rewrap(t, 38),
    "b_join_lines": join_paragraphs,
    "b_width_swap": swap_width,
    "b_spaces": mess_spaces,
    "b_indent": reindent,
    "b_typos_1pct": lambda t, r: typos(t, 0.01, r),
    "b_typos_3pct": lambda t, r: typos(t, 0.03, r),
    "b_mojibake": mojibake,
    "b_trailing_ws": trailing_ws,
    "b_mixed": lambda t, r: trailing_ws(
        typos(mess_spaces(swap_width(rewrap(t, 38), r), r), 0.01, r), r
    ),
}


# ---------------------------------------------------------------- positives


def _paragraph_starts(paras: list[str]) -> list[int]:
    """Indexes where a paragraph begins: a non-blank line after a blank one
    (or any non-blank line in a text without blank lines), and the end."""
    blank = [not p.strip() for p in paras]
    spaced = any(blank)
    starts = [
        i for i, p in enumerate(paras) if not blank[i] and (not spaced or i == 0 or blank[i - 1])
    ]
    return starts + [len(paras)]


def _section(paras: list[str], rng: random.Random, min_chars: int = 300) -> tuple[int, int]:
    """Whole paragraphs (with their trailing blank lines), ideally
    min_chars long: what a person selects and pastes again."""
    starts = _paragraph_starts(paras)
    for _ in range(50):
        k = rng.randrange(max(1, len(starts) * 2 // 3))
        end_k = min(len(starts) - 1, k + rng.randint(2, 4))
        chunk = "".join(paras[starts[k] : starts[end_k]])
        if len(chunk.strip()) >= min_chars:
            return starts[k], starts[end_k]
    end_k = 1
    while end_k < len(starts) - 1 and len("".join(paras[starts[0] : starts[end_k]])) < min_chars:
        end_k += 1
    return starts[0], starts[end_k]


def _later_start(paras: list[str], after: int, rng: random.Random, lo: int, hi: int) -> int:
    """A paragraph start some paragraphs after index `after`."""
    starts = [i for i in _paragraph_starts(paras) if i >= after]
    return starts[min(len(starts) - 1, rng.randint(lo, hi))]


def positives(name: str, doc: str, rng: random.Random) -> Iterator[Case]:
    paras = paragraphs(doc)
    yield Case("a_whole_x2", name, ((doc, False), (doc, True)))
    yield Case("a_whole_x3", name, ((doc, False), (doc, True), (doc, True)))
    cut = rng.randint(len(paras) // 3, max(len(paras) // 3 + 1, 2 * len(paras) // 3))
    yield Case("a_third_cut", name, ((doc, False), (doc, True), ("".join(paras[:cut]), True)))
    for kind, alter in ALTERATIONS.items():
        yield Case(kind, name, ((doc, False), (alter(doc, rng), True)))

    start, end = _section(paras, rng)
    section = "".join(paras[start:end])
    before, after = "".join(paras[:end]), "".join(paras[end:])
    yield Case("c_after_itself", name, ((before, False), (section, True), (after, False)))
    later = _later_start(paras, end, rng, 2, 6)
    yield Case(
        "c_further_down",
        name,
        (("".join(paras[:later]), False), (section, True), ("".join(paras[later:]), False)),
    )
    yield Case("c_at_end", name, ((doc, False), (section, True)))
    mid = _later_start(paras, end, rng, 1, 3)
    yield Case(
        "c_twice_more",
        name,
        (
            ("".join(paras[:mid]), False),
            (section, True),
            ("".join(paras[mid:]), False),
            (section, True),
        ),
    )

    # The copy glued straight onto the last character of the first one.
    body = doc.rstrip()
    yield Case("d_glued", name, ((body, False), (doc, True)))
    yield from _mid_line_spans(name, doc, rng)


def _mid_line_spans(name: str, doc: str, rng: random.Random) -> Iterator[Case]:
    """A span repeated right after itself, starting mid-sentence/mid-word."""
    long_lines = [m for m in re.finditer(r"[^\n]{120,}", doc)]
    if not long_lines:
        return
    line = rng.choice(long_lines)
    # mid-sentence: start somewhere inside the line, run 150-400 characters
    start = rng.randint(line.start() + 10, line.start() + min(60, len(line.group()) - 60))
    end = min(len(doc) - 1, start + rng.randint(150, 400))
    while doc[end - 1] == "\n":
        end -= 1
    span = doc[start:end]
    yield Case("d_mid_sentence", name, ((doc[:end], False), (span, True), (doc[end:], False)))
    # mid-word: a Latin word's middle, or any CJK character boundary
    words = [m.start() + 2 for m in re.finditer(r"[A-Za-z]{5,}", line.group()[:-60])]
    start = line.start() + (rng.choice(words) if words else rng.randint(2, len(line.group()) - 60))
    end = min(line.end(), start + rng.randint(60, 200))
    span = doc[start:end]
    yield Case("d_mid_word", name, ((doc[:end], False), (span, True), (doc[end:], False)))
    # one sentence repeated inside one line
    sentences = [m for m in re.finditer(r"[^。.!?！？\n]{20,}[。.!?！？]", doc)]
    if sentences:
        s = rng.choice(sentences)
        yield Case(
            "d_sentence_in_line",
            name,
            ((doc[: s.end()], False), (s.group(), True), (doc[s.end() :], False)),
        )


# ---------------------------------------------------------------- negatives


def _neg(kind: str, base: str, text: str) -> Case:
    return Case(kind, base, ((text, False),))


def negatives(rng: random.Random, index: int) -> Iterator[Case]:
    year = 2015 + index
    # Short lines a report repeats on purpose.
    parts = [f"{year}年政府工作报告", "", "各位代表："]
    for i in range(5):
        parts.append(f"{_ZH_NUMS[i]}、{rng.choice(_ZH_VERBS)}{rng.choice(_ZH_OBJECTS)}")
        for j in range(3):
            parts.append(f"{_ZH_NUMS[j]}是" + zh_sentence(rng, year))
        parts.append("各位代表！")
        parts.append("坚持以人民为中心，一切为了人民！")
    parts += ["特此报告。", "", zh_sentence(rng, year), "特此报告。"]
    yield _neg("neg_short_lines", f"gen-{index}", "\n".join(parts) + "\n")

    # RFC-style pages with headers, footers and table rules.
    lines: list[str] = []
    for page in range(1, 9):
        lines.append(f"RFC 9{index}99            Timestamps on the Internet            July 2002")
        lines.append("")
        lines.extend(en_sentence(rng, year) for _ in range(4))
        lines.append("   +--------+--------------+----------------+")
        lines.append(f"   | field  | {rng.randint(1, 99):>12} | {rng.randint(1, 99):>14} |")
        lines.append("   +--------+--------------+----------------+")
        lines.append("")
        lines.append(f"Klyne & Newman               Standards Track                  [Page {page}]")
        lines.append("\f")
    yield _neg("neg_pages_tables", f"gen-{index}", "\n".join(lines) + "\n")

    # A song's refrain and a play's speaker names.
    refrain = [
        "And we shall walk the river road together,",
        "Where the willows bend and the lanterns glow,",
        "Singing softly of the harvest weather,",
        "Till the morning finds us, long ago.",
    ]
    song: list[str] = []
    for v in range(4):
        song.extend(f"{en_sentence(rng, year + v)[:60]}," for _ in range(4))
        song.append("")
        song.extend(refrain)
        song.append("")
    play: list[str] = []
    for _ in range(30):
        play.append(rng.choice(["HAMLET", "HORATIO", "MARCELLUS", "BERNARDO"]))
        play.append(en_sentence(rng, year))
    yield _neg("neg_refrain_play", f"gen-{index}", "\n".join(song + play) + "\n")

    # A table of contents, then the body whose headings repeat it.
    heads = [
        f"第{_ZH_NUMS[i]}章 {rng.choice(_ZH_VERBS)}{rng.choice(_ZH_OBJECTS)}" for i in range(8)
    ]
    toc = ["目录"] + heads + [""]
    body: list[str] = []
    for h in heads:
        body.append(h)
        body.extend(zh_sentence(rng, year) for _ in range(3))
    yield _neg("neg_toc_body", f"gen-{index}", "\n".join(toc + body) + "\n")

    # A specification repeating a field description under two messages.
    field = (
        "The timestamp field carries the time at which the record was created, expressed in "
        "UTC as defined in section 5.6, and receivers MUST reject a record whose timestamp "
        "lies more than five minutes in the future."
    )
    spec = [f"Message Formats ({year})", ""]
    for m, name in enumerate(["HELLO", "DATA", "ACK", "CLOSE"]):
        spec.append(f"4.{m + 1}. The {name} message")
        spec.append("")
        spec.extend(en_sentence(rng, year) for _ in range(6))
        if name in ("HELLO", "ACK"):
            spec.append(field)
        spec.append("")
    spec.extend(en_sentence(rng, year) for _ in range(40))
    yield _neg("neg_spec_repeats", f"gen-{index}", "\n".join(spec) + "\n")

    # The same sentence frame with other figures, years and names.
    one = zh_report(random.Random(900 + index), year, sections=3)
    two = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), one)
    yield _neg("neg_other_figures", f"gen-{index}", one + two)
    en_one = en_report(random.Random(950 + index), year, sections=3)
    en_two = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), en_one)
    # Every name moves one place on (in one pass: a chain of replacements
    # would turn every name into the same one).
    rotate = dict(zip(_EN_NAMES, _EN_NAMES[1:] + _EN_NAMES[:1], strict=True))
    en_two = re.sub(r"Director (\w+)", lambda m: f"Director {rotate[m.group(1)]}", en_two)
    yield _neg("neg_other_figures", f"gen-en-{index}", en_one + en_two)

    # Two consecutive years' reports: the same frames, new figures and words.
    this_year = zh_report(random.Random(700 + index), year)
    next_year = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), this_year)
    next_year = next_year.replace("深入推进", "纵深推进").replace("取得明显成效", "成效进一步显现")
    yield _neg("neg_two_years", f"gen-{index}", this_year + "\n" + next_year)

    # An old and a new version of a law article.
    old = (
        f"第{_ZH_NUMS[index % 9 + 1]}条 县级以上人民政府应当加强对统计工作的组织领导，"
        "为依法开展统计工作提供必要的保障。统计机构和统计人员依照本法规定独立行使统计调查、"
        "统计报告、统计监督的职权，不受侵犯。"
    )
    new = old.replace(
        "为依法开展统计工作提供必要的保障", "为依法开展统计工作提供必要的人员和经费保障"
    ) + ("地方各级人民政府、政府统计机构和有关部门以及各单位的负责人，不得自行修改统计资料。")
    yield _neg("neg_law_versions", f"gen-{index}", f"修改前：\n{old}\n修改后：\n{new}\n")


def cases(quick: bool = False) -> list[Case]:
    """Every case, deterministically."""
    out: list[Case] = []
    for i, (name, doc) in enumerate(base_documents(quick)):
        rng = random.Random(f"{name}-{i}")
        out.extend(positives(name, doc, rng))
        if name.startswith(("texts/", "peers/")):
            out.append(_neg("neg_real_as_is", name, doc))
    for i in range(2 if quick else 5):
        out.extend(negatives(random.Random(500 + i), i))
    return out


def held_out(first: int, last: int) -> list[Case]:
    """Cases the defaults were never tuned on: a generated Chinese and an
    English report and a set of negatives for every seed in [first, last)."""
    out: list[Case] = []
    for seed in range(first, last):
        for name, make in (("gen-en", en_report), ("gen-zh", zh_report)):
            doc = make(random.Random(seed), 2000 + seed % 25)
            out.extend(positives(f"{name}-{seed}", doc, random.Random(seed * 7)))
        out.extend(negatives(random.Random(seed), seed))
    return out
