"""Boilerplate: a block that many documents of a batch hold alike (a
licence, a page header, a copyright notice), reported once as such.

The bulk screen (`pipeline.screen`) finds it: 32-character stretches held
by more than `screen.BOILERPLATE_DOCS` documents, and the runs of them in
each document. It pairs no documents (so the comparisons across documents
grow with the corpus, not its square), and it is not a duplicate: nothing
is removed. This module turns the screen's blocks into one entry per
block: how many documents hold it, and where the first of them does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# what of a block's text an entry shows
EXCERPT_CHARS = 300


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A block's text, cut at `limit` characters.

    >>> excerpt("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


# a line the block only touches (the first letters of the next line, alike
# in many documents by chance) is not shown as part of it
TOUCH_CHARS = 3


def _whole_lines(text: str, places: Any, start: int, end: int) -> tuple[int, int]:
    """The block of key characters [start, end) as whole lines of `text`
    (character offsets), leaving out a first or last line it only touches.

    >>> from pipeline.copies import key_places
    >>> text = "one\\nthe block\\nIt"
    >>> places = key_places(text)
    >>> first, last = _whole_lines(text, places, 3, 12)
    >>> text[first:last]
    'the block'
    """
    import numpy as np

    first, last = int(places[start]), int(places[end - 1]) + 1
    line_end = text.find("\n", first)
    if 0 <= line_end < last:
        touched = int(np.searchsorted(places, line_end)) - start
        if touched <= TOUCH_CHARS:
            first = line_end + 1
    line_start = text.rfind("\n", first, last)
    if line_start >= 0:
        touched = end - int(np.searchsorted(places, line_start))
        if touched <= TOUCH_CHARS:
            last = line_start
    first = text.rfind("\n", 0, first) + 1
    last = len(text) if text.find("\n", last) < 0 else text.find("\n", last)
    while last > first and text[last - 1] == "\n":
        last -= 1  # (blank lines after it: not part of it)
    return first, last


def blocks_report(
    names: Sequence[str], texts: Sequence[str], blocks: Sequence[tuple[int, int, int, int]]
) -> list[dict[str, Any]]:
    """One entry per boilerplate block: `documents` (how many hold it),
    the first document's `path`, the block's `start_line`/`end_line` and
    `text` there (an excerpt), in the order of the documents.

    `blocks` are the screen's (document, start, end, label) in key
    characters of `texts[document]`; blocks of one label are one block."""
    from pipeline.copies import key_places
    from pipeline.lines import LineIndex
    from pipeline.screen import BOILERPLATE_DOCS

    groups: dict[int, list[tuple[int, int, int]]] = {}
    for doc, start, end, label in blocks:
        groups.setdefault(label, []).append((doc, start, end))
    out: list[tuple[tuple[int, int], dict[str, Any]]] = []
    for found in groups.values():
        holders = {doc for doc, _, _ in found}
        if len(holders) <= BOILERPLATE_DOCS:
            continue
        doc, start, end = min(found)
        text = texts[doc]
        places = key_places(text)
        if not len(places):
            continue
        first, last = _whole_lines(text, places, start, min(end, len(places)))
        lines = LineIndex(text)
        entry = {
            "path": names[doc],
            "start_line": lines.line(first),
            "end_line": lines.last_line(first, last),
            "documents": len(holders),
            "text": excerpt(text[first:last]),
        }
        out.append(((doc, first), entry))
    return [entry for _, entry in sorted(out, key=lambda pair: pair[0])]


# -- said to a person ---------------------------------------------------------


def _place(b: dict[str, Any]) -> tuple[str, int, str]:
    """Where a block is shown: its file and line (a record's: its corpus and
    its line there) and, for a record, "record ID " for the message."""
    from pipeline.quoting import visible

    record = b.get("record")
    what = "" if record is None else f"record {visible(str(record))} "
    return b.get("file", b["path"]), b.get("line", b["start_line"]), what


def _message(b: dict[str, Any], what: str) -> str:
    """What is said of a block.

    >>> b = {"path": "a.txt", "start_line": 3, "end_line": 9, "documents": 40,
    ...      "text": "Copyright (c) 2024 IETF Trust\\nAll rights"}
    >>> print(_message(b, ""))  # doctest: +NORMALIZE_WHITESPACE
    boilerplate: lines 3-9 are in 40 documents alike (not a duplicate, not compared):
    Copyright (c) 2024 IETF Trust ...
    """
    head = b["text"].strip().split("\n", 1)[0][:80]
    more = " ..." if head != b["text"].strip() else ""
    return (
        f"boilerplate: {what}lines {b['start_line']}-{b['end_line']} are in "
        f"{b['documents']} documents alike (not a duplicate, not compared): {head}{more}"
    )


def github_notice(b: dict[str, Any]) -> str:
    """A block as a workflow notice on its first holder (a record: on its
    line of its corpus), encoded by GitHub's rules."""
    from pipeline.quoting import workflow_data, workflow_property

    file, line, what = _place(b)
    end = f",endLine={b['end_line']}" if b.get("record") is None else ""
    return (
        f"::notice file={workflow_property(file)},line={line}{end},"
        f"title={workflow_property('boilerplate')}::{workflow_data(_message(b, what))}"
    )
