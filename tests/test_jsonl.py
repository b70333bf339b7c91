"""JSONL corpora: one document per record, cleaned JSONL out, reports by id."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import OTHER, PARA


def _corpus(path: Path) -> None:
    records = [
        {"id": "a-1", "text": PARA + PARA, "year": 2022},  # pasted twice inside
        {"id": "b/2", "text": OTHER, "year": 2022},
        {
            "id": "c-3",
            "text": OTHER.replace("agency", "council") + PARA,
            "year": 2023,
        },  # repeats a-1
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(2, "{not json")
    lines.append(json.dumps({"id": "d-4", "body": "no text field"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_run_writes_a_cleaned_corpus_and_reports_by_id(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    corpus = tmp_path / "pages.jsonl"
    _corpus(corpus)
    out = tmp_path / "out"
    proc = subprocess.run(
        [*clean_docs, "run", str(corpus), "-o", str(out), "--id-field", "id"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2  # two bad lines, named, the rest processed
    assert f"{corpus.as_posix()}:3: error: not JSON" in proc.stderr
    assert f"{corpus.as_posix()}:5: error: no text in field 'text'" in proc.stderr
    cleaned = [
        json.loads(line) for line in (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["id"] for r in cleaned] == ["a-1", "b/2", "c-3"]
    assert cleaned[0]["text"] == PARA and cleaned[0]["year"] == 2022
    assert cleaned[1]["text"] == OTHER
    # a cross-record repeat is reported and kept by default
    assert cleaned[2]["text"].endswith(PARA)
    report = json.loads((out / "pages" / "c-3.txt.report.json").read_text(encoding="utf-8"))
    [across] = report["across"]
    # (documents are known by where they are, relative to DIR's folder)
    assert across["duplicate_of"]["path"] == "pages.jsonl#a-1"
    # an id that is not a safe file name stays inside the output folder
    assert (out / "pages" / "b%2F2.txt").read_text(encoding="utf-8") == OTHER


def test_across_removes_cross_record_repeats(tmp_path: Path, clean_docs: list[str]) -> None:
    corpus = tmp_path / "pages.jsonl"
    _corpus(corpus)
    out = tmp_path / "out"
    subprocess.run(
        [*clean_docs, "run", str(corpus), "-o", str(out), "--id-field", "id", "--across", "-q"],
        capture_output=True,
        text=True,
    )
    cleaned = [
        json.loads(line) for line in (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert cleaned[2]["text"] == OTHER.replace("agency", "council")


def test_check_names_records(tmp_path: Path, clean_docs: list[str]) -> None:
    corpus = tmp_path / "pages.jsonl"
    _corpus(corpus)
    proc = subprocess.run(
        [*clean_docs, "check", str(corpus), "--id-field", "id"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    # each at its line of the corpus (c-3 is on line 4, after a bad line),
    # the record named in the message
    shown = corpus.as_posix()
    assert f"{shown}:1: duplicate: record a-1 lines 6-10 repeat lines 1-5" in proc.stdout
    assert (
        f"{shown}:4: duplicate: record c-3 lines 6-10 repeat {shown}#a-1 lines 1-5" in proc.stdout
    )


def test_collect_keeps_where_records_are_not_their_texts(tmp_path: Path) -> None:
    import pickle

    from pipeline.inputs import Options, collect, record_text

    corpus = tmp_path / "pages.jsonl"
    texts = [f"{k}: " + (PARA if k % 2 else OTHER) * 40 for k in range(50)]
    corpus.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts),
        encoding="utf-8",
    )
    errors: list[tuple[str, str]] = []
    inputs = collect([str(corpus)], errors, Options())
    assert not errors and len(inputs) == 50
    # what goes to the worker processes: a few dozen bytes a record
    assert len(pickle.dumps(inputs)) * 50 < corpus.stat().st_size
    assert [record_text(i) for i in pickle.loads(pickle.dumps(inputs))] == texts


def test_records_hold_any_line_separator_but_newline(tmp_path: Path, clean_docs: list[str]) -> None:
    # JSON allows U+2028 and U+2029 raw in a string (and json.dumps
    # writes them so with ensure_ascii=False): a JSONL line ends at "\n" only
    corpus = tmp_path / "pages.jsonl"
    text = "One\u2028two\u2029three.\n" + OTHER
    corpus.write_text(
        json.dumps({"text": text}, ensure_ascii=False) + "\r\n" + json.dumps({"text": PARA}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [*clean_docs, "run", str(corpus), "-o", str(out), "-q"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    cleaned = (out / "pages.jsonl").read_text(encoding="utf-8").split("\n")
    assert [json.loads(line)["text"] for line in cleaned[:-1]] == [text, PARA]
    assert (out / "pages" / "2.txt").read_text(encoding="utf-8") == PARA


def test_a_corpus_that_is_not_utf8_is_one_error(tmp_path: Path, clean_docs: list[str]) -> None:
    corpus = tmp_path / "pages.jsonl"
    corpus.write_bytes(b'{"text": "fine"}\n{not json\n{"text": "caf\xe9"}\n')
    try:
        corpus.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        said = str(exc)  # what reading the whole file says: the same is said
    proc = subprocess.run(
        [*clean_docs, "run", str(corpus), "-o", str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip() == f"{corpus.as_posix()}: error: cannot read this JSONL corpus: {said}"
    )
