"""Review as a workflow: stable finding ids, and the findings a person accepted.

Every repeat in a report carries an id made from its own text and its
twin's, so it stays the same when lines are added elsewhere in the file.
A reviewer who agrees that a finding is an accident puts its id in an
accept file (`--accept FILE`, one id a line, `#` starts a comment) or in
the `accept` setting; the next run removes exactly those findings, under
rule R4, and verifies them like any removal.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from pathlib import Path

from pipeline.model import Repeat

ID_PREFIX = "cd-"


def repeat_ids(text: str, repeats: Iterable[Repeat]) -> list[str]:
    """The stable id of each repeat, in the order given: a digest of its text
    and its twin's, and a count when the same pair repeats again.

    >>> from pipeline.model import Span
    >>> r = Repeat(Span(6, 11), Span(0, 5), 1.0, "exact", False)
    >>> repeat_ids("Hello Hello", [r, r])
    ['cd-f4f0fe76f1', 'cd-f4f0fe76f1-2']
    """
    seen: dict[str, int] = {}
    out: list[str] = []
    for r in repeats:
        pair = f"{text[r.span.start : r.span.end]}\x00{text[r.twin.start : r.twin.end]}"
        digest = ID_PREFIX + hashlib.sha256(pair.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        seen[digest] = seen.get(digest, 0) + 1
        out.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return out


def read_accept_file(path: Path) -> tuple[str, ...]:
    """The ids in an accept file: the first word of each line, comments and
    blank lines skipped.

    Raises OSError or UnicodeDecodeError when the file cannot be read.
    """
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().split()
        if word:
            ids.append(word[0])
    return tuple(ids)


def accept_entry(finding_id: str, path: str, line: int, reason: str) -> str:
    """The line a reviewer copies into an accept file.

    >>> accept_entry("cd-f4f0fe76f1", "a.txt", 7, "repeats an earlier passage")
    'cd-f4f0fe76f1  # a.txt:7 repeats an earlier passage'
    """
    return f"{finding_id}  # {path}:{line} {reason}"


def apply_accepted(
    text: str, repeats: tuple[Repeat, ...], accepted: Iterable[str]
) -> tuple[Repeat, ...]:
    """Findings whose id is accepted become removals (rule R4) when that is
    safe: the finding overlaps no removal nor any removal's twin, and its
    own twin is kept text.

    >>> from pipeline.model import Span
    >>> r = Repeat(Span(6, 11), Span(0, 5), 1.0, "exact", False, "kept", rule="K6")
    >>> [x.rule for x in apply_accepted("Hello Hello", (r,), ["cd-f4f0fe76f1"])]
    ['R4']
    """
    from pipeline.policy import RULE

    wanted = set(accepted)
    if not wanted:
        return repeats
    ids = repeat_ids(text, repeats)
    removed = [r.span for r in repeats if r.removed]
    twins = [r.twin for r in repeats if r.removed]
    out: list[Repeat] = []
    for r, rid in zip(repeats, ids, strict=True):
        # neither text nor twin already removed, and no removal's twin taken
        clear = not any(s.overlaps(r.span) or s.overlaps(r.twin) for s in removed) and not any(
            t.overlaps(r.span) for t in twins
        )
        if not r.removed and rid in wanted and clear and r.twin.end <= r.span.start:
            r = dataclasses.replace(r, removed=True, rule="R4", reason=RULE["R4"].message)
            removed.append(r.span)
            twins.append(r.twin)
        out.append(r)
    return tuple(out)
