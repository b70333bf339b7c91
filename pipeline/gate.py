"""What the gate (`check`) reports, each at a real place.

A finding or an error is printed where an editor, a CI annotation or a
script can go: a file and a line of it. A document that is a file is its
own place (the finding's first line). A record of a corpus is not a file:
its place is the corpus and the record's line in it (JSONL: the line its
JSON object is on) or its row (Parquet, from 1), and the record's id is
named in the message. Nothing here reads a document's text again; a
corpus is read once, only to count the lines before the records that
have something to report.

Also here: the gate's inputs when a path is `-` (standard input, read
as a file is read and named `<stdin>`, in its place among the paths).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import CleanDocsError, InputError
from pipeline.inputs import Input, Options, collect
from pipeline.model import Result, Source
from pipeline.settings import Settings

STDIN = "<stdin>"

# An error a corpus's listing gave for one of its lines or rows, before the
# record was an input: `c.jsonl:5` (JSONL line 5), `c.parquet#5` (row 5).
_LISTING_PLACE = re.compile(r"(?s)(.*\.jsonl):(\d+)|(.*\.parquet)#(\d+)", re.IGNORECASE)
_BLOCK = 1 << 20


def record_id(item: Input) -> str:
    """The id a record is shown by (`c.jsonl#ID`: the part after the corpus)."""
    return item.shown[len(item.where) + 1 :]


def _jsonl_lines(path: str, offsets: list[int]) -> dict[int, int]:
    """The line number (from 1) of each byte offset of a JSONL file, read
    once in blocks: 1 + the line breaks before it. A file that cannot be
    read any more gives no numbers (the record is then placed at line 1)."""
    wanted = sorted(set(offsets))
    out: dict[int, int] = {}
    breaks = 0
    at = 0  # bytes read so far
    k = 0
    try:
        with open(path, "rb") as handle:
            while k < len(wanted):
                block = handle.read(_BLOCK)
                counted, upto = breaks, 0  # breaks before `upto` in this block
                while k < len(wanted) and wanted[k] <= at + len(block):
                    counted += block.count(b"\n", upto, wanted[k] - at)
                    upto = wanted[k] - at
                    out[wanted[k]] = 1 + counted
                    k += 1
                if not block:
                    break
                breaks += block.count(b"\n")
                at += len(block)
    except OSError:
        return out
    return out


def _parquet_rows(path: str, places: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The row number (from 1, as the corpus's records are numbered) of
    each (row group, row in it) of a Parquet file, from its metadata."""
    try:
        from pipeline.parquet import _parquet_file

        meta = _parquet_file(Path(path)).metadata
        before = [0]
        for group in range(meta.num_row_groups):
            before.append(before[-1] + meta.row_group(group).num_rows)
    except Exception:  # gone or changed since it was read: numbered from its group
        before = []
    return {
        (group, row): (before[group] if group < len(before) else 0) + row + 1
        for group, row in places
    }


def record_lines(items: Iterable[Input]) -> dict[str, int]:
    """For each record among `items`, by its shown name: its line in its
    JSONL corpus, or its row in its Parquet corpus (each corpus read once)."""
    jsonl: dict[str, list[Input]] = {}
    parquet: dict[str, list[Input]] = {}
    for item in items:
        if item.record is not None:
            kind = jsonl if item.record.group < 0 else parquet
            kind.setdefault(item.where, []).append(item)
    out: dict[str, int] = {}
    for where, records in jsonl.items():
        # the line each was listed at; a file read again only for the others
        for r in records:
            if r.record.line:  # type: ignore[union-attr]
                out[r.shown] = r.record.line  # type: ignore[union-attr]
        records = [r for r in records if r.shown not in out]
        if not records:
            continue
        lines = _jsonl_lines(where, [r.record.offset for r in records])  # type: ignore[union-attr]
        for r in records:
            out[r.shown] = lines.get(r.record.offset, 1)  # type: ignore[union-attr]
    for where, records in parquet.items():
        rows = _parquet_rows(where, [(r.record.group, r.record.row) for r in records])  # type: ignore[union-attr]
        for r in records:
            out[r.shown] = rows[(r.record.group, r.record.row)]  # type: ignore[union-attr]
    return out


def place(finding: dict[str, Any], item: Input, lines: dict[str, int]) -> dict[str, Any]:
    """`finding` with its real place: `file` and `line` (for a file, itself
    and the finding's first line; for a record, its corpus and the record's
    line or row there, and `record`, its id)."""
    if item.record is None:
        return {**finding, "file": item.shown, "line": finding["start_line"]}
    return {
        **finding,
        "file": item.where,
        "line": lines.get(item.shown, 1),
        "record": record_id(item),
    }


def error_entries(errors: list[tuple[str, str]], inputs: Iterable[Input]) -> list[dict[str, Any]]:
    """Each input error as {path, reason, file, line}: `file` a file a
    person can open (a record's corpus), `line` the record's line or row
    in it (None for a whole file)."""
    records = {item.shown: item for item in inputs if item.record is not None}
    lines = record_lines(item for path, _ in errors if (item := records.get(path)) is not None)
    out: list[dict[str, Any]] = []
    for path, reason in errors:
        entry: dict[str, Any] = {"path": path, "reason": reason, "file": path, "line": None}
        item = records.get(path)
        if item is not None:
            entry.update(file=item.where, line=lines.get(path, 1), record=record_id(item))
        else:
            m = _LISTING_PLACE.fullmatch(path)
            if m is not None:
                file, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                if os.path.isfile(file):
                    entry.update(file=file, line=int(number))
        out.append(entry)
    return out


def stdin_bytes(stdin: BinaryIO | None = None, max_mb: float | None = None) -> bytes:
    """Standard input's bytes (`stdin`, default sys.stdin's), at most
    --max-size of them: an InputError naming `<stdin>` beyond."""
    from pipeline.read import MAX_INPUT_MB, _over, _size, limit_bytes

    stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError(STDIN, "there is no standard input")
    limit = limit_bytes(MAX_INPUT_MB if max_mb is None else max_mb)
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise InputError(STDIN, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(STDIN, _over(f"more than {_size(limit)}", limit, "file"))
    return data


def read_stdin(
    stdin: BinaryIO | None = None, encoding: str | None = None, max_mb: float | None = None
) -> Source:
    """Standard input as a Source named `<stdin>`, read as a file is read."""
    from pipeline.read import read_bytes

    return read_bytes(stdin_bytes(stdin, max_mb), STDIN, encoding)


def gate_inputs(
    paths: list[str], errors: list[tuple[str, str]], options: Options
) -> tuple[list[Input], int | None]:
    """The inputs of `paths` but `-`, and how many come before the first
    `-` (None without one); a file named on both sides is taken once."""
    if "-" not in paths:
        return collect(paths, errors, options), None
    at = paths.index("-")
    before = collect(paths[:at], errors, options)
    after = collect([p for p in paths[at + 1 :] if p != "-"], errors, options)
    seen = {os.path.realpath(item.where) for item in before}
    return before + [a for a in after if os.path.realpath(a.where) not in seen], len(before)


def read_piped(
    stdin: BinaryIO | None, settings: Settings, options: Options, errors: list[tuple[str, str]]
) -> tuple[Input, Result] | None:
    """Standard input, read (at most --max-size) and deduplicated as `<stdin>`."""
    from pipeline.api import dedupe_source

    try:
        source = read_stdin(stdin, options.encoding, options.max_mb)
        result = dedupe_source(source, settings)
    except InputError as exc:
        errors.append((STDIN, exc.reason))
        return None
    except CleanDocsError as exc:
        errors.append((STDIN, str(exc).removeprefix(f"{STDIN}: ")))
        return None
    return Input("-", STDIN, "stdin.txt", key=STDIN), result


def repeat_finding(item: Input, repeat: Any, lines: Any) -> dict[str, Any]:
    span, twin = repeat.span, repeat.twin
    return {
        "path": item.shown,
        "start_line": lines.line(span.start),
        "end_line": lines.last_line(span.start, span.end),
        "similarity": repeat.similarity,
        "method": repeat.method,
        "duplicate_of": {
            "path": repeat.twin_path or item.shown,
            "start_line": lines.line(twin.start),
            "end_line": lines.last_line(twin.start, twin.end),
        },
        "rule": repeat.rule,
        "reason": repeat.reason,
    }


def counts(findings: list[dict[str, Any]], checked: int, errors: int) -> dict[str, int]:
    """The gate's totals: findings, documents checked (files, or records of
    a corpus), those with findings, input errors."""
    return {
        "findings": len(findings),
        "files": checked,
        "files_with_findings": len({f["path"] for f in findings}),
        "errors": errors,
    }


def _line_count(text: str) -> int:
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


def copy_finding(item: Input, twin: Input, text: str, twin_text: str, copy: Any) -> dict[str, Any]:
    """A document that is wholly a copy of an earlier one (`copies.Copy`):
    one finding over all its lines, naming the twin (rule R6)."""
    from pipeline.policy import RULE

    rule = RULE["R6"]
    return {
        "path": item.shown,
        "kind": "duplicate-document",
        "start_line": 1,
        "end_line": _line_count(text),
        "similarity": copy.similarity,
        "method": copy.method,
        "duplicate_of": {
            "path": twin.shown,
            "start_line": 1,
            "end_line": _line_count(twin_text),
        },
        "rule": rule.code,
        "reason": rule.message,
    }


@dataclass
class RecordScreen:
    """What the bulk look at a batch's records found: the copies of earlier
    records, each with its finding; the records with nothing the precise
    stages could find (`screen.screen`); boilerplate counts."""

    copies: dict[Input, dict[str, Any]] = field(default_factory=dict)
    clear: set[Input] = field(default_factory=set)
    boilerplate: dict[Input, int] = field(default_factory=dict)
    # for each record, the earlier ones it may repeat (the screen's pairs)
    partners: dict[Input, set[Input]] = field(default_factory=dict)
    # the records the screen looked at (`partners` says all of their pairs)
    screened: set[Input] = field(default_factory=set)
    # the blocks many records hold alike, each once (`boilerplate.blocks_report`)
    blocks: list[dict[str, Any]] = field(default_factory=list)


def _over_limit(text: str, limit_mb: float) -> bool:
    if len(text) * 4 <= limit_mb * 1_000_000:  # (at most four bytes a character)
        return False
    return len(text.encode("utf-8", "surrogatepass")) > limit_mb * 1_000_000


def screen_records(
    inputs: list[Input], precise_all: bool = False, limit: float | None = None
) -> RecordScreen:
    """Look at all the records among `inputs` at once, before any is
    processed: a copy of an earlier record (`copies.find_copies`) and a
    record the screen clears cost no further work. `precise_all`: clear
    none (every record's kept repeats are wanted). A record that cannot be
    read, is blank or is over `limit` MB is left to the processing, which
    says why."""
    from pipeline.boilerplate import blocks_report
    from pipeline.copies import find_copies, keys
    from pipeline.inputs import record_text
    from pipeline.screen import repeated_inside, screen

    records: list[Input] = []
    texts: list[str] = []
    for item in inputs:
        if item.record is None:
            continue
        try:
            text = record_text(item)
        except InputError:
            continue
        if not text.strip() or (limit is not None and _over_limit(text, limit)):
            continue  # an error the processing names
        texts.append(text)
        records.append(item)
    found = RecordScreen()
    if not records:
        return found
    key_texts = keys(texts)
    twins: dict[Input, Input] = {}
    for c in find_copies(texts, key_texts) if len(records) > 1 else []:
        twins[records[c.index]] = records[c.twin]
        found.copies[records[c.index]] = copy_finding(
            records[c.index], records[c.twin], texts[c.index], texts[c.twin], c
        )
    rest = [i for i, item in enumerate(records) if item not in found.copies]
    if precise_all:
        return found
    # a copy (that `run` processes without --across) has a repeat inside or not
    copied = [i for i, item in enumerate(records) if item in found.copies]
    inside = repeated_inside([key_texts[i] for i in copied])
    found.clear.update(records[i] for at, i in enumerate(copied) if at not in inside)
    screened = screen([key_texts[i] for i in rest])
    found.screened = {records[i] for i in rest}
    found.blocks = blocks_report(
        [records[i].shown for i in rest], [texts[i] for i in rest], screened.blocks
    )
    needed = screened.needs_precise()
    linked: dict[Input, set[Input]] = {}
    for later, earlier in screened.pairs:
        found.partners.setdefault(records[rest[later]], set()).add(records[rest[earlier]])
        linked.setdefault(records[rest[later]], set()).add(records[rest[earlier]])
        linked.setdefault(records[rest[earlier]], set()).add(records[rest[later]])
    # a copy (processed by `run` without --across) is compared with its
    # twin and with what its twin may repeat or be repeated by
    for copy, twin in twins.items():
        found.partners[copy] = {twin} | linked.get(twin, set())
        found.screened.add(copy)
    for at, i in enumerate(rest):
        if screened.boilerplate[at]:
            found.boilerplate[records[i]] = screened.boilerplate[at]
        if not precise_all and at not in needed:
            found.clear.add(records[i])
    return found


def screen_files(
    inputs: list[Input], encoding: str | None = None, limit: float | None = None
) -> RecordScreen:
    """Look at all the files among `inputs` at once, as read, before any is
    processed: the pairs of files the screen proposes (`screen.screen`;
    what more than `screen.BOILERPLATE_DOCS` files share pairs none, so
    `run`'s comparisons grow with the folder, not its square) and the
    boilerplate blocks they hold. Only their keys are held; a file that
    cannot be read is left out (compared with every file, as before), and
    its processing says why."""
    from pipeline.boilerplate import blocks_report
    from pipeline.copies import keys
    from pipeline.read import MAX_INPUT_MB, read_file
    from pipeline.screen import screen

    def text_of(item: Input) -> str | None:
        try:
            return read_file(item.path, item.shown, encoding, limit or MAX_INPUT_MB).text
        except CleanDocsError:  # (an InputError too)
            return None

    files: list[Input] = []
    key_texts: list[str] = []
    for item in inputs:
        text = text_of(item) if item.record is None else None
        if text is not None and text.strip():
            files.append(item)
            key_texts += keys([text])
    found = RecordScreen()
    if len(files) < 2:
        return found
    screened = screen(key_texts)
    del key_texts
    found.screened = set(files)
    for later, earlier in screened.pairs:
        found.partners.setdefault(files[later], set()).add(files[earlier])

    class _Texts:  # a block's first file, read again (few are)
        def __getitem__(self, n: int) -> str:
            return text_of(files[n]) or ""

    found.blocks = blocks_report([f.shown for f in files], _Texts(), screened.blocks)  # type: ignore[arg-type]
    return found


def file_partners(
    results: list[tuple[Input, Result]], skip: Iterable[Input] = ()
) -> tuple[dict[Input, set[Input]], list[dict[str, Any]]]:
    """For each file among `results` (but `skip`: copies), the earlier
    files it may repeat: the bulk screen's pairs over their cleaned texts;
    and the boilerplate blocks they hold. What is shared by more documents
    than `screen.BOILERPLATE_DOCS` pairs none, so the comparisons grow
    with the corpus, not its square."""
    from pipeline.boilerplate import blocks_report
    from pipeline.copies import keys
    from pipeline.screen import screen

    left_out = set(skip)
    files = [item for item, _ in results if item.record is None and item not in left_out]
    if len(files) < 2:
        return {}, []
    texts = {item: result.cleaned.text for item, result in results}
    partners: dict[Input, set[Input]] = {}
    screened = screen(keys([texts[item] for item in files]))
    for later, earlier in screened.pairs:
        partners.setdefault(files[later], set()).add(files[earlier])
    names = [item.shown for item in files]
    return partners, blocks_report(names, [texts[item] for item in files], screened.blocks)


def result_copies(results: list[tuple[Input, Result]]) -> dict[Input, dict[str, Any]]:
    """The files among `results` that are copies of earlier files (their
    cleaned texts compared), each with its finding."""
    from pipeline.copies import find_copies

    files = [(item, result) for item, result in results if item.record is None]
    if len(files) < 2:
        return {}
    texts = [result.cleaned.text for _, result in files]
    return {
        files[c.index][0]: copy_finding(
            files[c.index][0], files[c.twin][0], texts[c.index], texts[c.twin], c
        )
        for c in find_copies(texts)
    }
