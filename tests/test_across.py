"""Across documents: a yearly folder with planted repeats between files.

Generated reports, several a year: the same report saved twice under two
names, a later file that really holds an earlier report, a section copied
from last year's report, and boilerplate every year shares (short enough to
be legitimate). `run` reports what repeats another file (summary.json,
index.html, the file's report) without removing it; `check` fails on it.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

from cases import zh_report  # noqa: E402

BOILERPLATE = "各位代表：\n"


def _report(year: int, k: int) -> str:
    return zh_report(random.Random(year * 100 + k), year, sections=3)


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("years") / "reports"
    for year in (2021, 2022, 2023):
        (root / str(year)).mkdir(parents=True)
        for k in range(4):
            (root / str(year) / f"r{k}.txt").write_text(_report(year, k), encoding="utf-8")
    # the same report saved twice under two names
    (root / "2022" / "r0-copy.txt").write_text(_report(2022, 0), encoding="utf-8")
    # a 2023 file that really holds a 2022 report
    (root / "2023" / "r9.txt").write_text(_report(2022, 1), encoding="utf-8")
    # a section of last year's report copied into this year's
    last = _report(2022, 2).split("\n")
    section = "\n".join(last[4:7]) + "\n"
    (root / "2023" / "r2.txt").write_text(_report(2023, 2) + section, encoding="utf-8")
    # a within-file paste, as before
    (root / "2021" / "r3.txt").write_text(_report(2021, 3) * 2, encoding="utf-8")
    return root


def _check(clean_docs: list[str], root: Path) -> tuple[int, list[dict]]:
    proc = subprocess.run(
        [*clean_docs, "check", str(root), "--format", "json"], capture_output=True, text=True
    )
    return proc.returncode, json.loads(proc.stdout)["findings"]


def test_check_names_both_files_and_both_line_ranges(years: Path, clean_docs: list[str]) -> None:
    code, findings = _check(clean_docs, years)
    assert code == 1
    pairs = {
        (
            Path(f["path"]).relative_to(years).as_posix(),
            Path(f["duplicate_of"]["path"]).relative_to(years).as_posix(),
        )
        for f in findings
    }
    assert pairs == {
        ("2021/r3.txt", "2021/r3.txt"),  # within the file
        ("2022/r0.txt", "2022/r0-copy.txt"),  # r0-copy sorts first
        ("2023/r9.txt", "2022/r1.txt"),
        ("2023/r2.txt", "2022/r2.txt"),
    }
    copied = next(f for f in findings if f["path"].endswith("2023/r2.txt"))
    assert (copied["duplicate_of"]["start_line"], copied["duplicate_of"]["end_line"]) == (5, 7)
    whole = next(f for f in findings if f["path"].endswith("2023/r9.txt"))
    lines = _report(2022, 1).count("\n")
    assert (whole["start_line"], whole["end_line"]) == (1, lines)


def test_shared_boilerplate_is_not_a_finding(years: Path, clean_docs: list[str]) -> None:
    # Every report opens with the same title frame and greeting and ends
    # with the same closing line; none of it is reported.
    code, findings = _check(clean_docs, years)
    assert all(f["end_line"] - f["start_line"] >= 2 for f in findings)
    assert BOILERPLATE in _report(2021, 0) and BOILERPLATE in _report(2023, 0)


def test_run_reports_but_does_not_remove_cross_file_repeats(
    years: Path, tmp_path: Path, clean_docs: list[str]
) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [*clean_docs, "run", str(years), "-o", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    header, values = proc.stderr.strip().splitlines()[-3:-1]
    column = re.split(r"\s{2,}", header.strip()).index("repeats of other files")
    assert re.split(r"\s{2,}", values.strip())[column] == "3"
    # kept in full: the copy is the file's own content
    assert (out / "2023" / "r9.txt").read_text(encoding="utf-8") == _report(2022, 1)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["cross_file"] == 3
    by_path = {Path(f["path"]).relative_to(years).as_posix(): f for f in summary["files"]}
    [entry] = by_path["2023/r9.txt"]["cross_file"]
    assert entry["duplicate_of"]["path"].endswith("2022/r1.txt")
    report = json.loads((out / "2023" / "r2.txt.report.json").read_text(encoding="utf-8"))
    [across] = report["across"]
    assert across["duplicate_of"]["path"].endswith("2022/r2.txt")
    assert across["text"] == "\n".join(_report(2022, 2).split("\n")[4:7]) + "\n"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="./2022/r1.txt.report.html"' in index
    page = (out / "2023" / "r9.txt.report.html").read_text(encoding="utf-8")
    assert "Repeats other documents" in page


def test_across_removes_what_repeats_earlier_files(
    years: Path, tmp_path: Path, clean_docs: list[str]
) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [*clean_docs, "run", str(years), "-o", str(out), "--across"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    # a file that only holds an earlier report is left empty
    assert (out / "2023" / "r9.txt").read_text(encoding="utf-8") == ""
    assert (out / "2022" / "r0.txt").read_text(encoding="utf-8") == ""
    assert (out / "2022" / "r0-copy.txt").read_text(encoding="utf-8") == _report(2022, 0)
    # the copied section goes; the year's own report stays
    assert (out / "2023" / "r2.txt").read_text(encoding="utf-8") == _report(2023, 2)
    report = json.loads((out / "2023" / "r2.txt.report.json").read_text(encoding="utf-8"))
    [removed] = report["removed"]
    twin = removed["duplicate_of"]
    assert twin["path"].endswith("2022/r2.txt") and (twin["start_line"], twin["end_line"]) == (5, 7)
    # (twins are not snapped to white space the way removals are)
    assert twin["text"].split() == removed["text"].split()
    # the within-file paste still goes as before
    assert (out / "2021" / "r3.txt").read_text(encoding="utf-8") == _report(2021, 3)


def test_a_pair_in_many_documents_is_compared_with_its_first_holders_only() -> None:
    """Boilerplate in every page: the comparisons stay linear in the corpus."""
    from pipeline.across import Corpus
    from pipeline.postings import MAX_HOLDERS
    from pipeline.settings import Settings

    corpus = Corpus(Settings())
    pairs = {11: (150, 1), 12: (150, 1)}  # 300 characters of unit pairs
    for k in range(MAX_HOLDERS + 10):
        assert len(corpus.candidates(pairs)) == min(k, MAX_HOLDERS)
        corpus.remember(f"page{k}", pairs)
    assert corpus.candidates(pairs) == [f"page{k}" for k in range(MAX_HOLDERS)]
    # a pair of its own still finds the one page that holds it
    corpus.remember("special", {13: (300, 1)})
    assert corpus.candidates({13: (300, 1)}) == ["special"]


def test_admit_is_candidates_then_remember() -> None:
    """The batch's one-look-up path chooses and records what the two steps do."""
    import random

    from pipeline.across import Corpus
    from pipeline.settings import Settings

    rng = random.Random(5)
    apart, together = Corpus(Settings()), Corpus(Settings())
    for k in range(300):
        # few distinct hashes: many documents share them, past the holders' cap
        pairs = {
            rng.randrange(40): (rng.randrange(1, 200), rng.randrange(1, 4))
            for _ in range(rng.randrange(0, 12))
        }
        expected = apart.candidates(pairs)
        apart.remember(f"d{k}", pairs)
        assert together.admit(f"d{k}", pairs) == expected
    assert apart.paths == together.paths
    keys = np.arange(40, dtype=np.uint64)
    assert [a.tolist() for a in apart.postings.find(keys)] == [
        a.tolist() for a in together.postings.find(keys)
    ]


@pytest.mark.parametrize("seed", range(6))
def test_postings_held_in_a_dict_find_what_sorted_runs_find(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Short documents' postings wait in a dict, then go to the sorted runs
    in bulk: every look-up (postings, holders, the holders' cap, capped
    lengths) must say what postings kept in runs only say, whatever the
    mix of short and long documents and bulk loads, and wherever the dict
    is emptied."""
    import random

    from pipeline import postings
    from pipeline.postings import MAX_HOLDERS, Postings

    rng = random.Random(seed)
    monkeypatch.setattr(postings, "RECENT_POSTINGS", rng.choice([1, 7, 50, 1 << 16]))

    def document() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        size = rng.choice([0, 1, 3, postings.SHORT_DOC, postings.SHORT_DOC + 1, 200])
        keys = rng.sample(range(300), min(size, 300))  # few keys: the cap is reached
        big = [rng.choice([1, 70, 70_000]) for _ in keys]
        return np.array(keys, np.uint64), np.array(big), np.array(big[::-1])

    tiered, reference = Postings(), Postings()
    doc = 0
    for _ in range(120):
        if rng.random() < 0.1:  # a bulk load, as an index is read
            many = [document() for _ in range(rng.randrange(1, 5))]
            for target in (tiered, reference):
                target.add_many(
                    doc,
                    *(np.concatenate([m[n] for m in many]) for n in range(3)),
                    [len(m[0]) for m in many],
                )
            doc += len(many)
            continue
        keys, weights, counts = document()
        tiered.add(doc, keys, weights, counts)
        with monkeypatch.context() as m:
            m.setattr(postings, "SHORT_DOC", -1)  # everything in runs
            reference.add(doc, keys, weights, counts)
        doc += 1
        asked = np.array(rng.sample(range(320), 40), np.uint64)
        assert tiered.holders(asked).tolist() == reference.holders(asked).tolist()
        assert [a.tolist() for a in tiered.find(asked)] == [
            a.tolist() for a in reference.find(asked)
        ]
    assert len(tiered) == len(reference)
    assert max(reference.holders(np.arange(300, dtype=np.uint64)).tolist()) == MAX_HOLDERS


def test_remember_all_records_what_remember_does(monkeypatch) -> None:  # noqa: ANN001
    """An index loaded in bulk finds the same holders as one loaded a
    document at a time, the holders' cap included, across load batches."""
    import random

    import numpy as np

    from pipeline import across
    from pipeline.across import Corpus
    from pipeline.settings import Settings

    monkeypatch.setattr(across, "_LOAD_BATCH", 7)
    rng = random.Random(9)
    documents = [
        (
            f"d{k}",
            {
                rng.randrange(30): (rng.randrange(1, 70_000), rng.randrange(1, 70_000))
                for _ in range(rng.randrange(0, 10))
            },
        )
        for k in range(200)
    ]
    one, bulk = Corpus(Settings()), Corpus(Settings())
    one.remember("first", {3: (100, 1)})
    bulk.remember("first", {3: (100, 1)})
    for path, pairs in documents:
        one.remember(path, pairs)
    bulk.remember_all(iter(documents))
    assert one.paths == bulk.paths
    keys = np.arange(32, dtype=np.uint64)
    assert [a.tolist() for a in one.postings.find(keys)] == [
        a.tolist() for a in bulk.postings.find(keys)
    ]
    pairs = {h: (500, 1) for h in range(30)}
    assert one.candidates(pairs) == bulk.candidates(pairs)


@pytest.mark.parametrize("ending", ["", "\n"], ids=["no-final-newline", "final-newline"])
def test_a_document_opening_with_all_of_an_earlier_one_repeats_it(ending: str) -> None:
    # Compared end to start, an earlier document said again at the head of
    # a later one read as a sentence said twice inside one paragraph (K5,
    # kept): a 255-character record missed its copy in the next year's
    # corpus. Documents meet at a paragraph break at least.
    from conftest import real_paragraphs

    from pipeline.across import _pair
    from pipeline.settings import Settings

    paragraphs = [p for p in real_paragraphs(200) if len(p) < 2000][:40]
    for first, rest in zip(paragraphs[::2], paragraphs[1::2], strict=True):
        earlier = first + ending
        later = first + "\n\n" + rest + "\n"
        found = _pair(earlier, later, Settings())
        covered = sum(span.end - span.start for span, *_ in found)
        assert covered >= len(first) - 2, (first[:60], found)
        for span, twin, *_ in found:
            assert 0 <= twin.start < twin.end <= len(earlier)
            assert 0 <= span.start < span.end <= len(later)


def _spaced(text: str) -> str:
    # the same text as another copy may hold it: other spacing and line
    # breaks, full-width punctuation (what the key folds away)
    return text.replace("，", ",").replace("。", "。 ").replace(". ", ".\n").replace(";", "；")


@pytest.mark.parametrize("as_copied", [False, True], ids=["same-text", "same-but-spacing"])
def test_a_document_that_is_all_an_earlier_one_repeats_it_whole(as_copied: bool) -> None:
    # A later document whose text is the earlier one's is a duplicate
    # document, whatever it holds: a sentence its author says twice (which
    # made the detection over the two texts joined keep the copy of a
    # 200-character record), or a line too short for a paste.
    from conftest import real_paragraphs

    from pipeline.across import _pair
    from pipeline.settings import Settings

    paragraphs = [p for p in real_paragraphs(80) if len(p) < 600][:60]
    short = ["Article 3 applies.", "第三条 本办法自发布之日起施行。"]
    documents = [f"{p}\n{p[: len(p) // 2]}。\n" for p in paragraphs[:30]] + paragraphs[30:] + short
    for earlier in documents:
        later = _spaced(earlier) if as_copied else earlier
        found = _pair(earlier, later, Settings())
        assert len(found) == 1, (earlier[:80], found)
        span, twin, similarity, method = found[0]
        # all of each, white space around it aside
        assert span.start <= len(later) - len(later.lstrip()), earlier[:80]
        assert span.end >= len(later.rstrip()), earlier[:80]
        assert twin.start <= len(earlier) - len(earlier.lstrip()), earlier[:80]
        assert twin.end >= len(earlier.rstrip()), earlier[:80]
        assert (similarity, method) == (1.0, "exact")


def test_a_document_that_differs_from_an_earlier_one_is_not_whole_copy() -> None:
    # (guard) The whole-copy answer is for the same text only: another
    # figure, word or sentence goes through the detection.
    from conftest import real_paragraphs

    from pipeline.across import _pair
    from pipeline.settings import Settings

    for p in [p for p in real_paragraphs(300) if len(p) < 1500][:20]:
        earlier = p + "\nThe fee is 300 yuan.\n"
        for later in (p + "\nThe fee is 500 yuan.\n", p + "\nThe fee is waived.\n"):
            found = _pair(earlier, later, Settings())
            assert not any(span.end >= len(later.rstrip()) for span, *_ in found), later[-40:]


@pytest.mark.parametrize("seed", range(4))
def test_documents_remembered_together_find_what_one_at_a_time_finds(seed: int) -> None:
    """A chunk's documents that only need remembering are remembered
    together, between documents that look up what came before them: every
    look-up (the holders' cap included, past the dict of short documents'
    postings and its settling) and what is held must be as when each is
    remembered in its turn."""
    import random

    from pipeline.across import Corpus
    from pipeline.settings import Settings

    rng = random.Random(seed)
    one, together = Corpus(Settings()), Corpus(Settings())
    held: list = []
    for k in range(400):
        size = rng.choice([0, 1, 5, 60, 70, 200])
        pairs = {
            rng.randrange(120): (rng.choice([1, 90, 400, 70_000]), rng.randrange(1, 4))
            for _ in range(size)
        }
        seen = f"text {k}" if rng.random() < 0.5 else None
        if rng.random() < 0.7:
            held.append((f"d{k}", pairs, seen))
            one.remember(f"d{k}", pairs, seen)  # type: ignore[arg-type]
            continue
        together.remember_many(held)
        held = []
        expected = one.admit(f"d{k}", pairs, seen)  # type: ignore[arg-type]
        assert together.admit(f"d{k}", pairs, seen) == expected  # type: ignore[arg-type]
    together.remember_many(held)
    assert together.paths == one.paths
    assert together.texts == one.texts
    keys = np.arange(120, dtype=np.uint64)
    assert [a.tolist() for a in together.postings.find(keys)] == [
        a.tolist() for a in one.postings.find(keys)
    ]


@pytest.mark.parametrize("look_up_between", [False, True])
def test_a_chunks_documents_that_only_need_remembering_are_all_remembered(
    look_up_between: bool,
) -> None:
    """The records the screen paired with nothing are remembered without a
    look-up, together; a document the screen did not see (a file beside
    the records), in this chunk or the next, must still find each of them,
    the last of a chunk too, and in the order they came."""
    from types import SimpleNamespace as Thing

    from pipeline.across import Corpus
    from pipeline.engine import Batch, candidate_pairs
    from pipeline.settings import Settings

    def doc(ident: str, pairs: dict) -> tuple[Thing, Thing]:
        return Thing(ident=ident), Thing(pairs=pairs, seen=Thing(kept=f"text of {ident}"))

    records = [doc(f"r{k}", {100 + k: (400, 1), 200 + k: (400, 1)}) for k in range(4)]
    batch = Batch(
        out_dir=None,  # type: ignore[arg-type]
        settings=Settings(),
        options=None,
        corpus=Corpus(Settings()),
        on_written=lambda *_: None,
        errors=[],
        screened={f"r{k}" for k in range(4)},
        partners={},
    )
    first = records[:2] + ([doc("f0", {100: (400, 1), 200: (400, 1)})] if look_up_between else [])
    first += records[2:]
    jobs, _ = candidate_pairs([i for i, _ in first], [p for _, p in first], batch)
    assert batch.corpus.paths == [i.ident for i, _ in first]
    if look_up_between:
        assert [path for _, path in jobs] == ["r0"]
    # a later chunk's file copying each record finds it
    for k in range(4):
        item, p = doc(f"f{k + 1}", {100 + k: (400, 1), 200 + k: (400, 1)})
        jobs, texts = candidate_pairs([item], [p], batch)
        twins = [f"r{k}"] + (["f0"] if look_up_between and k == 0 else [])
        assert [path for _, path in jobs] == twins
        assert texts[0][0] == f"text of r{k}"


@pytest.mark.parametrize("indent", ["    ", "\t", "\u3000", "\u3000\u3000"], ids=repr)
def test_an_indented_line_said_again_goes_with_its_indentation(
    tmp_path: Path, clean_docs: list[str], indent: str
) -> None:
    # A later document's indented line that says an earlier document's
    # line again, as two stretches around a dropped character (a figure
    # cut short: "2050" -> "050"), went without its indentation: left
    # behind, the indentation joined the next line, or ended the text
    # without a line break and failed verification (two records of a
    # 1 GB corpus, exit 2). What is kept must be the document's own lines,
    # each with its own indentation, and nothing may fail.
    import json
    import re
    import subprocess

    from conftest import real_paragraphs

    def figure(line: str) -> re.Match | None:  # a figure past the first quarter
        return re.compile(r"\d\d").search(line, len(line) // 4)

    paragraphs = [p.replace("\n", " ") for p in real_paragraphs(300) if len(p) < 900]
    # (paragraphs of distinct openings: not near copies of each other)
    lines = list({p[:40]: p for p in paragraphs if figure(p)}.values())[:6]
    assert len(lines) == 6
    own = [f"{indent}Line {n} is this document's own, said nowhere else." for n in range(6)]
    later = []
    for line, mine in zip(lines, own, strict=True):
        cut = figure(line).start()  # type: ignore[union-attr]
        later += [indent + line[:cut] + line[cut + 1 :], mine]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_earlier.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    (folder / "b_later.txt").write_text("\n".join(later) + "\n", encoding="utf-8")
    (folder / "c_record.jsonl").write_text(
        json.dumps({"id": "r", "text": later[2]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [*clean_docs, "run", str(folder), "--across", "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["errors"] == []
    kept = (out / "b_later.txt").read_text(encoding="utf-8")
    # no line altered: each kept line is one of the document's, whole
    assert set(kept.splitlines()) <= set(later)
    assert [line for line in kept.splitlines() if line in own] == own
    assert len(kept.splitlines()) <= len(own) + 2  # the copies went (nearly all)


@pytest.mark.parametrize("indent", [" ", "\t\t", "\u3000"], ids=repr)
def test_a_document_that_is_an_earlier_one_indented_leaves_nothing_behind(indent: str) -> None:
    # A record whose one line is an earlier record's, indented and said as
    # two stretches around a figure cut short, kept only its indentation:
    # a kept text without a line break, which verification refuses (exit
    # 2 on a 1 GB corpus). Removed stretch by stretch, the line goes whole.
    import re

    from conftest import real_paragraphs

    from pipeline.across import Seen, _pair, _pieces, assemble, remove_across
    from pipeline.api import dedupe_text
    from pipeline.settings import Settings
    from pipeline.verify import verify

    checked = 0
    for line in [p.replace("\n", " ") for p in real_paragraphs(300) if len(p) < 900]:
        figure = re.compile(r"\d\d").search(line, len(line) // 4)
        if figure is None:
            continue
        earlier = dedupe_text(line + "\n", path="earlier")
        later = dedupe_text(indent + line[: figure.start()] + line[figure.start() + 1 :] + "\n")
        found = _pair(earlier.kept_text, later.kept_text, Settings())
        if len(found) < 2:
            continue  # one stretch: not the case asked about
        seen = Seen("earlier", earlier.kept_text, _pieces(earlier), earlier.cleaned.text)
        cross = assemble([("earlier", found)], _pieces(later), lambda _, s=seen: s)
        result = remove_across(later, cross)
        verify(result, Settings().run_similarity)
        assert result.kept_text == ""
        checked += 1
        if checked == 5:
            break
    assert checked == 5
