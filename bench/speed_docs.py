"""Speed on generated documents: clean-docs end to end, by stage, and two MinHash peers.

The side-by-side bench of issue 16 (one labelled JSONL corpus, rensa and
datatrove beside clean-docs) is bench/speed.py; this one, the earlier
`make bench-speed`, stays for the -j speed-up, peak memory and stage times.

    python bench/speed_docs.py                 # a 20 MB corpus (the default)
    python bench/speed_docs.py --mb 100        # the issue's sizes: 100, 1000
    python bench/speed_docs.py --jobs 1        # one worker
    python bench/speed_docs.py --no-dask       # without the Dask engine's run
    python bench/speed_docs.py --out-dir /dev/shm  # outputs on a RAM disk
    python bench/speed_docs.py --repeat 3      # median of 3 runs per end-to-end case

Generates report-like Chinese and English documents (folders of files) with
repeats planted inside documents (a document pasted twice) and across them
(one document's section copied into another), then:
- times `clean-docs run` over the folder end to end with one job (as it
  runs, and pinned to one core) and with `--jobs`, over the same documents as one JSONL corpus, and with the Dask
  engine (a LocalCluster of `--jobs` workers): MB/s and the peak RSS of the
  largest process;
- times the stages in one process on a sample (read, clean, segment,
  fingerprint, match, resolve, across);
- times, on the same documents cut into paragraph blocks, datasketch used the
  plain way (`MinHash.update` per character 5-gram with its default hash,
  `MinHashLSH` query then insert, 128 permutations, threshold 0.8) and rensa
  (`RMinHash.update` with the list of 5-grams, `RMinHashLSH`), on a sample
  when they are slow, and prints the ratios;
- times the fingerprint stage alone against datasketch's on those blocks:
  the same 5-grams, 128 permutations, `MinHash.update` per shingle against
  our vectorized signatures.
rensa is a bench-only dependency (`pip install ".[bench]"`).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import en_report, zh_report  # noqa: E402

CLEAN_DOCS = str(Path(sys.executable).with_name("clean-docs"))


def make_corpus(root: Path, megabytes: float, seed: int = 7) -> list[Path]:
    """Write documents until `megabytes` of UTF-8 are on disk."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    files: list[Path] = []
    size, k = 0, 0
    previous = ""
    while size < megabytes * 1_000_000:
        year = 2000 + k % 25
        doc = (zh_report if k % 2 else en_report)(random.Random(seed * 100_000 + k), year)
        if k % 5 == 0:
            doc += doc  # pasted twice inside the document
        if k % 7 == 3 and previous:
            lines = previous.split("\n")
            doc += "\n".join(lines[2:6]) + "\n"  # a section of the previous document
        path = root / f"{k // 500:03d}" / f"doc_{k:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        data = doc.encode("utf-8")
        path.write_bytes(data)
        files.append(path)
        size += len(data)
        previous = doc
        k += 1
        rng.random()
    return files


def megabytes(files: list[Path]) -> float:
    return sum(p.stat().st_size for p in files) / 1_000_000


def write_jsonl(files: list[Path], target: Path) -> None:
    """The same documents as one JSONL corpus, one record per document."""
    import json

    with target.open("w", encoding="utf-8") as out:
        for n, path in enumerate(files):
            record = {"id": f"doc{n:06d}", "text": path.read_text(encoding="utf-8")}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


# Runs the command and prints the peak RSS of its largest process (kB):
# RUSAGE_CHILDREN of this wrapper covers only that one run.
_MEASURED = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(rc)\n"
)


def run_end_to_end(
    inp: Path, out: Path, jobs: int, *extra: str, cores: set[int] | None = None
) -> tuple[float, float]:
    """(seconds, peak RSS of the run's largest process in MB); `cores`
    pins the run (and its workers) to those CPUs."""
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURED,
            CLEAN_DOCS,
            "run",
            str(inp),
            "-o",
            str(out),
            "-j",
            str(jobs),
            "-q",
            *extra,
        ],
        capture_output=True,
        text=True,
        preexec_fn=None if cores is None else lambda: os.sched_setaffinity(0, cores),
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return seconds, int(proc.stdout.split()[-1]) / 1024


def fingerprint_ratio(texts: list[str], num_perm: int = 128) -> tuple[float, float]:
    """Seconds for datasketch's MinHash (update per 5-gram) and for our
    signatures, over the same blocks and shingles."""
    import numpy as np
    from datasketch import MinHash

    from pipeline.fingerprint import signatures, window_hashes

    start = time.perf_counter()
    for text in texts:
        m = MinHash(num_perm=num_perm)
        for s in shingles(text):
            m.update(s.encode("utf-8"))
    plain = time.perf_counter() - start
    # ours takes a tenth of a second, where a first run's page faults weigh
    # (0.12 s, then 0.04-0.07 s): the best of three, as timeit would
    ours = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        key = np.frombuffer("".join(texts).encode("utf-32-le"), np.uint32)
        lengths = np.fromiter((len(t) for t in texts), np.int64, len(texts))
        counts = np.maximum(lengths - 4, 1)
        owners = np.repeat(np.arange(len(texts)), counts)
        first = np.repeat(np.cumsum(lengths) - lengths, counts)
        within = np.arange(len(owners)) - np.repeat(np.cumsum(counts) - counts, counts)
        hashes = window_hashes(key, 5)
        signatures(hashes[first + within], owners, num_perm, 1)
        ours = min(ours, time.perf_counter() - start)
    return plain, ours


def stage_times(files: list[Path]) -> dict[str, float]:
    """Seconds per stage over `files`, in this process."""
    from pipeline.across import Corpus
    from pipeline.api import dedupe_source
    from pipeline.clean import clean
    from pipeline.fingerprint import signatures, unit_shingles
    from pipeline.match import first_occurrences, match_units
    from pipeline.read import read_file
    from pipeline.resolve import resolve
    from pipeline.segment import segment
    from pipeline.settings import Settings

    settings = Settings()
    times = dict.fromkeys(
        ("read", "clean", "segment", "fingerprint", "match", "resolve", "whole document", "across"),
        0.0,
    )
    corpus = Corpus(settings)
    for path in files:
        t = time.perf_counter()
        source = read_file(path)
        times["read"] += time.perf_counter() - t
        t = time.perf_counter()
        text = clean(source.text).text
        times["clean"] += time.perf_counter() - t
        t = time.perf_counter()
        keyed = segment(text, settings.max_unit_chars)
        times["segment"] += time.perf_counter() - t
        t = time.perf_counter()
        first = first_occurrences(keyed)
        eligible = [i for i, (s, e) in enumerate(keyed.units) if e - s >= 6 and first[i] == i]
        if eligible:
            hashes, owners = unit_shingles(keyed, eligible, 3, 5)
            signatures(hashes, owners, settings.num_perm, settings.seed)
        times["fingerprint"] += time.perf_counter() - t
        t = time.perf_counter()
        matches = match_units(keyed, settings)  # (fingerprints again, inside)
        times["match"] += time.perf_counter() - t
        t = time.perf_counter()
        resolve(text, keyed, matches, settings)
        times["resolve"] += time.perf_counter() - t
        t = time.perf_counter()
        result = dedupe_source(source, settings)  # every pass, verify
        times["whole document"] += time.perf_counter() - t
        t = time.perf_counter()
        corpus.add(str(path), result)
        times["across"] += time.perf_counter() - t
    return times


def blocks(files: list[Path]) -> list[str]:
    out: list[str] = []
    for path in files:
        out.extend(b for b in path.read_text(encoding="utf-8").split("\n") if len(b) >= 20)
    return out


def shingles(block: str, k: int = 5) -> list[str]:
    return [block[i : i + k] for i in range(max(1, len(block) - k + 1))]


def datasketch_plain(texts: list[str]) -> tuple[float, int]:
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    dups = 0
    for i, text in enumerate(texts):
        m = MinHash(num_perm=128)
        for s in shingles(text):
            m.update(s.encode("utf-8"))
        if lsh.query(m):
            dups += 1
        lsh.insert(i, m)
    return time.perf_counter() - start, dups


def rensa_plain(texts: list[str]) -> tuple[float, int] | None:
    try:
        from rensa import RMinHash, RMinHashLSH
    except ImportError:
        return None
    best = float("inf")
    for _ in range(3):  # a tenth of a second: the best of three, as ours
        start = time.perf_counter()
        lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
        dups = 0
        for i, text in enumerate(texts):
            m = RMinHash(num_perm=128, seed=42)
            m.update(shingles(text))
            if lsh.query(m):
                dups += 1
            lsh.insert(i, m)
        best = min(best, time.perf_counter() - start)
    return best, dups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample-mb", type=float, default=2.0, help="sample for the slow parts")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask engine's run")
    parser.add_argument("--no-single", action="store_true", help="skip the one-job runs")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each end-to-end case N times, report the median time (this VM's system time varies)",
    )
    parser.add_argument(
        "--out-dir",
        help="where the runs write (e.g. /dev/shm: without this disk's cost of creating files)",
    )
    args = parser.parse_args()
    runs: list[tuple[str, float, float, float]] = []  # (what, MB, seconds, peak MB)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory(dir=args.out_dir) as out:
        root = Path(tmp) / "corpus"
        files = make_corpus(root, args.mb)
        total = megabytes(files)
        corpus = Path(tmp) / "corpus.jsonl"
        write_jsonl(files, corpus)
        plan: list[tuple[str, Path, int, tuple[str, ...], set[int] | None]] = [
            (f"folder, -j {args.jobs}", root, args.jobs, (), None)
        ]
        if not args.no_single and args.jobs > 1:
            plan.append(("folder, -j 1", root, 1, (), None))
            # -j 1 writes its outputs in threads, which use a second core
            # when there is one: the speed-up from cores is measured on one
            plan.append(("folder, -j 1, one core", root, 1, (), {min(os.sched_getaffinity(0))}))
        plan.append((f"JSONL corpus, -j {args.jobs}", corpus, args.jobs, (), None))
        if not args.no_dask:
            plan.append(
                (
                    f"folder, --engine dask, {args.jobs} workers",
                    root,
                    args.jobs,
                    ("--engine", "dask"),
                    None,
                )
            )
        for what, inp, jobs, extra, cores in plan:
            times, peaks = [], []
            for _ in range(args.repeat):
                seconds, rss = run_end_to_end(inp, Path(out) / "run", jobs, *extra, cores=cores)
                shutil.rmtree(Path(out) / "run")  # outputs of 1 GB fill a RAM disk
                times.append(seconds)
                peaks.append(rss)
            seconds, rss = sorted(times)[len(times) // 2], max(peaks)
            runs.append((what, total, seconds, rss))
            print(f"  {what}: {seconds:.1f} s", file=sys.stderr)
        sample, size = [], 0.0
        for f in files:
            if size >= args.sample_mb:
                break
            sample.append(f)
            size += f.stat().st_size / 1_000_000
        stages = stage_times(sample)
        texts = blocks(sample)
        ds_seconds, ds_dups = datasketch_plain(texts)
        rensa = rensa_plain(texts)
        fp_plain, fp_ours = fingerprint_ratio(texts)
    ours = total / runs[0][2]
    print(f"corpus: {len(files)} documents, {total:.1f} MB; machine: {os.cpu_count()} cores")
    print("\n| what | MB | seconds | MB/s | peak RSS (largest process) |")
    print("|---|---:|---:|---:|---:|")
    for what, mb, seconds, rss in runs:
        print(
            f"| clean-docs run, {what} | {mb:.1f} | {seconds:.2f} | {mb / seconds:.2f} | "
            f"{rss:.0f} MB |"
        )
    print(
        f"| datasketch plain, MinHash + LSH (sample) | {size:.1f} | {ds_seconds:.2f} | "
        f"{size / ds_seconds:.2f} | |"
    )
    if rensa:
        print(
            f"| rensa, MinHash + LSH, best of 3 (sample) | {size:.1f} | {rensa[0]:.2f} | "
            f"{size / rensa[0]:.2f} | |"
        )
    print(
        f"| fingerprints, datasketch MinHash.update (sample) | {size:.1f} | {fp_plain:.2f} | "
        f"{size / fp_plain:.2f} | |"
    )
    print(
        f"| fingerprints, ours, same shingles, best of 3 (sample) | {size:.1f} | {fp_ours:.3f} | "
        f"{size / fp_ours:.1f} | |"
    )
    print(f"\nclean-docs -j {args.jobs} / datasketch plain: {ours / (size / ds_seconds):.1f}x")
    if rensa:
        print(f"clean-docs -j {args.jobs} / rensa: {ours / (size / rensa[0]):.2f}x")
    for base in ("folder, -j 1", "folder, -j 1, one core"):
        single = [r for r in runs if r[0] == base]
        if single:
            print(f"speed-up of -j {args.jobs} over {base[8:]}: {single[0][2] / runs[0][2]:.2f}x")
    print(f"fingerprint stage, ours / datasketch plain: {fp_plain / fp_ours:.0f}x")
    print(f"(blocks flagged duplicate: datasketch {ds_dups}, rensa {rensa[1] if rensa else '-'})")
    print(f"\nstages on the {size:.1f} MB sample, one process:")
    print("| stage | seconds | MB/s |\n|---|---:|---:|")
    for name, t in stages.items():
        print(f"| {name} | {t:.2f} | {size / t if t else float('inf'):.1f} |")


if __name__ == "__main__":
    main()
