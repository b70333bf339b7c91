"""The HTML pages a person reads: one per document, one for the batch.

Self-contained: inline CSS and a few lines of inline script, nothing loaded
from anywhere. Every piece of document text goes through `html.escape`;
names (file paths, record ids) also go through `quoting.visible`, so a
control or bidi character in a name shows as an escape, and links through
`quoting.href` (relative, percent-encoded). Every page carries a strict
Content-Security-Policy: nothing but its own style and script run, each
allowed by the sha256 of its exact text, so text that slipped through as
markup could still run nothing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from html import escape
from typing import Any

from pipeline.quoting import href, visible

_CSS = """
body{font:15px/1.55 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#24313f;color:#fff;padding:14px 24px}
header h1{font-size:19px;margin:0 0 4px}
header p{margin:0;opacity:.85}
main{padding:16px 24px;max-width:1300px}
table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0 20px}
th,td{border:1px solid #d5dae0;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;cursor:pointer}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.pair pre,.doc{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #d5dae0;
 padding:8px;margin:0;max-height:24em;overflow:auto;font:14px/1.6 ui-monospace,monospace}
.doc{max-height:none}
.removed{background:#ffd7d5;text-decoration:line-through;text-decoration-color:#c0392b}
.twin{background:#d8f0d8}
.finding{background:#fff1c2}
.ln{display:inline-block;width:4.5em;color:#8a96a3;user-select:none;text-align:right;
 padding-right:.8em}
ins{background:#b6e8b6;text-decoration:none} del{background:#ffb3ad}
a{color:#1f5fa8}
.muted{color:#66707a}
.why{margin:2px 0 6px}
.legend span{padding:1px 6px;margin-right:6px}
code.accept{user-select:all;font-size:12px;word-break:break-all}
"""

_SORT_JS = """
document.querySelectorAll('th[data-k]').forEach(function(th){th.title='Sort by this column';
th.onclick=function(){
var t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,d=th.dataset.d=th.dataset.d==='1'?'-1':'1';
var r=Array.from(b.rows);r.sort(function(x,y){var p=x.cells[i].dataset.v||x.cells[i].textContent,
q=y.cells[i].dataset.v||y.cells[i].textContent,np=parseFloat(p),nq=parseFloat(q);
var c=(!isNaN(np)&&!isNaN(nq))?np-nq:p.localeCompare(q);return c*d;});
r.forEach(function(x){b.appendChild(x)});};});
"""


@functools.lru_cache(maxsize=8)
def _sha256_source(text: str) -> str:
    """A CSP hash source for an inline element whose text is `text`.

    >>> _sha256_source("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(style: str, script: str = "") -> str:
    """The policy of a page whose one <style> holds `style` and whose one
    <script> (if any) holds `script`: nothing else loads or runs. The hashes
    are taken of the very text the page embeds, so they cannot drift."""
    scripts = f"script-src {_sha256_source(script)}; " if script else ""
    return (
        f"default-src 'none'; style-src {_sha256_source(style)}; {scripts}"
        "base-uri 'none'; form-action 'none'"
    )


def _page(title: str, body: str, script: str = "") -> str:
    js = f"<script>{script}</script>" if script else ""
    csp = content_security_policy(_CSS, script)  # quotes, base64: nothing to escape
    return (
        '<!DOCTYPE html>\n<html lang="und"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(visible(title))}</title><style>{_CSS}</style></head><body>\n"
        f"{body}\n{js}</body></html>\n"
    )


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


def _marked_document(text: str, report: dict[str, Any]) -> str:
    """The cleaned text with line numbers, removed spans and twins marked."""
    marks: list[tuple[int, int, str, str]] = []
    for n, r in enumerate(report["removed"], start=1):
        marks.append((r["start_char"], r["end_char"], "removed", f"r{n}"))
        d = r["duplicate_of"]
        if d["path"] == report["source"]["path"]:
            marks.append((d["start_char"], d["end_char"], "twin", f"t{n}"))
    for n, f in enumerate(report["findings"], start=1):
        marks.append((f["start_char"], f["end_char"], "finding", f"f{n}"))
    points = {0, len(text)}
    for start, end, _, _ in marks:
        points.update((start, end))
    at = text.find("\n")
    line_starts = [0]
    while at >= 0 and at + 1 < len(text):
        line_starts.append(at + 1)
        at = text.find("\n", at + 1)
    points.update(line_starts)
    starts_at: dict[int, list[str]] = {}
    for start, _, _, anchor in marks:
        starts_at.setdefault(start, []).append(anchor)
    line_no = {s: i for i, s in enumerate(line_starts, start=1)}
    # The marks open and close at points: sweeping them tells which cover
    # each piece between two points (a scan of all marks per piece was
    # O(n^2) for a text with a removal on every line).
    changes: dict[int, list[tuple[str, int]]] = {}
    for start, end, kind, _ in marks:
        changes.setdefault(start, []).append((kind, 1))
        changes.setdefault(end, []).append((kind, -1))
    covering: dict[str, int] = {}
    out: list[str] = []
    ordered = sorted(points)
    for lo, hi in zip(ordered, ordered[1:], strict=False):
        if lo in line_no:
            out.append(f'<span class="ln" id="L{line_no[lo]}">{line_no[lo]}</span>')
        for anchor in starts_at.get(lo, ()):
            out.append(f'<a id="{anchor}"></a>')
        for kind, step in changes.get(lo, ()):
            covering[kind] = covering.get(kind, 0) + step
        classes = sorted(kind for kind, count in covering.items() if count > 0)
        chunk = escape(text[lo:hi])
        out.append(f'<span class="{" ".join(classes)}">{chunk}</span>' if classes else chunk)
    return "".join(out)


def _visible(text: str, limit: int = 200) -> str:
    """Escaped text with line breaks and trailing white space made visible.

    >>> _visible("报告。  "), _visible("\\n")
    ('报告。··', '⏎')
    """
    shown = text[:limit].replace("\n", "⏎").replace("\r", "␍")
    stripped = shown.rstrip(" \t\u3000")
    shown = stripped + "·" * (len(shown) - len(stripped))
    return escape(shown) if shown else '<span class="muted">(nothing)</span>'


_LEGEND = (
    '<p class="legend"><span class="removed">removed</span> '
    '<span class="twin">its kept twin</span> '
    '<span class="finding">finding: a repeat kept for review</span></p>'
)


def _rule(entry: dict[str, Any]) -> str:
    """A repeat's rule as the report says it: code and reason.

    >>> _rule({"rule": "K6", "reason": "repeats an earlier passage"})
    '<b>K6</b> repeats an earlier passage'
    """
    code = entry.get("rule", "")
    reason = escape(entry.get("reason", ""))
    return f"<b>{escape(code)}</b> {reason}" if code else reason


def _accept_line(entry: dict[str, Any], path: str) -> str:
    from pipeline.review import accept_entry

    # the path shown visibly: a line break in it would put a second line,
    # read as an id, into the reviewer's accept file
    return accept_entry(
        entry.get("id", ""), visible(path), entry["start_line"], entry.get("reason", "")
    )


def report_page(report: dict[str, Any], text: str) -> str:
    """One document's report: removals beside their twins, then the text."""
    src = report["source"]
    stats = report["stats"]
    rows: list[str] = []
    for n, r in enumerate(report["removed"], start=1):
        d = r["duplicate_of"]
        left, right = char_diff(d["text"], r["text"])
        same_file = d["path"] == src["path"]
        twin_link = (
            f'<a href="#t{n}">lines {d["start_line"]}-{d["end_line"]}</a>'
            if same_file
            else f"{escape(visible(d['path']))} lines {d['start_line']}-{d['end_line']}"
        )
        rows.append(
            f'<section><h3>Removed <a href="#r{n}">lines {r["start_line"]}-{r["end_line"]}</a>'
            f" repeat {twin_link} &middot; similarity {r['similarity']:.3f} ({r['method']})</h3>"
            f'<p class="why">Why it went: {_rule(r)}</p>'
            f'<div class="pair"><div><div class="muted">kept twin</div><pre>{left}</pre></div>'
            f'<div><div class="muted">removed</div><pre>{right}</pre></div></div></section>'
        )
    findings = "".join(
        f'<tr><td><a href="#f{n}">{f["start_line"]}-{f["end_line"]}</a></td>'
        f'<td><a href="#L{f["duplicate_of"]["start_line"]}">{f["duplicate_of"]["start_line"]}-'
        f"{f['duplicate_of']['end_line']}</a></td><td>{f['similarity']:.3f}</td>"
        f"<td>{_rule(f)}</td><td>{escape(f['text'][:120])}</td>"
        f'<td><code class="accept">{escape(_accept_line(f, src["path"]))}</code></td></tr>'
        for n, f in enumerate(report["findings"], start=1)
    )
    across = "".join(
        f'<tr><td><a href="#L{c["start_line"]}">{c["start_line"]}-{c["end_line"]}</a></td>'
        f"<td>{escape(visible(c['duplicate_of']['path']))}</td>"
        f"<td>{c['duplicate_of']['start_line']}-{c['duplicate_of']['end_line']}</td>"
        f"<td>{c['similarity']:.3f}</td><td>{escape(c['text'][:120])}</td></tr>"
        for c in report.get("across", [])
    )
    fixes = "".join(
        f"<tr><td>{f['line']}</td><td>{escape(f['kind'])}</td><td>{_visible(f['before'])}</td>"
        f"<td>{_visible(f['after'])}</td></tr>"
        for f in report["fixes"]
    )
    share = stats["removed_chars"] / stats["input_chars"] if stats["input_chars"] else 0.0
    body = (
        f"<header><h1>{escape(visible(src['path']))}</h1>"
        f"<p>{stats['removed_regions']} removed region(s), "
        f"{stats['removed_chars']} of {stats['input_chars']} characters ({share:.1%}); "
        f"{stats['findings']} finding(s) kept; {stats['fixes']} repair(s)</p></header><main>"
        + _LEGEND
        + ("<h2>Removed</h2>" + "".join(rows) if rows else "<p>Nothing was removed.</p>")
        + (
            "<h2>Findings (kept)</h2><p>Repeats the policy keeps, with the rule that kept "
            "each. If one is an accident, copy its accept line into a file and run again with "
            "<code>--accept FILE</code>: exactly those go.</p>"
            "<table><thead><tr><th>lines</th><th>repeats</th>"
            "<th>similarity</th><th>why kept</th><th>text</th><th>accept line</th></tr></thead>"
            f"<tbody>{findings}</tbody></table>"
            if findings
            else ""
        )
        + (
            '<h2 id="across">Repeats other documents (kept here; the batch reports them)</h2>'
            "<table><thead><tr><th>lines</th><th>other document</th><th>its lines</th>"
            f"<th>similarity</th><th>text</th></tr></thead><tbody>{across}</tbody></table>"
            if across
            else ""
        )
        + (
            "<h2>Repairs</h2><table><thead><tr><th>line</th><th>kind</th><th>before</th>"
            f"<th>after</th></tr></thead><tbody>{fixes}</tbody></table>"
            if fixes
            else ""
        )
        + f'<h2>Document</h2><pre class="doc">{_marked_document(text, report)}</pre></main>'
    )
    return _page(f"clean-docs: {src['path']}", body)


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
    body = (
        f"<header><h1>clean-docs batch</h1><p>{totals['files']} file(s), "
        f"{totals['removed_regions']} removed region(s), {totals['removed_chars']} characters "
        f"removed, {totals['errors']} error(s)</p></header><main>"
        '<table><thead><tr><th data-k="1">file</th><th data-k="1">removed share</th>'
        '<th data-k="1">regions</th><th data-k="1">removed chars</th><th data-k="1">findings</th>'
        '<th data-k="1">repairs</th><th data-k="1">repeats other files</th></tr></thead>'
        "<tbody>\x00</tbody></table>"
        + (
            "<h2>Errors</h2><table><thead><tr><th>file</th><th>reason</th></tr></thead>"
            f"<tbody>{errors}</tbody></table>"
            if errors
            else ""
        )
        + "</main>"
    )
    # the rows go where the NUL is: the first one (a reason below may hold one)
    head, tail = _page("clean-docs batch", body, _SORT_JS).split("\x00", 1)
    yield head
    for f in files:
        share = f["removed_chars"] / f["input_chars"] if f["input_chars"] else 0.0
        links = "<br>".join(
            f"{c['start_line']}-{c['end_line']} &rarr; "
            f"{_link(page_of(c['duplicate_of']['path']), c['duplicate_of']['path'])} "
            f"{c['duplicate_of']['start_line']}-{c['duplicate_of']['end_line']}"
            for c in f.get("cross_file", [])
        )
        yield (
            f"<tr><td>{_link(f['report_html'], f['path'])}</td>"
            f'<td data-v="{share:.6f}">{share:.1%}</td><td>{f["removed_regions"]}</td>'
            f"<td>{f['removed_chars']}</td><td>{f['findings']}</td><td>{f['fixes']}</td>"
            f'<td data-v="{len(f.get("cross_file", []))}">{links}</td></tr>'
        )
    yield tail


def _link(page: str, name: str) -> str:
    """`name`, shown visibly, linking to `page` (a path under the output
    folder); plain text when there is no page.

    >>> _link("2022/a #1.report.html", "in/2022/a #1.txt")
    '<a href="./2022/a%20%231.report.html">in/2022/a #1.txt</a>'
    >>> _link("", "x\u202e.txt")
    'x\\\\u202e.txt'
    """
    shown = escape(visible(name))
    return f'<a href="{escape(href(page))}">{shown}</a>' if page else shown


def dumps(data: Any) -> str:
    """JSON as every output file writes it: stable, readable, UTF-8."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


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
    marker = json.dumps("\x00listed\x00")  # no path or reason holds a NUL
    head, tail = dumps({**data, key: ["\x00listed\x00"]}).split(marker, 1)
    first = True
    for item in items:
        # an item of a top-level list sits two levels deep: 4 more spaces
        yield (head if first else ",\n    ") + json.dumps(
            item, ensure_ascii=False, indent=2
        ).replace("\n", "\n    ")
        first = False
    yield dumps({**data, key: []}) if first else tail
