"""Parquet corpora: one document per row, a cleaned Parquet file out, reports by id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import OTHER, PARA, corpus_reports, record_files

# id, text, year: pasted twice inside, clean, no text, a duplicate id, repeats a-1
ROWS = [
    ("a-1", PARA + PARA, 2022),
    ("b/2", OTHER, 2022),
    ("c-3", None, 2023),
    ("a-1", OTHER, 2023),
    ("e-5", OTHER.replace("agency", "council") + PARA, 2023),
]


def _pq() -> Any:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    return pq


def _corpus(path: Path, rows: list[tuple[str, str | None, int]] = ROWS) -> None:
    """Rows two to a row group, so that reading crosses row groups."""
    import pyarrow as pa

    ids, texts, years = zip(*rows, strict=True)
    table = pa.table({"id": list(ids), "text": list(texts), "year": list(years)})
    _pq().write_table(table, path, row_group_size=2)


def _run(clean_docs: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*clean_docs, *args], capture_output=True, text=True)


def test_run_writes_a_cleaned_parquet_and_reports_by_id(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    pq = _pq()
    corpus = tmp_path / "pages.parquet"
    _corpus(corpus)
    out = tmp_path / "out"
    proc = _run(clean_docs, "run", str(corpus), "-o", str(out), "--id-field", "id")
    assert proc.returncode == 2  # a bad row, named by its row number, the rest processed
    assert f"{corpus.as_posix()}#3: error: no text in column 'text'" in proc.stderr
    assert "Traceback" not in proc.stderr
    cleaned = pq.read_table(out / "pages.parquet")
    assert cleaned.schema == pq.read_schema(corpus)  # same columns, same types
    rows = cleaned.to_pylist()
    # an id given twice loses no record: the second's outputs take `~2`
    assert [r["id"] for r in rows] == ["a-1", "b/2", "a-1", "e-5"]
    assert [r["year"] for r in rows] == [2022, 2022, 2023, 2023]
    assert rows[0]["text"] == PARA  # the second paste is gone
    assert rows[1]["text"] == OTHER
    # a cross-record repeat is reported and kept by default
    assert rows[3]["text"].endswith(PARA)
    reports = corpus_reports(out / "pages")
    shown = corpus.as_posix()
    # (b/2's lines are alike: findings, kept)
    assert list(reports) == [f"{shown}#{i}" for i in ("a-1", "b/2", "a-1~2", "e-5")]
    assert [r["page"] for r in reports.values()] == [
        "pages/a-1.txt.report.html",
        "pages/b%2F2.txt.report.html",
        "pages/a-1~2.txt.report.html",
        "pages/e-5.txt.report.html",
    ]
    [across] = reports[f"{shown}#e-5"]["across"]
    assert across["duplicate_of"]["path"] == "pages.parquet#a-1"


def test_rows_are_named_by_number_without_an_id_field(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    pq = _pq()
    corpus = tmp_path / "pages.parquet"
    _corpus(corpus)
    out = tmp_path / "out"
    proc = _run(clean_docs, "run", str(corpus), "-o", str(out), "--across", "-q", "-j", "2")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{corpus.as_posix()}#3: error: no text in column 'text'"
    # row 1 loses its second paste, row 5 what repeats row 1, row 2 has
    # findings; row 4 is dropped as a copy: no page
    assert record_files(out) == [
        "pages/1.txt.report.html",
        "pages/2.txt.report.html",
        "pages/5.txt.report.html",
        "pages/reports.jsonl",
    ]
    texts = pq.read_table(out / "pages.parquet").column("text").to_pylist()
    # --across: row 4 is row 2 again, a duplicate document: left out of the
    # cleaned corpus and listed (it was an empty record before issue 16);
    # row 5 loses what repeats row 1
    assert texts == [PARA, OTHER, OTHER.replace("agency", "council")]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    dropped = [(d["path"], d["duplicate_of"]["path"]) for d in summary["duplicate_documents"]]
    assert dropped == [(f"{corpus.as_posix()}#4", f"{corpus.as_posix()}#2")]


def test_check_names_rows(tmp_path: Path, clean_docs: list[str]) -> None:
    _pq()
    corpus = tmp_path / "pages.parquet"
    _corpus(corpus)
    proc = _run(clean_docs, "check", str(corpus), "--id-field", "id")
    assert proc.returncode == 2
    shown = corpus.as_posix()
    # each at its row (from 1, across row groups), the record named
    assert f"{shown}:1: duplicate: record a-1 lines 6-10 repeat lines 1-5" in proc.stdout
    assert (
        f"{shown}:5: duplicate: record e-5 lines 6-10 repeat {shown}#a-1 lines 1-5" in proc.stdout
    )


def test_jsonl_and_parquet_give_the_same_outputs(tmp_path: Path, clean_docs: list[str]) -> None:
    pq = _pq()
    rows = [ROWS[0], ROWS[1], ROWS[4]]  # no bad rows
    as_parquet = tmp_path / "parquet" / "pages.parquet"
    as_jsonl = tmp_path / "jsonl" / "pages.jsonl"
    as_parquet.parent.mkdir()
    as_jsonl.parent.mkdir()
    _corpus(as_parquet, rows)
    as_jsonl.write_text(
        "".join(
            json.dumps({"id": i, "text": t, "year": y}, ensure_ascii=False) + "\n"
            for i, t, y in rows
        ),
        encoding="utf-8",
    )
    outputs = {}
    for corpus in (as_parquet, as_jsonl):
        out = tmp_path / f"out-{corpus.suffix[1:]}"
        proc = _run(clean_docs, "run", str(corpus), "-o", str(out), "--id-field", "id", "-q")
        assert proc.returncode == 0, proc.stderr

        def named(text: str, corpus: Path = corpus) -> str:
            for name in (corpus.as_posix(), corpus.relative_to(tmp_path).as_posix(), corpus.name):
                text = text.replace(name, "CORPUS")
            return text

        outputs[corpus.suffix] = {
            p.relative_to(out).as_posix(): named(p.read_text(encoding="utf-8"))
            for p in sorted((out / "pages").iterdir())
        }
        outputs[corpus.suffix]["summary"] = named((out / "summary.json").read_text("utf-8"))
        if corpus.suffix == ".jsonl":
            cleaned = [json.loads(line) for line in (out / "pages.jsonl").open(encoding="utf-8")]
        else:
            cleaned = pq.read_table(out / "pages.parquet").to_pylist()
        outputs[corpus.suffix]["corpus"] = cleaned
    # a page for each of the three records (each has something to show),
    # their reports.jsonl, the cleaned corpus, summary.json's entries
    assert len(outputs[".parquet"]) == 3 + 1 + 1 + 1
    assert outputs[".parquet"] == outputs[".jsonl"]


def test_text_read_in_any_order(tmp_path: Path) -> None:
    """A record's text is read where collect() found it, in any order (a
    worker's cursor goes back to the start of a row group when it must)."""
    _pq()
    from pipeline.inputs import Options, collect, record_text

    corpus = tmp_path / "pages.parquet"
    _corpus(corpus)
    errors: list[tuple[str, str]] = []
    inputs = collect([str(corpus)], errors, Options(id_field="id"))
    assert [i.shown.rsplit("#")[1] for i in inputs] == ["a-1", "b/2", "a-1~2", "e-5"]
    texts = {"a-1": ROWS[0][1], "b/2": ROWS[1][1], "a-1~2": ROWS[3][1], "e-5": ROWS[4][1]}
    for item in [*reversed(inputs), *inputs, inputs[0]]:
        assert record_text(item) == texts[item.shown.rsplit("#")[1]]


def test_bad_corpus_files_are_named(tmp_path: Path, clean_docs: list[str]) -> None:
    _pq()
    corpus = tmp_path / "pages.parquet"
    _corpus(corpus)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all\n")
    note = tmp_path / "note.txt"
    note.write_text(OTHER, encoding="utf-8")
    out = tmp_path / "out"
    proc = _run(
        clean_docs,
        "run",
        str(corpus),
        str(broken),
        str(note),
        "-o",
        str(out),
        "--text-field",
        "body",
        "-q",
    )
    assert proc.returncode == 2
    assert f"{corpus.as_posix()}: error: no column 'body'" in proc.stderr
    assert f"{broken.as_posix()}: error: cannot read this Parquet corpus" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (out / "note.txt").read_text(encoding="utf-8") == OTHER
    proc = _run(clean_docs, "run", str(corpus), "-o", str(out), "--text-field", "year", "-q")
    assert proc.stderr.strip() == f"{corpus.as_posix()}: error: column 'year' holds int64, not text"


def test_without_pyarrow_a_parquet_file_is_an_error(tmp_path: Path) -> None:
    """Runs whether pyarrow is installed or not: the CLI, pyarrow hidden."""
    corpus = tmp_path / "pages.parquet"
    corpus.write_bytes(b"PAR1")
    note = tmp_path / "note.txt"
    note.write_text(OTHER, encoding="utf-8")
    out = tmp_path / "out"
    hide = "import sys; sys.modules['pyarrow'] = None; from pipeline.cli import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", hide, "run", str(corpus), str(note), "-o", str(out), "-q"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"{corpus.as_posix()}: error: reading a Parquet corpus needs pyarrow: "
        'pip install "clean-docs-dedup[parquet]"'
    )
    assert (out / "note.txt").read_text(encoding="utf-8") == OTHER
