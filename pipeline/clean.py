"""Clean stage: safe repairs of the author's text, each one recorded.

The emitted text is the author's text with these repairs only. Every repair
keeps the number of lines, so line N of the cleaned text is line N of the
input. Each fix is a small pure ``str -> str`` function; `clean` applies them
line by line and records a Fix only where a line changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.model import Cleaned, Fix

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# C0 and C1 controls except tab; line breaks never reach the per-line fixes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Zero-width and invisible format characters that only get in the way.
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_TRAILING = re.compile(r"[ \t\u3000\u00a0]+$")
# Lines that may hold mojibake: a cheap test before the expensive repair.
_SUSPECT = re.compile(r"[\u0080-\u02ff\u2010-\u203a\u20ac\u2122\ufffd]")


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
    if not _SUSPECT.search(line):
        return line
    import ftfy  # imported here: most lines never need it, and it is slow to load

    config = ftfy.TextFixerConfig(
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
    fixed = ftfy.fix_text(line, config)
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
