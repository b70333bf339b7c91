"""The library API: one function per way of handing in a document."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from pipeline.clean import clean
from pipeline.errors import InputError
from pipeline.match import match_units
from pipeline.model import Repeat, Result, Source
from pipeline.policy import RULE
from pipeline.read import read_file
from pipeline.resolve import resolve
from pipeline.review import apply_accepted
from pipeline.segment import segment
from pipeline.settings import Settings
from pipeline.spanmap import compose, kept_map
from pipeline.verify import verify

_MAX_PASSES = 8


def dedupe_source(
    source: Source, settings: Settings | None = None, cleared: bool = False
) -> Result:
    """Run clean, segment, fingerprint, match and resolve; verify the result.
    `cleared`: the bulk screen found nothing these stages could find
    (`pipeline.screen`): only the repairs are made.

    Raises InputError for text that holds lone surrogates (not text: it
    cannot be written as UTF-8).
    """
    settings = settings or Settings()
    try:
        source.text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(source.path, f"lone surrogate at character {exc.start}") from None
    cleaned = clean(source.text, fix_text=settings.fix_text)
    repeats = () if cleared else find_repeats(cleaned.text, settings)
    # Removing a paste can bring two copies of something else together.
    # Passing again over the kept text until nothing more goes makes the
    # result idempotent: the last pass ran on exactly the output.
    for pass_no in range(1, _MAX_PASSES + 1):
        if not any(r.removed for r in repeats):
            break
        kept, pieces = kept_map(cleaned.text, repeats)
        more = find_repeats(kept, settings)
        if not any(r.removed for r in more):
            break
        repeats = compose(cleaned.text, repeats, more, pieces, pass_no)
    result = Result(source, cleaned, repeats)
    verify(result, settings.run_similarity)
    return result


def find_repeats(text: str, settings: Settings) -> tuple[Repeat, ...]:
    """One pass of segment, fingerprint, match and resolve over a text."""
    keyed = segment(text, settings.max_unit_chars)
    repeats = resolve(text, keyed, match_units(keyed, settings), settings)
    if settings.accept:
        repeats = apply_accepted(text, repeats, settings.accept)
    if not (settings.allow or settings.allow_patterns):
        return repeats
    allowed = RULE["K7"]
    return tuple(
        dataclasses.replace(r, removed=False, reason=allowed.message, rule=allowed.code)
        if r.removed and settings.allows(text[r.span.start : r.span.end])
        else r
        for r in repeats
    )


def dedupe_text(text: str, settings: Settings | None = None, path: str = "<text>") -> Result:
    """Deduplicate a string."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return dedupe_source(Source(path, text, digest, "utf-8"), settings)


def dedupe_file(
    path: str | Path, settings: Settings | None = None, encoding: str | None = None
) -> Result:
    """Read and deduplicate one file; raises InputError for unusable input."""
    return dedupe_source(read_file(Path(path), str(path), encoding), settings)
