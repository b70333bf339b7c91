"""Match stage: pairs of units (later, earlier) that say the same thing.

Exact matches come from equal keys (cheap, certain). Near matches come from
MinHash LSH: signatures are cut into bands, units sharing a band bucket are
candidates, and each candidate is verified by the real Indel similarity of
the two keys (and equal numbers) before it counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from pipeline.arrays import unique
from pipeline.fingerprint import signatures, unit_shingles
from pipeline.segment import Keyed, segment  # noqa: F401 (segment: doctests)
from pipeline.settings import Settings

# Digit runs, and figures in Chinese numerals: a run of two or more numeral
# characters (百分之二十, 五百元), or one after 第 or before a counter (第三条,
# 三年). A lone 一 inside a word (统一, 一些) is not a figure.
_ZH_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_NUMBER = re.compile(
    rf"\d+|[{_ZH_NUMERAL}]{{2,}}|(?<=第)[{_ZH_NUMERAL}]|[{_ZH_NUMERAL}](?=[条款项章节元倍年月日个次人])"
)
# Earlier occurrences kept per unit: the first and the nearest ones.
_MAX_TWINS = 8
# Candidate pairs (or bucket members) handled at once.
_PAIR_BLOCK = 1 << 16


@dataclass(frozen=True)
class UnitMatch:
    """Unit `later` repeats unit `earlier` with this similarity."""

    later: int
    earlier: int
    similarity: float


def numbers(text: str) -> list[str]:
    """The figures of a key, in order: they must agree for a near match.

    >>> numbers("增长6.1%,2022年")
    ['6', '1', '2022']
    >>> numbers("第三十一条处百分之二十的罚款,统一管理")
    ['三十一', '二十']
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


def _bucket_pairs(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (later, earlier) inside buckets: `group` gives each
    member of a sorted array the start of its bucket. Each later member is
    paired with the earlier ones `_keep_some` keeps: all of them up to
    _MAX_TWINS, then the first and the _MAX_TWINS - 1 nearest. All buckets
    at once, so a bucket of thousands costs no more than thousands of
    small ones.

    >>> later, earlier = _bucket_pairs(np.array([0, 0, 0, 0, 4, 4]))
    >>> [(int(a), int(b)) for a, b in zip(later, earlier)]
    [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (5, 4)]
    >>> later, earlier = _bucket_pairs(np.zeros(10, np.int64))
    >>> [int(e) for e in earlier[later == 9]]
    [0, 2, 3, 4, 5, 6, 7, 8]
    """
    member = np.arange(len(group), dtype=np.int64)
    index = member - group  # place inside its bucket
    counts = np.minimum(index, _MAX_TWINS)
    later = np.repeat(member, counts)
    # the k-th kept one of place i: k while i <= _MAX_TWINS; else the
    # first (k = 0) and then i - _MAX_TWINS + k
    k = np.arange(len(later), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    at = np.repeat(index, counts)
    earlier = np.where((at > _MAX_TWINS) & (k > 0), at - _MAX_TWINS + k, k)
    return later, np.repeat(group, counts) + earlier


def band_pair_array(
    ids: np.ndarray, sigs: np.ndarray, bands: int, rows: int, labels: np.ndarray | None = None
) -> np.ndarray:
    """Candidate pairs as an (n, 2) array of (later, earlier), sorted, unique.

    Each band's rows are reduced to one 64-bit key; the (key, id) pairs of
    all bands are sorted together and the groups of equal keys paired, all
    in numpy: the candidates datasketch's MinHashLSH returns for the same
    bands and rows (checked by the suite). Given `labels` (one an id), only
    the pairs of equal labels are kept, dropped bucket by bucket as they are
    made: a text of thousands of alike units holds no more than these.
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
    flat_labels = None if labels is None else np.tile(labels, bands)[order]
    head = np.concatenate(([True], flat_keys[1:] != flat_keys[:-1]))
    group = np.maximum.accumulate(np.where(head, np.arange(len(head)), 0))
    # in blocks of whole buckets, so that only the pairs kept pile up
    heads = np.flatnonzero(head)
    cuts = unique(heads[np.searchsorted(heads, np.arange(0, len(head), _PAIR_BLOCK))])
    found: list[np.ndarray] = []
    for lo, hi in zip(cuts.tolist(), [*cuts[1:].tolist(), len(head)], strict=True):
        later, earlier = _bucket_pairs(group[lo:hi] - lo)
        later += lo
        earlier += lo
        if flat_labels is not None:
            same = flat_labels[later] == flat_labels[earlier]
            later, earlier = later[same], earlier[same]
        if len(later):
            found.append(np.stack((flat_ids[later], flat_ids[earlier]), axis=1))
    if not found:
        return np.zeros((0, 2), np.int64)
    pairs = np.concatenate(found)
    if int(pairs.max()) >= 1 << 31:
        return np.unique(pairs, axis=0)
    # one int64 a pair sorts and dedupes in the same (later, earlier) order
    packed = unique((pairs[:, 0] << 32) | pairs[:, 1])
    return np.stack((packed >> 32, packed & 0xFFFFFFFF), axis=1)


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

    # A near match needs the same figures: candidates whose figures differ
    # (a log's lines, a table's rows) are dropped as they are made (those
    # whose figures only hash alike are compared below).
    for unit in ids.tolist():
        key_of(unit)
    fig_hash = np.array([hash(tuple(figures[u])) for u in ids.tolist()], np.int64)
    found = band_pair_array(ids, sigs, settings.lsh_bands, settings.lsh_rows, fig_hash)
    if not len(found):
        return out
    unit_row = np.full(len(keyed.units), -1, np.int64)
    unit_row[ids] = np.arange(len(ids))
    rows_l, rows_e = unit_row[found[:, 0]], unit_row[found[:, 1]]
    # Equal band keys can collide on unequal rows: compare the rows, many
    # pairs at once (in blocks, so memory stays bounded).
    span = settings.lsh_bands * settings.lsh_rows
    banded = np.zeros(len(found), bool)
    for lo in range(0, len(found), _PAIR_BLOCK):
        hi = lo + _PAIR_BLOCK
        same = (sigs[rows_l[lo:hi], :span] == sigs[rows_e[lo:hi], :span]).reshape(
            -1, settings.lsh_bands, settings.lsh_rows
        )
        banded[lo:hi] = same.all(axis=2).any(axis=1)
    for later, earlier in found[banded].tolist():
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


# characters each way that every diagonal is followed at once (vectorized)
# before _agree_on / _agree_back take the few that go on
_SHORT = 24
# diagonals per block of that vectorized step (about 6 MB of positions)
_ROWS = 1 << 15


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


def _stable_order(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.argsort(values, kind="stable") and values in that order. For
    values in [0, 2**32), one uint64 sort of (value, index) pairs: several
    times faster than numpy's stable argsort, and the same order."""
    n = len(values)
    fits = (
        values.dtype == np.uint32 or not n or 0 <= int(values.min()) <= int(values.max()) < 1 << 32
    )
    if n >= 1 << 32 or not fits:
        order = np.argsort(values, kind="stable")
        return order, values[order]
    packed = (values.astype(np.uint64) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    packed.sort()
    halves = packed.view(np.uint32).reshape(n, 2)
    low, high = (0, 1) if np.little_endian else (1, 0)
    return halves[:, low].astype(np.intp), halves[:, high]


def _distances(hashes: np.ndarray) -> np.ndarray:
    """For each window, how far back the most recent earlier window with
    the same hash is (0 if none)."""
    order, ordered = _stable_order(hashes)
    gap = np.zeros(len(hashes), np.int64)
    np.subtract(order[1:], order[:-1], out=gap[1:], where=ordered[1:] == ordered[:-1])
    dist = np.empty(len(hashes), np.int64)
    dist[order] = gap
    return dist


def _agreeing(
    key: np.ndarray, first: np.ndarray, d: np.ndarray, lim: np.ndarray, ahead: bool
) -> np.ndarray:
    """For many diagonals at once: how many characters in a row, from
    key[first] on (ahead) or from key[first - 1] back, equal the one d
    before them, counting at most lim (<= _SHORT) of them."""
    # most diagonals end at once: test one character for all of them, the
    # rest of the window only for those that go on (an index out of range
    # where lim is 0 is clipped, or wraps to -1, and masked out)
    at = np.minimum(first, len(key) - 1) if ahead else first - 1
    hit = (key[at] == key[at - d]) & (lim > 0)
    count = hit.astype(np.int64)
    live = np.flatnonzero(hit & (lim > 1))
    if len(live) == 0:
        return count
    steps = np.arange(1, _SHORT)
    hi = len(key) - 1
    # in blocks of rows, so a huge document never holds them all at once
    for block in range(0, len(live), _ROWS):
        rows = live[block : block + _ROWS]
        lo = d[rows, None]
        # positions past lim are clipped into range and masked out below
        pos = (
            np.minimum(at[rows, None] + steps, hi)
            if ahead
            else np.maximum(at[rows, None] - steps, lo)
        )
        ok = (key[pos] == key[pos - lo]) & (steps < lim[rows, None])
        count[rows] += np.where(ok.all(1), _SHORT - 1, ok.argmin(1))
    return count


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
    dist = _distances(hashes)
    cuts = np.flatnonzero(np.diff(dist) != 0) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    # only runs at a distance worth a look, at least two windows long
    worth = (dist[starts] >= min_chars) & (ends - starts >= 2)
    starts, ends = starts[worth], ends[worth]
    if len(starts) == 0:
        return []
    ks = keyed.key_str()
    key, size = keyed.key, len(keyed.key)
    d = dist[starts]
    # A phrase recurring inside the span breaks the windows' agreement on
    # the distance; follow the diagonal itself as far as it goes: _SHORT
    # characters each way for all runs at once, numpy's _agree_on /
    # _agree_back past that.
    first = ends - 1 + width
    lim = np.minimum(size, first + _SHORT) - first
    b_end = first + _agreeing(key, first, d, lim, ahead=True)
    far_on = (b_end == first + lim) & (first + lim < size)
    lim = np.minimum(_SHORT, starts - d)
    b_start = starts - _agreeing(key, starts, d, lim, ahead=False)
    far_back = (b_start == starts - lim) & (b_start > d)
    # How far the repeats found so far at each distance reach: windows come
    # in text order, so one already followed along its diagonal is skipped
    # (a run is followed when the last one followed at its distance ends at
    # or before its start). Settled for all runs at once by taking the
    # furthest reach of all earlier runs at that distance, then checked:
    # distances where that differs (a hash collision) or where a reach is
    # still unknown (far_on) are followed one run at a time below.
    group, gd = _stable_order(d)
    g0, g_end = starts[group], b_end[group]
    head = np.concatenate(([True], gd[1:] != gd[:-1]))
    gid = np.cumsum(head) - 1
    span = size + 1  # reaches lie in [0, size]
    if int(gid[-1]) + 1 < (1 << 62) // span:
        # offset each distance's reaches above the last one's: one running max
        lifted = np.maximum.accumulate(g_end + gid * span) - gid * span
        reach = np.full(len(group), -1, np.int64)
        reach[1:] = lifted[:-1]
        reach[head] = -1
        followed = reach <= g0
        # checked: run by run, the last followed one before it at its
        # distance must decide it the same way
        idx = np.arange(len(group))
        last = np.maximum.accumulate(np.where(followed, idx, -1))
        before = np.concatenate(([-1], last[:-1]))
        gstart = np.maximum.accumulate(np.where(head, idx, 0))
        last_reach = np.where(before >= gstart, g_end[np.maximum(before, 0)], -1)
        doubt = ((last_reach <= g0) != followed) | far_on[group]
    else:
        followed = np.zeros(len(group), bool)
        doubt = np.ones(len(group), bool)
    doubt = np.logical_or.reduceat(doubt, np.flatnonzero(head))[gid]
    one_by_one = np.zeros(len(starts), bool)
    one_by_one[group[doubt]] = True
    settled = np.zeros(len(starts), bool)
    settled[group[followed & ~doubt]] = True
    # a followed run yields repeats only if its diagonal is as long as d
    # (b_start never goes below d, even past _SHORT)
    settled &= (b_end - b_start >= d) | (far_back & (b_end >= 2 * d))
    todo = np.flatnonzero(settled | one_by_one).tolist()
    covered: dict[int, int] = {}
    out: list[tuple[int, int, int, int]] = []
    for i0, dr, s, e, on, back, single in zip(
        starts[todo].tolist(),
        d[todo].tolist(),
        b_start[todo].tolist(),
        b_end[todo].tolist(),
        far_on[todo].tolist(),
        far_back[todo].tolist(),
        one_by_one[todo].tolist(),
        strict=True,
    ):
        if single:
            if covered.get(dr, -1) > i0:
                continue
            if on:
                e = _agree_on(key, e, dr)
            covered[dr] = max(covered.get(dr, -1), e)
        if back:
            s = _agree_back(key, s, dr)
        if e - s < dr:
            continue
        # Text pasted more than once in a row: one run per copy, each with
        # the first copy as its twin.
        twin = (s - dr, s)
        for m in range((e - s) // dr):
            start = s + m * dr
            if ks[start : start + dr] == ks[twin[0] : twin[1]]:
                out.append((start, start + dr, *twin))
    return out
