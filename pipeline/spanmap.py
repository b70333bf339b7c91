"""Mapping back: key ranges to text spans (widened only over white space so
that whole lines go when whole lines repeat), and spans between the input,
the kept text and several passes of removals.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pipeline.events import Decided, verify_run
from pipeline.match import numbers
from pipeline.model import Repeat, Span
from pipeline.runs import Run
from pipeline.segment import Keyed
from pipeline.settings import Settings
from pipeline.spans import SpanSet, Successors
from pipeline.textlines import HSPACE, blank_from, blank_lines_above, end_of_line, start_of_line


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
    ls = start_of_line(text, start)
    first = start
    at_line_start = text[ls:start].strip() == "" and ls >= floor
    if at_line_start:
        start = ls
    elif continues:
        at_line_start = True
    else:
        while start > floor and text[start - 1] in HSPACE:
            start -= 1
    le = end_of_line(text, end)
    if text[end:le].strip() != "":
        if at_line_start:
            # the line goes on after the copy: it keeps its indentation
            start = first if start == ls else start
            while end < ceil and text[end] in HSPACE:
                end += 1
            if twin_on_top and start == ls:
                for _ in range(min(blank_lines_above(text, start, floor), twin_lead)):
                    start = start_of_line(text, start - 1)
        return start, end
    if not at_line_start:
        # Cut inside a line: the line keeps its break; blank lines left
        # after the copy at the very end of the text go with it.
        if blank_from(text, le) and le < len(text) - 1:
            return start, len(text) - 1
        return start, le
    end = min(le + 1, len(text), ceil)
    above = blank_lines_above(text, start, floor)
    below, at = 0, end
    while at < ceil:
        nl = end_of_line(text, at)
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
        end = end_of_line(text, end) + 1
    for _ in range(take_above):
        start = start_of_line(text, start - 1)
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


def fit_line_edges(
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
            b_ls = key_at(start_of_line(text, int(pos[b0])))
            a_ls = key_at(start_of_line(text, int(pos[a0])))
            if b_ls >= max(floor, a1) and clear(a_ls, a0) and _edge_alike(ks[a_ls:a0], ks[b_ls:b0]):
                b0, a0 = b_ls, a_ls
            b_le = key_at(end_of_line(text, int(pos[b1 - 1]) + 1))
            a_le = key_at(end_of_line(text, int(pos[a1 - 1]) + 1))
            if (
                b_le <= ceil
                and a_le <= b0
                and clear(a1, a_le)
                and _edge_alike(ks[a1:a_le], ks[b1:b_le])
            ):
                b1, a1 = b_le, a_le
            fitted = Run(b0, b1, a0, a1, run.units)
            if fitted != run:
                fitted_sim, why = verify_run(ks, fitted, settings, text, pos)
                if not why:
                    run, sim = fitted, fitted_sim
            floor = run.b_end
        out.append((run, sim, gone, reason))
    return out


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


def map_span(pieces: list[tuple[int, int, int]], span: Span) -> Span:
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
            twin = map_span(pieces, Span(start + shift, end + shift))
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
        span = map_span(pieces, r.span)
        twin = map_span(pieces, r.twin)
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
