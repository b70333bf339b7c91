"""One frozen set of parameters that shape a result.

Every report records these values, so a result can always be traced back to
the settings that produced it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from typing import Any

# The range of every numeric setting: values outside it are refused when the
# Settings are made (a seed numpy cannot take, 2e9 permutations, a minimum
# of 0 characters that divides by zero) instead of failing deep inside a run.
_CHARS = (1, 1_000_000_000)
INT_RANGES: dict[str, tuple[int, int]] = {
    "shingle_cjk": (1, 32),
    "shingle_latin": (1, 32),
    "num_perm": (16, 1024),
    "lsh_bands": (1, 1024),
    "lsh_rows": (1, 1024),
    "min_unit_chars": (1, 100_000),
    "max_unit_chars": (8, 100_000),
    "max_gap_units": (0, 64),
    "min_run_chars": _CHARS,
    "min_whole_copy_chars": _CHARS,
    "min_paste_chars": _CHARS,
    "min_paragraph_paste_chars": _CHARS,
    "min_adjacent_chars": _CHARS,
    "max_edit_chars": (0, 1_000_000_000),
    "min_finding_chars": _CHARS,
    "seed": (0, 2**32 - 1),
}
# (low, high, low excluded): similarities and shares. A similarity of 0
# would call any two texts copies; min_run_share 0 only means "no share
# needed" (the character minimums still hold).
FLOAT_RANGES: dict[str, tuple[float, float, bool]] = {
    "unit_similarity": (0.0, 1.0, True),
    "run_similarity": (0.0, 1.0, True),
    "whole_copy_share": (0.0, 1.0, True),
    "min_run_share": (0.0, 1.0, False),
}
CHOICES: dict[str, tuple[str, ...]] = {"far_repeats": ("keep", "remove")}


class SettingError(ValueError):
    """A setting outside its range or of the wrong type.

    `template` names the settings involved as {0}, {1}...: the CLI fills
    them in as the user spelled them (`min-run-chars` in a file,
    `--min-run-chars` for a flag), Python code sees the field names.
    """

    def __init__(self, names: tuple[str, ...], template: str) -> None:
        self.names = names
        self.template = template
        super().__init__(template.format(*names))

    def spelled(self, spell: dict[str, str]) -> str:
        """The message with each setting named as `spell` says."""
        return self.template.format(*(spell.get(n, n) for n in self.names))


def _shown(value: Any) -> str:
    """A value as TOML writes it (a pattern in single quotes, as written).

    >>> print(_shown("表.*"), _shown("it's"), _shown(True), _shown(["a", 1]))
    '表.*' "it's" true ['a', 1]
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if "'" not in value and value.isprintable():
            return f"'{value}'"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value) if type(value) in (int, float) else repr(value)


def problem(name: str, value: Any) -> str | None:
    """What is wrong with `value` for the setting `name` (the words that
    follow its name), or None when it is fine.

    >>> problem("num_perm", 2_000_000_000)
    ' must be an integer from 16 to 1024, got 2000000000'
    >>> problem("min_run_share", 0.0) is None, problem("unit_similarity", 0.0)
    (True, ' must be a number in (0, 1], got 0.0')
    """
    if name in INT_RANGES:
        lo, hi = INT_RANGES[name]
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            return f" must be an integer from {lo} to {hi}, got {_shown(value)}"
    elif name in FLOAT_RANGES:
        lo, hi, open_low = FLOAT_RANGES[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        ok = number and (lo < value if open_low else lo <= value) and value <= hi
        if not ok:
            bracket = "(" if open_low else "["
            return f" must be a number in {bracket}{lo:g}, {hi:g}], got {_shown(value)}"
    elif name in CHOICES:
        if value not in CHOICES[name] or type(value) is not str:
            choices = " or ".join(repr(c) for c in CHOICES[name])
            return f" must be {choices}, got {_shown(value)}"
    elif name == "fix_text":
        if type(value) is not bool:
            return f" must be true or false, got {_shown(value)}"
    elif name in ("accept", "allow", "allow_patterns"):
        if not isinstance(value, tuple | list) or not all(isinstance(v, str) for v in value):
            return f" must be a list of strings, got {_shown(value)}"
        if name == "allow_patterns":
            from pipeline.patterns import problem as pattern_problem

            for pattern in value:
                why = pattern_problem(pattern)
                if why is not None:
                    return f": {_shown(pattern)} is not a regular expression RE2 can run: {why}"
    return None


def _never(line: str) -> bool:
    return False


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

    Every numeric value has a range (INT_RANGES, FLOAT_RANGES above); a
    value outside it, or of the wrong type, raises SettingError.
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
        """Refuse a value outside its range (SettingError, a ValueError).

        >>> Settings(seed=-1)
        Traceback (most recent call last):
        ...
        pipeline.settings.SettingError: seed must be an integer from 0 to 4294967295, got -1
        """
        for name in ("accept", "allow", "allow_patterns"):
            value = getattr(self, name)
            if isinstance(value, list):  # a list given from Python: frozen as a tuple
                object.__setattr__(self, name, tuple(value))
        for name in _FIELD_NAMES:
            complaint = problem(name, getattr(self, name))
            if complaint is not None:
                raise SettingError((name,), "{0}" + complaint.replace("{", "{{").replace("}", "}}"))
        if self.lsh_bands * self.lsh_rows > self.num_perm:
            raise SettingError(
                ("lsh_bands", "lsh_rows", "num_perm"),
                "{0} * {1} must not exceed {2} "
                f"({self.lsh_bands} * {self.lsh_rows} = {self.lsh_bands * self.lsh_rows}"
                f" > {self.num_perm})",
            )

    def allows(self, text: str) -> bool:
        """True when every non-blank line of `text` is allowed to repeat.

        Patterns run in RE2 (pipeline.patterns): linear time, whatever the
        pattern.

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
        if self.allow_patterns:
            from pipeline.patterns import matcher

            matches = matcher(self.allow_patterns)
        else:
            matches = _never
        return all(line in self.allow or matches(line) for line in lines)

    def as_dict(self) -> dict[str, Any]:
        # (every report carries it: made once per settings, copied)
        return {k: list(v) if isinstance(v, list) else v for k, v in _as_dict(self).items()}


@functools.lru_cache(maxsize=8)
def _as_dict(settings: Settings) -> dict[str, Any]:
    values = dataclasses.asdict(settings)
    values["allow"], values["allow_patterns"] = list(settings.allow), list(settings.allow_patterns)
    values["accept"] = list(settings.accept)
    return values


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Settings))
