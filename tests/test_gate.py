"""The CI gate: the README's workflow command and the pre-commit hook; what
`check` prints (issue 15): input errors in every format, findings in corpus
records at a real place, the count line and its colour, --verbose, --diff,
and standard input."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

DOC = "海关总署坚持以习近平新时代中国特色社会主义思想为指导，全面推进法治海关建设，取得明显成效。\n"
PARA = "".join(
    f"第{i}条 各级海关应当依法履行职责，加强执法监督，规范执法行为，提升执法水平，切实维护当事人合法权益。\n"
    for i in range(1, 6)
)


def _workflow_command() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n# \.github/workflows/duplicates\.yml\n(.*?)```", readme, re.S)
    assert block, "the workflow sample is gone from README"
    runs = re.findall(r"- run: (.*)", block.group(1))
    return shlex.split(runs[-1])


def test_readme_workflow_command_annotates_duplicates(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    argv = _workflow_command()
    assert argv[:2] == ["clean-docs", "check"]
    (tmp_path / "reports" / "2022").mkdir(parents=True)
    (tmp_path / "reports" / "2022" / "a.txt").write_text(PARA + PARA, encoding="utf-8")
    (tmp_path / "reports" / "2022" / "b.txt").write_text(DOC, encoding="utf-8")
    proc = subprocess.run([*clean_docs, *argv[1:]], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        "::error file=reports/2022/a.txt,line=6,endLine=10,title=duplicated content::"
        "lines 6-10 repeat reports/2022/a.txt lines 1-5 (similarity 1.000)"
    ]
    (tmp_path / "reports" / "2022" / "a.txt").write_text(PARA, encoding="utf-8")
    clean = subprocess.run([*clean_docs, *argv[1:]], capture_output=True, text=True, cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""


def test_pre_commit_hook_runs_check_on_the_files_given(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    entry = re.search(r"^\s*entry: (.*)$", hooks, re.M)
    pattern = re.search(r"^\s*files: (.*)$", hooks, re.M)
    assert "id: clean-docs-check" in hooks and entry and pattern
    assert shlex.split(entry.group(1)) == ["clean-docs", "check"]
    files = {"dup.txt": PARA + PARA, "ok.md": DOC, "data.csv": "a,b\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # pre-commit passes the staged files that match `files`
    staged = sorted(n for n in files if re.search(pattern.group(1), n))
    assert staged == ["dup.txt", "ok.md"]
    proc = subprocess.run(
        [*clean_docs, "check", *staged], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith("dup.txt:6: duplicate: lines 6-10 repeat lines 1-5")


# -- issue 15: what the gate prints ------------------------------------------------------

TWICE = PARA + PARA
PROSE = (
    "The board agreed to rebuild the quay wall before the winter storms came, "
    "and it set aside the money for it.\n"
)
MIDDLE = "".join(
    f"Item {i}: the harbour master reported on berth {i} and the dredging plan for the year.\n\n"
    for i in range(6)
)
FAR = "# Minutes\n\n" + PROSE + "\n" + MIDDLE + PROSE  # a far repeat: kept (K6)

# Inputs that cannot be checked, and the reason each is given.
UNREADABLE: dict[str, tuple[bytes | None, str]] = {
    "png.txt": (b"\x89PNG\r\n\x1a\n" + bytes(100), "looks like a PNG image, not text"),
    "zip.md": (b"PK\x03\x04" + bytes(60) + b"payload", "looks like"),
    "empty.txt": (b"", "empty file"),
    "blank.rst": (b" \n\n\t\n", "holds only white space"),
    "latin.txt": (b"abc \xfa not utf-8 \x81", "not UTF-8"),
    "missing.txt": (None, "no such file or directory"),
}


def _gate(
    clean_docs: list[str], *args: str, cwd: Path, **kw: object
) -> subprocess.CompletedProcess:
    return subprocess.run(  # type: ignore[call-overload]
        [*clean_docs, "check", *args], capture_output=True, text=True, cwd=cwd, **kw
    )


def _put(root: Path, files: dict[str, str | bytes | None]) -> None:
    for name, data in files.items():
        if data is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


@pytest.mark.parametrize(
    ("paths", "code"),
    [
        (["docs/a/README.md", "docs/b/README.md"], 1),  # one output name, two files
        (["docs/b/README.md", "docs/c/README.md"], 0),
        (["docs/a/README.md", "docs/a/README.md"], 1),
        (["docs/a/README.md", "./docs/a/README.md", "docs"], 1),
        (["link.md", "docs/a/README.md"], 1),
        (["docs", "docs/a"], 1),
    ],
)
def test_check_takes_each_file_once_and_never_refuses_for_names(
    tmp_path: Path, clean_docs: list[str], paths: list[str], code: int
) -> None:
    # `check` writes nothing: names `run` could not write side by side are
    # no error, and a file met twice is checked (and reported) once.
    _put(tmp_path, {"docs/a/README.md": TWICE, "docs/b/README.md": DOC, "docs/c/README.md": FAR})
    os.symlink("docs/a/README.md", tmp_path / "link.md")
    proc = _gate(clean_docs, *paths, "--format", "json", cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    places = [(f["path"], f["start_line"]) for f in report["findings"]]
    assert len(places) == len(set(places)) == code


@pytest.mark.parametrize("bad", UNREADABLE)
def test_json_format_carries_input_errors_and_counts(
    tmp_path: Path, clean_docs: list[str], bad: str
) -> None:
    data, reason = UNREADABLE[bad]
    _put(tmp_path, {"in/dup.txt": TWICE, "in/ok.md": DOC, f"in/{bad}": data})
    proc = _gate(clean_docs, "in", f"in/{bad}", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert report["schema"] == "clean-docs.check/1"
    assert [(f["path"], f["start_line"], f["rule"]) for f in report["findings"]] == [
        ("in/dup.txt", 6, "R1")
    ]
    [error] = report["errors"]
    assert error["path"] == error["file"] == f"in/{bad}" and error["line"] is None
    assert reason in error["reason"]
    # the same reason stderr gives
    assert f"in/{bad}: error: {error['reason']}" in proc.stderr
    assert report["counts"] == {"findings": 1, "files": 2, "files_with_findings": 1, "errors": 1}


def _annotation(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the Actions runner parses it."""
    assert line.startswith("::"), line
    head, _, message = line[2:].partition("::")
    command, _, props = head.partition(" ")

    def unescape(text: str) -> str:
        for code, ch in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
            text = text.replace(code, ch)
        return text

    fields = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    return command, {k: unescape(v) for k, v in fields.items()}, unescape(message)


@pytest.mark.parametrize("bad", [*UNREADABLE, "a,line=9:x.txt", "two\nlines.txt"])
def test_github_format_annotates_input_errors(
    tmp_path: Path, clean_docs: list[str], bad: str
) -> None:
    data, reason = UNREADABLE.get(bad, (b"\x89PNG\r\n\x1a\n" + bytes(100), "looks like a PNG"))
    _put(tmp_path, {"in/dup.txt": TWICE, f"in/{bad}": data})
    proc = _gate(clean_docs, "in", f"in/{bad}", "--format", "github", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, lines  # one finding, one error: nothing forged by a name
    assert _annotation(lines[0])[1]["file"] == "in/dup.txt"
    command, props, message = _annotation(lines[1])
    assert command == "error"
    assert props == {"file": f"in/{bad}", "title": "cannot check"}
    assert reason in message


def _jsonl(records: list[dict[str, object] | str], layout: str) -> tuple[bytes, dict[str, int]]:
    """A JSONL corpus laid out as `layout` says, and the line each record
    with an id is on."""
    out: list[bytes] = []
    lines: dict[str, int] = {}
    if layout == "bom":
        out.append(b"\xef\xbb\xbf")
    end = b"\r\n" if layout == "crlf" else b"\n"
    number = 0
    for r in records:
        if layout == "blank-lines":
            out.append(b"  " + end)
            number += 1
        number += 1
        if isinstance(r, str):
            out.append(r.encode() + end)
        else:
            out.append(json.dumps(r, ensure_ascii=False).encode() + end)
            lines[str(r["id"])] = number
    return b"".join(out), lines


RECORDS: list[dict[str, object] | str] = [
    {"id": "a-1", "text": PARA + PARA},
    {"id": "b#2", "text": DOC},
    "{not json",
    {"id": "c-3", "text": "Section 1. A different opening.\n" + PARA},
    {"id": "d-4", "body": "no text"},
    {"id": "e-5", "text": ""},
    {"id": "f-6", "text": "中文一行。\n" + TWICE},
]


@pytest.mark.parametrize("layout", ["plain", "blank-lines", "crlf", "bom"])
def test_corpus_findings_and_errors_name_the_corpus_and_the_records_line(
    tmp_path: Path, clean_docs: list[str], layout: str
) -> None:
    data, line_of = _jsonl(RECORDS, layout)
    (tmp_path / "pages.jsonl").write_bytes(data)
    # the line each record is on, as an editor counts them
    for rid, number in line_of.items():
        assert data.split(b"\n")[number - 1].find(rid.encode()) > 0
    report = json.loads(
        _gate(
            clean_docs, "pages.jsonl", "--id-field", "id", "--format", "json", cwd=tmp_path
        ).stdout
    )
    found = {(f["record"], f["start_line"]): f for f in report["findings"]}
    assert set(found) == {("a-1", 6), ("c-3", 2), ("f-6", 2), ("f-6", 7)}
    for (rid, _), f in found.items():
        assert f["file"] == "pages.jsonl" and f["line"] == line_of[rid]
        assert f["path"] == f"pages.jsonl#{rid}"
    errors = {e["path"]: e for e in report["errors"]}
    bad_line = 6 if layout == "blank-lines" else 3
    assert errors[f"pages.jsonl:{bad_line}"]["file"] == "pages.jsonl"
    assert errors[f"pages.jsonl:{bad_line}"]["line"] == bad_line
    assert errors["pages.jsonl#e-5"]["line"] == line_of["e-5"]
    assert errors["pages.jsonl#e-5"]["record"] == "e-5"

    text = _gate(clean_docs, "pages.jsonl", "--id-field", "id", cwd=tmp_path)
    assert text.returncode == 2
    assert (
        f"pages.jsonl:{line_of['c-3']}: duplicate: record c-3 lines 2-6 repeat pages.jsonl#a-1 "
        "lines 1-5" in text.stdout
    )
    github = _gate(
        clean_docs, "pages.jsonl", "--id-field", "id", "--format", "github", cwd=tmp_path
    )
    annotations = [_annotation(line) for line in github.stdout.splitlines()]
    for command, props, message in annotations:
        assert props["file"] == "pages.jsonl", props
        assert command == "error"
        if props["title"] == "duplicated content":
            rid = message.split()[1]
            assert message.startswith(f"record {rid} lines ")
            assert props["line"] == str(line_of[rid])
    assert (
        "error",
        {"file": "pages.jsonl", "line": str(line_of["e-5"]), "title": "cannot check"},
        "record e-5: empty record",
    ) in annotations


def test_parquet_findings_name_the_corpus_and_the_row(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    english = "".join(f"Section {i}. The agency trained staff in every region.\n" for i in range(5))
    texts = [DOC, TWICE, None, "Said once.\n", english * 2, MIDDLE + MIDDLE, "Said once, too.\n"]
    table = pa.table({"id": [f"r{i}" for i in range(1, 8)], "text": texts})
    pq.write_table(table, tmp_path / "rows.parquet", row_group_size=3)
    proc = _gate(clean_docs, "rows.parquet", "--id-field", "id", "--format", "json", cwd=tmp_path)
    report = json.loads(proc.stdout)
    # rows from 1 across row groups of 3: r5 is row 5 (the second group's second)
    assert {(f["record"], f["line"], f["file"]) for f in report["findings"]} == {
        ("r2", 2, "rows.parquet"),
        ("r5", 5, "rows.parquet"),
        ("r6", 6, "rows.parquet"),
    }
    [error] = report["errors"]
    assert (error["file"], error["line"]) == ("rows.parquet", 3)


@pytest.mark.parametrize(
    ("files", "last"),
    [
        ({"a.md": DOC}, "no duplicated content in 1 file"),
        ({"a.md": DOC, "b.md": FAR}, "no duplicated content in 2 files"),
        ({"a.md": TWICE}, "1 duplicated region in 1 of 1 file"),
        (
            # c.md is a.md but for one letter: one finding, a duplicate document
            {"a.md": TWICE, "b.md": DOC, "c.md": "x\n" + TWICE},
            "2 duplicated regions in 2 of 3 files",
        ),
        (
            {"a.md": TWICE, "p.txt": b"\x89PNG\r\n\x1a\n" + bytes(100)},
            "1 duplicated region in 1 of 1 file; 1 error (inputs not checked)",
        ),
        (
            {"a.md": DOC, "p.txt": b"", "q.txt": b"\xff\xfe\x00"},
            "no duplicated content in 1 file; 2 errors (inputs not checked)",
        ),
    ],
)
def test_text_format_ends_with_a_count_line(
    tmp_path: Path, clean_docs: list[str], files: dict[str, str | bytes], last: str
) -> None:
    _put(tmp_path / "in", files)  # type: ignore[arg-type]
    proc = _gate(clean_docs, "in", cwd=tmp_path)
    assert proc.stdout.splitlines()[-1] == last
    assert "\x1b[" not in proc.stdout  # not a terminal: no colour
    quiet = _gate(clean_docs, "in", "-q", cwd=tmp_path)
    assert quiet.stdout.splitlines() == proc.stdout.splitlines()[:-1]
    assert quiet.returncode == proc.returncode


def _on_a_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What a command prints to a terminal (a pseudo-terminal here)."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8")


@pytest.mark.parametrize(
    ("flags", "no_color", "terminal", "coloured"),
    [
        ([], None, True, True),
        ([], "1", True, False),
        ([], "", True, True),  # NO_COLOR empty: not set (no-color.org)
        (["--no-color"], None, True, False),
        (["--color"], "1", True, True),  # the flag says what this run wants
        ([], None, False, False),
        (["--color"], None, False, True),
    ],
)
def test_count_line_is_coloured_on_a_terminal_unless_told_not_to(
    tmp_path: Path,
    clean_docs: list[str],
    flags: list[str],
    no_color: str | None,
    terminal: bool,
    coloured: bool,
) -> None:
    (tmp_path / "a.md").write_text(TWICE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color is not None:
        env["NO_COLOR"] = no_color
    argv = [*clean_docs, "check", "a.md", *flags]
    if terminal:
        out = _on_a_terminal(argv, tmp_path, env)
    else:
        out = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True).stdout
    last = out.splitlines()[-1]
    assert ("\x1b[" in last) == coloured, repr(last)
    assert "1 duplicated region in 1 of 1 file" in last
    assert "\x1b[" not in out.splitlines()[0]  # findings stay plain


def test_verbose_names_each_document_and_the_repeats_kept(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    _put(tmp_path / "in", {"a.md": DOC, "b.md": FAR, "c.md": TWICE})
    proc = _gate(clean_docs, "in", "--verbose", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == "checked in/a.md: no duplicated content"
    assert lines[1] == "checked in/b.md: no duplicated content, 1 repeat kept"
    assert lines[2].startswith("in/b.md:17: kept (K6 far-repeat): lines 17-17 repeat lines 3-3 ")
    assert lines[2].endswith(
        "): repeats an earlier passage away from it: a quotation, a restated clause, a refrain"
    )
    assert lines[3] == "checked in/c.md: 1 duplicated region"
    assert lines[4].startswith("in/c.md:6: duplicate: lines 6-10 repeat lines 1-5")
    assert lines[5] == "1 duplicated region in 1 of 3 files"
    assert len(lines) == 6

    report = json.loads(_gate(clean_docs, "in", "-v", "--format", "json", cwd=tmp_path).stdout)
    assert report["checked"] == ["in/a.md", "in/b.md", "in/c.md"]
    [kept] = report["kept"]
    assert (kept["path"], kept["rule"], kept["start_line"]) == ("in/b.md", "K6", 17)
    assert kept["reason"].startswith("repeats an earlier passage")
    github = _gate(clean_docs, "in", "-v", "--format", "github", cwd=tmp_path)
    notices = [_annotation(x) for x in github.stdout.splitlines() if x.startswith("::notice")]
    assert [(p["file"], p["line"], p["title"]) for _, p, _ in notices] == [
        ("in/b.md", "17", "kept (K6 far-repeat)")
    ]
    # without --verbose: neither
    assert "kept" not in json.loads(
        _gate(clean_docs, "in", "--format", "json", cwd=tmp_path).stdout
    )
    assert "::notice" not in _gate(clean_docs, "in", "--format", "github", cwd=tmp_path).stdout


DIFF_CASES: dict[str, bytes] = {
    "lf": TWICE.encode(),
    "crlf": TWICE.replace("\n", "\r\n").encode(),
    "bom-crlf": b"\xef\xbb\xbf" + TWICE.replace("\n", "\r\n").encode(),
    "no-final-newline": TWICE.rstrip("\n").encode(),
    "trailing-white-space": TWICE.replace("\n", "  \n").encode(),
    "paragraph": ("# Minutes\n\n" + PROSE + "\n" + PROSE + "\n" + MIDDLE).encode(),
    "near-copy": (
        PARA + PARA.replace("依法", "依去", 1).replace("监督", "监替", 1).replace("规范", "规氾", 1)
    ).encode(),
}


@pytest.mark.parametrize("tool", ["git apply", "patch -p1"])
def test_check_diff_prints_the_patch_fix_applies(
    tmp_path: Path, clean_docs: list[str], tool: str
) -> None:
    import shutil

    if shutil.which(tool.split()[0]) is None:
        pytest.skip(f"needs {tool}")
    files = {f"in/{k}.txt": v for k, v in DIFF_CASES.items()} | {"in/clean.txt": DOC.encode()}
    _put(tmp_path / "orig", files)  # type: ignore[arg-type]
    _put(tmp_path / "fixed", files)  # type: ignore[arg-type]
    proc = subprocess.run(
        [*clean_docs, "check", "in", "--diff"], capture_output=True, cwd=tmp_path / "orig"
    )
    assert proc.returncode == 1
    patch = proc.stdout
    assert patch.count(b"\n+++ b/in/") == len(DIFF_CASES)
    # the findings and the count on stderr, the patch alone on stdout
    assert b"in/lf.txt:6: duplicate:" in proc.stderr and b": duplicate:" not in patch
    assert proc.stderr.endswith(b" duplicated regions in 7 of 8 files\n")
    assert b"in/clean.txt" not in patch
    # run's clean copies, and fix in a copy of the tree: what the patch must give
    run = subprocess.run(
        [*clean_docs, "run", "in", "-o", str(tmp_path / "out"), "-q"], cwd=tmp_path / "orig"
    )
    assert run.returncode == 0
    fix = subprocess.run([*clean_docs, "fix", "in"], capture_output=True, cwd=tmp_path / "fixed")
    assert fix.returncode == 1, fix.stderr
    applied = subprocess.run(
        [*tool.split(), "-"] if tool == "git apply" else tool.split(),
        input=patch,
        cwd=tmp_path / "orig",
        capture_output=True,
    )
    assert applied.returncode == 0, applied.stderr
    for name in files:
        patched = (tmp_path / "orig" / name).read_bytes()
        assert patched == (tmp_path / "out" / Path(name).name).read_bytes(), name
        assert patched == (tmp_path / "fixed" / name).read_bytes(), name
    again = subprocess.run(
        [*clean_docs, "check", "in", "--diff"], capture_output=True, cwd=tmp_path / "orig"
    )
    assert again.stdout == b""  # nothing more to remove; the copies across files stay findings
    left = json.loads(
        subprocess.run(
            [*clean_docs, "check", "in", "--format", "json"],
            capture_output=True,
            cwd=tmp_path / "orig",
        ).stdout
    )
    # the same document in each encoding and line end: whole-document copies
    assert {f["rule"] for f in left["findings"]} == {"R6"}


def test_check_diff_goes_with_the_text_format_only(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "a.md").write_text(TWICE, encoding="utf-8")
    for fmt in ("json", "github"):
        proc = _gate(clean_docs, "a.md", "--diff", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == 2 and proc.stdout == ""
        assert "--diff prints patches: it goes with --format text only" in proc.stderr


@pytest.mark.parametrize(
    ("data", "code", "first"),
    [
        (TWICE.encode(), 1, "<stdin>:6: duplicate: lines 6-10 repeat lines 1-5"),
        (TWICE.replace("\n", "\r\n").encode("utf-16"), 1, "<stdin>:6: duplicate: lines 6-10"),
        (DOC.encode(), 0, "no duplicated content in 1 file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), 2, "no duplicated content in 0 files; 1 error"),
        (b"", 2, "no duplicated content in 0 files; 1 error"),
    ],
    ids=["paste", "utf-16-crlf", "clean", "png", "empty"],
)
def test_check_dash_reads_standard_input(
    tmp_path: Path, clean_docs: list[str], data: bytes, code: int, first: str
) -> None:
    proc = subprocess.run(
        [*clean_docs, "check", "-"], input=data, capture_output=True, cwd=tmp_path
    )
    assert proc.returncode == code
    assert proc.stdout.decode().startswith(first)
    if code == 2:
        assert proc.stderr.decode().startswith("<stdin>: error: ")
        report = json.loads(
            subprocess.run(
                [*clean_docs, "check", "-", "--format", "json"], input=data, capture_output=True
            ).stdout
        )
        assert [e["path"] for e in report["errors"]] == ["<stdin>"]


def test_check_dash_takes_its_place_among_the_paths(tmp_path: Path, clean_docs: list[str]) -> None:
    # first occurrence wins across files: standard input given second
    # repeats the file before it, given first it is repeated by it
    _put(tmp_path, {"a.md": PARA, "b.md": DOC})
    after = _gate(
        clean_docs, "a.md", "-", "b.md", "-", "--format", "json", cwd=tmp_path, input=PARA
    )
    [f] = json.loads(after.stdout)["findings"]
    assert (f["path"], f["duplicate_of"]["path"]) == ("<stdin>", "a.md")
    before = _gate(clean_docs, "-", "a.md", "a.md", "--format", "json", cwd=tmp_path, input=PARA)
    report = json.loads(before.stdout)
    [f] = report["findings"]
    assert (f["path"], f["duplicate_of"]["path"]) == ("a.md", "<stdin>")
    assert report["counts"]["files"] == 2


@pytest.mark.parametrize(
    ("encoding", "said"),
    [("foo", "unknown encoding 'foo'"), ("rot13", "'rot13' is not a text encoding")],
)
@pytest.mark.parametrize("command", ["check", "fix", "run"])
def test_an_unknown_encoding_is_one_usage_error_not_one_per_file(
    tmp_path: Path, clean_docs: list[str], command: str, encoding: str, said: str
) -> None:
    """`--encoding foo` is the user's mistake once, whatever the number of
    files: a usage error naming the option, exit 2, nothing read or written."""
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(DOC, encoding="utf-8")
    args = [*clean_docs, command, "--encoding", encoding, "a.txt", "b.txt", "c.txt"]
    if command == "run":
        args += ["-o", "out"]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count(said) == 1, proc.stderr
    assert "--encoding" in proc.stderr and "a.txt" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_line_of_a_corpus_that_is_not_json_is_placed_to_the_column(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    """The JSON error says the whole reason and where in the line it is."""
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"id": "a", "text": DOC}) + '\n{"id": "b", "text": "y",,}\n', encoding="utf-8"
    )
    proc = subprocess.run(
        [*clean_docs, "check", "--id-field", "id", "c.jsonl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert (
        "c.jsonl:2: error: not JSON at column 25: Expecting property name enclosed in double "
        "quotes\n" in proc.stderr
    ), proc.stderr
