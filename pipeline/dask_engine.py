"""The Dask engine (`--engine dask`): the batch stages as tasks on a cluster.

The stages are those of `pipeline.engine`, the same functions: so the bytes
written are the same as the local engine's (the suite checks it on a
two-worker LocalCluster).

1. prepare: one task per partition of 64 documents (read, deduplicate,
   render, hash the unit pairs); the results stay on the workers;
2. candidates: a shuffle of (pair hash, document) rows over the pair
   hashes (map tasks cut them into buckets by hash, a reduce task per
   bucket scores the pairs of documents sharing a hash, in numpy), the
   scores summed per pair of documents; pairs with at least
   `min_run_chars` are candidates (a hash's first `MAX_HOLDERS` holders
   only, as the local postings record them);
3. compare: the candidate pairs grouped by connected component, cut into
   tasks of 16 pairs, each running the in-file detection over its pairs;
4. settle: here, in input order, 64 documents at a time: results
   gathered, cross-file repeats assembled, outputs written (the local
   engine's `write_chunk`), the index updated.

Install with `pip install "clean-docs-dedup[dask]"`. `scheduler` is the address
of a running scheduler (`tcp://host:8786`); without one a LocalCluster of
`jobs` single-threaded worker processes is started for the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from pipeline.across import Pairs
from pipeline.engine import Batch, InProcess, Prepared, prepare, write_chunk
from pipeline.errors import CleanDocsError, EngineError
from pipeline.postings import MAX_HOLDERS

# Partitions of the pair shuffle per worker; documents per input partition.
_PARTITIONS_PER_WORKER = 4
_DOCS_PER_PARTITION = 64
# Candidate pairs compared per task.
_EDGES_PER_TASK = 16


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


def _pairs_of(chunk: list[Prepared | str]) -> list[Pairs]:
    return [{} if isinstance(p, str) else p.pairs for p in chunk]


def _kept_of(chunk: list[Prepared | str]) -> list[str]:
    return ["" if isinstance(p, str) else p.seen.kept for p in chunk]


def _split(first: int, pairs: list[Pairs], buckets: int) -> list[np.ndarray]:
    """Map side of the shuffle: (hash, document, length, count) rows of
    documents `first`, `first + 1`, ..., one uint64 array per bucket."""
    rows = [
        (key, first + n, weight, count)
        for n, doc_pairs in enumerate(pairs)
        for key, (weight, count) in doc_pairs.items()
    ]
    table = np.array(rows, dtype=np.uint64).reshape(-1, 4)
    bucket = table[:, 0] % np.uint64(buckets)
    return [table[bucket == b] for b in range(buckets)]


def _score_bucket(*pieces: np.ndarray) -> np.ndarray:
    """Reduce side: for every hash of a bucket, each pair of documents
    holding it, scored as `across.pair_score` does; rows (later, earlier,
    score), summed per pair."""
    from pipeline.across import pair_score_array

    table = np.concatenate(pieces) if pieces else np.zeros((0, 4), np.uint64)
    table = table[np.lexsort((table[:, 1], table[:, 0]))]
    key = table[:, 0]
    doc = table[:, 1].astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else key
    sizes = np.diff(np.append(starts, len(key)))
    found: list[np.ndarray] = []
    for size in np.unique(sizes[sizes >= 2]).tolist():
        first = starts[sizes == size]
        later, earlier = np.tril_indices(size, -1)
        # as the local postings: only a hash's first holders are compared with
        keep = earlier < MAX_HOLDERS
        later, earlier = later[keep], earlier[keep]
        rows_l = (first[:, None] + later[None, :]).ravel()
        rows_e = (first[:, None] + earlier[None, :]).ravel()
        score = pair_score_array(table[rows_l, 2], table[rows_l, 3], table[rows_e, 3])
        found.append(np.stack((doc[rows_l], doc[rows_e], score), axis=1))
    return _sum_scores(*found)


def _sum_scores(*found: np.ndarray) -> np.ndarray:
    """(later, earlier, score) rows with one row per pair, scores summed."""
    rows = np.concatenate(found) if found else np.zeros((0, 3), np.int64)
    if not len(rows):
        return np.zeros((0, 3), np.int64)
    pairs, inverse = np.unique(rows[:, :2], axis=0, return_inverse=True)
    totals = np.zeros(len(pairs), np.int64)
    np.add.at(totals, inverse.ravel(), rows[:, 2])
    return np.column_stack((pairs, totals))


def _compare_pairs(
    edges: list[tuple[int, int]], where: dict[int, Any], settings: Any
) -> dict[tuple[int, int], list[Any]]:
    """Stage 3 for a few pairs; `where` gives each document's kept text,
    or (its partition's kept texts, its place there)."""
    from pipeline.across import _pair

    kept = {d: w if isinstance(w, str) else w[0][w[1]] for d, w in where.items()}
    return {
        (later, earlier): _pair(kept[earlier], kept[later], settings) for later, earlier in edges
    }


def _components(edges: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The candidate pairs grouped by connected component (union-find)."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[tuple[int, int]]] = {}
    for a, b in edges:
        groups.setdefault(root(a), []).append((a, b))
    return [groups[k] for k in sorted(groups)]


def _batches(components: list[list[tuple[int, int]]], size: int) -> list[list[tuple[int, int]]]:
    """Comparison tasks: small components together, a large one cut up
    (its pairs are independent; only their results are put together in
    order, in the client), so that no worker gets all the work.

    >>> _batches([[(1, 0)], [(3, 2), (4, 2), (4, 3)]], 2)
    [[(1, 0), (3, 2)], [(4, 2), (4, 3)]]
    """
    out: list[list[tuple[int, int]]] = [[]]
    for component in components:
        for edge in component:
            if len(out[-1]) >= size:
                out.append([])
            out[-1].append(edge)
    return [batch for batch in out if batch]


def run_batch(
    inputs: list[Any],
    batch: Batch,
    stored: list[tuple[str, Pairs]],
    jobs: int,
    scheduler: str | None = None,
) -> int:
    """Stages 1-4 on Dask; `stored` lists the indexed documents that come
    before the inputs (their texts are read from `batch.corpus`)."""
    client, cluster = _client(scheduler, jobs)
    try:
        return _run(client, inputs, batch, stored)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run(client: Any, inputs: list[Any], batch: Batch, stored: list[tuple[str, Pairs]]) -> int:
    import dataclasses

    settings = batch.settings
    sent = dataclasses.replace(batch.options, progress=None)
    # Stage 1.
    step = _DOCS_PER_PARTITION
    parts = [inputs[at : at + step] for at in range(0, len(inputs), step)]
    cleared = [[item.ident in batch.cleared for item in part] for part in parts]
    prepared = client.map(
        _prepare_chunk, parts, cleared, settings=settings, options=sent, pure=False
    )
    pairs = client.map(_pairs_of, prepared, pure=False)
    kept = client.map(_kept_of, prepared, pure=False)
    base = len(stored)  # document numbers: the stored ones first
    # Stage 2: the shuffle over pair hashes. Map tasks cut (hash, document)
    # rows into buckets by hash; a reduce task per bucket scores the pairs
    # of documents that share a hash; the scores are summed per pair.
    from dask import delayed

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    buckets = workers * _PARTITIONS_PER_WORKER
    split = delayed(_split, nout=buckets, pure=True)
    maps = [
        split(at, [p for _, p in stored[at : at + _DOCS_PER_PARTITION]], buckets)
        for at in range(0, base, _DOCS_PER_PARTITION)
    ] + [split(base + n * step, part, buckets) for n, part in enumerate(pairs)]
    reduced = [delayed(_score_bucket)(*[m[b] for m in maps]) for b in range(buckets)]
    totals = delayed(_sum_scores)(*reduced).compute()
    limit = settings.min_run_chars
    paths = [path for path, _ in stored] + [item.ident for item in inputs]
    edges = sorted(
        (int(a), int(b))
        for a, b, total in totals.tolist()
        if total >= limit and batch.may_pair(paths[int(a)], paths[int(b)])
    )
    # Stage 3: one task per connected component.
    needed = sorted({d for e in edges for d in e if d < base})
    stored_kept = {d: batch.corpus.seen(stored[d][0]).kept for d in needed}
    compared: dict[tuple[int, int], list[Any]] = {}
    tasks = []
    for group in _batches(_components(edges), _EDGES_PER_TASK):
        docs_in = {d for e in group for d in e}
        texts = {
            d: stored_kept[d] if d < base else (kept[(d - base) // step], (d - base) % step)
            for d in docs_in
        }
        tasks.append(client.submit(_compare_pairs, group, texts, settings, pure=False))
    for task in tasks:
        compared.update(task.result())
    # Stage 4, in order.
    return _settle(inputs, prepared, edges, compared, stored, batch)


def _gathered(futures: list[Any]) -> Iterator[Any]:
    """The partitions' results in order, one partition at a time (one round
    trip per partition, not per document), each released once fetched."""
    for future in futures:
        results = future.result()
        future.release()
        yield from results


def _settle(
    inputs: list[Any],
    prepared: list[Any],
    edges: list[tuple[int, int]],
    compared: dict[tuple[int, int], list[Any]],
    stored: list[tuple[str, Pairs]],
    batch: Batch,
) -> int:
    from pipeline.across import assemble

    base = len(stored)
    paths = [path for path, _ in stored] + [item.ident for item in inputs]
    earlier_of: dict[int, list[int]] = {}
    for later, earlier in edges:
        earlier_of.setdefault(later, []).append(earlier)
    written = 0
    results = _gathered(prepared)
    for at in range(0, len(inputs), _DOCS_PER_PARTITION):
        chunk = inputs[at : at + _DOCS_PER_PARTITION]
        done = [next(results) for _ in chunk]
        # this chunk's texts until they are in the index
        recent = {
            item.ident: p.seen
            for item, p in zip(chunk, done, strict=True)
            if not isinstance(p, str)
        }

        def seen(path: str, recent: dict[str, Any] = recent) -> Any:
            return recent[path] if path in recent else batch.corpus.seen(path)

        crosses: list[list[Any]] = []
        for n, p in enumerate(done):
            doc = base + at + n
            crosses.append([])
            if isinstance(p, str):
                continue
            found = [(paths[e], compared[(doc, e)]) for e in sorted(earlier_of.get(doc, []))]
            try:
                crosses[n] = assemble(found, p.seen.to_cleaned, seen)
            except CleanDocsError as exc:
                done[n] = str(exc)
        written += write_chunk(InProcess(), chunk, done, crosses, batch, seen)
        if batch.options.progress is not None:
            for n, item in enumerate(chunk, start=at + 1):
                batch.options.progress(n, len(inputs), item.shown)
    return written
