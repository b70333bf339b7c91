"""Speed on inputs that repeat themselves throughout (issue 13, item 5).

    python bench/pathologies.py                      # 1, 2, 4, 8 MB, 300 s a case
    python bench/pathologies.py --sizes 1 2 --timeout 120
    python bench/pathologies.py --cases log_lines said_twice
    python bench/pathologies.py --cli                 # clean-docs run FILE -j 1

Each case is a text made to size (UTF-8 megabytes, cut at a line end):
- same_sentence: one English sentence on every line, over and over;
- same_sentence_zh: the same with a Chinese sentence;
- said_twice: every sentence different, each said twice in a row, a few
  pairs to a paragraph;
- log_lines: a template line differing only by its numbers ("Request 17
  completed in 12 ms"), as in a log.

Each run is `pipeline.dedupe_text` in a subprocess of its own, timed
around the call (or, with `--cli`, the whole of `clean-docs run FILE -o
DIR -j 1` as a new user runs it, its four outputs written). A hang is
killed at `--timeout` and shown as "> N s"; a case that timed out is not
tried at larger sizes. The peak RSS is the subprocess's own high-water
mark (VmHWM from /proc while it runs, ru_maxrss when it ends). Prints a
Markdown table: case, MB, seconds, s/MB, peak MB, removed regions, and the
characters kept.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_SENTENCE = "The committee approved the annual budget after a long debate on schools.\n"
_SENTENCE_ZH = "委员会在就学校问题进行长时间辩论后批准了年度预算。\n"
_WORDS = [
    "archive",
    "board",
    "budget",
    "council",
    "debate",
    "figure",
    "growth",
    "harbour",
    "island",
    "journal",
    "keeper",
    "ledger",
    "market",
    "notice",
    "office",
    "policy",
    "quarter",
    "record",
    "school",
    "survey",
    "treaty",
    "union",
    "valley",
    "warden",
    "yield",
    "zone",
    "river",
    "meadow",
    "signal",
    "orchard",
]

# The child: read the text, dedupe it, print what the table needs.
_CHILD = """
import json, resource, sys, time
from pipeline import dedupe_text
text = open(sys.argv[1], encoding="utf-8").read()
t0 = time.perf_counter()
result = dedupe_text(text)
seconds = time.perf_counter() - t0
print(json.dumps({
    "seconds": seconds,
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "removed": len(result.removed),
    "kept": len(result.kept_text),
}))
"""


def _fill(megabytes: float, line: Callable[[int], str]) -> str:
    """Lines line(0), line(1), ... until `megabytes` of UTF-8."""
    target = int(megabytes * 1_000_000)
    out: list[str] = []
    size = k = 0
    while size < target:
        piece = line(k)
        out.append(piece)
        size += len(piece.encode("utf-8"))
        k += 1
    return "".join(out)


def same_sentence(megabytes: float) -> str:
    return _fill(megabytes, lambda _: _SENTENCE)


def same_sentence_zh(megabytes: float) -> str:
    return _fill(megabytes, lambda _: _SENTENCE_ZH)


def said_twice(megabytes: float) -> str:
    rng = random.Random(13)

    def sentence(k: int) -> str:
        words = rng.choices(_WORDS, k=rng.randint(7, 13))
        return f"{' '.join(words).capitalize()} in year {1900 + k % 120}."

    def paragraph(k: int) -> str:
        pairs = [sentence(4 * k + i) for i in range(4)]
        return " ".join(f"{s} {s}" for s in pairs) + "\n"

    return _fill(megabytes, paragraph)


def log_lines(megabytes: float) -> str:
    rng = random.Random(5)
    return _fill(megabytes, lambda k: f"Request {k + 1} completed in {rng.randint(5, 99)} ms\n")


CASES: dict[str, Callable[[float], str]] = {
    "same_sentence": same_sentence,
    "same_sentence_zh": same_sentence_zh,
    "said_twice": said_twice,
    "log_lines": log_lines,
}


def _hwm_kb(pid: int) -> int:
    """The process's peak resident set (VmHWM) in kB, 0 if unreadable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# The same through the command line: the run's time and its outputs.
_CLI_CHILD = """
import json, resource, sys, time
from pathlib import Path
from pipeline.cli import main
src, out = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
try:
    main(["run", str(src), "-o", str(out), "-j", "1", "-q", "--max-size", "64"])
except SystemExit as exc:
    if exc.code:
        raise
seconds = time.perf_counter() - t0
report = json.loads((out / (src.stem + ".report.json")).read_text(encoding="utf-8"))
print(json.dumps({
    "seconds": seconds,
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "removed": len(report["removed"]),
    "kept": len((out / (src.stem + ".txt")).read_text(encoding="utf-8")),
}))
"""


def run_case(path: Path, timeout: float, cli: bool = False) -> dict[str, float]:
    """Dedupe the file in a subprocess; no "done" key when it ran out of time."""
    command = [sys.executable, "-c", _CHILD, str(path)]
    if cli:
        command = [sys.executable, "-c", _CLI_CHILD, str(path), str(path.with_suffix(".out"))]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _hwm_kb(proc.pid))
        if time.monotonic() - start > timeout:
            proc.kill()
            proc.communicate()
            return {"peak_kb": peak}
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{path.name}: exit {proc.returncode}\n{err}")
    row = json.loads(out.strip().splitlines()[-1])
    row["peak_kb"] = max(peak, row["peak_kb"])
    row["done"] = 1
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8], help="MB")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a run may take")
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--cli", action="store_true", help="time clean-docs run -j 1")
    args = parser.parse_args(argv)
    print("| case | MB | seconds | s/MB | peak MB | removed regions | kept chars |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="pathologies-") as tmp:
        for name in args.cases:
            for mb in sorted(args.sizes):
                path = Path(tmp) / f"{name}-{mb:g}.txt"
                path.write_text(CASES[name](mb), encoding="utf-8")
                row = run_case(path, args.timeout, args.cli)
                path.unlink()
                shutil.rmtree(path.with_suffix(".out"), ignore_errors=True)
                peak = f"{row['peak_kb'] / 1024:.0f}" if row["peak_kb"] else "?"
                if "done" not in row:
                    limit = f"> {args.timeout:g}"
                    print(f"| {name} | {mb:g} | {limit} | > {args.timeout / mb:.1f} | {peak} | | |")
                    sys.stdout.flush()
                    break  # larger sizes would only take longer
                print(
                    f"| {name} | {mb:g} | {row['seconds']:.1f} | {row['seconds'] / mb:.1f} | "
                    f"{peak} | {row['removed']} | {row['kept']} |"
                )
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
