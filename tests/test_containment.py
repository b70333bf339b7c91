"""Safe by construction (issue 14): outputs named so they cannot collide,
written only inside DIR, never over an input; an index that knows a file
by where it is, not by how it was typed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import corpus_reports

PARA = (
    "The regional council reviewed the emergency response plans and adopted the new "
    "schedule after a broad consultation with residents, experts and local agencies.\n"
)


def _paragraph(who: str, what: str) -> str:
    return (
        f"The {who} reviewed the {what} and adopted a new schedule after a broad "
        f"consultation. Residents, experts and local agencies of the {who} sent written "
        f"comments on the {what}, and the {who} answered each of them in public before "
        f"the vote that closed the review of the {what} for this year.\n"
    )


P1 = _paragraph("regional council", "flood plans")
P2 = _paragraph("audit office", "road budget")
P3 = _paragraph("water board", "river maps")
P4 = _paragraph("school board", "bus routes")


def _run(clean_docs: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*clean_docs, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# -- names --------------------------------------------------------------------


@pytest.mark.parametrize("corpus", ["...jsonl", "..jsonl", ".jsonl", "..parquet.jsonl"])
def test_a_corpus_of_any_name_writes_inside_the_output_folder(
    tmp_path: Path, clean_docs: list[str], corpus: str
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / corpus).write_text('{"id": "notes", "text": "x\\n"}\n', encoding="utf-8")
    proc = _run(
        clean_docs, "run", f"in/{corpus}", "--id-field", "id", "-o", "out/sub", cwd=tmp_path
    )
    assert "Traceback" not in proc.stderr
    outside = {p.name for p in tmp_path.iterdir()} | {p.name for p in (tmp_path / "out").iterdir()}
    assert outside == {"in", "out", "sub"}, outside
    assert not (tmp_path / "notes.txt").exists()


def test_files_of_one_stem_and_other_extensions_keep_each_their_output(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / "in").mkdir()
    for ext in ("txt", "md", "rst"):
        (tmp_path / "in" / f"a.{ext}").write_text(f"{ext}: {PARA}", encoding="utf-8")
    proc = _run(clean_docs, "run", "in", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for ext in ("txt", "md", "rst"):
        assert (tmp_path / "out" / f"a.{ext}").read_text(encoding="utf-8") == f"{ext}: {PARA}"
        for report in (".diff", ".report.json", ".report.html"):
            assert (tmp_path / "out" / f"a.{ext}{report}").is_file()


@pytest.mark.parametrize(
    "names",
    [("x/a.txt", "y/a.txt"), ("x/a.txt", "y/A.txt"), ("x/summary.json", "y/b.txt")],
)
def test_two_inputs_that_would_write_one_name_are_refused_before_writing(
    tmp_path: Path, clean_docs: list[str], names: tuple[str, str]
) -> None:
    for name in names:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(PARA, encoding="utf-8")
    proc = _run(clean_docs, "run", *names, "--include", "*", "-o", "out", cwd=tmp_path)
    if names[0].endswith("summary.json"):
        # a file named like the batch's own files takes its name from DIR
        assert proc.returncode == 2 and "would both write summary.json" in proc.stderr
    else:
        assert proc.returncode == 2, proc.stderr
        assert "would both write" in proc.stderr
    assert not (tmp_path / "out").exists() or _tree(tmp_path / "out").keys() <= {
        ".clean-docs/index.sqlite"
    }


def test_ids_that_clash_once_made_safe_lose_no_record(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    ids = ["a b", "a_b", 5, "5", "a b"]
    # each record pasted twice: each has a removal to show on its page
    texts = [f"record {n}.\n\n{PARA}\n{PARA}" for n in range(len(ids))]
    lines = [json.dumps({"id": i, "text": t}) for i, t in zip(ids, texts, strict=True)]
    (tmp_path / "c.jsonl").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    proc = _run(clean_docs, "run", "c.jsonl", "--id-field", "id", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cleaned = (tmp_path / "out" / "c.jsonl").read_text(encoding="utf-8").splitlines()
    # a BOM before the first record does not cost it
    assert [json.loads(line)["id"] for line in cleaned] == ids
    assert [json.loads(line)["text"] for line in cleaned] == [
        f"record {n}.\n\n{PARA}" for n in range(5)
    ]
    reports = corpus_reports(tmp_path / "out" / "c")
    assert len(reports) == len(ids)
    pages = sorted(p.name for p in (tmp_path / "out" / "c").glob("*.report.html"))
    assert pages == sorted(r["page"].removeprefix("c/") for r in reports.values())
    assert len(set(pages)) == len(ids)


def test_max_size_applies_to_records(tmp_path: Path, clean_docs: list[str]) -> None:
    big = {"id": "big", "text": "word " * 40_000 + "\n"}
    small = {"id": "small", "text": PARA}
    (tmp_path / "c.jsonl").write_text(
        json.dumps(big) + "\n" + json.dumps(small) + "\n", encoding="utf-8"
    )
    proc = _run(
        clean_docs,
        "run",
        "c.jsonl",
        "--id-field",
        "id",
        "--max-size",
        "0.1",
        "-o",
        "out",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "c.jsonl#big: error:" in proc.stderr and "limit" in proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert [e["record"] for e in summary["files"]] == ["small"]
    # the record over the limit is kept as it was in the cleaned corpus
    cleaned = (tmp_path / "out" / "c.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in cleaned] == [big, small]


# -- containment --------------------------------------------------------------


def _layout_ancestor(tmp: Path) -> tuple[list[str], str]:
    (tmp / "a" / "b" / "b").mkdir(parents=True)
    (tmp / "a" / "b" / "x.txt").write_text("ORIGINAL " + PARA, encoding="utf-8")
    (tmp / "a" / "b" / "b" / "x.txt").write_text("other " + PARA, encoding="utf-8")
    return ["a/b"], "a"


def _layout_link_to_input_folder(tmp: Path) -> tuple[list[str], str]:
    (tmp / "in").mkdir()
    (tmp / "in" / "x.txt").write_text("ORIGINAL " + PARA, encoding="utf-8")
    os.symlink(tmp / "in", tmp / "alias")
    return ["in"], "alias"


def _layout_output_holds_a_linked_input(tmp: Path) -> tuple[list[str], str]:
    (tmp / "real").mkdir()
    (tmp / "real" / "x.txt").write_text("ORIGINAL " + PARA, encoding="utf-8")
    (tmp / "out").mkdir()
    os.symlink(tmp / "real" / "x.txt", tmp / "out" / "x.txt")
    return ["out/x.txt"], "real"


def _layout_output_is_the_links_folder(tmp: Path) -> tuple[list[str], str]:
    # the link itself would be replaced by the clean copy
    _layout_output_holds_a_linked_input(tmp)
    return ["out/x.txt"], "out"


def _layout_file_in_output(tmp: Path) -> tuple[list[str], str]:
    (tmp / "docs" / "sub").mkdir(parents=True)
    (tmp / "docs" / "sub" / "x.txt").write_text("ORIGINAL " + PARA, encoding="utf-8")
    return ["docs/sub/x.txt"], "docs"


@pytest.mark.parametrize(
    "layout",
    [
        _layout_ancestor,
        _layout_link_to_input_folder,
        _layout_output_holds_a_linked_input,
        _layout_output_is_the_links_folder,
        _layout_file_in_output,
    ],
)
def test_an_output_folder_that_is_holds_or_lies_in_an_input_is_refused(
    tmp_path: Path, clean_docs: list[str], layout
) -> None:
    paths, out = layout(tmp_path)
    before = _tree(tmp_path)
    proc = _run(clean_docs, "run", *paths, "-o", out, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "refusing to write into the input" in proc.stderr
    assert _tree(tmp_path) == before


def test_a_link_inside_the_output_folder_is_never_followed(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "sub" / "x.txt").write_text(PARA + "\n" + PARA, encoding="utf-8")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "x.txt").write_text("VICTIM " + PARA + "\n" + PARA, encoding="utf-8")
    (tmp_path / "out").mkdir()
    os.symlink(victim, tmp_path / "out" / "sub")
    before = _tree(victim)
    proc = _run(clean_docs, "run", "in", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert "a link inside the output folder" in proc.stderr
    assert _tree(victim) == before


@pytest.mark.parametrize("with_files", [False, True])
def test_a_refused_corpus_folder_writes_nothing(
    tmp_path: Path, clean_docs: list[str], with_files: bool
) -> None:
    # a corpus's cleaned copy and reports.jsonl are written last: a link
    # where its folder would be is refused before anything is written
    texts = [PARA + PARA, "plain " + PARA]
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8"
    )
    named = ["c.jsonl"]
    if with_files:
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "x.txt").write_text(PARA + "\n" + PARA, encoding="utf-8")
        named.insert(0, "in")
    victim = tmp_path / "victim"
    victim.mkdir()
    (tmp_path / "out").mkdir()
    os.symlink(victim, tmp_path / "out" / "c")
    proc = _run(clean_docs, "run", *named, "-o", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert "a link inside the output folder" in proc.stderr
    assert _tree(victim) == {}
    written = [n for n in _tree(tmp_path / "out") if not n.startswith(".clean-docs/")]
    assert written == []


# -- the index ----------------------------------------------------------------


def test_the_same_file_typed_another_way_is_not_its_own_copy(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.txt").write_text(P1 + "\n" + P2, encoding="utf-8")
    for typed in ("in", str(tmp_path / "in"), "./in"):
        proc = _run(clean_docs, "run", typed, "-o", "out", "--across", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / "out" / "r.txt").read_text(encoding="utf-8") == P1 + "\n" + P2
    # a renamed file is a new document, and the old one is forgotten
    os.rename(tmp_path / "in" / "r.txt", tmp_path / "in" / "s.txt")
    proc = _run(clean_docs, "run", "in", "-o", "out", "--across", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "s.txt").read_text(encoding="utf-8") == P1 + "\n" + P2
    # check --index from a sub-folder: the file is not a copy of itself
    proc = _run(
        clean_docs,
        "check",
        "s.txt",
        "--index",
        "../out/.clean-docs/index.sqlite",
        cwd=tmp_path / "in",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_document_whose_twin_changed_is_processed_again(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / "in").mkdir()
    x, y = tmp_path / "in" / "x.txt", tmp_path / "in" / "y.txt"
    x.write_text(P1 + "\n" + P2, encoding="utf-8")
    y.write_text(P2 + "\n" + P3, encoding="utf-8")
    assert _run(clean_docs, "run", "in", "-o", "out", "--across", cwd=tmp_path).returncode == 0
    assert P2 not in (tmp_path / "out" / "y.txt").read_text(encoding="utf-8")
    x.write_text(P1 + "\n" + P4, encoding="utf-8")
    proc = _run(clean_docs, "run", "in", "-o", "out", "--across", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    kept = (tmp_path / "out" / "x.txt").read_text(encoding="utf-8") + (
        tmp_path / "out" / "y.txt"
    ).read_text(encoding="utf-8")
    assert P2 in kept  # in no output at all before


def test_a_skip_needs_the_outputs_this_input_wrote(tmp_path: Path, clean_docs: list[str]) -> None:
    for folder, word in (("A", "alpha"), ("B", "beta")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "r.txt").write_text(f"{word} {PARA}", encoding="utf-8")
    assert _run(clean_docs, "run", "A", "-o", "out", cwd=tmp_path).returncode == 0
    # B's file would take A's outputs: refused, A's outputs stay
    proc = _run(clean_docs, "run", "B", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 2 and "would both write r.txt" in proc.stderr
    assert (tmp_path / "out" / "r.txt").read_text(encoding="utf-8") == f"alpha {PARA}"
    # an output changed by hand is written again, not trusted
    (tmp_path / "out" / "r.txt").write_text("tampered\n", encoding="utf-8")
    proc = _run(clean_docs, "run", "A", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0 and "unchanged" in proc.stderr
    assert (tmp_path / "out" / "r.txt").read_text(encoding="utf-8") == f"alpha {PARA}"


def test_an_option_that_changes_outputs_decides_a_skip(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.txt").write_bytes("caf\u00e9 ".encode("latin-1") + PARA.encode())
    first = _run(clean_docs, "run", "in", "-o", "out", "--encoding", "cp1252", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = _run(clean_docs, "run", "in", "-o", "out", "--encoding", "koi8_r", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "out" / "r.txt").read_text(encoding="utf-8").startswith("caf\u0418 ")


def test_an_index_of_another_schema_or_damaged_is_no_traceback(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.txt").write_text(PARA, encoding="utf-8")
    index = tmp_path / "out" / ".clean-docs" / "index.sqlite"
    index.parent.mkdir(parents=True)
    db = sqlite3.connect(index)
    db.execute("CREATE TABLE docs (seq INTEGER PRIMARY KEY, path TEXT, entry TEXT)")
    db.execute("INSERT INTO docs (path, entry) VALUES ('in/r.txt', '{not json')")
    db.commit()
    db.close()
    proc = _run(clean_docs, "check", "in", "--index", str(index), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "index.sqlite" in proc.stderr
    proc = _run(clean_docs, "run", "in", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert (tmp_path / "out" / "r.txt").is_file()


def test_jobs_are_capped_by_inputs_cores_and_work(tmp_path: Path) -> None:
    from pipeline.batch import jobs_for
    from pipeline.inputs import Input, Options

    files = []
    for n in range(5):
        path = tmp_path / f"{n}.txt"
        path.write_text("x" * 1000, encoding="utf-8")
        files.append(Input(str(path), path.name, path.name))
    cores = os.cpu_count() or 1
    assert jobs_for(Options(jobs=1000), files[:3]) <= min(3, cores)
    assert jobs_for(Options(jobs=1000), files) <= cores
    assert jobs_for(Options(jobs=0), files) == 1
    # no workers for less work than pool_min_bytes (5,000 bytes here)
    assert jobs_for(Options(jobs=2, pool_min_bytes=5_001), files) == 1
    assert jobs_for(Options(jobs=2, pool_min_bytes=5_000), files) == min(2, cores)


@pytest.mark.parametrize("given", [[], ["-j", "2"]], ids=["default", "asked"])
def test_the_default_starts_no_workers_for_a_little_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: list[str]
) -> None:
    # Forking workers after the screen cost check 1.8 s on a 10 MB corpus
    # whose 41 KB went on to the precise stages; -j asked for is obeyed.
    from click.testing import CliRunner

    from pipeline import engine
    from pipeline.cli import main

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    started: list[int] = []
    monkeypatch.setattr(
        engine, "Processes", lambda jobs: started.append(jobs) or engine.InProcess()
    )
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(4):
        (folder / f"{n}.txt").write_text(f"Report {n}.\n" * 40, encoding="utf-8")
    for command in (["check", str(folder)], ["run", str(folder), "-o", str(tmp_path / "out")]):
        result = CliRunner().invoke(main, [*command, *given])
        assert result.exit_code == 0, result.output
    assert started == ([] if not given else [2, 2])


def test_an_unforeseen_error_is_exit_2_never_a_traceback_or_exit_1(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    # An internal error in `check` exited 1 ("duplicates found") with a
    # traceback. A document that makes the library fail stands in for any
    # bug: the sitecustomize hook below breaks dedupe for this run only.
    (tmp_path / "a.txt").write_text(PARA, encoding="utf-8")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import pipeline.batch\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('boom')\n"
        "pipeline.batch.process = broken\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(hook)}
    proc = subprocess.run(
        [*clean_docs, "check", "a.txt"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert proc.returncode == 2, proc.stderr
    assert "internal error: RuntimeError: boom" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_index_list_and_prune(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "in").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "in" / name).write_text(f"{name} {PARA}", encoding="utf-8")
    assert _run(clean_docs, "run", "in", "-o", "out", cwd=tmp_path).returncode == 0
    (tmp_path / "in" / "b.txt").unlink()
    listed = _run(clean_docs, "index", "list", "out", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [
        ["in/a.txt", "here"],
        ["in/b.txt", "gone"],
    ]
    pruned = _run(clean_docs, "index", "prune", "out", cwd=tmp_path)
    assert pruned.returncode == 0 and pruned.stdout == "dropped in/b.txt\n"
    listed = _run(clean_docs, "index", "list", "out", cwd=tmp_path)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["in/a.txt"]


@pytest.mark.parametrize("stem", ["x" * 244, "y" * 251, "报" * 80, "é" * 120])
def test_a_name_too_long_for_its_reports_is_an_error_and_the_batch_goes_on(
    tmp_path: Path, clean_docs: list[str], stem: str
) -> None:
    # "File name too long" aborted the batch with no summary before
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / f"{stem}.txt").write_text(PARA, encoding="utf-8")
    (tmp_path / "in" / "ok.txt").write_text(PARA, encoding="utf-8")
    proc = _run(clean_docs, "run", "in", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "a file name may take" in proc.stderr
    assert (tmp_path / "out" / "ok.txt").is_file() and (tmp_path / "out" / "summary.json").is_file()
