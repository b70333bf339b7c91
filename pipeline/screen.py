"""Screening a corpus in bulk: which documents need the precise stages.

The precise stages (segment, fingerprint, match, resolve, and the
cross-document comparison) cost a few milliseconds per document, most of
it set-up; in a corpus of short records nearly every record has nothing to
find. This stage looks at all the documents at once, in a few array
operations over their keys (`copies.keys`: letters and digits), and says:

- **inside**: the documents in which some `GRAM` key characters occur
  twice. Anything the policy removes inside a document is a stretch of at
  least `min_paste_chars` said again with at most a typo or two, so it
  holds such a repeat; a document without one has nothing to remove.
- **pairs**: the (later, earlier) documents that share at least
  `SHARED_GRAMS` positions of `GRAM` characters. A stretch another
  document repeats is removed (or reported) only from `min_run_chars` key
  characters, with few typos: it shares about that many positions with
  its twin. `GRAM`-grams held by more than `BOILERPLATE_DOCS` documents are
  the corpus's boilerplate (a licence, a header): counted once per
  document (`boilerplate`), never paired, so their cost stays linear.

A document in neither goes straight to the output (its repairs only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GRAM = 12
# a pair of documents sharing fewer positions than this holds no stretch
# the policy would act on (min_run_chars, with typos and punctuation,
# which the key drops, allowed for)
SHARED_GRAMS = 40
# a gram in more documents than this is boilerplate, not a sign of a copy
BOILERPLATE_DOCS = 16


def applies(settings: Any) -> bool:
    """Whether the screen's bounds hold under these settings: the shortest
    removal (`min_paste_chars`, whole copies) holds a repeated GRAM-gram,
    a stretch across documents (`min_run_chars`) SHARED_GRAMS shared
    positions; and no reviewer's accept list (an accepted finding may be
    shorter than any removal).

    >>> from pipeline.settings import Settings
    >>> applies(Settings()), applies(Settings(min_run_chars=100))
    (True, False)
    """
    return (
        not settings.accept
        and settings.min_paste_chars >= 3 * GRAM
        and settings.min_whole_copy_chars >= 3 * GRAM
        and settings.min_run_chars >= 5 * SHARED_GRAMS
    )


@dataclass
class Screened:
    """What the screen found: documents with a repeat inside, candidate
    pairs (later, earlier) of documents, and each document's count of
    boilerplate grams (shared with more than BOILERPLATE_DOCS others)."""

    inside: set[int]
    pairs: list[tuple[int, int]]
    boilerplate: list[int]

    def needs_precise(self) -> set[int]:
        """Documents the precise stages must see."""
        out = set(self.inside)
        for later, earlier in self.pairs:
            out.add(later)
            out.add(earlier)
        return out


def _grams(key_texts: list[str]) -> tuple[Any, Any]:
    """(document, hash) of every GRAM-gram of every key."""
    import numpy as np

    joined = "\x00".join(key_texts)
    points = np.frombuffer(joined.encode("utf-32-le"), np.uint32).astype(np.uint64)
    n = len(points) - GRAM + 1
    if n <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    hashes = np.zeros(n, np.uint64)
    for j in range(GRAM):
        hashes *= np.uint64(0x100000001B3)
        hashes ^= points[j : j + n]
    breaks = np.concatenate(([0], np.cumsum(points == 0)))
    whole = np.flatnonzero((breaks[GRAM : GRAM + n] - breaks[:n]) == 0)
    return breaks[whole].astype(np.int64), hashes[whole]


def screen(key_texts: list[str]) -> Screened:
    """Screen documents given by their keys, in corpus order.

    >>> a = "theregionalcouncilreviewedtheplans"
    >>> s = screen([a + a, "somethingelseentirely", a])
    >>> sorted(s.inside), s.pairs
    ([0], [])
    >>> long = "".join(f"clause{i}of{i * 7}" for i in range(12))
    >>> screen(["intro" + long, "other" + long + "end"]).pairs
    [(1, 0)]
    """
    import numpy as np

    docs, hashes = _grams(key_texts)
    count = len(key_texts)
    if not len(hashes):
        return Screened(set(), [], [0] * count)
    # one sort of one key: the gram's hash above, its document below (two
    # grams whose hashes agree in the bits kept only add a candidate)
    doc_bits = max(1, (count - 1).bit_length())
    low = np.uint64((1 << doc_bits) - 1)
    packed = np.sort((hashes & ~low) | docs.astype(np.uint64))
    hashes, docs = packed >> np.uint64(doc_bits), (packed & low).astype(np.int64)
    fresh = np.concatenate(([True], hashes[1:] != hashes[:-1]))
    # inside: the same gram twice in one document
    again = ~fresh & np.concatenate(([False], docs[1:] == docs[:-1]))
    inside = set(np.unique(docs[again]).tolist())
    # one entry per (gram, document)
    first = fresh | np.concatenate(([True], docs[1:] != docs[:-1]))
    hashes, docs = hashes[first], docs[first]
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(hashes)])))
    size_of = np.repeat(sizes, sizes)
    common = size_of > BOILERPLATE_DOCS
    boilerplate = np.bincount(docs[common], minlength=count).tolist()
    shared = (size_of > 1) & ~common
    group = np.repeat(np.arange(len(starts)), sizes)[shared]
    docs = docs[shared]
    keys = []
    for gap in range(1, min(int(sizes.max()), BOILERPLATE_DOCS)):
        same = group[gap:] == group[:-gap]
        # sorted by document inside a group: the later one is to the right
        keys.append(docs[gap:][same] * count + docs[:-gap][same])
    if not keys:
        return Screened(inside, [], boilerplate)
    pair_keys, counts = np.unique(np.concatenate(keys), return_counts=True)
    chosen = pair_keys[counts >= SHARED_GRAMS]
    pairs = list(zip((chosen // count).tolist(), (chosen % count).tolist(), strict=True))
    return Screened(inside, pairs, boilerplate)
