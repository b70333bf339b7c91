from __future__ import annotations

from pipeline.match import match_units, numbers, similarity
from pipeline.segment import segment
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
