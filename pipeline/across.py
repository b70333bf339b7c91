"""Across documents: what a document repeats from the documents before it.

Each document is first cleaned on its own; here its kept text is compared
with the kept texts of the documents processed before it (sorted path
order). Only documents that share runs of whole units (pairs of
consecutive units, at least `min_run_chars` characters of them) are compared
in full, so most pairs cost a dictionary look-up.
A pair is compared by the same detection that works inside one document,
run over the two texts one after the other: a stretch of the later one goes
when, inside one file, it would have been removed as a paste of the
earlier one (long enough, whole lines, a verified twin).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.model import Repeat, Result, Span
from pipeline.settings import Settings


@dataclass(frozen=True)
class CrossRepeat:
    """A stretch of one document's cleaned input repeating another document."""

    span: Span  # in this document's cleaned input
    twin_path: str
    twin: Span  # in the other document's cleaned input
    similarity: float
    method: str
    kept_span: Span  # the same stretch in this document's kept text


@dataclass
class Seen:
    """One earlier document, as the comparison needs it."""

    path: str
    kept: str
    to_cleaned: list[tuple[int, int, int]]
    units: Counter[str]


def _units(text: str, settings: Settings) -> Counter[str]:
    """Pairs of consecutive unit keys, each with its count.

    A paste shares runs of units with its twin; two documents written in
    the same words share single sentences by chance ("...reported to the
    board."), rarely two in a row. Pairs keep such documents from becoming
    candidates for a full comparison.
    """
    from pipeline.segment import segment

    keyed = segment(text, settings.max_unit_chars)
    ks = keyed.key_str()
    keys = [ks[s:e] for s, e in keyed.units if e - s >= settings.min_unit_chars]
    return Counter(f"{a}\x00{b}" for a, b in zip(keys, keys[1:], strict=False))


def _shared(a: Counter[str], b: Counter[str]) -> int:
    """Characters of the unit pairs two documents share (a run of n shared
    units counts about twice its length)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum((len(k) - 1) * min(n, large[k]) for k, n in small.items() if k in large)


def _pieces(result: Result) -> list[tuple[int, int, int]]:
    from pipeline.resolve import kept_map

    return kept_map(result.cleaned.text, result.repeats)[1]


def _to_cleaned(pieces: list[tuple[int, int, int]], span: Span) -> Span:
    from pipeline.resolve import _map_span

    return _map_span(pieces, span)


class Corpus:
    """The documents seen so far in a batch, in the order they came."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.seen: list[Seen] = []

    def add(self, path: str, result: Result) -> list[CrossRepeat]:
        """Compare a document with those before it, then remember it."""
        kept = result.kept_text
        units = _units(kept, self.settings)
        pieces = _pieces(result)
        found: list[CrossRepeat] = []
        taken: list[Span] = []
        for earlier in self.seen:
            if _shared(units, earlier.units) < self.settings.min_run_chars:
                continue
            for span, twin, sim, method in _pair(earlier.kept, kept, self.settings):
                if any(span.start < t.end and t.start < span.end for t in taken):
                    continue
                taken.append(span)
                found.append(
                    CrossRepeat(
                        _to_cleaned(pieces, span),
                        earlier.path,
                        _to_cleaned(earlier.to_cleaned, twin),
                        sim,
                        method,
                        span,
                    )
                )
        self.seen.append(Seen(path, kept, pieces, units))
        return sorted(found, key=lambda c: c.span.start)


def _pair(earlier: str, later: str, settings: Settings) -> list[tuple[Span, Span, float, str]]:
    """Stretches of `later` that would go as pastes of `earlier`, as
    (span in later, twin in earlier, similarity, method)."""
    from pipeline.api import find_repeats

    offset = len(earlier)
    out: list[tuple[Span, Span, float, str]] = []
    for r in find_repeats(earlier + later, settings):
        if r.removed and r.span.start >= offset and r.twin.end <= offset:
            span = Span(r.span.start - offset, r.span.end - offset)
            out.append((span, r.twin, r.similarity, r.method))
    return out


def remove_across(result: Result, cross: list[CrossRepeat]) -> Result:
    """The result with what repeats earlier documents removed too (--across).

    A stretch of the kept text may span a removal made inside the document:
    it is removed piece by piece, each piece naming the other document's
    stretch as its twin.
    """
    import dataclasses

    if not cross:
        return result
    pieces = _pieces(result)
    pass_no = 1 + max((r.pass_no for r in result.repeats), default=-1)
    added: list[Repeat] = []
    for c in cross:
        for kept_start, orig_start, length in pieces:
            lo = max(c.kept_span.start, kept_start)
            hi = min(c.kept_span.end, kept_start + length)
            if lo < hi:
                span = Span(orig_start + (lo - kept_start), orig_start + (hi - kept_start))
                added.append(
                    Repeat(span, c.twin, c.similarity, c.method, True, "", c.twin_path, (), pass_no)
                )
    return dataclasses.replace(result, repeats=result.repeats + tuple(added))
