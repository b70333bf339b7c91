"""The parts of a report page that explain: each repeat's rule in words,
the document with every mark tagged, whole-file copies, and links to the
other documents' pages.

A report entry names its rule by code (`R1`, `K6`) and gives a `reason`
(the rule's message, with what is particular to this repeat in brackets).
The page says all of it: the code, the rule's name and message, the
particular reason and why the rule exists (`pipeline.policy.RULES`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote

from pipeline.policy import REMOVE, RULE
from pipeline.quoting import href, visible

# A document whose characters are at least this share repeats of other
# documents is a whole-file copy (a title or a line of its own aside).
WHOLE_COPY_SHARE = 0.9


class Explained(NamedTuple):
    code: str
    name: str
    message: str
    detail: str  # what is particular to this repeat ("" when nothing is)
    why: str  # why the rule is right
    removes: bool


def explain(entry: dict[str, Any]) -> Explained:
    """A report entry's rule, in words.

    >>> e = explain({"rule": "K2", "reason": "differs from its twin by a word, name, "
    ...     "negation or figure (3 changes: a revision, not noise)"})
    >>> e.name, e.detail, e.removes
    ('author-edit', '3 changes: a revision, not noise', False)
    >>> explain({"rule": "R1", "reason": RULE["R1"].message}).detail
    ''
    """
    code = entry.get("rule", "")
    reason = entry.get("reason", "")
    rule = RULE.get(code)
    if rule is None:
        return Explained(code, "", reason, "", "", False)
    detail = ""
    if reason.startswith(rule.message + " (") and reason.endswith(")"):
        detail = reason[len(rule.message) + 2 : -1]
    elif reason != rule.message:
        detail = reason
    return Explained(code, rule.name, rule.message, detail, rule.why, rule.action == REMOVE)


def rule_words(entry: dict[str, Any]) -> str:
    """One line of plain text (for a `title`): the verdict and its rule.

    >>> rule_words({"rule": "K6", "reason": RULE["K6"].message})[:41]
    'Kept by K6 far-repeat: repeats an earlier'
    """
    e = explain(entry)
    verdict = "Removed by" if e.removes else "Kept by"
    detail = f" ({e.detail})" if e.detail else ""
    return f"{verdict} {e.code} {e.name}: {e.message}{detail}".replace("  ", " ")


def rule_html(entry: dict[str, Any]) -> str:
    """The rule as a page shows it in a list: code, name, message, the
    particular reason, and why the rule is right.

    >>> html = rule_html({"rule": "K2", "reason": RULE["K2"].message + " (3 changes)"})
    >>> html[:47], html.split("<br>")[0][-23:]
    ('<span class="tag keep">K2</span> <b>author-edit', '&mdash; here: 3 changes')
    """
    e = explain(entry)
    if not e.name:
        return escape(f"{e.code} {e.message}".strip())
    kind = "tag" if e.removes else "tag keep"
    detail = f" &mdash; here: {escape(e.detail)}" if e.detail else ""
    return (
        f'<span class="{kind}">{escape(e.code)}</span> <b>{escape(e.name)}</b>: '
        f"{escape(e.message)}{detail}"
        f'<br><span class="muted">Why this rule: {escape(e.why)}</span>'
    )


def covered(spans: Iterable[tuple[int, int]]) -> int:
    """Characters inside at least one of `spans` (start, end).

    >>> covered([(0, 10), (5, 12), (20, 25)])
    17
    """
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


class WholeCopy(NamedTuple):
    share: float  # of the document's characters, in repeats of other documents
    copies: list[tuple[str, dict[str, Any]]]  # (path, its first repeat entry), most covered first


def whole_copy(repeats: list[dict[str, Any]], chars: int) -> WholeCopy | None:
    """Whether a document of `chars` characters is (nearly) wholly a copy
    of other documents, from its cross-file repeats (report `across`
    entries or summary `cross_file` items: `start_char`, `end_char`,
    `duplicate_of.path`); None when it is not, or the items lack offsets.

    >>> r = [{"start_char": 6, "end_char": 261, "duplicate_of": {"path": "a.txt"}}]
    >>> round(whole_copy(r, 261).share, 3), whole_copy(r, 261).copies[0][0]
    (0.977, 'a.txt')
    >>> whole_copy(r, 600) is None
    True
    """
    if not chars or not repeats or any("start_char" not in r for r in repeats):
        return None
    share = covered((r["start_char"], r["end_char"]) for r in repeats) / chars
    if share < WHOLE_COPY_SHARE:
        return None
    by_path: dict[str, list[dict[str, Any]]] = {}
    for r in repeats:
        by_path.setdefault(r["duplicate_of"]["path"], []).append(r)
    ranked = sorted(
        by_path.items(),
        key=lambda item: -covered((r["start_char"], r["end_char"]) for r in item[1]),
    )
    return WholeCopy(share, [(path, entries[0]) for path, entries in ranked])


def doc_anchor(path: str) -> str:
    """The id of a document's row in index.html: its name with every byte
    but letters, digits, `_.-~/` percent-encoded, so the id holds no white
    space and a link's fragment is the id as it is, whatever the name.

    >>> doc_anchor("in/2022/a b#1.txt"), doc_anchor("报.txt")
    ('d-in/2022/a%20b%231.txt', 'd-%E6%8A%A5.txt')
    """
    return "d-" + quote(path.encode("utf-8", "surrogatepass"), safe="/")


def _record(rest: str) -> bool:
    """A corpus record's name (`corpus.jsonl#id`): its page is named from its
    id made safe, not from this name."""
    low = rest.lower()
    return ".jsonl#" in low or ".parquet#" in low


def _inside_of(report: dict[str, Any], other: str) -> str:
    """Where document `other`'s outputs went under DIR, when this report's
    own names tell it; else "".

    This document's input `in/2023/b.txt` wrote `2023/b.txt`: it came
    through the folder `in/`. The batch names documents relative to the
    folder that holds DIR (or absolute), so a name that starts with that
    folder, or with a trailing part of it (this input given as an absolute
    path), came through it too: `in/2022/a.txt` wrote `2022/a.txt`. No
    part at all (an input named from inside its folder, or another folder
    given on the command line) tells nothing.

    >>> report = {"source": {"path": "/srv/data/in/2023/b.txt"}, "output": {"path": "2023/b.txt"}}
    >>> _inside_of(report, "in/2022/a.txt"), _inside_of(report, "/srv/data/in/a.txt")
    ('2022/a.txt', 'a.txt')
    >>> _inside_of(report, "other/2022/a.txt"), _inside_of(report, "in/c.jsonl#7")
    ('', '')
    """
    shown, inside = report["source"]["path"], report["output"]["path"]
    if "page" in report or not shown.endswith("/" + inside):
        return ""  # a record, or an input named from inside its folder
    folder = shown[: -len(inside)]  # ends with "/"
    parts = folder.split("/")[:-1]
    for n in range(len(parts)):  # the longest trailing part first
        through = "/".join(parts[n:]) + "/"
        if through != "/" and other.startswith(through):
            rest = other[len(through) :]
            if (
                rest
                and not _record(rest)
                and all(p not in ("", ".", "..") for p in rest.split("/"))
            ):
                return rest
            return ""
    return ""


def other_page(report: dict[str, Any], other: str, line: int = 0, page: str = "") -> str:
    """A link from this report's page to the page of document `other` (as
    the batch names it in `duplicate_of.path`), at its line `line`: its
    `page` inside DIR when the batch named it, else the page itself when
    this report's names tell where it went (`_inside_of`), else the
    document's row in the batch's index.html, which links its page: never
    a guess that could lead nowhere.

    >>> report = {"source": {"path": "in/2023/b c.txt"}, "output": {"path": "2023/b c.txt"}}
    >>> other_page(report, "in/2022/a#1.txt", 4)
    './../2022/a%231.txt.report.html#L4'
    >>> other_page(report, "elsewhere/a.txt")
    './../index.html#d-elsewhere/a.txt'
    """
    # (a record's page is not beside its clean text, in its cleaned corpus)
    here = posixpath.dirname(report.get("page") or report["output"]["path"]) or "."
    if page:
        return href(posixpath.relpath(page, here)) + (f"#L{line}" if line else "")
    inside = _inside_of(report, other)
    if inside:
        page = href(posixpath.relpath(inside + ".report.html", here))
        return page + (f"#L{line}" if line else "")
    return href(posixpath.relpath("index.html", here)) + "#" + doc_anchor(other)


class _Mark(NamedTuple):
    start: int
    end: int
    kind: str  # removed | twin | finding | xfile
    anchor: str  # the id at its start
    title: str  # plain text, shown on hover
    tag: str  # HTML put before its first character ("" for none)


def _marks(report: dict[str, Any]) -> list[_Mark]:
    src = report["source"]["path"]
    marks: list[_Mark] = []
    for n, r in enumerate(report["removed"], start=1):
        words = rule_words(r)
        # (the span's title says it in words: the tag only leads to the list)
        tag = f'<a class="tag" href="#why-r{n}">{escape(r.get("rule", ""))}</a>'
        marks.append(_Mark(r["start_char"], r["end_char"], "removed", f"r{n}", words, tag))
        d = r["duplicate_of"]
        if d["path"] == src:
            kept = f"Kept twin of the removed lines {r['start_line']}-{r['end_line']}"
            marks.append(_Mark(d["start_char"], d["end_char"], "twin", f"t{n}", kept, ""))
    for n, f in enumerate(report["findings"], start=1):
        words = rule_words(f)
        tag = f'<a class="tag keep" href="#why-f{n}">{escape(f.get("rule", ""))}</a>'
        marks.append(_Mark(f["start_char"], f["end_char"], "finding", f"f{n}", words, tag))
    for n, c in enumerate(report.get("across", []), start=1):
        d = c["duplicate_of"]
        where = f"{visible(d['path'])} lines {d['start_line']}-{d['end_line']}"
        words = f"Repeats another document: {where}"
        link = other_page(report, d["path"], d["start_line"], d.get("page", ""))
        tag = (
            f'<a class="tag xref" href="{escape(link)}" title="{escape(words)}">'
            f"&#8599; {d['start_line']}-{d['end_line']}</a>"
        )
        marks.append(_Mark(c["start_char"], c["end_char"], "xfile", f"x{n}", words, tag))
    return marks


def marked_document(text: str, report: dict[str, Any]) -> str:
    """The cleaned text with line numbers (ids `L1`, `L2`, ...), and each
    removed span, kept twin, finding and repeat of another document marked:
    a class per kind (the legend's colours), its rule in words on hover
    (`title`) and a tag before its first character linking to where the
    page explains it (or, for another document, to that document)."""
    marks = _marks(report)
    points = {0, len(text)}
    for m in marks:
        points.update((m.start, m.end))
    at = text.find("\n")
    line_starts = [0]
    while at >= 0 and at + 1 < len(text):
        line_starts.append(at + 1)
        at = text.find("\n", at + 1)
    points.update(line_starts)
    line_no = {s: i for i, s in enumerate(line_starts, start=1)}
    # Marks open and close at points: sweeping them tells which cover each
    # piece between two points (a scan of all marks per piece was O(n^2)
    # for a text with a removal on every line).
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    for i, m in enumerate(marks):
        opens.setdefault(m.start, []).append(i)
        closes.setdefault(m.end, []).append(i)
    active: dict[int, None] = {}  # the marks covering the piece, in order
    spans: dict[tuple[int, ...], str] = {}  # the opening <span> of each set
    shown: tuple[int, ...] = ()  # the marks of the <span> open now
    out: list[str] = []
    ordered = sorted(points)
    for lo, hi in zip(ordered, ordered[1:], strict=False):
        for i in closes.get(lo, ()):
            active.pop(i, None)
        for i in opens.get(lo, ()):
            if marks[i].end > lo:
                active[i] = None
        key = tuple(active)
        # A span stays open over line breaks and line numbers while the
        # same marks cover the text (one span, one title, for a removal of
        # a thousand lines); it closes before a mark's tag.
        if shown and (key != shown or lo in opens):
            out.append("</span>")
            shown = ()
        if lo in line_no:
            out.append(f'<span class="ln" id="L{line_no[lo]}">{line_no[lo]}</span>')
        for i in opens.get(lo, ()):
            out.append(f'<a id="{marks[i].anchor}"></a>{marks[i].tag}')
        if key and not shown:
            if key not in spans:
                classes = " ".join(sorted({marks[i].kind for i in key}))
                title = "\n".join(dict.fromkeys(marks[i].title for i in key))
                spans[key] = f'<span class="{classes}" title="{escape(title)}">'
            out.append(spans[key])
            shown = key
        out.append(escape(text[lo:hi]))
    if shown:
        out.append("</span>")
    return "".join(out)


def char_diff(kept: str, removed: str) -> tuple[str, str]:
    """Both sides as HTML with the characters that differ marked.

    >>> char_diff("增长6.1%", "增长6.7%")
    ('增长6.<del>1</del>%', '增长6.<ins>7</ins>%')
    """
    # rapidfuzz's alignment, not difflib's: difflib is quadratic on a long
    # near copy (23 of 31 s of a 3 MB batch went there)
    from rapidfuzz.distance import Indel

    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in Indel.opcodes(kept, removed):
        a, b = escape(kept[i1:i2]), escape(removed[j1:j2])
        if tag == "equal":
            left.append(a)
            right.append(b)
            continue
        if a:
            left.append(f"<del>{a}</del>")
        if b:
            right.append(f"<ins>{b}</ins>")
    return "".join(left), "".join(right)


def shown_text(text: str, limit: int = 200) -> str:
    """Escaped text with line breaks and trailing white space made visible.

    >>> shown_text("报告。  "), shown_text("\\n")
    ('报告。··', '⏎')
    """
    shown = text[:limit].replace("\n", "⏎").replace("\r", "␍")
    stripped = shown.rstrip(" \t\u3000")
    shown = stripped + "·" * (len(shown) - len(stripped))
    return escape(shown) if shown else '<span class="muted">(nothing)</span>'
