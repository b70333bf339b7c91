"""Issue 15, "Reports that explain": what the pages say, read with html.parser.

Each removal states its rule in words (code, name, message, the reason
particular to it, why the rule exists) next to its mark and in a list, and
each finding why it was kept; a legend explains every colour and mark; a
document that is wholly a copy of another is marked in index.html and its
page names and links the file it copies; repeats of other documents are
marked in the text and linked to the other document's page at its line;
the fonts name CJK fallbacks; a header looks sortable only when it sorts.
The same in a real browser: tests/test_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import OTHER, PARA

from pipeline.policy import RULE

OWN = "".join(
    f"Paragraph {i}: the harbour office on pier {i} kept its own notes on {w} this year.\n"
    for i, w in enumerate(("wind", "tides", "cargo", "fuel", "nets", "ice", "fog", "gulls"), 1)
)
PART = OTHER.replace("Section", "Part")
FILES = {
    # pasted twice: R1 removes the second copy, its twin stays
    "2022/a.txt": PARA + PARA,
    # a passage said again further on: K6 keeps it
    "2022/k.txt": OTHER + "<script>alert(1)</script>\n" + OTHER,
    # said again with a word changed: K2 keeps it, with a reason of its own
    "2022/rev.txt": PART + "\n" + PART.replace("every region", "no region"),
    # a line, then a's text: a whole-file copy of a (name to percent-encode)
    "2023/b c#1.txt": "其他内容。\n" + PARA,
    # its own text, then a's: repeats a, but is no whole copy
    "2023/partial.txt": OWN + PARA,
}


class Page(HTMLParser):
    """Elements of a page: tag, attributes, text inside, and what came
    just before each (the previous element)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.style = ""
        self.scripts: list[str] = []
        self.csp = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        at = len(self.elements)
        element = {"tag": tag, "attrs": found, "text": "", "index": at, "end": at + 1}
        self.elements.append(element)
        if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.csp = found["content"]
        if tag not in ("meta", "br"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            element = self._open.pop()
            element["end"] = len(self.elements)  # the elements inside: index < i < end
            if element["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data
        if self._open and self._open[-1]["tag"] == "style":
            self.style += data
        if self._open and self._open[-1]["tag"] == "script":
            self.scripts.append(data)

    def by_id(self, ident: str) -> dict:
        [element] = [e for e in self.elements if e["attrs"].get("id") == ident]
        return element

    def with_class(self, name: str) -> list[dict]:
        return [e for e in self.elements if name in e["attrs"].get("class", "").split()]

    def inside(self, outer: dict) -> list[dict]:
        return self.elements[outer["index"] + 1 : outer["end"]]

    def row(self, path: str) -> dict:
        """index.html's row of the document `path` (its first cell sorts by it)."""
        [cell] = [e for e in self.elements if e["tag"] == "td" and e["attrs"].get("data-v") == path]
        [row] = [
            e for e in self.elements if e["tag"] == "tr" and e["index"] < cell["index"] < e["end"]
        ]
        return row


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _run(root: Path, clean_docs: list[str], *args: str) -> Path:
    for name, text in FILES.items():
        path = root / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "run", *(args or ("in",)), "-o", "out", "-q"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    return root / "out"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory, clean_docs: list[str]) -> Path:
    return _run(tmp_path_factory.mktemp("pages"), clean_docs)


def _target(page: Path, link: str) -> tuple[Path, str]:
    """The file and fragment a relative link on `page` leads to."""
    parts = urlsplit(link)
    assert link.startswith("./") and not parts.scheme and not parts.netloc, link
    assert re.fullmatch(r"[A-Za-z0-9._~%/-]+", parts.path), link  # percent-encoded
    return (page.parent / unquote(parts.path, errors="strict")).resolve(), parts.fragment


# -- each repeat's rule, in words, next to its mark and in a list ---------------------------


def test_each_removal_states_its_rule_in_words_beside_its_mark_and_in_the_list(
    out: Path,
) -> None:
    page = parse(out / "2022" / "a.txt.report.html")
    rule = RULE["R1"]
    listed = page.by_id("why-r1")["text"]
    for words in ("R1", rule.name, rule.message, rule.why):
        assert words in listed, words
    # (the legend's swatch aside: the marks in the text carry a title)
    in_text = [m for m in page.with_class("removed") if m["attrs"].get("title")]
    assert in_text, "no removed span carries its rule"
    assert all(f"R1 {rule.name}: {rule.message}" in m["attrs"]["title"] for m in in_text)
    # a tag right before the first marked character names the rule and leads to the list
    first = in_text[0]
    tag = page.elements[first["index"] - 1]
    assert tag["tag"] == "a" and tag["attrs"]["href"] == "#why-r1" and tag["text"] == "R1"


def test_each_finding_says_why_it_was_kept_and_the_reason_particular_to_it(out: Path) -> None:
    page = parse(out / "2022" / "rev.txt.report.html")
    rows = {
        e["attrs"]["id"]: e for e in page.elements if e["attrs"].get("id", "").startswith("why-f")
    }
    assert rows, "no finding listed"
    k2 = [row["text"] for row in rows.values() if "K2" in row["text"]]
    [listed] = k2
    rule = RULE["K2"]
    for words in (rule.name, rule.message, rule.why, "an edit of 7 characters, not by typos"):
        assert words in listed, words
    marks = [m for m in page.with_class("finding") if m["attrs"].get("title")]
    titles = "\n".join(m["attrs"]["title"] for m in marks)
    assert f"Kept by K2 {rule.name}: {rule.message} (" in titles
    assert f"Kept by K6 {RULE['K6'].name}: {RULE['K6'].message}" in titles
    tags = [e for e in page.elements if e["attrs"].get("href", "").startswith("#why-f")]
    assert {t["attrs"]["href"][1:] for t in tags} == set(rows)
    assert {t["text"] for t in tags} == {"K2", "K6"}


# -- the legend ---------------------------------------------------------------------------


MARKS = ("removed", "twin", "finding", "xfile", "badge", "tag", "ln")


@pytest.mark.parametrize(
    "name", ["index.html", "2022/a.txt.report.html", "2023/b c#1.txt.report.html"]
)
def test_a_legend_explains_every_colour_and_mark_the_page_uses(out: Path, name: str) -> None:
    page = parse(out / name)
    legend = page.by_id("legend")
    inside = page.inside(legend)
    explained = {c for e in inside for c in e["attrs"].get("class", "").split()}
    outside = [e for e in page.elements if e not in inside]
    used = {c for e in outside for c in e["attrs"].get("class", "").split()} & set(MARKS)
    assert used, name
    assert used <= explained, used - explained
    assert len(legend["text"]) > 120  # words, not only swatches


# -- whole-file copies --------------------------------------------------------------------


@pytest.mark.parametrize("across", [False, True], ids=["kept", "across"])
def test_a_whole_file_copy_is_marked_in_the_index_and_its_page_links_what_it_copies(
    tmp_path: Path, clean_docs: list[str], across: bool
) -> None:
    out = _run(tmp_path, clean_docs, "in", *(["--across"] if across else []))
    index = parse(out / "index.html")
    copy = index.row("in/2023/b c#1.txt")
    assert copy["attrs"].get("class") == "whole-copy"
    [badge] = [b for b in index.inside(copy) if "badge" in b["attrs"].get("class", "")]
    assert "whole copy of in/2022/a.txt" in badge["text"]
    for other in ("in/2022/a.txt", "in/2023/partial.txt", "in/2022/k.txt"):
        assert index.row(other)["attrs"].get("class") != "whole-copy", other
        assert "whole copy" not in index.row(other)["text"]

    page_path = out / "2023" / "b c#1.txt.report.html"
    page = parse(page_path)
    banner = page.by_id("whole-copy")
    assert "it is a copy of in/2022/a.txt" in banner["text"]
    [link] = [e for e in page.elements if e["tag"] == "a" and e["index"] > banner["index"]][:1]
    target, fragment = _target(page_path, link["attrs"]["href"])
    assert target == (out / "2022" / "a.txt.report.html").resolve()
    assert fragment == "L1" and "L1" in {e["attrs"].get("id") for e in parse(target).elements}
    assert "whole-copy" not in {
        e["attrs"].get("id") for e in parse(out / "2023" / "partial.txt.report.html").elements
    }


def test_the_index_marks_no_copy_when_an_entry_lacks_offsets_or_covers_less() -> None:
    from pipeline.html import index_page

    summary = {
        "totals": dict.fromkeys(("files", "removed_regions", "removed_chars", "errors"), 0),
        "errors": [],
    }

    def entry(path: str, cross: list[dict]) -> dict:
        return {
            "path": path,
            "report_html": path + ".report.html",
            "input_chars": 100,
            "removed_chars": 0,
            "removed_regions": 0,
            "findings": 0,
            "fixes": 0,
            "cross_file": cross,
        }

    twin = {"path": "a.txt", "start_line": 1, "end_line": 3}
    lines = {"start_line": 1, "end_line": 3, "duplicate_of": twin}
    entries = [
        entry("old.txt", [lines]),  # written before offsets were recorded
        entry("most.txt", [{**lines, "start_char": 0, "end_char": 89}]),
        entry(
            "all.txt",
            [
                {**lines, "start_char": 0, "end_char": 60},
                {**lines, "start_char": 50, "end_char": 95},
            ],
        ),
    ]
    page = "".join(index_page(summary, entries, lambda path: path + ".report.html"))
    rows = re.findall(r"<tr id=[^>]*>.*?</tr>", page)
    marked = [row for row in rows if 'class="whole-copy"' in row]
    assert len(marked) == 1 and "all.txt" in marked[0] and "whole copy of a.txt" in marked[0]


# -- repeats of other documents, marked and linked ----------------------------------------


@pytest.mark.parametrize("name", ["2023/b c#1.txt", "2023/partial.txt"])
def test_repeats_of_other_documents_are_marked_in_the_text_and_linked_at_the_line(
    out: Path, name: str
) -> None:
    page_path = out / f"{name}.report.html"
    page = parse(page_path)
    marked = [m for m in page.with_class("xfile") if m["attrs"].get("title")]
    assert marked and all("in/2022/a.txt lines 1-5" in m["attrs"]["title"] for m in marked)
    first = marked[0]
    tag = page.elements[first["index"] - 1]
    assert "xref" in tag["attrs"].get("class", "")
    target, fragment = _target(page_path, tag["attrs"]["href"])
    assert target == (out / "2022" / "a.txt.report.html").resolve()
    # the other page's line 1, where the repeated text starts
    assert fragment == "L1" and "L1" in {e["attrs"].get("id") for e in parse(target).elements}
    # the list of repeats links the other document too
    across = [e for e in page.elements if e["attrs"].get("id", "").startswith("why-x")]
    assert across and "in/2022/a.txt" in across[0]["text"]
    hrefs = [e["attrs"]["href"] for e in page.inside(across[0]) if e["tag"] == "a"]
    assert hrefs[0] == "#x1" and 'id="x1"' in page_path.read_text(encoding="utf-8")
    assert _target(page_path, hrefs[1]) == (target, "")
    assert _target(page_path, hrefs[2]) == (target, "L1")


def test_a_document_from_another_folder_argument_is_linked_to_its_page(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    # two folders named: the batch keeps their shape under their common
    # folder, so b's page links a's page where it really is
    out = _run(tmp_path, clean_docs, "in/2022", "in/2023")
    page_path = out / "2023" / "b c#1.txt.report.html"
    page = parse(page_path)
    [tag] = [t for t in page.with_class("xref") if t["tag"] == "a"]
    target, _ = _target(page_path, tag["attrs"]["href"])
    assert target == (out / "2022" / "a.txt.report.html").resolve()
    assert target.is_file()


# -- fonts --------------------------------------------------------------------------------


def _font_family(css: str, selector: str) -> list[str]:
    rule = re.search(r"(?:^|[}\n])" + re.escape(selector) + r"\{([^}]*)\}", css)
    assert rule, selector
    font = re.search(r"font(?:-family)?:([^;}]*)", rule.group(1))
    assert font, selector
    # a `font` shorthand: the families follow the size (and line height)
    families = re.sub(r"^.*?\d(?:px|em|rem|%)(?:/[\d.]+(?:px|em)?)?\s+", "", font.group(1).strip())
    return [f.strip().strip('"') for f in families.split(",")]


CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
)


@pytest.mark.parametrize("name", ["index.html", "2022/a.txt.report.html"])
def test_font_stacks_name_cjk_fallbacks_for_prose_and_the_document_text(
    out: Path, name: str
) -> None:
    css = parse(out / name).style
    prose = _font_family(css, "body")
    assert set(CJK_FONTS) <= set(prose) and prose[-1] == "sans-serif", prose
    if name != "index.html":
        mono = _font_family(css, ".pair pre,.doc")
        assert set(CJK_FONTS) <= set(mono) and mono[-1] == "monospace", mono
        # the Latin monospace fonts first: code and figures keep their width
        assert mono.index("DejaVu Sans Mono") < mono.index("Noto Sans CJK SC")


# -- sortable headers ---------------------------------------------------------------------


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize(
    "name",
    [
        "index.html",
        "2022/k.txt.report.html",
        "2023/b c#1.txt.report.html",
        "2022/a.txt.report.html",
    ],
)
def test_a_header_looks_sortable_only_when_the_pages_script_sorts_it(out: Path, name: str) -> None:
    page = parse(out / name)
    # the pointer is for headers the script sorts (th[data-k]), no other
    pointers = re.findall(r"([^{}]+)\{[^}]*cursor:\s*pointer", page.style)
    assert [s.strip() for s in pointers] == ["th[data-k]"], pointers
    sortable = [e for e in page.elements if e["tag"] == "th" and "data-k" in e["attrs"]]
    if sortable:
        [script] = page.scripts
        assert "th[data-k]" in script and ".sort(" in script
        assert _sha256(script) in page.csp
    if name != "2022/a.txt.report.html":
        assert sortable, "the tables of repeats sort"


def test_an_input_folder_given_by_its_absolute_path_links_the_other_page_itself(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    # the page names itself by the absolute path, the batch names a by its
    # path from the folder that holds DIR: still the page, not the index
    out = _run(tmp_path, clean_docs, str(tmp_path / "in"))
    page_path = out / "2023" / "b c#1.txt.report.html"
    [tag] = [t for t in parse(page_path).with_class("xref") if t["tag"] == "a"]
    assert _target(page_path, tag["attrs"]["href"]) == (
        (out / "2022" / "a.txt.report.html").resolve(),
        "L1",
    )


def _dead_links(out: Path) -> list[tuple[str, str]]:
    """Every relative link on every page of `out` that leads to no page, or
    to no element of it with that id."""
    dead = []
    pages = {path.resolve(): parse(path) for path in out.rglob("*.html")}
    for path, page in pages.items():
        for element in page.elements:
            link = element["attrs"].get("href", "") if element["tag"] == "a" else ""
            if not link or link.startswith("#"):
                continue
            target, fragment = _target(path, link)
            there = pages.get(target)
            ids = {e["attrs"].get("id") for e in there.elements} if there else set()
            if there is None or (fragment and unquote(fragment) not in ids):
                dead.append((str(path.relative_to(out.resolve())), link))
    return dead


@pytest.mark.parametrize("across", [False, True])
@pytest.mark.parametrize("target", ["in/2022/real name.txt", "elsewhere/real name.txt"])
def test_a_document_reached_through_a_link_of_another_name_is_linked_to_its_page(
    tmp_path: Path, clean_docs: list[str], target: str, across: bool
) -> None:
    # The batch knows a document by where it is (links resolved) and names
    # its page after the link: a page linking to it must not build the
    # page's name from the real one (make attack found that link leading
    # nowhere, and the index fallback named a row that did not exist).
    real = tmp_path / target
    real.parent.mkdir(parents=True, exist_ok=True)
    real.write_text(PARA, encoding="utf-8")
    (tmp_path / "in" / "2022").mkdir(parents=True, exist_ok=True)
    (tmp_path / "in" / "2022" / "a.txt").symlink_to(real)
    (tmp_path / "in" / "2023").mkdir()
    (tmp_path / "in" / "2023" / "b.txt").write_text(OWN + PARA, encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "run", "in", "-o", "out", "-q", *(["--across"] if across else [])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    page_path = out / "2023" / "b.txt.report.html"
    [tag] = [t for t in parse(page_path).with_class("xref") if t["tag"] == "a"]
    assert _target(page_path, tag["attrs"]["href"]) == (
        (out / "2022" / "a.txt.report.html").resolve(),
        "L1",
    )
    assert _dead_links(out) == []
