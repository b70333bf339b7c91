"""Sets of half-open ranges asked about overlap and cover by bisection.

The resolve and verify stages ask, for each run or removal, about all the
runs or removals before it. A text that repeats one line over and over has
one removal a line, so a scan per question makes the document's time grow
with the square of its size; these answer each question in O(log n) time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate


class SpanSet:
    """Ranges [start, end) added one by one, asked about overlap and cover.

    While ranges come in order of their start (as a text's runs do), each
    question is a bisection; a range added out of order turns the set into
    a plain list that is scanned, with the same answers.

    >>> spans = SpanSet([(0, 4), (4, 6), (9, 12)])
    >>> spans.overlaps(6, 9), spans.overlaps(5, 7), spans.covers(1, 6), spans.covers(1, 7)
    (False, True, True, False)
    """

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.items: list[tuple[int, int]] = []  # in the order added
        self.ordered = True
        self._starts: list[int] = []
        self._reach: list[int] = []  # the furthest end up to each range
        # their union, ranges that touch or overlap merged
        self._union_starts: list[int] = []
        self._union_ends: list[int] = []
        for span in spans:
            self.append(span)

    def append(self, span: tuple[int, int]) -> None:
        start, end = span
        self.items.append((start, end))
        if not self.ordered:
            return
        if self._starts and start < self._starts[-1]:
            self.ordered = False
            return
        self._starts.append(start)
        self._reach.append(max(end, self._reach[-1]) if self._reach else end)
        if self._union_ends and start <= self._union_ends[-1]:
            self._union_ends[-1] = max(self._union_ends[-1], end)
        else:
            self._union_starts.append(start)
            self._union_ends.append(end)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.items)

    def overlaps(self, lo: int, hi: int) -> bool:
        """any(start < hi and lo < end for start, end in self)"""
        if not self.ordered:
            return any(s < hi and lo < e for s, e in self.items)
        k = bisect_left(self._starts, hi)
        return k > 0 and self._reach[k - 1] > lo

    def starts_within(self, lo: int, hi: int) -> list[int]:
        """The starts s of ranges with lo <= s < hi.

        >>> SpanSet([(0, 4), (4, 6), (9, 12)]).starts_within(3, 9)
        [4]
        """
        if not self.ordered:
            return [s for s, _ in self.items if lo <= s < hi]
        return self._starts[bisect_left(self._starts, lo) : bisect_left(self._starts, hi)]

    def covers(self, lo: int, hi: int) -> bool:
        """True when [lo, hi) holds no position outside every range."""
        if lo >= hi:
            return True
        if not self.ordered:
            at = lo
            for s, e in sorted(self.items):
                if e <= at or s >= hi:
                    continue
                if s > at:
                    return False
                at = e
            return at >= hi
        k = bisect_right(self._union_starts, lo) - 1
        return k >= 0 and self._union_ends[k] >= hi


class SortedSpans:
    """Fixed ranges sorted by start, asked which of them may meet a range.

    >>> SortedSpans([(8, 9), (0, 3), (2, 5)]).near(4, 8)
    [(2, 5)]
    """

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self.spans = sorted(spans, key=lambda s: s[0])
        self._starts = [s for s, _ in self.spans]
        self._reach = list(accumulate((e for _, e in self.spans), max))

    def near(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """In order of start, every range that overlaps [lo, hi) and maybe
        some more between them (all those that end after lo and start
        before hi, from the first that does on)."""
        first = bisect_right(self._reach, lo)
        last = bisect_left(self._starts, hi)
        return self.spans[first:last]


class Successors:
    """Values in a given order, asked for the first of them (in that order)
    greater than x: a bisection when they ascend, a scan otherwise.

    >>> Successors([3, 8, 8, 12]).first_after(8), Successors([5, 2]).first_after(1)
    (12, 5)
    """

    def __init__(self, values: Iterable[int]) -> None:
        self.values = list(values)
        self.ordered = all(a <= b for a, b in zip(self.values, self.values[1:], strict=False))

    def first_after(self, x: int) -> int | None:
        if self.ordered:
            k = bisect_right(self.values, x)
            return self.values[k] if k < len(self.values) else None
        return next((v for v in self.values if v > x), None)
