"""The Dask engine writes the same bytes as the local engine.

On a two-worker LocalCluster (started by `run --engine dask`): a batch with
pastes inside files, a report saved twice, a section copied from another
file; with and without --across; and a later year added to an indexed
batch, so that documents from the index are compared with too; and, in
process, a corpus over many partitions settled a few behind the cluster.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytest.importorskip("distributed")

sys.path.insert(0, str(REPO / "bench"))

from cases import en_report, zh_report  # noqa: E402


def _year(root: Path, year: int) -> None:
    folder = root / str(year)
    folder.mkdir(parents=True)
    for k in range(5):
        make = zh_report if k % 2 else en_report
        text = make(random.Random(year * 10 + k), year, sections=2)
        if k == 1:
            text += text  # pasted twice inside the file
        (folder / f"r{k}.txt").write_text(text, encoding="utf-8")
    # a report saved twice, and a section of another file copied in
    (folder / "r0-copy.txt").write_text(
        en_report(random.Random(year * 10), year, sections=2), encoding="utf-8"
    )
    lines = zh_report(random.Random(year * 10 + 3), year, sections=2).split("\n")
    (folder / "r5.txt").write_text(
        zh_report(random.Random(year * 10 + 5), year, sections=2) + "\n".join(lines[3:7]) + "\n",
        encoding="utf-8",
    )


def _tree(out: Path) -> dict[str, bytes]:
    """Every output but the index (a SQLite file: its pages are not compared)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".clean-docs" not in p.parts
    }


def _run(clean_docs: list[str], inp: Path, out: Path, *extra: str) -> str:
    proc = subprocess.run(
        [*clean_docs, "run", str(inp), "-o", str(out), "-j", "2", "-q", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


@pytest.mark.parametrize("across", [False, True], ids=["report", "across"])
def test_dask_engine_writes_what_the_local_engine_writes(
    clean_docs: list[str], tmp_path: Path, across: bool
) -> None:
    inp = tmp_path / "in"
    for year in (2021, 2022):
        _year(inp, year)
    flags = ["--across"] if across else []
    _run(clean_docs, inp, tmp_path / "local", *flags)
    _run(clean_docs, inp, tmp_path / "dask", "--engine", "dask", *flags)
    local, dask = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert sorted(local) == sorted(dask)
    assert [name for name in local if local[name] != dask[name]] == []
    # not vacuous: the batch has repeats inside files and across them
    totals = json.loads(local["summary.json"])["totals"]
    assert totals["removed_regions"] > 0 and totals["cross_file"] > 0, totals


def test_dask_engine_writes_what_the_local_engine_writes_for_a_corpus(
    clean_docs: list[str], tmp_path: Path
) -> None:
    # records: the bulk screen clears some, pairs others, finds copies
    inp = tmp_path / "in"
    _year(inp, 2021)
    texts = [p.read_text(encoding="utf-8") for p in sorted(inp.rglob("*.txt"))]
    records = [*texts, texts[0], texts[1][:-40] + "x" + texts[1][-39:], texts[2] + texts[2]]
    (inp / "c.jsonl").write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in records),
        encoding="utf-8",
    )
    _run(clean_docs, inp / "c.jsonl", tmp_path / "local")
    _run(clean_docs, inp / "c.jsonl", tmp_path / "dask", "--engine", "dask")
    local, dask = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert sorted(local) == sorted(dask)
    assert [name for name in local if local[name] != dask[name]] == []
    totals = json.loads(local["summary.json"])["totals"]
    assert totals["removed_regions"] > 0 and totals["cross_file"] > 0, totals


def test_dask_engine_compares_new_files_with_the_index(
    clean_docs: list[str], tmp_path: Path
) -> None:
    inp = tmp_path / "in"
    _year(inp, 2021)
    _run(clean_docs, inp, tmp_path / "local")
    _run(clean_docs, inp, tmp_path / "dask", "--engine", "dask")
    # next year: a file holding last year's report, one with a copied section
    _year(inp, 2022)
    (inp / "2022" / "r9.txt").write_text(
        (inp / "2021" / "r2.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    _run(clean_docs, inp, tmp_path / "local")
    _run(clean_docs, inp, tmp_path / "dask", "--engine", "dask")
    local, dask = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert [name for name in sorted(local) if local[name] != dask.get(name)] == []
    report = local["2022/r9.txt.report.json"].decode()
    # (named where it is, relative to the folder holding DIR)
    assert '"path": "' + (inp / "2021" / "r2.txt").relative_to(tmp_path).as_posix() in report


def test_an_unreachable_scheduler_is_a_clear_error(clean_docs: list[str], tmp_path: Path) -> None:
    inp = tmp_path / "in"
    _year(inp, 2021)
    proc = subprocess.run(
        [
            *clean_docs,
            "run",
            str(inp),
            "-o",
            str(tmp_path / "out"),
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_without_dask_the_engine_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline import dask_engine
    from pipeline.errors import EngineError

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(EngineError, match=r'pip install "clean-docs-dedup\[dask\]"'):
        dask_engine._client(None, 1)


@pytest.mark.parametrize("screened", [True, False])
def test_boilerplate_held_by_many_files_gives_the_same_bytes(
    clean_docs: list[str], tmp_path: Path, screened: bool
) -> None:
    """A section in more files than a hash's recorded holders (postings
    MAX_HOLDERS). The bulk screen takes it for boilerplate: listed once in
    summary.json, no file's repeat. With settings below the screen's
    bounds the postings propose the pairs, and the cap seldom shows in
    outputs (the earliest twin wins either way; tests/test_across.py
    checks the cap itself). Both engines, both ways."""
    from pipeline.postings import MAX_HOLDERS

    inp = tmp_path / "in"
    inp.mkdir()
    shared = "\n".join(en_report(random.Random(99), 2020, sections=2).split("\n")[2:8]) + "\n"
    for k in range(MAX_HOLDERS + 6):
        own = zh_report(random.Random(500 + k), 2020 + k % 3, sections=1)
        (inp / f"f{k:02d}.txt").write_text(own + shared, encoding="utf-8")
    extra = [] if screened else ["--min-run-chars", "199"]  # (the screen asks 200)
    _run(clean_docs, inp, tmp_path / "local", *extra)
    _run(clean_docs, inp, tmp_path / "dask", "--engine", "dask", *extra)
    local, dask = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert [name for name in sorted(local) if local[name] != dask.get(name)] == []
    summary = json.loads(local["summary.json"])
    later = [f for f in summary["files"] if f["path"].endswith(f"f{MAX_HOLDERS + 5:02d}.txt")][0]
    if screened:
        assert not later["cross_file"], later
        assert [b["documents"] for b in summary["boilerplate"]] == [MAX_HOLDERS + 6]
    else:
        # every later file is found repeating an earlier one, among the first holders
        assert later["cross_file"], later
        assert summary["boilerplate"] == []


class _Task:
    def __init__(self, client: _InlineClient, fn: object, args: tuple) -> None:
        self.client, self.fn, self.args = client, fn, args

    def result(self) -> object:
        return self.fn(*self.args)  # type: ignore[operator]

    def release(self) -> None:
        self.client.held[self.fn.__name__] -= 1  # type: ignore[attr-defined]


class _InlineClient:
    """A Dask client that runs each task when its result is asked for, and
    counts the tasks whose results it still holds."""

    def __init__(self) -> None:
        self.held: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.submitted: dict[str, int] = {}

    def submit(self, fn: object, *args: object, pure: bool = True, priority: int = 0) -> _Task:
        name = fn.__name__  # type: ignore[attr-defined]
        self.held[name] = self.held.get(name, 0) + 1
        self.submitted[name] = self.submitted.get(name, 0) + 1
        self.most[name] = max(self.most.get(name, 0), self.held[name])
        return _Task(self, fn, args)

    def scheduler_info(self) -> dict:
        return {"workers": {"a": {}, "b": {}}}

    def close(self) -> None:
        pass


@pytest.mark.parametrize("across", [False, True], ids=["report", "across"])
def test_dask_engine_over_many_partitions_writes_what_the_local_engine_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, across: bool
) -> None:
    # Partitions settle a few behind the ones being compared, and a
    # partition's texts are dropped once written: copies of records far
    # back (read again from the index) and just before (still in memory)
    # must come out as the local engine writes them, while the cluster
    # holds only a bounded number of partitions.
    from click.testing import CliRunner
    from conftest import real_paragraphs

    from pipeline import dask_engine
    from pipeline.cli import main

    texts = [p for p in real_paragraphs(200) if len(p) < 3000][:300]
    assert len(texts) == 300
    records = list(texts)
    records[290] = texts[3]  # a copy of a record 35 partitions back
    records[130] = texts[129]  # and of one in its own partition
    records[260] = texts[250] + "\n\n" + texts[200]  # repeats two others
    records[170] = texts[10][: len(texts[10]) // 2] + "\n\n" + texts[170]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in records),
        encoding="utf-8",
    )
    flags = ["--across"] if across else []
    runner = CliRunner()
    local = runner.invoke(main, ["run", str(corpus), "-o", str(tmp_path / "local"), *flags])
    assert local.exit_code == 0, local.output
    client = _InlineClient()
    monkeypatch.setattr(dask_engine, "_client", lambda scheduler, jobs: (client, None))
    monkeypatch.setattr(dask_engine, "_DOCS_PER_PARTITION", 8)
    dask = runner.invoke(
        main, ["run", str(corpus), "-o", str(tmp_path / "dask"), "--engine", "dask", *flags]
    )
    assert dask.exit_code == 0, dask.output
    mine, theirs = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert sorted(mine) == sorted(theirs)
    assert [name for name in mine if mine[name] != theirs[name]] == []
    totals = json.loads(mine["summary.json"])["totals"]
    assert totals["cross_file"] >= 3, totals
    # every task's result released; no more partitions held than the window
    assert set(client.held.values()) == {0}, client.held
    window = 2 * dask_engine._AHEAD_PER_WORKER + dask_engine._LAG
    assert client.submitted["_prepare_chunk"] > window
    assert client.most["_prepare_chunk"] <= window
