"""Resolve stage: chain unit matches into runs, refine their edges, decide.

1. chain: matched unit pairs that follow each other on both sides form a
   run (a dynamic program over pairs; small gaps are bridged only when the
   bridged blocks are themselves similar and carry the same numbers).
2. extend: each run's edges are pushed outwards character by character on
   the key, tolerating single typos, so a paste boundary inside a unit or a
   line is found exactly.
3. decide: first occurrence wins. A run is removed when it is verified
   similar to its twin and long enough to be a paste; otherwise it is a
   finding and its text stays.
4. snap: key ranges map back to the text, widened only over white space so
   that whole lines go when whole lines repeat.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pipeline import policy
from pipeline.match import UnitMatch, numbers, similarity, stutters
from pipeline.model import Repeat, Span
from pipeline.segment import Keyed, fold  # noqa: F401 (fold: doctests)
from pipeline.settings import Settings
from pipeline.spans import SpanSet, Successors

# Small (typo-sized) differences a copy must show per larger one before the
# larger ones count as noise too.
_NOISE_PER_EDIT = 20
# ...and per Chinese numeral character that differs (numerals are letters
# there, and typos hit them as often as any other).
_NOISE_PER_FIGURE = 5
# Characters that must agree after a skipped typo before an edge moves on.
_LOOK = 8
# ...and to carry an edge that sits on a line break into the next line.
_LINE_LOOK = 32
# ...or into whole lines that end where both copies' lines end.
_WHOLE_LINE_LOOK = 16
# How far apart the diagonals of two runs of one copy may drift (indels).
_GROUP_DRIFT = 64
# The longest stretch between two runs of one copy that may be bridged.
_BRIDGE_CHARS = 1000
_GAP_SIMILARITY_SLACK = 0.15


@dataclass(frozen=True)
class Run:
    """A run of units repeating earlier units: key ranges of both sides."""

    b_start: int
    b_end: int
    a_start: int
    a_end: int
    units: int


# A run, its similarity, whether it goes, and the policy's verdict on it.
Decided = tuple[Run, float, bool, policy.Verdict]


def _gap_ok(ks: str, keyed: Keyed, prev: UnitMatch, cur: UnitMatch, settings: Settings) -> bool:
    units = keyed.units
    b_gap = (units[prev.later][1], units[cur.later][0])
    a_gap = (units[prev.earlier][1], units[cur.earlier][0])
    b_text, a_text = ks[b_gap[0] : b_gap[1]], ks[a_gap[0] : a_gap[1]]
    if b_text == a_text:
        return True
    if numbers(a_text) != numbers(b_text):
        return False
    return similarity(a_text, b_text) >= settings.unit_similarity - _GAP_SIMILARITY_SLACK


def chain(keyed: Keyed, matches: list[UnitMatch], settings: Settings) -> list[list[UnitMatch]]:
    """Group unit matches into runs, best (longest) runs first.

    Each later unit ends up in at most one run; a run never overlaps its own
    twin (its earlier side ends before its later side starts).
    """
    ks = keyed.key_str()
    units = keyed.units
    gap = settings.max_gap_units
    remaining = list(matches)
    runs: list[list[UnitMatch]] = []
    while remaining:
        by_later: dict[int, list[int]] = {}
        for i, m in enumerate(remaining):
            by_later.setdefault(m.later, []).append(i)
        score = [0.0] * len(remaining)
        back = [-1] * len(remaining)
        for i, m in enumerate(remaining):
            weight = (units[m.later][1] - units[m.later][0]) * m.similarity
            best, best_j = 0.0, -1
            for prev_later in range(m.later - 1, m.later - 2 - gap, -1):
                for j in by_later.get(prev_later, ()):
                    p = remaining[j]
                    db, da = m.later - p.later, m.earlier - p.earlier
                    if da < 1 or da > gap + 1 or abs(db - da) > gap:
                        continue
                    if p.earlier >= m.later or score[j] <= best:
                        continue
                    if (db > 1 or da > 1) and not _gap_ok(ks, keyed, p, m, settings):
                        continue
                    best, best_j = score[j], j
            score[i], back[i] = best + weight, best_j
        used_later: set[int] = set()
        taken: set[int] = set()
        order = sorted(range(len(remaining)), key=lambda i: (-score[i], remaining[i].earlier))
        found = False
        for end in order:
            if end in taken or remaining[end].later in used_later:
                continue
            path: list[int] = []
            i = end
            while i >= 0 and i not in taken and remaining[i].later not in used_later:
                path.append(i)
                i = back[i]
            path.reverse()
            taken.update(path)
            run = [remaining[i] for i in path]
            # A run that reaches into its own later side (periodic text) is
            # cut where its earlier side would meet its later side.
            first_later = run[0].later
            run = [m for m in run if m.earlier < first_later]
            # Runs never interleave: a run stops where it would bridge a unit
            # that another run already holds.
            for piece in _split_at_used(run, used_later):
                used_later.update(range(piece[0].later, piece[-1].later + 1))
                runs.append(piece)
                found = True
        if not found:
            break
        remaining = [m for m in remaining if m.later not in used_later]
    runs.sort(key=lambda r: keyed.units[r[0].later][0])
    return runs


def _split_at_used(run: list[UnitMatch], used: set[int]) -> list[list[UnitMatch]]:
    pieces: list[list[UnitMatch]] = []
    current: list[UnitMatch] = []
    for m in run:
        if m.later in used:
            continue
        if current and any(u in used for u in range(current[-1].later + 1, m.later)):
            pieces.append(current)
            current = []
        current.append(m)
    if current:
        pieces.append(current)
    return pieces


def _figure_at(ks: str, i: int) -> bool:
    return 0 <= i < len(ks) and ks[i].isdigit()


def _extend_back(ks: str, a: int, b: int, a_floor: int, b_floor: int) -> tuple[int, int]:
    while True:
        while a > a_floor and b > b_floor and ks[a - 1] == ks[b - 1]:
            a, b = a - 1, b - 1
        if _figure_at(ks, a - 1) or _figure_at(ks, b - 1):
            return a, b  # a figure that differs is another fact, not a typo
        for da, db in ((1, 1), (1, 0), (0, 1), (2, 2)):
            na, nb = a - da, b - db
            if (
                na - _LOOK >= a_floor
                and nb - _LOOK >= b_floor
                and ks[na - _LOOK : na] == ks[nb - _LOOK : nb]
            ):
                a, b = na, nb
                break
        else:
            return a, b


def _extend_forward(ks: str, a: int, b: int, a_ceil: int, b_ceil: int) -> tuple[int, int]:
    while True:
        while a < a_ceil and b < b_ceil and ks[a] == ks[b]:
            a, b = a + 1, b + 1
        if _figure_at(ks, a) or _figure_at(ks, b):
            return a, b
        for da, db in ((1, 1), (1, 0), (0, 1), (2, 2)):
            na, nb = a + da, b + db
            if (
                na + _LOOK <= a_ceil
                and nb + _LOOK <= b_ceil
                and ks[na : na + _LOOK] == ks[nb : nb + _LOOK]
            ):
                a, b = na, nb
                break
        else:
            return a, b


def _push_edges(
    ks: str, run: Run, prev_end: int, next_start: int, text: str, pos: np.ndarray
) -> Run:
    """Push both edges of a run out over characters that agree.

    A few matching characters past an edge are as likely a shared "。" or
    "一是" as a paste boundary: only a solid extension counts, or one that
    reaches the twin or a neighbouring run. Past a line break (the edge of
    a paste of whole lines) it must be more solid still.
    """
    a_start, b_start, a_end, b_end = run.a_start, run.b_start, run.a_end, run.b_end
    b_floor = max(prev_end, a_end)
    na, nb = _extend_back(ks, a_start, b_start, 0, b_floor)
    need = _LOOK
    if _at_line_start(text, int(pos[b_start])):
        # Whole lines on both sides (a heading above both copies) are
        # less of a coincidence than a line's first few characters.
        whole = nb < b_start and all(_at_line_start(text, int(pos[k])) for k in (na, nb))
        need = _WHOLE_LINE_LOOK if whole else _LINE_LOOK
    elif _completes_line(text, pos, b_start, nb, na, _line_start):
        need = 1
    if b_start - nb >= need or nb == b_floor:
        a_start, b_start = na, nb
    na, nb = _extend_forward(ks, a_end, b_end, b_start, next_start)
    need = _LOOK
    if _at_line_end(text, int(pos[b_end - 1]) + 1):
        whole = nb > b_end and all(_at_line_end(text, int(pos[k - 1]) + 1) for k in (na, nb))
        need = _WHOLE_LINE_LOOK if whole else _LINE_LOOK
    elif _completes_line(text, pos, b_end - 1, nb - 1, na - 1, _line_end):
        need = 1
    if nb - b_end >= need or nb == next_start or na == b_start:
        a_end, b_end = na, nb
    return Run(b_start, b_end, a_start, a_end, run.units)


def _completes_line(
    text: str, pos: np.ndarray, edge: int, b: int, a: int, line_edge: Callable[[str, int], int]
) -> bool:
    """True when an edge pushed from key position `edge` to `b` (twin to
    `a`) stops at the very edge of the same line, and the twin's does too:
    the run then covers the line whole on both sides ("1." before "The
    statistical register" in both copies)."""
    if b == edge or not 0 <= a < len(pos) or not 0 <= b < len(pos):
        return False
    b_text, a_text, at = int(pos[b]), int(pos[a]), int(pos[edge])
    forward = line_edge is _line_end
    if line_edge(text, b_text) != line_edge(text, at):
        return False
    if forward:
        return _at_line_end(text, b_text + 1) and _at_line_end(text, a_text + 1)
    return _at_line_start(text, b_text) and _at_line_start(text, a_text)


def _at_line_end(text: str, i: int) -> bool:
    return not text[i : _line_end(text, i)].strip()


def _at_line_start(text: str, i: int) -> bool:
    return not text[_line_start(text, i) : i].strip()


def shift_to_paste_start(ks: str, text: str, pos: np.ndarray, run: Run) -> Run:
    """Slide a run that touches its own twin back to where the paste begins.

    When a text is pasted right after itself and its last sentence has no
    full stop, the sentence that straddles the seam matches as part of the
    twin, and the copy seems to start a little late. Along the same
    diagonal the run can slide back until its later side starts a line.

    >>> t = "甲乙丙丁\\n甲乙丙丁\\n"
    >>> k, p = fold(t)
    >>> shift_to_paste_start(k.tobytes().decode("utf-32-le"), t, p, Run(6, 8, 2, 6, 1))
    Run(b_start=4, b_end=6, a_start=0, a_end=4, units=1)
    """
    if run.a_end != run.b_start:
        return run
    k, best = 0, 0
    while k < run.a_start and ks[run.a_start - 1 - k] == ks[run.b_start - 1 - k]:
        k += 1
        if _at_line_start(text, int(pos[run.b_start - k])):
            best = k
    if not best:
        return run
    return Run(
        run.b_start - best, run.b_end - best, run.a_start - best, run.a_end - best, run.units
    )


_STOPS = frozenset(".!?;")
_CLOSE = frozenset("\"')]")


def _sentence_start(ks: str, i: int) -> bool:
    """True when key position i starts a sentence (after a stop and any
    closing quotes or brackets)."""
    j = i - 1
    while j >= 0 and ks[j] in _CLOSE:
        j -= 1
    return i == 0 or (j >= 0 and ks[j] in _STOPS)


def rotate_past_sentence_end(ks: str, run: Run, starts_line: bool = False) -> Run:
    """A run touching its twin can slide along the text as long as the
    character it drops at its start comes back at its end: every such
    position reads the same. Start where a sentence starts, as a paste does.

    >>> rotate_past_sentence_end("甲.乙丙.乙丙.", Run(4, 7, 1, 4, 0))
    Run(b_start=5, b_end=8, a_start=2, a_end=5, units=0)
    >>> ks = "xsaidso.ysaidso.ysaidso.z"
    >>> rotate_past_sentence_end(ks, Run(15, 23, 7, 15, 0))
    Run(b_start=16, b_end=24, a_start=8, a_end=16, units=0)
    """
    if starts_line or run.a_end != run.b_start or _sentence_start(ks, run.b_start):
        return run
    best = 0
    slide = 0
    length = run.b_end - run.b_start
    while (
        slide + 1 < length
        and run.b_end + slide < len(ks)
        and ks[run.b_start + slide] == ks[run.b_end + slide]
    ):
        slide += 1
        start = run.b_start + slide
        if _sentence_start(ks, start):
            best = slide
            break
    if not best:
        return run
    return Run(
        run.b_start + best, run.b_end + best, run.a_start + best, run.a_end + best, run.units
    )


class _Accepted:
    """The runs `extend` has accepted so far: each new run asks which of
    them surround or overlap it, and a long text has thousands.

    While the accepted copy-side ranges are disjoint (as they are but for
    rare slides past a neighbour), they are kept sorted and each question
    is a bisection; after that, every range is scanned in numpy.
    """

    def __init__(self, capacity: int) -> None:
        self.runs: list[Run] = []
        self.starts = np.empty(capacity, dtype=np.int64)
        self.ends = np.empty(capacity, dtype=np.int64)
        self.disjoint = True
        # in order of start (and so of end): start, end, index in self.runs
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._index: list[int] = []

    def add(self, run: Run) -> None:
        n = len(self.runs)
        self.starts[n], self.ends[n] = run.b_start, run.b_end
        self.runs.append(run)
        if not self.disjoint:
            return
        k = bisect_left(self._starts, run.b_start)
        if (
            run.b_end <= run.b_start
            or (k > 0 and self._ends[k - 1] > run.b_start)
            or (k < len(self._starts) and self._starts[k] < run.b_end)
        ):
            self.disjoint = False
            return
        self._starts.insert(k, run.b_start)
        self._ends.insert(k, run.b_end)
        self._index.insert(k, n)

    def neighbours(self, run: Run, size: int) -> tuple[int, int]:
        """Where the accepted runs around `run` leave it room: (floor, ceiling)."""
        if self.disjoint:
            # the furthest end at or before b_start, the first start at or
            # after b_end (ends ascend with starts)
            k = bisect_right(self._ends, run.b_start)
            j = bisect_left(self._starts, run.b_end)
            floor = self._ends[k - 1] if k else 0
            ceil = self._starts[j] if j < len(self._starts) else size
            return floor, ceil
        n = len(self.runs)
        starts, ends = self.starts[:n], self.ends[:n]
        below = ends[ends <= run.b_start]
        above = starts[starts >= run.b_end]
        floor = int(below.max()) if below.size else 0
        ceil = int(above.min()) if above.size else size
        return floor, ceil

    def outside(self, run: Run) -> Run | None:
        """The part of a run that no accepted run covers (its longest side)."""
        n = len(self.runs)
        b_start, b_end = run.b_start, run.b_end
        if self.disjoint:
            # those ending after b_start and starting before b_end, taken in
            # the order they were accepted
            lo = bisect_right(self._ends, b_start)
            hi = bisect_left(self._starts, b_end)
            hits = sorted(self._index[lo:hi])
        else:
            hits = np.flatnonzero((self.ends[:n] > b_start) & (self.starts[:n] < b_end)).tolist()
        for k in hits:
            other = self.runs[k]
            if other.b_end <= b_start or other.b_start >= b_end:
                continue
            if other.b_start - b_start >= b_end - other.b_end:
                b_end = other.b_start
            else:
                b_start = other.b_end
            if b_end <= b_start:
                return None
        shift_start, shift_end = b_start - run.b_start, run.b_end - b_end
        return Run(b_start, b_end, run.a_start + shift_start, run.a_end - shift_end, run.units)


def extend(text: str, keyed: Keyed, runs: list[list[UnitMatch]]) -> list[Run]:
    """Key ranges of each run: edges pushed out, trimmed, pushed out again.

    Trimming cuts an edge back to where the run agrees with its twin (unit
    boundaries of the two copies need not line up); pushing again then
    follows the agreement as far as it really goes. Longer runs go first,
    so a long paste runs on through a short repeat that happens to sit at
    its edge (a page footer) rather than stopping there.
    """
    ks = keyed.key_str()
    units = keyed.units
    start_runs = [
        Run(
            units[r[0].later][0],
            units[r[-1].later][1],
            units[r[0].earlier][0],
            units[r[-1].earlier][1],
            len(r),
        )
        for r in runs
    ]
    accepted = _Accepted(len(start_runs))
    for run in sorted(start_runs, key=lambda r: (-(r.b_end - r.b_start), r.b_start)):
        fitted = accepted.outside(run)
        if fitted is None:
            continue
        floor, ceil = accepted.neighbours(fitted, len(ks))
        pushed = _push_edges(ks, fitted, floor, ceil, text, keyed.pos)
        pushed = shift_to_paste_start(ks, text, keyed.pos, pushed)
        trimmed = trim(ks, pushed)
        if trimmed is None:
            continue
        pushed = _push_edges(ks, trimmed, floor, ceil, text, keyed.pos)
        if pushed.b_end < ceil:
            starts_line = _at_line_start(text, int(keyed.pos[pushed.b_start]))
            pushed = rotate_past_sentence_end(ks, pushed, starts_line)
        accepted.add(pushed)
    return sorted(accepted.runs, key=lambda r: r.b_start)


# Aligned characters an edge must agree on; edits at an edge are cut off.
_EDGE_AGREE = 4
# How far into a run's edges the trimming alignment looks.
_EDGE_WINDOW = 256


def _equal_blocks(a: str, b: str) -> list[tuple[int, int, int, int]]:
    from rapidfuzz.distance import Indel

    return [
        (op.src_start, op.src_end, op.dest_start, op.dest_end)
        for op in Indel.opcodes(a, b)
        if op.tag == "equal"
    ]


def _edge_cut(a_part: str, b_part: str) -> tuple[int, int]:
    """How far an edge moves over the stretch before solid agreement.

    A short stretch that both sides have, nearly alike (a typo at the edge),
    stays inside the run; characters only the copy has are glued-on text
    and are cut off; characters only the twin has are the copy's loss.

    >>> _edge_cut("the", "thx"), _edge_cut("", "glued"), _edge_cut("ab", "")
    ((0, 0), (0, 5), (2, 0))
    """
    from rapidfuzz.distance import Indel

    if (
        a_part
        and b_part
        and len(a_part) <= 8
        and abs(len(a_part) - len(b_part)) <= 2
        and Indel.distance(a_part, b_part) <= 4
    ):
        return 0, 0
    return len(a_part), len(b_part)


def trim(ks: str, run: Run) -> Run | None:
    """Cut a run's edges back to where it agrees with its twin.

    Near-duplicate units may differ anywhere; a run may not start or end on
    text only the copy has, since text glued onto a copy is not a copy.
    Returns None when nothing solid is left.

    >>> ks = "0000000000 0;);x一0000000000 0;)"
    >>> trim(ks, Run(15, 31, 0, 15, 1))
    Run(b_start=17, b_end=31, a_start=0, a_end=14, units=1)
    >>> trim("海关总署党委。x关总署党委。", Run(7, 14, 0, 7, 1))
    Run(b_start=7, b_end=14, a_start=0, a_end=7, units=1)
    """
    w = _EDGE_WINDOW
    a0, b0, a1, b1 = run.a_start, run.b_start, run.a_end, run.b_end
    # Most often the copy just has text glued on: its twin's first (last)
    # characters reappear a little way in. Otherwise align the edges.
    probe = ks[a0 : a0 + _LOOK]
    # (a run that already agrees at its start keeps it, even when its first
    # characters recur a little way in)
    lead = b0 if ks.startswith(probe, b0) else ks.find(probe, b0, min(b1, b0 + w))
    if lead >= 0 and a1 - a0 >= _LOOK:
        a_start, b_start = a0, lead
    else:
        head = _equal_blocks(ks[a0 : min(a1, a0 + w)], ks[b0 : min(b1, b0 + w)])
        first = next((blk for blk in head if blk[1] - blk[0] >= _EDGE_AGREE), None)
        if first is None:
            return None
        da, db = _edge_cut(ks[a0 : a0 + first[0]], ks[b0 : b0 + first[2]])
        a_start, b_start = a0 + da, b0 + db
    # ...and on the same diagonal the twin's last characters close the copy.
    tail_at = a1 + (b_start - a_start)
    if (
        b_start + _LOOK <= tail_at <= b1
        and a1 - a_start >= _LOOK
        and ks[tail_at - _LOOK : tail_at] == ks[a1 - _LOOK : a1]
    ):
        a_end, b_end = a1, tail_at
    else:
        lo_a, lo_b = max(a_start, a1 - w), max(b_start, b1 - w)
        tail = _equal_blocks(ks[lo_a:a1], ks[lo_b:b1])
        last = next((blk for blk in reversed(tail) if blk[1] - blk[0] >= _EDGE_AGREE), None)
        if last is None:
            return None
        da, db = _edge_cut(ks[lo_a + last[1] : a1], ks[lo_b + last[3] : b1])
        a_end, b_end = a1 - da, b1 - db
    if a_end <= a_start or b_end <= b_start:
        return None
    return Run(b_start, b_end, a_start, a_end, run.units)


def edit_blocks(a: str, b: str) -> list[int]:
    """Characters in each block where `a` and `b` differ, in order.

    Typos and noise change a character or two here and there; an author's
    edit replaces or inserts a word or a clause.

    >>> edit_blocks("records of NARA kept", "records of NARAA kept")
    [1]
    >>> edit_blocks("any NARA records", "any National Archives (NARA) records")
    [8, 11, 1]
    """
    from rapidfuzz.distance import Indel

    blocks: list[int] = []
    current = 0
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            if current:
                blocks.append(current)
            current = 0
            continue
        current += (op.src_end - op.src_start) + (op.dest_end - op.dest_start)
    if current:
        blocks.append(current)
    return blocks


def edit_pairs(a: str, b: str) -> list[tuple[str, str]]:
    """What `a` holds and `b` holds instead, at each place where they differ.

    >>> edit_pairs("TurnOn: On is on", "TurnOff: Off is on")
    [('n', 'ff'), ('n', 'ff')]
    """
    from rapidfuzz.distance import Indel

    pairs: list[tuple[str, str]] = []
    old, new = [], []
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            if old or new:
                pairs.append(("".join(old), "".join(new)))
            old, new = [], []
            continue
        old.append(a[op.src_start : op.src_end])
        new.append(b[op.dest_start : op.dest_end])
    if old or new:
        pairs.append(("".join(old), "".join(new)))
    return pairs


def _word_around(text: str, i: int) -> tuple[int, int]:
    """The Latin-script word holding text position i (empty if none)."""
    if not (text[i].isascii() and text[i].isalpha()):
        return i, i
    lo, hi = i, i + 1
    while lo > 0 and text[lo - 1].isascii() and text[lo - 1].isalpha():
        lo -= 1
    while hi < len(text) and text[hi].isascii() and text[hi].isalpha():
        hi += 1
    return lo, hi


def replaced_words(text: str, pos: np.ndarray, ks: str, run: Run) -> list[str]:
    """The words of the twin that the run puts other words in place of.

    Typos leave a word recognisable ("Direcctor"); a replaced name or term
    does not ("Brennan" for "Chen"), whatever letters the two share, so the
    character blocks where they differ are no guide. Each block is widened
    to the twin's whole word and that word compared with what the copy has
    there. Latin script only.
    """
    from rapidfuzz.distance import Indel

    a_key, b_key = ks[run.a_start : run.a_end], ks[run.b_start : run.b_end]
    ops = Indel.opcodes(a_key, b_key)
    # where each of the twin's characters lands in the copy
    to_b = np.zeros(len(a_key) + 1, dtype=np.int64)
    for op in ops:
        if op.tag == "equal":
            to_b[op.src_start : op.src_end] = np.arange(op.dest_start, op.dest_end)
        elif op.tag == "delete":
            to_b[op.src_start : op.src_end] = op.dest_start
    to_b[len(a_key)] = len(b_key)
    seen: set[int] = set()
    out: list[str] = []
    for op in ops:
        if op.tag == "equal":
            continue
        at = min(op.src_start, len(a_key) - 1)
        lo, hi = _word_around(text, int(pos[run.a_start + at]))
        if hi - lo < 4 or lo in seen:
            continue
        seen.add(lo)
        k0 = int(np.searchsorted(pos, lo)) - run.a_start
        k1 = int(np.searchsorted(pos, hi)) - run.a_start
        if k0 < 0 or k1 > len(a_key):
            continue
        old, new = a_key[k0:k1], b_key[int(to_b[k0]) : int(to_b[k1])]
        if Indel.normalized_similarity(old, new) < 0.5:
            out.append(text[lo:hi])
    return out


def _adjacent(ks: str, run: Run, removed: SpanSet) -> bool:
    """True when only white space or removed text lies between twin and run."""
    if removed.ordered:
        # (the key holds no white space: removed text must fill the stretch)
        return removed.covers(run.a_end, run.b_start)
    at = run.a_end
    for start, end in removed:
        if end <= at or start >= run.b_start:
            continue
        if ks[at:start].strip():
            return False
        at = max(at, end)
    return ks[at : run.b_start].strip() == ""


def _line_above(text: str, i: int) -> str:
    """The nearest non-blank line above the line holding position i."""
    at = _line_start(text, i)
    while at > 0:
        prev = _line_start(text, at - 1)
        line = text[prev : at - 1]
        if line.strip():
            return line
        at = prev
    return ""


def _parallel_section(text: str, a_start: int, b_start: int, b_end: int) -> bool:
    """True when a repeat is a single paragraph and the line above it is the
    line above its twin but for its numbers: the same paragraph under
    sections 4.2.5 and 4.3.5 of a specification is the author's.

    >>> t = "4.2 Records\\n\\nKeep them.\\n4.3 Records\\n\\nKeep them.\\n"
    >>> _parallel_section(t, 13, 37, 47)
    True
    """
    import re

    def heading(i: int) -> tuple[str, int]:
        # (the line a paragraph hangs under, where the paragraph starts);
        # a run that starts inside a line holds the end of its heading
        ls, le = _line_start(text, i), _line_end(text, i)
        if text[ls:i].strip():
            return text[ls:le], le + 1
        return _line_above(text, i), i

    above_a, _ = heading(a_start)
    above_b, body = heading(b_start)
    if "\n\n" in text[body:b_end].strip("\n"):
        return False
    if not above_a.strip() or above_a == above_b:
        return False

    def frame(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()))

    return frame(above_a) == frame(above_b)


def _periodic_extent(ks: str, lo: int, hi: int, d: int) -> tuple[int, int]:
    """How far the stretch ks[lo:hi] keeps repeating at distance d."""
    if d <= 0:
        return lo, hi
    while lo > 0 and lo - 1 + d < len(ks) and ks[lo - 1] == ks[lo - 1 + d]:
        lo -= 1
    while hi < len(ks) and hi - d >= 0 and ks[hi] == ks[hi - d]:
        hi += 1
    return lo, hi


def _between_words(text: str, i: int) -> bool:
    """True when position i of a Latin-script text falls between two words.

    >>> _between_words("the council", 4), _between_words("the council", 5)
    (True, False)
    >>> _between_words("海关总署", 2)
    False
    """
    left = text[i - 1] if i > 0 else " "
    right = text[i] if i < len(text) else " "
    latin = [c for c in (left, right) if c.isalnum() and c.isascii()]
    return len(latin) == 1 and not any(c.isalnum() and not c.isascii() for c in (left, right))


def _follows(ks: str, run: Run, removed: list[Run]) -> bool:
    """True when the run continues a removed run: right after it, with a
    twin that goes on from that run's twin or starts where it started (a
    paste cut short, one more copy of the same text)."""
    if not removed:
        return False
    last = removed[-1]
    # (the key holds no white space: nothing may lie between them)
    return run.b_start <= last.b_end and (
        abs(run.a_start - last.a_end) <= _GROUP_DRIFT
        or abs(run.a_start - last.a_start) <= _GROUP_DRIFT
    )


def merge_runs(ks: str, chained: list[Run], extra: list[Run]) -> list[Run]:
    """Runs from both sources, overlaps settled: on the same diagonal the
    union, otherwise the longer run wins.

    >>> extra = [Run(28, 38, 8, 18, 0), Run(50, 60, 0, 10, 0)]
    >>> merged = merge_runs("", [Run(30, 40, 10, 20, 2)], extra)
    >>> [(r.b_start, r.b_end, r.a_start, r.a_end) for r in merged]
    [(28, 40, 8, 20), (50, 60, 0, 10)]
    """

    # Where stutters tile a chained run with twins no later than its own,
    # they say the same more precisely (each copy against the first one).
    by_start = sorted(extra, key=lambda e: e.b_start)
    starts = [e.b_start for e in by_start]

    def tiled(run: Run) -> bool:
        lo, hi = bisect_left(starts, run.b_start), bisect_right(starts, run.b_end)
        inside = [e for e in by_start[lo:hi] if e.b_end <= run.b_end]
        at = run.b_start
        for e in inside:
            if e.b_start > at or e.a_start > run.a_start:
                return False
            at = max(at, e.b_end)
        return bool(inside) and at >= run.b_end

    chained = [r for r in chained if not tiled(r)]
    out: list[Run] = []
    for run in sorted(chained + extra, key=lambda r: (r.b_start, -(r.b_end - r.b_start))):
        if not out or run.b_start >= out[-1].b_end:
            out.append(run)
            continue
        last = out[-1]
        union = Run(
            last.b_start,
            max(last.b_end, run.b_end),
            last.a_start,
            max(last.a_end, run.a_end),
            last.units + run.units,
        )
        same_diagonal = run.b_start - run.a_start == last.b_start - last.a_start
        if same_diagonal and union.a_end <= union.b_start:
            out[-1] = union
        elif _weight(ks, run) > _weight(ks, last):
            out[-1] = run
    return out


def _weight(ks: str, run: Run) -> int:
    """How much a run is to be believed where runs overlap: its length, and
    four times that when it is an exact copy of its twin."""
    size = run.b_end - run.b_start
    exact = ks[run.b_start : run.b_end] == ks[run.a_start : run.a_end]
    return size * (4 if exact else 1)


def _whole_lines(text: str, keyed: Keyed, b_start: int, b_end: int) -> bool:
    """True when key range [b_start, b_end) covers whole lines of the text."""
    start = int(keyed.pos[b_start])
    end = int(keyed.pos[b_end - 1]) + 1
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before = text[line_start:start]
    after = text[end : len(text) if line_end < 0 else line_end]
    return not before.strip() and not after.strip()


def _realign(ks: str, run: Run) -> Run | None:
    """Re-align the twin's edges to a clipped run, keeping the run's own."""
    w = _LOOK
    a0 = ks.find(ks[run.b_start : run.b_start + w], max(0, run.a_start - w), run.a_start + w)
    a1 = ks.rfind(ks[run.b_end - w : run.b_end], max(0, run.a_end - 2 * w), run.a_end + w)
    if a0 < 0 or a1 < 0 or a1 + w <= a0 or a1 + w > run.b_start:
        return trim(ks, run)
    return Run(run.b_start, run.b_end, a0, a1 + w, run.units)


def _clip_to_lines(text: str, keyed: Keyed, runs: list[Run]) -> list[Run]:
    """The runs cut back to the whole lines they cover (maybe none)."""
    pos = keyed.pos
    runs = list(runs)
    first_text = int(pos[runs[0].b_start])
    if text[_line_start(text, first_text) : first_text].strip():
        next_line = text.find("\n", first_text) + 1 or len(text)
        k = int(np.searchsorted(pos, next_line))
        while runs and runs[0].b_end <= k:
            runs.pop(0)
        if runs and runs[0].b_start < k:
            r = runs[0]
            runs[0] = Run(k, r.b_end, r.a_start + (k - r.b_start), r.a_end, r.units)
    if not runs:
        return []
    last_text = int(pos[runs[-1].b_end - 1]) + 1
    if text[last_text : _line_end(text, last_text)].strip():
        k = int(np.searchsorted(pos, _line_start(text, last_text)))
        while runs and runs[-1].b_start >= k:
            runs.pop()
        if runs and runs[-1].b_end > k:
            r = runs[-1]
            runs[-1] = Run(r.b_start, k, r.a_start, r.a_end - (r.b_end - k), r.units)
    return [r for r in runs if r.b_end > r.b_start and r.a_end > r.a_start]


def _whole_lines_inside(
    text: str, keyed: Keyed, run: Run, check: Callable[[Run], tuple[float, str]]
) -> Run | None:
    """The run cut back to the whole lines it covers, if that verifies."""
    ks = keyed.key_str()
    clipped = _clip_to_lines(text, keyed, [run])
    if len(clipped) != 1 or clipped[0] == run:
        return None
    inner = _realign(ks, clipped[0])
    if inner is None or check(inner)[1]:
        return None
    return inner


def _verifier(
    ks: str, settings: Settings, text: str | None = None, pos: np.ndarray | None = None
) -> Callable[[Run], tuple[float, str]]:
    """_verify_run for one text, remembered: decide's steps ask about the
    same runs again, and a whole copy costs an alignment of its length."""
    memo: dict[Run, tuple[float, str]] = {}

    def check(run: Run) -> tuple[float, str]:
        if run not in memo:
            memo[run] = _verify_run(ks, run, settings, text, pos)
        return memo[run]

    return check


def _verify_run(
    ks: str,
    run: Run,
    settings: Settings,
    text: str | None = None,
    pos: np.ndarray | None = None,
) -> tuple[float, str]:
    """Similarity to the twin, and why the run cannot go ("" if it can).
    Given the text and the key's offsets, words are compared too."""
    a_text, b_text = ks[run.a_start : run.a_end], ks[run.b_start : run.b_end]
    sim = 1.0 if a_text == b_text else similarity(a_text, b_text)
    if sim < settings.run_similarity:
        return sim, f"similarity {sim:.3f} below {settings.run_similarity}"
    if sim == 1.0:
        return sim, ""
    blocks = edit_blocks(a_text, b_text)
    if not _same_figures(numbers(a_text), numbers(b_text), len(blocks)):
        return sim, "numbers differ from the twin"
    big = [size for size in blocks if size > settings.max_edit_chars]
    words = replaced_words(text, pos, ks, run) if text is not None and pos is not None else []
    odd = len(big) + len(words)
    # A copy full of typos may hold a cluster of them that looks like an
    # edit; an author's revision has its edits and nothing else.
    noisy = len(blocks) - len(big) >= _NOISE_PER_EDIT * odd and all(
        size <= 3 * settings.max_edit_chars for size in big
    )
    if odd and not noisy:
        if big:
            return sim, f"differs from its twin by an edit of {max(big)} characters, not by typos"
        return sim, f"puts another word in place of {words[0]!r}, not a typo"
    return sim, ""


def _same_figures(a: list[str], b: list[str], noise: int) -> bool:
    """True when two copies carry the same figures. In a copy full of typos
    (`noise` places that differ) a typo may hit a Chinese numeral character
    (they are letters: 一, 十); a figure in digits must always agree.

    >>> _same_figures(["2022", "三十"], ["2022", "三千"], 200)
    True
    >>> _same_figures(["2022", "三十"], ["2023", "三十"], 200), _same_figures(["三十"], ["三千"], 3)
    (False, False)
    """
    if a == b:
        return True
    from collections import Counter

    changed = (Counter(a) - Counter(b)) + (Counter(b) - Counter(a))
    if any(n.isascii() for n in changed):
        return False
    return noise >= _NOISE_PER_FIGURE * sum(changed.values())


def _groups(ks: str, verified: list[tuple[Run, float, str]]) -> list[list[tuple[Run, float, str]]]:
    """Consecutive verified runs with nothing but white space between them.

    A pasted copy may come out of chaining as several runs (a unit spoiled
    by typos breaks the chain); together they are one paste event. A run
    whose twin lies inside the group so far starts a group of its own.
    """
    groups: list[list[tuple[Run, float, str]]] = []
    spans = SpanSet()  # the copy-side ranges of the last group
    for item in verified:
        run, _, reason = item
        prev = groups[-1][-1][0] if groups else None
        if (
            prev is not None
            and not reason
            and not groups[-1][-1][2]
            and run.b_start <= prev.b_end  # (the key holds no white space)
            # the same copy: its twin goes on where the last one stopped
            and abs((run.b_start - run.a_start) - (prev.b_start - prev.a_start)) <= _GROUP_DRIFT
            # (by more than the drift that typos cause at the seam)
            and not _overlaps_beyond_drift(spans, run.a_start, run.a_end)
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
            spans = SpanSet()
        spans.append((run.b_start, run.b_end))
    return groups


def _nearest(ks: str, probe: str, lo: int, hi: int, at: int) -> int | None:
    """Where `probe` occurs in ks[lo:hi] nearest to `at`, if anywhere."""
    best, i = None, ks.find(probe, lo, hi)
    while i >= 0:
        if best is None or abs(i - at) < abs(best - at):
            best = i
        i = ks.find(probe, i + 1, hi)
    return best


def _realigned_heads(ks: str, run: Run, lowest: int) -> list[Run]:
    """The run with its start edge re-aligned on the twin's first (or its
    own first) characters, a little off the diagonal."""
    out: list[Run] = []
    w, drift = _LOOK, _GROUP_DRIFT
    b = _nearest(
        ks,
        ks[run.a_start : run.a_start + w],
        max(lowest, run.b_start - drift),
        run.b_start + drift + w,
        run.b_start,
    )
    if b is not None and b != run.b_start and b < run.b_end:
        out.append(Run(b, run.b_end, run.a_start, run.a_end, run.units))
    a = _nearest(
        ks,
        ks[run.b_start : run.b_start + w],
        max(0, run.a_start - drift),
        min(run.a_end, run.a_start + drift + w),
        run.a_start,
    )
    if a is not None and a != run.a_start:
        out.append(Run(run.b_start, run.b_end, a, run.a_end, run.units))
    return out


def _realigned_tails(ks: str, run: Run) -> list[Run]:
    """The run with its twin's end re-aligned on the run's last characters."""
    w, drift = _LOOK, _GROUP_DRIFT
    probe = ks[run.b_end - w : run.b_end]
    a = _nearest(
        ks, probe, max(run.a_start, run.a_end - drift - w), run.a_end + drift, run.a_end - w
    )
    if a is None or a + w == run.a_end:
        return []
    return [Run(run.b_start, run.b_end, run.a_start, a + w, run.units)]


def _reach_out(ks: str, runs: list[Run], check: Callable[[Run], tuple[float, str]]) -> list[Run]:
    """Carry each run over the stretch before it (back to the run before,
    or to its own twin) and after it (to the next run, or the end), along
    its diagonal, where the stretch is the twin's too with typos.

    The first and last lines of a copy with typos often fail to match as
    units: the stretch against the twin's own neighbours says whether they
    belong to the copy.
    """
    out: list[Run] = []
    absorbed: set[int] = set()
    for index, run in enumerate(runs):
        if index in absorbed:
            continue
        if check(run)[1]:
            out.append(run)
            continue
        # A character doubled at the seam of two copies ("…patience!
        # CCHAPTER 32") belongs to the later copy.
        # (sliced only when short: a twin far back would copy all between)
        seam = ks[run.a_end : run.b_start] if 0 < run.b_start - run.a_end <= 2 else ""
        if seam and seam in (
            ks[run.b_start : run.b_start + len(seam)],
            ks[run.a_end - len(seam) : run.a_end],
        ):
            run = Run(run.a_end, run.b_end, run.a_start, run.a_end, run.units)
        d = run.b_start - run.a_start
        lowest = max(out[-1].b_end if out else 0, run.a_end)
        floor = max(lowest, d)
        if 0 < run.b_start - floor <= _BRIDGE_CHARS:
            wider = Run(floor, run.b_end, floor - d, run.a_end, run.units)
            # Typos that add or drop characters move the diagonal a little.
            for grown in (wider, *_realigned_heads(ks, wider, lowest)):
                if not check(grown)[1]:
                    run = grown
                    break
        nxt = runs[index + 1] if index + 1 < len(runs) else None
        ceils = [nxt.b_start if nxt else len(ks)]
        # A short repeat right after a long copy (a page footer that also
        # matches other pages) may be the copy's own last line.
        if nxt and 4 * (nxt.b_end - nxt.b_start) <= run.b_end - run.b_start:
            after = runs[index + 2].b_start if index + 2 < len(runs) else len(ks)
            ceils = [after, nxt.b_end, *ceils]
        for ceil in ceils:
            grow = ceil - run.b_end
            if not 0 < grow <= _BRIDGE_CHARS:
                continue
            wider = Run(run.b_start, ceil, run.a_start, run.a_end + grow, run.units)
            grown = next(
                (
                    r
                    for r in (wider, *_realigned_tails(ks, wider))
                    if r.a_end <= r.b_start and not check(r)[1]
                ),
                None,
            )
            if grown is not None:
                if nxt and ceil > nxt.b_start:
                    absorbed.add(index + 1)
                run = grown
                break
        out.append(run)
    return out


def _bridge(ks: str, runs: list[Run], check: Callable[[Run], tuple[float, str]]) -> list[Run]:
    """Join two runs of one copy over the stretch between them.

    Dense typos can spoil several units in a row, more than chaining
    bridges; when the runs on both sides share a diagonal and the joined
    run still verifies as a whole, the stretch between was part of the
    copy too.
    """
    runs = _reach_out(ks, runs, check)
    out: list[Run] = []
    for run in runs:
        if out:
            last = out[-1]
            drift = abs((run.b_start - run.a_start) - (last.b_start - last.a_start))
            joined = Run(last.b_start, run.b_end, last.a_start, run.a_end, last.units + run.units)
            if (
                drift <= _GROUP_DRIFT
                and run.b_start - last.b_end <= _BRIDGE_CHARS
                # (reaching out may have carried the twins a little into each other)
                and last.a_end <= run.a_start + _LOOK
                and joined.a_end <= joined.b_start
                and not check(joined)[1]
                and not check(last)[1]
                and not check(run)[1]
            ):
                out[-1] = joined
                continue
        out.append(run)
    return out


def _twins_free(group: list[tuple[Run, float, str]], removed: SpanSet) -> int:
    """How many runs open the group before one whose twin overlaps text
    already removed or a run of the group before it.

    Typos at the seam of a copy found in two pieces can let the second
    piece's twin run a few characters into the first piece: that twin is
    cut to end where the first piece begins (the group is changed in place).
    """
    own = SpanSet()
    for k, (run, sim, why) in enumerate(group):
        if k:
            seam = [
                s
                for taken in (removed, own)
                for s in taken.starts_within(run.a_end - _GROUP_DRIFT, run.a_end)
                if run.a_start < s
            ]
            if seam:
                run = dataclasses.replace(run, a_end=min(seam))
                group[k] = (run, sim, why)
        if removed.overlaps(run.a_start, run.a_end) or own.overlaps(run.a_start, run.a_end):
            return k
        own.append((run.b_start, run.b_end))
    return len(group)


def _overlaps_beyond_drift(spans: SpanSet, lo: int, hi: int) -> bool:
    """True when [lo, hi) shares more than the seam drift with a range."""
    if not spans.overlaps(lo + _GROUP_DRIFT, hi - _GROUP_DRIFT):
        return False  # (a necessary condition, asked by bisection)
    return any(min(hi, e) - max(lo, s) > _GROUP_DRIFT for s, e in spans)


def decide(text: str, keyed: Keyed, runs: list[Run], settings: Settings) -> list[Decided]:
    """Verify each run against its twin and say whether it goes.

    Returns (run, similarity, removed, verdict) for every run long enough to
    report, in text order. Runs are verified one by one, then decided as
    groups: the runs of one paste event go together or not at all.
    """
    ks = keyed.key_str()
    repeated = sum(r.b_end - r.b_start for r in runs)
    distinct = max(1, len(ks) - repeated)
    # Long in itself, or most of what a short text says.
    long_enough = min(
        settings.min_run_chars,
        max(settings.min_adjacent_chars, settings.min_run_share * distinct),
    )
    check = _verifier(ks, settings, text, keyed.pos)
    runs = _bridge(ks, runs, check)
    verified: list[tuple[Run, float, str]] = []
    for run in runs:
        if run.b_end - run.b_start < settings.min_finding_chars:
            continue
        sim, reason = check(run)
        if reason and run.b_end - run.b_start >= long_enough:
            # A run that overshot into a neighbouring line alike but for a
            # name or a figure: the whole lines inside it may still be a copy.
            inner = _whole_lines_inside(text, keyed, run, check)
            if inner is not None:
                run, (sim, reason) = inner, check(inner)
        verified.append((run, sim, reason))
    removed_spans = SpanSet()
    removed_runs: list[Run] = []
    removed_rules: list[str] = []
    out: list[Decided] = []
    for group in _groups(ks, verified):
        if group[0][2]:
            edit = policy.RULE["K2"]
            out.extend(
                (run, sim, False, policy.Verdict(edit, reason)) for run, sim, reason in group
            )
            continue
        # A twin inside text already removed (or inside this very paste)
        # cannot vouch for the run: it ends the group there.
        cut = _twins_free(group, removed_spans)
        head, tail = group[:cut], group[cut:]
        twin_gone = policy.Verdict(policy.RULE["K1"])
        out.extend((run, sim, False, twin_gone) for run, sim, _ in tail)
        if not head:
            continue
        follows = _follows(ks, head[0][0], removed_runs)
        far_head, far_why = _far_repeat(text, keyed, head, long_enough, check)
        event = _event(text, keyed, head, distinct, removed_runs, follows, far_why)
        if follows and removed_rules[-1] == "R1":
            event = dataclasses.replace(event, after_whole_copy=True)
        verdict = policy.judge(event, settings)
        if verdict.rule.code == "R3":
            head = far_head
        for run, sim, _ in head:
            out.append((run, sim, verdict.removed, verdict))
            if verdict.removed:
                removed_spans.append((run.b_start, run.b_end))
                removed_runs.append(run)
                removed_rules.append(verdict.rule.code)
    out.sort(key=lambda item: item[0].b_start)
    return out


def _far_repeat(
    text: str,
    keyed: Keyed,
    head: list[tuple[Run, float, str]],
    long_enough: float,
    check: Callable[[Run], tuple[float, str]],
) -> tuple[list[tuple[Run, float, str]], str]:
    """The thorough policy's test of a repeat far from its twin (what
    `far_repeats = "remove"` removes): long enough, not a paragraph under a
    heading numbered like its twin's, and whole lines (partial lines at the
    edges clipped). Returns the runs it would remove and why it would not
    ("" when it would)."""
    ks = keyed.key_str()
    first, last = head[0][0], head[-1][0]
    if last.b_end - first.b_start < long_enough:
        return head, f"shorter than {long_enough:.0f} characters"
    a_text, b_text = int(keyed.pos[first.a_start]), int(keyed.pos[first.b_start])
    if _parallel_section(text, a_text, b_text, int(keyed.pos[last.b_end - 1]) + 1):
        return head, "one paragraph under a heading numbered like its twin's (parallel sections)"
    if _whole_lines(text, keyed, first.b_start, last.b_end):
        return head, ""
    # A paste far from its twin brings whole lines; part of a line that
    # repeats part of another is an author's wording. Keep the partial
    # lines at the edges and see whether whole lines remain; typos on the
    # way shift the twin's edge a little: align the edges again.
    clipped = _clip_to_lines(text, keyed, [r for r, _, _ in head])
    clipped = [t for t in (_realign(ks, r) for r in clipped) if t is not None]
    rechecked = [(r, *check(r)) for r in clipped]
    size = clipped[-1].b_end - clipped[0].b_start if clipped else 0
    if clipped and size >= long_enough and not any(why for _, _, why in rechecked):
        return rechecked, ""
    return head, "starts or ends inside a line that is not a repeat"


def _systematic(changes: list[tuple[str, str]]) -> bool:
    """True when one change is made at several places, a good share of all
    (TurnOn -> TurnOff throughout): a revision. Typos differ each time.

    >>> typos = [(c, "") for c in "abcdefghij"]
    >>> _systematic([("n", "ff")] * 3), _systematic([("n", "ff")] * 2 + typos)
    (True, False)
    """
    if not changes:
        return False
    from collections import Counter

    most = Counter(changes).most_common(1)[0][1]
    return most >= 2 and 4 * most >= len(changes)


def _event(
    text: str,
    keyed: Keyed,
    head: list[tuple[Run, float, str]],
    distinct: int,
    removed_runs: list[Run],
    follows: bool,
    far_why: str,
) -> policy.Event:
    """The plain features the policy judges a repeat event by."""
    ks, pos = keyed.key_str(), keyed.pos
    first, last = head[0][0], head[-1][0]
    changes = [
        pair
        for r, sim, _ in head
        if sim < 1.0
        for pair in edit_pairs(ks[r.a_start : r.a_end], ks[r.b_start : r.b_end])
    ]
    b0, b1 = int(pos[first.b_start]), int(pos[last.b_end - 1]) + 1
    a0, a1 = int(pos[first.a_start]), int(pos[last.a_end - 1]) + 1
    # pasted right after its twin, or right after the removal it continues
    prev_end = int(pos[removed_runs[-1].b_end - 1]) + 1 if follows else a1
    between = text[prev_end:b0] if prev_end <= b0 else None
    gap = between if between is not None and not between.strip() else None
    a_line = _line_start(text, a0)
    twin_starts_paragraph = not text[a_line:a0].strip() and (
        a_line == 0 or not text[_line_start(text, a_line - 1) : a_line].strip()
    )
    return policy.Event(
        chars=last.b_end - first.b_start,
        distinct_chars=distinct,
        gap=gap,
        follows_removal=follows,
        copy=text[b0:b1],
        twin_text=text[a0:a1],
        before=text[max(0, b0 - 40) : b0],
        after=text[b1 : b1 + 40],
        copy_lines=text[_line_start(text, b0) : _line_end(text, b1)],
        twin_lines=text[a_line : _line_end(text, a1)],
        twin_starts_paragraph=twin_starts_paragraph,
        far_why=far_why,
        exact=not changes,
        edits=len(changes),
        systematic=_systematic(changes),
    )


_LEADING_SPACE = re.compile(r"\s*")


def _blank_to(text: str, i: int) -> bool:
    """not text[:i].strip(), without copying text[:i] (asked once a removal).

    >>> _blank_to(" \\n a", 3), _blank_to(" \\n a", 4)
    (True, False)
    """
    return _LEADING_SPACE.match(text).end() >= min(i, len(text))


def _blank_from(text: str, i: int) -> bool:
    """not text[i:].strip(), without copying text[i:] (asked once a removal).

    >>> _blank_from("a \\n", 1), _blank_from("a \\n", 0)
    (True, False)
    """
    end = len(text)
    while end > i and text[end - 1].isspace():
        end -= 1
    return end <= i


def _line_start(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


_HSPACE = " \t\u3000\u00a0"


def blank_lines_before(text: str, start: int) -> int:
    """How many blank lines stand right above the line holding `start`.

    >>> blank_lines_before("a\\n\\n\\nb\\n", 4)
    2
    """
    return _blank_lines_above(text, _line_start(text, start), 0)


def _blank_lines_above(text: str, start: int, floor: int) -> int:
    count, at = 0, start
    while at > floor:
        prev = _line_start(text, at - 1)
        if prev < floor or text[prev : at - 1].strip():
            break
        count, at = count + 1, prev
    return count


def _blank_lines_below(text: str, end: int) -> int:
    """Blank lines right after the line holding position end - 1."""
    count, at = 0, _line_end(text, max(0, end - 1)) + 1
    while at < len(text):
        nl = _line_end(text, at)
        if text[at:nl].strip():
            break
        count, at = count + 1, nl + 1
    return count


def snap(
    text: str,
    start: int,
    end: int,
    floor: int,
    ceil: int,
    twin_lead: int = 0,
    twin_trail: int | None = None,
    continues: bool = False,
    twin_on_top: bool = False,
) -> tuple[int, int]:
    """Widen [start, end) over white space only: whole lines when whole
    lines repeat, a clean cut inside a line otherwise.

    Blank lines around a removed block of lines: a paste starts at a
    paragraph and brings its own trailing blank lines, so the block takes
    the blank lines after it and leaves those above it to the text. A copy
    right after its twin (`twin_trail` given) mirrors the twin instead: as
    many blank lines before it as before the twin (`twin_lead`), as many
    after it as the twin has of its own. A removal that `continues` one
    which began a line (a noisy copy found in two pieces) ends like a
    block of whole lines. A copy of a twin that opens the text
    (`twin_on_top`) takes as many blank lines above it as the twin has.

    >>> t = "甲乙。\\n丙丁。\\n甲乙。\\n"
    >>> snap(t, 8, 11, 0, len(t))
    (8, 12)
    >>> snap("甲乙。 甲乙。\\n", 4, 7, 0, 8)
    (3, 7)
    >>> snap("甲。\\n\\n乙。\\n\\n乙。\\n\\n丙。\\n", 8, 10, 0, 16)
    (8, 12)
    """
    ls = _line_start(text, start)
    first = start
    at_line_start = text[ls:start].strip() == "" and ls >= floor
    if at_line_start:
        start = ls
    elif continues:
        at_line_start = True
    else:
        while start > floor and text[start - 1] in _HSPACE:
            start -= 1
    le = _line_end(text, end)
    if text[end:le].strip() != "":
        if at_line_start:
            # the line goes on after the copy: it keeps its indentation
            start = first if start == ls else start
            while end < ceil and text[end] in _HSPACE:
                end += 1
            if twin_on_top and start == ls:
                for _ in range(min(_blank_lines_above(text, start, floor), twin_lead)):
                    start = _line_start(text, start - 1)
        return start, end
    if not at_line_start:
        # Cut inside a line: the line keeps its break; blank lines left
        # after the copy at the very end of the text go with it.
        if _blank_from(text, le) and le < len(text) - 1:
            return start, len(text) - 1
        return start, le
    end = min(le + 1, len(text), ceil)
    above = _blank_lines_above(text, start, floor)
    below, at = 0, end
    while at < ceil:
        nl = _line_end(text, at)
        if text[at:nl].strip() or nl >= ceil:
            break
        below, at = below + 1, nl + 1
    if twin_trail is not None:
        # A copy right after its twin (or after another removed copy):
        # its own blank lines mirror the twin's.
        take_above = min(above, twin_lead)
        take_below = below if at >= len(text) else min(below, twin_trail)
    else:
        take_below = below
        take_above = min(above, twin_lead) if twin_on_top else 0
    for _ in range(take_below):
        end = _line_end(text, end) + 1
    for _ in range(take_above):
        start = _line_start(text, start - 1)
    return start, end


# Key characters a copy's first (last) line may hold outside its run.
_LINE_EDGE = 8


def _edge_alike(a: str, b: str) -> bool:
    """Two short line edges that say the same, up to a typo."""
    from rapidfuzz.distance import Indel

    return (
        0 < len(a) <= _LINE_EDGE
        and 0 < len(b) <= _LINE_EDGE
        and numbers(a) == numbers(b)
        and Indel.normalized_similarity(a, b) >= 0.6
    )


def _fit_line_edges(
    text: str, keyed: Keyed, decided: list[Decided], settings: Settings
) -> list[Decided]:
    """Carry a removed run to the edges of its first and last lines when
    what it leaves there mirrors its twin's line (a typo on the copy's
    first characters stops the alignment short of the line start).
    """
    ks, pos = keyed.key_str(), keyed.pos
    removed = Successors(run.b_start for run, _, gone, _ in decided if gone)
    spans = SpanSet((run.b_start, run.b_end) for run, _, gone, _ in decided if gone)

    def clear(lo: int, hi: int) -> bool:
        # a twin must stay clear of every removal
        return not spans.overlaps(lo, hi)

    def key_at(i: int) -> int:
        return int(np.searchsorted(pos, i))

    out: list[Decided] = []
    floor = 0
    for run, sim, gone, reason in decided:
        if gone:
            later = removed.first_after(run.b_start)
            ceil = len(ks) if later is None else later
            b0, a0, b1, a1 = run.b_start, run.a_start, run.b_end, run.a_end
            b_ls = key_at(_line_start(text, int(pos[b0])))
            a_ls = key_at(_line_start(text, int(pos[a0])))
            if b_ls >= max(floor, a1) and clear(a_ls, a0) and _edge_alike(ks[a_ls:a0], ks[b_ls:b0]):
                b0, a0 = b_ls, a_ls
            b_le = key_at(_line_end(text, int(pos[b1 - 1]) + 1))
            a_le = key_at(_line_end(text, int(pos[a1 - 1]) + 1))
            if (
                b_le <= ceil
                and a_le <= b0
                and clear(a1, a_le)
                and _edge_alike(ks[a1:a_le], ks[b1:b_le])
            ):
                b1, a1 = b_le, a_le
            fitted = Run(b0, b1, a0, a1, run.units)
            if fitted != run:
                fitted_sim, why = _verify_run(ks, fitted, settings, text, pos)
                if not why:
                    run, sim = fitted, fitted_sim
            floor = run.b_end
        out.append((run, sim, gone, reason))
    return out


def resolve(
    text: str, keyed: Keyed, matches: list[UnitMatch], settings: Settings
) -> tuple[Repeat, ...]:
    """Turn unit matches into the document's removals and findings."""
    runs = merge_runs(
        keyed.key_str(),
        extend(text, keyed, chain(keyed, matches, settings)),
        [
            rotate_past_sentence_end(
                keyed.key_str(), Run(*s, units=0), _at_line_start(text, int(keyed.pos[s[0]]))
            )
            for s in stutters(keyed, settings.min_adjacent_chars)
        ],
    )
    decided = decide(text, keyed, runs, settings)
    decided = _fit_line_edges(text, keyed, decided, settings)
    pos = keyed.pos
    repeats: list[Repeat] = []
    floor = 0
    line_open = False  # the last removal began a line and ends at floor
    removed_starts = Successors(r.b_start for r, _, removed, _ in decided if removed)
    for run, sim, removed, reason in decided:
        b = Span(int(pos[run.b_start]), int(pos[run.b_end - 1]) + 1)
        a = Span(int(pos[run.a_start]), int(pos[run.a_end - 1]) + 1)
        if removed:
            later = removed_starts.first_after(run.b_start)
            ceil = len(text) if later is None else int(pos[later])
            # A twin that starts inside a line (a paragraph's tail pasted
            # again as the next paragraph) has no blank lines of its own:
            # its copy takes none either, only its own text.
            tail_paste = not _at_line_start(text, a.start)
            lead = 0 if tail_paste else blank_lines_before(text, a.start)
            trail = None
            if not text[max(floor, a.end) : b.start].strip():
                after_twin = 0 if tail_paste else _blank_lines_below(text, a.end)
                trail = max(0, after_twin - lead)
            on_top = _blank_to(text, a.start)
            continues = line_open and b.start == floor
            start, end = snap(
                text, b.start, b.end, max(floor, a.end), ceil, lead, trail, continues, on_top
            )
            line_open = (start == floor and line_open) or _at_line_start(text, start)
            b = Span(start, end)
            floor = end
        exact = sim == 1.0
        method = "exact" if exact else "near"
        repeats.append(
            Repeat(b, a, round(sim, 4), method, removed, reason.reason, rule=reason.rule.code)
        )
    return tuple(repeats)


def kept_map(text: str, repeats: tuple[Repeat, ...]) -> tuple[str, list[tuple[int, int, int]]]:
    """The kept text and its pieces as (kept start, original start, length)."""
    pieces: list[tuple[int, int, int]] = []
    out: list[str] = []
    at = kept_at = 0
    for r in sorted((r for r in repeats if r.removed), key=lambda r: r.span.start):
        if r.span.start > at:
            pieces.append((kept_at, at, r.span.start - at))
            out.append(text[at : r.span.start])
            kept_at += r.span.start - at
        at = r.span.end
    if at < len(text):
        pieces.append((kept_at, at, len(text) - at))
        out.append(text[at:])
    return "".join(out), pieces


def _to_original(pieces: list[tuple[int, int, int]], i: int) -> int:
    """Original index of kept character i (pieces sorted by kept start)."""
    import bisect

    k = bisect.bisect_right([p[0] for p in pieces], i) - 1
    kept_start, orig_start, _ = pieces[k]
    return orig_start + (i - kept_start)


def _map_span(pieces: list[tuple[int, int, int]], span: Span) -> Span:
    if len(span) == 0:
        start = _to_original(pieces, span.start) if pieces else 0
        return Span(start, start)
    return Span(_to_original(pieces, span.start), _to_original(pieces, span.end - 1) + 1)


def _repoint(text: str, repeat: Repeat, removed: list[Repeat]) -> list[Repeat]:
    """Point a twin that a later pass removed at that removal's own twin.

    Piece by piece: where the repeat is a character-exact copy of its twin
    and a later removal is a character-exact copy of its own, the offsets
    carry over, and the repeat splits where its twin's coverage does.
    Otherwise the twin stays (a chain ending in kept text, which verify
    accepts).
    """
    twin, span = repeat.twin, repeat.span
    covering = [r for r in removed if r.span.overlaps(twin)]
    if not covering or text[span.start : span.end] != text[twin.start : twin.end]:
        return [repeat]
    pieces: list[Repeat] = []
    at = twin.start
    for r in sorted(covering, key=lambda r: r.span.start):
        exact = not r.inner and text[r.span.start : r.span.end] == text[r.twin.start : r.twin.end]
        if not exact:
            return [repeat]
        lo, hi = max(twin.start, r.span.start), min(twin.end, r.span.end)
        if lo > at:
            pieces.append(
                dataclasses.replace(
                    repeat,
                    span=Span(span.start + (at - twin.start), span.start + (lo - twin.start)),
                    twin=Span(at, lo),
                )
            )
        shift = r.twin.start - r.span.start
        pieces.append(
            dataclasses.replace(
                repeat,
                span=Span(span.start + (lo - twin.start), span.start + (hi - twin.start)),
                twin=Span(lo + shift, hi + shift),
            )
        )
        at = hi
    if at < twin.end:
        pieces.append(
            dataclasses.replace(
                repeat,
                span=Span(span.start + (at - twin.start), span.end),
                twin=Span(at, twin.end),
            )
        )
    return [p for p in pieces if len(p.span)]


def _to_kept(pieces: list[tuple[int, int, int]], i: int) -> int | None:
    for kept_start, orig_start, size in pieces:
        if orig_start <= i < orig_start + size:
            return kept_start + (i - orig_start)
    return None


def _repoint_kept(
    kept: str,
    pieces: list[tuple[int, int, int]],
    repeat: Repeat,
    taken: list[Repeat],
    pass_no: int,
) -> Repeat:
    """A twin this pass removed, moved to where this pass's removal came
    from, when that removal is an exact copy in the text the pass saw.
    The repeat is then reported against that text (its pass number)."""
    start = _to_kept(pieces, repeat.twin.start)
    last = _to_kept(pieces, repeat.twin.end - 1)
    if start is None or last is None:
        return repeat
    end = last + 1
    for r in taken:
        if (
            r.span.start <= start
            and end <= r.span.end
            and kept[r.span.start : r.span.end] == kept[r.twin.start : r.twin.end]
        ):
            shift = r.twin.start - r.span.start
            twin = _map_span(pieces, Span(start + shift, end + shift))
            return dataclasses.replace(repeat, twin=twin, pass_no=pass_no)
    return repeat


def compose(
    text: str,
    earlier: tuple[Repeat, ...],
    later: tuple[Repeat, ...],
    pieces: list[tuple[int, int, int]],
    pass_no: int,
) -> tuple[Repeat, ...]:
    """Merge a pass over the kept text into the repeats of the pass before.

    Spans of the later pass are mapped back to the original text. A later
    removal that straddles earlier removals swallows them (they become its
    `inner` repeats); its twin may enclose earlier removals, in which case
    the twin is the kept text inside it.
    """
    removed_before = [r for r in earlier if r.removed]
    out: list[Repeat] = []
    swallowed: set[int] = set()
    for r in later:
        span = _map_span(pieces, r.span)
        twin = _map_span(pieces, r.twin)
        if r.removed:
            inner = tuple(
                e for e in removed_before if span.start <= e.span.start and e.span.end <= span.end
            )
            swallowed.update(id(e) for e in inner)
            out.append(dataclasses.replace(r, span=span, twin=twin, inner=inner, pass_no=pass_no))
        else:
            out.append(dataclasses.replace(r, span=span, twin=twin, inner=(), pass_no=pass_no))
    kept_before = [e for e in earlier if id(e) not in swallowed]
    new_removed = [r.span for r in out if r.removed]
    kept_before = [
        e for e in kept_before if e.removed or not any(e.span.overlaps(s) for s in new_removed)
    ]
    newly = [r for r in out if r.removed]
    kept_before = [
        piece for e in kept_before for piece in (_repoint(text, e, newly) if e.removed else [e])
    ]
    # Twins still taken by this pass: move them along this pass's own
    # removals, in the coordinates of the text this pass saw.
    kept = "".join(text[o : o + n] for _, o, n in pieces)
    taken = [r for r in later if r.removed]
    kept_before = [
        _repoint_kept(kept, pieces, e, taken, pass_no)
        if e.removed and any(e.twin.overlaps(s) for s in new_removed)
        else e
        for e in kept_before
    ]
    seen = {(r.span, r.twin) for r in out}
    merged = out + [e for e in kept_before if (e.span, e.twin) not in seen]
    return tuple(sorted(merged, key=lambda r: (r.span.start, r.span.end)))
