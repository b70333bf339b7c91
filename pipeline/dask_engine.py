"""The Dask engine (`--engine dask`): the batch's work as tasks on a cluster.

The stages are those of `pipeline.engine`, the same functions, so the bytes
written are the same as the local engine's (the suite checks it on a
two-worker LocalCluster):

1. prepare: one task per partition of 256 documents (read, deduplicate,
   render, hash the unit pairs), a bounded number of partitions ahead of
   the one being settled, so the workers keep busy while the client writes;
2. candidates: here, partition by partition in input order, from the
   batch's postings (`across.Corpus`), as the local engine finds them;
3. compare: a partition's candidate pairs as one task, run before any
   partition still waiting to be prepared;
4. settle: `_LAG` partitions later, here: cross-file repeats assembled, the
   documents repeating others rendered again, outputs written, the index
   updated (`engine.cross_repeats`, `renderings`, `write_rendered`).

A shuffle of the unit-pair hashes over the cluster (map tasks cutting them
into buckets, a reduce task a bucket) did stage 2 before: it had to wait
for every partition, so the client settled all of them only after the
workers had finished, and it repeated the postings' scoring in a second
form that had to stay equal to it.

Install with `pip install "clean-docs-dedup[dask]"`. `scheduler` is the address
of a running scheduler (`tcp://host:8786`); without one a LocalCluster of
`jobs` single-threaded worker processes is started for the run.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.engine import (
    Batch,
    Prepared,
    candidate_pairs,
    compare_pair,
    cross_repeats,
    prepare,
    render_again,
    renderings,
    write_rendered,
)
from pipeline.errors import EngineError

# Documents per input partition; partitions being prepared per worker.
# (A LocalCluster's scheduler shares this process: 64 a partition made
# four times the tasks, and the 10 MB corpus's run took 41.7 s, not 33.9;
# 256 took 31.8-34.5 s where 512 took 28.0-33.2 and 1024 30.2-32.8.)
_DOCS_PER_PARTITION = 512
_AHEAD_PER_WORKER = 4
# Partitions between handing a partition's comparisons to the cluster and
# taking their results: the client never waits for a task just submitted.
_LAG = 3
# Comparisons and renderings go ahead of the preparing (Dask runs the
# higher priority first).
_URGENT = 1


def _client(scheduler: str | None, jobs: int) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EngineError(
            '--engine dask needs Dask: pip install "clean-docs-dedup[dask]"'
        ) from None
    if scheduler:
        try:
            return Client(scheduler, timeout="5s"), None
        except OSError as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    cluster = LocalCluster(
        n_workers=max(1, jobs),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,
    )
    return Client(cluster), cluster


def _prepare_chunk(
    items: list[Any], cleared: list[bool], settings: Any, options: Any
) -> list[Prepared | str]:
    """Stage 1 for a partition of documents: one task, not one per document
    (a task costs a few milliseconds of scheduling; a record, less)."""
    return [prepare(item, settings, options, c) for item, c in zip(items, cleared, strict=True)]


def _apply(fn: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
    return [fn(job) for job in jobs]


def _urgently(client: Any, fn: Callable[[Any], Any], jobs: list[Any]) -> list[Any]:
    """`fn` over `jobs` as one task that runs before any partition still
    waiting to be prepared ([] when there is nothing to do)."""
    if not jobs:
        return []
    return [client.submit(_apply, fn, jobs, pure=False, priority=_URGENT)]


def _results(futures: list[Any]) -> Iterator[Any]:
    """The tasks' results in order, each task released once fetched."""
    for future in futures:
        results = future.result()
        future.release()
        yield from results


@dataclasses.dataclass
class _Partition:
    """A partition whose comparisons are with the cluster."""

    part: list[Any]
    prepared: list[Prepared | str]
    jobs: list[tuple[int, str]]
    compared: list[Any]  # the comparisons' task


def run_batch(inputs: list[Any], batch: Batch, jobs: int, scheduler: str | None = None) -> int:
    """Stages 1-4 on Dask (the indexed documents that come before the
    inputs are in `batch.corpus`)."""
    client, cluster = _client(scheduler, jobs)
    try:
        return _run(client, inputs, batch)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run(client: Any, inputs: list[Any], batch: Batch) -> int:
    """The partitions in input order: candidates found here and their
    comparisons handed to the cluster; `_LAG` partitions later, repeats
    assembled, the documents repeating others rendered again (here: a
    rendering is quick, sending a document's results there and back is
    not), outputs written and indexed."""
    sent = dataclasses.replace(batch.options, progress=None)
    step = _DOCS_PER_PARTITION
    parts = [inputs[at : at + step] for at in range(0, len(inputs), step)]
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    seen = batch.corpus.seen

    def submit(part: list[Any]) -> Any:
        cleared = [item.ident in batch.cleared for item in part]
        return client.submit(_prepare_chunk, part, cleared, batch.settings, sent, pure=False)

    def settle(p: _Partition) -> int:
        crosses = cross_repeats(p.prepared, p.jobs, _results(p.compared), seen)
        outputs, again, jobs_again = renderings(p.part, p.prepared, crosses, batch, seen)
        for n, job in zip(again, jobs_again, strict=True):
            outputs[n] = render_again(job)
        written = write_rendered(p.part, p.prepared, outputs, batch)
        batch.corpus.forget_texts(item.ident for item in p.part)
        return written

    ahead = workers * _AHEAD_PER_WORKER + _LAG
    pending = deque(submit(part) for part in parts[:ahead])
    comparing: deque[_Partition] = deque()
    written = 0
    done = 0
    for n in range(len(parts) + _LAG):
        if n < len(parts):
            future = pending.popleft()
            prepared = future.result()
            future.release()
            if n + ahead < len(parts):
                pending.append(submit(parts[n + ahead]))
            jobs, texts = candidate_pairs(parts[n], prepared, batch)
            comparing.append(
                _Partition(parts[n], prepared, jobs, _urgently(client, compare_pair, texts))
            )
        if n >= _LAG:
            p = comparing.popleft()
            written += settle(p)
            for item in p.part:
                done += 1
                if batch.options.progress is not None:
                    batch.options.progress(done, len(inputs), item.shown)
    return written
