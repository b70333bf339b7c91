"""Precision on real documents: `clean-docs run` over ../shared/wild, scored per half.

    python bench/wild.py                          # run and score (make bench-wild)
    python bench/wild.py --out /tmp/wild -j 1     # keep the outputs
    python bench/wild.py --reuse /tmp/wild        # score an output folder, no run
    python bench/wild.py -- --min-run-chars 150   # try settings of `clean-docs run`
    python bench/wild.py --check                  # exit 1 below precision 0.99

Runs the installed `clean-docs run WILD -o OUT -q -j N` over the real
documents of `../shared/wild` (read there, never copied here) and scores the
output with the benchmark's own `score.py`, once for each of two fixed halves
of its documents:

* the split: a document is named by its path under the wild folder as
  SHA256SUMS lists it (`corpus/file`, e.g. `sotu/1826-JQAdams.txt`); it is in
  the "tuned" half when the first byte of the SHA-256 of that path (UTF-8) is
  even, in the "held-out" half when it is odd. The rule looks at the name only,
  never at the content or the labels, so it cannot be steered by them and
  stays the same when documents are added.

For each half a data folder with SHA256SUMS, labels.tsv and classes.tsv
filtered to that half's documents is written under a temporary folder and
`score.py OUT --data THAT --json RESULT.json` scores it. One Markdown table
per half is printed; for the tuned half also score.py's lists (labelled
repeats, wrong removals); for the held-out half only the numbers, unless
--show-held-out: whoever tunes the tool should not read the held-out errors.

Exit 0 when it ran, 1 when clean-docs failed or (with --check) a corpus of
either half has prec(n) or prec(chars) below 0.99 or a keep-place hit (no
removals, precision '-', is not a failure), 2 when the wild folder, score.py
or clean-docs is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WILD = REPO.parent / "shared" / "wild"
TUNED, HELD_OUT = "tuned", "held-out"
HALVES = (TUNED, HELD_OUT)
THRESHOLD = 0.99
SPLIT_RULE = (
    "sha256 of the document's path under the wild folder (corpus/file, UTF-8): "
    "first byte even -> tuned, odd -> held-out"
)


def half_of(rel: str) -> str:
    """The half of a document, from its `corpus/file` path alone.

    The first byte of the SHA-256 of the path (UTF-8) even: "tuned"; odd:
    "held-out".
    """
    return TUNED if hashlib.sha256(rel.encode("utf-8")).digest()[0] % 2 == 0 else HELD_OUT


def sums_path(line: str) -> str | None:
    """The `corpus/file` of a SHA256SUMS line ("<hex>  <path>"), None for other lines."""
    return line.split("  ", 1)[1] if "  " in line else None


def filter_sums(src: Path, dst: Path, half: str) -> set[str]:
    """Copy the SHA256SUMS lines of one half's documents; return their paths."""
    kept: list[str] = []
    names: set[str] = set()
    for line in src.read_text(encoding="utf-8").splitlines():
        rel = sums_path(line)
        if rel is not None and half_of(rel) == half:
            kept.append(line)
            names.add(rel)
    dst.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    return names


def filter_tsv(src: Path, dst: Path, names: set[str]) -> int:
    """Copy a labels/classes TSV keeping its header and the rows whose
    `corpus`/`file` is in `names`; return how many rows were kept."""
    lines = src.read_text(encoding="utf-8").splitlines()
    if not lines:
        dst.write_text("", encoding="utf-8")
        return 0
    head = lines[0].split("\t")
    corpus, file = head.index("corpus"), head.index("file")
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        if (
            line.strip()
            and len(cells) > max(corpus, file)
            and f"{cells[corpus]}/{cells[file]}" in names
        ):
            rows.append(line)
    dst.write_text("".join(f"{line}\n" for line in [lines[0], *rows]), encoding="utf-8")
    return len(rows)


def write_half(wild: Path, dst: Path, half: str) -> set[str]:
    """A score.py data folder for one half: SHA256SUMS, labels.tsv, classes.tsv."""
    dst.mkdir(parents=True, exist_ok=True)
    names = filter_sums(wild / "SHA256SUMS", dst / "SHA256SUMS", half)
    for tsv in ("labels.tsv", "classes.tsv"):
        if (wild / tsv).is_file():
            filter_tsv(wild / tsv, dst / tsv, names)
    return names


def find_clean_docs() -> Path | None:
    """`clean-docs` next to this Python, else the repo's .venv/bin/clean-docs."""
    for cand in (
        Path(sys.executable).with_name("clean-docs"),
        REPO / ".venv" / "bin" / "clean-docs",
    ):
        if cand.is_file():
            return cand
    return None


def score(
    wild: Path, out: Path, data: Path, result: Path, max_list: int
) -> tuple[dict | None, str]:
    """Run score.py on one half; its JSON (None when it scored nothing) and stdout."""
    proc = subprocess.run(
        [
            sys.executable,
            str(wild / "score.py"),
            str(out),
            "--data",
            str(data),
            "--json",
            str(result),
            "--max-list",
            str(max_list),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if proc.returncode != 0:
        raise RuntimeError(f"score.py exited {proc.returncode}: {proc.stderr.strip()}")
    if not result.is_file():
        return None, proc.stdout
    return json.loads(result.read_text(encoding="utf-8")), proc.stdout


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def table(res: dict) -> str:
    """One Markdown table: a row per corpus and a TOTAL row."""
    head = (
        "| corpus | docs | removals | correct | wrong | prec(n) | prec(chars) "
        "| labels removed/finding/missed | keep-places hit |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [head]
    for name, st in [*res["corpora"].items(), ("**TOTAL**", res["total"])]:
        rows.append(
            f"| {name} | {st['documents']} | {st['removals']} | {st['correct']} | {st['wrong']} "
            f"| {fmt(st['precision_count'])} | {fmt(st['precision_chars'])} "
            f"| {st['labels_removed']}/{st['labels_findings']}/{st['labels_missed']} of {st['labels']} "
            f"| {st['keep_places_removed']}/{st['keep_places']} |"
        )
    return "\n".join(rows)


def lists(stdout: str) -> str:
    """score.py's output without its own table and legend: the header lines and
    the lists (labelled repeats, wrong removals, documents without a report)."""
    blocks = stdout.strip("\n").split("\n\n")
    keep = [b for b in blocks if not b.startswith(("corpus ", "prec(n):"))]
    return "\n\n".join(keep)


def failures(results: dict[str, dict | None]) -> list[str]:
    """What --check fails on: a corpus below THRESHOLD or a keep-place hit."""
    bad = []
    for half, res in results.items():
        if res is None:
            continue
        for corpus, st in res["corpora"].items():
            for key in ("precision_count", "precision_chars"):
                if st[key] is not None and st[key] < THRESHOLD:
                    bad.append(f"{half} {corpus}: {key} {st[key]:.4f} < {THRESHOLD}")
            if st["keep_places_removed"]:
                bad.append(f"{half} {corpus}: {st['keep_places_removed']} keep-place(s) hit")
    return bad


def numbers(res: dict | None, names: set[str]) -> dict[str, Any]:
    """The numbers of one half for --json (no lists of errors)."""
    if res is None:
        return {"documents": len(names), "scored": False}
    return {
        "documents": len(names),
        "scored": True,
        "corpora": res["corpora"],
        "total": res["total"],
        "no_report": len(res["no_report"]),
        "corpora_not_scored": res["corpora_not_scored"],
    }


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    ap = argparse.ArgumentParser(
        description="Precision of clean-docs on the real documents of ../shared/wild, "
        "scored on a tuned and a held-out half. Arguments after -- go to `clean-docs run`.",
    )
    ap.add_argument(
        "--wild", type=Path, default=DEFAULT_WILD, help="the wild folder (default: %(default)s)"
    )
    ap.add_argument("--out", type=Path, help="keep the outputs here (must be empty or new)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="clean-docs -j (default: 1)")
    ap.add_argument(
        "--reuse", type=Path, metavar="OUT", help="score this output folder, do not run"
    )
    ap.add_argument("--json", type=Path, metavar="PATH", help="write both halves' numbers here")
    ap.add_argument(
        "--show-held-out", action="store_true", help="also list the held-out half's errors"
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 if a corpus is below {THRESHOLD} or a keep-place was hit",
    )
    ap.add_argument(
        "--max-list", type=int, default=200, help="wrong removals listed (default: 200)"
    )
    args = ap.parse_args(argv)
    if args.reuse and (args.out or extra):
        ap.error("--reuse scores an existing folder: --out and settings after -- do not apply")
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    return args, extra


def main(argv: list[str] | None = None) -> int:
    args, extra = parse(sys.argv[1:] if argv is None else argv)
    wild: Path = args.wild.resolve()
    for need in ("SHA256SUMS", "score.py"):
        if not (wild / need).is_file():
            print(
                f"wild.py: no {need} in {wild}: the wild folder is missing (--wild DIR)",
                file=sys.stderr,
            )
            return 2
    clean_docs = None
    if not args.reuse:
        clean_docs = find_clean_docs()
        if clean_docs is None:
            print(
                "wild.py: clean-docs is not installed next to this Python nor in .venv/bin "
                "(run `make install-test`)",
                file=sys.stderr,
            )
            return 2
        if args.out and args.out.exists() and any(args.out.iterdir()):
            print(
                f"wild.py: {args.out} is not empty: its index would make clean-docs skip unchanged "
                f"documents and keep their old reports; remove it, or score it as it is with --reuse",
                file=sys.stderr,
            )
            return 2
    elif not args.reuse.is_dir():
        print(f"wild.py: --reuse {args.reuse}: no such folder", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="wild-bench-") as tmp_name:
        tmp = Path(tmp_name)
        run_info: dict[str, Any] = {}
        if args.reuse:
            out = args.reuse
            print(f"scoring {out} (no run)")
        else:
            out = args.out or tmp / "out"
            cmd = [
                str(clean_docs),
                "run",
                str(wild),
                "-o",
                str(out),
                "-q",
                "-j",
                str(args.jobs),
                *extra,
            ]
            print("$ " + " ".join(cmd), flush=True)
            start = time.perf_counter()
            rc = subprocess.run(cmd).returncode
            seconds = time.perf_counter() - start
            print(f"clean-docs run: exit {rc}, {seconds:.0f} s")
            run_info = {"command": cmd, "exit": rc, "seconds": round(seconds, 1)}
            if rc not in (0, 2):  # 2: some input could not be read, the others were processed
                print(f"wild.py: clean-docs run failed (exit {rc})", file=sys.stderr)
                return 1

        results: dict[str, dict | None] = {}
        names: dict[str, set[str]] = {}
        for half in HALVES:
            data = tmp / "data" / half
            names[half] = write_half(wild, data, half)
            try:
                results[half], stdout = score(wild, out, data, tmp / f"{half}.json", args.max_list)
            except RuntimeError as exc:
                print(f"wild.py: {exc}", file=sys.stderr)
                return 1
            res = results[half]
            print(f"\n## {half} half ({len(names[half])} documents)\n")
            if res is None:
                print(stdout.strip())
                continue
            print(table(res))
            if res["no_report"]:
                print(f"\n{len(res['no_report'])} document(s) got no report (refused or failed)")
            if half == TUNED or args.show_held_out:
                print("\n```\n" + lists(stdout) + "\n```")
        print(f"\nsplit: {SPLIT_RULE}")

    if args.json:
        doc = {
            "split": SPLIT_RULE,
            "wild": str(wild),
            "output": str(out),
            "run": run_info,
            "halves": {h: numbers(results[h], names[h]) for h in HALVES},
        }
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.check:
        bad = failures(results)
        if bad:
            print("\ncheck failed:\n" + "\n".join(f"  {b}" for b in bad))
            return 1
        print(
            f"\ncheck passed: every corpus of both halves at precision >= {THRESHOLD}, no keep-place hit"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
