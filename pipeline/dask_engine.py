"""The Dask engine (`--engine dask`): the batch stages as tasks on a cluster.

The stages are those of `pipeline.engine`, the same functions: so the bytes
written are the same as the local engine's (the suite checks it on a
two-worker LocalCluster).

1. prepare: one task per document (read, deduplicate, render, hash the
   unit pairs); the results stay on the workers;
2. candidates: a shuffle of (pair hash, document) over the pair hashes
   (a dask.bag groupby), each group scoring the pairs of documents that
   share it, a fold summing the scores per pair of documents; pairs with
   at least `min_run_chars` are candidates; their connected components
   become the comparison tasks;
3. compare: one task per component, running the in-file detection over
   each candidate pair of its documents;
4. settle: here, in input order, one document at a time: cross-file
   repeats assembled, outputs written, the index updated.

Install with `pip install "clean-docs[dask]"`. `scheduler` is the address
of a running scheduler (`tcp://host:8786`); without one a LocalCluster of
`jobs` single-threaded worker processes is started for the run.
"""

from __future__ import annotations

from typing import Any

from pipeline.across import Pairs
from pipeline.engine import Batch, Prepared, prepare, render, write_files
from pipeline.errors import CleanDocsError, EngineError, InputError

# Partitions of the pair shuffle per worker; documents per input partition.
_PARTITIONS_PER_WORKER = 4
_DOCS_PER_PARTITION = 64


def _client(scheduler: str | None, jobs: int) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EngineError('--engine dask needs Dask: pip install "clean-docs[dask]"') from None
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


def _postings(doc: int, pairs: Pairs) -> list[tuple[int, tuple[int, int, int]]]:
    return [(key, (doc, weight, count)) for key, (weight, count) in pairs.items()]


def _pairs_of(p: Prepared | str) -> Pairs:
    return {} if isinstance(p, str) else p.pairs


def _kept_of(p: Prepared | str) -> str:
    return "" if isinstance(p, str) else p.seen.kept


def _score(group: tuple[int, list[tuple[int, int, int]]]) -> list[tuple[tuple[int, int], int]]:
    """Scores of the document pairs sharing one unit pair: (later, earlier)."""
    from pipeline.across import pair_score

    members = sorted(group[1])
    out: list[tuple[tuple[int, int], int]] = []
    for j, (later, weight, count) in enumerate(members):
        for earlier, _, other in members[:j]:
            if earlier != later:
                out.append(((later, earlier), pair_score(weight, count, other)))
    return out


def _compare_component(
    edges: list[tuple[int, int]], kept: dict[int, str], settings: Any
) -> dict[tuple[int, int], list[Any]]:
    from pipeline.across import _pair

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


def run_batch(
    inputs: list[Any],
    batch: Batch,
    stored: list[tuple[str, Pairs]],
    jobs: int,
    scheduler: str | None = None,
) -> int:
    """Stages 1-4 on Dask; `stored` lists the indexed documents that come
    before the inputs (their texts are read from `batch.corpus`)."""
    import dask.bag as db

    client, cluster = _client(scheduler, jobs)
    try:
        return _run(client, db, inputs, batch, stored)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run(
    client: Any, db: Any, inputs: list[Any], batch: Batch, stored: list[tuple[str, Pairs]]
) -> int:
    import dataclasses

    settings = batch.settings
    sent = dataclasses.replace(batch.options, progress=None)
    # Stage 1.
    prepared = client.map(prepare, inputs, settings=settings, options=sent, pure=False)
    pairs = client.map(_pairs_of, prepared, pure=False)
    kept = client.map(_kept_of, prepared, pure=False)
    base = len(stored)  # document numbers: the stored ones first
    # Stage 2: the shuffle over pair hashes.
    first = (
        db.from_sequence(
            [(n, p) for n, (_, p) in enumerate(stored)], npartitions=max(1, min(len(stored), 64))
        )
        if stored
        else None
    )
    fresh = db.from_delayed(
        [
            _tagged(base + at, pairs[at : at + _DOCS_PER_PARTITION])
            for at in range(0, len(pairs), _DOCS_PER_PARTITION)
        ]
    )
    docs = fresh if first is None else db.concat([first, fresh])
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    scored = (
        docs.map(lambda dp: _postings(*dp))
        .flatten()
        .groupby(lambda kv: kv[0], npartitions=workers * _PARTITIONS_PER_WORKER)
        .map(lambda g: (g[0], [v for _, v in g[1]]))
        .map(_score)
        .flatten()
        .foldby(lambda e: e[0], lambda total, e: total + e[1], 0, lambda a, b: a + b, 0)
    )
    limit = settings.min_run_chars
    edges = sorted(e for e, total in scored.compute() if total >= limit)
    # Stage 3: one task per connected component.
    stored_kept = {n: batch.corpus.seen(path).kept for n, (path, _) in enumerate(stored)}
    compared: dict[tuple[int, int], list[Any]] = {}
    tasks = []
    for component in _components(edges):
        docs_in = {d for e in component for d in e}
        texts = {d: (stored_kept[d] if d < base else kept[d - base]) for d in docs_in}
        tasks.append(client.submit(_compare_component, component, texts, settings, pure=False))
    for task in tasks:
        compared.update(task.result())
    # Stage 4, in order.
    return _settle(inputs, prepared, edges, compared, stored, batch)


def _number(first: int, pairs: list[Pairs]) -> list[tuple[int, Pairs]]:
    return [(first + n, p) for n, p in enumerate(pairs)]


def _tagged(first: int, futures: list[Any]) -> Any:
    """A bag partition of (document number, pairs) from prepared futures."""
    from dask import delayed

    return delayed(_number)(first, futures)


def _settle(
    inputs: list[Any],
    prepared: list[Any],
    edges: list[tuple[int, int]],
    compared: dict[tuple[int, int], list[Any]],
    stored: list[tuple[str, Pairs]],
    batch: Batch,
) -> int:
    from pipeline.across import assemble, remove_across

    base = len(stored)
    paths = [path for path, _ in stored] + [item.shown for item in inputs]
    earlier_of: dict[int, list[int]] = {}
    for later, earlier in edges:
        earlier_of.setdefault(later, []).append(earlier)
    seen = batch.corpus.seen
    written = 0
    for n, (item, future) in enumerate(zip(inputs, prepared, strict=True)):
        p = future.result()
        future.release()
        doc = base + n
        if batch.options.progress is not None:
            batch.options.progress(n + 1, len(inputs), item.shown)
        if isinstance(p, str):
            batch.errors.append((item.shown, p))
            continue
        try:
            found = [(paths[e], compared[(doc, e)]) for e in sorted(earlier_of.get(doc, []))]
            cross = assemble(found, p.seen.to_cleaned, seen)
            files, entry = p.files, p.entry
            if cross:
                result = p.result
                if batch.options.across:
                    from pipeline.verify import verify

                    result = remove_across(result, cross)
                    verify(result, batch.settings.run_similarity)
                others = {c.twin_path: seen(c.twin_path).cleaned for c in cross}
                files, entry = render(item, result, cross, batch.settings, others)
            write_files(batch.out_dir, files)
            batch.on_written(item, p, entry, p.seen)
            written += 1
            if batch.flush is not None and written % 64 == 0:
                batch.flush()
        except InputError as exc:
            batch.errors.append((item.shown, exc.reason))
        except CleanDocsError as exc:
            batch.errors.append((item.shown, str(exc).removeprefix(f"{item.shown}: ")))
    return written
