from __future__ import annotations

import random

import numpy as np
import pytest

from pipeline import fingerprint
from pipeline.match import match_units, numbers, similarity, stutters
from pipeline.segment import Keyed, segment
from pipeline.settings import Settings


def _pairs(text: str) -> set[tuple[str, str]]:
    keyed = segment(text)
    out = set()
    for m in match_units(keyed, Settings()):
        out.add((keyed.key_str(*keyed.units[m.later]), keyed.key_str(*keyed.units[m.earlier])))
    return out


def test_exact_and_near_units_match() -> None:
    a = "海关总署全面推进法治海关建设并取得明显成效。"
    b = "海关总暑全面推进法治海关建设并取得明显成效。"  # one typo
    pairs = _pairs(a + "中间有一句别的话。" + b)
    assert len(pairs) == 1
    [(later, earlier)] = pairs
    assert later.startswith("海关总暑") and earlier.startswith("海关总署")


def test_units_with_other_numbers_never_match() -> None:
    a = "2021年进出口总值增长6.1%，贸易结构持续优化。"
    b = "2022年进出口总值增长5.2%，贸易结构持续优化。"
    assert _pairs(a + b) == set()
    assert numbers("增长6.1%") != numbers("增长5.2%")


def test_unrelated_units_do_not_match() -> None:
    assert _pairs("第一句完全不同的内容。第二句也毫不相干的话。") == set()


def test_similarity_is_symmetric_and_bounded() -> None:
    assert similarity("abc", "abd") == similarity("abd", "abc")
    assert 0.0 <= similarity("", "abc") <= 1.0


def _stutters_per_character(
    keyed: Keyed, min_chars: int, width: int = 8
) -> list[tuple[int, int, int, int]]:
    """stutters written plainly, run by run and character by character: the
    reference the vectorized one must equal exactly."""
    hashes = fingerprint.window_hashes(keyed.key, width)
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
    worth = (dist[starts] >= min_chars) & (ends - starts >= 2)
    ks = keyed.key_str()
    out: list[tuple[int, int, int, int]] = []
    covered: dict[int, int] = {}
    for i0, i1 in zip(starts[worth].tolist(), ends[worth].tolist(), strict=True):
        d = int(dist[i0])
        if covered.get(d, -1) > i0:
            continue
        b_start, b_end = i0, i1 - 1 + width
        while b_start > d and ks[b_start - 1] == ks[b_start - 1 - d]:
            b_start -= 1
        while b_end < len(ks) and ks[b_end] == ks[b_end - d]:
            b_end += 1
        covered[d] = max(covered.get(d, -1), b_end)
        for m in range(max(0, b_end - b_start) // d):
            start = b_start + m * d
            if ks[start : start + d] == ks[b_start - d : b_start]:
                out.append((start, start + d, b_start - d, b_start))
    return out


def _small_alphabet_text(rng: random.Random) -> str:
    """Random text over 3 to 6 characters with spans pasted right after
    themselves 2 to 4 times: diagonals break and resume everywhere."""
    alphabet = rng.sample("ab甲乙丙丁。，x1", rng.randint(3, 6))
    text = ""
    while len(text) < rng.randint(0, 400):
        if len(text) < 10 or rng.random() < 0.5:
            text += "".join(rng.choices(alphabet, k=rng.randint(1, 40)))
        else:
            size = rng.randint(1, min(len(text), 120))
            at = rng.randint(0, len(text) - size)
            text += text[at : at + size] * rng.randint(2, 4)
    return text


def _weak_hashes(key: np.ndarray, width: int) -> np.ndarray:
    """Window hashes that collide all the time (sum of code points mod 7)."""
    n = len(key) - width + 1
    if n <= 0:
        return np.zeros(0, np.uint32)
    sums = np.zeros(n, np.uint64)
    for t in range(width):
        sums += key[t : t + n].astype(np.uint64)
    return (sums % np.uint64(7)).astype(np.uint32)


def test_stutters_equal_the_per_character_reference() -> None:
    rng = random.Random(11)
    for _ in range(300):
        keyed = segment(_small_alphabet_text(rng))
        for min_chars, width in ((16, 8), (rng.choice((1, 4, 8)), rng.choice((2, 5, 8)))):
            assert stutters(keyed, min_chars, width) == _stutters_per_character(
                keyed, min_chars, width
            )


def test_stutters_equal_the_reference_when_window_hashes_collide(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # runs made of colliding windows must be followed or skipped exactly as
    # the reference does, run by run
    monkeypatch.setattr(fingerprint, "window_hashes", _weak_hashes)
    rng = random.Random(12)
    for _ in range(200):
        keyed = segment(_small_alphabet_text(rng))
        for min_chars in (16, 4):
            assert stutters(keyed, min_chars) == _stutters_per_character(keyed, min_chars)


def test_stutters_equal_the_reference_on_a_long_paste() -> None:
    # diagonals longer than the vectorized window go to _agree_on/_agree_back
    rng = random.Random(13)
    body = "".join(rng.choices("甲乙丙丁戊己。", k=3000))
    text = body[:1000] + body[200:900] * 3 + body[1000:] + body[2500:2600] * 2
    keyed = segment(text)
    for min_chars in (16, 200):
        assert stutters(keyed, min_chars) == _stutters_per_character(keyed, min_chars)


def test_a_stutter_past_a_colliding_run_is_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    # Forged window hashes at distance 20: run p (windows 38-39) ends its
    # diagonal at 50; run q (45-46) starts before that, so it is skipped,
    # though its own diagonal (a collision: its windows differ) would reach
    # 75; run r (60-61) starts past 50, so it is followed and finds 31-51
    # pasted again at 51. Taking q's reach as covered would lose r. All
    # diagonals end within _SHORT characters, so no run takes the slow path.
    key = 0x4E00 + np.arange(100, dtype=np.uint32)
    for j in [*range(40, 50), *range(51, 75)]:
        key[j] = key[j - 20]
    keyed = Keyed(key=key, pos=np.arange(100), units=())
    hashes = 1_000_000 + np.arange(100 - 7, dtype=np.uint32)
    for i in (38, 39, 45, 46, 60, 61):
        hashes[i] = hashes[i - 20]
    monkeypatch.setattr(fingerprint, "window_hashes", lambda key, width: hashes)
    assert _stutters_per_character(keyed, 16) == [(51, 71, 31, 51)]
    assert stutters(keyed, 16) == [(51, 71, 31, 51)]
