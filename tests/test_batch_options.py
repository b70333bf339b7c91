"""Batch options: parallel jobs give the same outputs, include/exclude globs."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

from cases import en_report, zh_report  # noqa: E402


def _folder(root: Path) -> Path:
    for k in range(8):
        make = zh_report if k % 2 else en_report
        text = make(random.Random(k), 2022)
        if k % 3 == 0:
            text += text
        sub = root / "in" / ("drafts" if k == 7 else "final")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"r{k}.txt").write_text(text, encoding="utf-8")
    (root / "in" / "final" / "notes.htm").write_text("<p>x</p>\n", encoding="utf-8")
    return root / "in"


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and ".clean-docs" not in p.parts
    }


def test_two_jobs_write_what_one_job_writes(tmp_path: Path, clean_docs: list[str]) -> None:
    src = _folder(tmp_path)
    for jobs in ("1", "2"):
        proc = subprocess.run(
            [*clean_docs, "run", "in", "-o", f"out{jobs}", "-j", jobs],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
    one, two = _tree(tmp_path / "out1"), _tree(tmp_path / "out2")
    assert one == two and len(one) == 8 * 4 + 2
    assert src.is_dir()


def test_include_and_exclude(tmp_path: Path, clean_docs: list[str]) -> None:
    _folder(tmp_path)
    proc = subprocess.run(
        [*clean_docs, "check", "in", "--exclude", "drafts/*", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "drafts" not in proc.stdout and "final/r3.txt" in proc.stdout
    only = subprocess.run(
        [*clean_docs, "run", "in", "-o", "out", "--include", "*.htm", "-q"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert only.returncode == 0 and only.stderr == ""
    assert sorted(p.name for p in (tmp_path / "out" / "final").iterdir()) == [
        "notes.htm",
        "notes.htm.diff",
        "notes.htm.report.html",
        "notes.htm.report.json",
    ]


def test_progress_with_two_jobs(tmp_path: Path) -> None:
    # The progress callback lives in the main process: sending it to the
    # workers (it cannot be pickled) hung the run on a terminal.
    from pipeline.batch import Options, run_paths
    from pipeline.settings import Settings

    src = _folder(tmp_path)
    seen: list[int] = []
    outcome, summary = run_paths(
        [str(src)],
        tmp_path / "out",
        Settings(),
        Options(jobs=2, progress=lambda done, total, path: seen.append(done)),
    )
    assert outcome.errors == [] and summary["totals"]["files"] == 8
    assert seen == list(range(1, 9))


def test_chunks_keep_order_and_their_bounds(tmp_path: Path) -> None:
    from pipeline.engine import CHUNK_BYTES, CHUNK_DOCS, _chunks
    from pipeline.inputs import Input, Record

    def record(n: int, size: int) -> Input:
        return Input("corpus.jsonl", f"corpus.jsonl#{n}", f"{n}.txt", Record("text", 0, size))

    small = [record(n, 100) for n in range(40)]
    assert [len(c) for c in _chunks(small)] == [8] * 5  # a small batch comes steadily
    many = [record(n, 100) for n in range(5000)]
    chunks = _chunks(many)
    assert [x for c in chunks for x in c] == many
    assert max(map(len, chunks)) == CHUNK_DOCS
    # long documents: a chunk closes once it holds CHUNK_BYTES
    long = [record(n, CHUNK_BYTES // 2) for n in range(9)]
    assert [len(c) for c in _chunks(long)] == [2, 2, 2, 2, 1]
    huge = [record(n, 5 * CHUNK_BYTES) for n in range(3)]
    assert [len(c) for c in _chunks(huge)] == [1, 1, 1]
    assert _chunks([]) == []
    # a file's size is looked up; one gone counts as empty
    (tmp_path / "a.txt").write_text("x" * 10, encoding="utf-8")
    files = [Input((tmp_path / n).as_posix(), n, n) for n in ("a.txt", "gone.txt")]
    assert _chunks(files) == [files]
