"""Bridge stage: the runs of one copy, split by typos, joined again.

Dense typos spoil units, so chaining (pipeline.runs) finds a noisy copy as
several runs on one diagonal with stretches between them. Here each run is
carried over the stretches around it where they are the twin's too, and
the runs of one copy are joined when the whole still verifies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from pipeline.runs import GROUP_DRIFT, LOOK, Run, trim

# The longest stretch between two runs of one copy that may be bridged.
_BRIDGE_CHARS = 1000


def realign(ks: str, run: Run) -> Run | None:
    """Re-align the twin's edges to a clipped run, keeping the run's own."""
    w = LOOK
    a0 = ks.find(ks[run.b_start : run.b_start + w], max(0, run.a_start - w), run.a_start + w)
    a1 = ks.rfind(ks[run.b_end - w : run.b_end], max(0, run.a_end - 2 * w), run.a_end + w)
    if a0 < 0 or a1 < 0 or a1 + w <= a0 or a1 + w > run.b_start:
        return trim(ks, run)
    return Run(run.b_start, run.b_end, a0, a1 + w, run.units)


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
    w, drift = LOOK, GROUP_DRIFT
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
    w, drift = LOOK, GROUP_DRIFT
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
                    run = _agreeing_start(ks, grown, check)
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


def _agreeing_start(ks: str, run: Run, check: Callable[[Run], tuple[float, str]]) -> Run:
    """A run carried back along its diagonal over a stretch with typos may
    start a few characters before its copy does (a typo in the copy's first
    words moves the diagonal): its start is cut back to where it agrees
    with its twin's, when what is left is still a copy."""
    trimmed = trim(ks, run)
    if trimmed is None or trimmed.b_start <= run.b_start:
        return run
    head = Run(trimmed.b_start, run.b_end, trimmed.a_start, run.a_end, run.units)
    return run if check(head)[1] else head


def bridge_runs(ks: str, runs: list[Run], check: Callable[[Run], tuple[float, str]]) -> list[Run]:
    """Join runs of one copy over the stretches between them.

    Dense typos can spoil several units in a row, more than chaining
    bridges; when the runs on both sides share a diagonal and the joined
    run still verifies as a whole, the stretch between was part of the
    copy too. A chain of such runs is first tried whole: typos that hit
    Chinese numerals are weighed against the typos of the whole copy, not
    of one stretch of it.
    """
    runs = _reach_out(ks, runs, check)
    out: list[Run] = []
    for chain_ in _diagonal_chains(runs):
        whole = Run(
            chain_[0].b_start,
            chain_[-1].b_end,
            chain_[0].a_start,
            chain_[-1].a_end,
            sum(r.units for r in chain_),
        )
        overlap = whole.a_end - whole.b_start
        if 0 < overlap <= GROUP_DRIFT:
            # The twin's end and the copy's start overlap by a few
            # characters that typos left unsure. If the copy starts as its
            # twin does, the twin's end was carried into the copy: it ends
            # where the copy starts; else the copy started early, inside
            # its twin's last characters: it starts after them.
            head = slice(whole.b_start, whole.a_end)
            if ks[head] == ks[whole.a_start : whole.a_start + overlap]:
                whole = dataclasses.replace(whole, a_end=whole.b_start)
            else:
                whole = dataclasses.replace(whole, b_start=whole.a_end)
        if (
            len(chain_) > 2
            and whole.a_end <= whole.b_start
            and not check(whole)[1]
            and all(_whole_or_spoiled(r, check) for r in chain_)
        ):
            out.append(whole)
            continue
        for run in chain_:
            if out and _bridgeable(out[-1], run):
                last = out[-1]
                joined = Run(
                    last.b_start, run.b_end, last.a_start, run.a_end, last.units + run.units
                )
                if (
                    joined.a_end <= joined.b_start
                    and not check(joined)[1]
                    and _whole_or_spoiled(last, check)
                    and _whole_or_spoiled(run, check)
                ):
                    out[-1] = joined
                    continue
            out.append(run)
    return out


def _bridgeable(last: Run, run: Run) -> bool:
    """True when `run` may continue `last`'s copy: on its diagonal, close by."""
    drift = abs((run.b_start - run.a_start) - (last.b_start - last.a_start))
    return (
        drift <= GROUP_DRIFT
        and run.b_start - last.b_end <= _BRIDGE_CHARS
        # (reaching out may have carried the twins a little into each other)
        and last.a_end <= run.a_start + LOOK
    )


def _diagonal_chains(runs: list[Run]) -> list[list[Run]]:
    """Runs in order, cut where one cannot continue the one before."""
    chains: list[list[Run]] = []
    for run in runs:
        if chains and _bridgeable(chains[-1][-1], run):
            chains[-1].append(run)
        else:
            chains.append([run])
    return chains


# A piece of a noisy copy this short (key characters) may fail verification
# on its own (two typos in ten characters) and still belong to the copy.
SPOILED_PIECE = 40


def _whole_or_spoiled(run: Run, check: Callable[[Run], tuple[float, str]]) -> bool:
    """True when the run verifies; or is a short piece too spoiled by typos
    to verify alone; or differs only in figures, which the joined run's
    check weighs against the typos of the whole copy (a typo can hit a
    Chinese numeral; a figure in digits must agree there too). A piece
    whose words differ stays apart."""
    why = check(run)[1]
    return (
        not why
        or why.startswith("numbers differ")
        or why.startswith("similarity")
        and run.b_end - run.b_start <= SPOILED_PIECE
    )
