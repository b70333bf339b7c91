"""Our vectorized MinHash and LSH against datasketch, the reference."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from pipeline.fingerprint import shingle_hash, signatures, unit_shingles, window_hashes
from pipeline.match import band_pairs
from pipeline.segment import segment

datasketch = pytest.importorskip("datasketch")


def _hashfunc(blob: bytes) -> int:
    return shingle_hash(np.frombuffer(blob, np.uint32).tolist())


def test_window_hashes_match_the_plain_hash() -> None:
    key = np.array([ord(c) for c in "海关总署关于法治政府"], np.uint32)
    fast = window_hashes(key, 3).tolist()
    slow = [shingle_hash(key[i : i + 3].tolist()) for i in range(len(key) - 2)]
    assert fast == slow


@pytest.mark.parametrize("num_perm", [16, 64, 128])
def test_signatures_equal_datasketch_minhash(num_perm: int) -> None:
    keyed = segment(
        "海关总署关于2022年度推进法治政府建设情况的报告。The customs report follows. 短句。"
    )
    units = list(range(len(keyed.units)))
    hashes, owners = unit_shingles(keyed, units, 3, 5)
    ids, sigs = signatures(hashes, owners, num_perm, seed=7)
    assert len(ids) == len(units)
    for row, unit in enumerate(ids.tolist()):
        shingles = hashes[owners == unit]
        reference = datasketch.MinHash(num_perm=num_perm, seed=7, hashfunc=lambda h: int(h))
        reference.update_batch(shingles.tolist())
        assert reference.hashvalues.tolist() == sigs[row].tolist()
        # and through the documented route: bytes shingles, a hash function
        start, end = keyed.units[unit]
        assert shingles.size > 0
        assert start < end


def test_bulk_banding_finds_datasketch_lsh_candidates() -> None:
    rng = random.Random(3)
    base = [
        "".join(rng.choice("海关总署法治政府建设报告推进工作完善机制") for _ in range(40))
        for _ in range(30)
    ]
    texts = base + [t[:-3] + "改动了" for t in base[:15]] + [t[5:] for t in base[15:25]]
    keys = [np.array([ord(c) for c in t], np.uint32) for t in texts]
    hashes = np.concatenate([window_hashes(k, 3) for k in keys])
    owners = np.concatenate([np.full(len(k) - 2, i) for i, k in enumerate(keys)])
    ids, sigs = signatures(hashes, owners, 64, seed=1)
    bands, rows = 16, 4
    ours = band_pairs(ids, sigs, bands, rows)
    lsh = datasketch.MinHashLSH(num_perm=64, params=(bands, rows))
    minhashes = []
    for i in range(len(texts)):
        m = datasketch.MinHash(num_perm=64, seed=1, hashvalues=sigs[i], scheme="affine32")
        minhashes.append(m)
        lsh.insert(i, m)
    theirs = set()
    for i, m in enumerate(minhashes):
        for j in lsh.query(m):
            if j < i:
                theirs.add((i, j))
    assert theirs  # the corpus does hold near duplicates
    assert ours == theirs


def test_signatures_in_blocks_equal_datasketch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks smaller than a set, and sets across block boundaries."""
    import pipeline.fingerprint as fingerprint

    rng = np.random.default_rng(5)
    sizes = [1, 3, 40, 7, 100, 2, 33]
    hashes = rng.integers(0, 1 << 32, sum(sizes), dtype=np.uint64).astype(np.uint32)
    owners = np.repeat(np.arange(len(sizes)) * 3, sizes)
    monkeypatch.setattr(fingerprint, "_BLOCK", 16)
    ids, sigs = fingerprint.signatures(hashes, owners, 32, seed=9)
    assert ids.tolist() == [3 * n for n in range(len(sizes))]
    for row, unit in enumerate(ids.tolist()):
        reference = datasketch.MinHash(num_perm=32, seed=9, hashfunc=lambda h: int(h))
        reference.update_batch(hashes[owners == unit].tolist())
        assert reference.hashvalues.tolist() == sigs[row].tolist()


@pytest.mark.parametrize("seed", [0, 1, 7, 42, 123_456_789, 2**32 - 1])
def test_permutations_are_those_numpy_s_random_state_draws(seed: int) -> None:
    # drawn with Python's twister, not numpy.random (15 ms to import): the
    # same numbers datasketch gets from np.random.RandomState(seed)
    from pipeline.fingerprint import permutations

    for num_perm in (1, 16, 128, 300):
        gen = np.random.RandomState(seed)
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        mine_a, mine_b = permutations(num_perm, seed)
        assert mine_a.dtype == np.uint32 and mine_b.dtype == np.uint32
        assert mine_a.tolist() == a.tolist() and mine_b.tolist() == b.tolist()


def test_check_does_not_import_numpy_random(tmp_path: Path) -> None:
    import subprocess
    import sys

    from conftest import SEED

    code = (
        "import sys; from pipeline.cli import main\n"
        "try:\n    main(['check', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print('numpy.random' in sys.modules, 'numpy' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(SEED)], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].split() == ["False", "True"]
