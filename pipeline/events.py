"""Events: verify each run against its twin, group the runs of one paste,
and describe the group in the plain features pipeline.policy judges it by
(how long, how far, what lies between, what differs and how).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import numpy as np

from pipeline import policy
from pipeline.bridge import SPOILED_PIECE, realign
from pipeline.match import numbers, similarity
from pipeline.runs import GROUP_DRIFT, NOISE_PER_EDIT, NOISE_PER_FIGURE, Run
from pipeline.segment import Keyed
from pipeline.settings import Settings
from pipeline.spans import SpanSet
from pipeline.textlines import end_of_line, line_above, start_of_line

# How far a twin may run into the copy before it (typos at the seam of a
# copy found in two pieces); a sentence said again and again overlaps its
# twin by all of itself.
_SEAM_DRIFT = 16
# How far after its twin a copy may start and still be "right after" it.
_GAP_LOOK = 1000
# Characters of its twin's end that a noisy copy's run may miss (a typo in
# the copy's last words) and still follow its twin.
_TWIN_TAIL_SLACK = 8

# A run, its similarity to its twin, and why it is not a copy ("" when it is).
Verified = tuple[Run, float, str]
# A run, its similarity, whether it goes, and the policy's verdict on it.
Decided = tuple[Run, float, bool, policy.Verdict]


def edit_blocks(a: str, b: str) -> list[int]:
    """Characters in each block where `a` and `b` differ, in order.

    Typos and noise change a character or two here and there; an author's
    edit replaces or inserts a word or a clause.

    >>> edit_blocks("records of NARA kept", "records of NARAA kept")
    [1]
    >>> edit_blocks("any NARA records", "any National Archives (NARA) records")
    [8, 11, 1]
    """
    from rapidfuzz.distance import Indel

    blocks: list[int] = []
    current = 0
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            if current:
                blocks.append(current)
            current = 0
            continue
        current += (op.src_end - op.src_start) + (op.dest_end - op.dest_start)
    if current:
        blocks.append(current)
    return blocks


def edit_pairs(a: str, b: str) -> list[tuple[str, str]]:
    """What `a` holds and `b` holds instead, at each place where they differ.

    >>> edit_pairs("TurnOn: On is on", "TurnOff: Off is on")
    [('n', 'ff'), ('n', 'ff')]
    """
    from rapidfuzz.distance import Indel

    pairs: list[tuple[str, str]] = []
    old, new = [], []
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            if old or new:
                pairs.append(("".join(old), "".join(new)))
            old, new = [], []
            continue
        old.append(a[op.src_start : op.src_end])
        new.append(b[op.dest_start : op.dest_end])
    if old or new:
        pairs.append(("".join(old), "".join(new)))
    return pairs


def _word_around(text: str, i: int) -> tuple[int, int]:
    """The Latin-script word holding text position i (empty if none)."""
    if not (text[i].isascii() and text[i].isalpha()):
        return i, i
    lo, hi = i, i + 1
    while lo > 0 and text[lo - 1].isascii() and text[lo - 1].isalpha():
        lo -= 1
    while hi < len(text) and text[hi].isascii() and text[hi].isalpha():
        hi += 1
    return lo, hi


def replaced_words(text: str, pos: np.ndarray, ks: str, run: Run) -> list[str]:
    """The words of the twin that the run puts other words in place of.

    Typos leave a word recognisable ("Direcctor"); a replaced name or term
    does not ("Brennan" for "Chen"), whatever letters the two share, so the
    character blocks where they differ are no guide. Each block is widened
    to the twin's whole word and that word compared with what the copy has
    there. Latin script only.
    """
    from rapidfuzz.distance import Indel

    a_key, b_key = ks[run.a_start : run.a_end], ks[run.b_start : run.b_end]
    ops = Indel.opcodes(a_key, b_key)
    # where each of the twin's characters lands in the copy
    to_b = np.zeros(len(a_key) + 1, dtype=np.int64)
    for op in ops:
        if op.tag == "equal":
            to_b[op.src_start : op.src_end] = np.arange(op.dest_start, op.dest_end)
        elif op.tag == "delete":
            to_b[op.src_start : op.src_end] = op.dest_start
    to_b[len(a_key)] = len(b_key)
    seen: set[int] = set()
    out: list[str] = []
    for op in ops:
        if op.tag == "equal":
            continue
        at = min(op.src_start, len(a_key) - 1)
        lo, hi = _word_around(text, int(pos[run.a_start + at]))
        if hi - lo < 4 or lo in seen:
            continue
        seen.add(lo)
        k0 = int(np.searchsorted(pos, lo)) - run.a_start
        k1 = int(np.searchsorted(pos, hi)) - run.a_start
        if k0 < 0 or k1 > len(a_key):
            continue
        old, new = a_key[k0:k1], b_key[int(to_b[k0]) : int(to_b[k1])]
        if Indel.normalized_similarity(old, new) < 0.5:
            out.append(text[lo:hi])
    return out


def _parallel_section(text: str, a_start: int, b_start: int, b_end: int) -> bool:
    """True when a repeat is a single paragraph and the line above it is the
    line above its twin but for its numbers: the same paragraph under
    sections 4.2.5 and 4.3.5 of a specification is the author's.

    >>> t = "4.2 Records\\n\\nKeep them.\\n4.3 Records\\n\\nKeep them.\\n"
    >>> _parallel_section(t, 13, 37, 47)
    True
    """

    def heading(i: int) -> tuple[str, int]:
        # (the line a paragraph hangs under, where the paragraph starts);
        # a run that starts inside a line holds the end of its heading
        ls, le = start_of_line(text, i), end_of_line(text, i)
        if text[ls:i].strip():
            return text[ls:le], le + 1
        return line_above(text, i), i

    above_a, _ = heading(a_start)
    above_b, body = heading(b_start)
    if "\n\n" in text[body:b_end].strip("\n"):
        return False
    if not above_a.strip() or above_a == above_b:
        return False

    def frame(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()))

    return frame(above_a) == frame(above_b)


def _whole_lines(text: str, keyed: Keyed, b_start: int, b_end: int) -> bool:
    """True when key range [b_start, b_end) covers whole lines of the text."""
    start = int(keyed.pos[b_start])
    end = int(keyed.pos[b_end - 1]) + 1
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before = text[line_start:start]
    after = text[end : len(text) if line_end < 0 else line_end]
    return not before.strip() and not after.strip()


def _clip_to_lines(text: str, keyed: Keyed, runs: list[Run]) -> list[Run]:
    """The runs cut back to the whole lines they cover (maybe none)."""
    pos = keyed.pos
    runs = list(runs)
    first_text = int(pos[runs[0].b_start])
    if text[start_of_line(text, first_text) : first_text].strip():
        next_line = text.find("\n", first_text) + 1 or len(text)
        k = int(np.searchsorted(pos, next_line))
        while runs and runs[0].b_end <= k:
            runs.pop(0)
        if runs and runs[0].b_start < k:
            r = runs[0]
            runs[0] = Run(k, r.b_end, r.a_start + (k - r.b_start), r.a_end, r.units)
    if not runs:
        return []
    last_text = int(pos[runs[-1].b_end - 1]) + 1
    if text[last_text : end_of_line(text, last_text)].strip():
        k = int(np.searchsorted(pos, start_of_line(text, last_text)))
        while runs and runs[-1].b_start >= k:
            runs.pop()
        if runs and runs[-1].b_end > k:
            r = runs[-1]
            runs[-1] = Run(r.b_start, k, r.a_start, r.a_end - (r.b_end - k), r.units)
    return [r for r in runs if r.b_end > r.b_start and r.a_end > r.a_start]


def whole_lines_inside(
    text: str, keyed: Keyed, run: Run, check: Callable[[Run], tuple[float, str]]
) -> Run | None:
    """The run cut back to the whole lines it covers, if that verifies."""
    ks = keyed.key_str()
    clipped = _clip_to_lines(text, keyed, [run])
    if len(clipped) != 1 or clipped[0] == run:
        return None
    inner = realign(ks, clipped[0])
    if inner is None or check(inner)[1]:
        return None
    return inner


def verifier(
    ks: str, settings: Settings, text: str | None = None, pos: np.ndarray | None = None
) -> Callable[[Run], tuple[float, str]]:
    """verify_run for one text, remembered: decide's steps ask about the
    same runs again, and a whole copy costs an alignment of its length."""
    memo: dict[Run, tuple[float, str]] = {}

    def check(run: Run) -> tuple[float, str]:
        if run not in memo:
            memo[run] = verify_run(ks, run, settings, text, pos)
        return memo[run]

    return check


def verify_run(
    ks: str,
    run: Run,
    settings: Settings,
    text: str | None = None,
    pos: np.ndarray | None = None,
) -> tuple[float, str]:
    """Similarity to the twin, and why the run cannot go ("" if it can).
    Given the text and the key's offsets, words are compared too."""
    a_text, b_text = ks[run.a_start : run.a_end], ks[run.b_start : run.b_end]
    sim = 1.0 if a_text == b_text else similarity(a_text, b_text)
    if sim < settings.run_similarity:
        return sim, f"similarity {sim:.3f} below {settings.run_similarity}"
    if sim == 1.0:
        return sim, ""
    blocks = edit_blocks(a_text, b_text)
    if not _same_figures(numbers(a_text), numbers(b_text), len(blocks)):
        return sim, "numbers differ from the twin"
    big = [size for size in blocks if size > settings.max_edit_chars]
    words = replaced_words(text, pos, ks, run) if text is not None and pos is not None else []
    odd = len(big) + len(words)
    # A copy full of typos may hold a cluster of them that looks like an
    # edit; an author's revision has its edits and nothing else.
    noisy = len(blocks) - len(big) >= NOISE_PER_EDIT * odd and all(
        size <= 3 * settings.max_edit_chars for size in big
    )
    if odd and not noisy:
        if big:
            return sim, f"differs from its twin by an edit of {max(big)} characters, not by typos"
        return sim, f"puts another word in place of {words[0]!r}, not a typo"
    return sim, ""


def _same_figures(a: list[str], b: list[str], noise: int) -> bool:
    """True when two copies carry the same figures. In a copy full of typos
    (`noise` places that differ) a typo may hit a Chinese numeral character
    (they are letters: 一, 十); a figure in digits must always agree.

    >>> _same_figures(["2022", "三十"], ["2022", "三千"], 200)
    True
    >>> _same_figures(["2022", "三十"], ["2023", "三十"], 200), _same_figures(["三十"], ["三千"], 3)
    (False, False)
    """
    if a == b:
        return True
    from collections import Counter

    changed = (Counter(a) - Counter(b)) + (Counter(b) - Counter(a))
    if any(n.isascii() for n in changed):
        return False
    return noise >= NOISE_PER_FIGURE * sum(changed.values())


def group_runs(ks: str, verified: list[Verified]) -> list[list[Verified]]:
    """Consecutive verified runs with nothing but white space between them.

    A pasted copy may come out of chaining as several runs (a unit spoiled
    by typos breaks the chain); together they are one paste event. A short
    piece too spoiled to pass on its own, between two pieces of the copy on
    its diagonal, is part of it (its differences count as the event's). A
    run whose twin lies inside the group so far starts a group of its own.
    """
    groups: list[list[Verified]] = []
    spans = SpanSet()  # the copy-side ranges of the last group
    for item in verified:
        run, _, reason = item
        prev = groups[-1][-1][0] if groups else None
        if (
            prev is not None
            and (not reason or _spoiled_piece(item))
            and not groups[-1][0][2]
            and run.b_start <= prev.b_end  # (the key holds no white space)
            # the same copy: its twin goes on where the last one stopped
            and abs((run.b_start - run.a_start) - (prev.b_start - prev.a_start)) <= GROUP_DRIFT
            # (by more than the drift that typos cause at the seam)
            and not _overlaps_beyond_drift(spans, run.a_start, run.a_end)
        ):
            groups[-1].append(item)
        else:
            _split_spoiled_tail(groups)
            groups.append([item])
            spans = SpanSet()
        spans.append((run.b_start, run.b_end))
    _split_spoiled_tail(groups)
    return groups


def _spoiled_piece(item: Verified) -> bool:
    run, _, reason = item
    return reason.startswith("similarity") and run.b_end - run.b_start <= SPOILED_PIECE


def _split_spoiled_tail(groups: list[list[Verified]]) -> None:
    """A spoiled piece belongs to a copy only between two of its pieces: at
    the group's end it is a group of its own again."""
    if not groups:
        return
    group = groups[-1]
    cut = len(group)
    while cut > 1 and group[cut - 1][2]:
        cut -= 1
    if cut < len(group):
        groups[-1:] = [group[:cut]] + [[item] for item in group[cut:]]


def twins_free(group: list[Verified], removed: SpanSet) -> int:
    """How many runs open the group before one whose twin overlaps text
    already removed or a run of the group before it.

    Typos at the seam of a copy found in two pieces can let the second
    piece's twin run a few characters into the first piece: that twin is
    cut to end where the first piece begins (the group is changed in place).
    """
    own = SpanSet()
    for k, (run, sim, why) in enumerate(group):
        if k:
            seam = [
                s
                for taken in (removed, own)
                for s in taken.starts_within(run.a_end - _SEAM_DRIFT, run.a_end)
                if run.a_start < s
            ]
            if seam:
                run = dataclasses.replace(run, a_end=min(seam))
                group[k] = (run, sim, why)
        if removed.overlaps(run.a_start, run.a_end) or own.overlaps(run.a_start, run.a_end):
            return k
        own.append((run.b_start, run.b_end))
    return len(group)


def _overlaps_beyond_drift(spans: SpanSet, lo: int, hi: int) -> bool:
    """True when [lo, hi) shares more than the seam drift with a range."""
    if not spans.overlaps(lo + _SEAM_DRIFT, hi - _SEAM_DRIFT):
        return False  # (a necessary condition, asked by bisection)
    return any(min(hi, e) - max(lo, s) > _SEAM_DRIFT for s, e in spans)


def far_repeat(
    text: str,
    keyed: Keyed,
    head: list[Verified],
    long_enough: float,
    check: Callable[[Run], tuple[float, str]],
) -> tuple[list[Verified], str]:
    """The thorough policy's test of a repeat far from its twin (what
    `far_repeats = "remove"` removes): long enough, not a paragraph under a
    heading numbered like its twin's, and whole lines (partial lines at the
    edges clipped). Returns the runs it would remove and why it would not
    ("" when it would)."""
    ks = keyed.key_str()
    first, last = head[0][0], head[-1][0]
    if last.b_end - first.b_start < long_enough:
        return head, f"shorter than {long_enough:.0f} characters"
    a_text, b_text = int(keyed.pos[first.a_start]), int(keyed.pos[first.b_start])
    if _parallel_section(text, a_text, b_text, int(keyed.pos[last.b_end - 1]) + 1):
        return head, "one paragraph under a heading numbered like its twin's (parallel sections)"
    if _whole_lines(text, keyed, first.b_start, last.b_end):
        return head, ""
    # A paste far from its twin brings whole lines; part of a line that
    # repeats part of another is an author's wording. Keep the partial
    # lines at the edges and see whether whole lines remain; typos on the
    # way shift the twin's edge a little: align the edges again.
    clipped = _clip_to_lines(text, keyed, [r for r, _, _ in head])
    clipped = [t for t in (realign(ks, r) for r in clipped) if t is not None]
    rechecked = [(r, *check(r)) for r in clipped]
    size = clipped[-1].b_end - clipped[0].b_start if clipped else 0
    if clipped and size >= long_enough and not any(why for _, _, why in rechecked):
        return rechecked, ""
    return head, "starts or ends inside a line that is not a repeat"


def _systematic(changes: list[tuple[str, str]]) -> bool:
    """True when one change is made at several places, a good share of all
    (TurnOn -> TurnOff throughout): a revision. Typos differ each time.

    >>> typos = [(c, "") for c in "abcdefghij"]
    >>> _systematic([("n", "ff")] * 3), _systematic([("n", "ff")] * 2 + typos)
    (True, False)
    """
    if not changes:
        return False
    from collections import Counter

    most = Counter(changes).most_common(1)[0][1]
    return most >= 2 and 4 * most >= len(changes)


def describe_event(
    text: str,
    keyed: Keyed,
    head: list[Verified],
    distinct: int,
    removed_runs: list[Run],
    follows: bool,
    far_why: str,
) -> policy.Event:
    """The plain features the policy judges a repeat event by."""
    ks, pos = keyed.key_str(), keyed.pos
    first, last = head[0][0], head[-1][0]
    changes = [
        pair
        for r, sim, _ in head
        if sim < 1.0
        for pair in edit_pairs(ks[r.a_start : r.a_end], ks[r.b_start : r.b_end])
    ]
    b0, b1 = int(pos[first.b_start]), int(pos[last.b_end - 1]) + 1
    a0, a1 = int(pos[first.a_start]), int(pos[last.a_end - 1]) + 1
    # pasted right after its twin, or right after the removal it continues
    prev_end = int(pos[removed_runs[-1].b_end - 1]) + 1 if follows else a1
    # (sliced only when short: a twin far back would copy all between)
    between = text[prev_end:b0] if 0 <= b0 - prev_end <= _GAP_LOOK else None
    gap = between if between is not None and not between.strip() else None
    if gap is None and between is not None and changes and not follows:
        # A noisy copy's run may miss its twin's last few characters (a
        # typo in the copy's last words): it still follows its twin.
        words = between.rstrip()
        if len("".join(words.split())) <= _TWIN_TAIL_SLACK:
            gap = between[len(words) :]
    a_line = start_of_line(text, a0)
    twin_starts_paragraph = not text[a_line:a0].strip() and (
        a_line == 0 or not text[start_of_line(text, a_line - 1) : a_line].strip()
    )
    return policy.Event(
        chars=last.b_end - first.b_start,
        distinct_chars=distinct,
        gap=gap,
        follows_removal=follows,
        copy=text[b0:b1],
        twin_text=text[a0:a1],
        before=text[max(0, b0 - 40) : b0],
        after=text[b1 : b1 + 40],
        copy_lines=text[start_of_line(text, b0) : end_of_line(text, b1)],
        twin_lines=text[a_line : end_of_line(text, a1)],
        twin_starts_paragraph=twin_starts_paragraph,
        far_why=far_why,
        exact=not changes,
        edits=len(changes),
        systematic=_systematic(changes),
    )
