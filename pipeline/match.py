"""Match stage: pairs of units (later, earlier) that say the same thing.

Exact matches come from equal keys (cheap, certain). Near matches come from
MinHash LSH: signatures are cut into bands, units sharing a band bucket are
candidates, and each candidate is verified by the real Indel similarity of
the two keys (and equal numbers) before it counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.fingerprint import signatures, unit_shingles
from pipeline.segment import Keyed, segment  # noqa: F401 (segment: doctests)
from pipeline.settings import Settings

_NUMBER = re.compile(r"\d+")
# Earlier occurrences kept per unit: the first and the nearest ones.
_MAX_TWINS = 8


@dataclass(frozen=True)
class UnitMatch:
    """Unit `later` repeats unit `earlier` with this similarity."""

    later: int
    earlier: int
    similarity: float


def numbers(text: str) -> list[str]:
    """The digit runs of a key, in order: they must agree for a near match.

    >>> numbers("增长6.1%,2022年")
    ['6', '1', '2022']
    """
    return _NUMBER.findall(text)


def similarity(a: str, b: str) -> float:
    """Indel similarity: 1 - (insertions + deletions) / (len(a) + len(b)).

    >>> similarity("海关总署", "海关总署")
    1.0
    >>> round(similarity("abcd", "abed"), 3)
    0.75
    """
    from rapidfuzz.distance import Indel

    return float(Indel.normalized_similarity(a, b))


def first_occurrences(keyed: Keyed) -> list[int]:
    """For each unit, the first unit with the same key (itself if none).

    >>> first_occurrences(segment("甲乙。丙丁。甲乙。甲乙。"))
    [0, 1, 0, 0]
    """
    first: dict[str, int] = {}
    return [first.setdefault(keyed.key_str(s, e), i) for i, (s, e) in enumerate(keyed.units)]


def exact_matches(keyed: Keyed) -> list[UnitMatch]:
    """Every repeated unit paired with earlier units of the same key.

    The first occurrence and the most recent ones: a repeated table cell or
    heading inside a pasted copy must be able to pair with its own copy, so
    the run goes on along its diagonal.

    >>> [(m.later, m.earlier) for m in exact_matches(segment("甲乙。丙丁。甲乙。甲乙。"))]
    [(2, 0), (3, 0), (3, 2)]
    """
    seen: dict[str, list[int]] = {}
    out: list[UnitMatch] = []
    for index, (start, end) in enumerate(keyed.units):
        earlier = seen.setdefault(keyed.key_str(start, end), [])
        out.extend(UnitMatch(index, e, 1.0) for e in _keep_some(earlier))
        earlier.append(index)
    return out


def _keep_some(earlier: list[int]) -> list[int]:
    if len(earlier) <= _MAX_TWINS:
        return earlier
    return earlier[:1] + earlier[1 - _MAX_TWINS :]


@lru_cache(maxsize=64)
def _group_pairs(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (later, earlier) inside a sorted group of `size` members,
    each later member with the earlier ones `_keep_some` keeps."""
    later: list[int] = []
    earlier: list[int] = []
    for i in range(1, size):
        kept = _keep_some(list(range(i)))
        later.extend([i] * len(kept))
        earlier.extend(kept)
    return np.array(later, np.int64), np.array(earlier, np.int64)


def band_pair_array(ids: np.ndarray, sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Candidate pairs as an (n, 2) array of (later, earlier), sorted, unique.

    Each band's rows are reduced to one 64-bit key; the (key, id) pairs of
    all bands are sorted together and the groups of equal keys paired, all
    in numpy: the candidates datasketch's MinHashLSH returns for the same
    bands and rows (checked by the suite).
    """
    if len(ids) < 2:
        return np.zeros((0, 2), np.int64)
    mult = np.uint64(0x100000001B3)
    wide = sigs[:, : bands * rows].astype(np.uint64).reshape(len(ids), bands, rows)
    keys = np.full((len(ids), bands), np.uint64(0xCBF29CE484222325))
    with np.errstate(over="ignore"):
        for col in range(rows):
            keys = (keys ^ wide[:, :, col]) * mult
        # the band number goes into the key: equal rows in two bands differ
        keys = (keys ^ np.arange(bands, dtype=np.uint64)[None, :]) * mult
    flat_keys = keys.T.ravel()
    flat_ids = np.tile(ids.astype(np.int64), bands)
    order = np.lexsort((flat_ids, flat_keys))
    flat_keys, flat_ids = flat_keys[order], flat_ids[order]
    starts = np.flatnonzero(np.concatenate(([True], flat_keys[1:] != flat_keys[:-1])))
    sizes = np.diff(np.append(starts, len(flat_keys)))
    found: list[np.ndarray] = []
    for size in np.unique(sizes[sizes >= 2]).tolist():
        first = starts[sizes == size]
        later, earlier = _group_pairs(size)
        found.append(
            np.stack(
                (
                    flat_ids[first[:, None] + later[None, :]].ravel(),
                    flat_ids[first[:, None] + earlier[None, :]].ravel(),
                ),
                axis=1,
            )
        )
    if not found:
        return np.zeros((0, 2), np.int64)
    return np.unique(np.concatenate(found), axis=0)


def band_pairs(ids: np.ndarray, sigs: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    """Candidate pairs (later, earlier): ids sharing at least one band.

    >>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4]], np.uint32)
    >>> sorted(band_pairs(np.array([0, 1, 2]), sigs, 2, 2))
    [(1, 0), (2, 0)]
    """
    return {(int(a), int(b)) for a, b in band_pair_array(ids, sigs, bands, rows).tolist()}


def near_matches(keyed: Keyed, settings: Settings, first: list[int]) -> list[UnitMatch]:
    """Verified near-duplicate unit pairs found through MinHash LSH.

    Only first occurrences take part: an exact repeat gets its near twins
    through the unit it repeats.
    """
    eligible = [
        i
        for i, (s, e) in enumerate(keyed.units)
        if e - s >= settings.min_unit_chars and first[i] == i
    ]
    if len(eligible) < 2:
        return []
    hashes, owners = unit_shingles(keyed, eligible, settings.shingle_cjk, settings.shingle_latin)
    ids, sigs = signatures(hashes, owners, settings.num_perm, settings.seed)
    row_of = {int(u): r for r, u in enumerate(ids)}
    out: list[UnitMatch] = []
    # Each unit's key and figures, once: a repetitive text pairs a unit with
    # hundreds of others.
    ks = keyed.key_str()
    keys: dict[int, str] = {}
    figures: dict[int, list[str]] = {}

    def key_of(unit: int) -> str:
        if unit not in keys:
            start, end = keyed.units[unit]
            keys[unit] = ks[start:end]
            figures[unit] = numbers(keys[unit])
        return keys[unit]

    found = band_pair_array(ids, sigs, settings.lsh_bands, settings.lsh_rows)
    if not len(found):
        return out
    pairs = [(int(a), int(b)) for a, b in found.tolist()]
    # Equal band keys can collide on unequal rows: compare the rows, all
    # pairs at once.
    rows_l = np.array([row_of[later] for later, _ in pairs])
    rows_e = np.array([row_of[earlier] for _, earlier in pairs])
    span = settings.lsh_bands * settings.lsh_rows
    same = (sigs[rows_l, :span] == sigs[rows_e, :span]).reshape(
        len(pairs), settings.lsh_bands, settings.lsh_rows
    )
    banded = same.all(axis=2).any(axis=1).tolist()
    for (later, earlier), ok in zip(pairs, banded, strict=True):
        if not ok:
            continue
        a, b = key_of(earlier), key_of(later)
        if a == b or figures[earlier] != figures[later]:
            continue
        sim = similarity(a, b)
        if sim >= settings.unit_similarity:
            out.append(UnitMatch(later, earlier, sim))
    return out


def match_units(keyed: Keyed, settings: Settings) -> list[UnitMatch]:
    """All unit matches, exact first, sorted by (later, earlier)."""
    first = first_occurrences(keyed)
    near = near_matches(keyed, settings, first)
    # An exact repeat of a unit also repeats that unit's earlier near twins.
    twins: dict[int, list[UnitMatch]] = {}
    for m in near:
        twins.setdefault(m.later, []).append(m)
    inherited = [
        UnitMatch(i, m.earlier, m.similarity)
        for i, f in enumerate(first)
        if f != i
        for m in twins.get(f, ())
    ]
    merged = exact_matches(keyed) + near + inherited
    return sorted(merged, key=lambda m: (m.later, m.earlier))


# characters a diagonal is followed one by one before numpy takes over
_SHORT = 24


def _agree_on(key: np.ndarray, at: int, d: int) -> int:
    """The first i >= at where key[i] != key[i - d] (or the end): a
    diagonal followed forward in growing numpy steps, not per character."""
    step = 64
    while at < len(key):
        hi = min(len(key), at + step)
        differ = np.flatnonzero(key[at:hi] != key[at - d : hi - d])
        if len(differ):
            return at + int(differ[0])
        at, step = hi, step * 4
    return at


def _agree_back(key: np.ndarray, at: int, d: int) -> int:
    """The smallest i <= at with key[j] == key[j - d] for all i <= j < at,
    never below d."""
    step = 64
    while at > d:
        lo = max(d, at - step)
        differ = np.flatnonzero(key[lo:at] != key[lo - d : at - d])
        if len(differ):
            return lo + int(differ[-1]) + 1
        at, step = lo, step * 4
    return at


def stutters(keyed: Keyed, min_chars: int, width: int = 8) -> list[tuple[int, int, int, int]]:
    """Exact repeats that follow their twin immediately, found per character.

    Units cannot see a span pasted right after itself when it starts and
    ends inside sentences. Here every window of `width` key characters is
    paired with its most recent earlier occurrence; consecutive windows at
    the same distance form an exact repeat, and one as long as that
    distance touches its twin. Returns (b_start, b_end, a_start, a_end).

    >>> k = segment("前言。甲乙丙丁戊己庚辛壬癸子丑甲乙丙丁戊己庚辛壬癸子丑寅卯。")
    >>> stutters(k, 8)
    [(15, 27, 3, 15)]
    """
    from pipeline.fingerprint import window_hashes

    hashes = window_hashes(keyed.key, width)
    n = len(hashes)
    if n < 2:
        return []
    order = np.lexsort((np.arange(n), hashes))
    same = hashes[order[1:]] == hashes[order[:-1]]
    prev = np.full(n, -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    dist = np.where(prev >= 0, np.arange(n) - prev, 0)
    cuts = np.flatnonzero(np.diff(dist) != 0) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    # only runs at a distance worth a look, at least two windows long
    worth = (dist[starts] >= min_chars) & (ends - starts >= 2)
    starts, ends = starts[worth], ends[worth]
    ks = keyed.key_str() if len(starts) else ""
    out: list[tuple[int, int, int, int]] = []
    # How far the repeats found so far at each distance reach: windows come
    # in text order, so one already followed along its diagonal is skipped.
    covered: dict[int, int] = {}
    for i0, i1, d in zip(starts.tolist(), ends.tolist(), dist[starts].tolist(), strict=True):
        if covered.get(d, -1) > i0:
            continue
        # A phrase recurring inside the span breaks the windows' agreement
        # on the distance; follow the diagonal itself as far as it goes.
        # most diagonals end within a few characters: follow those in
        # Python, hand the long ones to numpy
        b_start, b_end = i0, i1 - 1 + width
        stop = max(d, b_start - _SHORT)
        while b_start > stop and ks[b_start - 1] == ks[b_start - 1 - d]:
            b_start -= 1
        if b_start == stop > d:
            b_start = _agree_back(keyed.key, b_start, d)
        stop = min(len(ks), b_end + _SHORT)
        while b_end < stop and ks[b_end] == ks[b_end - d]:
            b_end += 1
        if b_end == stop < len(ks):
            b_end = _agree_on(keyed.key, b_end, d)
        covered[d] = max(covered.get(d, -1), b_end)
        if b_end - b_start < d:
            continue
        # Text pasted more than once in a row: one run per copy, each with
        # the first copy as its twin.
        twin = (b_start - d, b_start)
        for m in range((b_end - b_start) // d):
            start = b_start + m * d
            if ks[start : start + d] == ks[twin[0] : twin[1]]:
                out.append((start, start + d, *twin))
    return out
