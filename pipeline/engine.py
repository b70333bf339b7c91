"""The batch engine: documents mapped in parallel, compared, then settled in order.

A batch is a map/reduce with two boundaries:

1. prepare (map, one task per document): read, deduplicate, render the
   outputs as if nothing repeated another document, and hash the
   document's pairs of consecutive units;
2. candidates (a reduce over the pair hashes): which earlier documents share
   enough with each new one (`across.Corpus`);
3. compare (map, one task per candidate pair): the in-file detection run
   over the two kept texts (`across.compare_pair`);
4. settle (in order, in the calling process): each document's cross-file
   repeats assembled (`across.assemble`), a document that has any rendered
   again, outputs written, the index updated.

An `Executor` runs the maps: in this process, in worker processes, or on a
Dask cluster (`pipeline.dask_engine`); the stages are the same functions,
so every executor writes the same bytes. Documents flow in chunks: memory
follows a chunk and the pair postings, not the corpus.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pipeline.across import CrossRepeat, Pairs, Seen
from pipeline.errors import CleanDocsError, InputError
from pipeline.model import Result
from pipeline.settings import Settings

# A chunk: up to this many documents, enough that the workers rarely wait
# between two settlements (20 MB, -j 2: 32 documents 7.0 s, 64 6.7 s, 128
# 6.1-6.4 s), but a sixteenth of a small batch at most, so that its
# outputs and progress still come steadily; and up to this many bytes of
# input, so that what is in flight (results are about 4.5 times their
# input) stays small however long the documents are.
CHUNK_DOCS = 128
CHUNK_BYTES = 4 << 20
# Chunks handed to the executor ahead of the one being written.
_AHEAD = 2


class Executor(Protocol):
    """Runs a function over argument lists, results in order."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


class InProcess:
    """Runs everything here (one job)."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        return map(fn, *iterables)

    def close(self) -> None:
        pass


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: a worker whose parent died (SIGKILL leaves no
    time to stop the pool) exits instead of waiting for work forever."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


# The Parquet rows a process read last: (file, its state, column, row group),
# the open batch iterator over that group, the batch at hand and the row it
# starts at. Records come in order, so each row group is read once per process.
_PARQUET_CURSOR: dict[str, Any] = {}


def _nothing(_: int) -> None:
    return None


class Processes:
    """Worker processes on this machine, forked when made (a fork copies
    the memory of this process: make them before it grows); they exit
    with their parent."""

    def __init__(self, jobs: int) -> None:
        import os
        from concurrent.futures import ProcessPoolExecutor

        self.jobs = jobs
        self.pool = ProcessPoolExecutor(
            max_workers=jobs, initializer=_exit_with_parent, initargs=(os.getpid(),)
        )
        list(self.pool.map(_nothing, range(jobs)))  # the first task forks them all

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        # Tasks go to the workers a few at a time, about four per worker
        # per call: each one sent alone costs the pool's bookkeeping (20 MB,
        # 2 workers, chunks of 32 sent 4 at a time: 0.71 -> 0.54 s of CPU
        # here, 9.35 -> 8.90 s in theirs).
        lists = [list(it) for it in iterables]
        per = max(1, min(map(len, lists), default=0) // (4 * self.jobs))
        return self.pool.map(fn, *lists, chunksize=per)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class Rendered(NamedTuple):
    """What a document writes: its files (by path under DIR) and its summary
    entry; a record's line of reports.jsonl (None: nothing to show) and its
    clean text (None: its own, unchanged) go to the index, that its
    corpus's outputs are written from."""

    files: dict[str, str]
    entry: dict[str, Any]
    line: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Prepared:
    """One document after the map stage."""

    result: Result
    seen: Seen  # its kept text (before cross-file removals) and its map
    pairs: Pairs
    rendered: Rendered  # as if no cross repeats


def prepare(item: Any, settings: Settings, options: Any, cleared: bool = False) -> Prepared | str:
    """Stage 1 for one input: a Prepared, or why it failed (`cleared`: a
    record the bulk screen cleared: repaired, its pairs hashed, no more)."""
    from pipeline.across import _pieces, unit_pairs
    from pipeline.inputs import dedupe_input

    outcome = dedupe_input(item, settings, options, cleared)
    if isinstance(outcome, str):
        return outcome
    try:
        kept = outcome.kept_text
        seen = Seen(item.ident, kept, _pieces(outcome), outcome.cleaned.text)
        rendered = render(item, outcome, [], settings, {})
    except CleanDocsError as exc:
        return str(exc).removeprefix(f"{item.shown}: ")
    return Prepared(outcome, seen, unit_pairs(kept, settings), rendered)


def render(
    item: Any,
    result: Result,
    cross: list[CrossRepeat],
    settings: Settings,
    others: dict[str, str],
    pages: dict[str, str] | None = None,
) -> Rendered:
    """A document's outputs and its summary entry; `others` holds the
    cleaned text of the documents its twins lie in, `pages` the report
    pages (inside DIR) of those that are files of this run. A file writes four
    outputs; a record only its page, when it has something to show."""
    from pipeline import emit
    from pipeline.html import dumps, report_page
    from pipeline.outputs import (
        cross_entries,
        file_entry,
        has_something,
        keep_record_ending,
        name_twin_pages,
        output_names,
        record_output,
        record_page,
    )

    text_name, diff, report_json, report_html = output_names(item.inside)
    record = item.record is not None
    cleaned_of = {**others, item.ident: result.cleaned.text}
    report = emit.report(result, settings, record_output(item) if record else text_name, cleaned_of)
    report["across"] = cross_entries(cross, result, cleaned_of)
    if pages:
        name_twin_pages(report, pages)
    if not record:
        files = {
            text_name: emit.clean_text(result),
            diff: emit.unified_diff(result, item.shown),
            report_json: dumps(report),
            report_html: report_page(report, result.cleaned.text),
        }
        return Rendered(files, file_entry(item, result, report))
    import json

    clean = emit.clean_text(result)
    if clean.endswith("\n") and not result.source.text.endswith("\n"):
        clean = keep_record_ending(report, clean)
    text = None if clean == result.source.text else clean
    if not has_something(report):
        return Rendered({}, file_entry(item, result, report), None, text)
    page = record_page(item)
    report["page"] = page
    line = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # a name that is no UTF-8: kept escaped
            line = json.dumps(report, separators=(",", ":"))
    files = {page: report_page(report, result.cleaned.text)}
    return Rendered(files, file_entry(item, result, report), line, text)


def compare_pair(job: tuple[str, str, Settings]) -> list[tuple[Any, Any, float, str]]:
    from pipeline.across import _pair

    earlier, later, settings = job
    return _pair(earlier, later, settings)


@dataclass
class Batch:
    """What `run_batch` needs besides the inputs."""

    out_dir: Path
    settings: Settings
    options: Any
    corpus: Any  # across.Corpus, holding what came before
    on_written: Callable[[Any, Prepared, Rendered], None]
    errors: list[tuple[str, str]]
    flush: Callable[[], None] | None = None  # after each chunk (the index commits)
    # the bulk screen's word on this run's records (`gate.screen_records`),
    # by ident: those cleared go through no precise stage inside; two
    # records it looked at are compared only when it paired them
    cleared: Container[str] = frozenset()
    screened: Container[str] = frozenset()
    partners: dict[str, set[str]] | None = None
    # documents remembered so far that the screen did not look at (those
    # of the index, to begin with)
    unscreened: int = 0
    # a file's report page inside DIR, by ident: a page linking to a twin
    # reached through a link of another name must not guess it
    pages: dict[str, str] = field(default_factory=dict)

    def pairs_with_none(self, later: str) -> bool:
        """Whether `may_pair` is False for every document before `later`:
        the screen looked at it and at all of them, and paired it with none."""
        return (
            self.partners is not None
            and self.unscreened == 0
            and later in self.screened
            and not self.partners.get(later)
        )

    def may_pair(self, later: str, earlier: str) -> bool:
        """Whether two documents are worth a precise comparison: always,
        unless the screen looked at both and did not pair them."""
        if self.partners is None or later not in self.screened or earlier not in self.screened:
            return True
        return earlier in self.partners.get(later, ())


def run_batch(executor: Executor, inputs: list[Any], batch: Batch) -> int:
    """Stages 1-4 over `inputs` in chunks; returns how many were written.

    While a chunk is settled, the next one is with the executor, and the
    one after it is handed over just before this process starts writing:
    the workers prepare documents while this process writes (a chunk
    handed over earlier would queue the chunk's comparisons and renderings
    behind it; later, the workers would wait for the writing: 20 MB,
    -j 2, 1.0 s of it).
    """
    from collections import deque

    written = 0
    sent = dataclasses.replace(batch.options, progress=None)
    chunks = _chunks(inputs)

    def submit(chunk: list[Any]) -> Iterator[Any]:
        n = len(chunk)
        cleared = [item.ident in batch.cleared for item in chunk]
        return executor.map(prepare, chunk, [batch.settings] * n, [sent] * n, cleared)

    pending = deque(submit(chunk) for chunk in chunks[:_AHEAD])
    done = 0
    for n, chunk in enumerate(chunks):
        prepared = list(pending.popleft())

        def feed(ahead: int = n + _AHEAD) -> None:
            if ahead < len(chunks):
                pending.append(submit(chunks[ahead]))

        written += settle_chunk(executor, chunk, prepared, batch, feed)
        batch.corpus.forget_texts()
        for item in chunk:
            done += 1
            if batch.options.progress is not None:
                batch.options.progress(done, len(inputs), item.shown)
    return written


def _chunks(inputs: list[Any]) -> list[list[Any]]:
    """Consecutive inputs, cut at `CHUNK_DOCS` documents (fewer in a small
    batch) or `CHUNK_BYTES`."""
    from pipeline.inputs import input_bytes

    docs = min(CHUNK_DOCS, max(8, len(inputs) // 16))
    chunks: list[list[Any]] = [[]]
    size = 0
    for item in inputs:
        if chunks[-1] and (len(chunks[-1]) >= docs or size >= CHUNK_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += input_bytes(item)
    return chunks if chunks[0] else []


def settle_chunk(
    executor: Executor,
    chunk: list[Any],
    prepared: list[Prepared | str],
    batch: Batch,
    before_writing: Callable[[], None] | None = None,
) -> int:
    """Stages 2-4 for one chunk, in input order."""
    jobs, texts = candidate_pairs(chunk, prepared, batch)
    crosses = cross_repeats(prepared, jobs, executor.map(compare_pair, texts), batch.corpus.seen)
    return write_chunk(executor, chunk, prepared, crosses, batch, batch.corpus.seen, before_writing)


def candidate_pairs(
    chunk: list[Any], prepared: list[Prepared | str], batch: Batch
) -> tuple[list[tuple[int, str]], list[tuple[str, str, Settings]]]:
    """Stage 2 for a chunk: each document's candidates among the documents
    before it, in this chunk too (each is remembered as soon as its
    candidates are known); returns the comparisons stage 3 makes, as
    (document's place in the chunk, earlier document) and `compare_pair`'s
    arguments."""
    corpus = batch.corpus
    candidates: list[list[str]] = []
    # documents only remembered (nothing to look up), in a row: remembered
    # together, before the next document looks up what came before it
    held: list[tuple[str, Any, Any]] = []
    for item, p in zip(chunk, prepared, strict=True):
        if isinstance(p, str):
            candidates.append([])
            continue
        if batch.pairs_with_none(item.ident):
            held.append((item.ident, p.pairs, p.seen))
            candidates.append([])
            continue
        corpus.remember_many(held)
        held = []
        if item.ident not in batch.screened:
            batch.unscreened += 1
        found_here = corpus.admit(item.ident, p.pairs, p.seen)
        candidates.append([path for path in found_here if batch.may_pair(item.ident, path)])
    corpus.remember_many(held)
    jobs: list[tuple[int, str]] = []
    texts: list[tuple[str, str, Settings]] = []
    for n, (p, paths) in enumerate(zip(prepared, candidates, strict=True)):
        for path in paths:
            assert not isinstance(p, str)
            jobs.append((n, path))
            texts.append((corpus.seen(path).kept, p.seen.kept, batch.settings))
    return jobs, texts


def cross_repeats(
    prepared: list[Prepared | str],
    jobs: list[tuple[int, str]],
    compared: Iterable[list[Any]],
    seen: Callable[[str], Seen],
) -> list[list[CrossRepeat]]:
    """Stage 4's first step: each document's repeats of earlier documents,
    assembled from its comparisons (`compared`, in the order of `jobs`); a
    document whose twins' texts are gone becomes its error."""
    from pipeline.across import assemble

    found: dict[int, list[tuple[str, list[Any]]]] = {}
    for (n, path), pairs in zip(jobs, compared, strict=True):
        found.setdefault(n, []).append((path, pairs))
    crosses: list[list[CrossRepeat]] = []
    for n, p in enumerate(prepared):
        crosses.append([])
        if not isinstance(p, str):
            try:
                crosses[n] = assemble(found.get(n, []), p.seen.to_cleaned, seen)
            except CleanDocsError as exc:  # an earlier document's texts are gone
                prepared[n] = str(exc)
    return crosses


def write_chunk(
    executor: Executor,
    chunk: list[Any],
    prepared: list[Prepared | str],
    crosses: list[list[CrossRepeat]],
    batch: Batch,
    seen: Callable[[str], Seen],
    before_writing: Callable[[], None] | None = None,
) -> int:
    """Stage 4 for a chunk: a document repeating others is rendered again
    (by the executor), every document's outputs are written (in threads:
    the time goes to system calls), then the results are taken in input
    order: errors collected, the others handed to `batch.on_written`.
    `before_writing` runs when the executor has nothing more of this
    chunk to do (the batch gives it more work then)."""
    outputs, again, jobs_again = renderings(chunk, prepared, crosses, batch, seen)
    for n, out in zip(again, executor.map(render_again, jobs_again), strict=True):
        outputs[n] = out
    if before_writing is not None:
        before_writing()
    return write_rendered(chunk, prepared, outputs, batch)


def renderings(
    chunk: list[Any],
    prepared: list[Prepared | str],
    crosses: list[list[CrossRepeat]],
    batch: Batch,
    seen: Callable[[str], Seen],
) -> tuple[list[Rendered | str], list[int], list[tuple[Any, ...]]]:
    """Each document's outputs as prepared (or its error), the places of
    those that repeat others, and `render_again`'s arguments for them."""
    outputs: list[Rendered | str] = []
    again: list[int] = []
    jobs_again: list[tuple[Any, ...]] = []
    for n, (item, p, cross) in enumerate(zip(chunk, prepared, crosses, strict=True)):
        if isinstance(p, str):
            outputs.append(p)
            continue
        outputs.append(p.rendered)
        if cross:
            others = {c.twin_path: seen(c.twin_path).cleaned for c in cross}
            pages = {
                c.twin_path: batch.pages[c.twin_path] for c in cross if c.twin_path in batch.pages
            }
            again.append(n)
            jobs_again.append(
                (item, p.result, cross, batch.settings, batch.options.across, others, pages)
            )
    return outputs, again, jobs_again


def write_rendered(
    chunk: list[Any], prepared: list[Prepared | str], outputs: list[Rendered | str], batch: Batch
) -> int:
    """Write a chunk's outputs, then take them in input order: errors
    collected, the others handed to `batch.on_written`."""
    failures = write_many(
        batch.out_dir, [out.files if not isinstance(out, str) else {} for out in outputs]
    )
    written = 0
    for item, p, out, failure in zip(chunk, prepared, outputs, failures, strict=True):
        if isinstance(out, str) or failure is not None:
            reason = out if isinstance(out, str) else failure
            batch.errors.append((item.shown, str(reason).removeprefix(f"{item.shown}: ")))
            continue
        assert not isinstance(p, str)
        try:
            batch.on_written(item, p, out)
        except CleanDocsError as exc:  # the index could not be written
            batch.errors.append((item.shown, str(exc).removeprefix(f"{item.shown}: ")))
            continue
        written += 1
    if batch.flush is not None:
        batch.flush()
    return written


def render_again(
    job: tuple[Any, Result, list[CrossRepeat], Settings, bool, dict[str, str], dict[str, str]],
) -> Rendered | str:
    """Render a document that repeats others (removing that with --across)."""
    item, result, cross, settings, across, others, pages = job
    try:
        if across:
            from pipeline.across import remove_across
            from pipeline.verify import verify

            result = remove_across(result, cross)
            verify(result, settings.run_similarity)
        return render(item, result, cross, settings, others, pages)
    except InputError as exc:
        return exc.reason
    except CleanDocsError as exc:
        return str(exc)


_writers: Any = None


def write_many(out_dir: Path, outputs: list[dict[str, str]]) -> list[str | None]:
    """Write each document's files (atomically, each); per document, None or
    why its outputs could not be written."""
    global _writers
    from concurrent.futures import ThreadPoolExecutor

    if _writers is None:
        _writers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="clean-docs-write")
    from pipeline.outputs import write_files

    # (a record with nothing to show writes no file: no thread is asked)
    futures = [_writers.submit(write_files, out_dir, files) if files else None for files in outputs]
    failures: list[str | None] = []
    for future in futures:
        try:
            if future is not None:
                future.result()
            failures.append(None)
        except CleanDocsError as exc:
            failures.append(str(exc))
    return failures
