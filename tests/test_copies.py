"""Duplicate documents at any length (issue 16): a record or file that is
wholly a copy of an earlier one is one finding (R6 duplicate-document),
found in bulk before any per-document work; an author's restatement (other
figures, a negation, a number word) is not a copy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from pipeline.copies import find_copies

EN = (
    "The regional council reviewed the emergency response plans and adopted the new "
    "schedule after a broad consultation with residents, experts and local agencies."
)
ZH = "各级海关应当依法履行职责，加强执法监督，规范执法行为，提升执法水平，切实维护当事人合法权益。"
SHORT = "Minutes approved."


def _pairs(texts: list[str]) -> list[tuple[int, int, str]]:
    return [(c.index, c.twin, c.method) for c in find_copies(texts)]


@pytest.mark.parametrize(
    ("original", "copy"),
    [
        (EN, EN),
        (EN, EN.upper()),
        (EN, EN.replace(", ", " , ").replace(" ", "\n", 3)),  # spacing and line breaks
        (EN, EN.replace("schedule", "schedle")),  # a typo
        (EN, EN.replace("regional", "regoinal").replace("experts", "expetrs")),  # two
        (ZH, ZH),
        (ZH, ZH.replace("，", ",")),  # punctuation width
        (ZH, ZH.replace("监督", "监替")),  # a wrong character
        (SHORT, SHORT),  # short texts: exact copies only, at any length
    ],
)
def test_a_copy_of_an_earlier_document_is_found_at_any_length(original: str, copy: str) -> None:
    found = _pairs([original, "Something else entirely, said once.", copy])
    assert [(i, twin) for i, twin, _ in found] == [(2, 0)]


@pytest.mark.parametrize(
    ("original", "restated"),
    [
        (EN, EN.replace("adopted", "did not adopt")),  # a negation
        (EN + " It costs 1.5 million.", EN + " It costs 15 million."),  # a decimal mark
        (EN + " Article five applies.", EN + " Article nine applies."),  # a number word
        (EN + " It shall apply.", EN + " It shall not apply."),
        ("第三十一条 " + ZH + "处二十万元罚款。", "第三十一条 " + ZH + "处三十万元罚款。"),
        (EN, EN.replace("regional council", "city board")),  # a name replaced
        ("Minutes approved.", "Minutes approvd."),  # short: exact only
        (EN, EN + " " + EN),  # the copy holds more than its twin
    ],
)
def test_an_authors_restatement_is_not_a_copy(original: str, restated: str) -> None:
    assert _pairs([original, restated]) == []


def test_the_twin_is_the_earliest_copy() -> None:
    assert _pairs([EN, ZH, EN, EN.replace("schedule", "schedle")]) == [
        (2, 0, "exact"),
        (3, 0, "near"),
    ]


def _check(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "clean-docs"
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True)


def test_check_reports_a_duplicate_record_once_at_its_line(tmp_path: Path) -> None:
    records = [("a", SHORT), ("b", EN), ("c", ZH), ("d", SHORT), ("e", EN.lower())]
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in records),
        encoding="utf-8",
    )
    proc = _check(["check", "c.jsonl", "--id-field", "id", "--format", "json"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    found = [
        (f["record"], f["line"], f["duplicate_of"]["path"], f["rule"]) for f in doc["findings"]
    ]
    assert found == [("d", 4, "c.jsonl#a", "R6"), ("e", 5, "c.jsonl#b", "R6")]
    assert all(f["kind"] == "duplicate-document" for f in doc["findings"])
    assert doc["counts"]["files"] == 5  # the copies were checked too
    text = _check(["check", "c.jsonl", "--id-field", "id"], tmp_path)
    assert "c.jsonl:4: duplicate: record d lines 1-1 repeat c.jsonl#a lines 1-1" in text.stdout
    assert text.stdout.rstrip().endswith("2 duplicated regions in 2 of 5 documents")


def test_check_reports_a_file_that_copies_another(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Notes\n\n" + EN + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("notes\n" + EN.replace("schedule", "schedle") + "\n")
    proc = _check(["check", "a.txt", "b.txt", "--format", "json"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert (finding["path"], finding["rule"], finding["method"]) == ("b.txt", "R6", "near")
    assert (finding["start_line"], finding["end_line"]) == (1, 2)
    assert finding["duplicate_of"] == {"path": "a.txt", "start_line": 1, "end_line": 3}


MAKE_CORPUS = REPO.parent / "shared" / "peers" / "make_corpus.py"


@pytest.mark.skipif(not MAKE_CORPUS.is_file(), reason="../shared/peers is not here")
def test_duplicate_records_of_the_labelled_corpus_are_found(tmp_path: Path) -> None:
    """The class: a generated corpus (not tuned on: a seed the bench does not
    use) of short Chinese and English records, 20% exact and 10% near copies
    with typos, punctuation and spacing changes."""
    prefix = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(MAKE_CORPUS), "--mb", "0.6", "--seed", "7", "--out", str(prefix)],
        check=True,
        capture_output=True,
    )
    lines = Path(f"{prefix}.jsonl").read_text(encoding="utf-8").splitlines()
    labels = Path(f"{prefix}.labels.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    kinds = [json.loads(line)["kind"] for line in labels]
    flagged = {c.index for c in find_copies(texts)}
    copies = {i for i, kind in enumerate(kinds) if kind != "orig"}
    assert len(copies) > 300
    assert flagged <= copies  # precision 1.000
    assert len(flagged & copies) / len(copies) >= 0.99


def _corpus(path: Path, records: list[tuple[str, str]]) -> None:
    path.write_text(
        "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in records),
        encoding="utf-8",
    )


def test_run_across_drops_duplicate_records_and_lists_them(tmp_path: Path) -> None:
    records = [("a", SHORT), ("b", EN), ("c", ZH), ("d", SHORT), ("e", EN.replace("new", "nwe"))]
    _corpus(tmp_path / "c.jsonl", records)
    for _ in range(2):  # a second run into the same folder gives the same outputs
        proc = _check(["run", "c.jsonl", "--id-field", "id", "-o", "out", "--across"], tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "dropped 2 record(s) that copy earlier ones" in proc.stderr
        cleaned = (tmp_path / "out" / "c.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["id"] for line in cleaned] == ["a", "b", "c"]
        summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
        dropped = [(d["path"], d["duplicate_of"]["path"]) for d in summary["duplicate_documents"]]
        assert dropped == [("c.jsonl#d", "c.jsonl#a"), ("c.jsonl#e", "c.jsonl#b")]


def test_run_without_across_keeps_every_record(tmp_path: Path) -> None:
    _corpus(tmp_path / "c.jsonl", [("a", EN), ("b", EN)])
    proc = _check(["run", "c.jsonl", "--id-field", "id", "-o", "out"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    cleaned = (tmp_path / "out" / "c.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in cleaned] == ["a", "b"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["duplicate_documents"] == []


def _common_word_records(seed: int, count: int) -> tuple[list[str], list[int]]:
    """`count` records of 40 words drawn from 60 real English words (every
    short stretch of letters is then held by many records, as in a large
    corpus of one language), and after them near copies (one letter pair
    swapped inside a word) of every 50th record; returns the records and
    the copies' places."""
    import random
    import re

    from conftest import real_paragraphs

    from pipeline.copies import _MEANING

    words = sorted(
        {
            w.lower()
            for p in real_paragraphs(200)
            for w in re.findall(r"[A-Za-z]{6,12}", p)
            if w.lower() not in _MEANING
        }
    )
    rng = random.Random(seed)
    vocabulary = rng.sample(words, 60)
    records = [" ".join(rng.choice(vocabulary) for _ in range(40)) + "." for _ in range(count)]
    copies: list[int] = []
    for n in range(0, count, 50):
        words_of = records[n].split(" ")
        at = rng.choice([i for i, w in enumerate(words_of[:-1]) if w[2] != w[3]])
        word = words_of[at]
        words_of[at] = word[:2] + word[3] + word[2] + word[4:]  # a typo
        copies.append(len(records))
        records.append(" ".join(words_of))
    return records, copies


@pytest.mark.parametrize("seed", [1, 2])
def test_near_copies_are_found_when_every_short_stretch_is_common(seed: int) -> None:
    """A near copy is proposed by the band keys it shares with its twin; a
    key held by more than MAX_GROUP documents is left out (it is a common
    phrase, not a sign of a copy). In a large corpus of one language every
    single short gram is such a key, so near copies were missed more often
    the larger the corpus (recall of near English records 0.99 at 100 MB,
    0.86 at 1 GB of the speed bench's corpus). Keys of two neighbouring
    grams stay rare."""
    records, copies = _common_word_records(seed, 2000)
    found = find_copies(records)
    near = {c.index: c.twin for c in found if c.method == "near"}
    assert {c.index for c in found} <= set(copies)  # nothing but the copies
    assert {i: near.get(i) for i in copies} == {i: (n * 50) for n, i in enumerate(copies)}


def test_a_short_near_copy_is_found_whatever_letter_its_typo_is_at() -> None:
    """A near copy's band keys are its first and last GRAM key characters
    and pairs of neighbouring anchors; in a short record a typo breaks most
    of them, whichever letter it is at, and the copy must still be
    proposed (a wrong letter at each letter of real sentences of 34 to 70
    letters: one edit, which a key this short is allowed)."""
    import re

    from conftest import real_paragraphs

    sentences = [
        s
        for p in real_paragraphs(200)
        for s in re.split(r"(?<=[.!?])\s+", p)
        if s.isascii()
        and 34 <= len(re.sub(r"[^A-Za-z0-9]", "", s)) <= 70
        and not any(c.isdigit() for c in s)
    ][:12]
    assert len(sentences) == 12
    others = real_paragraphs(300)[:50]
    missed = []
    for sentence in sentences:
        for i in [i for i, c in enumerate(sentence) if c.isalpha()]:
            wrong = "q" if sentence[i].lower() != "q" else "x"  # one edit
            typo = sentence[:i] + wrong + sentence[i + 1 :]
            found = find_copies([sentence, *others, typo])
            if not any(c.index == len(others) + 1 and c.twin == 0 for c in found):
                missed.append(typo)
    assert not missed, missed[:3]
