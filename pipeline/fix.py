"""Fix mode: the removals the policy makes, written back into the files.

`clean-docs fix PATH...` is `run`'s clean copy put in place of its input,
for a working tree (a pre-commit hook, an editor): what it writes is the
clean document (`Result.kept_text`: the kept text, UTF-8, `\\n` line ends,
with the clean stage's repairs), byte for byte what `run` writes as
`DIR/NAME` and what `check --diff` shows as a patch. A file is rewritten
only when something is removed from it: a file whose only changes would
be repairs (line ends, trailing spaces, an encoding) is left as it is, and
so is every finding (a repeat the policy keeps).

Each rewrite is verified before it is written (the result's own check:
kept text plus removed spans rebuild the cleaned input, every removed
span has a kept twin), is atomic (a temporary file beside it, renamed over
it: an interrupted fix leaves the old file or the new one, never half of
one), keeps the file's permission bits, writes through a symbolic link to
the file it names, and is refused when the file changed while it was
being checked. Corpora (`.jsonl`, `.parquet`) are not rewritten in place:
`run` writes a cleaned copy of them.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import CleanDocsError, InputError, OutputError
from pipeline.gate import STDIN, stdin_bytes
from pipeline.inputs import CORPUS_SUFFIXES, Options
from pipeline.model import Result
from pipeline.settings import Settings


class FixRefused(CleanDocsError):
    """A fix asked of something it does not rewrite in place: nothing is written."""


@dataclass
class Fixed:
    """What a fix did: the files it rewrote (as shown, with their results),
    how many it left unchanged, and the errors met on the way."""

    changed: list[tuple[str, Result]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


def refuse(paths: list[str]) -> None:
    """Refuse, before anything is read, what fix does not rewrite: a
    corpus, and `-` together with files (its clean text goes to standard
    output, theirs into the files)."""
    if "-" in paths and len(paths) > 1:
        raise FixRefused(
            "`-` (standard input, fixed to standard output) cannot be given with other paths"
        )
    for raw in paths:
        path = Path(raw)
        if path.suffix.lower() in CORPUS_SUFFIXES and path.is_file():
            raise FixRefused(
                f"{raw}: fix rewrites text files in place, not a corpus of records "
                f"({path.suffix.lower()}): `clean-docs run {raw} -o DIR` writes its cleaned "
                "copy, and `clean-docs check` reports what it holds; nothing was changed"
            )


def fix_paths(paths: list[str], settings: Settings, options: Options | None = None) -> Fixed:
    """Remove what the policy removes from each file of `paths`, in place.

    Files and folders are taken as `check` takes them (a file met twice is
    fixed once); one that cannot be read or written is an error and the
    others are still fixed. Raises FixRefused (nothing read or written)
    for a corpus."""
    from pipeline.batch import process
    from pipeline.inputs import collect

    options = options or Options()
    refuse(paths)
    fixed = Fixed()
    inputs = collect(paths, fixed.errors, options)
    for item, result in process(inputs, settings, options, fixed.errors):
        if not result.removed:
            fixed.unchanged += 1
            continue
        try:
            rewrite(item.where, result, options.max_mb)
        except (InputError, OutputError) as exc:
            fixed.errors.append((item.shown, _reason(exc, item.where)))
            continue
        fixed.changed.append((item.shown, result))
    return fixed


def _reason(exc: CleanDocsError, where: str) -> str:
    if isinstance(exc, InputError):
        return exc.reason
    text = str(exc)
    for name in (where, os.path.realpath(where)):
        text = text.removeprefix(f"{name}: ")
    return text


def rewrite(where: str, result: Result, max_mb: float | None = None) -> None:
    """Put `result`'s clean text in place of the file it was read from:
    atomically, with the file's permission bits, through a link to the
    file it names; refused (InputError) when the file no longer holds the
    bytes that were checked."""
    from pipeline.read import MAX_INPUT_MB, limit_bytes, sha256_limited
    from pipeline.write import atomic_writer

    target = Path(os.path.realpath(where))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError as exc:
        raise InputError(where, f"cannot fix: {exc.strerror or exc}") from None
    limit = limit_bytes(MAX_INPUT_MB if max_mb is None else max_mb)
    if sha256_limited(target, limit) != result.source.sha256:
        raise InputError(where, "changed while it was being checked: left as it is, fix again")
    data = result.kept_text.encode("utf-8")
    with atomic_writer(target) as handle:
        if hasattr(os, "fchmod"):
            os.fchmod(handle.fileno(), mode)
        handle.write(data)


def fix_stdin(
    settings: Settings,
    options: Options | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> Result:
    """`fix -`: standard input's clean text to standard output when
    something is removed from it, else its bytes as they came; nothing is
    written on an error (an InputError, raised)."""
    from pipeline.api import dedupe_source
    from pipeline.read import read_bytes

    options = options or Options()
    data = stdin_bytes(stdin, options.max_mb)
    result = dedupe_source(read_bytes(data, STDIN, options.encoding), settings)
    out: Any = stdout if stdout is not None else sys.stdout.buffer
    out.write(result.kept_text.encode("utf-8") if result.removed else data)
    out.flush()
    return result
