"""The HTML pages a person reads: one per document, one for the batch.

Self-contained: inline CSS and a few lines of inline script, nothing loaded
from anywhere. Every piece of document text goes through `html.escape`;
names (file paths, record ids) also go through `quoting.visible`, so a
control or bidi character in a name shows as an escape, and links through
`quoting.href` (relative, percent-encoded). Every page carries a strict
Content-Security-Policy: nothing but its own style and script run, each
allowed by the sha256 of its exact text, so text that slipped through as
markup could still run nothing.

The parts: `html_assets` (stylesheet, script, the page frame and its
policy), `html_marks` (rules in words, the marked document, whole-file
copies, links to other documents' pages), `html_index` (index.html); this
module puts a report page together and writes JSON as every output does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from html import escape
from typing import Any

from pipeline.html_assets import SORT_JS, content_security_policy, page
from pipeline.html_index import index_page, link
from pipeline.html_marks import (
    WHOLE_COPY_SHARE,
    char_diff,
    marked_document,
    other_page,
    rule_html,
    shown_text,
    whole_copy,
)
from pipeline.quoting import visible

__all__ = [
    "char_diff",
    "content_security_policy",
    "dumps",
    "dumps_listing",
    "index_page",
    "link",
    "report_page",
]


def _accept_line(entry: dict[str, Any], path: str) -> str:
    from pipeline.review import accept_entry

    # the path shown visibly: a line break in it would put a second line,
    # read as an id, into the reviewer's accept file
    return accept_entry(
        entry.get("id", ""), visible(path), entry["start_line"], entry.get("reason", "")
    )


_LEGEND = (
    '<section class="legend" id="legend"><h2>Legend</h2><ul>'
    '<li><span class="removed">red, struck out</span> removed: an accident (rules R1-R5); the '
    'tag before it (<span class="tag">R1</span>) names the rule and links to why; hover the '
    "text for it</li>"
    '<li><span class="twin">green</span> the kept twin a removal repeats: the first '
    "occurrence stays</li>"
    '<li><span class="finding">yellow</span> finding: a repeat kept for a person to review '
    '(rules K1-K7); its tag (<span class="tag keep">K6</span>) says why it stayed</li>'
    '<li><span class="xfile">blue, underlined</span> repeats another document; its tag '
    '(<span class="tag xref">&#8599; 1-5</span>) links to that document at its lines; hover '
    "for its name</li>"
    "<li><del>red</del> / <ins>green</ins> in a removal's pair: characters only the kept twin "
    "/ only the removed copy holds</li>"
    '<li><span class="ln">12</span> the input file\'s own line numbers; '
    '<span class="badge">whole copy</span> the document is (nearly) all a copy of another'
    "</li></ul></section>"
)


def _removals(report: dict[str, Any]) -> str:
    src = report["source"]
    rows: list[str] = []
    for n, r in enumerate(report["removed"], start=1):
        d = r["duplicate_of"]
        left, right = char_diff(d["text"], r["text"])
        lines = f"lines {d['start_line']}-{d['end_line']}"
        if d["path"] == src["path"]:
            twin_link = f'<a href="#t{n}">{lines}</a>'
        else:
            there = escape(other_page(report, d["path"], d["start_line"], d.get("page", "")))
            twin_link = f'<a href="{there}">{escape(visible(d["path"]))} {lines}</a>'
        rows.append(
            f'<section id="why-r{n}"><h3>Removed <a href="#r{n}">lines '
            f"{r['start_line']}-{r['end_line']}</a> repeat {twin_link} &middot; similarity "
            f"{r['similarity']:.3f} ({r['method']})</h3>"
            f'<p class="why">Why it went: {rule_html(r)}</p>'
            f'<div class="pair"><div><div class="muted">kept twin</div><pre>{left}</pre></div>'
            f'<div><div class="muted">removed</div><pre>{right}</pre></div></div></section>'
        )
    return "<h2>Removed</h2>" + "".join(rows) if rows else "<p>Nothing was removed.</p>"


def _findings(report: dict[str, Any]) -> str:
    path = report["source"]["path"]
    rows = "".join(
        f'<tr id="why-f{n}"><td><a href="#f{n}">{f["start_line"]}-{f["end_line"]}</a></td>'
        f'<td><a href="#L{f["duplicate_of"]["start_line"]}">{f["duplicate_of"]["start_line"]}-'
        f"{f['duplicate_of']['end_line']}</a></td><td>{f['similarity']:.3f}</td>"
        f'<td data-v="{escape(f.get("rule", ""))}">{rule_html(f)}</td>'
        f"<td>{escape(f['text'][:120])}</td>"
        f'<td><code class="accept">{escape(_accept_line(f, path))}</code></td></tr>'
        for n, f in enumerate(report["findings"], start=1)
    )
    if not rows:
        return ""
    return (
        "<h2>Findings (kept)</h2><p>Repeats the policy keeps, with the rule that kept "
        "each. If one is an accident, copy its accept line into a file and run again with "
        "<code>--accept FILE</code>: exactly those go.</p>"
        '<table><thead><tr><th data-k="1">lines</th><th data-k="1">repeats</th>'
        '<th data-k="1">similarity</th><th data-k="1">why kept</th><th data-k="1">text</th>'
        f"<th>accept line</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _across(report: dict[str, Any]) -> str:
    across = report.get("across", [])
    if not across:
        return ""
    rows = []
    for n, c in enumerate(across, start=1):
        d = c["duplicate_of"]
        page = d.get("page", "")
        rows.append(
            f'<tr id="why-x{n}"><td><a href="#x{n}">{c["start_line"]}-{c["end_line"]}</a></td>'
            f'<td data-v="{escape(visible(d["path"]))}"><a href="'
            f'{escape(other_page(report, d["path"], 0, page))}">'
            f"{escape(visible(d['path']))}</a></td>"
            f'<td><a href="{escape(other_page(report, d["path"], d["start_line"], page))}">'
            f"{d['start_line']}-{d['end_line']}</a></td>"
            f"<td>{c['similarity']:.3f}</td><td>{escape(c['text'][:120])}</td></tr>"
        )
    removed = any(r.get("rule") == "R5" for r in report["removed"])
    how = (
        "removed here: rule R5, run with --across"
        if removed
        else "kept here; the batch reports them, and --across removes them"
    )
    return (
        f'<h2 id="across">Repeats other documents ({how})</h2>'
        '<table><thead><tr><th data-k="1">lines</th><th data-k="1">other document</th>'
        '<th data-k="1">its lines</th><th data-k="1">similarity</th><th data-k="1">text</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _whole_copy(report: dict[str, Any]) -> str:
    """The banner of a document that is (nearly) all a copy of others."""
    copy = whole_copy(report.get("across", []), report["stats"]["input_chars"])
    if copy is None:
        return ""
    named = []
    for path, entry in copy.copies:
        d = entry["duplicate_of"]
        there = escape(other_page(report, path, d["start_line"], d.get("page", "")))
        named.append(f'<a href="{there}">{escape(visible(path))}</a>')
    removed = any(r.get("rule") == "R5" for r in report["removed"])
    return (
        f'<p class="banner" id="whole-copy"><span class="badge">whole copy</span> '
        f"{copy.share:.1%} of this document's characters repeat "
        f"{'another document' if len(named) == 1 else 'other documents'} (at least "
        f"{WHOLE_COPY_SHARE:.0%} makes a whole copy): it is a copy of {', '.join(named)}. "
        + ("Removed here (--across)." if removed else "Kept here: run with --across to drop it.")
        + "</p>"
    )


def report_page(report: dict[str, Any], text: str) -> str:
    """One document's report: what is a copy of what and why each repeat
    went or stayed, a legend, then the text with every mark tagged."""
    src = report["source"]
    stats = report["stats"]
    fixes = "".join(
        f"<tr><td>{f['line']}</td><td>{escape(f['kind'])}</td><td>{shown_text(f['before'])}"
        f"</td><td>{shown_text(f['after'])}</td></tr>"
        for f in report["fixes"]
    )
    share = stats["removed_chars"] / stats["input_chars"] if stats["input_chars"] else 0.0
    body = (
        f"<header><h1>{escape(visible(src['path']))}</h1>"
        f"<p>{stats['removed_regions']} removed region(s), "
        f"{stats['removed_chars']} of {stats['input_chars']} characters ({share:.1%}); "
        f"{stats['findings']} finding(s) kept; {stats['fixes']} repair(s)"
        + (
            f"; repeats {len(report['across'])} passage(s) of other documents"
            if report.get("across")
            else ""
        )
        + "</p></header><main>"
        + _whole_copy(report)
        + _LEGEND
        + _removals(report)
        + _findings(report)
        + _across(report)
        + (
            "<h2>Repairs</h2><table><thead><tr><th>line</th><th>kind</th><th>before</th>"
            f"<th>after</th></tr></thead><tbody>{fixes}</tbody></table>"
            if fixes
            else ""
        )
        + f'<h2>Document</h2><pre class="doc">{marked_document(text, report)}</pre></main>'
    )
    sortable = bool(report["findings"] or report.get("across"))
    return page(f"clean-docs: {src['path']}", body, SORT_JS if sortable else "")


def dumps(data: Any) -> str:
    """JSON as every output file writes it: stable, readable, UTF-8."""
    from pipeline.jsontext import dumps_indented

    return dumps_indented(data) + "\n"


def dumps_listing(data: dict[str, Any], key: str, items: Iterable[Any]) -> Iterator[str]:
    """`dumps(data)` in pieces, with the list at `data[key]` taken from
    `items` as they come: the same text, without holding the list.

    >>> data = {"a": 1, "files": [], "b": [2]}
    >>> "".join(dumps_listing(data, "files", iter([{"x": [1]}, 3]))) == dumps(
    ...     {"a": 1, "files": [{"x": [1]}, 3], "b": [2]})
    True
    >>> "".join(dumps_listing(data, "files", iter([]))) == dumps(data)
    True
    """
    from pipeline.jsontext import dumps_indented

    marker = json.dumps("\x00listed\x00")  # no path or reason holds a NUL
    head, tail = dumps({**data, key: ["\x00listed\x00"]}).split(marker, 1)
    first = True
    for item in items:
        # an item of a top-level list sits two levels deep: 4 more spaces
        yield (head if first else ",\n    ") + dumps_indented(item, level=2)
        first = False
    yield dumps({**data, key: []}) if first else tail
