"""The tiny data model the stages pass along: all frozen, all plain values."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fix:
    """One repair the clean stage made, on an input line (1-based)."""

    line: int
    kind: str
    before: str
    after: str


@dataclass(frozen=True)
class Source:
    """A decoded input: its text as read, before any repair."""

    path: str
    text: str
    sha256: str
    encoding: str
    confidence: float = 1.0


@dataclass(frozen=True)
class Cleaned:
    """The cleaned input: the reference every offset and line number refers to.

    Cleaning never adds or removes a line, so line N here is line N of the
    input file as an editor shows it.
    """

    text: str
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) in the cleaned text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Repeat:
    """A stretch of text that repeats an earlier one (its twin).

    `removed` says whether the resolve stage dropped it; a kept repeat is a
    finding. `twin_path` is None when the twin lies in the same document.
    """

    span: Span
    twin: Span
    similarity: float
    method: str  # "exact" | "near"
    removed: bool
    reason: str = ""
    twin_path: str | None = None
    # Removals of an earlier pass that this one swallowed, and the pass that
    # found this repeat (see api.dedupe_source).
    inner: tuple[Repeat, ...] = ()
    pass_no: int = 0
    # The policy rule that removed or kept it (pipeline/policy.py RULES).
    rule: str = ""


@dataclass(frozen=True)
class Result:
    """Everything the pipeline knows about one document after resolve."""

    source: Source
    cleaned: Cleaned
    repeats: tuple[Repeat, ...] = field(default_factory=tuple)

    @property
    def removed(self) -> tuple[Repeat, ...]:
        return tuple(r for r in self.repeats if r.removed)

    @property
    def findings(self) -> tuple[Repeat, ...]:
        return tuple(r for r in self.repeats if not r.removed)

    @property
    def kept_text(self) -> str:
        """The cleaned text with every removed span cut out."""
        text = self.cleaned.text
        pieces: list[str] = []
        at = 0
        for repeat in sorted(self.removed, key=lambda r: r.span.start):
            pieces.append(text[at : repeat.span.start])
            at = repeat.span.end
        pieces.append(text[at:])
        return "".join(pieces)
