"""Records read again from their corpus (past the texts a batch holds):
the text listed, each corpus opened once, a bounded number kept open."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import corpus_lines, inputs
from pipeline.inputs import Input, Options, collect, record_text

TEXTS = [
    "第一条 为了规范海关行政执法行为，制定本规定。",
    "Article 2. The council shall meet twice a year.\nIt may meet more often.",
    "  indented, with trailing spaces  ",
    'quotes " and \\ backslashes, a tab\there',
    "emoji 🙂 and a lone é",
    "x" * 5000,
]


def _corpus(path: Path, seed: int, records: int = 40) -> list[str]:
    """A JSONL corpus: a BOM, CRLF and LF endings, blank lines, escapes."""
    rng = random.Random(seed)
    texts = [f"{rng.choice(TEXTS)} #{seed}-{n}" for n in range(records)]
    lines = []
    for n, text in enumerate(texts):
        ascii_only = rng.random() < 0.5
        lines.append(json.dumps({"id": n, "text": text}, ensure_ascii=ascii_only))
        if rng.random() < 0.2:
            lines.append("")  # a blank line between records
    ending = [("\r\n" if rng.random() < 0.3 else "\n") for _ in lines]
    body = "".join(line + end for line, end in zip(lines, ending, strict=True))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    return texts


@pytest.fixture(autouse=True)
def _nothing_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every record read again from its corpus, as past the budget."""
    monkeypatch.setattr(inputs, "HELD_TEXT_BYTES", 0)
    yield
    corpus_lines.forget_open()


def _listed(paths: list[Path]) -> list[Input]:
    errors: list[tuple[str, str]] = []
    items = collect([str(p) for p in paths], errors, Options(id_field="id"))
    assert not errors
    return items


def _by_place(paths: list[Path], records: int) -> dict[tuple[str, int], str]:
    """Write each corpus; its texts by (corpus, offset of the record's line)."""
    out: dict[tuple[str, int], str] = {}
    for n, path in enumerate(paths):
        texts = _corpus(path, n, records=records)
        for item, text in zip(_listed([path]), texts, strict=True):
            out[(item.where, item.record.offset)] = text  # type: ignore[union-attr]
    return out


def _place(item: Input) -> tuple[str, int]:
    return (item.where, item.record.offset)  # type: ignore[union-attr]


def test_records_past_the_held_budget_read_as_listed(tmp_path: Path) -> None:
    texts = _corpus(tmp_path / "c.jsonl", 1)
    items = _listed([tmp_path / "c.jsonl"])
    assert not inputs._listed  # (nothing held: each is read again)
    assert [record_text(item) for item in items] == texts
    # in any order, again
    order = list(range(len(items)))
    random.Random(2).shuffle(order)
    assert [record_text(items[i]) for i in order] == [texts[i] for i in order]


def test_a_corpus_is_opened_once_however_many_records_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _corpus(tmp_path / "c.jsonl", 3, records=200)
    items = _listed([tmp_path / "c.jsonl"])
    opened: list[str] = []
    real_open = os.open

    def counting_open(path: str, *args: object, **kwargs: object) -> int:
        opened.append(str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", counting_open)
    for item in items:
        record_text(item)
    assert opened == [str(tmp_path / "c.jsonl")]


def _open_corpora(folder: Path) -> int:
    return sum(
        1
        for fd in os.listdir("/proc/self/fd")
        if os.path.realpath(f"/proc/self/fd/{fd}").startswith(str(folder.resolve()))
    )


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_many_corpora_read_in_turn_stay_within_the_open_limit(tmp_path: Path) -> None:
    paths = [tmp_path / f"c{n}.jsonl" for n in range(corpus_lines.OPEN_CORPORA * 3)]
    expected = _by_place(paths, records=10)
    items = _listed(paths)
    rng = random.Random(4)
    for _ in range(3):
        rng.shuffle(items)
        for item in items:
            assert record_text(item) == expected[_place(item)]
            assert _open_corpora(tmp_path) <= corpus_lines.OPEN_CORPORA
    corpus_lines.forget_open()
    assert _open_corpora(tmp_path) == 0


def test_threads_reading_many_corpora_at_once_read_right(tmp_path: Path) -> None:
    # more corpora than are kept open: threads close and open them under
    # one another's reads
    paths = [tmp_path / f"c{n}.jsonl" for n in range(corpus_lines.OPEN_CORPORA * 2)]
    expected = _by_place(paths, records=15)
    items = _listed(paths)
    wrong: list[str] = []

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(400):
            item = rng.choice(items)
            if record_text(item) != expected[_place(item)]:
                wrong.append(item.shown)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


def _read_all(items: list[Input]) -> list[str]:
    return [record_text(item) for item in items]


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers")
def test_forked_workers_read_through_the_descriptors_they_inherit(tmp_path: Path) -> None:
    texts = _corpus(tmp_path / "c.jsonl", 5, records=300)
    items = _listed([tmp_path / "c.jsonl"])
    assert record_text(items[-1]) == texts[-1]  # (opened here, before the fork)
    halves = [items[::2], items[1::2], items[::-1]]
    with multiprocessing.get_context("fork").Pool(3) as pool:
        read = pool.map(_read_all, halves)
    assert read == [texts[::2], texts[1::2], texts[::-1]]
    assert _read_all(items) == texts


def _read_first(items: list[Input]) -> str:
    return record_text(items[0])


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers")
def test_a_worker_forked_while_another_thread_reads_can_read(tmp_path: Path) -> None:
    texts = _corpus(tmp_path / "c.jsonl", 6, records=5)
    items = _listed([tmp_path / "c.jsonl"])
    # another thread is in the middle of a read (it holds the lock) when
    # the worker is forked
    with corpus_lines._lock:
        pool = multiprocessing.get_context("fork").Pool(1)
    try:
        assert pool.apply_async(_read_first, (items,)).get(timeout=30) == texts[0]
    finally:
        pool.terminate()
