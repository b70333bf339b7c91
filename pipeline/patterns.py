"""`allow-patterns`: whole-line regular expressions, run by RE2.

Python's `re` backtracks: `(a+)+` against 34 `a` and a `b` takes hours, so
one pattern in a configuration file could hang `check` in CI. RE2 (the
google-re2 package, module `re2`) matches in time linear in the line,
whatever the pattern; what it cannot do in linear time (look-around,
back-references, possessive and atomic groups, conditionals) it refuses
when the pattern is compiled, and so does this module, naming the pattern.

The syntax is Python's where the two agree. Where they differ, the pattern
is translated so that it means what it means to Python's `re`:

- `\\d`, `\\s`, `\\w` (and `\\D`, `\\S`, `\\W`) are Unicode-aware in Python and
  ASCII-only in RE2; they are rewritten to Unicode classes (`\\d` matches
  `３`, `\\s` matches the ideographic space U+3000, `\\w` matches `注`).
  `\\S` and `\\W` inside `[...]` have no such rewrite and are refused.
- `\\b` and `\\B` are ASCII-only in RE2 and cannot be rewritten: refused.
- `\\Z` becomes `\\z`; `\\uXXXX`, `\\UXXXXXXXX` and `\\N{NAME}` become the
  character; `{,n}` becomes `{0,n}`.

`re2` is imported on first use only (the CLI starts without it).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

# Python's str \s: the characters str.isspace() accepts.
_SPACE = r"\t-\r\x1c-\x20\x85\p{Z}"
# Python's str \w: str.isalnum() (letters and numbers) and the underscore.
_WORD = r"\p{L}\p{N}_"
_OUTSIDE = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "Z": r"\z",
}
_INSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "s": _SPACE, "w": _WORD}
_OPEN_REPEAT = re.compile(r"\{,(\d*)\}")
_HEX = {"u": 4, "U": 8}


class PatternError(ValueError):
    """A pattern RE2 cannot run, and why (one line)."""


def _char(code: int) -> str:
    """A character as an RE2 escape (safe inside and outside [...])."""
    return f"\\x{{{code:x}}}"


def translate(pattern: str) -> str:
    """The RE2 pattern that means what `pattern` means to Python's re.

    >>> translate(r"第\\d+条\\s*")
    '第\\\\p{Nd}+条[\\\\t-\\\\r\\\\x1c-\\\\x20\\\\x85\\\\p{Z}]*'
    >>> translate(r"[\\w-]{,3}")
    '[\\\\p{L}\\\\p{N}_-]{0,3}'
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in "bB":
                raise PatternError(
                    f"\\{e} (a word boundary) is not supported: RE2 knows only ASCII words"
                )
            if e == "Q":  # RE2's quoted literal: copied as it is, up to \E
                end = pattern.find("\\E", i + 2)
                stop = n if end < 0 else end + 2
                out.append(pattern[i:stop])
                i = stop
                continue
            if e in _HEX:
                digits = pattern[i + 2 : i + 2 + _HEX[e]]
                if len(digits) != _HEX[e] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise PatternError(f"bad escape \\{e}{digits}")
                out.append(_char(int(digits, 16)))
                i += 2 + _HEX[e]
                continue
            if e == "N":
                m = re.match(r"\{([^}]*)\}", pattern[i + 2 :])
                if m is None:
                    raise PatternError("bad escape \\N (expected \\N{NAME})")
                try:
                    out.append(_char(ord(unicodedata.lookup(m.group(1)))))
                except KeyError:
                    raise PatternError(f"unknown character name {m.group(1)!r}") from None
                i += 2 + m.end()
                continue
            table = _INSIDE if in_class else _OUTSIDE
            if e in table:
                out.append(table[e])
            elif in_class and e in "SW":
                raise PatternError(f"\\{e} inside [...] is not supported")
            else:
                out.append(c + e)
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif pattern.startswith("[:", i):  # a POSIX class, [:alpha:]
                end = pattern.find(":]", i + 2)
                if end >= 0:
                    out.append(pattern[i : end + 2])
                    i = end + 2
                    continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):  # a leading ] is a literal ]
                out.append("\\]")
                i += 1
            continue
        if c == "{":
            m = _OPEN_REPEAT.match(pattern, i)
            if m is not None:
                out.append(f"{{0,{m.group(1)}}}")
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _re2() -> object:
    try:
        import re2
    except ImportError:
        raise PatternError(
            "allow-patterns needs the google-re2 package: pip install google-re2"
        ) from None
    return re2


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> object:
    re2 = _re2()
    options = re2.Options()  # type: ignore[attr-defined]
    options.log_errors = False  # RE2 would print every refusal on stderr
    translated = translate(pattern)
    try:
        return re2.compile(translated, options)  # type: ignore[attr-defined]
    except re2.error as exc:  # type: ignore[attr-defined]
        reason = exc.args[0] if exc.args else str(exc)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def problem(pattern: str) -> str | None:
    """Why RE2 cannot run `pattern`, or None when it can."""
    try:
        _compiled(pattern)
    except PatternError as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=64)
def matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """A test: does a line match one of `patterns` whole?

    >>> matcher(("(a+)+",))("a" * 34 + "b")
    False
    """
    compiled = [_compiled(p) for p in patterns]

    def matches(line: str) -> bool:
        return any(c.fullmatch(line) is not None for c in compiled)  # type: ignore[attr-defined]

    return matches
