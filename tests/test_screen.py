"""The bulk screen (issue 16) is sound: a record it clears is one the full
processing finds nothing in. Checked on real documents cut into records of
several sizes, with pastes planted inside records and stretches shared
across them, against `check` with every record processed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import REPO, real_paragraphs

from pipeline.checking import check_paths
from pipeline.inputs import Options
from pipeline.settings import Settings

TEXTS = REPO.parent / "shared" / "texts"


def _paragraphs() -> list[str]:
    return real_paragraphs(40)


def _records(seed: int) -> list[str]:
    """Records of one to six real paragraphs; some hold a paste of their own
    text (a paragraph, or their tail, again), some share a long stretch with
    an earlier record, some are said with a typo."""
    rng = random.Random(seed)
    paragraphs = _paragraphs()
    rng.shuffle(paragraphs)
    records: list[str] = []
    at = 0
    while at < len(paragraphs) and len(records) < 160:
        take = rng.randint(1, 4)
        record = "\n\n".join(paragraphs[at : at + take])
        at += take
        roll = rng.random()
        if roll < 0.15:
            record += "\n\n" + record[-rng.randint(40, 400) :]  # its tail again
        elif roll < 0.3 and records:
            earlier = rng.choice(records)
            cut = rng.randrange(max(1, len(earlier) - 300))
            record += "\n\n" + earlier[cut : cut + rng.randint(150, 900)]
        records.append(record)
    return records


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
@pytest.mark.parametrize("seed", [1, 2])
def test_a_record_the_screen_clears_has_nothing_to_find(tmp_path: Path, seed: int) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
            for i, t in enumerate(_records(seed))
        ),
        encoding="utf-8",
    )
    options = Options(id_field="id")
    screened, fast = check_paths([str(corpus)], Settings(), options)
    full, slow = check_paths([str(corpus)], Settings(), options, want_kept=True)
    assert screened.copied > 40  # the screen did clear records
    assert full.copied == 0
    assert len(slow) > 10  # there was something to find
    assert fast == slow


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
def test_files_compared_only_as_the_screen_pairs_them_find_the_same(tmp_path: Path) -> None:
    """Across files the screen's pairs stand for the unit pairs' candidates:
    the findings are those of comparing every candidate pair."""
    folder = tmp_path / "docs"
    folder.mkdir()
    licence = "\n\n".join(_paragraphs()[:3])  # boilerplate: in every file
    for i, text in enumerate(_records(3)[:60]):
        (folder / f"{i:03}.txt").write_text(text + "\n\n" + licence + "\n", encoding="utf-8")
    _, fast = check_paths([str(folder)], Settings(), Options())
    _, slow = check_paths([str(folder)], Settings(), Options(), want_kept=True)
    inside = [f for f in slow if f["rule"] != "R5"]
    assert len(inside) > 2 and [f for f in fast if f["rule"] != "R5"] == inside
    # across files: what the screen pairs is found as before; what it does
    # not is the licence every file ends with, boilerplate, not a finding
    lines = {
        f["path"]: (folder / Path(f["path"]).name).read_text(encoding="utf-8").splitlines()
        for f in slow
    }

    def covered(found: list[dict[str, object]]) -> set[tuple[str, int]]:
        return {
            (str(f["path"]), n)
            for f in found
            if f["rule"] == "R5"
            for n in range(int(f["start_line"]), int(f["end_line"]) + 1)  # type: ignore[call-overload]
        }

    def authored(path: str, n: int) -> bool:
        line = lines[path][n - 1].strip()
        return bool(line) and line not in licence

    # nothing found before outside the licence is lost (the new pairs may
    # find a stretch the old order of comparisons let a licence match hide)
    before = {(p, n) for p, n in covered(slow) if authored(p, n)}
    assert len(before) >= 3 and before <= covered(fast)


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".clean-docs" not in p.parts and p.name not in ("index.html",)
    }


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
@pytest.mark.parametrize("across", [False, True])
def test_run_with_the_screen_writes_what_processing_every_record_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, across: bool
) -> None:
    """`run` clears records in bulk and compares only the pairs the screen
    proposes (a copy: with its twin and what its twin shares); its outputs
    are those of processing and comparing every record."""
    from pipeline import screen
    from pipeline.batch import run_paths

    records = _records(3)
    rng = random.Random(3)
    for _ in range(30):  # copies of earlier records: exact, or with a typo
        text = rng.choice(records)
        if rng.random() < 0.5:
            at = rng.randrange(len(text))
            text = text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]
        records.append(text)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
            for i, t in enumerate(records)
        ),
        encoding="utf-8",
    )
    from pipeline import engine

    options = Options(id_field="id", across=across, jobs=1)
    cleared: list[bool] = []
    prepare = engine.prepare

    def counted(item: object, settings: Settings, options: Options, clear: bool = False) -> object:
        cleared.append(clear)
        return prepare(item, settings, options, clear)

    with monkeypatch.context() as patched:
        patched.setattr(engine, "prepare", counted)
        run_paths([str(corpus)], tmp_path / "fast", Settings(), options)
    assert sum(cleared) > 40  # the screen did clear records
    with monkeypatch.context() as patched:
        patched.setattr(screen, "applies", lambda settings: False)
        run_paths([str(corpus)], tmp_path / "slow", Settings(), options)
    fast, slow = _outputs(tmp_path / "fast"), _outputs(tmp_path / "slow")
    assert len(slow["c/reports.jsonl"].splitlines()) > 20  # there was something to show
    assert fast == slow


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
def test_the_screen_in_chunks_finds_what_it_finds_at_once() -> None:
    """The screen holds one chunk of documents' positions at a time (its
    memory follows the chunk, not the corpus): what it says must not
    depend on where the chunks are cut. A boilerplate window never reaches
    into the next document (it did: a chunk's edge changed the result)."""
    from pipeline.copies import keys
    from pipeline.screen import screen

    licence = "\n\n".join(_paragraphs()[:2])
    texts = [t if n % 3 else licence + "\n\n" + t for n, t in enumerate(_records(4))]
    key_texts = keys(texts)
    whole = screen(key_texts, chunk_chars=10**12)
    assert whole.pairs and whole.inside and whole.blocks  # not vacuous
    for chunk_chars in (50_000, 5_000, 1):
        cut = screen(key_texts, chunk_chars=chunk_chars)
        assert cut.inside == whole.inside
        assert cut.pairs == whole.pairs
        assert cut.boilerplate == whole.boilerplate
        assert cut.blocks == whole.blocks  # (in the documents' order, however cut)


@pytest.mark.parametrize("seed", range(20))
def test_boilerplate_reaches_as_far_as_its_window_and_never_into_another_document(
    seed: int,
) -> None:
    """`_near` by its definition, position by position: a position is near
    boilerplate when a common gram lies within LONG_GRAM of it in the same
    document. Documents of one position, runs of common grams at their
    edges and a document without any are drawn on purpose."""
    import numpy as np

    from pipeline.screen import LONG_GRAM, _near

    rng = random.Random(seed)
    sizes = [rng.choice([1, 2, LONG_GRAM, LONG_GRAM + 1, rng.randrange(1, 200)]) for _ in range(30)]
    docs = np.repeat(np.arange(len(sizes)), sizes)
    common_grams = [7, 11]
    grams = np.array(
        [
            rng.choice(common_grams) if rng.random() < 0.02 else rng.randrange(100, 10**6)
            for _ in docs
        ],
        np.uint64,
    )
    common = np.array(common_grams, np.uint64)
    near, is_common = _near(grams, docs, common)
    expected_common = [int(g) in common_grams for g in grams]
    expected_near = [
        any(
            expected_common[j] and docs[j] == docs[i]
            for j in range(max(0, i - LONG_GRAM), min(len(docs), i + LONG_GRAM + 1))
        )
        for i in range(len(docs))
    ]
    assert is_common.tolist() == expected_common
    assert near.tolist() == expected_near
    assert any(expected_near) and not all(expected_near)  # (not vacuous)


@pytest.mark.parametrize("seed", range(10))
def test_membership_in_the_common_grams_is_exact(seed: int) -> None:
    """`_members` rules out by a table of top bits, then looks up: it must
    say what an exact look-up says, for sets of any size (none, one, more
    than its table holds), values that share top bits with a member and
    values of the set itself."""
    import numpy as np

    from pipeline.screen import _members

    rng = np.random.default_rng(seed)
    size = [0, 1, 5, 3000, 100_000][seed % 5]
    members = np.unique(rng.integers(0, 2**64, size, dtype=np.uint64))
    near_members = members ^ rng.integers(1, 2**20, len(members), dtype=np.uint64)
    values = np.concatenate([members, near_members, rng.integers(0, 2**64, 5000, dtype=np.uint64)])
    rng.shuffle(values)
    assert _members(values, members).tolist() == np.isin(values, members).tolist()


def test_a_record_paired_with_none_of_its_run_is_still_compared_with_the_index(
    tmp_path: Path,
) -> None:
    # The screen looks at one run's records; what an earlier run indexed
    # is compared with in the precise stage only, so a record the screen
    # pairs with nothing of its own run must still be looked up there.
    from pipeline.batch import run_paths

    texts = _paragraphs()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    for path, records in (
        (first, texts[:10]),
        (second, [*texts[20:30], texts[3] + "\n\n" + texts[40]]),
    ):
        path.write_text(
            "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in records),
            encoding="utf-8",
        )
    options = Options(jobs=1)
    run_paths([str(first)], tmp_path / "out", Settings(), options)
    run_paths([str(second)], tmp_path / "out", Settings(), options)
    lines = (tmp_path / "out" / "second" / "reports.jsonl").read_text(encoding="utf-8")
    reports = [json.loads(line) for line in lines.splitlines()]
    twins = {
        (r["source"]["path"].rsplit("#", 1)[-1], c["duplicate_of"]["path"].rsplit("#", 1)[-1])
        for r in reports
        for c in r.get("across", [])
    }
    assert ("11", "4") in twins, twins


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
@pytest.mark.parametrize("size", [1, 97, 5_000])
def test_pairs_repeats_and_copies_do_not_depend_on_the_slices(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """The boilerplate's count, the pairing, the repeats inside copies and
    the copies' band keys hold a slice of the corpus's positions at a time (issue 16: memory
    follows the slice, not the corpus), and the entries are sorted in
    parts; where the slices and parts are cut must not change what they
    find."""
    from pipeline import copies, screen
    from pipeline.copies import find_copies, keys

    licence = "\n\n".join(_paragraphs()[:2])
    texts = [t if n % 3 else licence + "\n\n" + t for n, t in enumerate(_records(6))]
    texts += [texts[n] for n in range(0, len(texts), 5)]  # exact copies
    texts += [texts[n].replace("e", "", 1) for n in range(1, 60, 7)]  # a typo
    key_texts = keys(texts)
    monkeypatch.setattr(screen, "PARTITION_BITS", 0)  # the entries in one part
    whole = screen.screen(key_texts)
    inside = screen.repeated_inside(key_texts)
    found = find_copies(texts, key_texts)
    assert whole.pairs and whole.blocks and inside  # not vacuous
    assert any(c.method == "near" for c in found)
    monkeypatch.setattr(screen, "PARTITION_BITS", 6)
    monkeypatch.setattr(screen, "PAIR_SLICE", size)
    monkeypatch.setattr(screen, "CHUNK_CHARS", size * 10)
    monkeypatch.setattr(copies, "KEY_BATCH_CHARS", size * 10)
    sliced = screen.screen(key_texts)
    assert sliced.pairs == whole.pairs
    assert sliced.boilerplate == whole.boilerplate
    assert sorted(sliced.blocks) == sorted(whole.blocks)
    assert screen.repeated_inside(key_texts) == inside
    assert find_copies(texts, key_texts) == found


def test_pairing_holds_a_slice_not_the_corpus() -> None:
    """Pairing a corpus's entries builds a handful of arrays per entry; it
    must build them for one slice at a time, so its peak memory stays near
    the entries themselves (it built them for all entries at once: about
    six times their size)."""
    import tracemalloc

    import numpy as np

    from pipeline.screen import _pairs

    rng = np.random.default_rng(16)
    count, doc_bits = 1000, 10
    low = np.uint64((1 << doc_bits) - 1)
    grams = rng.integers(1, 1 << 40, 300_000, dtype=np.uint64) << np.uint64(doc_bits)
    docs = rng.integers(0, count, len(grams)).astype(np.uint64)
    # documents 0 and 1 share 30 grams: the pair found either way
    grams[:60] = np.repeat(grams[:30], 2)
    docs[:60] = np.tile([0, 1], 30)
    entries = np.sort(grams | docs)
    tracemalloc.start()
    try:
        pairs = _pairs([entries], count, low, slice_size=10_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (1, 0) in pairs
    assert peak < entries.nbytes // 2


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
@pytest.mark.parametrize("across", [False, True])
def test_run_over_files_compares_what_the_screen_pairs_and_loses_nothing_authored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, across: bool
) -> None:
    """`run` over a folder compares only the files the screen pairs (a
    licence in every file pairs none: 145 RFCs took 2,671 comparisons,
    most of them of the IETF's boilerplate); every stretch a file repeats
    from another outside the licence is still found, and removed alike
    with --across; inside a file nothing changes."""
    from pipeline import engine, screen
    from pipeline.batch import run_paths

    folder = tmp_path / "docs"
    folder.mkdir()
    licence = "\n\n".join(_paragraphs()[:3])  # boilerplate: in every file
    for i, text in enumerate(_records(3)[:60]):
        (folder / f"{i:03}.txt").write_text(text + "\n\n" + licence + "\n", encoding="utf-8")
    options = Options(across=across, jobs=1)
    compared: dict[str, int] = {"fast": 0, "slow": 0}
    compare = engine.compare_pair

    def summary(name: str) -> dict:
        def counted(job: object) -> object:
            compared[name] += 1
            return compare(job)  # type: ignore[arg-type]

        with monkeypatch.context() as patched:
            patched.setattr(engine, "compare_pair", counted)
            if name == "slow":
                patched.setattr(screen, "applies", lambda settings: False)
            run_paths([str(folder)], tmp_path / name, Settings(), options)
        return json.loads((tmp_path / name / "summary.json").read_text(encoding="utf-8"))

    fast, slow = summary("fast"), summary("slow")
    assert compared["fast"] < compared["slow"] / 2
    assert fast["boilerplate"] and not slow["boilerplate"]  # the licence, said once
    lines = {p.name: p.read_text(encoding="utf-8").splitlines() for p in folder.iterdir()}

    def authored_lines(found: dict) -> set[tuple[str, int]]:
        out = set()
        for entry in found["files"]:
            name = Path(entry["path"]).name
            for cross in entry["cross_file"]:
                for n in range(cross["start_line"], cross["end_line"] + 1):
                    line = lines[name][n - 1].strip()
                    if line and line not in licence:
                        out.add((name, n))
        return out

    before = authored_lines(slow)
    assert len(before) >= 3 and before <= authored_lines(fast)
    for entry in slow["files"]:  # inside each file: the same
        other = next(e for e in fast["files"] if e["path"] == entry["path"])
        if not across:
            assert other["removed_chars"] == entry["removed_chars"]
            assert other["findings"] >= entry["findings"] - len(entry["cross_file"])
