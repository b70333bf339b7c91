"""Speed side by side (issue 16): clean-docs, rensa and datatrove on one labelled corpus.

    python bench/speed.py                       # everything but --dask
    python bench/speed.py --only corpus         # the labelled corpus only
    python bench/speed.py --skip-peers --skip-wild
    python bench/speed.py --work /tmp/speed     # keep the generated corpus there
    python bench/speed.py --dask                # also `run --engine dask -j 2`
    python bench/speed.py --json speed.json     # the numbers as JSON too

1. The corpus: `../shared/peers/make_corpus.py --mb 10 --seed 20240601`
   writes mixed Chinese/English JSONL records ({"id", "text"}) and a labels
   file saying which records are exact or near copies of an earlier one.
   It is generated into a temporary folder at run time (cached under --work).
2. Each tool on that file, timed from reading the JSONL to its list of
   records flagged as duplicates (MB/s = file bytes / wall seconds), scored
   against the labels (recall and precision of duplicate records):
   - rensa 0.5.0: RMinHash (128 permutations) of each record's character
     5-grams, RMinHashLSH with 16 bands of 8 rows, query then insert in file
     order; a record is flagged when the LSH returns an earlier record.
   - datatrove 0.10.1: its four MinHash steps (signature, buckets, cluster,
     filter) with its default 14 buckets of 8 hashes, run by its
     LocalPipelineExecutor; the word tokenizer is swapped for one that
     returns characters, so its 5-grams are character 5-grams of its
     normalised text. Flagged: the records its filter removes.
   - `clean-docs check FILE --id-field id --format json`, `clean-docs
     run FILE --id-field id -o OUT` and the same with `--across` (the
     corpus deduplicated as a corpus: copies of earlier records left out
     of the cleaned corpus and listed, as the peers leave them out); the
     runs' wall time only.
   rensa and datatrove each run in a child process of this script (datatrove
   logs a lot and starts worker processes); their time is measured inside
   it, so it leaves out the interpreter's start-up and imports, which the
   clean-docs rows include (a few tenths of a second; the JSON has both).
3. Real documents at growing sizes: `clean-docs check` over a temporary
   folder of links to the first 50, 100, 200, 400 and all RFCs of
   ../shared/wild (a fixed shuffle, so each size holds the smaller ones),
   and the same for its Project Gutenberg books (2, 4, 8, all); seconds per
   MB and the largest size's over the smallest's. Each run has --timeout.
4. `clean-docs check seeds/`, the median of 5 runs.
5. With --dask: `clean-docs run --engine dask -j 2` against the local run.

Ends with a markdown table and the issue's ratios (check / rensa-16 >= 2x,
run / rensa-16 >= 1x, RFC seconds per MB largest / smallest <= 1.5).
The peers are the `bench` extra: pip install ".[bench]".
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLEAN_DOCS = str(Path(sys.executable).with_name("clean-docs"))
RFC_SIZES = (50, 100, 200, 400)
BOOK_SIZES = (2, 4, 8)
# rensa's LSH: 16 bands x 8 rows = 128 permutations (the "rensa-16")
RENSA_BANDS, RENSA_PERM = 16, 128
SHINGLE = 5
GOALS = {"check / rensa-16": 2.0, "run / rensa-16": 1.0, "RFC s/MB, largest / smallest": 1.5}


@dataclass
class Timed:
    """One tool's run over one input."""

    tool: str
    mb: float
    seconds: float | None  # None when it timed out or failed
    status: str = "ok"  # ok | timeout | error: ...
    cpu: float | None = None  # CPU seconds of its processes (see children_cpu)
    flagged: list[int] | None = None  # records flagged as duplicates
    fallback: list[int] | None = None  # clean-docs: by `duplicate_of` (see duplicate_records)
    extra: dict = field(default_factory=dict)

    @property
    def mbps(self) -> float | None:
        return self.mb / self.seconds if self.seconds else None


# ---------------------------------------------------------------- the corpus


def make_corpus(shared: Path, folder: Path, mb: float, seed: int) -> Path:
    """The generator's PREFIX.jsonl (and .labels.jsonl, .meta.json) in
    `folder`, reused when a finished one is there (meta is written last)."""
    prefix = folder / f"corpus_{mb:g}mb_seed{seed}"
    meta = Path(f"{prefix}.meta.json")  # not with_suffix: "0.5mb" holds a dot
    if not meta.exists():
        folder.mkdir(parents=True, exist_ok=True)
        script = shared / "peers" / "make_corpus.py"
        cmd = [sys.executable, str(script), "--mb", str(mb), "--seed", str(seed)]
        subprocess.run([*cmd, "--out", str(prefix)], check=True, stdout=subprocess.DEVNULL)
    return Path(f"{prefix}.jsonl")


def labelled_duplicates(corpus: Path) -> set[int]:
    """Ids of the records the labels call exact or near copies."""
    labels = corpus.with_name(corpus.stem + ".labels.jsonl")
    with labels.open(encoding="utf-8") as f:
        return {r["id"] for r in map(json.loads, f) if r["kind"] in ("exact", "near")}


def score(flagged: list[int] | None, duplicates: set[int]) -> tuple[float | None, float | None]:
    """(recall, precision) of flagged records against the labelled ones."""
    if flagged is None:
        return None, None
    hits = len(duplicates.intersection(flagged))
    recall = hits / len(duplicates) if duplicates else None
    precision = hits / len(set(flagged)) if flagged else None
    return recall, precision


# ---------------------------------------------------------------- peers (child processes)


def shingles(text: str, k: int = SHINGLE) -> list[str]:
    return [text[i : i + k] for i in range(max(1, len(text) - k + 1))]


def rensa_flagged(corpus: Path) -> list[int]:
    """Records whose LSH query returns an earlier record, in file order."""
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=0.8, num_perm=RENSA_PERM, num_bands=RENSA_BANDS)
    flagged: list[int] = []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            m = RMinHash(num_perm=RENSA_PERM, seed=42)
            m.update(shingles(record["text"]))
            if lsh.query(m):  # only earlier records are in the index yet
                flagged.append(record["id"])
            lsh.insert(record["id"], m)
    return flagged


def datatrove_flagged(corpus: Path, work: Path) -> list[int]:
    """Records datatrove's MinHash filter removes, its four steps run locally."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.word_tokenizers import WordTokenizer

    class Characters(WordTokenizer):
        """Characters as "words": datatrove's n-grams become character n-grams."""

        def word_tokenize(self, text: str) -> list[str]:
            return list(text)

        def sent_tokenize(self, text: str) -> list[str]:
            return [text]

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return [(0, len(text))]

    config = MinhashConfig(n_grams=SHINGLE)  # its defaults otherwise: 14 buckets x 8

    def reader() -> JsonlReader:
        return JsonlReader(str(corpus.parent), glob_pattern=corpus.name, id_key="id")

    def execute(pipeline: list, step: str, tasks: int = 1, workers: int = 1) -> None:
        logs = str(work / f"logs_{step}")
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=logs).run()

    sigs, buckets, remove = (str(work / name) for name in ("sigs", "buckets", "remove"))
    removed = work / "removed"
    signature = MinhashDedupSignature(sigs, config=config, language=Characters())
    # one input file is one task for the reader: this step uses one core
    execute([reader(), signature], "signature")
    bucket_step = MinhashDedupBuckets(sigs, buckets, config=config)
    execute([bucket_step], "buckets", tasks=config.num_buckets, workers=os.cpu_count() or 1)
    execute([MinhashDedupCluster(buckets, remove, config=config)], "cluster")
    excluded = JsonlWriter(str(removed), compression=None)
    execute([reader(), MinhashDedupFilter(remove, exclusion_writer=excluded)], "filter")
    flagged: list[int] = []
    for path in sorted(removed.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            flagged.extend(int(r["id"]) for r in map(json.loads, f))
    return flagged


def peer_main(name: str, corpus: Path, work: Path) -> None:
    """In the child: time one peer, print {"seconds", "flagged"} as JSON."""
    start = time.perf_counter()
    flagged = rensa_flagged(corpus) if name == "rensa" else datatrove_flagged(corpus, work)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "flagged": flagged}))


def time_peer(name: str, tool: str, corpus: Path, scratch: Path, timeout: float) -> Timed:
    """Run one peer in a child process of this script."""
    work = scratch / f"peer_{name}"
    work.mkdir()
    cmd = [sys.executable, __file__, "--peer", name, "--peer-input", str(corpus)]
    result = run_limited([*cmd, "--peer-work", str(work)], timeout, work / "stderr.log")
    mb = corpus.stat().st_size / 1e6
    if result.status != "ok" or result.returncode != 0:
        status = result.status if result.status != "ok" else f"error: exit {result.returncode}"
        return Timed(tool, mb, None, status, extra={"stderr": str(work / "stderr.log")})
    out = json.loads(result.stdout)
    # the child's own wall time too, start-up and imports included
    extra = {"seconds_with_startup": result.seconds}
    return Timed(tool, mb, out["seconds"], cpu=result.cpu, flagged=out["flagged"], extra=extra)


# ---------------------------------------------------------------- running clean-docs


@dataclass
class Limited:
    seconds: float
    status: str  # ok | timeout
    returncode: int | None
    stdout: str
    cpu: float | None = None  # user + system seconds of the command's processes


def children_cpu() -> float:
    """CPU seconds of the finished children (and the descendants they waited
    for): wall time moves with whatever else runs here, this much less."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_limited(cmd: list[str], timeout: float, stderr: Path, cwd: Path | None = None) -> Limited:
    """Run `cmd` with a time limit; on timeout its whole process group goes
    (clean-docs's workers too, so that nothing keeps a core busy after)."""
    start, cpu = time.perf_counter(), children_cpu()
    with stderr.open("w") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, cwd=cwd, start_new_session=True
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return Limited(time.perf_counter() - start, "timeout", None, "")
    seconds = time.perf_counter() - start
    return Limited(seconds, "ok", proc.returncode, out, children_cpu() - cpu)


def _other_record(duplicate_of: object) -> str | None:
    """The record a finding's `duplicate_of` names: its `record`, else the
    `#ID` ending its path (how today's findings in a JSONL corpus name it)."""
    if not isinstance(duplicate_of, dict):
        return None
    if duplicate_of.get("record") is not None:
        return str(duplicate_of["record"])
    path = str(duplicate_of.get("path", ""))
    return path.rpartition("#")[2] if "#" in path else None


def duplicate_records(report: dict) -> tuple[set[str], set[str]]:
    """Records `check --format json` flags as duplicates of another record:
    (those with a finding of kind "duplicate-document", those with any
    finding whose duplicate_of names another record). The first is the
    finding issue 16 adds; the second a fallback while its shape settles."""
    by_kind: set[str] = set()
    by_other: set[str] = set()
    for finding in report.get("findings", []):
        record = finding.get("record")
        if record is None:
            continue
        if finding.get("kind") == "duplicate-document":
            by_kind.add(str(record))
        other = _other_record(finding.get("duplicate_of"))
        if other is not None and other != str(record):
            by_other.add(str(record))
    return by_kind, by_other


def as_ids(records: set[str]) -> list[int]:
    """The corpus's ids are integers; anything else is not one of its records."""
    return sorted(int(r) for r in records if r.lstrip("-").isdigit())


def size_flags(path: Path) -> list[str]:
    """--max-size for a corpus larger than the default 16 MB limit."""
    mb = path.stat().st_size / 1e6
    return ["--max-size", f"{mb * 1.1:.0f}"] if mb > 16 else []


def time_check(corpus: Path, scratch: Path, timeout: float) -> Timed:
    cmd = [CLEAN_DOCS, "check", str(corpus), "--id-field", "id", "--format", "json"]
    result = run_limited([*cmd, *size_flags(corpus)], timeout, scratch / "check.stderr")
    mb = corpus.stat().st_size / 1e6
    tool = "clean-docs check"
    if result.status != "ok":
        return Timed(tool, mb, None, result.status)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return Timed(tool, mb, None, f"error: exit {result.returncode}, no JSON")
    by_kind, by_other = duplicate_records(report)
    counts = report.get("counts", {})
    return Timed(
        tool,
        mb,
        result.seconds,
        cpu=result.cpu,
        flagged=as_ids(by_kind),
        fallback=as_ids(by_other),
        extra={"exit": result.returncode, "counts": counts},
    )


def time_run(corpus: Path, scratch: Path, timeout: float, *extra: str, tool: str) -> Timed:
    """`clean-docs run` into a new output folder (an old one's index would
    make it compare against the previous run)."""
    out = Path(tempfile.mkdtemp(dir=scratch, prefix="run_"))
    cmd = [CLEAN_DOCS, "run", str(corpus), "--id-field", "id", "-o", str(out / "out"), *extra]
    result = run_limited([*cmd, *size_flags(corpus)], timeout, out / "stderr.log")
    mb = corpus.stat().st_size / 1e6
    if result.status != "ok":
        return Timed(tool, mb, None, result.status)
    if result.returncode != 0:
        return Timed(tool, mb, None, f"error: exit {result.returncode}")
    return Timed(tool, mb, result.seconds, cpu=result.cpu)


# ---------------------------------------------------------------- real documents


def ladder(files: list[Path], sizes: tuple[int, ...]) -> list[list[Path]]:
    """Nested subsets: a fixed shuffle's first n files for each size below
    the count, then all of them."""
    order = sorted(files)
    random.Random(16).shuffle(order)
    return [order[:n] for n in sizes if n < len(order)] + [order]


def link_folder(files: list[Path], folder: Path) -> Path:
    """A folder of symlinks (never a copy of ../shared), one name per file."""
    folder.mkdir(parents=True)
    for path in files:
        (folder / f"{path.parent.name}__{path.name}").symlink_to(path)
    return folder


def time_check_folder(files: list[Path], folder: Path, timeout: float) -> dict:
    link_folder(files, folder)
    mb = sum(p.stat().st_size for p in files) / 1e6
    cmd = [CLEAN_DOCS, "check", str(folder), "--format", "json"]
    result = run_limited(cmd, timeout, folder.with_suffix(".stderr"))
    row = {"docs": len(files), "mb": mb, "seconds": None, "status": result.status}
    if result.status == "ok":
        row["seconds"], row["cpu"] = result.seconds, result.cpu
        row["exit"] = result.returncode
        try:
            row["counts"] = json.loads(result.stdout).get("counts", {})
        except json.JSONDecodeError:
            row["status"] = f"error: exit {result.returncode}, no JSON"
    return row


def wild_series(
    name: str, files: list[Path], sizes: tuple[int, ...], scratch: Path, timeout: float
) -> dict:
    """`check` at each size; after a timeout the larger sizes are skipped
    (each holds the smaller, so it would time out too)."""
    rows: list[dict] = []
    for subset in ladder(files, sizes):
        if any(r["status"] == "timeout" for r in rows):
            mb = sum(p.stat().st_size for p in subset) / 1e6
            rows.append({"docs": len(subset), "mb": mb, "seconds": None, "status": "skipped"})
            continue
        rows.append(time_check_folder(subset, scratch / f"{name}_{len(subset)}", timeout))
        print(f"  {name} {len(subset)} documents: {_fmt_s(rows[-1])}", file=sys.stderr)
    series = {
        "corpus": name,
        "rows": rows,
        "ratio": per_mb_ratio(rows),
        "cpu_ratio": per_mb_ratio(rows, "cpu"),
    }
    if rows[0]["seconds"] and not rows[-1]["seconds"]:
        # the largest took longer than the timeout: the ratio is at least this
        series["ratio_at_least"] = (timeout / rows[-1]["mb"]) / (rows[0]["seconds"] / rows[0]["mb"])
    return series


def per_mb_ratio(rows: list[dict], key: str = "seconds") -> float | None:
    """Seconds (or CPU seconds) per MB at the largest size over the
    smallest's, when both were measured."""
    done = [r for r in rows if r.get(key)]
    if len(done) < 2 or done[-1] is not rows[-1]:
        return None
    return (done[-1][key] / done[-1]["mb"]) / (done[0][key] / done[0]["mb"])


def _fmt_s(row: dict, unit: str = " s") -> str:
    return f"{row['seconds']:.1f}{unit}" if row["seconds"] else row["status"]


# ---------------------------------------------------------------- seeds


def time_seeds(scratch: Path, timeout: float, repeat: int = 5) -> dict:
    """`clean-docs check seeds/` from the repository's root, median of `repeat`."""
    times: list[float] = []
    for _ in range(repeat):
        result = run_limited(
            [CLEAN_DOCS, "check", "seeds/"], timeout, scratch / "seeds.stderr", cwd=REPO
        )
        if result.status != "ok":
            return {"seconds": None, "status": result.status, "runs": times}
        times.append(result.seconds)
    return {"seconds": statistics.median(times), "status": "ok", "runs": times}


# ---------------------------------------------------------------- report


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[Timed], duplicates: set[int]) -> str:
    lines = [
        "| tool | MB/s | recall | precision | seconds | flagged | fallback: recall / precision (flagged) | CPU s |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        recall, precision = score(row.flagged, duplicates)
        fallback = "-"
        if row.fallback is not None:
            fr, fp = score(row.fallback, duplicates)
            fallback = f"{_num(fr, 3)} / {_num(fp, 3)} ({len(row.fallback)})"
        seconds = _num(row.seconds) if row.seconds is not None else row.status
        flagged = "-" if row.flagged is None else str(len(row.flagged))
        lines.append(
            f"| {row.tool} | {_num(row.mbps)} | {_num(recall, 3)} | {_num(precision, 3)} | "
            f"{seconds} | {flagged} | {fallback} | {_num(row.cpu, 1)} |"
        )
    return "\n".join(lines)


def wild_table(series: list[dict]) -> str:
    lines = [
        "| documents | docs | MB | seconds | s/MB | CPU s/MB | findings | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in series:
        for r in s["rows"]:
            per_mb = r["seconds"] / r["mb"] if r["seconds"] else None
            cpu_per_mb = r["cpu"] / r["mb"] if r.get("cpu") else None
            counts = r.get("counts", {})
            lines.append(
                f"| {s['corpus']} | {r['docs']} | {_num(r['mb'])} | {_fmt_s(r, '')} | {_num(per_mb)} | "
                f"{_num(cpu_per_mb)} | "
                f"{counts.get('findings', '-')} | {counts.get('errors', '-')} |"
            )
    return "\n".join(lines)


def ratios(
    rows: list[Timed], series: list[dict], dask: dict | None
) -> dict[str, float | str | None]:
    """The issue's ratios, for the parts that ran."""
    out: dict[str, float | str | None] = {}
    if rows:
        speed = {r.tool: r.mbps for r in rows}
        rensa = speed.get("rensa-16")
        for name, tool in (
            ("check / rensa-16", "clean-docs check"),
            ("run / rensa-16", "clean-docs run"),
            ("run --across / rensa-16", "clean-docs run --across"),
        ):
            mine = speed.get(tool)
            out[name] = mine / rensa if mine and rensa else None
    for s in series:
        key = f"{'RFC' if s['corpus'] == 'rfc' else s['corpus']} s/MB, largest / smallest"
        at_least = s.get("ratio_at_least")
        out[key] = s["ratio"] if at_least is None else f"> {at_least:.2f} (the largest timed out)"
        out[key.replace("s/MB", "CPU s/MB")] = s["cpu_ratio"]
    if dask is not None:
        out["run --engine dask / run local (MB/s)"] = dask.get("ratio")
    return out


def ratio_lines(values: dict[str, float | str | None]) -> str:
    lines = []
    for name, value in values.items():
        goal = GOALS.get(name)
        shown = value if isinstance(value, str) else "-" if value is None else f"{value:.3f}x"
        if goal is not None and isinstance(value, float):
            smaller = "s/MB" in name  # a time ratio: lower is better
            met = value <= goal if smaller else value >= goal
            shown += f" (goal {'<=' if smaller else '>='} {goal:g}x: {'met' if met else 'not met'})"
        lines.append(f"- {name}: {shown}")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in ("clean-docs-dedup", "rensa", "datatrove"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> str | None:
    proc = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip() or None


# ---------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size in MB (10)")
    parser.add_argument("--seed", type=int, default=20240601, help="corpus seed (20240601)")
    parser.add_argument("--work", type=Path, help="cache the generated corpus in this folder")
    parser.add_argument(
        "--shared", type=Path, default=REPO.parent / "shared", help="the shared folder (../shared)"
    )
    parser.add_argument("--skip-peers", action="store_true", help="no rensa, no datatrove")
    parser.add_argument("--skip-wild", action="store_true", help="no RFCs, no books")
    parser.add_argument("--only", choices=("corpus", "wild", "seeds"), help="just this part")
    parser.add_argument("--dask", action="store_true", help="also run --engine dask -j 2")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds allowed to each run (900)"
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    # the child-process mode that times one peer (see time_peer)
    parser.add_argument("--peer", choices=("rensa", "datatrove"), help=argparse.SUPPRESS)
    parser.add_argument("--peer-input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--peer-work", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def corpus_part(
    args: argparse.Namespace, scratch: Path
) -> tuple[list[Timed], set[int], dict, dict | None]:
    corpus = make_corpus(args.shared, args.work or scratch / "corpus", args.mb, args.seed)
    meta = json.loads(corpus.with_name(corpus.stem + ".meta.json").read_text(encoding="utf-8"))
    print(f"corpus: {corpus} ({corpus.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    rows: list[Timed] = []
    if not args.skip_peers:
        rows.append(time_peer("rensa", "rensa-16", corpus, scratch, args.timeout))
        rows.append(time_peer("datatrove", "datatrove", corpus, scratch, args.timeout))
    rows.append(time_check(corpus, scratch, args.timeout))
    rows.append(time_run(corpus, scratch, args.timeout, tool="clean-docs run"))
    dask = None
    if args.dask:
        rows.append(
            time_run(
                corpus,
                scratch,
                args.timeout,
                "--engine",
                "dask",
                "-j",
                "2",
                tool="clean-docs run --engine dask -j 2",
            )
        )
        local, remote = rows[-2].mbps, rows[-1].mbps
        dask = {"ratio": remote / local if local and remote else None}
    # the corpus deduplicated as a corpus: a record that copies an earlier
    # one is left out of the cleaned corpus and listed (what the peers do)
    rows.append(time_run(corpus, scratch, args.timeout, "--across", tool="clean-docs run --across"))
    for row in rows:
        print(
            f"  {row.tool}: {_num(row.seconds) if row.seconds else row.status} s", file=sys.stderr
        )
    summary = {
        k: meta.get(k)
        for k in ("bytes", "blocks", "counts", "numpy", "zh_source_sha256", "en_source_sha256")
    }
    return rows, labelled_duplicates(corpus), summary, dask


def wild_part(args: argparse.Namespace, scratch: Path) -> list[dict]:
    wild = args.shared / "wild"
    series = []
    if (wild / "rfc").is_dir():
        series.append(
            wild_series(
                "rfc", sorted((wild / "rfc").glob("*.txt")), RFC_SIZES, scratch, args.timeout
            )
        )
    if (wild / "books").is_dir():
        series.append(
            wild_series(
                "books", sorted((wild / "books").rglob("*.txt")), BOOK_SIZES, scratch, args.timeout
            )
        )
    return series


def main() -> None:
    args = parse_args()
    if args.peer:
        peer_main(args.peer, args.peer_input, args.peer_work)
        return
    wanted = {args.only} if args.only else {"corpus", "wild", "seeds"}
    if args.skip_wild:
        wanted.discard("wild")
    started = datetime.datetime.now().astimezone()
    load_before = os.getloadavg()
    rows: list[Timed] = []
    duplicates: set[int] = set()
    corpus, dask, seeds = None, None, None
    series: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="speed16_") as tmp:
        scratch = Path(tmp)
        if "corpus" in wanted:
            rows, duplicates, corpus, dask = corpus_part(args, scratch)
        if "wild" in wanted:
            series = wild_part(args, scratch)
        if "seeds" in wanted:
            seeds = time_seeds(scratch, args.timeout)
    result = {
        "date": started.isoformat(timespec="seconds"),
        "seconds": (datetime.datetime.now().astimezone() - started).total_seconds(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "commit": git_commit(),
        "versions": versions(),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "corpus": corpus,
        "labelled_duplicates": len(duplicates),
        "rows": [
            asdict(r)
            | {
                "mbps": r.mbps,
                "recall": score(r.flagged, duplicates)[0],
                "precision": score(r.flagged, duplicates)[1],
            }
            for r in rows
        ],
        "wild": series,
        "seeds": seeds,
        "ratios": ratios(rows, series, dask),
        "goals": GOALS,
    }
    report(result, rows, duplicates, series, seeds)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


def report(
    result: dict, rows: list[Timed], duplicates: set[int], series: list[dict], seeds: dict | None
) -> None:
    machine = result["machine"]
    print(
        f"\n{result['date']}, commit {result['commit']}, {machine['cpus']} cores, load "
        f"{machine['loadavg_before'][0]:.2f} before / {machine['loadavg_after'][0]:.2f} after; "
        f"{', '.join(f'{k} {v}' for k, v in result['versions'].items())}"
    )
    if rows:
        corpus = result["corpus"]
        print(
            f"\ncorpus: {corpus['bytes'] / 1e6:.2f} MB, {corpus['blocks']} records, "
            f"{len(duplicates)} labelled duplicates ({corpus['counts']})\n"
        )
        print(table(rows, duplicates))
    if series:
        print("\n" + wild_table(series))
    if seeds is not None:
        runs = ", ".join(f"{t:.2f}" for t in seeds["runs"])
        print(f"\nclean-docs check seeds/: median {_num(seeds['seconds'])} s ({runs})")
    print("\n" + ratio_lines(result["ratios"]))


if __name__ == "__main__":
    main()
