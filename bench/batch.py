"""Yearly batches: first run, unchanged second run, one more year.

    python bench/batch.py            # 30 reports x 5 years, then a 6th year

Generates a folder of report-like documents (half Chinese, half English)
with planted repeats inside files and across years, and shared boilerplate;
times `clean-docs run` three times with the same output folder (and so the
same index): everything new, nothing changed, one year added.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import en_report, zh_report  # noqa: E402

CLEAN_DOCS = str(Path(sys.executable).with_name("clean-docs"))


def report(year: int, k: int) -> str:
    make = zh_report if k % 2 else en_report
    return make(random.Random(year * 1000 + k), year)


def write_year(root: Path, year: int, n: int) -> None:
    folder = root / str(year)
    folder.mkdir(parents=True)
    rng = random.Random(year)
    for k in range(n):
        text = report(year, k)
        if k % 7 == 3:  # pasted twice inside the file
            text += text
        if k % 11 == 5 and year > 2019:  # a section of last year's report
            text += "\n".join(report(year - 1, k).split("\n")[2:6]) + "\n"
        if k == rng.randrange(n) and year > 2019:  # last year's report saved again
            text = report(year - 1, k)
        (folder / f"report_{k:02d}.txt").write_text(text, encoding="utf-8")


def timed(*argv: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([CLEAN_DOCS, "run", *argv], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    header, values = proc.stderr.strip().splitlines()[-3:-1]
    return elapsed, f"{header.strip()} / {values.strip()}"


def main() -> None:
    years, per_year = 5, 30
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "reports", Path(tmp) / "out"
        for year in range(2019, 2019 + years):
            write_year(root, year, per_year)
        first, line1 = timed(str(root), "-o", str(out))
        second, line2 = timed(str(root), "-o", str(out))
        write_year(root, 2019 + years, per_year)
        third, line3 = timed(str(root), "-o", str(out))
    print(f"{years * per_year} reports over {years} years, then one more year of {per_year}")
    print("| run | wall | what it said |\n|---|---:|---|")
    print(f"| first (all new) | {first:.2f} s | {line1} |")
    print(f"| second (unchanged) | {second:.2f} s | {line2} |")
    print(f"| third (one year added) | {third:.2f} s | {line3} |")
    print(f"\nsecond run {first / second:.1f}x faster than the first")


if __name__ == "__main__":
    main()
