"""Postings: which earlier documents hold each unit-pair hash.

The candidate look-up of every batch. Kept as sorted numpy runs (hash,
document, length, count: 24 bytes a posting, where a dict of lists costs
about 150), merged as they grow so that there are few runs to search: a
look-up is a `searchsorted` per run over all of a document's hashes at once.

A hash held by more than `MAX_HOLDERS` documents is boilerplate (a site's
footer, a ministry's standard paragraph): only its first `MAX_HOLDERS`
holders are recorded, so a later document repeating it is compared with
those, not with every page that carries it. Without that cap the
comparisons grow with the square of the corpus.
"""

from __future__ import annotations

import numpy as np

MAX_HOLDERS = 16


class Postings:
    """Sorted runs of (hash, document, length, count)."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(run[0]) for run in self.runs)

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
        return out

    def add(self, doc: int, keys: np.ndarray, weights: np.ndarray, counts: np.ndarray) -> None:
        """Record a document's hashes (those not yet held by `MAX_HOLDERS`)."""
        keep = self.holders(keys) < MAX_HOLDERS
        if not keep.any():
            return
        order = np.argsort(keys[keep], kind="stable")
        self.runs.append(
            (
                keys[keep][order],
                np.full(int(keep.sum()), doc, np.int64),
                np.asarray(weights, np.int64)[keep][order],
                np.asarray(counts, np.int64)[keep][order],
            )
        )
        # Merge while the newest run is at least half the one before it:
        # about log2(postings) runs at any time.
        while len(self.runs) >= 2 and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            newer = self.runs.pop()
            older = self.runs.pop()
            merged = [np.concatenate((a, b)) for a, b in zip(older, newer, strict=True)]
            # stable: equal hashes keep their documents in order
            order = np.argsort(merged[0], kind="stable")
            self.runs.append(tuple(m[order] for m in merged))  # type: ignore[arg-type]
