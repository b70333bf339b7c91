"""The library API: one function per way of handing in a document."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.clean import clean
from pipeline.match import match_units
from pipeline.model import Result, Source
from pipeline.read import read_file
from pipeline.resolve import resolve
from pipeline.segment import segment
from pipeline.settings import Settings
from pipeline.verify import verify


def dedupe_source(source: Source, settings: Settings | None = None) -> Result:
    """Run clean, segment, fingerprint, match and resolve; verify the result."""
    settings = settings or Settings()
    cleaned = clean(source.text, fix_text=settings.fix_text)
    keyed = segment(cleaned.text, settings.max_unit_chars)
    matches = match_units(keyed, settings)
    repeats = resolve(cleaned.text, keyed, matches, settings)
    result = Result(source, cleaned, repeats)
    verify(result, settings.run_similarity)
    return result


def dedupe_text(text: str, settings: Settings | None = None, path: str = "<text>") -> Result:
    """Deduplicate a string."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return dedupe_source(Source(path, text, digest, "utf-8"), settings)


def dedupe_file(
    path: str | Path, settings: Settings | None = None, encoding: str | None = None
) -> Result:
    """Read and deduplicate one file; raises InputError for unusable input."""
    return dedupe_source(read_file(Path(path), str(path), encoding), settings)
