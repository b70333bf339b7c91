"""Screening a corpus in bulk: which documents need the precise stages.

The precise stages (segment, fingerprint, match, resolve, and the
cross-document comparison) cost a few milliseconds per document, most of
it set-up; in a corpus of short records nearly every record has nothing to
find. This stage looks at all the documents at once, in a few array
operations over their keys (`copies.keys`: letters and digits), and says:

- **inside**: the documents in which `INSIDE_GRAMS` grams of `GRAM` key
  characters occur again. Anything the policy removes inside a document is
  a stretch of at least `min_paste_chars` said again, exactly or with a
  typo or two, so it holds that many; a document with fewer has nothing
  to remove.
- **pairs**: the (later, earlier) documents that share at least
  `SHARED_GRAMS` positions of `LONG_GRAM` characters. A stretch another
  document repeats is removed (or reported) only from `min_run_chars` key
  characters with few typos, so it shares that many positions with its
  twin; two documents on one subject share words and phrases (a dozen
  letters: "securityconsiderations"), rarely 32 letters on end.
  `LONG_GRAM`-grams held by more than `BOILERPLATE_DOCS` documents are
  the corpus's boilerplate (a licence, a header): counted once per
  document (`boilerplate`), never paired, so their cost stays linear.

A document in neither goes straight to the output (its repairs only).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.arrays import unique, unique_counts

GRAM = 12
LONG_GRAM = 32
# a document with fewer grams said again inside it holds nothing the policy
# removes: its shortest removal, an exact paste of min_paste_chars (40,
# of which punctuation, which the key drops, is rarely 40%), leaves
# 24 - 12 + 1 = 13 of them; a whole copy with a few typos, more
INSIDE_GRAMS = 12
# a pair of documents sharing fewer positions than this holds no stretch
# the policy would act on (min_run_chars, with typos and punctuation,
# which the key drops, allowed for: 150 key characters and three typos
# leave 150 - 4 * 32 + 1 = 23)
SHARED_GRAMS = 20
# a gram in more documents than this is boilerplate, not a sign of a copy
BOILERPLATE_DOCS = 8


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
        and settings.min_paste_chars >= 40
        and settings.min_whole_copy_chars >= 3 * GRAM
        and settings.min_run_chars >= 200
    )


@dataclass
class Screened:
    """What the screen found: documents with a repeat inside, candidate
    pairs (later, earlier) of documents, and each document's count of
    boilerplate grams (shared with more than BOILERPLATE_DOCS others)."""

    inside: set[int]
    pairs: list[tuple[int, int]]
    boilerplate: list[int]
    # the boilerplate's blocks: (document, start, end, label) in key
    # characters; blocks of one label are one boilerplate in many documents
    blocks: list[tuple[int, int, int, int]] = field(default_factory=list)

    def needs_precise(self) -> set[int]:
        """Documents the precise stages must see."""
        out = set(self.inside)
        for later, earlier in self.pairs:
            out.add(later)
            out.add(earlier)
        return out


def _grams(key_texts: list[str]) -> tuple[Any, Any, Any, Any]:
    """(document, GRAM-gram hash, LONG_GRAM-gram hash or 0, place in the
    joined keys) at every
    position of every key where a GRAM-gram fits (a long gram's hash is
    0 where it does not fit; two grams' hashes that agree are compared
    only as candidates, never taken for equal text)."""
    import numpy as np

    joined = "\x00".join(key_texts)
    points = np.frombuffer(joined.encode("utf-32-le"), np.uint32).astype(np.uint64)
    n = len(points) - GRAM + 1
    if n <= 0:
        empty = np.zeros(0, np.uint64)
        return np.zeros(0, np.int64), empty, empty, np.zeros(0, np.int64)
    hashes = np.zeros(n, np.uint64)
    for j in range(GRAM):
        hashes *= np.uint64(0x100000001B3)
        hashes ^= points[j : j + n]
    breaks = np.concatenate(([0], np.cumsum(points == 0)))
    # a long gram: three short ones, overlapping, mixed (they span 32)
    step = (LONG_GRAM - GRAM) // 2
    m = max(n - 2 * step, 0)
    long = np.zeros(n, np.uint64)
    long[:m] = (
        hashes[:m] * np.uint64(0x9E3779B97F4A7C15)
        ^ hashes[step : step + m] * np.uint64(0xBF58476D1CE4E5B9)
        ^ hashes[2 * step : 2 * step + m]
    )
    fits = np.zeros(n, bool)
    fits[:m] = (breaks[LONG_GRAM : LONG_GRAM + m] - breaks[:m]) == 0
    long[~fits] = 0
    whole = np.flatnonzero((breaks[GRAM : GRAM + n] - breaks[:n]) == 0)
    return breaks[whole].astype(np.int64), hashes[whole], long[whole], whole


# key characters looked at in one pass over a chunk of documents: what the
# screen holds per position (a dozen 8-byte columns and their sorts) is
# held for one chunk at a time; across chunks only one 8-byte entry per
# position (a gram once per document) is kept
CHUNK_CHARS = 4_000_000


def _chunks(key_texts: list[str], chunk_chars: int) -> list[tuple[int, int]]:
    """Consecutive document ranges of about `chunk_chars` key characters.

    >>> _chunks(["ab", "cd", "efgh", "i"], 6)
    [(0, 2), (2, 3), (3, 4)]
    """
    out: list[tuple[int, int]] = []
    lo, size = 0, 0
    for n, key in enumerate(key_texts):
        if n > lo and size + len(key) + 1 > chunk_chars:
            out.append((lo, n))
            lo, size = n, 0
        size += len(key) + 1
    if lo < len(key_texts):
        out.append((lo, len(key_texts)))
    return out


def screen(key_texts: list[str], chunk_chars: int = CHUNK_CHARS) -> Screened:
    """Screen documents given by their keys, in corpus order, a chunk of
    about `chunk_chars` key characters at a time (the result does not
    depend on it).

    >>> a = "theregionalcouncilreviewedtheplans"
    >>> s = screen([a + a, "somethingelseentirely", a])
    >>> sorted(s.inside), s.pairs
    ([0], [])
    >>> long = "".join(f"clause{i}of{i * 7}" for i in range(12))
    >>> screen(["intro" + long, "other" + long + "end"]).pairs
    [(1, 0)]
    """
    import numpy as np

    count = len(key_texts)
    doc_bits = max(1, (count - 1).bit_length())
    low = np.uint64((1 << doc_bits) - 1)
    chunks = _chunks(key_texts, chunk_chars)

    def grams(lo: int, hi: int) -> tuple[Any, Any, Any, Any]:
        """A chunk's (document, gram, long gram, offset in its document),
        long grams only where they fit; documents numbered in the corpus."""
        docs, hashes, longs, places = _grams(key_texts[lo:hi])
        starts = np.concatenate(([0], np.cumsum([len(k) + 1 for k in key_texts[lo:hi]])))
        offsets = places - starts[docs]
        return docs + lo, hashes, longs, offsets

    def long_grams(lo: int, hi: int, found: tuple[Any, Any, Any, Any]) -> tuple[Any, Any, Any]:
        """A chunk's (document, long gram, offset) where a long gram fits."""
        docs, _, longs, offsets = found
        keep = longs != 0
        return docs[keep], longs[keep] & ~low, offsets[keep]

    # pass 1: repeats inside; each long gram once per document
    inside: set[int] = set()
    held = _Partitions()
    last: tuple[Any, Any, Any] | None = None
    for lo, hi in chunks:
        found = grams(lo, hi)
        docs, hashes = found[0], found[1]
        if not len(hashes):
            continue
        inside |= _repeated_inside(hashes, docs, doc_bits, low)
        longed = long_grams(lo, hi, found)
        del found, docs, hashes
        held.add(unique(longed[1] | longed[0].astype(np.uint64)))
        # (the last chunk's long grams are kept for pass 2, which begins
        # with it: a corpus of one chunk is hashed once, not twice)
        last = longed if hi == count else None
    if not held:
        return Screened(inside, [], [0] * count)
    common = np.concatenate([_common(part, low) for part in held.each_sorted()])
    # pass 2: what lies near boilerplate, the blocks, the entries that
    # pair; the chunks from the last (what it adds up does not depend on
    # their order, and the blocks are sorted)
    boilerplate = np.zeros(count, np.int64)
    blocks: list[tuple[int, int, int, int]] = []
    entries = _Partitions()
    for lo, hi in reversed(chunks):
        if last is not None and hi == count:
            (docs, longs, offsets), last = last, None
        else:
            docs, longs, offsets = long_grams(lo, hi, grams(lo, hi))
        near, is_common = _near(longs, docs, common)
        boilerplate += np.bincount(docs[near], minlength=count)
        blocks += _blocks(docs, offsets, longs, near, is_common)
        entries.add(unique(longs[~near] | docs[~near].astype(np.uint64)))
    pairs = _pairs(entries.each_sorted(), count, low)
    return Screened(inside, pairs, boilerplate.tolist(), sorted(blocks))


def _blocks(
    docs: Any, offsets: Any, grams: Any, near: Any, common: Any
) -> list[tuple[int, int, int, int]]:
    """The boilerplate's blocks: runs of consecutive boilerplate positions
    in a document, each labelled by the least of the common grams it holds
    (a licence whose year differs still holds the same common grams)."""
    import numpy as np

    at = np.flatnonzero(near)
    if not len(at):
        return []
    d, o = docs[at], offsets[at]
    cut = np.concatenate(([True], (d[1:] != d[:-1]) | (o[1:] - o[:-1] > 1)))
    firsts = np.flatnonzero(cut)
    top = np.uint64(np.iinfo(np.uint64).max)
    held = common[at]
    labels = np.minimum.reduceat(np.where(held, grams[at], top), firsts)
    # the block: from its first common gram to the end of its last
    begins = np.minimum.reduceat(np.where(held, o, np.iinfo(np.int64).max), firsts)
    ends = np.maximum.reduceat(np.where(held, o, -1), firsts) + LONG_GRAM
    return [
        (int(d[f]), begin, end, int(label))
        for f, begin, end, label in zip(
            firsts.tolist(), begins.tolist(), ends.tolist(), labels.tolist(), strict=True
        )
        if label != int(top)
    ]


def repeated_inside(key_texts: list[str]) -> set[int]:
    """The documents (by their keys) that hold a repeat inside: the first
    half of `screen`, for documents that are to be paired with no other.

    >>> a = "theregionalcouncilreviewedtheplans"
    >>> sorted(repeated_inside([a, a + a]))
    [1]
    """
    import numpy as np

    found: set[int] = set()
    for lo, hi in _chunks(key_texts, CHUNK_CHARS):  # (memory follows a chunk)
        docs, hashes, _, _ = _grams(key_texts[lo:hi])
        if len(hashes):
            doc_bits = max(1, (hi - lo - 1).bit_length())
            low = np.uint64((1 << doc_bits) - 1)
            found |= {lo + d for d in _repeated_inside(hashes, docs, doc_bits, low)}
    return found


def _repeated_inside(hashes: Any, docs: Any, doc_bits: int, low: Any) -> set[int]:
    """The documents holding at least INSIDE_GRAMS grams said again: one
    sort of one key, the gram's hash above, its document below (hashes
    that agree in the bits kept only add a candidate)."""
    import numpy as np

    packed = np.sort((hashes & ~low) | docs.astype(np.uint64))
    grams, owners = packed >> np.uint64(doc_bits), packed & low
    again = (grams[1:] == grams[:-1]) & (owners[1:] == owners[:-1])
    counts = np.bincount(owners[1:][again].astype(np.int64))
    return set(np.flatnonzero(counts >= INSIDE_GRAMS).tolist())


# the entries are kept in parts by their top bits (a gram's, so a gram's
# holders are in one part) and sorted one part at a time: while a part is
# sorted, the entries are held once and that part twice
PARTITION_BITS = 4


class _Partitions:
    """Sorted arrays of entries, each split by its top PARTITION_BITS bits
    as it is added."""

    def __init__(self) -> None:
        self.parts: list[list[Any]] = [[] for _ in range(1 << PARTITION_BITS)]

    def __bool__(self) -> bool:
        return any(self.parts)

    def add(self, entries: Any) -> None:
        """Add a sorted array (its pieces are copied: the array is let go)."""
        import numpy as np

        shift = np.uint64(64 - PARTITION_BITS)
        bounds = np.arange(1, len(self.parts), dtype=np.uint64) << shift
        pieces = np.split(entries, np.searchsorted(entries, bounds))
        for part, piece in zip(self.parts, pieces, strict=True):
            if len(piece):
                part.append(piece.copy())

    def each_sorted(self) -> Iterator[Any]:
        """Each part as one sorted array, in order (the entries of all the
        parts, one after another, are sorted); each is let go once given."""
        while self.parts:
            yield _sorted_all(self.parts.pop(0))


def _sorted_all(parts: list[Any]) -> Any:
    """The parts as one sorted array; the list is emptied (each part is let
    go once copied, the sort is in place: the entries are held twice at
    most, never three times)."""
    import numpy as np

    out = np.empty(sum(len(p) for p in parts), np.uint64)
    at = 0
    while parts:
        part = parts.pop(0)
        out[at : at + len(part)] = part
        at += len(part)
    out.sort()
    return out


def _common(entries: Any, low: Any, slice_size: int | None = None) -> Any:
    """The long grams held by more than BOILERPLATE_DOCS documents, sorted;
    `entries`: each gram once per document (gram above, document below),
    sorted. A slice of `slice_size` entries at a time.

    >>> import numpy as np
    >>> low = np.uint64(15)  # four bits of document
    >>> held = np.array([16] * 9 + [32] * 8, np.uint64) | np.uint64(1)
    >>> _common(held + np.arange(17, dtype=np.uint64) % 9, low).tolist()
    [16]
    """
    import numpy as np

    found = [np.zeros(0, np.uint64)]
    for lo, hi in _slices(entries, low, slice_size or PAIR_SLICE):
        held = entries[lo:hi] & ~low
        starts = np.flatnonzero(np.concatenate(([True], held[1:] != held[:-1])))
        sizes = np.diff(np.concatenate((starts, [len(held)])))
        found.append(held[starts[sizes > BOILERPLATE_DOCS]])
    return np.concatenate(found)


def _near(grams: Any, docs: Any, common: Any) -> tuple[Any, Any]:
    """Which positions are boilerplate: at a common gram or within
    LONG_GRAM of one in the same document (a licence whose year differs
    from one document to the next is shared by fewer documents at the
    year, but it is still the licence); and which are at a common gram."""
    import numpy as np

    near = np.zeros(len(grams), bool)
    is_common = np.zeros(len(grams), bool)
    if len(common) and len(grams):
        is_common = _members(grams, common)
        hit = np.concatenate(([0], np.cumsum(is_common)))
        # the window stays inside the position's document (`docs` sorted;
        # each position's document's first and end, by runs: two binary
        # searches per position cost 0.15 s on 3 M positions)
        cuts = np.flatnonzero(docs[1:] != docs[:-1]) + 1
        firsts = np.concatenate(([0], cuts))
        sizes = np.diff(np.concatenate((firsts, [len(docs)])))
        first = np.repeat(firsts, sizes)
        end = first + np.repeat(sizes, sizes)
        lo = np.maximum(np.arange(len(grams)) - LONG_GRAM, first)
        hi = np.minimum(np.arange(len(grams)) + LONG_GRAM + 1, end)
        near = (hit[hi] - hit[lo]) > 0
    return near, is_common


def _members(values: Any, sorted_set: Any) -> Any:
    """Which of `values` (hashes: their top bits are uniform) are in
    `sorted_set`: a table of the set's top bits rules out nearly all, and
    only the rest are looked up (a binary search for every position cost
    0.1 s on 3 M positions).

    >>> import numpy as np
    >>> big = np.uint64(1 << 63)
    >>> _members(np.array([5, big + 5, 9], np.uint64), np.array([5, big], np.uint64)).tolist()
    [True, False, False]
    """
    import numpy as np

    bits = max(12, min(26, (8 * len(sorted_set)).bit_length()))
    shift = np.uint64(64 - bits)
    table = np.zeros(1 << bits, bool)
    table[(sorted_set >> shift).astype(np.intp)] = True
    maybe = np.flatnonzero(table[(values >> shift).astype(np.intp)])
    found = np.zeros(len(values), bool)
    if len(maybe) and len(sorted_set):
        candidates = values[maybe]
        at = np.minimum(np.searchsorted(sorted_set, candidates), len(sorted_set) - 1)
        found[maybe] = sorted_set[at] == candidates
    return found


# entries paired in one slice: the arrays `_pair_keys` builds per entry
# are held for one slice at a time, never for the whole corpus
PAIR_SLICE = 4_000_000


def _slices(entries: Any, low: Any, size: int) -> list[tuple[int, int]]:
    """Consecutive ranges of about `size` sorted entries, each cut where a
    gram's group begins (a gram's holders are never split).

    >>> import numpy as np
    >>> low = np.uint64(3)  # two bits of document
    >>> grams = np.array([4, 4, 4, 8, 8, 12], np.uint64)
    >>> _slices(grams | np.array([0, 1, 2, 0, 3, 1], np.uint64), low, 2)
    [(0, 3), (3, 5), (5, 6)]
    """
    import numpy as np

    cuts = [0]
    for at in range(size, len(entries), size):
        gram = entries[at] & ~low
        cut = int(np.searchsorted(entries, gram, "left"))
        if cut <= cuts[-1]:  # a group longer than a slice: cut after it
            cut = int(np.searchsorted(entries, gram | low, "right"))
        if cuts[-1] < cut < len(entries):
            cuts.append(cut)
    return list(zip(cuts, cuts[1:] + [len(entries)], strict=True))


def _pairs(
    parts: Iterable[Any], count: int, low: Any, slice_size: int | None = None
) -> list[tuple[int, int]]:
    """Pairs of documents sharing SHARED_GRAMS long grams, from the entries
    (each gram outside boilerplate once per document, sorted; in `parts`,
    sorted arrays that never split a gram's holders): grams held by
    2..BOILERPLATE_DOCS documents pair their holders. A slice of
    `slice_size` entries at a time (the result does not depend on it)."""
    import numpy as np

    found, tallies = [], []
    for entries in parts:
        for lo, hi in _slices(entries, low, slice_size or PAIR_SLICE):
            keys, counts = unique_counts(_pair_keys(entries[lo:hi], count, low))
            found.append(keys)
            tallies.append(counts)
    if not found:
        return []
    keys, counts = np.concatenate(found), np.concatenate(tallies)
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    if not len(keys):
        return []
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    chosen = keys[starts][np.add.reduceat(counts, starts) >= SHARED_GRAMS]
    return list(zip((chosen // count).tolist(), (chosen % count).tolist(), strict=True))


def _pair_keys(entries: Any, count: int, low: Any) -> Any:
    """For each gram of `entries` (sorted, whole groups) held by
    2..BOILERPLATE_DOCS documents, a key later * count + earlier for each
    pair of its holders."""
    import numpy as np

    if not len(entries):
        return np.zeros(0, np.int64)
    held, owners = entries & ~low, (entries & low).astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], held[1:] != held[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(held)])))
    size_of = np.repeat(sizes, sizes)
    shared = (size_of > 1) & (size_of <= BOILERPLATE_DOCS)
    group = np.repeat(np.arange(len(starts)), sizes)[shared]
    owners = owners[shared]
    keys = [np.zeros(0, np.int64)]
    for gap in range(1, min(int(sizes.max()), BOILERPLATE_DOCS)):
        same = group[gap:] == group[:-gap]
        # sorted by document inside a group: the later one is to the right
        keys.append(owners[gap:][same] * count + owners[:-gap][same])
    return np.concatenate(keys)
