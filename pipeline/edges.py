"""Edges: push each run's ends outwards character by character on the key,
tolerating single typos, so a paste boundary inside a unit or a line is
found exactly; then move it to where a paste can start (a line, a sentence).
An edge never falls inside a word or a number.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

import numpy as np

from pipeline.match import UnitMatch
from pipeline.runs import LINE_LOOK, LOOK, WHOLE_LINE_LOOK, Run, trim
from pipeline.segment import Keyed, fold  # noqa: F401 (fold: doctests)
from pipeline.textlines import at_line_end, at_line_start, end_of_line, start_of_line


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
                na - LOOK >= a_floor
                and nb - LOOK >= b_floor
                and ks[na - LOOK : na] == ks[nb - LOOK : nb]
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
                na + LOOK <= a_ceil
                and nb + LOOK <= b_ceil
                and ks[na : na + LOOK] == ks[nb : nb + LOOK]
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
    need = LOOK
    if at_line_start(text, int(pos[b_start])):
        # Whole lines on both sides (a heading above both copies) are
        # less of a coincidence than a line's first few characters.
        whole = nb < b_start and all(at_line_start(text, int(pos[k])) for k in (na, nb))
        need = WHOLE_LINE_LOOK if whole else LINE_LOOK
    elif _completes_line(text, pos, b_start, nb, na, start_of_line):
        need = 1
    if b_start - nb >= need or nb == b_floor:
        a_start, b_start = na, nb
    na, nb = _extend_forward(ks, a_end, b_end, b_start, next_start)
    need = LOOK
    if at_line_end(text, int(pos[b_end - 1]) + 1):
        whole = nb > b_end and all(at_line_end(text, int(pos[k - 1]) + 1) for k in (na, nb))
        need = WHOLE_LINE_LOOK if whole else LINE_LOOK
    elif _completes_line(text, pos, b_end - 1, nb - 1, na - 1, end_of_line):
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
    forward = line_edge is end_of_line
    if line_edge(text, b_text) != line_edge(text, at):
        return False
    if forward:
        return at_line_end(text, b_text + 1) and at_line_end(text, a_text + 1)
    return at_line_start(text, b_text) and at_line_start(text, a_text)


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
        if at_line_start(text, int(pos[run.b_start - k])):
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
            starts_line = at_line_start(text, int(keyed.pos[pushed.b_start]))
            pushed = rotate_past_sentence_end(ks, pushed, starts_line)
        accepted.add(pushed)
    return sorted(accepted.runs, key=lambda r: r.b_start)
