"""Boilerplate (issue 16): a block many documents hold alike (a licence, a
header) is recognised once and reported once as such, never paired, never
a finding; a passage a few documents share is still compared."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, real_paragraphs

TEXTS = REPO.parent / "shared" / "texts"
LICENCE = (
    "This document is released under the Open Records Licence.\n"
    "Anyone may copy, translate and publish it, in whole or in part, for any purpose,\n"
    "provided that this notice and the name of the issuing office are kept with it,\n"
    "and that changes made to it are marked as such in every copy.\n"
)


def _paragraphs() -> list[str]:
    return real_paragraphs(200)


def _documents(count: int) -> list[str]:
    """`count` documents of three real paragraphs each, the licence after
    the first; the first five share a passage (not boilerplate: too few)."""
    paragraphs = _paragraphs()
    shared = paragraphs[-1]
    docs = []
    for n in range(count):
        own = paragraphs[3 * n : 3 * n + 3]
        body = [own[0], LICENCE.strip(), *own[1:]]
        if n < 5:
            body.append(shared)
        docs.append("\n\n".join(body) + "\n")
    return docs


def _check(clean_docs: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*clean_docs, "check", *args], capture_output=True, text=True)


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
def test_a_licence_in_every_file_is_one_boilerplate_block(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    docs = _documents(12)
    for n, text in enumerate(docs):
        (folder / f"d{n:02}.txt").write_text(text, encoding="utf-8")
    proc = _check(clean_docs, str(folder), "--format", "json")
    report = json.loads(proc.stdout)
    [block] = report["boilerplate"]
    assert block["documents"] == 12
    assert block["path"] == (folder / "d00.txt").as_posix()
    first_line = docs[0].split("\n").index(LICENCE.split("\n")[0]) + 1
    assert (block["start_line"], block["end_line"]) == (first_line, first_line + 3)
    assert block["text"] == LICENCE.strip()
    # the passage five documents share is compared and found (and so is
    # whatever else two documents paired share, the licence too); documents
    # that share nothing but the licence are never paired, never found
    found = {(f["path"], f["duplicate_of"]["path"]) for f in report["findings"]}
    first = (folder / "d00.txt").as_posix()
    assert found == {((folder / f"d{n:02}.txt").as_posix(), first) for n in range(1, 5)}
    # text: one note on stderr, not a finding
    text = _check(clean_docs, str(folder))
    notes = [line for line in text.stderr.splitlines() if "boilerplate" in line]
    assert len(notes) == 1 and "in 12 documents" in notes[0]
    assert text.stdout.count(": duplicate:") == len(report["findings"])
    github = _check(clean_docs, str(folder), "--format", "github")
    assert github.stdout.count("::notice ") == 1


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
def test_a_corpus_run_lists_its_boilerplate_once(tmp_path: Path, clean_docs: list[str]) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(json.dumps({"text": t}) + "\n" for t in _documents(10)), encoding="utf-8"
    )
    proc = subprocess.run(
        [*clean_docs, "run", str(corpus), "-o", str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    [block] = summary["boilerplate"]
    assert block["documents"] == 10 and block["path"] == f"{corpus.as_posix()}#1"
    assert block["text"] == LICENCE.strip()
    checked = json.loads(_check(clean_docs, str(corpus), "--format", "json").stdout)
    [placed] = checked["boilerplate"]
    assert (placed["file"], placed["line"], placed["record"]) == (corpus.as_posix(), 1, "1")


def test_a_passage_few_documents_share_is_no_boilerplate() -> None:
    from pipeline.copies import keys
    from pipeline.screen import BOILERPLATE_DOCS, screen

    passage = "".join(f"clause {i} of the treaty holds {i * 13} words. " for i in range(12))
    docs = [f"document {n} begins with its own words {n * 7919}. " + passage for n in range(20)]
    for holders in (BOILERPLATE_DOCS, BOILERPLATE_DOCS + 1):
        screened = screen(keys(docs[:holders]))
        assert bool(screened.blocks) == (holders > BOILERPLATE_DOCS)
        assert bool(screened.pairs) == (holders <= BOILERPLATE_DOCS)
