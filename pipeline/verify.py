"""Check a result the way black checks its output, before anything is written.

The kept text plus the removed spans must rebuild the cleaned input exactly,
and every removed span must have an earlier twin that is itself kept and
that really says the same thing (checked again on freshly folded text, not
on the resolve stage's own numbers).
"""

from __future__ import annotations

from pipeline.errors import VerificationError
from pipeline.match import similarity
from pipeline.model import Result
from pipeline.segment import fold


def _key(text: str) -> str:
    return fold(text)[0].tobytes().decode("utf-32-le").replace(" ", "")


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
    if text and not kept.endswith("\n"):
        raise VerificationError(path, "the output would not end with a line break")
    for repeat in removed:
        twin = repeat.twin
        if repeat.twin_path is None:
            if twin.end > repeat.span.start:
                raise VerificationError(path, f"twin of {repeat.span} does not come before it")
            if any(twin.overlaps(other.span) for other in removed):
                raise VerificationError(path, f"twin of {repeat.span} was removed too")
            twin_text = text[twin.start : twin.end]
        else:
            continue
        sim = similarity(_key(twin_text), _key(text[repeat.span.start : repeat.span.end]))
        if sim < run_similarity - 1e-9:
            raise VerificationError(
                path, f"removed span {repeat.span} is only {sim:.3f} similar to its twin"
            )
