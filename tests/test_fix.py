"""Fix mode (issue 15): `clean-docs fix PATH...` puts `run`'s clean copy in
place of each file from which something is removed, and touches nothing
else; `fix -` filters standard input; the pre-commit hooks of the README
fail, fix and pass in a real repository.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PARA, REPO

from pipeline.cli import main

# A paragraph pasted again after a blank line (R2), and a whole text pasted
# twice (R1): both removed by default.
PROSE = (
    "The board agreed to rebuild the quay wall before the winter storms came, "
    "and it set aside the money for it.\n"
)
MIDDLE = "".join(
    f"Item {i}: the harbour master reported on berth {i} and the dredging plan for the year.\n\n"
    for i in range(6)
)
PASTED = "# Minutes\n\n" + PROSE + "\n" + PROSE + "\n" + MIDDLE
TWICE = PARA + PARA

# Inputs with something to remove, in the shapes files come in.
REMOVALS: dict[str, bytes] = {
    "paragraph-pasted": PASTED.encode(),
    "whole-text-twice": TWICE.encode(),
    "crlf": TWICE.replace("\n", "\r\n").encode(),
    "bom": b"\xef\xbb\xbf" + PASTED.encode(),
    "no-final-newline": TWICE.rstrip("\n").encode(),
    "trailing-white-space": PASTED.replace(".\n", ".  \n").encode(),
    "controls": TWICE.replace("。", "。\x1b", 1).encode(),
}
# Inputs with nothing to remove: repairs only, or repeats the policy keeps.
UNTOUCHED: dict[str, bytes] = {
    "clean": PARA.encode(),
    "crlf-only": PARA.replace("\n", "\r\n").encode(),
    "trailing-white-space-only": PARA.replace("\n", " \t\n").encode(),
    "bom-only": b"\xef\xbb\xbf" + PARA.encode(),
    "no-final-newline-only": PARA.rstrip("\n").encode(),
    "zero-width-only": PARA.replace("海关", "海\u200b关", 1).encode(),
    "far-repeat-kept": ("# Minutes\n\n" + PROSE + "\n" + MIDDLE + PROSE).encode(),
    "said-again-kept": ("He said it twice. He said it twice.\n" + PARA).encode(),
    "cp1252": "Caf\u00e9 \u2013 a plain note, said once.\n".encode("cp1252"),
}


def _cli(clean_docs: list[str], *args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run([*clean_docs, *args], capture_output=True, cwd=cwd, **kw)  # type: ignore[call-overload]


def _tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.mark.parametrize("kind", REMOVALS)
def test_fix_writes_runs_clean_copy_in_place(
    tmp_path: Path, clean_docs: list[str], kind: str
) -> None:
    _tree(tmp_path / "in", {f"{kind}.md": REMOVALS[kind]})
    run = _cli(clean_docs, "run", "in", "-o", "out", "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    clean = (tmp_path / "out" / f"{kind}.md").read_bytes()
    assert clean != REMOVALS[kind]

    fixed = _cli(clean_docs, "fix", f"in/{kind}.md", cwd=tmp_path)
    assert fixed.returncode == 1, fixed.stderr
    assert (tmp_path / "in" / f"{kind}.md").read_bytes() == clean
    assert fixed.stderr.decode().startswith(f"fixed in/{kind}.md: removed lines ")
    assert fixed.stderr.decode().endswith("1 file fixed, 0 left unchanged\n")
    assert fixed.stdout == b""
    # fixed once is fixed: nothing more to remove, the gate passes
    again = _cli(clean_docs, "fix", f"in/{kind}.md", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "in" / f"{kind}.md").read_bytes() == clean
    assert _cli(clean_docs, "check", f"in/{kind}.md", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == [f"{kind}.md"]


def test_fix_leaves_files_with_nothing_to_remove_as_they_are(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    _tree(tmp_path / "in", {f"{k}.txt": data for k, data in UNTOUCHED.items()})
    before = {
        p.name: (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
        for p in (tmp_path / "in").iterdir()
    }
    proc = _cli(clean_docs, "fix", "in", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode() == f"0 files fixed, {len(UNTOUCHED)} left unchanged\n"
    after = {
        p.name: (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
        for p in (tmp_path / "in").iterdir()
    }
    assert after == before  # not rewritten, not even with the same bytes


def test_fix_takes_folders_and_each_file_once(tmp_path: Path, clean_docs: list[str]) -> None:
    files = {f"in/{k}.md": v for k, v in REMOVALS.items()}
    files |= {f"in/keep/{k}.txt": v for k, v in UNTOUCHED.items()}
    _tree(tmp_path, files)
    os.symlink("paragraph-pasted.md", tmp_path / "in" / "link.md")
    proc = _cli(
        clean_docs,
        "fix",
        "in",
        "in/whole-text-twice.md",
        "./in/crlf.md",
        "in/link.md",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr.decode()
    assert err.count("fixed ") == len(REMOVALS)  # each once, however named
    assert err.endswith(f"{len(REMOVALS)} files fixed, {len(UNTOUCHED)} left unchanged\n")
    for name, data in UNTOUCHED.items():
        assert (tmp_path / "in" / "keep" / f"{name}.txt").read_bytes() == data


def test_fix_keeps_permissions_and_writes_through_links(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    _tree(tmp_path, {"real/a.md": PASTED.encode(), "real/b.md": TWICE.encode()})
    (tmp_path / "real" / "a.md").chmod(0o755)
    (tmp_path / "real" / "b.md").chmod(0o600)
    os.symlink("real/a.md", tmp_path / "a.md")
    proc = _cli(clean_docs, "fix", "a.md", "real/b.md", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "a.md").is_symlink() and os.readlink(tmp_path / "a.md") == "real/a.md"
    assert stat.S_IMODE((tmp_path / "real" / "a.md").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "real" / "b.md").stat().st_mode) == 0o600
    assert (tmp_path / "real" / "b.md").read_text(encoding="utf-8") == PARA
    assert PASTED.count(PROSE) == 2 and (tmp_path / "a.md").read_text().count(PROSE) == 1


def test_fix_goes_on_past_errors_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file that cannot be read, a path that is not there, and a file that
    # cannot be replaced (its rename refused, as in a folder without write
    # permission: root may write anywhere, so the refusal is made here).
    import pipeline.write

    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    _tree(tmp_path, {"a.md": TWICE.encode(), "pic.txt": png, "ro/b.md": TWICE.encode()})
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        if Path(dst).parent.name == "ro":
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(pipeline.write.os, "replace", replace)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["fix", "-j", "1", "pic.txt", "ro", "a.md", "missing.md"])
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert "pic.txt: error: looks like a PNG image, not text" in err
    assert "missing.md: error: no such file or directory" in err
    assert "ro/b.md: error: cannot write: Permission denied" in err
    assert err.endswith("1 file fixed, 0 left unchanged; 3 errors\n")
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == PARA
    assert (tmp_path / "pic.txt").read_bytes() == png
    assert (tmp_path / "ro" / "b.md").read_bytes() == TWICE.encode()
    assert sorted(p.name for p in (tmp_path / "ro").iterdir()) == ["b.md"]  # no temporary


def test_fix_refuses_a_file_that_changed_after_it_was_checked(tmp_path: Path) -> None:
    from pipeline import dedupe_file
    from pipeline.errors import InputError
    from pipeline.fix import rewrite

    path = tmp_path / "a.md"
    path.write_text(TWICE, encoding="utf-8")
    result = dedupe_file(path)
    assert result.removed
    path.write_text(TWICE + "one more line, written meanwhile\n", encoding="utf-8")
    with pytest.raises(InputError, match="changed while it was being checked"):
        rewrite(str(path), result)
    assert path.read_text(encoding="utf-8").endswith("meanwhile\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


@pytest.mark.parametrize("corpus", ["pages.jsonl", "pages.parquet", "PAGES.JSONL"])
def test_fix_refuses_corpora_and_writes_nothing(
    tmp_path: Path, clean_docs: list[str], corpus: str
) -> None:
    data = b'{"text": "' + PARA.replace("\n", "\\n").encode() * 2 + b'"}\n'
    _tree(tmp_path, {corpus: data, "a.md": TWICE.encode()})
    proc = _cli(clean_docs, "fix", "a.md", corpus, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith(
        f"error: {corpus}: fix rewrites text files in place, not a corpus of records"
    )
    assert "nothing was changed" in proc.stderr.decode()
    assert (tmp_path / corpus).read_bytes() == data
    assert (tmp_path / "a.md").read_bytes() == TWICE.encode()


@pytest.mark.parametrize("kind", REMOVALS)
def test_fix_dash_writes_the_clean_text_to_stdout(
    tmp_path: Path, clean_docs: list[str], kind: str
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.md").write_bytes(REMOVALS[kind])
    assert _cli(clean_docs, "run", "in", "-o", "out", "-q", cwd=tmp_path).returncode == 0
    proc = _cli(clean_docs, "fix", "-", cwd=tmp_path, input=REMOVALS[kind])
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == (tmp_path / "out" / "x.md").read_bytes()
    assert proc.stderr.decode().startswith("fixed <stdin>: removed lines ")


@pytest.mark.parametrize("kind", UNTOUCHED)
def test_fix_dash_passes_text_with_nothing_to_remove_through(
    tmp_path: Path, clean_docs: list[str], kind: str
) -> None:
    proc = _cli(clean_docs, "fix", "-", cwd=tmp_path, input=UNTOUCHED[kind])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == UNTOUCHED[kind] and proc.stderr == b""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "looks like a PNG image, not text"),
        (b"", "empty file"),
        (b" \n\t\n", "holds only white space"),
        (b"x" * 1_100, "is over the 1000 bytes limit per file"),
    ],
    ids=["png", "empty", "white-space", "too-large"],
)
def test_fix_dash_errors_write_nothing_to_stdout(
    tmp_path: Path, clean_docs: list[str], data: bytes, reason: str
) -> None:
    proc = _cli(clean_docs, "fix", "-", "--max-size", "0.001", cwd=tmp_path, input=data)
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert proc.stderr.decode().startswith("error: <stdin>: ")
    assert reason in proc.stderr.decode()


def test_fix_dash_cannot_be_given_with_files(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "a.md").write_bytes(TWICE.encode())
    proc = _cli(clean_docs, "fix", "-", "a.md", cwd=tmp_path, input=TWICE.encode())
    assert proc.returncode == 2 and proc.stdout == b""
    assert "cannot be given with other paths" in proc.stderr.decode()
    assert (tmp_path / "a.md").read_bytes() == TWICE.encode()


def test_each_command_has_an_example() -> None:
    for command in ("run", "check", "fix", "config"):
        res = CliRunner().invoke(main, [command, "--help"])
        assert res.exit_code == 0
        assert "Example:" in res.output, command
        assert f"clean-docs {command} " in res.output.split("Example:")[1], command


# -- pre-commit ----------------------------------------------------------------------------


def _readme_config() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", readme, re.S)
    assert block, "the pre-commit sample is gone from README"
    return block.group(1)


def _hooks(config: str) -> list[dict[str, object]]:
    """The hooks of a `repo: local` block, as pre-commit reads the keys
    the sample uses (a reader for this sample, not for YAML)."""
    hooks: list[dict[str, object]] = []
    for block in re.split(r"^\s*- id: ", config, flags=re.M)[1:]:
        hook: dict[str, object] = {"id": block.split("\n", 1)[0].strip()}
        for key, value in re.findall(r"^\s+(\w+): (.*)$", block, re.M):
            value = value.split(" #", 1)[0].strip()
            if value.startswith("["):
                hook[key] = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
            else:
                hook[key] = value
        hooks.append(hook)
    return hooks


def _simulated_pre_commit(repo: Path, hooks: list[dict[str, object]], env: dict[str, str]) -> int:
    """What `git commit` does through pre-commit: each commit-stage hook's
    entry and args on the staged files its `files` matches; a hook fails
    on a non-zero exit or when it modified a file."""
    staged = subprocess.run(
        ["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    failed = False
    for hook in hooks:
        if "stages" in hook and "pre-commit" not in hook["stages"]:  # type: ignore[operator]
            continue
        files = [f for f in staged if re.search(str(hook["files"]), f)]
        if not files:
            continue
        before = {f: (repo / f).read_bytes() for f in files}
        argv = [*shlex.split(str(hook["entry"])), *hook.get("args", []), *files]  # type: ignore[misc]
        proc = subprocess.run(argv, cwd=repo, capture_output=True, env=env)
        modified = any((repo / f).read_bytes() != data for f, data in before.items())
        failed = failed or proc.returncode != 0 or modified
    if failed:
        return 1
    subprocess.run(["git", "commit", "-qm", "notes"], cwd=repo, check=True, env=env)
    return 0


def _pre_commit() -> str | None:
    found = Path(sys.executable).parent / "pre-commit"
    return str(found) if found.exists() else shutil.which("pre-commit")


@pytest.mark.parametrize("how", ["pre-commit", "simulated"])
def test_readme_pre_commit_hooks_fail_fix_and_pass(tmp_path: Path, how: str) -> None:
    pre_commit = _pre_commit()
    if how == "pre-commit" and pre_commit is None:
        pytest.skip("pre-commit is not installed (the simulated run stands in for it)")
    if shutil.which("git") is None:
        pytest.skip("needs git")
    config = _readme_config()
    hooks = _hooks(config)
    ids = [h["id"] for h in hooks]
    assert ids[:2] == ["clean-docs-check", "clean-docs-fix"], ids
    check, fixer, refresh = hooks[0], hooks[1], hooks[2]
    assert shlex.split(str(check["entry"])) == ["clean-docs", "check"]
    assert shlex.split(str(fixer["entry"])) == ["clean-docs", "fix"]
    assert "--index" in check["args"]  # type: ignore[operator]
    assert shlex.split(str(refresh["entry"]))[:2] == ["clean-docs", "run"]
    for name in ("notes.md", "a.txt", "b.rst"):
        assert re.search(str(check["files"]), name) and re.search(str(fixer["files"]), name)
    assert not re.search(str(check["files"]), "data.jsonl")

    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
    }

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env)

    assert git("init", "-q", "-b", "main").returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    (repo / ".gitignore").write_text(".clean-docs-out/\n", encoding="utf-8")
    _tree(repo, {"docs/2021.md": PARA.encode()})
    git("add", ".")
    assert git("commit", "-qm", "start", "--no-verify").returncode == 0
    # the index the check hook compares with: what the refresh hook writes
    if how == "pre-commit":
        assert subprocess.run([pre_commit, "install"], cwd=repo, env=env).returncode == 0
        refreshed = subprocess.run(
            [pre_commit, "run", str(refresh["id"]), "--hook-stage", "manual"],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
        )
    else:
        refreshed = subprocess.run(
            shlex.split(str(refresh["entry"])), cwd=repo, capture_output=True, text=True, env=env
        )
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert (repo / ".clean-docs-out" / ".clean-docs" / "index.sqlite").is_file()

    _tree(repo, {"docs/notes.md": PASTED.encode(), "docs/ok.txt": b"Said once.\n"})
    git("add", "docs")
    if how == "pre-commit":
        first = git("commit", "-m", "notes")
        assert first.returncode == 1, first.stdout + first.stderr
        out = first.stdout + first.stderr
        assert re.search(r"clean-docs check.*Failed", out)
        assert "docs/notes.md:4: duplicate: lines 4-5 repeat lines 3-3" in out
        assert re.search(r"clean-docs fix.*Failed", out)
        assert "files were modified by this hook" in out
        assert "fixed docs/notes.md: removed lines 4-5 (repeat of lines 3-3, R2" in out
    else:
        assert _simulated_pre_commit(repo, hooks, env) == 1
    fixed = (repo / "docs" / "notes.md").read_text(encoding="utf-8")
    assert fixed == "# Minutes\n\n" + PROSE + "\n" + MIDDLE
    assert (repo / "docs" / "ok.txt").read_bytes() == b"Said once.\n"

    git("add", "docs")
    if how == "pre-commit":
        second = git("commit", "-m", "notes")
        assert second.returncode == 0, second.stdout + second.stderr
        assert re.search(r"clean-docs check.*Passed", second.stdout + second.stderr)
        assert re.search(r"clean-docs fix.*Passed", second.stdout + second.stderr)
    else:
        assert _simulated_pre_commit(repo, hooks, env) == 0
    assert git("log", "--format=%s").stdout.split() == ["notes", "start"]
    assert git("status", "--porcelain").stdout == ""
