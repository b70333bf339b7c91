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


def _fold_by_hand(text: str) -> tuple[str, list[int]]:
    from pipeline.segment import fold_char

    key, pos = [], []
    for at, ch in enumerate(text):
        for c in fold_char(ch):
            key.append(c)
            pos.append(at)
    return "".join(key), pos


def test_fold_equals_each_character_folded_on_its_own_in_any_order() -> None:
    # fold learns a table of code points as texts bring them; whatever came
    # before, a text's key is its characters' folds, one after the other,
    # those that fold to several characters (ligatures, ß, ㍱) and to none
    # (spaces, invisibles) and those beyond the table included.
    import random

    rng = random.Random(11)
    pools = [
        range(0x20, 0x250),
        range(0x3000, 0x3400),
        range(0x4E00, 0x4F00),
        range(0xFB00, 0xFB10),  # ligatures: ﬁ -> fi
        range(0xFF00, 0xFFF0),
        [0xDF, 0x130, 0x3371, 0x2028, 0x200B, 0xA0, 0x9, 0xA, 0xFEFF],
        [0x2F800, 0x2FA1D, 0x30000, 0x3134A, 0xE0001, 0xE0041, 0x10FFFD, 0x1D400],
    ]
    for _ in range(60):
        weights = [rng.random() ** 3 for _ in pools]
        text = "".join(
            chr(rng.choice(rng.choices(pools, weights)[0])) for _ in range(rng.randrange(0, 300))
        )
        key, pos = fold(text)
        assert (key.tobytes().decode("utf-32-le"), pos.tolist()) == _fold_by_hand(text)
        assert key.dtype == np.uint32 and pos.dtype == np.int64


def _units_by_hand(key: str) -> list[tuple[int, int]]:
    # a unit ends after a run of terminators and closers that holds a
    # terminator (a full stop between two digits is none)
    terminators, closers = ".!?;", "\"')]}\u300b\u3009"
    units, start, at = [], 0, 0
    while at < len(key):
        if key[at] not in terminators + closers:
            at += 1
            continue
        end, true_end = at, False
        while end < len(key) and key[end] in terminators + closers:
            between_digits = (
                key[end] == "."
                and 0 < end < len(key) - 1
                and key[end - 1].isdigit()
                and key[end + 1].isdigit()
            )
            true_end |= key[end] in terminators and not between_digits
            end += 1
        if true_end:
            units.append((start, end))
            start = end
        at = end
    if start < len(key):
        units.append((start, len(key)))
    return units


def test_units_end_after_each_run_that_holds_a_terminator() -> None:
    import random

    from pipeline.segment import split_units

    rng = random.Random(3)
    alphabet = list("ab7.!?;\"')]}") + ["\u300b", "\u3009", "\u300c", "\u3010", "海", "\U00020001"]
    for _ in range(300):
        key = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        array = np.frombuffer(key.encode("utf-32-le"), np.uint32)
        assert list(split_units(array, 10_000)) == _units_by_hand(key), key
