"""Across documents: what a document repeats from the documents before it.

Each document is first cleaned on its own; here its kept text is compared
with the kept texts of the documents processed before it (sorted path
order). Only documents that share runs of whole units (pairs of
consecutive units, at least `min_run_chars` characters of them) are compared
in full, so most pairs cost a dictionary look-up.
A pair is compared by the same detection that works inside one document,
run over the two texts one after the other: a stretch of the later one goes
when, inside one file, it would have been removed as a paste of the
earlier one (long enough, whole lines, a verified twin).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.model import Repeat, Result, Span
from pipeline.settings import Settings


@dataclass(frozen=True)
class CrossRepeat:
    """A stretch of one document's cleaned input repeating another document."""

    span: Span  # in this document's cleaned input
    twin_path: str
    twin: Span  # in the other document's cleaned input
    similarity: float
    method: str
    kept_span: Span  # the same stretch in this document's kept text


@dataclass
class Seen:
    """One earlier document's texts, as a full comparison needs them."""

    path: str
    kept: str
    to_cleaned: list[tuple[int, int, int]]
    cleaned: str


# A document's unit pairs: stable 64-bit hash -> (characters, count).
Pairs = dict[int, tuple[int, int]]


def _hash(blob: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(blob, digest_size=8).digest(), "little")


def unit_pairs(text: str, settings: Settings) -> Pairs:
    """Pairs of consecutive unit keys, hashed, with their length and count.

    A paste shares runs of units with its twin; two documents written in
    the same words share single sentences by chance ("...reported to the
    board."), rarely two in a row. Pairs keep such documents from becoming
    candidates for a full comparison. The hash is stable (not Python's
    salted `hash`): pairs are stored in the index and compared across runs
    and processes.

    >>> s = Settings()
    >>> a = unit_pairs("第一条规定的内容。第二条规定的内容。第三条规定的内容。", s)
    >>> sorted(v for v in a.values())
    [(18, 1), (18, 1)]
    """
    from pipeline.segment import segment

    keyed = segment(text, settings.max_unit_chars)
    keys = [keyed.key[s:e].tobytes() for s, e in keyed.units if e - s >= settings.min_unit_chars]
    out: Pairs = {}
    for a, b in zip(keys, keys[1:], strict=False):
        h = _hash(a + b"\0\0\0\0" + b)
        weight, count = out.get(h, ((len(a) + len(b)) // 4, 0))
        out[h] = (weight, count + 1)
    return out


def _pieces(result: Result) -> list[tuple[int, int, int]]:
    from pipeline.spanmap import kept_map

    return kept_map(result.cleaned.text, result.repeats)[1]


def _to_cleaned(pieces: list[tuple[int, int, int]], span: Span) -> Span:
    from pipeline.spanmap import map_span

    return map_span(pieces, span)


# lengths and counts as the postings store them (uint16)
_COUNT_BITS = 16
_WEIGHT_BITS = 16


def pair_score(weight: int, count: int, other: int) -> int:
    """What one shared unit pair adds to two documents' score: its length
    times the times both hold it (capped as the postings store them).

    >>> pair_score(18, 2, 1)
    18
    """
    cap_w, cap_n = (1 << _WEIGHT_BITS) - 1, (1 << _COUNT_BITS) - 1
    return min(weight, cap_w) * min(count, other, cap_n)


def pair_score_array(weight: Any, count: Any, other: Any) -> Any:
    """`pair_score` over numpy arrays (the Dask engine's shuffle)."""
    import numpy as np

    cap_w, cap_n = (1 << _WEIGHT_BITS) - 1, (1 << _COUNT_BITS) - 1
    weight = np.minimum(weight, cap_w).astype(np.int64)
    return weight * np.minimum(np.minimum(count, other), cap_n).astype(np.int64)


def _arrays(pairs: Pairs) -> tuple[Any, Any, Any]:
    import numpy as np

    keys = np.fromiter(pairs.keys(), np.uint64, len(pairs))
    values = np.array(list(pairs.values()), np.int64).reshape(-1, 2)
    # sorted, the look-ups in the postings walk each run in one direction
    order = np.argsort(keys)
    return keys[order], values[order, 0], values[order, 1]


def _arrays_many(many: list[Pairs]) -> tuple[Any, Any, Any, Any]:
    """Many documents' pairs as (keys, lengths, counts) of all of them, in
    document order, and each document's number of pairs: `_arrays`
    without a call per document (the keys stay in each dict's order).

    >>> [a.tolist() for a in _arrays_many([{9: (3, 1), 5: (2, 2)}, {}, {7: (4, 1)}])]
    [[9, 5, 7], [3, 2, 4], [1, 2, 1], [2, 0, 1]]
    """
    from itertools import chain

    import numpy as np

    sizes = np.fromiter(map(len, many), np.int64, len(many))
    total = int(sizes.sum())
    keys = np.fromiter(chain.from_iterable(many), np.uint64, total)
    values = np.fromiter(
        chain.from_iterable(chain.from_iterable(p.values() for p in many)), np.int64, 2 * total
    ).reshape(-1, 2)
    return keys, values[:, 0], values[:, 1], sizes


# documents loaded from an index per sort: their arrays are held meanwhile
_LOAD_BATCH = 4096


class Corpus:
    """The documents seen so far in a batch, in the order they came.

    What finds the candidates stays in memory: `postings.Postings`, 16
    bytes per recorded unit pair. The texts a full comparison needs are
    kept here only when no `fetch` is given; with one (a batch backed by
    the index), they are read back when a candidate needs them, so memory
    follows the pairs, not the texts.
    """

    def __init__(self, settings: Settings, fetch: Callable[[str], Seen] | None = None) -> None:
        from pipeline.postings import Postings

        self.settings = settings
        self.paths: list[str] = []
        self.postings = Postings()
        self.fetch = fetch
        self.texts: dict[str, Seen] = {}

    def remember(self, path: str, pairs: Pairs, seen: Seen | None = None) -> None:
        """Register a document as seen, after those before it."""
        doc = len(self.paths)
        self.paths.append(path)
        if pairs:
            self.postings.add(doc, *_arrays(pairs))
        if seen is not None:
            self.texts[path] = seen

    def remember_all(self, documents: Iterable[tuple[str, Pairs]]) -> None:
        """`remember` for many documents (no texts), a few thousand at a
        time with one sort each: how a batch loads what its index holds."""
        from itertools import islice

        listed = iter(documents)
        while batch := list(islice(listed, _LOAD_BATCH)):
            self.remember_many([(path, pairs, None) for path, pairs in batch])

    def remember_many(self, documents: list[tuple[str, Pairs, Seen | None]]) -> None:
        """`remember` for each of `documents`, in order, with one sort for
        all of their pairs (a chunk of records the screen paired with
        nothing: one at a time, converting and adding their pairs was a
        fifth of a corpus run's main process)."""
        if not documents:
            return
        self.postings.add_many(len(self.paths), *_arrays_many([pairs for _, pairs, _ in documents]))
        for path, _, seen in documents:
            self.paths.append(path)
            if seen is not None:
                self.texts[path] = seen

    def candidates(self, pairs: Pairs) -> list[str]:
        """The documents sharing at least `min_run_chars` of unit pairs
        with a new one (`pair_score` summed), in the order they came."""
        if not pairs or not self.paths:
            return []
        keys, _, counts = _arrays(pairs)
        return self._chosen(counts, *self.postings.find(keys))

    def admit(self, path: str, pairs: Pairs, seen: Seen | None = None) -> list[str]:
        """`candidates(pairs)`, then `remember(path, pairs, seen)`, with the
        pairs looked up once for both (the batch's main process does this
        for every document)."""
        import numpy as np

        if not pairs:
            self.remember(path, pairs, seen)
            return []
        keys, weights, counts = _arrays(pairs)
        found = self.postings.find(keys)
        chosen = self._chosen(counts, *found)
        self.postings.add(
            len(self.paths), keys, weights, counts, np.bincount(found[0], minlength=len(keys))
        )
        self.paths.append(path)
        if seen is not None:
            self.texts[path] = seen
        return chosen

    def _chosen(self, counts: Any, which: Any, docs: Any, weights: Any, held: Any) -> list[str]:
        import numpy as np

        if not len(docs):
            return []
        scores = pair_score_array(weights, counts[which], held)
        holders, inverse = np.unique(docs, return_inverse=True)
        totals = np.zeros(len(holders), np.int64)
        np.add.at(totals, inverse.ravel(), scores)
        limit = self.settings.min_run_chars
        return [self.paths[d] for d in holders[totals >= limit].tolist()]

    def seen(self, path: str) -> Seen:
        """An earlier document's texts (from memory, else from `fetch`)."""
        if path in self.texts or self.fetch is None:
            return self.texts[path]
        return self.fetch(path)

    def forget_texts(self, paths: Iterable[str] | None = None) -> None:
        """Drop the texts held in memory (of `paths`, or all) when `fetch`
        can read them back."""
        if self.fetch is None:
            return
        if paths is None:
            self.texts.clear()
        for path in paths or ():
            self.texts.pop(path, None)

    def compare(
        self,
        kept: str,
        pieces: list[tuple[int, int, int]],
        pairs: Pairs,
        only: Container[str] | None = None,
    ) -> list[CrossRepeat]:
        """What a document (its kept text) repeats from those before it
        (of `only`, when given: the bulk screen's candidates)."""
        found = [
            (path, _pair(self.seen(path).kept, kept, self.settings))
            for path in self.candidates(pairs)
            if only is None or path in only
        ]
        return assemble(found, pieces, self.seen)

    def add(
        self,
        path: str,
        result: Result,
        pairs: Pairs | None = None,
        only: Container[str] | None = None,
    ) -> list[CrossRepeat]:
        """Compare a document with those before it (of `only`, when
        given), then remember it."""
        kept = result.kept_text
        if pairs is None:
            pairs = unit_pairs(kept, self.settings)
        pieces = _pieces(result)
        found = self.compare(kept, pieces, pairs, only)
        self.remember(path, pairs, Seen(path, kept, pieces, result.cleaned.text))
        return found


def assemble(
    found: list[tuple[str, list[tuple[Span, Span, float, str]]]],
    pieces: list[tuple[int, int, int]],
    seen: Callable[[str], Seen],
) -> list[CrossRepeat]:
    """A document's cross-file repeats from its pair comparisons (in the
    order of the documents compared): a stretch already matched to an
    earlier document is not matched again."""
    out: list[CrossRepeat] = []
    taken: list[Span] = []
    for path, stretches in found:
        earlier = None
        for span, twin, sim, method in stretches:
            if any(span.start < t.end and t.start < span.end for t in taken):
                continue
            taken.append(span)
            earlier = earlier or seen(path)
            out.append(
                CrossRepeat(
                    _to_cleaned(pieces, span),
                    earlier.path,
                    _to_cleaned(earlier.to_cleaned, twin),
                    sim,
                    method,
                    span,
                )
            )
    return sorted(out, key=lambda c: c.span.start)


_DOCUMENT_BREAK = "\n\n"


def _pair(earlier: str, later: str, settings: Settings) -> list[tuple[Span, Span, float, str]]:
    """Stretches of `later` that would go as pastes of `earlier`, as
    (span in later, twin in earlier, similarity, method).

    Across files the thorough policy applies (far repeats of whole lines
    count): a stretch of another file is what a batch reports, and removes
    only when asked to (--across); inside one file the default policy keeps
    far repeats, since there they are nearly all the author's.
    """
    import dataclasses

    from pipeline.api import find_repeats

    if _same_key(earlier, later):
        # all of the later one is the earlier one: a duplicate document,
        # whatever it holds (a sentence its author says twice, a line too
        # short for a paste), not what the detection makes of the two joined
        return [(Span(0, len(later)), Span(0, len(earlier)), 1.0, "exact")]
    # Two documents meet at a paragraph break at least: joined end to start,
    # a later document opening with all of an earlier one read as a
    # sentence said again inside one paragraph, which is kept (K5).
    end = len(earlier)
    offset = end + len(_DOCUMENT_BREAK)
    out: list[tuple[Span, Span, float, str]] = []
    thorough = dataclasses.replace(settings, far_repeats="remove")
    for r in find_repeats(earlier + _DOCUMENT_BREAK + later, thorough):
        if r.removed and r.span.start >= end and r.twin.end <= offset:
            span = Span(max(r.span.start, offset) - offset, r.span.end - offset)
            twin = Span(r.twin.start, min(r.twin.end, end))
            if span.end > span.start and twin.end > twin.start:
                out.append((span, twin, r.similarity, r.method))
    return out


def _same_key(earlier: str, later: str) -> bool:
    """Whether two texts are the same but for what the key folds (spacing,
    line breaks, case and width), and hold something.

    >>> _same_key("Article 3; fees.", "ARTICLE 3；\\nfees．"), _same_key("Art. 3", "Art. 4")
    (True, False)
    """
    import numpy as np

    from pipeline.segment import fold

    if earlier == later:
        return bool(later.strip())
    key = fold(later)[0]
    return len(key) > 0 and np.array_equal(key, fold(earlier)[0])


def remove_across(result: Result, cross: list[CrossRepeat]) -> Result:
    """The result with what repeats earlier documents removed too (--across).

    A stretch of the kept text may span a removal made inside the document:
    it is removed piece by piece, each piece naming the other document's
    stretch as its twin.
    """
    import dataclasses

    from pipeline.policy import RULE

    OTHER_DOCUMENT = RULE["R5"]  # noqa: N806
    if not cross:
        return result
    pieces = _pieces(result)
    pass_no = 1 + max((r.pass_no for r in result.repeats), default=-1)
    added: list[Repeat] = []
    for c in cross:
        for kept_start, orig_start, length in pieces:
            lo = max(c.kept_span.start, kept_start)
            hi = min(c.kept_span.end, kept_start + length)
            if lo < hi:
                span = Span(orig_start + (lo - kept_start), orig_start + (hi - kept_start))
                added.append(
                    Repeat(
                        span, c.twin, c.similarity, c.method, True, OTHER_DOCUMENT.message,
                        c.twin_path, (), pass_no, OTHER_DOCUMENT.code,
                    )
                )  # fmt: skip
    added = _with_indentation(result.cleaned.text, list(result.removed), added)
    return dataclasses.replace(result, repeats=result.repeats + tuple(added))


def _with_indentation(text: str, inside: list[Repeat], added: list[Repeat]) -> list[Repeat]:
    """`added` with a line's indentation taken by the removal that starts
    right after it, when the removals from there on (these and `inside`,
    touching) take the rest of the line, its break too. Left behind, the
    indentation would join the next line (or end the text without a line
    break): a line of the earlier document said again as two stretches,
    say around a changed figure, left its leading U+3000 alone.

    >>> from pipeline.model import Span
    >>> def r(a, b):
    ...     return Repeat(Span(a, b), Span(0, 1), 1.0, "exact", True, "", "x", (), 1, "R5")
    >>> [(x.span.start, x.span.end) for x in _with_indentation("  ab\\n", [], [r(2, 3), r(3, 5)])]
    [(0, 3), (3, 5)]
    >>> [(x.span.start, x.span.end) for x in _with_indentation("  ab\\n", [], [r(2, 4)])]
    [(2, 4)]
    """
    import dataclasses

    ends = {r.span.start: r.span.end for r in (*inside, *added)}
    out = []
    for repeat in added:
        start = repeat.span.start
        line = text.rfind("\n", 0, start) + 1
        if line < start and text[line:start].isspace() and line not in ends:
            end = start
            while end in ends:  # the removals that follow on, touching
                end = ends[end]
            if text[end - 1] == "\n" and not any(
                r.span.start < start and r.span.end > line for r in (*inside, *added)
            ):
                repeat = dataclasses.replace(repeat, span=Span(line, repeat.span.end))
        out.append(repeat)
    return out
