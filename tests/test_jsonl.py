"""JSONL corpora: one document per record, cleaned JSONL out, reports by id."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import OTHER, PARA, corpus_reports, record_files


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
    # one line of reports.jsonl for each record with something to show,
    # in the corpus's order; pages only for those
    reports = corpus_reports(out / "pages")
    shown = corpus.as_posix()
    # (b/2 has findings: its lines are alike, and kept)
    assert list(reports) == [f"{shown}#a-1", f"{shown}#b/2", f"{shown}#c-3"]
    [across] = reports[f"{shown}#c-3"]["across"]
    # (documents are known by where they are, relative to DIR's folder)
    assert across["duplicate_of"]["path"] == "pages.jsonl#a-1"
    assert reports[f"{shown}#a-1"]["output"]["path"] == "pages.jsonl#a-1"
    # an id that is not a safe file name names a page inside the output folder
    assert [r["page"] for r in reports.values()] == [
        "pages/a-1.txt.report.html",
        "pages/b%2F2.txt.report.html",
        "pages/c-3.txt.report.html",
    ]
    assert record_files(out) == sorted(
        [*(r["page"] for r in reports.values()), "pages/reports.jsonl"]
    )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entries = {e["record"]: e for e in summary["files"]}
    assert entries["b/2"]["output"] == "pages.jsonl" and entries["b/2"]["diff"] == ""
    assert entries["b/2"]["report"] == "pages/reports.jsonl"
    assert entries["b/2"]["report_html"] == "pages/b%2F2.txt.report.html"


def test_a_record_with_nothing_to_show_has_no_page(tmp_path: Path, clean_docs: list[str]) -> None:
    corpus = tmp_path / "pages.jsonl"
    texts = [PARA + PARA, "One plain sentence, said once.", "x" + PARA, "Another plain one."]
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [*clean_docs, "run", str(corpus), "-o", str(out), "-q"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    pages = {e["record"]: e["report_html"] for e in summary["files"]}
    assert pages == {
        "1": "pages/1.txt.report.html",
        "2": "",
        "3": "pages/3.txt.report.html",
        "4": "",
    }
    assert list(corpus_reports(out / "pages")) == [f"{corpus.as_posix()}#{n}" for n in (1, 3)]
    assert record_files(out) == [pages["1"], pages["3"], "pages/reports.jsonl"]
    # a record keeps its ending: no final line end is added to a string
    cleaned = [json.loads(line)["text"] for line in (out / "pages.jsonl").open(encoding="utf-8")]
    assert cleaned == [PARA, texts[1], texts[2], texts[3]]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="./pages/1.txt.report.html"' in index and "pages/2.txt" not in index


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


@pytest.mark.parametrize(
    "content",
    [
        b'{"text": "fine"}\n{not json\n{"text": "caf\xe9"}\n',
        # a BOM opens the file, on the very line that is not UTF-8: the
        # byte's place is still counted from the file's start
        b'\xef\xbb\xbf{"text": "caf\xe9"}\n{"text": "fine"}\n',
    ],
    ids=["plain", "bom"],
)
def test_a_corpus_that_is_not_utf8_is_one_error(
    tmp_path: Path, clean_docs: list[str], content: bytes
) -> None:
    corpus = tmp_path / "pages.jsonl"
    corpus.write_bytes(content)
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


def test_a_rerun_skips_records_and_drops_pages_they_no_longer_have(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    corpus = tmp_path / "pages.jsonl"
    out = tmp_path / "out"

    def write(first: str) -> None:
        texts = [first, "One plain sentence, said once.", "x" + PARA + "\n" + PARA]
        corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), "utf-8")

    def run() -> dict[str, bytes]:
        proc = subprocess.run(
            [*clean_docs, "run", str(corpus), "-o", str(out), "-q"], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        return {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*"))
            if p.is_file() and ".clean-docs" not in p.parts
        }

    write(PARA + PARA)
    first = run()
    assert "pages/1.txt.report.html" in first and "pages/3.txt.report.html" in first
    # unchanged: every record skipped, the corpus's outputs written again alike
    again = run()
    summary = json.loads(again.pop("summary.json"))
    assert summary["totals"]["files"] == 3
    assert {k: v for k, v in first.items() if k != "summary.json"} == again
    # record 1 changed and has nothing to show now: its page goes
    write("A record that has nothing to show any more.")
    third = run()
    assert "pages/1.txt.report.html" not in third and "pages/3.txt.report.html" in third
    assert list(corpus_reports(out / "pages")) == [f"{corpus.as_posix()}#3"]
    summary = json.loads(third["summary.json"])
    assert "pages/1.txt.report.html" in summary["removed_outputs"]


def test_a_plain_id_is_named_as_the_general_rule_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """safe_name keeps most ids (ASCII letters, digits, `_-.`) as they are
    without looking at each character; what it gives must be what the
    character-by-character rule gives, for those ids and for ids that
    only look plain (a leading dot, a newline at the end, a long id, a
    non-ASCII digit)."""
    import re

    from pipeline import inputs

    ids = [
        "0", "19275", "a_b", "a-b", "A.B", "x.jsonl", ".hidden", "..", "-", "_", "a.",
        "5\n", "a b", "a/b", "٣", "Ａ", "x" * 200, "x" * 201, "1" * 400, "", "a\tb",
    ]  # fmt: skip
    fast = [inputs.safe_name(i) for i in ids]
    monkeypatch.setattr(inputs, "_PLAIN_NAME", re.compile(r"(?!)"))  # (matches nothing)
    assert fast == [inputs.safe_name(i) for i in ids]
