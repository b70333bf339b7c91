"""Clean stage: safe repairs of the author's text, each one recorded.

The emitted text is the author's text with these repairs only. Every repair
keeps the number of lines, so line N of the cleaned text is line N of the
input. Each fix is a small pure ``str -> str`` function; `clean` applies them
line by line and records a Fix only where a line changed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from pipeline.model import Cleaned, Fix

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# C0 and C1 controls except tab; line breaks never reach the per-line fixes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Zero-width and invisible format characters that only get in the way.
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_TRAILING = re.compile(r"[ \t\u3000\u00a0]+$")
# Lines that may hold mojibake: a cheap test before the expensive repair.
# C1 controls and U+FFFD are what misreading and lossy copying leave behind.
_SUSPECT_CHAR = re.compile(r"[\u0080-\u009f\ufffd]")
# Single-byte codecs whose reading of UTF-8 the repair can undo.
_MISREADING_CODECS = (
    "latin-1", "windows-1252", "windows-1250", "windows-1251", "windows-1253",
    "windows-1254", "windows-1257", "iso-8859-2", "mac_roman", "cp437",
)  # fmt: skip


# Lead bytes ftfy still repairs when a lost no-break space left a space
# after them, or a lossy copy a question mark.
_SPACE_AFTER = frozenset((0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9, 0xE2, 0xE3, 0xF0))
_QUESTION_AFTER = frozenset((0xC2, 0xC3, *range(0xE0, 0xF5)))


@functools.cache
def _misread_followers() -> dict[str, frozenset[str]]:
    """Per character a codec makes of a UTF-8 lead byte (0xC0-0xF7): the
    characters that codec makes of a continuation byte (0x80-0xBF), and
    the space or question mark a lossy copy leaves in their place.

    UTF-8 writes a non-ASCII character as a lead byte and one to three
    continuation bytes, so a misread one starts with such a pair. A quote,
    dash or middle dot between Chinese or ASCII characters is never one.
    """
    followers: dict[str, set[str]] = {}
    for codec in _MISREADING_CODECS:
        continuations = set(bytes(range(0x80, 0xC0)).decode(codec, errors="ignore"))
        for lead in range(0xC0, 0xF8):
            char = bytes([lead]).decode(codec, errors="ignore")
            if char:
                after = followers.setdefault(char, set())
                after |= continuations
                after |= {" "} if lead in _SPACE_AFTER else set()
                after |= {"?"} if lead in _QUESTION_AFTER else set()
    return {char: frozenset(after) for char, after in followers.items()}


def may_hold_mojibake(line: str) -> bool:
    """Whether the repair could change `line` (a cheap test before it).

    >>> may_hold_mojibake("æµ·å…³æ€»ç½²")
    True
    >>> may_hold_mojibake("“依法行政”“8·8”——€5")
    False
    """
    if line.isascii():
        return False
    if _SUSPECT_CHAR.search(line):
        return True
    followers = _misread_followers()
    for lead in set(line).intersection(followers):
        after = followers[lead]
        at = line.find(lead)
        while at != -1:
            if line[at + 1 : at + 2] in after:
                return True
            at = line.find(lead, at + 1)
    return False


def remove_control_chars(line: str) -> str:
    """Drop C0/C1 control characters (NUL, bell, escape, ...) but keep tabs.

    >>> remove_control_chars("a\\x00b\\x07c\\td")
    'abc\\td'
    """
    return _CONTROL.sub("", line)


def remove_zero_width(line: str) -> str:
    """Drop zero-width spaces and joiners, soft hyphens and stray BOMs.

    >>> remove_zero_width("海\\u200b关")
    '海关'
    """
    return _ZERO_WIDTH.sub("", line)


def strip_trailing_whitespace(line: str) -> str:
    """Drop spaces, tabs and ideographic spaces at the end of a line.

    >>> strip_trailing_whitespace("报告。\\u3000 ")
    '报告。'
    """
    return _TRAILING.sub("", line)


@functools.cache
def repair_config() -> Any:
    """ftfy's settings for the repair: its encoding repairs only."""
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def fix_mojibake(line: str) -> str:
    """Undo text decoded with the wrong codec (UTF-8 read as cp1252, ...).

    Uses ftfy with only its encoding repairs: width folding, quote
    uncurling, ligature and HTML changes stay off, as they rewrite correct
    text such as the author's ``，`` and ``“”``.

    >>> fix_mojibake("æµ·å…³æ€»ç½²")
    '海关总署'
    >>> fix_mojibake("“依法行政”，")
    '“依法行政”，'
    """
    if not may_hold_mojibake(line):
        return line
    import ftfy  # imported here: most lines never need it, and it is slow to load

    fixed = ftfy.fix_text(line, repair_config())
    # A repair must never invent a line break: line numbers would drift.
    return line if _LINE_BREAK.search(fixed) else fixed


_MAX_ROUNDS = 4

# Mojibake first: UTF-8 read as Windows-1252 leaves C1 controls and
# no-break spaces that the repair needs and the other fixes would drop.
LINE_FIXES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("mojibake", fix_mojibake),
    ("control_chars", remove_control_chars),
    ("zero_width", remove_zero_width),
    ("trailing_whitespace", strip_trailing_whitespace),
)


def split_lines(text: str) -> tuple[list[str], int]:
    """Split on CRLF, lone CR and LF alike; also count the non-LF breaks.

    >>> split_lines("a\\r\\nb\\rc\\n")
    (['a', 'b', 'c', ''], 2)
    """
    breaks = _LINE_BREAK.findall(text)
    return _LINE_BREAK.split(text), sum(1 for b in breaks if b != "\n")


def clean(text: str, fix_text: bool = True) -> Cleaned:
    """Apply every repair and return the cleaned text and what changed.

    The result always uses ``\\n`` line ends and, unless empty, ends with
    exactly one of them.

    >>> c = clean("报告。 \\r\\n第二行")
    >>> c.text
    '报告。\\n第二行\\n'
    >>> [f.kind for f in c.fixes]
    ['line_endings', 'trailing_whitespace', 'final_newline']
    """
    lines, odd_breaks = split_lines(text)
    fixes: list[Fix] = []
    if odd_breaks:
        fixes.append(Fix(1, "line_endings", f"{odd_breaks} CR or CRLF line ends", "LF"))
    # The piece after the last break is empty when the text ends with one.
    ends_with_break = lines[-1] == ""
    body = lines[:-1] if ends_with_break else lines
    out: list[str] = []
    for number, line in enumerate(body, start=1):
        if fix_text:
            # Until nothing changes: one repair can expose another, and a
            # second run over the output must find nothing to do.
            for _ in range(_MAX_ROUNDS):
                before = line
                for kind, fix in LINE_FIXES:
                    fixed = fix(line)
                    if fixed != line:
                        fixes.append(Fix(number, kind, line, fixed))
                        line = fixed
                if line == before:
                    break
        out.append(line)
    if not out:
        return Cleaned("", tuple(fixes))
    if not ends_with_break:
        fixes.append(Fix(len(out), "final_newline", "", "\n"))
    cleaned = "\n".join(out) + "\n"
    if cleaned == text:
        # the same string, not an equal copy: a result then carries its
        # text once, in memory and through a pipe
        cleaned = text
    return Cleaned(cleaned, tuple(fixes))
