"""Duplicate documents: a document that is wholly a copy of an earlier one.

A corpus holds the same record twice far more often than a record holds
its own text twice, and a copy may be short (a 60-character record is a
duplicate as surely as a report). This stage finds such copies for a whole
batch at once, in a few array operations, before any per-document work:

- each text is reduced to its *key*: NFKC, lower case, letters and digits
  only (spaces, punctuation, line breaks and their width do not make two
  documents different), by one table look-up over the batch's characters;
- an exact copy has the key of an earlier document;
- a near copy differs from an earlier document's key by a few edits, at
  most `NEAR_EDIT_SHARE` of its length (a typo per 33 characters), and
  never below `MIN_NEAR_CHARS` key characters (shorter texts are copies
  only when exact). Candidates come from sorting band keys: each key's
  first and last `GRAM` characters and the `GRAM`-grams at content-defined
  anchors (shifts by an insertion do not move them); a pair is compared
  only when its lengths allow that few edits, then by Levenshtein
  distance with a cut-off (rapidfuzz);
- either way the figures must agree: digits with their decimal marks and
  Chinese numerals, the same in the same order (a law restated with
  another figure is not a copy); a near copy must also differ only by
  typos: every place where the keys differ is one or two characters, and
  the English number words and negations agree ("five"/"nine", "shall"/
  "shall not" are an author's edits, not typos).

The copy's twin is the earliest document it is a copy of.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.arrays import unique

# a near copy: at most this share of its key characters edited ...
NEAR_EDIT_SHARE = 0.03
# ... and at least this long (below: exact copies only)
MIN_NEAR_CHARS = 30
# the band keys' length, the anchors' spacing (one position in ANCHOR_EVERY
# on average) and the most documents a band key may gather before it is
# boilerplate, not a sign of a copy
GRAM = 8
ANCHOR_EVERY = 8
MAX_GROUP = 16

_NUMBER = re.compile(r"\d+(?:[.,．，]\d+)*")
# full-width figures and decimal marks, as NFKC folds them (the only
# folding the figures need; NFKC of a whole text costs a hundred times more)
_NARROW = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "．": ".", "，": ","})


@dataclass(frozen=True)
class Copy:
    """Document `index` is a copy of the earlier document `twin`."""

    index: int
    twin: int
    similarity: float
    method: str  # "exact" | "near"


def _key_char(code: int) -> int:
    """The code point of a character's key form (0: it has none).

    >>> chr(_key_char(ord("Ａ"))), chr(_key_char(ord("海"))), _key_char(ord("，"))
    ('a', '海', 0)
    """
    if 0xD800 <= code <= 0xDFFF:
        return 0
    char = chr(code)
    decomposed = unicodedata.decomposition(char)
    if not char.isalnum() and not decomposed:
        return 0  # punctuation, space, controls: no key
    folded = unicodedata.normalize("NFKC", char).lower() if decomposed else char.lower()
    return ord(folded) if len(folded) == 1 and folded.isalnum() else 0


@lru_cache(maxsize=1)
def _key_table() -> tuple[Any, Any]:
    """The key form of every code point seen so far (`_key_char`), and
    which are filled: a text pays only for the characters it holds."""
    import numpy as np

    return np.zeros(0x110000, np.uint32), np.zeros(0x110000, bool)


def keys(texts: list[str]) -> list[str]:
    """Each text's key: letters and digits, NFKC-folded and lower case.

    >>> keys(["The Report, 2022.", "海关总署。\\n第二行", "Ａ𝐁c"])
    ['thereport2022', '海关总署第二行', 'abc']
    """
    out: list[str] = []
    start, size = 0, 0
    for end, text in enumerate(texts, start=1):
        size += len(text)
        if size >= KEY_BATCH_CHARS or end == len(texts):
            out += _keys(texts[start:end])  # (a batch at a time: memory follows it)
            start, size = end, 0
    return out


# characters keyed at once
KEY_BATCH_CHARS = 4_000_000


def _keys(texts: list[str]) -> list[str]:
    import numpy as np

    if not texts:
        return []
    table, filled = _key_table()
    joined = "\x00".join(t.replace("\x00", "") for t in texts)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    # the code points not seen before, by marking those held (a sort of
    # every character cost 30 ms a batch)
    held = np.zeros(len(filled), bool)
    held[points] = True
    new = np.flatnonzero(held & ~filled)
    del held
    if len(new):
        table[new] = [_key_char(int(p)) for p in new.tolist()]
        filled[new] = True
    mapped = table[points]  # (the separator, 0, has no key form: it maps to 0)
    kept = mapped[(mapped != 0) | (points == 0)]
    return kept.tobytes().decode("utf-32-le").split("\x00")


def key_places(text: str) -> Any:
    """Where in `text` each character of its key is (`keys`), as an array.

    >>> key_places("A, b.").tolist()
    [0, 3]
    """
    import numpy as np

    keys([text])  # (fills the table for its characters)
    table, _ = _key_table()
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    return np.flatnonzero(table[points] != 0)


def numbers(text: str) -> list[str]:
    """The figures of a text in order: digits with their decimal marks,
    and Chinese numerals (`match.numbers`).

    >>> numbers("Article 3: 1,500 yuan, not １５.5")
    ['3', '1,500', '15.5']
    >>> numbers("第三十一条处二十万元罚款")
    ['三十一', '二十万']
    """
    from pipeline.match import numbers as figures

    found = [n.translate(_NARROW) for n in _NUMBER.findall(text)]
    return found + [f for f in figures(text) if not f.isdigit()]


# words whose change is an author's edit however few letters differ
_MEANING = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "half",
        "not",
        "no",
        "nor",
        "never",
        "none",
        "without",
        "cannot",
        "shall",
        "may",
        "must",
        "should",
    ]
)
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def typos_only(a_key: str, b_key: str, a_text: str, b_text: str) -> bool:
    """Whether two near copies differ by typos only: each place where their
    keys differ is one or two characters, and no word is added, dropped or
    turned into another word that carries meaning (a number word or a
    negation: "five"/"nine", "shall"/"shall not" are an author's edits).

    >>> typos_only("theregionalcouncil", "theregoinalcouncil", "the regional", "the regoinal")
    True
    >>> typos_only("itshallapply", "itshallnotapply", "it shall apply", "it shall not apply")
    False
    >>> typos_only("nomore", "notmore", "no more", "not more")
    False
    >>> typos_only("notmore", "ntmore", "not more", "nt more")
    True
    """
    from rapidfuzz.distance import Indel

    from pipeline.events import edit_blocks

    if any(block > 2 for block in edit_blocks(a_key, b_key)):
        return False
    a_words = [w.lower() for w in _LATIN_WORD.findall(a_text)]
    b_words = [w.lower() for w in _LATIN_WORD.findall(b_text)]
    # the places where the words differ (an insert beside a delete is one place)
    places: list[tuple[list[str], list[str]]] = []
    old: list[str] = []
    new: list[str] = []
    for op in Indel.opcodes(a_words, b_words):
        if op.tag == "equal":
            if old or new:
                places.append((old, new))
            old, new = [], []
            continue
        old += a_words[op.src_start : op.src_end]
        new += b_words[op.dest_start : op.dest_end]
    if old or new:
        places.append((old, new))
    for old, new in places:
        if "".join(old) == "".join(new):
            continue  # a space moved: the same letters
        meant_old, meant_new = _MEANING.intersection(old), _MEANING.intersection(new)
        if not old or not new:
            # a whole word added or dropped: a stray letter, not a word that means
            if meant_old or meant_new or max(map(len, old + new)) > 2:
                return False
            continue
        # a typo or two per word: at most two edits for each word involved
        if Indel.distance(" ".join(old), " ".join(new)) > 2 * max(len(old), len(new)):
            return False
        if meant_old and meant_new and meant_old != meant_new:
            return False  # one meaning word turned into another ("no"/"not")
    return True


def allowed_edits(length: int) -> int:
    """How many edits a near copy of a key this long may hold.

    >>> allowed_edits(20), allowed_edits(40), allowed_edits(300)
    (0, 1, 9)
    """
    if length < MIN_NEAR_CHARS:
        return 0
    return max(1, int(length * NEAR_EDIT_SHARE))


def _allowed_edits_each(lengths: Any) -> Any:
    """`allowed_edits` of each length of an array, all of them at least
    MIN_NEAR_CHARS long.

    >>> import numpy as np
    >>> _allowed_edits_each(np.array([40, 300])).tolist() == [allowed_edits(40), allowed_edits(300)]
    True
    """
    import numpy as np

    return np.maximum(1, (lengths * NEAR_EDIT_SHARE).astype(np.int64))


def find_copies(texts: list[str], key_texts: list[str] | None = None) -> list[Copy]:
    """The documents among `texts` that are copies of earlier ones, in order.

    >>> a = "The council adopted the schedule after a broad consultation."
    >>> [(c.index, c.twin, c.method) for c in find_copies([a, "Other.", a.upper()])]
    [(2, 0, 'exact')]
    >>> typo = a.replace("schedule", "schedle")
    >>> [(c.index, c.twin, c.method) for c in find_copies([a, typo])]
    [(1, 0, 'near')]
    >>> find_copies([a, a.replace("a broad", "a 3rd broad")])
    []
    """
    key_of = keys(texts) if key_texts is None else key_texts
    twins: dict[int, tuple[int, float, str]] = {}
    first: dict[str, int] = {}
    for i, key in enumerate(key_of):
        if not key:
            continue
        j = first.setdefault(key, i)
        if j != i and (texts[i] == texts[j] or numbers(texts[i]) == numbers(texts[j])):
            twins[i] = (j, 1.0, "exact")
    for i, j, distance in _near_pairs(key_of, first):
        if i in twins or numbers(texts[i]) != numbers(texts[j]):
            continue
        if not typos_only(key_of[j], key_of[i], texts[j], texts[i]):
            continue
        longest = max(len(key_of[i]), len(key_of[j]))
        twins[i] = (j, round(1 - distance / longest, 3), "near")
    return [Copy(i, *twins[i]) for i in sorted(twins)]


def _near_pairs(key_of: list[str], first: dict[str, int]) -> list[tuple[int, int, int]]:
    """(later, earlier, distance) for each later document within its
    allowed edits of an earlier one (the earliest such), exact copies aside."""
    import numpy as np
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cpdist

    # one document per distinct key: the first with it
    docs = [i for key, i in first.items() if len(key) >= MIN_NEAR_CHARS]
    if len(docs) < 2:
        return []
    doc_ids, band_keys = _band_keys([key_of[i] for i in docs])
    # (a group's order does not matter: all its pairs are taken)
    order = np.argsort(band_keys)
    band_keys, doc_ids = band_keys[order], doc_ids[order]
    del order
    # groups of documents sharing a band key (boilerplate-sized groups left
    # out); most keys are one document's and pair no one: the pairs are
    # taken among the others only (a third of the keys on 100 MB), not by
    # up to 15 passes over every key
    starts = np.flatnonzero(np.r_[True, band_keys[1:] != band_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(band_keys)])
    del band_keys
    size_of = np.repeat(sizes, sizes)
    pairing = (size_of > 1) & (size_of <= MAX_GROUP)
    del size_of
    group = np.repeat(np.arange(len(starts)), sizes)[pairing]
    doc_ids = doc_ids[pairing]
    lengths = np.array([len(key_of[i]) for i in docs], np.int64)
    later_all, earlier_all = [], []
    widest = sizes[(sizes > 1) & (sizes <= MAX_GROUP)]
    for gap in range(1, int(widest.max()) if len(widest) else 1):
        same = group[gap:] == group[:-gap]
        a, b = doc_ids[:-gap][same], doc_ids[gap:][same]
        later, earlier = np.maximum(a, b), np.minimum(a, b)
        keep = later != earlier
        later, earlier = later[keep], earlier[keep]
        # only lengths that few edits can bridge
        longest = np.maximum(lengths[later], lengths[earlier])
        limit = _allowed_edits_each(longest)
        fits = np.abs(lengths[later] - lengths[earlier]) <= limit
        later_all.append(later[fits])
        earlier_all.append(earlier[fits])
    if not later_all:
        return []
    pairs = unique(
        np.concatenate(later_all) * len(docs) + np.concatenate(earlier_all)
    )  # by later, then earlier: the earliest twin first
    if not len(pairs):
        return []
    later, earlier = pairs // len(docs), pairs % len(docs)
    limits = _allowed_edits_each(lengths)
    limit = np.maximum(limits[later], limits[earlier])
    # every pair at once, in rapidfuzz's C++ (a cut-off keeps each comparison short)
    distance = cpdist(
        [key_of[docs[i]] for i in later.tolist()],
        [key_of[docs[i]] for i in earlier.tolist()],
        scorer=Levenshtein.distance,
        score_cutoff=int(limit.max()),
        dtype=np.int32,
    )
    near = distance <= limit
    out: list[tuple[int, int, int]] = []
    done: set[int] = set()
    for i, j, d in zip(
        later[near].tolist(), earlier[near].tolist(), distance[near].tolist(), strict=True
    ):
        if i not in done:
            done.add(i)
            out.append((docs[i], docs[j], d))
    return out


def _band_keys(key_texts: list[str]) -> tuple[Any, Any]:
    """(document, band key) pairs: each key's first and last GRAM
    characters, and each two neighbouring GRAM-grams at content-defined
    anchors (where a hash of two characters falls in one of ANCHOR_EVERY
    buckets: an insertion elsewhere does not move them) together. A batch
    of KEY_BATCH_CHARS characters at a time: the arrays per character are
    held for one batch.

    >>> owners, _ = _band_keys(["a" * 40, "b" * 40])
    >>> sorted(set(owners.tolist()))
    [0, 1]
    """
    import numpy as np

    owners, hashes = [np.zeros(0, np.int64)], [np.zeros(0, np.uint64)]
    start, size = 0, 0
    for end, key in enumerate(key_texts, start=1):
        size += len(key) + 1
        if size >= KEY_BATCH_CHARS or end == len(key_texts):
            batch_owners, batch_hashes = _batch_band_keys(key_texts[start:end])
            owners.append(batch_owners + start)
            hashes.append(batch_hashes)
            start, size = end, 0
    return np.concatenate(owners), np.concatenate(hashes)


def _batch_band_keys(key_texts: list[str]) -> tuple[Any, Any]:
    import numpy as np

    joined = "\x00".join(key_texts)
    points = np.frombuffer(joined.encode("utf-32-le"), np.uint32).astype(np.uint64)
    lengths = np.array([len(k) for k in key_texts], np.int64)
    begins = np.r_[0, np.cumsum(lengths + 1)[:-1]]
    pick = (points[:-1] * np.uint64(0x9E3779B97F4A7C15) + points[1:]) * np.uint64(
        0xBF58476D1CE4E5B9
    )
    # an anchor where the hash falls in the lowest of ANCHOR_EVERY buckets
    at = np.flatnonzero(pick < np.uint64((1 << 64) // ANCHOR_EVERY))
    owner = np.searchsorted(begins, at, side="right") - 1
    inside = at + GRAM <= begins[owner] + lengths[owner]  # the gram ends in its document
    at, owner = at[inside], owner[inside]
    ends = begins + lengths - GRAM
    starts = np.concatenate([at, begins, ends])
    owners = np.concatenate([owner, np.arange(len(key_texts)), np.arange(len(key_texts))])
    hashes = np.zeros(len(starts), np.uint64)
    for j in range(GRAM):
        hashes *= np.uint64(0x100000001B3)
        hashes ^= points[starts + j]
    # the ends are tagged: a document's first characters match only another's first
    hashes[len(at) :] ^= np.repeat(np.array([1, 2], np.uint64) << np.uint64(62), len(key_texts))
    # two neighbouring anchors' grams as one key: in a large corpus of one
    # language a single gram is held by more than MAX_GROUP documents (a
    # common phrase: its key was left out, and near copies were missed more
    # often the larger the corpus), a gram and the next one by few
    grams = hashes[: len(at)]
    same = owner[1:] == owner[:-1]
    neighbours = (grams[:-1] * np.uint64(0x9E3779B97F4A7C15)) ^ grams[1:]
    owners = np.concatenate([owners[len(at) :], owner[:-1][same]])
    hashes = np.concatenate([hashes[len(at) :], neighbours[same] ^ (np.uint64(3) << np.uint64(62))])
    return owners.astype(np.int64), hashes
