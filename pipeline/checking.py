"""The gate's run (`check`): every input deduplicated as `run` would, the
findings collected at their real places, nothing written.

Documents that are wholly copies of earlier ones are found first, in bulk
(`copies`): a record that is a copy is not processed at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.batch import Outcome, canonical_all, process
from pipeline.errors import OutputError
from pipeline.inputs import Input, Options
from pipeline.model import Result
from pipeline.settings import Settings


@dataclass
class Checked(Outcome):
    """What `check_paths` did, with what the gate prints besides findings:
    each input error at a real place (`placed_errors`, `gate.error_entries`)
    and the repeats the policy kept (`kept`: findings shaped like the
    gate's, with rule and reason)."""

    placed_errors: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    copied: int = 0  # records settled in bulk before processing (checked too)


def check_paths(
    paths: list[str],
    settings: Settings,
    options: Options | None = None,
    index_path: Path | None = None,
    stdin: BinaryIO | None = None,
    want_kept: bool = False,
) -> tuple[Checked, list[dict[str, Any]]]:
    """Find what `run` would remove, writing nothing; one finding per region.

    With an index, the files are also compared with every document in it
    (other than themselves: a file is known by where it is, however it was
    typed), as a pre-commit hook checks staged files against the reports
    already in a repository; the index is only read.

    A path `-` is standard input (`stdin`, default sys.stdin's bytes),
    checked as `<stdin>` in its place among the others.

    The records of corpora are looked at in bulk first (`gate.screen_records`):
    a copy of an earlier record is one finding (R6) and is not processed, nor
    is a record the screen clears (no repeat inside, nothing shared with
    another record beyond boilerplate). `want_kept` (--verbose: the repeats
    the policy kept are wanted too), an index, or settings outside the
    screen's bounds (`screen.applies`) process every record. Each finding names
    its real place (`file`, `line`: for a record, its corpus and its line
    or row there, and `record`, its id), its `rule` and `reason`.
    """
    from pipeline.across import Corpus
    from pipeline.gate import (
        STDIN,
        error_entries,
        file_partners,
        gate_inputs,
        read_piped,
        result_copies,
        screen_records,
    )

    options = options or Options()
    outcome = Checked()
    inputs, piped_at = gate_inputs(paths, outcome.errors, options)
    piped: tuple[Input, Result] | None = None
    if piped_at is not None:
        piped = read_piped(stdin, settings, options, outcome.errors)
    index = None
    if index_path is not None:
        from pipeline.index import Index, settings_key

        if not index_path.is_file():
            raise OutputError(f"{index_path}: no index here (a `run` writes one)")
        index = Index(index_path, read_only=True)
        inputs = canonical_all(inputs, index.root)
    try:
        # records that are copies of earlier ones: found in bulk, not processed
        # and records with nothing to find: cleared in bulk, not processed
        # (all processed when the repeats kept are wanted: --verbose)
        from pipeline.screen import applies

        # (an index: each record is compared with what it holds too)
        every = want_kept or index is not None or not applies(settings)
        from pipeline.read import MAX_INPUT_MB

        limit = MAX_INPUT_MB if options.max_mb is None else options.max_mb
        looked = screen_records(inputs, precise_all=every, limit=limit)
        copies = looked.copies
        todo = [item for item in inputs if item not in copies and item not in looked.clear]
        outcome.copied = len(inputs) - len(todo)
        outcome.results = process(todo, settings, options, outcome.errors)
        ordered = list(inputs)
        if piped is not None:
            # in its place: after the documents of the paths before `-`
            earlier = set(inputs[:piped_at])
            at = sum(1 for item, _ in outcome.results if item in earlier)
            outcome.results.insert(at, piped)
            ordered.insert(piped_at or 0, piped[0])
        copies.update(result_copies(outcome.results))
        # the pairs worth a precise comparison (every pair when the screen
        # does not apply: with an index, its documents were not screened)
        partners: dict[Input, set[Input]] | None = None
        if not every:
            between_files, file_blocks = file_partners(outcome.results, copies)
            partners = looked.partners | between_files
            outcome.boilerplate = _placed(looked.blocks, inputs) + [
                {**b, "file": b["path"], "line": b["start_line"]} for b in file_blocks
            ]
        # the indexed documents' texts stay in the index until a candidate needs them
        corpus = Corpus(settings, fetch=index.texts if index is not None else None)
        if index is not None:
            checked = {item.ident for item in inputs} | {STDIN}
            prefix = settings_key(settings) + ":"
            corpus.remember_all(
                (stored.path, stored.pairs)
                for stored in index.all()
                if stored.settings.startswith(prefix) and stored.path not in checked
            )
        findings = _check_findings(corpus, outcome.results, outcome.kept, copies, ordered, partners)
    finally:
        if index is not None:
            index.close()
    outcome.placed_errors = error_entries(outcome.errors, inputs)
    return outcome, findings


def _placed(blocks: list[dict[str, Any]], inputs: list[Input]) -> list[dict[str, Any]]:
    """Records' boilerplate blocks at their real places (`gate.place`)."""
    from pipeline.gate import place, record_lines

    by_name = {item.shown: item for item in inputs if item.record is not None}
    places = record_lines(by_name[b["path"]] for b in blocks)
    return [place(b, by_name[b["path"]], places) for b in blocks]


def _check_findings(
    corpus: Any,
    results: list[tuple[Input, Result]],
    kept: list[dict[str, Any]] | None = None,
    copies: dict[Input, dict[str, Any]] | None = None,
    inputs: list[Input] | None = None,
    partners: dict[Input, set[Input]] | None = None,
) -> list[dict[str, Any]]:
    """One finding per region `run` would remove or report across files,
    each at its real place (`gate.place`); the repeats the policy kept go
    to `kept`, placed alike. A document in `copies` (a copy of an earlier
    one) has that finding, in its place among `inputs` (a file also its
    removals inside), and is not compared further: its twin stands for it.
    `partners`: for each document, the earlier ones worth comparing it with
    (the bulk screen's pairs; None: all the unit pairs propose)."""
    from pipeline.gate import place, record_lines, repeat_finding
    from pipeline.lines import LineIndex
    from pipeline.outputs import cross_entries
    from pipeline.policy import RULE

    across = RULE["R5"]
    findings: list[dict[str, Any]] = []
    # (input, finding, whether the gate reports it: kept repeats are not)
    held: list[tuple[Input, dict[str, Any], bool]] = []
    copies = copies or {}
    done = {item: result for item, result in results}
    for item in inputs if inputs is not None else [item for item, _ in results]:
        result = done.get(item)
        if item in copies:
            held.append((item, copies[item], True))
            if result is not None:
                # a file that copies another: what `fix` removes inside it
                # still shown (a record that is a copy was not processed)
                lines = LineIndex(result.cleaned.text)
                held.extend((item, repeat_finding(item, r, lines), True) for r in result.removed)
            continue
        if result is None:  # an error
            continue
        lines = LineIndex(result.cleaned.text)
        only = None if partners is None else {p.ident for p in partners.get(item, ())}
        cross = corpus.add(item.ident, result, only=only)
        cleaned_of = {c.twin_path: corpus.seen(c.twin_path).cleaned for c in cross}
        cleaned_of[item.ident] = result.cleaned.text
        mine = [
            {
                "path": item.shown,
                "start_line": entry["start_line"],
                "end_line": entry["end_line"],
                "similarity": entry["similarity"],
                "method": entry["method"],
                "duplicate_of": {
                    k: entry["duplicate_of"][k] for k in ("path", "start_line", "end_line")
                },
                "rule": across.code,
                "reason": across.message,
            }
            for entry in cross_entries(cross, result, cleaned_of)
        ]
        mine.extend(repeat_finding(item, repeat, lines) for repeat in result.removed)
        held.extend((item, f, True) for f in sorted(mine, key=lambda f: f["start_line"]))
        if kept is not None:
            held.extend((item, repeat_finding(item, r, lines), False) for r in result.findings)
    # a record's place is its line (or row) in its corpus: each corpus read once
    places = record_lines(item for item, _, _ in held)
    for item, finding, reported in held:
        if reported:
            findings.append(place(finding, item, places))
        elif kept is not None:
            kept.append(place(finding, item, places))
    return findings
