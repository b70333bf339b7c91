"""Every kind of nasty input in tests/nasty.py gets its expected outcome.

One `clean-docs run` over the committed corpus (tests/data/nasty) covers the
files; the kinds that cannot be committed are made here in a temporary
folder. Refused files get one line `path: error: reason` on stderr, the
others are still processed, and the exit code is 2.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO
from nasty import FILES, KINDS, Kind, table

from pipeline.cli import main

CORPUS = REPO / "tests" / "data" / "nasty"


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory, clean_docs: list[str]) -> dict:
    out = tmp_path_factory.mktemp("nasty") / "out"
    proc = subprocess.run(
        [*clean_docs, "run", str(CORPUS), "-o", str(out)], capture_output=True, text=True
    )
    errors: dict[str, str] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"(.*): error: (.*)$", line)
        if m:
            errors[Path(m.group(1)).name] = m.group(2)
    return {"code": proc.returncode, "errors": errors, "out": out, "stderr": proc.stderr}


def _report(out: Path, name: str) -> dict:
    return json.loads((out / (name + ".report.json")).read_text(encoding="utf-8"))


def test_committed_corpus_is_what_the_script_writes() -> None:
    on_disk = {p.name: p.read_bytes() for p in CORPUS.iterdir()}
    assert on_disk == FILES


def test_readme_table_is_the_kinds_list() -> None:
    assert table() in (REPO / "README.md").read_text(encoding="utf-8")


def test_refused_files_do_not_stop_the_others(corpus_run: dict) -> None:
    assert corpus_run["code"] == 2
    refused = {k.made_by for k in KINDS if k.error and k.made_by in FILES}
    assert set(corpus_run["errors"]) == refused
    processed = {p.name for p in corpus_run["out"].glob("*.txt")}
    assert processed == {name for name in FILES if name not in refused}
    assert "Traceback" not in corpus_run["stderr"]


@pytest.mark.parametrize("kind", [k for k in KINDS if k.made_by in FILES], ids=lambda k: k.made_by)
def test_each_committed_kind(kind: Kind, corpus_run: dict) -> None:
    if kind.error:
        assert kind.error in corpus_run["errors"][kind.made_by]
        return
    report = _report(corpus_run["out"], kind.made_by)
    assert report["source"]["encoding"] == kind.encoding
    assert 0.8 <= report["source"]["confidence"] <= 1.0
    text = (corpus_run["out"] / kind.made_by).read_text(encoding="utf-8")
    assert "\r" not in text and text.endswith("\n")


def test_legacy_encodings_are_decoded_right(corpus_run: dict) -> None:
    out = corpus_run["out"]
    assert "海关总署坚持" in (out / "gb18030.txt").read_text(encoding="utf-8")
    assert "海关总署坚持" in (out / "gbk.txt").read_text(encoding="utf-8")
    assert "全國人民代表大會" in (out / "big5.txt").read_text(encoding="utf-8")
    assert "“naïve” façades" in (out / "cp1252.txt").read_text(encoding="utf-8")
    assert "Ångström über Straße" in (out / "latin1.txt").read_text(encoding="utf-8")


def test_forced_encoding(tmp_path: Path, clean_docs: list[str]) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [*clean_docs, "run", str(CORPUS / "gbk.txt"), "--encoding", "gbk", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert _report(out, "gbk.txt")["source"]["encoding"] == "gbk"
    bad = subprocess.run(
        [*clean_docs, "check", str(CORPUS / "gbk.txt"), "--encoding", "utf-8"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "not valid utf-8 at byte" in bad.stderr


def test_repairs_are_listed_with_line_before_after(corpus_run: dict) -> None:
    out = corpus_run["out"]
    [fix] = _report(out, "mojibake_line.txt")["fixes"]
    assert fix["line"] == 5 and "Ã©" in fix["before"] and "café" in fix["after"]
    kinds = {f["kind"] for f in _report(out, "controls_c0_c1.txt")["fixes"]}
    assert kinds and "\x07" not in (out / "controls_c0_c1.txt").read_text(encoding="utf-8")
    assert "\x00" not in (out / "nul_bytes.txt").read_text(encoding="utf-8")
    assert "\u200b" not in (out / "zero_width.txt").read_text(encoding="utf-8")
    assert _report(out, "zero_width.txt")["fixes"]


def test_line_numbers_stay_the_inputs_own(corpus_run: dict) -> None:
    # _TWICE has 4 lines per copy; CR, CRLF and LF inputs report alike.
    for name in ("utf8.txt", "crlf.txt", "cr_only.txt"):
        [removed] = _report(corpus_run["out"], name)["removed"]
        assert (removed["start_line"], removed["end_line"]) == (5, 8), name


def test_html_report_escapes_document_text(corpus_run: dict) -> None:
    page = (corpus_run["out"] / "html_injection.txt.report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "</textarea><b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # nothing loaded from outside
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page


def test_leading_dash_name_given_after_double_dash(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "-rf.txt").write_bytes(FILES["utf8.txt"])
    proc = subprocess.run(
        [*clean_docs, "check", "--", "-rf.txt"], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 1 and proc.stdout.startswith("-rf.txt:5:"), proc.stdout


def test_ten_megabyte_single_line(tmp_path: Path, clean_docs: list[str]) -> None:
    import random

    rng = random.Random(1)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9)))
        for _ in range(20000)
    ]
    parts, size = [], 0
    while size < 10_000_000:
        sentence = " ".join(rng.choices(words, k=rng.randint(8, 20))) + ". "
        parts.append(sentence)
        size += len(sentence)
    half = "".join(parts[: len(parts) // 2])
    # the line said twice in a row, glued after a sentence: a stutter of 5 MB
    (tmp_path / "line.txt").write_text(half + half, encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "check", str(tmp_path / "line.txt")], capture_output=True, text=True
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count("duplicate:") == 1


def test_one_gigabyte_file_is_refused_before_reading(tmp_path: Path, clean_docs: list[str]) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(1_000_000_000)  # sparse: no disk, no time
    (tmp_path / "ok.txt").write_bytes(FILES["utf8.txt"])
    proc = subprocess.run(
        [*clean_docs, "check", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert f"{big.as_posix()}: error: 1000 MB is over the 16 MB limit per file" in proc.stderr
    assert "ok.txt:5: duplicate" in proc.stdout


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root, chmod 000 does not stop reading: the refusal is forced where
    # the operating system would raise it.
    locked = tmp_path / "locked.txt"
    locked.write_bytes(FILES["utf8.txt"])
    (tmp_path / "ok.txt").write_bytes(FILES["utf8.txt"])
    real = os.open

    def open_(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.path.basename(path) == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path, flags, *args, **kwargs)

    # read.read_limited opens the file with os.open
    monkeypatch.setattr(os, "open", open_)
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{locked.as_posix()}: error: permission denied" in result.output
    assert "ok.txt:5: duplicate" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_for_real(tmp_path: Path, clean_docs: list[str]) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_bytes(FILES["utf8.txt"])
    locked.chmod(0)
    proc = subprocess.run([*clean_docs, "check", str(locked)], capture_output=True, text=True)
    assert proc.returncode == 2 and "permission denied" in proc.stderr


def test_symlink_loop(tmp_path: Path, clean_docs: list[str]) -> None:
    os.symlink("b.txt", tmp_path / "a.txt")
    os.symlink("a.txt", tmp_path / "b.txt")
    os.symlink(".", tmp_path / "self")  # a folder loop: walked once
    (tmp_path / "ok.txt").write_bytes(FILES["utf8.txt"])
    proc = subprocess.run([*clean_docs, "check", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("symbolic links") == 2, proc.stderr
    assert proc.stdout.count("ok.txt:5: duplicate") == 1, proc.stdout


def test_folder_with_no_text_files(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "scan.pdf").write_bytes(FILES["pdf_named.txt"])
    proc = subprocess.run(
        [*clean_docs, "check", str(tmp_path / "empty")], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "error: no text files found in this folder" in proc.stderr


def test_output_inside_the_input_is_refused(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(FILES["utf8.txt"])
    for out in (tmp_path / "in", tmp_path / "in" / "out"):
        proc = subprocess.run(
            [*clean_docs, "run", str(tmp_path / "in"), "-o", str(out)],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2 and "refusing to write into the input" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["a.txt"]


def test_output_mirrors_the_input_tree(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "in" / "2022" / "deep").mkdir(parents=True)
    (tmp_path / "in" / "2022" / "deep" / "a.txt").write_bytes(FILES["utf8.txt"])
    proc = subprocess.run(
        [*clean_docs, "run", str(tmp_path / "in"), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    written = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")}
    assert "2022/deep/a.txt" in written
    assert all(not w.startswith("..") for w in written)
    # nothing outside DIR
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_output_folder_not_writable(tmp_path: Path, clean_docs: list[str]) -> None:
    # A plain file where a folder of the output path should be: writing
    # must fail cleanly (a read-only folder does not stop root, which CI
    # may be).
    (tmp_path / "a.txt").write_bytes(FILES["utf8.txt"])
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "run", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out" / "sub")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr and "Traceback" not in proc.stderr


def test_disk_full_while_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_bytes(FILES["utf8.txt"])
    out = tmp_path / "out"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "a.txt"), "-o", str(out)])
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    # no partial or temporary file left behind
    assert [p for p in out.rglob("*") if p.is_file() and ".clean-docs" not in p.parts] == []


def test_no_input_name_writes_outside_the_output_folder(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    # A file given as ../x.txt, a link to a folder outside the input, a link
    # to a file outside: every output lands under DIR.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.txt").write_bytes(FILES["utf8.txt"])
    work = tmp_path / "work"
    (work / "in").mkdir(parents=True)
    os.symlink(elsewhere, work / "in" / "linked")
    os.symlink(elsewhere / "far.txt", work / "in" / "far-link.txt")
    (tmp_path / "up.txt").write_bytes(FILES["utf8.txt"])
    proc = subprocess.run(
        [*clean_docs, "run", "in", "../up.txt", "-o", "out"],
        capture_output=True,
        text=True,
        cwd=work,
    )
    assert proc.returncode == 0, proc.stderr
    out = (work / "out").resolve()
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {p.relative_to(out).as_posix() for p in written} >= {
        "up.txt",
        "far-link.txt",
    }
    # the file behind two links is one document, cleaned once
    assert not (out / "linked" / "far.txt").exists()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["far.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "up.txt", "work"]
