"""Detection quality: precision and recall of removals per case type.

    python bench/quality.py            # the table (all cases)
    python bench/quality.py --quick    # a third of the real documents
    python bench/quality.py --sweep    # the settings sweep behind the defaults
    python bench/quality.py --held-out 1000:1100   # fresh generated cases

Counted in non-space characters of the cleaned input: precision is the share
of removed characters that really were a repeat, recall the share of repeat
characters removed; "equal" is the share of documents whose output equals
the expected text exactly. A plain baseline (drop every line whose exact
text was seen before) is scored on the same cases.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import Case, cases, held_out  # noqa: E402

from pipeline import Settings, dedupe_text  # noqa: E402
from pipeline.clean import clean, split_lines  # noqa: E402


@dataclasses.dataclass
class Score:
    docs: int = 0
    equal: int = 0
    removed: int = 0  # non-space characters removed
    correct: int = 0  # ... of which were labeled repeat
    repeat: int = 0  # non-space characters labeled repeat

    def add(self, other: Score) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def precision(self) -> float:
        return self.correct / self.removed if self.removed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.repeat if self.repeat else 1.0

    @property
    def equal_share(self) -> float:
        return self.equal / self.docs if self.docs else 1.0


def cleaned_labels(case: Case, cleaned: str, fix_text: bool) -> np.ndarray:
    """Repeat labels moved from the raw characters to the cleaned ones.

    Cleaning keeps every line, so lines are paired one to one and only the
    lines it changed are aligned character by character.
    """
    from rapidfuzz.distance import Indel

    raw = case.text
    labels = np.concatenate(
        [np.full(len(t), r, dtype=bool) for t, r in case.segments] or [np.zeros(0, bool)]
    )
    raw_lines, _ = split_lines(raw)
    out = np.zeros(len(cleaned), dtype=bool)
    raw_at = clean_at = 0
    clean_lines = cleaned.split("\n")
    import re

    breaks = [m.end() - m.start() for m in re.finditer(r"\r\n|\r|\n", raw)]
    for n, raw_line in enumerate(raw_lines):
        if n >= len(clean_lines):
            break
        clean_line = clean_lines[n]
        lab = labels[raw_at : raw_at + len(raw_line)]
        if raw_line == clean_line:
            out[clean_at : clean_at + len(clean_line)] = lab
        else:
            for op in Indel.opcodes(raw_line, clean_line):
                d1, d2 = clean_at + op.dest_start, clean_at + op.dest_end
                if op.tag == "equal":
                    out[d1:d2] = lab[op.src_start : op.src_end]
                elif op.tag == "insert" and len(lab):
                    out[d1:d2] = lab[min(op.src_start, len(lab) - 1)]
        raw_at += len(raw_line)
        clean_at += len(clean_line)
        if n < len(breaks):
            if clean_at < len(out) and raw_at < len(labels):
                out[clean_at] = labels[raw_at]
            raw_at += breaks[n]
            clean_at += 1
    return out


def score(case: Case, cleaned: str, removed_mask: np.ndarray, output: str, fix_text: bool) -> Score:
    labels = cleaned_labels(case, cleaned, fix_text)
    visible = np.array([not c.isspace() for c in cleaned], dtype=bool)
    expected = clean(case.expected, fix_text).text
    removed = int((removed_mask & visible).sum())
    correct = int((removed_mask & visible & labels).sum())
    if output == expected:
        # The same text can be cut one way or another where the characters
        # at both edges agree ("...to the|rvices ... to the|rvices"): when the
        # output is the expected text, what went is exactly the repeat.
        correct = removed
    return Score(
        docs=1,
        equal=int(output == expected),
        removed=removed,
        correct=correct,
        repeat=int((labels & visible).sum()),
    )


def run_tool(case: Case, settings: Settings) -> Score:
    result = dedupe_text(case.text, settings)
    cleaned = result.cleaned.text
    mask = np.zeros(len(cleaned), dtype=bool)
    for r in result.removed:
        mask[r.span.start : r.span.end] = True
    return score(case, cleaned, mask, result.kept_text, settings.fix_text)


def run_baseline(case: Case) -> Score:
    """Drop every line whose exact text was seen before (blank lines kept)."""
    cleaned = clean(case.text).text
    mask = np.zeros(len(cleaned), dtype=bool)
    seen: set[str] = set()
    kept: list[str] = []
    at = 0
    for line in cleaned.splitlines(keepends=True):
        body = line.rstrip("\n")
        if body.strip() and body in seen:
            mask[at : at + len(line)] = True
        else:
            seen.add(body)
            kept.append(line)
        at += len(line)
    return score(case, cleaned, mask, "".join(kept), True)


def evaluate(
    all_cases: list[Case], settings: Settings, baseline: bool
) -> dict[str, tuple[Score, Score]]:
    table: dict[str, tuple[Score, Score]] = defaultdict(lambda: (Score(), Score()))
    for case in all_cases:
        tool, base = table[case.kind]
        tool.add(run_tool(case, settings))
        if baseline:
            base.add(run_baseline(case))
        table[case.kind] = (tool, base)
    return dict(sorted(table.items()))


def print_table(table: dict[str, tuple[Score, Score]], baseline: bool) -> None:
    head = "| case type | docs | precision | recall | equal output |"
    rule = "|---|---:|---:|---:|---:|"
    if baseline:
        head += " baseline precision | baseline recall | baseline equal |"
        rule += "---:|---:|---:|"
    print(head)
    print(rule)
    total_tool, total_base = Score(), Score()
    for kind, (tool, base) in table.items():
        total_tool.add(tool)
        total_base.add(base)
        row = f"| {kind} | {tool.docs} | {tool.precision:.3f} | {tool.recall:.3f} | {tool.equal_share:.0%} |"
        if baseline:
            row += f" {base.precision:.3f} | {base.recall:.3f} | {base.equal_share:.0%} |"
        print(row)
    row = (
        f"| **all** | {total_tool.docs} | {total_tool.precision:.3f} | {total_tool.recall:.3f} |"
        f" {total_tool.equal_share:.0%} |"
    )
    if baseline:
        row += f" {total_base.precision:.3f} | {total_base.recall:.3f} | {total_base.equal_share:.0%} |"
    print(row)


def targets_met(table: dict[str, tuple[Score, Score]]) -> list[str]:
    misses = []
    for kind, (tool, _) in table.items():
        if tool.precision < 1.0:
            misses.append(f"{kind}: precision {tool.precision:.4f}")
        if tool.recall < 0.995:
            misses.append(f"{kind}: recall {tool.recall:.4f}")
        if tool.equal_share < 0.95:
            misses.append(f"{kind}: equal {tool.equal_share:.2%}")
    return misses


SWEEP = {
    "min_run_chars": [120, 150, 200, 250, 300],
    "min_run_share": [0.25, 0.5, 1.0],
    "max_gap_units": [2, 4, 8],
    "unit_similarity": [0.8, 0.85, 0.9],
    "run_similarity": [0.85, 0.9, 0.95],
    "max_edit_chars": [2, 4, 8],
    "shingle_cjk": [2, 3, 4],
    "shingle_latin": [3, 5, 7],
    "num_perm_bands_rows": [(32, 8, 4), (64, 16, 4), (128, 32, 4), (64, 8, 8)],
}


def sweep(all_cases: list[Case]) -> None:
    """One parameter at a time around the defaults (a full grid is too big)."""
    print("| parameter | value | min precision | min recall | all recall | equal output | misses |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, values in SWEEP.items():
        for value in values:
            if name == "num_perm_bands_rows":
                perm, bands, rows = value
                settings = Settings(num_perm=perm, lsh_bands=bands, lsh_rows=rows)
            else:
                settings = dataclasses.replace(Settings(), **{name: value})
            table = evaluate(all_cases, settings, baseline=False)
            tools = [t for t, _ in table.values()]
            total = Score()
            for t in tools:
                total.add(t)
            print(
                f"| {name} | {value} | {min(t.precision for t in tools):.4f} |"
                f" {min(t.recall for t in tools):.4f} | {total.recall:.4f} |"
                f" {total.equal_share:.1%} | {len(targets_met(table))} |",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer base documents")
    parser.add_argument("--sweep", action="store_true", help="sweep the settings")
    parser.add_argument("--kind", default=None, help="only case types starting with this")
    parser.add_argument(
        "--held-out",
        default=None,
        metavar="FIRST:LAST",
        help="instead, generated cases from seeds the defaults were not tuned on",
    )
    args = parser.parse_args()
    if args.held_out:
        first, last = (int(x) for x in args.held_out.split(":"))
        all_cases = held_out(first, last)
    else:
        all_cases = cases(quick=args.quick)
    if args.kind:
        all_cases = [c for c in all_cases if c.kind.startswith(args.kind)]
    started = time.perf_counter()
    if args.sweep:
        sweep(all_cases)
        return 0
    table = evaluate(all_cases, Settings(), baseline=True)
    print_table(table, baseline=True)
    misses = targets_met(table)
    elapsed = time.perf_counter() - started
    chars = sum(len(c.text) for c in all_cases)
    print(f"\n{len(all_cases)} documents, {chars / 1e6:.1f} M characters, {elapsed:.1f} s")
    print(
        "targets met on every case type" if not misses else "targets missed: " + "; ".join(misses)
    )
    return 0 if not misses else 1


if __name__ == "__main__":
    raise SystemExit(main())
