"""Growth with corpus size (issue 16): `clean-docs check` on generated corpora of growing sizes.

    python bench/scale.py                           # 10, 100 and 1000 MB
    python bench/scale.py --sizes 10,100 --work /tmp/scale
    python bench/scale.py --run                     # also `clean-docs run` (slow)

Each corpus is `../shared/peers/make_corpus.py --mb N --seed 20240601` (the
speed bench's corpus at other sizes; generated at run time, about 8 minutes
for 1000 MB, cached under --work). On each, `clean-docs check FILE --id-field
id --format json` runs in a wrapper process that reports the peak resident
memory of the whole process tree (getrusage of its children: the largest
process, workers included). The table gives seconds, seconds per MB, peak
MB and peak bytes per corpus byte, and the duplicate-record recall and
precision from the generator's labels; the last line the largest size's
seconds per MB over the smallest's (linear time: near 1) and its peak
bytes per corpus byte.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from speed import (
    CLEAN_DOCS,
    as_ids,
    duplicate_records,
    git_commit,
    labelled_duplicates,
    make_corpus,
    run_limited,
    score,
    size_flags,
)

# the wrapper: runs its arguments, then prints the largest child's peak RSS
# (KiB on Linux) on its last stderr line
_PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print('peak_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def measured(cmd: list[str], timeout: float, stderr: Path) -> tuple[object, float | None]:
    """`run_limited` through the wrapper: (its result, peak MB or None)."""
    result = run_limited([sys.executable, "-c", _PEAK, *cmd], timeout, stderr)
    lines = stderr.read_text(encoding="utf-8", errors="replace").splitlines()
    peak = [line.split()[1] for line in lines if line.startswith("peak_kib ")]
    return result, (int(peak[-1]) / 1024 if peak else None)


def check_row(corpus: Path, scratch: Path, timeout: float) -> dict:
    mb = corpus.stat().st_size / 1e6
    cmd = [CLEAN_DOCS, "check", str(corpus), "--id-field", "id", "--format", "json"]
    result, peak = measured([*cmd, *size_flags(corpus)], timeout, scratch / "check.stderr")
    row: dict = {"mb": mb, "status": result.status, "seconds": None, "peak_mb": peak}
    if result.status != "ok":
        row["said"] = _tail(scratch / "check.stderr")
        return row
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        row["status"] = f"error: exit {result.returncode}, no JSON"
        row["said"] = _tail(scratch / "check.stderr")
        return row
    flagged = as_ids(duplicate_records(report)[0])
    row["recall"], row["precision"] = score(flagged, labelled_duplicates(corpus))
    row.update(seconds=result.seconds, cpu=result.cpu, records=report["counts"]["files"])
    return row


def run_row(corpus: Path, scratch: Path, timeout: float) -> dict:
    mb = corpus.stat().st_size / 1e6
    out = Path(tempfile.mkdtemp(dir=scratch, prefix="run_"))
    cmd = [CLEAN_DOCS, "run", str(corpus), "--id-field", "id", "--across", "-o", str(out / "o")]
    result, peak = measured([*cmd, *size_flags(corpus)], timeout, out / "stderr.log")
    ok = result.status == "ok" and result.returncode == 0
    status = result.status if result.status != "ok" else f"exit {result.returncode}"
    row = {
        "mb": mb,
        "status": "ok" if ok else status,
        "seconds": result.seconds if ok else None,
        "cpu": result.cpu,
        "peak_mb": peak,
    }
    if not ok:  # what the run said, before its scratch folder goes
        row["said"] = _tail(out / "stderr.log")
    return row


def _tail(path: Path, lines: int = 12) -> list[str]:
    """The last lines of a command's stderr, the peak line left out."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if not line.startswith("peak_kib ")][-lines:]


def table(rows: list[dict], what: str) -> str:
    lines = [
        f"| {what} | MB | records | seconds | s/MB | peak MB | peak B/B | recall | precision |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        seconds, peak = r.get("seconds"), r.get("peak_mb")

        def num(value: object, form: str) -> str:
            return format(value, form) if isinstance(value, (int, float)) else "-"

        lines.append(
            f"| {r['status']} | {r['mb']:.0f} | {num(r.get('records'), 'd')} | "
            f"{num(seconds, '.1f')} | {num(seconds and seconds / r['mb'], '.3f')} | "
            f"{num(peak, '.0f')} | {num(peak and peak * 2**20 / (r['mb'] * 1e6), '.1f')} | "
            f"{num(r.get('recall'), '.3f')} | {num(r.get('precision'), '.3f')} |"
        )
    done = [r for r in rows if r.get("seconds")]
    if len(done) > 1:
        first, last = done[0], done[-1]
        growth = (last["seconds"] / last["mb"]) / (first["seconds"] / first["mb"])
        lines.append(
            f"\n{what}: seconds per MB at {last['mb']:.0f} MB over {first['mb']:.0f} MB: "
            f"{growth:.2f}x"
        )
    for r in rows:
        if r.get("said"):
            lines.append(f"\n{what} at {r['mb']:.0f} MB ({r['status']}) said, last lines:")
            lines.extend("    " + line for line in r["said"])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="corpus sizes in MB (10,100,1000)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--work", type=Path, help="cache the generated corpora in this folder")
    parser.add_argument("--run", action="store_true", help="also `clean-docs run --across`")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds a command may take")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    checks, runs = [], []
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    with tempfile.TemporaryDirectory(prefix="scale16_") as tmp:
        scratch = Path(tmp)
        for mb in sizes:
            corpus = make_corpus(args.shared, args.work or scratch / "corpus", mb, args.seed)
            print(f"check {corpus} ...", file=sys.stderr)
            checks.append(check_row(corpus, scratch, args.timeout))
            if args.run:
                print(f"run {corpus} ...", file=sys.stderr)
                runs.append(run_row(corpus, scratch, args.timeout))
    print(f"\n{started}, commit {git_commit()}\n")
    print(table(checks, "check"))
    if runs:
        print("\n" + table(runs, "run --across"))
    if args.json:
        result = {"date": started, "commit": git_commit(), "check": checks, "run": runs}
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
