"""Check a result the way black checks its output, before anything is written.

The kept text plus the removed spans must rebuild the cleaned input exactly,
and every removed span must have an earlier twin that is itself kept and
that really says the same thing (checked again on freshly folded text, not
on the resolve stage's own numbers).
"""

from __future__ import annotations

from pipeline.errors import VerificationError
from pipeline.match import similarity
from pipeline.model import Repeat, Result, Span
from pipeline.segment import fold, fold_char
from pipeline.spans import SortedSpans, SpanSet

# Below this many characters a text is folded a character at a time: numpy's
# fixed cost per call would be most of the work.
_SHORT_TEXT = 2048


def _key(text: str) -> str:
    """The folded key of a text (the same as segment.fold's).

    >>> _key("Ａ  b，海 关") == _key("Ａ  b，海 关" * 1000)[:5]
    True
    """
    if len(text) < _SHORT_TEXT:
        return "".join(map(fold_char, text))
    return fold(text)[0].tobytes().decode("utf-32-le")


def verify(result: Result, run_similarity: float) -> None:
    """Raise VerificationError unless the result keeps every promise."""
    path = result.source.path
    text = result.cleaned.text
    removed = sorted(result.removed, key=lambda r: r.span.start)
    at = 0
    pieces: list[str] = []
    for repeat in removed:
        span = repeat.span
        if span.start < at or span.end > len(text):
            raise VerificationError(path, f"removed span {span} overlaps another or the end")
        pieces.append(text[at : span.start])
        pieces.append(text[span.start : span.end])
        at = span.end
    pieces.append(text[at:])
    if "".join(pieces) != text:
        raise VerificationError(path, "kept text and removed spans do not rebuild the input")
    kept = result.kept_text
    if len(kept) + sum(len(r.span) for r in removed) != len(text):
        raise VerificationError(path, "kept and removed characters do not add up")
    # (empty is allowed: a document that only repeats others, with --across)
    if kept and not kept.endswith("\n"):
        raise VerificationError(path, "the output would not end with a line break")
    every = list(_flatten(removed))
    # Per pass: the removals of earlier passes (holes in a twin's text) and
    # those of the pass itself, sorted once for all the removals to ask.
    passes = sorted({r.pass_no for r in every})
    before = {
        p: SortedSpans((r.span.start, r.span.end) for r in every if r.pass_no < p) for p in passes
    }
    same = {
        p: SpanSet(sorted((r.span.start, r.span.end) for r in every if r.pass_no == p))
        for p in passes
    }
    for repeat in every:
        _check_twin(
            path, text, repeat, before[repeat.pass_no], same[repeat.pass_no], run_similarity
        )


def _flatten(repeats: list[Repeat]) -> list[Repeat]:
    out: list[Repeat] = []
    for r in repeats:
        out.append(r)
        out.extend(_flatten(list(r.inner)))
    return out


def _without(text: str, span: Span, holes: list[tuple[int, int]]) -> str:
    """The text of `span` with the `holes` (start, end) inside it cut out."""
    pieces, at = [], span.start
    for start, end in sorted(holes, key=lambda h: h[0]):
        if end <= at or start >= span.end:
            continue
        pieces.append(text[at : max(at, start)])
        at = max(at, end)
    pieces.append(text[at : span.end])
    return "".join(pieces)


def _check_twin(
    path: str,
    text: str,
    repeat: Repeat,
    before: SortedSpans,
    same: SpanSet,
    run_similarity: float,
) -> None:
    """A removal must repeat its twin as the text stood in its own pass.

    Removals of later passes may take text that was an earlier removal's
    twin; they were checked against their own kept twins, so the chain ends
    in kept text.
    """
    twin = repeat.twin
    if repeat.twin_path is not None:
        return
    if twin.end > repeat.span.start:
        raise VerificationError(path, f"twin of {repeat.span} does not come before it")
    twin_text = _without(text, twin, before.near(twin.start, twin.end))
    own_text = _without(text, repeat.span, [(r.span.start, r.span.end) for r in repeat.inner])
    if not _key(twin_text):
        raise VerificationError(path, f"twin of {repeat.span} was removed too")
    # Within its own pass a twin is kept text; only later passes may take it.
    if same.overlaps(twin.start, twin.end):
        raise VerificationError(path, f"twin of {repeat.span} was removed too")
    sim = similarity(_key(twin_text), _key(own_text))
    if sim < run_similarity - 1e-9:
        raise VerificationError(
            path, f"removed span {repeat.span} is only {sim:.3f} similar to its twin"
        )
