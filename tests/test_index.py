"""The index: a second run skips what it has seen, a new year is compared
with every earlier one, and changed settings or files are processed again."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

from cases import zh_report  # noqa: E402


def _report(year: int, k: int) -> str:
    return zh_report(random.Random(year * 100 + k), year, sections=2)


def _year(root: Path, year: int, n: int = 4) -> None:
    (root / str(year)).mkdir(parents=True)
    for k in range(n):
        (root / str(year) / f"r{k}.txt").write_text(_report(year, k), encoding="utf-8")


def _run(clean_docs: list[str], *argv: str) -> tuple[str, dict]:
    proc = subprocess.run([*clean_docs, "run", *argv], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = Path(argv[argv.index("-o") + 1])
    return proc.stderr, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _skipped(stderr: str) -> int:
    # the summary table: a header row, then the values in the same columns
    header, values = stderr.strip().splitlines()[-3:-1]
    names = re.split(r"\s{2,}", header.strip())
    return int(re.split(r"\s{2,}", values.strip())[names.index("unchanged, skipped")])


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and ".clean-docs" not in p.parts
    }


def test_second_run_skips_and_writes_the_same(tmp_path: Path, clean_docs: list[str]) -> None:
    root, out = tmp_path / "reports", tmp_path / "out"
    _year(root, 2021)
    _year(root, 2022)
    (root / "2022" / "r1.txt").write_text(_report(2022, 1) * 2, encoding="utf-8")
    first_err, first = _run(clean_docs, str(root), "-o", str(out))
    assert _skipped(first_err) == 0 and first["totals"]["removed_regions"] == 1
    before = _outputs(out)
    second_err, second = _run(clean_docs, str(root), "-o", str(out))
    assert _skipped(second_err) == 8
    assert _outputs(out) == before
    assert second["files"] == first["files"]


def test_a_name_that_is_no_utf8_is_skipped_on_a_second_run(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    # A name with a byte that is no UTF-8 is written into the outputs as its
    # escape; the index recorded the hash of another encoding of it, found
    # the outputs changed and processed the file again on every run, then
    # compared it with documents that had come after it: other results.
    import os

    root, out = tmp_path / "reports", tmp_path / "out"
    _year(root, 2021)
    odd = os.path.join(os.fsencode(root / "2021"), b"r\xe9.txt")
    with open(odd, "wb") as handle:
        handle.write((_report(2021, 0) * 2).encode("utf-8"))
    first_err, first = _run(clean_docs, str(root), "-o", str(out))
    assert _skipped(first_err) == 0
    before = _outputs(out)
    second_err, second = _run(clean_docs, str(root), "-o", str(out))
    assert _skipped(second_err) == 5
    assert _outputs(out) == before
    assert second["files"] == first["files"]


def test_a_new_year_is_processed_alone_and_compared_with_all(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    root, out = tmp_path / "reports", tmp_path / "out"
    _year(root, 2021)
    _year(root, 2022)
    _run(clean_docs, str(root), "-o", str(out))
    _year(root, 2023)
    # a 2023 report that copies a section of 2021's
    old = _report(2021, 2).split("\n")
    (root / "2023" / "r3.txt").write_text(
        _report(2023, 3) + "\n".join(old[3:6]) + "\n", encoding="utf-8"
    )
    err, summary = _run(clean_docs, str(root), "-o", str(out))
    assert _skipped(err) == 8  # only the four 2023 files were processed
    by_path = {Path(f["path"]).relative_to(root).as_posix(): f for f in summary["files"]}
    [cross] = by_path["2023/r3.txt"]["cross_file"]
    assert cross["duplicate_of"]["path"].endswith("2021/r2.txt")
    assert len(summary["files"]) == 12


def test_changed_settings_or_file_are_processed_again(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    root, out = tmp_path / "reports", tmp_path / "out"
    _year(root, 2021)
    _run(clean_docs, str(root), "-o", str(out))
    err, _ = _run(clean_docs, str(root), "-o", str(out), "--min-run-chars", "300")
    assert _skipped(err) == 0
    (root / "2021" / "r0.txt").write_text(_report(2021, 0) * 2, encoding="utf-8")
    err, summary = _run(clean_docs, str(root), "-o", str(out), "--min-run-chars", "300")
    assert _skipped(err) == 3 and summary["totals"]["removed_regions"] == 1
    # an output deleted by hand is written again
    (out / "2021" / "r1.txt").unlink()
    err, _ = _run(clean_docs, str(root), "-o", str(out), "--min-run-chars", "300")
    assert _skipped(err) == 3 and (out / "2021" / "r1.txt").is_file()


def test_a_shared_index_compares_runs_into_other_folders(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    root = tmp_path / "reports"
    _year(root, 2021)
    (root / "2022").mkdir()
    (root / "2022" / "same.txt").write_text(_report(2021, 1), encoding="utf-8")
    index = tmp_path / "shared.sqlite"
    _run(clean_docs, str(root / "2021"), "-o", str(tmp_path / "o1"), "--index", str(index))
    _, summary = _run(
        clean_docs, str(root / "2022"), "-o", str(tmp_path / "o2"), "--index", str(index)
    )
    [entry] = summary["files"]
    [cross] = entry["cross_file"]
    assert cross["duplicate_of"]["path"].endswith("2021/r1.txt")


def test_check_against_an_index(tmp_path: Path, clean_docs: list[str]) -> None:
    # a pre-commit hook: the staged file against the reports already indexed
    root, out = tmp_path / "reports", tmp_path / "out"
    _year(root, 2021)
    _run(clean_docs, str(root), "-o", str(out))
    staged = tmp_path / "new.txt"
    staged.write_text(
        _report(2023, 0) + "\n".join(_report(2021, 2).split("\n")[3:6]) + "\n", encoding="utf-8"
    )
    index = out / ".clean-docs" / "index.sqlite"
    proc = subprocess.run(
        [*clean_docs, "check", str(staged), "--index", str(index)], capture_output=True, text=True
    )
    assert proc.returncode == 1, proc.stderr
    # (indexed documents are named relative to the folder that holds DIR)
    assert "repeat reports/2021/r2.txt lines 4-6" in proc.stdout
    alone = subprocess.run([*clean_docs, "check", str(staged)], capture_output=True, text=True)
    assert alone.returncode == 0
    # an indexed file checked again is not its own twin
    again = subprocess.run(
        [*clean_docs, "check", str(root / "2021"), "--index", str(index)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stdout
    missing = subprocess.run(
        [*clean_docs, "check", str(staged), "--index", str(tmp_path / "none.sqlite")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "no index here" in missing.stderr


def test_what_is_committed_is_read_by_another_process_and_no_more(tmp_path: Path) -> None:
    # Between commits the index holds one transaction (reads and writes
    # share its lock): another reader sees what was committed, not what is
    # on its way, and sees all of it once the index is closed; the file is
    # never left locked.
    from pipeline.across import Seen
    from pipeline.index import Index, Stored

    def stored(n: int) -> Stored:
        return Stored(f"doc{n}.txt", "0" * 64, "key", {"report": f"doc{n}.txt.report.json"}, {})

    path = tmp_path / "out" / ".clean-docs" / "index.sqlite"
    writer = Index(path)
    writer.put(stored(1), Seen("doc1.txt", "one", [(0, 0, 3)], "one"))
    writer.commit()
    assert writer.texts("doc1.txt").kept == "one"  # (a read inside the next transaction)
    writer.put(stored(2), Seen("doc2.txt", "two", [(0, 0, 3)], "two"))
    reader = Index(path, read_only=True)
    assert [s.path for s in reader.all()] == ["doc1.txt"]
    reader.close()
    writer.close()
    reader = Index(path, read_only=True)
    assert [s.path for s in reader.all()] == ["doc1.txt", "doc2.txt"]
    reader.close()
    again = Index(path)  # not locked: it writes at once
    again.put(stored(3), Seen("doc3.txt", "three", [(0, 0, 5)], "three"))
    again.close()


@pytest.mark.parametrize("held", [1, 3, 500])
def test_rows_held_before_writing_read_as_if_written_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int
) -> None:
    # `put` holds rows and writes them a few at a time: whatever is read
    # meanwhile (a document's texts or entry, all of them, their entries,
    # the records' outputs) reads as if each row had been written when put,
    # and a document put again is one row, at the end of the order.
    from pipeline import index as index_module
    from pipeline.across import Seen
    from pipeline.index import Index, Stored

    monkeypatch.setattr(index_module, "PENDING_ROWS", held)

    def put(index: Index, n: int, text: str) -> None:
        entry = {"report": f"doc{n}.txt.report.json", "text": text}
        stored = Stored(f"doc{n}.txt", "0" * 64, "key", entry, {}, report=f"r{n}", text=text)
        index.put(stored, Seen(f"doc{n}.txt", text, [(0, 0, len(text))], text))

    index = Index(tmp_path / "out" / ".clean-docs" / "index.sqlite")
    expected: dict[int, str] = {}
    rng = random.Random(held)
    for step in range(40):
        n = rng.randrange(12)
        text = f"text {step} of doc {n}"
        put(index, n, text)
        expected.pop(n, None)
        expected[n] = text
        asked = rng.choice(list(expected))
        assert index.texts(f"doc{asked}.txt").kept == expected[asked]
        entry = index.entry(f"doc{asked}.txt")
        assert entry is not None and entry["text"] == expected[asked]
        if step % 7 == 0:
            assert [s.path for s in index.all()] == [f"doc{k}.txt" for k in expected]
            paths = {f"doc{k}.txt" for k in expected}
            assert [e["text"] for e in index.entries(paths)] == [
                expected[k] for k in sorted(expected, key=lambda k: f"doc{k}.txt")
            ]
            texts, reports = index.record_outputs(sorted(paths))
            assert texts == {f"doc{k}.txt": t for k, t in expected.items()}
            assert reports == {f"doc{k}.txt": f"r{k}" for k in expected}
    index.close()
    reader = Index(tmp_path / "out" / ".clean-docs" / "index.sqlite", read_only=True)
    assert [s.path for s in reader.all()] == [f"doc{k}.txt" for k in expected]
    reader.close()


def test_a_run_commits_at_most_once_a_second_and_everything_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A commit syncs the disk: a run of many short chunks commits them
    # together, at most once per COMMIT_SECONDS; another reader sees the
    # index as of the last commit, and everything once the run closes it.
    from types import SimpleNamespace

    from pipeline import index as index_module
    from pipeline.across import Seen
    from pipeline.index import COMMIT_SECONDS, Index, Stored

    now = [100.0]
    monkeypatch.setattr(index_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    where = tmp_path / "out" / ".clean-docs" / "index.sqlite"
    index = Index(where)

    def put(n: int) -> None:
        stored = Stored(f"doc{n}.txt", "0" * 64, "key", {"report": ""}, {})
        index.put(stored, Seen(f"doc{n}.txt", "t", [(0, 0, 1)], "t"))

    def committed() -> list[str]:
        reader = Index(where, read_only=True)
        try:
            return [s.path for s in reader.all()]
        finally:
            reader.close()

    put(0)
    index.commit_soon()  # under a second since the index was opened
    assert committed() == []
    now[0] += COMMIT_SECONDS
    index.commit_soon()
    assert committed() == ["doc0.txt"]
    put(1)
    now[0] += COMMIT_SECONDS / 2
    index.commit_soon()
    assert committed() == ["doc0.txt"]
    now[0] += COMMIT_SECONDS / 2
    index.commit_soon()
    assert committed() == ["doc0.txt", "doc1.txt"]
    put(2)
    index.close()
    assert committed() == ["doc0.txt", "doc1.txt", "doc2.txt"]
