"""Runs: chains of matched units that copy a stretch of the text.

chain joins unit matches that follow each other on both sides into runs (a
dynamic program over pairs; small gaps are bridged only when the bridged
blocks are themselves similar and carry the same numbers); merge_runs
settles overlaps; trim and bridge shape a run's ends on the key.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from pipeline.match import UnitMatch, numbers, similarity
from pipeline.segment import Keyed
from pipeline.settings import Settings
from pipeline.spans import SpanSet

# Small (typo-sized) differences a copy must show per larger one before the
# larger ones count as noise too.
NOISE_PER_EDIT = 20


# ...and per Chinese numeral character that differs (numerals are letters
# there, and typos hit them as often as any other).
NOISE_PER_FIGURE = 5


# Characters that must agree after a skipped typo before an edge moves on.
LOOK = 8


# ...and to carry an edge that sits on a line break into the next line.
LINE_LOOK = 32


# ...or into whole lines that end where both copies' lines end.
WHOLE_LINE_LOOK = 16


# How far apart the diagonals of two runs of one copy may drift (indels).
GROUP_DRIFT = 64


_GAP_SIMILARITY_SLACK = 0.15


@dataclass(frozen=True)
class Run:
    """A run of units repeating earlier units: key ranges of both sides."""

    b_start: int
    b_end: int
    a_start: int
    a_end: int
    units: int


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


def _edge_cut(a_part: str, b_part: str, at_start: bool = True) -> tuple[int, int]:
    """How far an edge moves over the stretch before solid agreement.

    A short stretch that both sides have, nearly alike (a typo at the edge),
    stays inside the run; characters only the copy has are glued-on text
    and are cut off, also when they come before (after, at an end) a
    character both have; characters only the twin has are the copy's loss.

    >>> _edge_cut("the", "thx"), _edge_cut("", "glued"), _edge_cut("ab", "")
    ((0, 0), (0, 5), (2, 0))
    >>> _edge_cut("#中", "止.#"), _edge_cut("a.", "a.#x", at_start=False)
    ((0, 2), (0, 2))
    """
    from rapidfuzz.distance import Indel

    if (
        a_part
        and b_part
        and len(a_part) <= 8
        and abs(len(a_part) - len(b_part)) <= 2
        and Indel.distance(a_part, b_part) <= 4
    ):
        ops = [op for op in Indel.opcodes(a_part, b_part)]
        if not at_start:
            ops.reverse()
        if len(ops) >= 2 and ops[0].tag == "insert" and ops[1].tag == "equal":
            return 0, ops[0].dest_end - ops[0].dest_start
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
    probe = ks[a0 : a0 + LOOK]
    # (a run that already agrees at its start keeps it, even when its first
    # characters recur a little way in)
    lead = b0 if ks.startswith(probe, b0) else ks.find(probe, b0, min(b1, b0 + w))
    if lead >= 0 and a1 - a0 >= LOOK:
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
        b_start + LOOK <= tail_at <= b1
        and a1 - a_start >= LOOK
        and ks[tail_at - LOOK : tail_at] == ks[a1 - LOOK : a1]
    ):
        a_end, b_end = a1, tail_at
    else:
        lo_a, lo_b = max(a_start, a1 - w), max(b_start, b1 - w)
        tail = _equal_blocks(ks[lo_a:a1], ks[lo_b:b1])
        last = next((blk for blk in reversed(tail) if blk[1] - blk[0] >= _EDGE_AGREE), None)
        if last is None:
            return None
        da, db = _edge_cut(ks[lo_a + last[1] : a1], ks[lo_b + last[3] : b1], at_start=False)
        a_end, b_end = a1 - da, b1 - db
    if a_end <= a_start or b_end <= b_start:
        return None
    return Run(b_start, b_end, a_start, a_end, run.units)


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


def _periodic_extent(ks: str, lo: int, hi: int, d: int) -> tuple[int, int]:
    """How far the stretch ks[lo:hi] keeps repeating at distance d."""
    if d <= 0:
        return lo, hi
    while lo > 0 and lo - 1 + d < len(ks) and ks[lo - 1] == ks[lo - 1 + d]:
        lo -= 1
    while hi < len(ks) and hi - d >= 0 and ks[hi] == ks[hi - d]:
        hi += 1
    return lo, hi


def continues_removal(ks: str, run: Run, removed: list[Run]) -> bool:
    """True when the run continues a removed run: right after it, with a
    twin that goes on from that run's twin or starts where it started (a
    paste cut short, one more copy of the same text)."""
    if not removed:
        return False
    last = removed[-1]
    # (the key holds no white space: nothing may lie between them)
    return run.b_start <= last.b_end and (
        abs(run.a_start - last.a_end) <= GROUP_DRIFT
        or abs(run.a_start - last.a_start) <= GROUP_DRIFT
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
