"""Emit stage: the clean text, the unified diff and the JSON report.

Pure functions from a Result to strings and dicts; writing them to disk
(atomically) is `write.py`'s job.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from pipeline import __version__
from pipeline.lines import LineIndex
from pipeline.model import Repeat, Result
from pipeline.quoting import diff_name
from pipeline.review import repeat_ids
from pipeline.settings import Settings

SCHEMA = "clean-docs.report/1"
_CONTEXT = 3


def clean_text(result: Result) -> str:
    """The canonical document: the kept text (it ends with one line break)."""
    return result.kept_text


def _repeat_entry(
    repeat: Repeat,
    lines: LineIndex,
    text: str,
    path: str,
    others: dict[str, str] | None = None,
) -> dict[str, Any]:
    span, twin = repeat.span, repeat.twin
    # a twin in another document: its own text and line numbers
    twin_text = text
    twin_lines = lines
    if repeat.twin_path is not None and others and repeat.twin_path in others:
        twin_text = others[repeat.twin_path]
        twin_lines = LineIndex(twin_text)
    entry: dict[str, Any] = {
        "start_line": lines.line(span.start),
        "end_line": lines.last_line(span.start, span.end),
        "start_char": span.start,
        "end_char": span.end,
        "text": text[span.start : span.end],
        "similarity": repeat.similarity,
        "method": repeat.method,
        "duplicate_of": {
            "path": repeat.twin_path or path,
            "start_line": twin_lines.line(twin.start),
            "end_line": twin_lines.last_line(twin.start, twin.end),
            "start_char": twin.start,
            "end_char": twin.end,
            "text": twin_text[twin.start : twin.end],
        },
    }
    entry["rule"] = repeat.rule
    entry["reason"] = repeat.reason
    if repeat.inner:
        # Earlier removals this one swallowed, each with its own twin.
        entry["contains"] = [_repeat_entry(r, lines, text, path) for r in repeat.inner]
    return entry


def report(
    result: Result,
    settings: Settings,
    output_path: str,
    others: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The machine-readable report (schema clean-docs.report/1); `others`
    holds the cleaned text of documents that twins lie in."""
    text = result.cleaned.text
    out = clean_text(result)
    lines = LineIndex(text)
    out_lines = LineIndex(out)
    path = result.source.path
    ordered = sorted(result.repeats, key=lambda r: (r.span.start, r.span.end))
    ids = {id(r): rid for r, rid in zip(ordered, repeat_ids(text, ordered), strict=True)}

    def entry(r: Repeat) -> dict[str, Any]:
        return {"id": ids[id(r)], **_repeat_entry(r, lines, text, path, others)}

    removed = [entry(r) for r in result.removed]
    findings = [entry(r) for r in result.findings]
    removed_chars = sum(len(r.span) for r in result.removed)
    return {
        "schema": SCHEMA,
        "tool": {"name": "clean-docs", "version": __version__},
        "source": {
            "path": path,
            "sha256": result.source.sha256,
            "encoding": result.source.encoding,
            "confidence": result.source.confidence,
            "chars": len(result.source.text),
            "lines": lines.count,
        },
        "output": {
            "path": output_path,
            "sha256": hashlib.sha256(out.encode()).hexdigest(),
            "chars": len(out),
            "lines": out_lines.count,
        },
        "removed": removed,
        "findings": findings,
        "fixes": [
            {"line": f.line, "kind": f.kind, "before": f.before, "after": f.after}
            for f in result.cleaned.fixes
        ],
        "stats": {
            "input_chars": len(text),
            "output_chars": len(out),
            "removed_chars": removed_chars,
            "removed_regions": len(removed),
            "findings": len(findings),
            "fixes": len(result.cleaned.fixes),
        },
        "settings": settings.as_dict(),
    }


def _hunk_ranges(
    result: Result, lines: LineIndex, repaired: Sequence[int] = ()
) -> list[tuple[int, int]]:
    """Line ranges (1-based, inclusive) of the hunks: each removal's lines
    and each line in `repaired`, with context, merged where they touch."""
    touched = sorted(
        [
            (lines.line(r.span.start), lines.last_line(r.span.start, r.span.end))
            for r in result.removed
        ]
        + [(n, n) for n in repaired]
    )
    merged: list[list[int]] = []
    for first, last in touched:
        lo, hi = max(1, first - _CONTEXT), min(lines.count, last + _CONTEXT)
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _kept_between(result: Result, start: int, end: int) -> str:
    text = result.cleaned.text
    pieces, at = [], start
    for r in sorted(result.removed, key=lambda r: r.span.start):
        if r.span.end <= start or r.span.start >= end:
            continue
        pieces.append(text[at : max(at, r.span.start)])
        at = max(at, r.span.end)
    pieces.append(text[at:end])
    return "".join(pieces)


def _range(start: int, count: int) -> str:
    if count == 0:
        return f"{start - 1},0"
    return str(start) if count == 1 else f"{start},{count}"


_MAX_NOTES = 20


def near_notes(repeat: Repeat, text: str, lines: LineIndex) -> list[str]:
    """What a near duplicate changes against its twin, character by
    character: ``[-twin only-]{+copy only+}`` with a little context.

    >>> from pipeline.model import Span
    >>> t = "增长6.1%。\\n增长6.1％。\\n"
    >>> r = Repeat(Span(8, 15), Span(0, 7), 0.9, "near", True)
    >>> near_notes(r, t, LineIndex(t))[1]
    '#   增长6.1[-%-]{+％+}。'
    """
    from rapidfuzz.distance import Indel

    twin = text[repeat.twin.start : repeat.twin.end]
    copy = text[repeat.span.start : repeat.span.end]
    head = (
        f"# near duplicate: lines {lines.line(repeat.span.start)}-"
        f"{lines.last_line(repeat.span.start, repeat.span.end)} repeat lines "
        f"{lines.line(repeat.twin.start)}-{lines.last_line(repeat.twin.start, repeat.twin.end)}"
        f" (similarity {repeat.similarity:.3f}); twin -> removed copy:"
    )
    notes = [head]
    # Adjacent deletions and insertions read as one replacement.
    ops: list[list[int]] = []
    for op in Indel.opcodes(twin, copy):
        if op.tag == "equal":
            continue
        if ops and ops[-1][1] == op.src_start and ops[-1][3] == op.dest_start:
            ops[-1][1], ops[-1][3] = op.src_end, op.dest_end
        else:
            ops.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    for s1, s2, d1, d2 in ops[:_MAX_NOTES]:
        before = twin[max(0, s1 - 8) : s1]
        after = twin[s2 : s2 + 8]
        gone = twin[s1:s2]
        new = copy[d1:d2]
        change = (f"[-{gone}-]" if gone else "") + (f"{{+{new}+}}" if new else "")
        notes.append(f"#   {before}{change}{after}".replace("\n", "⏎"))
    if len(ops) > _MAX_NOTES:
        notes.append(f"#   ... and {len(ops) - _MAX_NOTES} more")
    return notes


def _lines(text: str) -> list[str]:
    """`text` cut after each "\\n" (the last piece may lack one), as patch
    and git apply count lines (str.splitlines also breaks at \\x0c, \\x85,
    U+2028, ...).

    >>> _lines("a\\u2028b\\x0cc\\nd")
    ['a\\u2028b\\x0cc\\n', 'd']
    """
    pieces = text.split("\n")
    out = [piece + "\n" for piece in pieces[:-1]]
    return out + [pieces[-1]] if pieces[-1] else out


_BREAK = re.compile(r"(\r\n|\r|\n)")


def _input_text(result: Result) -> str:
    """The input as its file holds it: a UTF-8 byte order mark put back in
    front (the decoded text lacks it)."""
    text = result.source.text
    if result.source.encoding == "utf-8-sig" and not text.startswith("\ufeff"):
        return "\ufeff" + text
    return text


def _input_lines(result: Result) -> list[str] | None:
    """The input file's lines as patch reads them, one per line of the
    cleaned text (cleaning keeps every line); None when a lone CR makes
    several cleaned lines one line of the file.

    >>> from pipeline.model import Cleaned, Source
    >>> src = Source("a", "\\ufeffx\\r\\ny", "", "utf-8-sig")
    >>> _input_lines(Result(src, Cleaned("x\\ny\\n")))
    ['\\ufeffx\\r\\n', 'y']
    """
    parts = _BREAK.split(_input_text(result))
    if any(sep == "\r" for sep in parts[1::2]):
        return None
    lines = [line + sep for line, sep in zip(parts[::2], parts[1::2], strict=False)]
    return lines + [parts[-1]] if parts[-1] else lines


def _whole_file_hunk(old: list[str], new: list[str]) -> list[str]:
    """One hunk that replaces every line (lone CR line ends: the cleaned
    lines do not map one to one onto the file's)."""
    head = f"@@ -{_range(1, len(old))} +{_range(1, len(new))} @@\n"
    return [head, *("-" + line for line in old), *("+" + line for line in new)]


def unified_diff(result: Result, name: str) -> str:
    """A unified diff from the input file to the clean document: the
    removals and every repair (line ends, a missing final line break, a
    byte order mark, the per-line fixes). Empty when nothing was removed.

    Hunks are built from the removals and the lines that differ from the
    input (no quadratic search over the whole text); inside a hunk a line
    diff of the cleaned lines pairs the changed lines. The file is read as
    decoded: for an input that is not UTF-8 the patch applies to its text
    converted to UTF-8.
    """
    text = result.cleaned.text
    if not result.removed:
        return ""
    lines = LineIndex(text)
    # Text before the first "---" is a comment to patch and git apply: it
    # says, for each near duplicate, what differs from the kept twin.
    out = [
        note + "\n"
        for r in result.removed
        if r.method == "near"
        for note in near_notes(r, text, lines)
    ]
    # The names quoted as git quotes them: a name or a record id holding a
    # line break cannot start a header line of its own (issue 14).
    out += [f"--- {diff_name('a/', name)}\n", f"+++ {diff_name('b/', name)}\n"]
    cleaned = _lines(text)
    original = _input_lines(result)
    if original is None or len(original) != len(cleaned):
        out += _whole_file_hunk(_lines(_input_text(result)), _lines(clean_text(result)))
        return _with_eof_marks(out)
    repaired = [n for n, (a, b) in enumerate(zip(original, cleaned, strict=True), 1) if a != b]
    delta = 0
    for lo, hi in _hunk_ranges(result, lines, repaired):
        start = lines.starts[lo - 1]
        end = lines.starts[hi] if hi < len(lines.starts) else len(text)
        old = cleaned[lo - 1 : hi]
        source = original[lo - 1 : hi]
        new = _lines(_kept_between(result, start, end))
        new_start = lo + delta
        out.append(f"@@ -{_range(lo, len(old))} +{_range(new_start, len(new))} @@\n")
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                out.extend("-" + line for line in source[i1:i2])
                out.extend("+" + line for line in new[j1:j2])
                continue
            # kept lines: context where the input holds them as they are,
            # a repair (input line out, cleaned line in) where it does not
            i = i1
            while i < i2:
                k = i
                while k < i2 and (source[k] == old[k]) == (source[i] == old[i]):
                    k += 1
                if source[i] == old[i]:
                    out.extend(" " + line for line in source[i:k])
                else:
                    out.extend("-" + line for line in source[i:k])
                    out.extend("+" + line for line in old[i:k])
                i = k
        delta += len(new) - len(old)
    return _with_eof_marks(out)


def _with_eof_marks(out: list[str]) -> str:
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out
    )
