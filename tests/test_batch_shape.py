"""Batches that keep their shape, and the configuration of a batch (issue 15).

A yearly batch grows: a later run that names a sub-folder or a file places
its outputs where a run of the whole batch would, processes only what is
new, and summary.json lists the whole batch; the outputs of inputs that
are gone are removed unless a person changed them. The configuration sets
include, exclude, jobs, across and gitignore; .gitignore files are
respected; include and exclude are gitignore patterns from the root that
match at any depth. Each test failed before this change.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

REPORT_SUFFIXES = (".diff", ".report.json", ".report.html")


def _paragraph(who: str, what: str) -> str:
    return (
        f"The {who} reviewed the {what} and adopted a new schedule after a broad "
        f"consultation. Residents, experts and local agencies of the {who} sent written "
        f"comments on the {what}, and the {who} answered each of them in public before "
        f"the vote that closed the review of the {what} for this year.\n"
    )


def _doc(name: str) -> str:
    """A distinct document per name: a paragraph of its own."""
    return _paragraph(f"council of {name}", f"plans of {name}")


def _pasted(name: str) -> str:
    """A document that holds its text twice: `check` reports it."""
    return _doc(name) + "\n" + _doc(name)


def _cli(clean_docs: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*clean_docs, *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def _ok(clean_docs: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = _cli(clean_docs, *args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _clean_copies(out: Path) -> set[str]:
    """The clean copies under DIR (its own files and the reports aside)."""
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file()
        and ".clean-docs" not in p.relative_to(out).parts
        and p.name not in ("summary.json", "index.html")
        and not p.name.endswith(REPORT_SUFFIXES)
    }


def _stamps(out: Path) -> dict[str, tuple[int, int]]:
    """Each output's inode and modification time: a file written again
    (atomically, by a rename) gets another inode."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file()
        and p.name not in ("summary.json", "index.html")
        and ".clean-docs" not in p.relative_to(out).parts
    }


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


YEARS = {f"years/{y}/gwr_{y}_{k}.txt": _doc(f"{y}-{k}") for y in (2020, 2021) for k in (1, 2)}


# -- a batch keeps its shape --------------------------------------------------


def _forget_root(out: Path) -> None:
    """Make the index look like one written before roots were recorded."""
    db = sqlite3.connect(out / ".clean-docs" / "index.sqlite")
    db.execute("DELETE FROM meta WHERE key = 'base'")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("named", "old_index"),
    [
        ("years/2019", False),  # the issue: a new year's folder
        ("./years/2019/", False),  # typed another way
        ("{abs}/years/2019", False),  # absolute
        ("years/2019/gwr_2019.txt", False),  # one file of it
        ("years/2019/q1", False),  # a folder two levels down
        ("years/2019", True),  # into an index of an earlier version
    ],
)
def test_a_sub_folder_run_into_a_batch_keeps_its_shape(
    tmp_path: Path, clean_docs: list[str], named: str, old_index: bool
) -> None:
    _write(tmp_path, YEARS)
    out = tmp_path / "out"
    _ok(clean_docs, "run", "years", "-o", "out", cwd=tmp_path)
    if old_index:
        _forget_root(out)
    before = _stamps(out)
    _write(
        tmp_path,
        {"years/2019/gwr_2019.txt": _pasted("2019"), "years/2019/q1/gwr_q1.txt": _doc("q1")},
    )
    target = named.format(abs=tmp_path)
    _ok(clean_docs, "run", target, "-o", "out", cwd=tmp_path)
    new = (
        {"2019/gwr_2019.txt"}
        if target.endswith(".txt")
        else {"2019/q1/gwr_q1.txt"}
        if target.endswith("q1")
        else {"2019/gwr_2019.txt", "2019/q1/gwr_q1.txt"}
    )
    old = {name.removeprefix("years/") for name in YEARS}
    # the layout a run of the whole batch writes, nothing beside it
    assert _clean_copies(out) == old | new
    for name in new:
        assert all((out / (name + suffix)).is_file() for suffix in REPORT_SUFFIXES)
    # only the new files were processed: the others' outputs are untouched
    after = _stamps(out)
    assert {k: v for k, v in after.items() if k in before} == before
    # the 2019 copy was cleaned, in its place
    if "2019/gwr_2019.txt" in new:
        assert (out / "2019/gwr_2019.txt").read_text(encoding="utf-8").strip() == _doc(
            "2019"
        ).strip()
    # summary.json and index.html show the whole batch
    summary = _summary(out)
    listed = {f["output"] for f in summary["files"]}
    assert listed == old | new
    assert summary["totals"]["files"] == len(old | new)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert all(Path(name).name in page for name in old | new)
    # and a run of the whole batch afterwards leaves all that in place
    again = _ok(clean_docs, "run", "years", "-o", "out", cwd=tmp_path)
    final = _stamps(out)
    assert {k: v for k, v in final.items() if k in after} == after, again.stderr
    assert _clean_copies(out) == old | {"2019/gwr_2019.txt", "2019/q1/gwr_q1.txt"}


@pytest.mark.parametrize(
    "first",
    [
        ["years/2020", "years/2021"],  # two years, one file name in each
        ["years/2021", "years/2020/"],  # in another order, typed another way
    ],
)
def test_several_folders_mirror_their_common_folder(
    tmp_path: Path, clean_docs: list[str], first: list[str]
) -> None:
    _write(tmp_path, {f"years/{y}/report.txt": _doc(str(y)) for y in (2020, 2021, 2022)})
    out = tmp_path / "out"
    _ok(clean_docs, "run", *first, "-o", "out", cwd=tmp_path)
    assert _clean_copies(out) == {"2020/report.txt", "2021/report.txt"}
    _ok(clean_docs, "run", "years/2022", "-o", "out", cwd=tmp_path)
    assert _clean_copies(out) == {"2020/report.txt", "2021/report.txt", "2022/report.txt"}
    assert (out / "2022/report.txt").read_text(encoding="utf-8") == _doc("2022")


# -- outputs of inputs that are gone ---------------------------------------------


def _gone_file(root: Path) -> set[str]:
    (root / "years/2020/gwr_2020_1.txt").unlink()
    return {"2020/gwr_2020_1.txt"}


def _gone_folder(root: Path) -> set[str]:
    for name in ("gwr_2020_1.txt", "gwr_2020_2.txt"):
        (root / "years/2020" / name).unlink()
    (root / "years/2020").rmdir()
    return {"2020/gwr_2020_1.txt", "2020/gwr_2020_2.txt"}


def _renamed(root: Path) -> set[str]:
    os.rename(root / "years/2021/gwr_2021_2.txt", root / "years/2021/gwr_2021_9.txt")
    return {"2021/gwr_2021_2.txt"}


@pytest.mark.parametrize("how", [_gone_file, _gone_folder, _renamed])
@pytest.mark.parametrize("named", ["years", "years/2021"])
def test_outputs_of_inputs_that_are_gone_are_removed_and_listed(
    tmp_path: Path, clean_docs: list[str], how, named: str
) -> None:
    _write(tmp_path, YEARS)
    out = tmp_path / "out"
    _ok(clean_docs, "run", "years", "-o", "out", cwd=tmp_path)
    gone = how(tmp_path)
    proc = _ok(clean_docs, "run", named, "-o", "out", cwd=tmp_path)
    removed = {name + suffix for name in gone for suffix in ("", *REPORT_SUFFIXES)}
    assert not any((out / name).exists() for name in removed)
    summary = _summary(out)
    assert set(summary["removed_outputs"]) == removed
    assert summary["kept_changed_outputs"] == []
    assert all(name in proc.stderr for name in gone)
    if how is _gone_folder:
        assert not (out / "2020").exists()  # the folder left empty went too
    listed = {f["output"] for f in summary["files"]}
    assert not listed & gone and listed
    # every output left is a listed document's
    assert _clean_copies(out) == listed


def _edited(path: Path, victim: Path) -> None:
    path.write_text("a person's notes on this copy\n", encoding="utf-8")


def _linked(path: Path, victim: Path) -> None:
    path.unlink()
    os.symlink(victim, path)


@pytest.mark.parametrize("change", [_edited, _linked])
def test_an_output_changed_since_it_was_written_is_kept_and_listed(
    tmp_path: Path, clean_docs: list[str], change
) -> None:
    _write(tmp_path, YEARS)
    victim = tmp_path / "victim.txt"
    victim.write_text("VICTIM\n", encoding="utf-8")
    out = tmp_path / "out"
    _ok(clean_docs, "run", "years", "-o", "out", cwd=tmp_path)
    change(out / "2020/gwr_2020_1.txt.diff", victim)
    (tmp_path / "years/2020/gwr_2020_1.txt").unlink()
    proc = _ok(clean_docs, "run", "years", "-o", "out", cwd=tmp_path)
    summary = _summary(out)
    assert summary["kept_changed_outputs"] == ["2020/gwr_2020_1.txt.diff"]
    assert os.path.lexists(out / "2020/gwr_2020_1.txt.diff")
    assert victim.read_text(encoding="utf-8") == "VICTIM\n"
    assert set(summary["removed_outputs"]) == {
        "2020/gwr_2020_1.txt",
        "2020/gwr_2020_1.txt.report.json",
        "2020/gwr_2020_1.txt.report.html",
    }
    assert "2020/gwr_2020_1.txt.diff" in proc.stderr and "changed" in proc.stderr


# -- configuration: include, exclude, jobs, across, gitignore ----------------------

# a folder where each option makes a difference; `b.txt` is `a.txt` saved
# twice (across removes it), `.gitignore` ignores `ignored.txt`
TREE = {
    "docs/a.txt": _doc("a") + "\n" + _doc("shared"),
    "docs/b.txt": _doc("a") + "\n" + _doc("shared"),
    "docs/page.htm": _doc("page"),
    "docs/drafts/d.txt": _doc("d"),
    "docs/ignored.txt": _doc("ignored"),
    ".gitignore": "ignored.txt\n",
}
ALL_TEXT = {"a.txt", "b.txt", "drafts/d.txt"}


def _project(root: Path, config: str, where: str) -> Path:
    project = root / "proj"
    project.mkdir()
    (project / ".git").mkdir()
    _write(project, TREE)
    if where == "clean-docs.toml":
        (project / where).write_text(config, encoding="utf-8")
    elif where == "[tool.clean-docs] in clean-docs.toml":
        (project / "clean-docs.toml").write_text("[tool.clean-docs]\n" + config, "utf-8")
    else:
        (project / "pyproject.toml").write_text(
            '[project]\nname = "x"\n\n[tool.clean-docs]\n' + config, encoding="utf-8"
        )
    return project


WHERE = ["clean-docs.toml", "[tool.clean-docs] in clean-docs.toml", "pyproject.toml"]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize(
    ("config", "flags", "taken"),
    [
        ('include = ["*.htm"]\n', [], {"page.htm"}),
        ('include = ["*.htm"]\n', ["--include", "*.txt"], ALL_TEXT),  # the flag wins
        ('exclude = ["drafts/"]\n', [], {"a.txt", "b.txt"}),
        ('exclude = ["drafts/"]\n', ["--exclude", "b.txt"], {"a.txt", "drafts/d.txt"}),
        ("gitignore = false\n", [], ALL_TEXT | {"ignored.txt"}),
        ("gitignore = false\n", ["--gitignore"], ALL_TEXT),
        ("gitignore = true\n", ["--no-gitignore"], ALL_TEXT | {"ignored.txt"}),
    ],
)
def test_include_exclude_and_gitignore_in_the_configuration(
    tmp_path: Path, clean_docs: list[str], where: str, config: str, flags: list[str], taken
) -> None:
    project = _project(tmp_path, config, where)
    _ok(clean_docs, "run", "docs", "-o", "../out", *flags, cwd=project)
    assert _clean_copies(tmp_path / "out") == taken


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize(
    ("config", "flags", "removed"),
    [
        ("across = true\n", [], True),
        ("across = true\n", ["--no-across"], False),
        ("across = false\n", ["--across"], True),
    ],
)
def test_across_in_the_configuration(
    tmp_path: Path, clean_docs: list[str], where: str, config: str, flags: list[str], removed
) -> None:
    project = _project(tmp_path, config, where)
    _ok(clean_docs, "run", "docs", "-o", "../out", *flags, cwd=project)
    b = (tmp_path / "out" / "b.txt").read_text(encoding="utf-8")
    assert (b == "") is removed


@pytest.mark.parametrize("where", WHERE)
def test_jobs_in_the_configuration(tmp_path: Path, clean_docs: list[str], where: str) -> None:
    project = _project(tmp_path, "jobs = 2\n", where)
    shown = _ok(clean_docs, "config", cwd=project).stdout
    source = "pyproject.toml" if where == "pyproject.toml" else "clean-docs.toml"
    assert f"jobs = 2  # {project / source}" in shown.splitlines()
    assert "across = false  # default" in shown.splitlines()
    _ok(clean_docs, "run", "docs", "-o", "../out", cwd=project)
    _ok(clean_docs, "run", "docs", "-o", "../out1", "-j", "1", cwd=project)
    first = {n: (tmp_path / "out" / n).read_bytes() for n in _clean_copies(tmp_path / "out")}
    again = {n: (tmp_path / "out1" / n).read_bytes() for n in _clean_copies(tmp_path / "out1")}
    assert first == again and len(first) == 3


@pytest.mark.parametrize("where", ["clean-docs.toml", "pyproject.toml"])
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('include = "*.md"\n', "include must be a list of strings, got '*.md'"),
        ("include = [1]\n", "include must be a list of strings, got [1]"),
        ('exclude = ["\\\\"]\n', "exclude: '\\\\' is not a gitignore pattern"),
        ('exclude = [""]\n', "exclude: an empty pattern matches nothing"),
        ("jobs = 0\n", "jobs must be an integer from 1 to 4096, got 0"),
        ('jobs = "2"\n', "jobs must be an integer from 1 to 4096, got '2'"),
        ("jobs = true\n", "jobs must be an integer from 1 to 4096, got true"),
        ('across = "yes"\n', "across must be true or false, got 'yes'"),
        ("gitignore = 1\n", "gitignore must be true or false, got 1"),
    ],
)
@pytest.mark.parametrize("command", ["run", "check", "config"])
def test_a_bad_batch_option_is_one_line_naming_file_and_key(
    tmp_path: Path, clean_docs: list[str], where: str, line: str, message: str, command: str
) -> None:
    project = _project(tmp_path, line, where)
    args = {"run": ["run", "docs", "-o", "../out"], "check": ["check", "docs"]}
    proc = _cli(clean_docs, *args.get(command, [command]), cwd=project)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {project / where}: {message}")
    assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_bad_pattern_flag_is_one_line_naming_the_flag(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    project = _project(tmp_path, "", "clean-docs.toml")
    proc = _cli(clean_docs, "check", "docs", "--exclude", "\\", cwd=project)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --exclude: '\\\\' is not a gitignore pattern")
    assert proc.stderr.count("\n") == 1


def _readme_toml() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :]
    return section[
        section.index("```toml\n") + 8 : section.index("```", section.index("```toml") + 7)
    ]


def test_the_readme_example_pasted_into_clean_docs_toml_works(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    example = _readme_toml()
    assert example.startswith("[tool.clean-docs]\n")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "clean-docs.toml").write_text(example, encoding="utf-8")
    proc = _ok(clean_docs, "config", cwd=project)
    assert f"min-run-chars = 300  # {project / 'clean-docs.toml'}" in proc.stdout
    # both forms in one file: one line that says what to do
    (project / "clean-docs.toml").write_text(example + "\n[other]\nx = 1\n", encoding="utf-8")
    proc = _cli(clean_docs, "config", cwd=project)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "top level, or every key under [tool.clean-docs]" in proc.stderr


# -- .gitignore --------------------------------------------------------------------

GITIGNORE_CASES = {
    # the issue: `check .` scanned the egg-info folder (dir-only pattern)
    "dir-only": (
        {".gitignore": "*.egg-info/\n", "clean_docs.egg-info/SOURCES.txt": "", "a.txt": ""},
        {"a.txt"},
    ),
    "negation": (
        {".gitignore": "*.md\n!keep.md\n", "x.md": "", "keep.md": "", "sub/y.md": ""},
        {"keep.md"},
    ),
    "anchored": (
        {".gitignore": "/notes.txt\n", "notes.txt": "", "sub/notes.txt": ""},
        {"sub/notes.txt"},
    ),
    "double-star": (
        {".gitignore": "docs/**/draft.txt\n", "docs/a/b/draft.txt": "", "draft.txt": ""},
        {"draft.txt"},
    ),
    "nested": (
        {
            ".gitignore": "*.log.txt\n",
            "a.log.txt": "",
            "sub/.gitignore": "x.txt\n!b.log.txt\n",
            "sub/x.txt": "",
            "sub/b.log.txt": "",
            "x.txt": "",
        },
        {"x.txt", "sub/b.log.txt"},
    ),
    "ignored folder not entered": (
        {".gitignore": "build/\n!build/keep.txt\n", "build/keep.txt": "", "src/a.txt": ""},
        {"src/a.txt"},
    ),
}


@pytest.mark.parametrize("case", list(GITIGNORE_CASES))
def test_gitignore_files_are_respected(tmp_path: Path, clean_docs: list[str], case: str) -> None:
    layout, taken = GITIGNORE_CASES[case]
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".git").mkdir()
    _write(
        project,
        {n: (t if n.endswith(".gitignore") else _pasted(n)) for n, t in layout.items()},
    )
    checked = _cli(clean_docs, "check", ".", "--format", "json", cwd=project)
    assert checked.returncode == 1, checked.stderr
    assert {f["path"] for f in json.loads(checked.stdout)["findings"]} == taken
    _ok(clean_docs, "run", ".", "-o", "../out", cwd=project)
    assert _clean_copies(tmp_path / "out") == taken
    # --no-gitignore takes them all
    every = {n for n in layout if not n.endswith(".gitignore")}
    _ok(clean_docs, "run", ".", "-o", "../all", "--no-gitignore", cwd=project)
    assert _clean_copies(tmp_path / "all") == every


def test_a_gitignore_above_the_folder_named_counts(tmp_path: Path, clean_docs: list[str]) -> None:
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    _write(
        project,
        {
            ".gitignore": "*.egg-info/\nscratch.txt\n",
            "pkg/x.egg-info/SOURCES.txt": _pasted("s"),
            "pkg/scratch.txt": _pasted("scratch"),
            "pkg/a.txt": _pasted("a"),
        },
    )
    checked = _cli(clean_docs, "check", "pkg", "--format", "json", cwd=project)
    assert {f["path"] for f in json.loads(checked.stdout)["findings"]} == {"pkg/a.txt"}


# -- include and exclude: gitignore patterns from the root, at any depth --------------


@pytest.mark.parametrize(
    ("flags", "taken"),
    [
        (["--exclude", "*/2019/*"], {"2020/r.txt", "2020/drafts/d.txt", "2020/keep.txt"}),
        (["--exclude", "2019/"], {"2020/r.txt", "2020/drafts/d.txt", "2020/keep.txt"}),
        (
            ["--exclude", "/years/2019"],
            {"2020/r.txt", "2020/drafts/d.txt", "2020/keep.txt"},
        ),
        (["--exclude", "drafts/*"], {"2019/r.txt", "2020/r.txt", "2020/keep.txt"}),
        (["--exclude", "*.txt", "--exclude", "!keep.txt"], {"2020/keep.txt"}),
        (["--include", "2020/*.txt"], {"2020/r.txt", "2020/keep.txt"}),
    ],
)
@pytest.mark.parametrize("named", ["years", "years/"])
def test_patterns_are_relative_to_the_root_and_match_at_any_depth(
    tmp_path: Path, clean_docs: list[str], flags: list[str], taken: set[str], named: str
) -> None:
    (tmp_path / ".git").mkdir()
    _write(
        tmp_path,
        {
            "years/2019/r.txt": _doc("2019"),
            "years/2020/r.txt": _doc("2020"),
            "years/2020/drafts/d.txt": _doc("d"),
            "years/2020/keep.txt": _doc("keep"),
        },
    )
    _ok(clean_docs, "run", named, "-o", "out", *flags, cwd=tmp_path)
    assert _clean_copies(tmp_path / "out") == taken


@pytest.mark.parametrize("exists", [False, True], ids=["out-not-yet-made", "out-made-before"])
@pytest.mark.parametrize("leads_to", ["out", "out/years", "out/years/2020/gwr_2020_1.txt"])
def test_a_link_to_the_output_folder_is_never_read_and_named_alike_on_every_run(
    tmp_path: Path, clean_docs: list[str], leads_to: str, exists: bool
) -> None:
    # A run never reads its own outputs. A link in the input folder that
    # leads to the output folder is named ("leads to the output folder"),
    # one that leads into it is left out, whether that place is there yet
    # or not: the first run (which makes it) sees and says what the next
    # sees and says (the first run named a link to the folder "is a
    # directory" once, and the next did not name it).
    _write(tmp_path, YEARS)
    if exists:
        (tmp_path / "out").mkdir()
    link = tmp_path / "years" / "2020" / "results.txt"
    os.symlink(tmp_path / leads_to, link)
    runs, summaries = [], []
    for _ in range(2):
        runs.append(_cli(clean_docs, "run", "years", "-o", "out", cwd=tmp_path))
        summaries.append(_summary(tmp_path / "out"))
    first, second = runs
    named = leads_to == "out"
    assert first.returncode == second.returncode == (2 if named else 0), first.stderr
    errors = [{"path": "years/2020/results.txt", "reason": "leads to the output folder: not read"}]
    assert summaries[0]["errors"] == summaries[1]["errors"] == (errors if named else [])
    assert ("results.txt" in first.stderr) == ("results.txt" in second.stderr) == named
    for summary in summaries:
        assert len(summary["files"]) == len(YEARS)
