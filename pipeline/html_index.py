"""index.html: the batch at a glance, one row per document, sortable.

A document that is wholly (or all but a line or two) a copy of another
document is marked: its row takes the class `whole-copy` and a badge
naming the document it copies (`html_marks.whole_copy`, from the summary
entry's `cross_file` items). Links are relative and percent-encoded
(`quoting.href`) and carry no fragment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from html import escape
from typing import Any

from pipeline.html_assets import SORT_JS, page
from pipeline.html_marks import WHOLE_COPY_SHARE, covered, doc_anchor, whole_copy
from pipeline.quoting import href, visible

_LEGEND = (
    '<section class="legend" id="legend"><h2>Legend</h2><ul>'
    '<li><span class="badge">whole copy</span> the document is wholly, or all but '
    f"{1 - WHOLE_COPY_SHARE:.0%} of its characters, a copy of another document (the badge "
    "names it): its row is tinted</li>"
    "<li><b>removed share</b>, <b>regions</b>, <b>removed chars</b>: what was removed inside "
    "the document (or, with <code>--across</code>, because it repeats a document before it)"
    "</li><li><b>findings</b>: repeats kept for a person to review; <b>repairs</b>: safe "
    "fixes (line ends, invisible characters, mojibake)</li>"
    "<li><b>repeats other files</b>: its lines &rarr; the other document and its lines; sorts "
    "by the share of the document they cover</li>"
    "<li>Click a column's header (&#8597;) to sort by it, again to reverse</li></ul></section>"
)


def link(page_path: str, name: str) -> str:
    """`name`, shown visibly, linking to `page_path` (a path under the
    output folder); plain text when there is no page.

    >>> link("2022/a #1.report.html", "in/2022/a #1.txt")
    '<a href="./2022/a%20%231.report.html">in/2022/a #1.txt</a>'
    >>> link("", "x\u202e.txt")
    'x\\\\u202e.txt'
    """
    shown = escape(visible(name))
    return f'<a href="{escape(href(page_path))}">{shown}</a>' if page_path else shown


def _row(f: dict[str, Any], page_of: Callable[[str], str]) -> tuple[str, bool]:
    """A document's row, and whether it is a whole-file copy."""
    share = f["removed_chars"] / f["input_chars"] if f["input_chars"] else 0.0
    cross = f.get("cross_file", [])
    links = "<br>".join(
        f"{c['start_line']}-{c['end_line']} &rarr; "
        f"{link(page_of(c['duplicate_of']['path']), c['duplicate_of']['path'])} "
        f"{c['duplicate_of']['start_line']}-{c['duplicate_of']['end_line']}"
        for c in cross
    )
    copy = whole_copy(cross, f["input_chars"])
    badge, row_class = "", ""
    if copy is not None:
        others = len(copy.copies) - 1
        more = f" and {others} other(s)" if others else ""
        badge = (
            f' <span class="badge" title="{copy.share:.1%} of its characters repeat other '
            f'documents">whole copy of {escape(visible(copy.copies[0][0]))}{more}</span>'
        )
        row_class = ' class="whole-copy"'
    if cross and all("start_char" in c for c in cross) and f["input_chars"]:
        order = covered((c["start_char"], c["end_char"]) for c in cross) / f["input_chars"]
    else:
        order = float(len(cross))
    row = (
        f'<tr id="{doc_anchor(f["path"])}"{row_class}>'
        f'<td data-v="{escape(visible(f["path"]))}">{link(f["report_html"], f["path"])}{badge}</td>'
        f'<td data-v="{share:.6f}">{share:.1%}</td><td>{f["removed_regions"]}</td>'
        f"<td>{f['removed_chars']}</td><td>{f['findings']}</td><td>{f['fixes']}</td>"
        f'<td data-v="{order:.6f}">{links}</td></tr>'
    )
    return row, copy is not None


def index_page(
    summary: dict[str, Any], files: Iterable[dict[str, Any]], page_of: Callable[[str], str]
) -> Iterator[str]:
    """The batch at a glance, sortable by any column, offline: the page in
    pieces, its rows made as `files` yields the entries (`summary` holds
    the rest), so a batch of any size is written in little memory.
    `page_of` gives a listed file's report page ("" for one not listed).
    Links are relative and percent-encoded (`quoting.href`)."""
    totals = summary["totals"]
    errors = "".join(
        f"<tr><td>{escape(visible(e['path']))}</td><td>{escape(visible(e['reason']))}</td></tr>"
        for e in summary["errors"]
    )
    columns = (
        "file",
        "removed share",
        "regions",
        "removed chars",
        "findings",
        "repairs",
        "repeats other files",
    )
    heads = "".join(f'<th data-k="1">{name}</th>' for name in columns)
    body = (
        f"<header><h1>clean-docs batch</h1><p>{totals['files']} file(s), "
        f"{totals['removed_regions']} removed region(s), {totals['removed_chars']} characters "
        f"removed, {totals['errors']} error(s)</p></header><main>"
        + _LEGEND
        + f"<table><thead><tr>{heads}</tr></thead><tbody>\x00</tbody></table>\x02"
        + (
            "<h2>Errors</h2><table><thead><tr><th>file</th><th>reason</th></tr></thead>"
            f"<tbody>{errors}</tbody></table>"
            if errors
            else ""
        )
        + "</main>"
    )
    # the rows go where the NUL is: the first one (a reason below may hold one)
    head, tail = page("clean-docs batch", body, SORT_JS).split("\x00", 1)
    yield head
    copies = 0
    for f in files:
        row, copy = _row(f, page_of)
        copies += copy
        yield row
    note = (
        f'<p class="banner" id="whole-copies">{copies} document(s) wholly a copy of another: '
        "their rows are tinted and badged</p>"
        if copies
        else ""
    )
    yield tail.replace("\x02", note, 1)
