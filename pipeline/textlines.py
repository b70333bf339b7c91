"""Where lines and blank lines begin and end in a text (small helpers shared
by the stages that find, decide and map repeats)."""

from __future__ import annotations

import re


def at_line_end(text: str, i: int) -> bool:
    return not text[i : end_of_line(text, i)].strip()


def at_line_start(text: str, i: int) -> bool:
    return not text[start_of_line(text, i) : i].strip()


def line_above(text: str, i: int) -> str:
    """The nearest non-blank line above the line holding position i."""
    at = start_of_line(text, i)
    while at > 0:
        prev = start_of_line(text, at - 1)
        line = text[prev : at - 1]
        if line.strip():
            return line
        at = prev
    return ""


def _between_words(text: str, i: int) -> bool:
    """True when position i of a Latin-script text falls between two words.

    >>> _between_words("the council", 4), _between_words("the council", 5)
    (True, False)
    >>> _between_words("海关总署", 2)
    False
    """
    left = text[i - 1] if i > 0 else " "
    right = text[i] if i < len(text) else " "
    latin = [c for c in (left, right) if c.isalnum() and c.isascii()]
    return len(latin) == 1 and not any(c.isalnum() and not c.isascii() for c in (left, right))


_LEADING_SPACE = re.compile(r"\s*")


def blank_to(text: str, i: int) -> bool:
    """not text[:i].strip(), without copying text[:i] (asked once a removal).

    >>> blank_to(" \\n a", 3), blank_to(" \\n a", 4)
    (True, False)
    """
    return _LEADING_SPACE.match(text).end() >= min(i, len(text))


def blank_from(text: str, i: int) -> bool:
    """not text[i:].strip(), without copying text[i:] (asked once a removal).

    >>> blank_from("a \\n", 1), blank_from("a \\n", 0)
    (True, False)
    """
    end = len(text)
    while end > i and text[end - 1].isspace():
        end -= 1
    return end <= i


def start_of_line(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def end_of_line(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


HSPACE = " \t\u3000\u00a0"


def blank_lines_before(text: str, start: int) -> int:
    """How many blank lines stand right above the line holding `start`.

    >>> blank_lines_before("a\\n\\n\\nb\\n", 4)
    2
    """
    return blank_lines_above(text, start_of_line(text, start), 0)


def blank_lines_above(text: str, start: int, floor: int) -> int:
    count, at = 0, start
    while at > floor:
        prev = start_of_line(text, at - 1)
        if prev < floor or text[prev : at - 1].strip():
            break
        count, at = count + 1, prev
    return count


def blank_lines_below(text: str, end: int) -> int:
    """Blank lines right after the line holding position end - 1."""
    count, at = 0, end_of_line(text, max(0, end - 1)) + 1
    while at < len(text):
        nl = end_of_line(text, at)
        if text[at:nl].strip():
            break
        count, at = count + 1, nl + 1
    return count
