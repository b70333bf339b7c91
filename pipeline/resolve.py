"""Resolve stage: unit matches in, the document's removals and findings out.

The work is split by what it asks:

1. pipeline.runs: chain matched unit pairs that follow each other on both
   sides into runs; merge overlaps; bridge runs of one copy.
2. pipeline.edges: push each run's ends outwards on the key, tolerating
   single typos, so a paste boundary inside a unit or a line is found
   exactly; an edge never falls inside a word or a number.
3. pipeline.events: verify each run against its twin and group the runs of
   one paste into an event described by plain features.
4. pipeline.policy: the rules, as a table, that say whether an event goes
   or stays as a finding (here: decide, first occurrence wins).
5. pipeline.spanmap: key ranges map back to the text, widened only over
   white space so that whole lines go when whole lines repeat.
"""

from __future__ import annotations

import dataclasses

from pipeline import policy
from pipeline.bridge import bridge_runs
from pipeline.edges import extend, rotate_past_sentence_end
from pipeline.events import (
    Decided,
    Verified,
    describe_event,
    far_repeat,
    group_runs,
    twins_free,
    verifier,
    whole_lines_inside,
)
from pipeline.match import UnitMatch, stutters
from pipeline.model import Repeat, Span
from pipeline.runs import Run, chain, continues_removal, merge_runs
from pipeline.segment import Keyed
from pipeline.settings import Settings
from pipeline.spanmap import fit_line_edges, snap
from pipeline.spans import SpanSet, Successors
from pipeline.textlines import at_line_start, blank_lines_before, blank_lines_below, blank_to


def decide(text: str, keyed: Keyed, runs: list[Run], settings: Settings) -> list[Decided]:
    """Verify each run against its twin and say whether it goes.

    Returns (run, similarity, removed, verdict) for every run long enough to
    report, in text order. Runs are verified one by one, then decided as
    groups: the runs of one paste event go together or not at all.
    """
    ks = keyed.key_str()
    repeated = sum(r.b_end - r.b_start for r in runs)
    distinct = max(1, len(ks) - repeated)
    # Long in itself, or most of what a short text says.
    long_enough = min(
        settings.min_run_chars,
        max(settings.min_adjacent_chars, settings.min_run_share * distinct),
    )
    check = verifier(ks, settings, text, keyed.pos)
    runs = bridge_runs(ks, runs, check)
    verified: list[Verified] = []
    for run in runs:
        if run.b_end - run.b_start < settings.min_finding_chars:
            continue
        sim, reason = check(run)
        if reason and run.b_end - run.b_start >= long_enough:
            # A run that overshot into a neighbouring line alike but for a
            # name or a figure: the whole lines inside it may still be a copy.
            inner = whole_lines_inside(text, keyed, run, check)
            if inner is not None:
                run, (sim, reason) = inner, check(inner)
        verified.append((run, sim, reason))
    removed_spans = SpanSet()
    removed_runs: list[Run] = []
    removed_rules: list[str] = []
    out: list[Decided] = []
    for group in group_runs(ks, verified):
        if group[0][2]:
            edit = policy.RULE["K2"]
            out.extend(
                (run, sim, False, policy.Verdict(edit, reason)) for run, sim, reason in group
            )
            continue
        # A twin inside text already removed (or inside this very paste)
        # cannot vouch for the run: it ends the group there.
        cut = twins_free(group, removed_spans)
        head, tail = group[:cut], group[cut:]
        twin_gone = policy.Verdict(policy.RULE["K1"])
        out.extend((run, sim, False, twin_gone) for run, sim, _ in tail)
        if not head:
            continue
        follows = continues_removal(ks, head[0][0], removed_runs)
        far_head, far_why = far_repeat(text, keyed, head, long_enough, check)
        event = describe_event(text, keyed, head, distinct, removed_runs, follows, far_why)
        if follows and removed_rules[-1] == "R1":
            event = dataclasses.replace(event, after_whole_copy=True)
        verdict = policy.judge(event, settings)
        if verdict.rule.code == "R3":
            head = far_head
        for run, sim, _ in head:
            out.append((run, sim, verdict.removed, verdict))
            if verdict.removed:
                removed_spans.append((run.b_start, run.b_end))
                removed_runs.append(run)
                removed_rules.append(verdict.rule.code)
    out.sort(key=lambda item: item[0].b_start)
    return out


def resolve(
    text: str, keyed: Keyed, matches: list[UnitMatch], settings: Settings
) -> tuple[Repeat, ...]:
    """Turn unit matches into the document's removals and findings."""
    runs = merge_runs(
        keyed.key_str(),
        extend(text, keyed, chain(keyed, matches, settings)),
        [
            rotate_past_sentence_end(
                keyed.key_str(), Run(*s, units=0), at_line_start(text, int(keyed.pos[s[0]]))
            )
            for s in stutters(keyed, settings.min_adjacent_chars)
        ],
    )
    decided = decide(text, keyed, runs, settings)
    decided = fit_line_edges(text, keyed, decided, settings)
    pos = keyed.pos
    repeats: list[Repeat] = []
    floor = 0
    line_open = False  # the last removal began a line and ends at floor
    removed_starts = Successors(r.b_start for r, _, removed, _ in decided if removed)
    for run, sim, removed, reason in decided:
        b = Span(int(pos[run.b_start]), int(pos[run.b_end - 1]) + 1)
        a = Span(int(pos[run.a_start]), int(pos[run.a_end - 1]) + 1)
        if removed:
            later = removed_starts.first_after(run.b_start)
            ceil = len(text) if later is None else int(pos[later])
            # A twin that starts inside a line (a paragraph's tail pasted
            # again as the next paragraph) has no blank lines of its own:
            # its copy takes none either, only its own text.
            tail_paste = not at_line_start(text, a.start)
            lead = 0 if tail_paste else blank_lines_before(text, a.start)
            trail = None
            if not text[max(floor, a.end) : b.start].strip():
                after_twin = 0 if tail_paste else blank_lines_below(text, a.end)
                trail = max(0, after_twin - lead)
            on_top = blank_to(text, a.start)
            continues = line_open and b.start == floor
            start, end = snap(
                text, b.start, b.end, max(floor, a.end), ceil, lead, trail, continues, on_top
            )
            line_open = (start == floor and line_open) or at_line_start(text, start)
            b = Span(start, end)
            floor = end
        exact = sim == 1.0
        method = "exact" if exact else "near"
        repeats.append(
            Repeat(b, a, round(sim, 4), method, removed, reason.reason, rule=reason.rule.code)
        )
    return tuple(repeats)
