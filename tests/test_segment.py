from __future__ import annotations

import numpy as np

from pipeline.segment import fold, segment


def _key(text: str) -> str:
    return fold(text)[0].tobytes().decode("utf-32-le")


def test_fold_makes_copies_equal() -> None:
    original = "2022年，海关总署（署党发）：增长６．１％；“两个确立”。"
    swapped = '2022年, 海关 总署(署党发):\n增长6.1%;"两个确立".'
    assert _key(original) == _key(swapped)


def test_digits_are_kept_and_spacing_is_folded_away() -> None:
    assert _key("增长6.1%") != _key("增长5.2%")
    assert _key("The cat") == "thecat"
    assert _key("the\n  cat") == _key("th e cat") == "thecat"


def test_offset_map_points_at_source_characters() -> None:
    text = "Ａ　ｂ，海\n关"
    key, pos = fold(text)
    for k, p in zip(key.tolist(), pos.tolist(), strict=True):
        assert chr(k) == _key(text[p])


def test_units_do_not_depend_on_line_breaks() -> None:
    para = "第一句话在这里。第二句话更长一些，还有逗号；第三句！" * 3
    wrapped = "\n".join(para[i : i + 7] for i in range(0, len(para), 7))
    a, b = segment(para), segment(wrapped)
    units_a = [a.key_str(s, e) for s, e in a.units]
    units_b = [b.key_str(s, e) for s, e in b.units]
    assert units_a == units_b
    assert len(units_a) == 9


def test_long_sentences_are_chunked_by_content() -> None:
    sentence = "，".join(f"第{i}项工作持续推进并取得明显成效" for i in range(30)) + "。"
    alone = segment(sentence, 96)
    shifted = segment("前言一句。" + sentence, 96)
    pieces_a = [alone.key_str(s, e) for s, e in alone.units]
    pieces_b = [shifted.key_str(s, e) for s, e in shifted.units][1:]
    assert len(pieces_a) > 3
    assert all(e - s <= 96 * 2 for s, e in alone.units)
    assert pieces_a == pieces_b


def test_empty() -> None:
    keyed = segment("")
    assert keyed.units == ()
    assert isinstance(keyed.key, np.ndarray)


def test_char_flags_equal_each_character_s_own_flags_in_any_order() -> None:
    # The flag table is filled lazily, a code point at a time; whatever the
    # keys seen before, a key's flags are those of its characters.
    import random

    from pipeline.segment import ALNUM, CJK, DIGIT, _flags_of, char_flags

    rng = random.Random(5)
    pools = [
        range(0x20, 0x250),
        range(0x3000, 0x3100),
        range(0x4E00, 0x4F00),
        range(0xFF00, 0xFFF0),
    ]
    for _ in range(30):
        cps = [rng.choice(rng.choice(pools)) for _ in range(rng.randrange(1, 400))]
        cps.append(0x20000 + rng.randrange(0x100))  # CJK extension B
        cps.append(0x1F600)  # beyond the table's first pages: an emoji
        got = char_flags(np.array(cps, np.uint32)).tolist()
        assert got == [_flags_of(cp) for cp in cps]
    assert char_flags(np.array([ord("海"), ord("a"), ord("7")], np.uint32)).tolist() == [
        ALNUM | CJK,
        ALNUM,
        ALNUM | DIGIT,
    ]
