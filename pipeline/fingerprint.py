"""Fingerprint stage: an exact key and a MinHash signature per unit.

Signatures follow datasketch's "affine32" scheme bit for bit (the same
permutations from the same seed, the MurmurHash3 finalizer, ``a * h + b``
modulo 2**32), so they can be handed to datasketch; but they are computed
for all units at once with numpy, one hash per shingle, instead of one
Python call per shingle. The suite checks the two agree.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from pipeline.arrays import unique
from pipeline.segment import ALNUM, CJK, Keyed, char_flags

_MIX = np.uint64(0x9E3779B97F4A7C15)
_MASK32 = np.uint64(0xFFFFFFFF)
# Shingles per block of the signature loop (256 KB of uint32: in L2 cache).
_BLOCK = 1 << 16


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) arrays datasketch draws for ``MinHash(num_perm, seed)``:
    ``np.random.RandomState(seed)``'s Mersenne Twister, drawn with Python's
    own (the same generator; importing numpy.random costs `check` 15 ms).
    RandomState seeds the twister's state word by word from `seed`; a
    bounded draw below 2**31 is a 32-bit output masked, below 2**32 the
    output itself.

    >>> [part.tolist() for part in permutations(2, 1)]
    [[3582191691, 4270784983], [3093770124, 4005303368]]
    """
    import random

    if not 0 <= seed < 1 << 32:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, not {seed}")
    state = [seed]
    for i in range(1, 624):
        last = state[-1]
        state.append((1812433253 * (last ^ (last >> 30)) + i) & 0xFFFFFFFF)
    twister = random.Random()
    twister.setstate((3, (*state, 624), None))
    a = [(twister.getrandbits(32) & 0x7FFFFFFF) * 2 + 1 for _ in range(num_perm)]
    b = [twister.getrandbits(32) for _ in range(num_perm)]
    return np.array(a, np.uint32), np.array(b, np.uint32)


def shingle_hash(codepoints: list[int] | tuple[int, ...]) -> int:
    """The 32-bit hash of one shingle, written plainly (the reference).

    >>> key = np.array([0x6D77, 0x5173, 0x603B], np.uint32)
    >>> shingle_hash(key.tolist()) == int(window_hashes(key, 3)[0])
    True
    """
    h = 0
    for cp in codepoints:
        h = ((h ^ int(cp)) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    h ^= h >> 29
    return (h ^ (h >> 32)) & 0xFFFFFFFF


def window_hashes(key: np.ndarray, width: int) -> np.ndarray:
    """32-bit hashes of every window key[i : i + width] (vectorized)."""
    n = len(key) - width + 1
    if n <= 0:
        return np.zeros(0, np.uint32)
    h = np.zeros(n, np.uint64)
    with np.errstate(over="ignore"):
        for t in range(width):
            h = (h ^ key[t : t + n].astype(np.uint64)) * _MIX
    h ^= h >> np.uint64(29)
    return ((h ^ (h >> np.uint64(32))) & _MASK32).astype(np.uint32)


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint32(16))
        h = h * np.uint32(0x85EBCA6B)
        h = h ^ (h >> np.uint32(13))
        h = h * np.uint32(0xC2B2AE35)
        return h ^ (h >> np.uint32(16))


def shingle_size(unit_text: str, cjk: int, latin: int) -> int:
    """Shingle size for a unit: `cjk` when most of its letters are CJK.

    >>> shingle_size("海关总署", 3, 5), shingle_size("the customs", 3, 5)
    (3, 5)
    """
    key = np.frombuffer(unit_text.encode("utf-32-le"), np.uint32)
    return int(shingle_sizes(key, np.array([[0, len(key)]]), cjk, latin)[0])


def shingle_sizes(key: np.ndarray, ranges: np.ndarray, cjk: int, latin: int) -> np.ndarray:
    """`shingle_size` of every (start, end) key range at once."""
    flags = char_flags(key)
    zero = np.zeros(1, np.int64)
    alnum = np.concatenate((zero, np.cumsum((flags & ALNUM) != 0)))
    wide = np.concatenate((zero, np.cumsum((flags & CJK) != 0)))
    starts, ends = ranges[:, 0], ranges[:, 1]
    n_alnum = alnum[ends] - alnum[starts]
    n_cjk = wide[ends] - wide[starts]
    return np.where((n_alnum > 0) & (2 * n_cjk >= n_alnum), cjk, latin)


def unit_shingles(
    keyed: Keyed, units: list[int], cjk: int, latin: int
) -> tuple[np.ndarray, np.ndarray]:
    """All shingle hashes of the given units, and the unit each belongs to.

    Vectorized: one pass of window hashes per shingle size over the whole
    key, then each unit's windows gathered by index.
    """
    if not units:
        return np.zeros(0, np.uint32), np.zeros(0, np.int64)
    ids = np.asarray(units, np.int64)
    ranges = np.asarray(keyed.units, np.int64)[ids]
    widths = shingle_sizes(keyed.key, ranges, cjk, latin)
    lengths = ranges[:, 1] - ranges[:, 0]
    # a unit no longer than its shingle is one shingle: itself
    short = lengths <= widths
    counts = np.where(short, 1, lengths - widths + 1)
    owners = np.repeat(ids, counts)
    offsets = np.cumsum(counts) - counts
    firsts = np.repeat(ranges[:, 0], counts)
    within = np.arange(len(owners)) - np.repeat(offsets, counts)
    positions = firsts + within
    per_window = np.repeat(widths, counts)
    hashes = np.zeros(len(owners), np.uint32)
    for width in unique(widths[~short]).tolist():
        table = window_hashes(keyed.key, width)
        take = (per_window == width) & ~np.repeat(short, counts)
        hashes[take] = table[positions[take]]
    for row in np.flatnonzero(short).tolist():
        start, end = ranges[row].tolist()
        hashes[offsets[row]] = window_hashes(keyed.key[start:end], end - start)[0]
    return hashes, owners


def signatures(
    hashes: np.ndarray, owners: np.ndarray, num_perm: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of shingle sets; rows follow the sorted owners.

    `hashes` must be grouped by owner (as `unit_shingles` returns them).
    Returns (owner ids, signature matrix of shape (owners, num_perm)).
    One permutation at a time over every shingle: a pass over one uint32
    vector that stays in cache (a shingles x permutations matrix does not,
    and was 4x slower).
    """
    a, b = permutations(num_perm, seed)
    if len(hashes) == 0:
        return np.zeros(0, np.int64), np.zeros((0, num_perm), np.uint32)
    starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1])))
    mixed = fmix32(hashes)
    out = np.empty((num_perm, len(starts)), np.uint32)
    permuted = np.empty(min(len(hashes), _BLOCK), np.uint32)
    # Blocks of whole sets, each small enough to stay in cache while every
    # permutation passes over it.
    group = 0
    with np.errstate(over="ignore"):
        while group < len(starts):
            last = int(np.searchsorted(starts, starts[group] + _BLOCK, side="left"))
            last = max(last, group + 1)
            lo = starts[group]
            hi = starts[last] if last < len(starts) else len(hashes)
            block = mixed[lo:hi]
            buffer = (
                permuted[: hi - lo] if hi - lo <= len(permuted) else np.empty(hi - lo, np.uint32)
            )
            offsets = starts[group:last] - lo
            for p in range(num_perm):
                np.multiply(block, a[p], out=buffer)
                np.add(buffer, b[p], out=buffer)
                out[p, group:last] = np.minimum.reduceat(buffer, offsets)
            group = last
    return owners[starts], np.ascontiguousarray(out.T)
