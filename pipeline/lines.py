"""Offsets to line numbers, as an editor shows them (1-based)."""

from __future__ import annotations

import bisect


class LineIndex:
    """Maps character offsets of a text to 1-based line numbers.

    >>> idx = LineIndex("a\\nbc\\n")
    >>> idx.line(0), idx.line(2), idx.line(4), idx.count
    (1, 2, 2, 2)
    """

    def __init__(self, text: str) -> None:
        self.starts = [0]
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)
        self.count = len(self.starts) - (1 if text.endswith("\n") or not text else 0)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def last_line(self, start: int, end: int) -> int:
        """Line of the last character of [start, end)."""
        return self.line(max(start, end - 1))
