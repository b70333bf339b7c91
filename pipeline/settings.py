"""One frozen set of parameters that shape a result.

Every report records these values, so a result can always be traced back to
the settings that produced it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settings:
    """Parameters of detection and repair, with their defaults.

    fix_text (True):
        Run the clean stage's repairs (mojibake, control and zero-width
        characters, trailing whitespace). Line endings are always unified.
    shingle_cjk (3):
        Character n-gram size for MinHash shingles of units written mostly
        in CJK script, where one character carries a word's worth of meaning.
    shingle_latin (5):
        Character n-gram size for the other units (the folded key has no
        white space, so these n-grams span word boundaries).
    num_perm (64):
        MinHash permutations per unit signature.
    lsh_bands (16), lsh_rows (4):
        LSH banding of the signature: lsh_bands * lsh_rows must not exceed
        num_perm. Two units become candidates when any band agrees; with
        16 x 4 a pair of Jaccard 0.5 is a candidate with probability 0.65,
        a pair of 0.7 with 0.99. Candidates are then verified.
    unit_similarity (0.85):
        Indel similarity (1 - edits / total length) two units' keys must
        reach to count as near duplicates. Units whose numbers differ never
        match: a changed figure is a changed fact.
    run_similarity (0.90):
        Indel similarity a whole repeated run must reach against its twin
        before it may be removed.
    min_unit_chars (6):
        Units with fewer key characters are not matched on their own.
    max_unit_chars (96):
        Sentences longer than this are cut into content-defined chunks, so
        that a repeat starting mid-sentence still shares whole units.
    max_gap_units (4):
        Unmatched units a run may bridge (a unit spoiled by typos) when the
        bridged blocks are themselves similar and carry the same numbers.
    min_run_chars (200):
        Key characters (white space aside) a far repeat needs before
        `far_repeats = "remove"` removes it (rule R3); shorter ones are
        refrains, field descriptions and slogans.
    min_whole_copy_chars (100):
        Rule R1 (whole-copy) needs a copy of at least this many key
        characters: a short text said twice (a song line, a slogan) is as
        likely the author's.
    whole_copy_share (0.5):
        Rule R1 (whole-copy): a verified copy goes when it is at least this
        share of the document's distinct content: the document, or most
        of it, pasted twice or more.
    min_paste_chars (40):
        Rule R2 (paste-at-paragraph): key characters of prose pasted again
        right after itself across a paragraph break (a paragraph's tail as
        the next paragraph, a sentence doubled across the break).
    min_paragraph_paste_chars (80):
        Rule R2 for a whole paragraph said twice as the next paragraph:
        short ones are refrains and chants.
    far_repeats ("keep"):
        "keep": a repeat away from its twin that is not most of the
        document is reported and kept (rule K6). "remove": the thorough
        policy for corpora known to hold only pastes, removing far repeats
        of min_run_chars or more that bring whole lines (rule R3). Risk:
        in real documents nearly all far repeats are the author's
        (restated clauses, field descriptions, quotations, licences).
    accept (()):
        Finding ids (as reports show them) a reviewer has accepted: the
        next run removes exactly those, verified like any removal (R4).
    min_run_share (0.5):
        A shorter run is long enough too when it is at least this share of
        the document's distinct content (a short notice pasted twice).
    min_adjacent_chars (16):
        An exact run that starts inside a line and follows its twin
        immediately (a stutter: the same text pasted right after itself) or
        continues a removed paste is removed from this length on, when it
        is made of whole sentences; from three times this length when it
        starts or ends inside one, and eight times when the repeating
        stretch begins and ends between two Latin-script words (two
        sentences alike but for their subject). A whole line said twice in a
        row (a song, a heading echoed by the next sentence) needs
        min_run_chars like any other repeat.
    max_edit_chars (4):
        A near-duplicate run is removed only when every block where it
        differs from its twin is at most this many characters (insertions
        plus deletions): typos and noise, not an author's edit.
    min_finding_chars (8):
        Shorter repeats are not even reported as findings.
    seed (1):
        Seed of the MinHash permutations.
    allow (()), allow_patterns (()):
        Lines a team repeats on purpose (`单位：亿元`, a table header): a
        repeat whose every non-blank line is one of `allow` (compared
        without surrounding white space) or matches one of the regular
        expressions in `allow_patterns` (whole line; run by RE2 in linear
        time, see pipeline.patterns) is kept and reported as allowed,
        inside a file and across files.
    """

    fix_text: bool = True
    shingle_cjk: int = 3
    shingle_latin: int = 5
    num_perm: int = 64
    lsh_bands: int = 16
    lsh_rows: int = 4
    unit_similarity: float = 0.85
    run_similarity: float = 0.90
    min_unit_chars: int = 6
    max_unit_chars: int = 96
    max_gap_units: int = 4
    min_run_chars: int = 200
    min_whole_copy_chars: int = 100
    whole_copy_share: float = 0.5
    min_paste_chars: int = 40
    min_paragraph_paste_chars: int = 80
    far_repeats: str = "keep"
    accept: tuple[str, ...] = ()
    min_run_share: float = 0.5
    min_adjacent_chars: int = 16
    max_edit_chars: int = 4
    min_finding_chars: int = 8
    seed: int = 1
    allow: tuple[str, ...] = ()
    allow_patterns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.lsh_bands * self.lsh_rows > self.num_perm:
            raise ValueError("lsh_bands * lsh_rows must not exceed num_perm")
        if self.far_repeats not in ("keep", "remove"):
            raise ValueError(f"far_repeats must be 'keep' or 'remove', got {self.far_repeats!r}")
        for name in ("unit_similarity", "run_similarity", "min_run_share", "whole_copy_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        for name in ("shingle_cjk", "shingle_latin", "num_perm", "lsh_bands", "lsh_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.allow_patterns:
            from pipeline.patterns import problem

            for pattern in self.allow_patterns:
                why = problem(pattern)
                if why is not None:
                    raise ValueError(
                        f"allow_patterns: {pattern!r} is not a regular expression "
                        f"RE2 can run: {why}"
                    )

    def allows(self, text: str) -> bool:
        """True when every non-blank line of `text` is allowed to repeat.

        >>> Settings(allow=("单位：亿元",)).allows("单位：亿元\\n\\n")
        True
        >>> Settings(allow_patterns=("表[0-9]+",)).allows("表3\\n正文")
        False
        """
        if not (self.allow or self.allow_patterns):
            return False
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            return False
        if not self.allow_patterns:
            return all(line in self.allow for line in lines)
        from pipeline.patterns import matcher

        matches = matcher(self.allow_patterns)  # RE2: linear time, whatever the pattern
        return all(line in self.allow or matches(line) for line in lines)

    def as_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["allow"], values["allow_patterns"] = list(self.allow), list(self.allow_patterns)
        values["accept"] = list(self.accept)
        return values
