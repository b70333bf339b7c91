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

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from pipeline.arrays import unique

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
# a run of terminators and closers (a unit ends after one that holds a
# true terminator)
_RUN = re.compile("[" + re.escape("".join(sorted(_TERMINATORS | _CLOSERS))) + "]+")


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


ALNUM, CJK, DIGIT = 1, 2, 4
# Flags of code points below _TABLE_SIZE, filled for each code point when
# a key first uses it (a start-up cost of only what a text needs).
_TABLE_SIZE = 0x30000
_table = np.zeros(_TABLE_SIZE, np.uint8)
_filled = np.zeros(_TABLE_SIZE, bool)


def _flags_of(cp: int) -> int:
    ch = chr(cp)
    return (
        (ALNUM if ch.isalnum() else 0) | (CJK if is_cjk(ch) else 0) | (DIGIT if ch.isdigit() else 0)
    )


def char_flags(key: np.ndarray) -> np.ndarray:
    """Per key character: ALNUM | CJK | DIGIT bits (uint8), vectorized.

    >>> char_flags(np.array([ord(c) for c in "a海.7"], np.uint32)).tolist()
    [1, 3, 0, 5]
    """
    if len(key) == 0:
        return np.zeros(0, np.uint8)
    low = key < _TABLE_SIZE
    known = np.where(low, key, 0)
    new = known[~_filled[known]]
    if len(new):
        new = unique(new)
        _table[new] = [_flags_of(cp) for cp in new.tolist()]
        _filled[new] = True
    out = _table[known]
    if not low.all():
        for i in np.flatnonzero(~low).tolist():
            out[i] = _flags_of(int(key[i]))
    return out


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
        if start == 0 and end is None:
            return self._whole_key
        return self.key[start:end].tobytes().decode("utf-32-le")

    @cached_property
    def _whole_key(self) -> str:
        # decoded once: the stages ask for the whole key again and again
        # (resolve once per stutter)
        return self.key.tobytes().decode("utf-32-le")


# The fold of each code point below _TABLE_SIZE, learnt when a text first
# holds it: its one key character (`_fold_cp`), or how many it folds to
# (`_fold_len`: 0 for white space, -1 for several). A text whose characters
# each fold to at most one is folded by two look-ups, not per character.
_fold_cp = np.zeros(_TABLE_SIZE, np.uint32)
_fold_len = np.zeros(_TABLE_SIZE, np.int8)
_fold_known = np.zeros(_TABLE_SIZE, bool)


def _learn_folds(cps: np.ndarray) -> None:
    for cp in cps.tolist():
        folded = fold_char(chr(cp))
        _fold_cp[cp] = ord(folded) if len(folded) == 1 else 0
        _fold_len[cp] = len(folded) if len(folded) <= 1 else -1
    _fold_known[cps] = True  # last: a reader never sees a fold unfilled


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
    if int(cps.max()) < _TABLE_SIZE:
        new = cps[~_fold_known[cps]]
        if len(new):
            _learn_folds(unique(new))
        lens = _fold_len[cps]
        if int(lens.min()) >= 0:  # no character folds to several
            kept = np.flatnonzero(lens).astype(np.int64)
            return _fold_cp[cps[kept]], kept
    return _fold_each(cps)


def _fold_each(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`fold` of any code points: each distinct one folded, then gathered."""
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


_CHUNK_WINDOW = 6


def _cut_points(key: np.ndarray, max_chars: int) -> np.ndarray:
    """Every content-defined cut point of the key (sorted): the end of a
    window whose hash hits the pattern."""
    hashes = _rolling_hash(key, _CHUNK_WINDOW)
    mask = np.uint64(max(1, max_chars // 3) - 1) if max_chars >= 6 else np.uint64(1)
    return np.flatnonzero((hashes % (mask + np.uint64(1))) == 0) + _CHUNK_WINDOW


def _chunk(cut_points: np.ndarray, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at content-defined points."""
    min_piece = max(8, max_chars // 4)
    # windows wholly inside the sentence: cuts in [start + window, end]
    lo = np.searchsorted(cut_points, start + _CHUNK_WINDOW, side="left")
    hi = np.searchsorted(cut_points, end, side="right")
    pieces: list[tuple[int, int]] = []
    at = start
    for cut in cut_points[lo:hi].tolist():
        if cut - at >= min_piece and end - cut >= min_piece:
            pieces.append((at, cut))
            at = cut
    pieces.append((at, end))
    return pieces


def _unit_ends(key: str) -> list[int]:
    """Where units end in a key: after each run of terminators and closers
    holding a terminator other than a full stop between two digits.

    >>> _unit_ends("a.b3.5c!)d")
    [2, 9]
    """
    ends: list[int] = []
    last = len(key) - 1
    for run in _RUN.finditer(key):
        start, end = run.span()
        for at in range(start, end):
            ch = key[at]
            if ch in _TERMINATORS and not (
                ch == "." and 0 < at < last and key[at - 1].isdigit() and key[at + 1].isdigit()
            ):
                ends.append(end)
                break
    return ends


def split_units(key: np.ndarray, max_unit_chars: int) -> tuple[tuple[int, int], ...]:
    """Sentence units of the key, as (start, end) key ranges.

    A unit ends after a terminator (. ! ? ; and their full-width forms, a
    full stop between digits excepted) and any closing quotes or brackets.
    A unit ends where a run of terminators and closers that holds a true
    terminator ends.

    >>> k, _ = fold("第一句。第二句！3.5亿")
    >>> [k[s:e].tobytes().decode("utf-32-le") for s, e in split_units(k, 96)]
    ['第一句.', '第二句!', '3.5亿']
    """
    n = len(key)
    if n == 0:
        return ()
    ends = _unit_ends(key.tobytes().decode("utf-32-le"))
    units: list[tuple[int, int]] = []
    at = 0
    cut_points: np.ndarray | None = None
    for b in [*ends, n]:
        start = at
        if b > start:
            if b - start > max_unit_chars:
                if cut_points is None:
                    cut_points = _cut_points(key, max_unit_chars)
                units.extend(_chunk(cut_points, start, b, max_unit_chars))
            else:
                units.append((start, b))
        at = b
    return tuple(units)


_last: tuple[str, int, Keyed] | None = None


def segment(text: str, max_unit_chars: int = 96) -> Keyed:
    """Fold a cleaned text and cut its key into units.

    The last result is kept (its arrays read-only): a document with nothing
    to remove is segmented for detection and again, unchanged, for its
    unit pairs.
    """
    global _last
    last = _last  # read once: another thread may replace it
    if last is not None and last[1] == max_unit_chars and last[0] == text:
        return last[2]
    key, pos = fold(text)
    key.flags.writeable = False
    pos.flags.writeable = False
    keyed = Keyed(key, pos, split_units(key, max_unit_chars))
    _last = (text, max_unit_chars, keyed)
    return keyed
