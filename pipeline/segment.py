"""Segment stage: the folded matching key, its offset map, and the units.

The key is never written out. It folds what a copy may change without
changing the content: NFKC (full-width forms, compatibility characters),
case, quote and full-stop variants, and white space, which is dropped.
`pos[i]` is the index in the cleaned
text of the character that produced key character i, so any key range maps
back to the author's text.

Units are sentences of the key stream, so they do not depend on where the
line breaks fall; sentences longer than `max_unit_chars` are cut into
content-defined chunks (a cut wherever a rolling hash of the last few
characters hits a pattern), which land at the same places in every copy of
the same text however it is offset.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Variants a copy swaps freely, folded after NFKC.
_PUNCT_FOLD = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u300c": '"',
        "\u300d": '"',
        "\u300e": '"',
        "\u300f": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "`": "'",
        "\u3002": ".",
        "\uff0e": ".",
        "\uff61": ".",
        "\u3010": "[",
        "\u3011": "]",
        "\u3014": "(",
        "\u3015": ")",
        "\u2014": "-",
        "\u2013": "-",
        "\u2012": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u30fb": "\u00b7",
    }
)
_TERMINATORS = frozenset(".!?;")
_CLOSERS = frozenset("\"')]}\u300b\u3009")


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The key form of one character: "" for white space and invisibles.

    >>> [fold_char(c) for c in "，Ａ１。“\\u3000"]
    [',', 'a', '1', '.', '"', '']
    """
    if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
        return ""
    folded = unicodedata.normalize("NFKC", ch).casefold().translate(_PUNCT_FOLD)
    return "".join(c for c in folded if not c.isspace())


def is_cjk(ch: str) -> bool:
    """True for characters of scripts written without spaces between words.

    >>> is_cjk("海"), is_cjk("a"), is_cjk("。")
    (True, False, False)
    """
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalnum()


@dataclass(frozen=True)
class Keyed:
    """The folded key of a text and the way back to it.

    `key` holds code points (uint32), `pos` the cleaned-text index each came
    from, and `units` the (start, end) key ranges of the units.
    """

    key: np.ndarray
    pos: np.ndarray
    units: tuple[tuple[int, int], ...]

    def key_str(self, start: int = 0, end: int | None = None) -> str:
        return self.key[start:end].tobytes().decode("utf-32-le")


def fold(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Fold `text` into its key and the key-to-text offset map.

    White space is dropped everywhere, between Latin words too: extraction
    from PDF splits and merges words as freely as it spaces out CJK text,
    and a copy must not hide behind that. Vectorized: each distinct
    character is folded once, then the key is gathered with numpy.

    >>> key, pos = fold("Ａ  b，海 关")
    >>> key.tobytes().decode("utf-32-le"), pos.tolist()
    ('ab,海关', [0, 3, 4, 5, 7])
    """
    if not text:
        return np.zeros(0, np.uint32), np.zeros(0, np.int64)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    uniq, inverse = np.unique(cps, return_inverse=True)
    folded = [fold_char(chr(int(u))) for u in uniq]
    lens = np.fromiter((len(f) for f in folded), dtype=np.int64, count=len(folded))
    flat = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)
    offsets = np.concatenate(([0], np.cumsum(lens)[:-1]))
    out_lens = lens[inverse]
    total = int(out_lens.sum())
    pos = np.repeat(np.arange(len(cps), dtype=np.int64), out_lens)
    starts = np.cumsum(out_lens) - out_lens
    within = np.arange(total, dtype=np.int64) - np.repeat(starts, out_lens)
    key = flat[np.repeat(offsets[inverse], out_lens) + within]
    return key.astype(np.uint32), pos


def _rolling_hash(key: np.ndarray, width: int) -> np.ndarray:
    """A hash of each window key[i : i + width], for i in 0..len - width."""
    n = len(key) - width + 1
    if n <= 0:
        return np.zeros(0, np.uint64)
    h = np.zeros(n, np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for t in range(width):
            h = (h ^ key[t : t + n].astype(np.uint64)) * mult
        h ^= h >> np.uint64(29)
    return h


def _chunk(key: np.ndarray, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at content-defined points."""
    window, min_piece = 6, max(8, max_chars // 4)
    hashes = _rolling_hash(key[start:end], window)
    mask = np.uint64(max(1, max_chars // 3) - 1) if max_chars >= 6 else np.uint64(1)
    cuts = (np.flatnonzero((hashes % (mask + np.uint64(1))) == 0) + start + window).tolist()
    pieces: list[tuple[int, int]] = []
    at = start
    for cut in cuts:
        if cut - at >= min_piece and end - cut >= min_piece:
            pieces.append((at, cut))
            at = cut
    pieces.append((at, end))
    return pieces


def split_units(key: np.ndarray, max_unit_chars: int) -> tuple[tuple[int, int], ...]:
    """Sentence units of the key, as (start, end) key ranges.

    A unit ends after a terminator (. ! ? ; and their full-width forms, a
    full stop between digits excepted) and any closing quotes or brackets.

    >>> k, _ = fold("第一句。第二句！3.5亿")
    >>> [k[s:e].tobytes().decode("utf-32-le") for s, e in split_units(k, 96)]
    ['第一句.', '第二句!', '3.5亿']
    """
    n = len(key)
    if n == 0:
        return ()
    text = key.tobytes().decode("utf-32-le")
    bounds: list[int] = []
    i = 0
    while i < n:
        ch = text[i]
        if ch in _TERMINATORS and not (
            ch == "." and 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
        ):
            j = i + 1
            while j < n and (text[j] in _CLOSERS or text[j] in _TERMINATORS):
                j += 1
            bounds.append(j)
            i = j
        else:
            i += 1
    units: list[tuple[int, int]] = []
    at = 0
    for b in [*bounds, n]:
        start = at
        if b > start:
            if b - start > max_unit_chars:
                units.extend(_chunk(key, start, b, max_unit_chars))
            else:
                units.append((start, b))
        at = b
    return tuple(units)


def segment(text: str, max_unit_chars: int = 96) -> Keyed:
    """Fold a cleaned text and cut its key into units."""
    key, pos = fold(text)
    return Keyed(key, pos, split_units(key, max_unit_chars))
