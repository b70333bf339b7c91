"""Postings: which earlier documents hold each unit-pair hash.

The candidate look-up of every batch. Kept as sorted numpy runs (hash,
document, length, count: 16 bytes a posting, where a dict of lists costs
about 150), merged as they grow so that there are few runs to search: a
look-up is a `searchsorted` per run over all of a document's hashes at once.

A hash held by more than `MAX_HOLDERS` documents is boilerplate (a site's
footer, a ministry's standard paragraph): only its first `MAX_HOLDERS`
holders are recorded, so a later document repeating it is compared with
those, not with every page that carries it. Without that cap the
comparisons grow with the square of the corpus.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_HOLDERS = 16
_CAP = (1 << 16) - 1
# A short document's postings go to a dict first, a run of them into the
# sorted runs once RECENT_POSTINGS are held: a corpus of short records made
# a run of each and merged them as they grew, about log2(postings) runs, and
# each look-up cost two binary searches per run (a dozen numpy calls a
# record, most of the main process's time in a 10 MB corpus's run).
SHORT_DOC = 64
RECENT_POSTINGS = 1 << 16


class Postings:
    """Sorted runs of (hash, document, length, count), and the postings of
    the latest short documents in a dict (hash -> [(document, length,
    count)], documents in order): every posting is in one or the other."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.recent: dict[int, list[tuple[int, int, int]]] = {}
        self.recent_size = 0

    def __len__(self) -> int:
        return sum(len(run[0]) for run in self.runs) + self.recent_size

    def _recent_found(self, keys: np.ndarray) -> tuple[np.ndarray, ...] | None:
        """`find`'s rows from the dict, unsorted; None when there are none."""
        if not self.recent:
            return None
        rows = [
            (n, *posting)
            for n, key in enumerate(keys.tolist())
            for posting in self.recent.get(key, ())
        ]
        if not rows:
            return None
        which, docs, weights, counts = zip(*rows, strict=True)
        return (
            np.array(which, np.int64),
            np.array(docs, np.uint32),
            np.array(weights, np.uint16),
            np.array(counts, np.uint16),
        )

    def _settle_recent(self) -> None:
        """The dict's postings as one sorted run (documents in order within
        a hash, as `_merge` keeps them); the dict emptied."""
        if not self.recent:
            return
        keys = np.fromiter(
            (key for key, held in self.recent.items() for _ in held), np.uint64, self.recent_size
        )
        rows = np.array(
            [posting for held in self.recent.values() for posting in held], np.int64
        ).reshape(-1, 3)
        self.recent.clear()
        self.recent_size = 0
        order = np.argsort(keys, kind="stable")
        self.runs.append(
            (
                keys[order],
                rows[order, 0].astype(np.uint32),
                rows[order, 1].astype(np.uint16),
                rows[order, 2].astype(np.uint16),
            )
        )
        self._settle_runs()

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every posting of the given hashes: (which key, document, length,
        count), one row per posting.

        >>> p = Postings()
        >>> p.add(0, np.array([5, 9], np.uint64), np.array([10, 12]), np.array([1, 1]))
        >>> p.add(1, np.array([9], np.uint64), np.array([12]), np.array([2]))
        >>> [a.tolist() for a in p.find(np.array([9, 7], np.uint64))]
        [[0, 0], [0, 1], [12, 12], [1, 2]]
        """
        found: list[tuple[np.ndarray, ...]] = []
        recent = self._recent_found(keys)
        if recent is not None:
            found.append(recent)
        for run_keys, docs, weights, counts in self.runs:
            lo = np.searchsorted(run_keys, keys, side="left")
            hi = np.searchsorted(run_keys, keys, side="right")
            sizes = hi - lo
            if not sizes.any():
                continue
            which = np.repeat(np.arange(len(keys)), sizes)
            at = np.repeat(lo, sizes) + (
                np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            )
            found.append((which, docs[at], weights[at], counts[at]))
        if not found:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty, empty
        parts = list(zip(*found, strict=True))
        which, docs, weights, counts = (np.concatenate(p) for p in parts)
        order = np.lexsort((docs, which))
        return which[order], docs[order], weights[order], counts[order]

    def holders(self, keys: np.ndarray) -> np.ndarray:
        """How many documents are recorded for each hash."""
        out = np.zeros(len(keys), np.int64)
        for run_keys, *_ in self.runs:
            out += np.searchsorted(run_keys, keys, "right") - np.searchsorted(run_keys, keys)
        if self.recent:
            recent = self.recent
            out += np.fromiter(
                (len(recent.get(key, ())) for key in keys.tolist()), np.int64, len(keys)
            )
        return out

    def add(
        self,
        doc: int,
        keys: np.ndarray,
        weights: np.ndarray,
        counts: np.ndarray,
        holders: np.ndarray | None = None,
    ) -> None:
        """Record a document's hashes (those not yet held by `MAX_HOLDERS`;
        `holders` of each, when the caller has counted them already).

        Lengths and counts are stored capped at 65,535 (as
        `across.pair_score` caps them).
        """
        keep = (self.holders(keys) if holders is None else holders) < MAX_HOLDERS
        if not keep.any():
            return
        if len(keys) <= SHORT_DOC:
            weights = np.minimum(np.asarray(weights)[keep], _CAP).tolist()
            counts = np.minimum(np.asarray(counts)[keep], _CAP).tolist()
            recent = self.recent
            for key, weight, count in zip(keys[keep].tolist(), weights, counts, strict=True):
                recent.setdefault(key, []).append((doc, weight, count))
            self.recent_size += len(weights)
            if self.recent_size >= RECENT_POSTINGS:
                self._settle_recent()
            return
        self._settle_recent()  # (the runs hold the documents in order)
        order = np.argsort(keys[keep], kind="stable")
        self.runs.append(
            (
                keys[keep][order],
                np.full(int(keep.sum()), doc, np.uint32),
                np.minimum(np.asarray(weights)[keep][order], _CAP).astype(np.uint16),
                np.minimum(np.asarray(counts)[keep][order], _CAP).astype(np.uint16),
            )
        )
        self._settle_runs()

    def add_many(self, first: int, keys: np.ndarray, weights: Any, counts: Any, sizes: Any) -> None:
        """`add` for documents `first`, `first + 1`, ... at once, with one
        sort: their keys, lengths and counts one after another, `sizes[i]`
        of them document `first + i`'s (a batch loading its index of 1,856
        documents: 0.30 -> 0.19 s, the rest is reading the pairs).

        >>> one, many = Postings(), Postings()
        >>> keys = [np.array([5, 9], np.uint64), np.array([9], np.uint64)]
        >>> for doc, k in enumerate(keys):
        ...     one.add(doc, k, np.ones(len(k)), np.ones(len(k)))
        >>> many.add_many(0, np.array([5, 9, 9], np.uint64), np.ones(3), np.ones(3), [2, 1])
        >>> [a.tolist() for a in many.find(np.array([9, 5], np.uint64))]
        [[0, 0, 1], [0, 1, 0], [1, 1, 1], [1, 1, 1]]
        >>> [a.tolist() for a in one.find(np.array([9, 5], np.uint64))]
        [[0, 0, 1], [0, 1, 0], [1, 1, 1], [1, 1, 1]]
        """
        if not len(keys):
            return
        self._settle_recent()
        run = _bulk(first, keys, weights, counts, sizes, self.holders)
        if len(run[0]):
            self.runs.append(run)
            self._settle_runs()

    def _settle_runs(self) -> None:
        # Merge while the newest run is at least half the one before it:
        # about log2(postings) runs at any time.
        while len(self.runs) >= 2 and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            newer = self.runs.pop()
            self.runs.append(_merge(list(self.runs.pop()), newer))


def _bulk(
    first: int, keys: np.ndarray, weights: Any, counts: Any, sizes: Any, held: Any
) -> tuple[np.ndarray, ...]:
    """One run of many documents' hashes (numbered from `first`, `sizes`
    of them each, each document's keys unique), capped at `MAX_HOLDERS`
    holders a hash counting `held(keys)` already recorded: what adding
    them one by one records."""
    all_keys = np.asarray(keys, np.uint64)
    order = np.argsort(all_keys, kind="stable")  # documents stay in order
    all_keys = all_keys[order]
    docs = np.repeat(np.arange(first, first + len(sizes), dtype=np.uint32), sizes)[order]
    # each row's place among the holders of its hash, in document order
    at = np.arange(len(all_keys))
    head = np.ones(len(all_keys), bool)
    head[1:] = all_keys[1:] != all_keys[:-1]
    rank = at - np.maximum.accumulate(np.where(head, at, 0))
    keep = rank + held(all_keys) < MAX_HOLDERS
    columns = (np.asarray(weights)[order][keep], np.asarray(counts)[order][keep])
    return (
        all_keys[keep],
        docs[keep],
        *(np.minimum(col, _CAP).astype(np.uint16) for col in columns),
    )


def _merge(older: list[np.ndarray | None], newer: tuple[np.ndarray, ...]) -> Any:
    """Two sorted runs as one; a newer posting goes after the older ones of
    its hash (documents stay in order). No sort: each newer row's place is
    found by `searchsorted`. The older run's columns are let go one by one
    as they are merged (`older` is emptied), so that merging the largest
    runs holds one column twice, not the whole run.

    >>> a = [np.array([1, 5], np.uint64), np.array([0, 0]), np.array([1, 1]), np.array([1, 1])]
    >>> b = (np.array([5, 7], np.uint64), np.array([1, 1]), np.array([2, 2]), np.array([2, 2]))
    >>> [m.tolist() for m in _merge(a, b)[:2]]
    [[1, 5, 5, 7], [0, 0, 1, 1]]
    >>> a
    [None, None, None, None]
    """
    assert older[0] is not None
    total = len(older[0]) + len(newer[0])
    at_new = np.searchsorted(older[0], newer[0], side="right") + np.arange(len(newer[0]))
    is_old = np.ones(total, bool)
    is_old[at_new] = False
    merged = []
    for n, new_col in enumerate(newer):
        old_col = older[n]
        assert old_col is not None
        col = np.empty(total, old_col.dtype)
        col[at_new] = new_col
        col[is_old] = old_col
        merged.append(col)
        older[n] = old_col = None  # the last reference: its memory goes now
    return tuple(merged)
