"""Many documents: find the inputs, process each, write or check them.

The CLI is a thin layer over `run_paths` and `checking.check_paths`; this module
only orchestrates: `pipeline.inputs` finds and reads the inputs,
`pipeline.outputs` names and places what is written, `pipeline.engine`
(or `pipeline.dask_engine`) does the work, `pipeline.index` remembers it.
One bad file never stops the others: its error is collected and the batch
goes on.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import OutputError
from pipeline.inputs import Input, Options, collect, content_sha, dedupe_input, input_bytes
from pipeline.model import Result
from pipeline.settings import Settings

__all__ = ["Input", "Options", "Outcome", "collect", "process", "run_paths"]


@dataclass
class Outcome:
    """What a batch did: per-file results and the errors met on the way."""

    results: list[tuple[Input, Result]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # inputs the index had seen unchanged: not processed, outputs kept
    skipped: int = 0
    # outputs of documents whose files are gone: removed, or kept because
    # they changed since they were written (names under DIR)
    removed_outputs: list[str] = field(default_factory=list)
    kept_outputs: list[str] = field(default_factory=list)
    # records dropped as copies of earlier ones (--across): R6 findings
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    # blocks that many documents hold alike (`boilerplate.blocks_report`)
    boilerplate: list[dict[str, Any]] = field(default_factory=list)


def jobs_for(options: Options, inputs: list[Input]) -> int:
    """Worker processes for a batch: asked for, but never more than the
    inputs or the machine's cores, and none for less work than
    `options.pool_min_bytes`."""
    jobs = max(1, min(options.jobs, len(inputs), os.cpu_count() or 1))
    if jobs > 1 and options.pool_min_bytes:
        work = 0
        for item in inputs:
            work += input_bytes(item)
            if work >= options.pool_min_bytes:
                return jobs
        return 1
    return jobs


def process(
    inputs: list[Input], settings: Settings, options: Options, errors: list[tuple[str, str]]
) -> list[tuple[Input, Result]]:
    """Deduplicate each input, in worker processes when `options.jobs` > 1
    (`engine.Processes`); results come back in input order, errors are
    collected, never raised."""
    from pipeline.engine import InProcess, Processes

    jobs = jobs_for(options, inputs)
    executor = Processes(jobs) if jobs > 1 else InProcess()
    # the progress callback stays here: it is not picklable, nor needed there
    sent = dataclasses.replace(options, progress=None)
    results: list[tuple[Input, Result]] = []
    try:
        outcomes = executor.map(
            dedupe_input, inputs, [settings] * len(inputs), [sent] * len(inputs)
        )
        for done, (item, outcome) in enumerate(zip(inputs, outcomes, strict=True), start=1):
            if isinstance(outcome, str):
                errors.append((item.shown, outcome))
            else:
                results.append((item, outcome))
            if options.progress is not None:
                options.progress(done, len(inputs), item.shown)
    finally:
        executor.close()
    return results


def canonical_all(items: list[Input], root: str) -> list[Input]:
    """`canonical` for each input; the records of a corpus share its file,
    whose place is resolved once (19,276 records: 1.1 s of look-ups)."""
    real: dict[str, str] = {}
    return [canonical(item, root, real) for item in items]


def canonical(item: Input, root: str, resolved: dict[str, str] | None = None) -> Input:
    """The input keyed by where it is (links resolved), relative to `root`
    when inside it (absolute otherwise), as an index knows it: the same
    file typed as `in/a.txt`, `./in/a.txt` or an absolute path, or reached
    through a link, is one document. `resolved`: places resolved before."""
    if resolved is None:
        resolved = {}
    if item.where not in resolved:
        real = os.path.realpath(item.where)
        if real.startswith(root.rstrip(os.sep) + os.sep):
            real = os.path.relpath(real, root)
        resolved[item.where] = Path(real).as_posix()
    real = resolved[item.where]
    if item.record is None:
        return dataclasses.replace(item, key=real)
    return dataclasses.replace(item, key=real + item.shown[len(item.where) :])


def _outside(found: list[Input], out_dir: Path, errors: list[tuple[str, str]]) -> list[Input]:
    """The inputs that do not lie inside the output folder (reached through a
    link in an input folder): a run never reads its own outputs, and a
    second run sees the same inputs as the first. A link to the output
    folder itself is named in `errors`, whether the folder is there yet
    (the walk lists the link, `collect`'s `output`) or not (it leads
    nowhere as it is listed)."""
    folder = os.path.realpath(out_dir).rstrip(os.sep)
    inside: dict[str, bool] = {}  # by `where` (a corpus's records share it)
    kept: list[Input] = []
    for item in found:
        if item.where not in inside:
            real = os.path.realpath(item.where)
            if real == folder:
                errors.append((item.shown, "leads to the output folder: not read"))
            inside[item.where] = real == folder or real.startswith(folder + os.sep)
        if not inside[item.where]:
            kept.append(item)
    return kept


def _options_key(options: Options) -> str:
    from pipeline.index import options_key

    return options_key(
        across=options.across,
        encoding=options.encoding,
        max_mb=options.max_mb,
        text_field=options.text_field,
        id_field=options.id_field,
    )


def gone(stored_path: str, root: str) -> bool:
    """True when an indexed document's file (or corpus) is no longer there."""
    where = stored_path.split("#", 1)[0] if "#" in stored_path else stored_path
    return not os.path.lexists(os.path.join(root, where)) and not os.path.lexists(
        os.path.join(root, stored_path)
    )


def _outputs_intact(out_dir: Path, stored: Any) -> bool:
    """True when every output recorded for a document is on disk as written
    (a record may have none: its corpus's outputs are written every run)."""
    from pipeline.index import file_sha256

    outputs = stored.outputs
    if not outputs:
        return "record" in stored.entry
    for name, sha in outputs.items():
        path = out_dir / name
        if path.is_symlink() or file_sha256(path) != sha:
            return False
    return True


def _sha_text(data: str) -> str:
    """The hash of an output as `write.encode` writes it (a lone surrogate
    as its escape), so that a later run finds the file as written."""
    import hashlib

    from pipeline.write import encode

    return hashlib.sha256(encode(data)).hexdigest()


def run_paths(
    paths: list[str],
    out_dir: Path,
    settings: Settings,
    options: Options | None = None,
    index_path: Path | None = None,
) -> tuple[Outcome, dict[str, Any]]:
    """Clean every input into `out_dir`; return the outcome and the summary
    (summary.json but its `files`: those are written as the index gives
    them back, never all held at once).

    The index (`index_path`, by default `out_dir/.clean-docs/index.sqlite`)
    lets a later run skip files it has seen unchanged under the same
    settings and options, whose outputs are on disk as written and whose
    twins in other documents are unchanged; new files are compared with
    everything indexed before them. Documents are known by where they are
    (links resolved, relative to the index's root), not by how they were
    typed. The work itself is `pipeline.engine`'s (or `pipeline.dask_engine`'s).

    A batch keeps its shape: the index records the batch's root (the
    folder the first run that names a folder names, or those folders'
    common folder), and the outputs of a document inside it mirror its
    path from there, whichever sub-folder or file a later run names; an
    indexed document keeps its outputs' place. The outputs of a document
    whose file is gone are removed when they are on disk as written (kept
    and listed otherwise).
    """
    from pipeline import outputs
    from pipeline.index import Index
    from pipeline.write import remove_stale_temporaries

    options = options or Options()
    outputs.refuse_overlap(paths, out_dir)
    outcome = Outcome()
    folder = os.path.realpath(out_dir)
    listed = collect(paths, outcome.errors, dataclasses.replace(options, output=folder))
    found = _outside(listed, out_dir, outcome.errors)
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot write: {exc.strerror or exc}") from None
    if index_path is None:
        # the index is written inside DIR like any output: never through a link
        index_path = outputs.target(out_dir, ".clean-docs/index.sqlite")
        if index_path.is_symlink():
            raise OutputError(f"{index_path}: a link inside the output folder: not followed")
    index = Index(index_path, root=out_dir.parent)
    try:
        remove_stale_temporaries(out_dir, recursive=True)
        inputs = canonical_all(found, index.root)
        del found
        # Documents whose files are gone are forgotten, and their outputs
        # removed; the names the others' outputs took stay theirs, and so
        # do their places.
        owned: dict[str, str] = {}
        places: dict[str, str] = {}
        guesses: set[str | None] = set()
        recorded, base = index.layout()
        for stored in index.all():
            if gone(stored.path, index.root):
                removed, kept = outputs.remove_outputs(out_dir, stored.outputs)
                outcome.removed_outputs += removed
                outcome.kept_outputs += kept
                index.drop(stored.path)
                continue
            for name in stored.outputs:
                owned[name] = stored.path
            # a record's place: its pages' folder (where its reports.jsonl is)
            output = stored.entry.get("report" if "record" in stored.entry else "output")
            if isinstance(output, str) and output:
                places[stored.path] = output
            if not recorded and "#" not in stored.path:
                guesses.add(outputs.guessed_root(stored.path, output, index.root))
        if base is None:
            # an index of an earlier version: the root its documents show
            if len(guesses) == 1 and None not in guesses:
                base = guesses.pop()
            else:
                base = outputs.named_root(paths)
            if base is not None or not recorded:
                index.set_layout(base)
        inputs = outputs.place(inputs, base, places)
        named = []
        for item in inputs:
            why = outputs.too_long(item)
            if why is None:
                named.append(item)
            else:
                outcome.errors.append((item.shown, why))
        inputs = named
        outputs.plan(inputs, owned)
        # a corpus's two files are written last: where they go (through no
        # link) is known before anything is written
        outputs.corpus_targets(inputs, out_dir)
        executor = _workers(options, inputs)
        try:
            return _run(inputs, out_dir, settings, options, index, outcome, executor)
        finally:
            executor.close()
    finally:
        index.close()


def _workers(options: Options, inputs: list[Input]) -> Any:
    """The local engine's workers, forked now: before the batch reads its
    texts and screens them (a fork copies the memory of the process that
    forks: after the screen, 1.6 s of system time on a 10 MB corpus)."""
    from pipeline import engine

    jobs = jobs_for(options, inputs) if options.engine != "dask" else 1
    return engine.Processes(jobs) if jobs > 1 else engine.InProcess()


def _run(
    inputs: list[Input],
    out_dir: Path,
    settings: Settings,
    options: Options,
    index: Any,
    outcome: Outcome,
    executor: Any,
) -> tuple[Outcome, dict[str, Any]]:
    from pipeline import engine
    from pipeline.across import Corpus, Pairs
    from pipeline.html import dumps_listing, index_page
    from pipeline.index import Stored, settings_key
    from pipeline.outputs import output_names, remove_outputs, write_corpora
    from pipeline.write import atomic_writer, encode

    # the sums of what summary.json lists (unchanged or written now)
    totals = dict.fromkeys(
        ("files", "removed_regions", "removed_chars", "input_chars", "findings")
        + ("cross_file", "fixes", "errors"),
        0,
    )
    # earlier documents' texts are read back from the index when needed
    corpus = Corpus(settings, fetch=index.texts)
    key = f"{settings_key(settings)}:{_options_key(options)}"

    # What the index already knows comes first, in the order it came:
    # unchanged inputs are skipped, other indexed documents are compared
    # with. Stored under other settings, a document is not comparable.
    by_path = {item.ident: item for item in inputs}
    fresh: set[str] = set()
    valid: dict[str, str] = {}  # comparable documents and their hashes

    # the outputs indexed records had, when they are processed again
    earlier: dict[str, dict[str, str]] = {}

    def comparable() -> Iterator[tuple[str, Pairs]]:
        for stored in index.all():
            item = by_path.get(stored.path)
            if item is not None and item.record is not None and stored.outputs:
                earlier[item.ident] = stored.outputs
            if stored.settings != key:
                continue
            if item is not None:
                if (
                    content_sha(item, options.max_mb) != stored.sha256
                    or not _outputs_intact(out_dir, stored)
                    or any(valid.get(twin) != sha for twin, sha in stored.twins.items())
                ):
                    continue  # processed again below, as a new document
                fresh.add(item.ident)
            valid[stored.path] = stored.sha256
            yield stored.path, stored.pairs

    corpus.remember_all(comparable())
    todo = [item for item in inputs if item.ident not in fresh]
    outcome.skipped = len(fresh)
    looked = _screen(inputs, todo, settings, options)
    dropped = (
        _drop_copies(inputs, todo, looked, out_dir, index, outcome) if options.across else set()
    )
    if dropped:
        todo = [item for item in todo if item not in dropped]

    def on_written(item: Input, done: engine.Prepared, out: engine.Rendered) -> None:
        twins = {c["duplicate_of"]["path"] for c in out.entry["cross_file"]}
        stored = Stored(
            item.ident,
            done.result.source.sha256,
            key,
            out.entry,
            done.pairs,
            {name: _sha_text(data) for name, data in out.files.items()},
            {twin: valid.get(twin, "") for twin in twins},
            out.line,
            out.text,
        )
        index.put(stored, done.seen)
        valid[item.ident] = done.result.source.sha256
        # a record's page of an earlier run that it no longer has
        gone_pages = {n: h for n, h in earlier.pop(item.ident, {}).items() if n not in out.files}
        if gone_pages:
            removed, kept = remove_outputs(out_dir, gone_pages)
            outcome.removed_outputs += removed
            outcome.kept_outputs += kept

    batch = engine.Batch(
        out_dir, settings, options, corpus, on_written, outcome.errors, index.commit_soon
    )
    batch.pages = {
        item.ident: output_names(item.inside)[3] for item in inputs if item.record is None
    }
    if looked is not None:
        outcome.boilerplate = looked.blocks
    batch.unscreened = len(corpus.paths)
    if looked is not None and looked.screened:
        batch.cleared = {item.ident for item in looked.clear}
        batch.screened = {item.ident for item in looked.screened}
        batch.partners = {
            item.ident: {other.ident for other in others}
            for item, others in looked.partners.items()
        }
    if options.engine == "dask":
        from pipeline import dask_engine

        dask_engine.run_batch(todo, batch, options.jobs, options.scheduler)
    else:
        engine.run_batch(executor, todo, batch)
    write_corpora([item for item in inputs if item not in dropped], out_dir, index)
    index.commit()
    # Every document the index holds is listed, in path order, as the
    # index gives them back (never all held at once).
    # (an index shared by runs into other folders lists their documents there)
    reported: dict[str, bool] = {}  # by report (a corpus's records share one)

    def report_there(name: str) -> bool:
        if name not in reported:
            reported[name] = (out_dir / name).is_file()
        return reported[name]

    # one pass over the entries: what is listed, and the totals
    listed: set[str] = set()
    for path, entry in index.entries_all():
        if report_there(entry["report"]):
            listed.add(path)
            _count(totals, entry)
    totals["errors"] = len(outcome.errors)
    summary = {
        "schema": "clean-docs.summary/1",
        "files": [],
        "errors": [{"path": p, "reason": r} for p, r in outcome.errors],
        # this run's: outputs of inputs that no longer exist, removed or
        # (changed since they were written) kept
        "removed_outputs": outcome.removed_outputs,
        "kept_changed_outputs": outcome.kept_outputs,
        # this run's: records dropped as copies of earlier ones (--across)
        "duplicate_documents": outcome.duplicates,
        # this run's: blocks many records hold alike (a licence), each once
        "boilerplate": outcome.boilerplate,
        "totals": totals,
        "settings": settings.as_dict(),
    }
    with atomic_writer(out_dir / "summary.json") as handle:
        for piece in dumps_listing(summary, "files", index.entries(listed)):
            handle.write(encode(piece))

    def page_of(path: str) -> str:
        entry = index.entry(path) if path in listed else None
        return "" if entry is None else entry["report_html"]

    with atomic_writer(out_dir / "index.html") as handle:
        for piece in index_page(summary, index.entries(listed), page_of):
            handle.write(encode(piece))
    del summary["files"]
    return outcome, summary


def _screen(inputs: list[Input], todo: list[Input], settings: Settings, options: Options) -> Any:
    """The bulk look at the batch's records (`gate.screen_records`), when
    there are records to process: their copies (dropped with --across),
    and, when the screen's bounds hold (`screen.applies`), the records it
    clears and the pairs it proposes. Without records, when its bounds
    hold, the pairs of files it proposes (`gate.screen_files`). Else None."""
    from pipeline.gate import screen_records
    from pipeline.read import MAX_INPUT_MB
    from pipeline.screen import applies

    limit = MAX_INPUT_MB if options.max_mb is None else options.max_mb
    if not any(item.record is not None for item in todo):
        # files only: the screen's pairs (never what it clears: a file goes
        # through every stage inside it)
        if not applies(settings) or len(todo) < 2:
            return None
        from pipeline.gate import screen_files

        return screen_files(todo, options.encoding, limit)
    if not options.across and not applies(settings):
        return None
    return screen_records(inputs, precise_all=not applies(settings), limit=limit)


def _drop_copies(
    inputs: list[Input],
    todo: list[Input],
    looked: Any,
    out_dir: Path,
    index: Any,
    outcome: Outcome,
) -> set[Input]:
    """With --across, the records of `todo` that are wholly copies of
    earlier records (`looked.copies`; the earlier one may be unchanged
    since a past run): not processed, left out of the cleaned corpus,
    listed in summary.json. Outputs a past run wrote for such a record are
    removed."""
    from pipeline import outputs

    if looked is None:
        return set()
    waiting = set(todo)
    found = looked.copies
    dropped = {item for item in found if item in waiting}
    idents = {item.ident for item in dropped}
    for old in [stored for stored in index.all() if stored.path in idents]:
        removed, kept = outputs.remove_outputs(out_dir, old.outputs)
        outcome.removed_outputs += removed
        outcome.kept_outputs += kept
        index.drop(old.path)
    outcome.duplicates = [{**found[item], "path": item.shown} for item in inputs if item in dropped]
    return dropped


def _count(totals: dict[str, int], entry: dict[str, Any]) -> None:
    """Add a listed document's entry to the batch's totals."""
    totals["files"] += 1
    for name in ("removed_regions", "removed_chars", "input_chars", "findings", "fixes"):
        totals[name] += entry[name]
    totals["cross_file"] += len(entry["cross_file"])
