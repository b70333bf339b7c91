"""Configuration that cannot hurt (issue 14).

- allow-patterns run by RE2: no pattern can hang `check`; what RE2 cannot
  run is refused, naming the file, the key and the pattern.
- every bad value, in a file or a flag, is one line naming the file (or the
  flag) and the key as the user spelled it, exit 2: never a traceback,
  never exit 1.
- configuration is found only inside the project (the nearest folder
  holding .git, pyproject.toml or clean-docs.toml); `--config PATH` and
  `--no-config`; a pyproject.toml without [tool.clean-docs] is not ours,
  even when it does not parse.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

# A document pasted twice (rule R1), its first line 34 "a" and a "b": the
# line a backtracking engine takes hours to refuse for (a+)+.
BODY = (
    "a" * 34 + "b\nThe customs administration promoted the rule of law across all ports "
    "during the year, and it reported on what it did.\n"
)
DOC = BODY + BODY
TIMEOUT = 20


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/proj (a project: it holds .git) with doc.txt; the current folder."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / "doc.txt").write_text(DOC, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def _check(*args: str) -> tuple[int, str, str]:
    """`clean-docs check ARGS` in the current folder: (exit, stdout, stderr)."""
    result = CliRunner().invoke(main, ["check", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"exception instead of a message: {result.exception!r}")
    return result.exit_code, result.stdout, result.stderr


def _limited() -> None:
    # a value that slips through must not take the machine (2e9 permutations
    # took 16 GB before)
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _bounded(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a process group of its own, killed whole (its workers
    too) after TIMEOUT seconds, with at most 4 GB of address space each."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_limited,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{' '.join(argv[1:])} hung (killed after {TIMEOUT} s)")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _one_line_error(code: int, stderr: str, *named: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for name in named:
        assert name in lines[0], (name, lines[0])


# --- patterns: RE2, never a hang ------------------------------------------


@pytest.mark.parametrize("pattern", ["(a+)+", "(a|a)+", "(a*)*c"])
def test_a_catastrophic_pattern_does_not_hang_check(
    pattern: str, tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "doc.txt").write_text(DOC, encoding="utf-8")
    (tmp_path / "clean-docs.toml").write_text(f"allow-patterns = ['{pattern}']\n", encoding="utf-8")
    proc = _bounded([*clean_docs, "check", "doc.txt"], tmp_path)
    # the pattern does not match the line, so the pasted copy is reported
    assert proc.returncode == 1, proc.stderr
    assert "doc.txt:3: duplicate: lines 3-4 repeat lines 1-2" in proc.stdout


@pytest.mark.parametrize(
    "pattern",
    [
        "(?=a)b",  # look-ahead
        "(?<!x)y",  # look-behind
        r"(a)\1",  # back-reference
        "(?P<x>a)(?P=x)",  # named back-reference
        "a++",  # possessive
        "(?>a+)b",  # atomic group
        r"\bword\b",  # ASCII-only word boundary in RE2
        r"[\W]+",  # no Unicode rewrite inside a class
        "a{2000}",  # over RE2's repetition limit
    ],
)
@pytest.mark.parametrize("key", ["allow-patterns", "allow_patterns"])
def test_a_pattern_re2_cannot_run_is_refused_naming_file_key_and_pattern(
    project: Path, pattern: str, key: str
) -> None:
    (project / "clean-docs.toml").write_text(f"{key} = ['{pattern}']\n", encoding="utf-8")
    code, _, err = _check("doc.txt")
    _one_line_error(code, err, str(project / "clean-docs.toml"), f"{key}: '{pattern}'")


# every BMP character Python's unicodedata knows (Cn: unassigned)
_CHARS = "".join(
    chr(c)
    for c in range(0x10000)
    if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"
)


@pytest.mark.parametrize(
    "pattern", [r"\d", r"\D", r"\s", r"\S", r"\w", r"\W", r"[\d]", r"[\s_]", r"[^\w]", r"[\D]"]
)
def test_patterns_keep_what_they_mean_to_python(pattern: str) -> None:
    """RE2's \\d \\s \\w are ASCII-only: the translation makes them mean what
    they mean to Python's re (a full-width digit, the ideographic space)."""
    from pipeline.patterns import matcher

    matches = matcher((pattern,))
    wanted = re.compile(pattern)
    differ = [f"U+{ord(c):04X}" for c in _CHARS if matches(c) != (wanted.fullmatch(c) is not None)]
    assert not differ, differ[:20]


# --- bad values: one line, exit 2 --------------------------------------------

BAD_VALUES = [
    ("seed", "-1"),
    ("seed", str(2**32)),
    ("num-perm", "2000000000"),
    ("num-perm", "8"),
    ("min-adjacent-chars", "0"),
    ("min_adjacent_chars", "0"),
    ("min-run-chars", "0"),
    ("min_finding_chars", "-3"),
    ("min-whole-copy-chars", "0"),
    ("min-paste-chars", "-1"),
    ("shingle-cjk", "0"),
    ("shingle_latin", "1000"),
    ("max-unit-chars", "0"),
    ("max-gap-units", "-1"),
    ("max-edit-chars", "-1"),
    ("unit-similarity", "0.0"),
    ("run_similarity", "1.5"),
    ("whole-copy-share", "0"),
    ("min-run-share", "-0.1"),
    ("fix-text", "1"),
    ("min-run-chars", "true"),
    ("seed", "1.5"),
    ("min-run-chars", '"many"'),
]


@pytest.mark.parametrize(("key", "value"), BAD_VALUES)
@pytest.mark.parametrize("where", ["clean-docs.toml", "pyproject.toml"])
def test_a_bad_value_in_a_file_is_one_line_naming_file_and_key(
    project: Path, key: str, value: str, where: str
) -> None:
    """Through `clean-docs config`, which reads the settings as check and
    run do, and does nothing with them (num-perm = 2e9 took 16 GB before)."""
    header = "[tool.clean-docs]\n" if where == "pyproject.toml" else ""
    (project / where).write_text(f"{header}{key} = {value}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config"])
    _one_line_error(result.exit_code, result.stderr, str(project / where), f" {key} must be ")
    other = key.replace("-", "_") if "-" in key else key.replace("_", "-")
    assert other == key or other not in result.stderr  # the key as the user spelled it


@pytest.mark.parametrize(
    "content", ["seed = -1\n", "num-perm = 2000000000\n", "min-adjacent-chars = 0\n"]
)
@pytest.mark.parametrize("command", ["check", "run"])
def test_the_values_of_the_issue_stop_check_and_run_with_one_line(
    tmp_path: Path, clean_docs: list[str], content: str, command: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "doc.txt").write_text(DOC, encoding="utf-8")
    (tmp_path / "clean-docs.toml").write_text(content, encoding="utf-8")
    argv = [*clean_docs, command, "doc.txt", *(["-o", "out"] if command == "run" else [])]
    proc = _bounded(argv, tmp_path)
    key = content.split(" =")[0]
    _one_line_error(proc.returncode, proc.stderr, str(tmp_path / "clean-docs.toml"), key)
    assert proc.stdout == "" and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "names"),
    [
        ("lsh-bands = 32\n", ("lsh-bands * lsh-rows must not exceed num-perm",)),
        ("num_perm = 32\n", ("lsh-bands * lsh-rows must not exceed num_perm",)),
        ("min-run-chars = 3\nmin_run_chars = 4\n", ("given twice",)),
        ('far_repeats = "sometimes"\n', ("far_repeats must be 'keep' or 'remove'",)),
    ],
)
def test_values_that_clash_are_one_line_naming_the_keys(
    project: Path, content: str, names: tuple[str, ...]
) -> None:
    (project / "clean-docs.toml").write_text(content, encoding="utf-8")
    code, _, err = _check("doc.txt")
    _one_line_error(code, err, "clean-docs.toml", *names)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--min-run-chars", "0"], "--min-run-chars must be an integer"),
        (["--min-run-chars", "-5"], "--min-run-chars must be an integer"),
        (["--min-run-chars", "abc"], "--min-run-chars must be an integer"),
        (["--min-run-chars", "99999999999"], "--min-run-chars must be an integer"),
        (["--far-repeats", "sometimes"], "--far-repeats must be 'keep' or 'remove'"),
        (["--config", "missing.toml"], "missing.toml: cannot read the configuration"),
        (["--config", "x.toml", "--no-config"], "--config and --no-config"),
    ],
)
def test_a_bad_flag_is_one_line_naming_the_flag(project: Path, args: list[str], named: str) -> None:
    code, _, err = _check("doc.txt", *args)
    _one_line_error(code, err, named)


@pytest.mark.parametrize(
    "address", ["nonsense!!", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "tcp://a b:8786"]
)
def test_a_bad_scheduler_address_is_one_line(project: Path, address: str) -> None:
    result = CliRunner().invoke(
        main, ["run", "doc.txt", "-o", "out", "--engine", "dask", "--scheduler", address]
    )
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    _one_line_error(result.exit_code, result.stderr, "--scheduler", repr(address))
    assert not (project / "out").exists()


@pytest.mark.parametrize(
    "content",
    [
        "seed = 1 # \xe5\x8d\x95\n".encode("latin-1") + b"\xff\xfe\n",  # stray bytes
        'allow = ["单位：亿元"]\n'.encode("gb18030"),  # another encoding
        'allow = ["单位：亿元"]\n'.encode("utf-16"),  # UTF-16 with its BOM
    ],
)
@pytest.mark.parametrize("where", ["clean-docs.toml", "--config"])
def test_a_file_that_is_not_utf8_is_one_line(project: Path, content: bytes, where: str) -> None:
    path = project / ("clean-docs.toml" if where == "clean-docs.toml" else "ci.toml")
    path.write_bytes(content)
    code, _, err = _check("doc.txt", *(["--config", str(path)] if where == "--config" else []))
    _one_line_error(code, err, str(path), "not UTF-8")


def test_a_utf8_bom_is_read(project: Path) -> None:
    (project / "clean-docs.toml").write_bytes("\ufeffallow-patterns = ['.*']\n".encode())
    assert _check("doc.txt")[0] == 0


# --- where configuration comes from -------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        'tool = "x"\n',
        "tool = 3\n",
        "tool = [1, 2]\n",
        "[project\nname = 'broken'\n",  # does not parse
        b"[project]\nname = '\xff'\n",  # not UTF-8
    ],
)
@pytest.mark.parametrize("layout", ["here", "above"])
def test_a_pyproject_without_our_table_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | bytes, layout: str
) -> None:
    """Here: the project's own pyproject.toml. Above: an unrelated one over
    a project that has only .git."""
    where = tmp_path if layout == "above" else tmp_path / "proj"
    project = tmp_path / "proj"
    project.mkdir()
    if layout == "above":
        (project / ".git").mkdir()
    data = content if isinstance(content, bytes) else content.encode()
    (where / "pyproject.toml").write_bytes(data)
    (project / "doc.txt").write_text(DOC, encoding="utf-8")
    monkeypatch.chdir(project)
    code, out, err = _check("doc.txt")
    assert code == 1, err  # defaults: the pasted copy is found
    assert "duplicate" in out and err == ""


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("[tool.clean-docs]\nmin-run-chars = \n", "cannot read the configuration"),
        ("[tool.clean-docs]\nseed = -1\n", "seed must be"),
        ("[tool]\nclean-docs = 3\n", "tool.clean-docs must be a table"),
        ("tool.clean-docs.seed = -1\n", "seed must be"),
        (b"[tool.clean-docs]\nallow = ['\xb5\xa5']\n", "not UTF-8"),
    ],
)
def test_a_broken_pyproject_with_our_table_is_one_line(
    project: Path, content: str | bytes, named: str
) -> None:
    data = content if isinstance(content, bytes) else content.encode()
    (project / "pyproject.toml").write_bytes(data)
    code, _, err = _check("doc.txt")
    _one_line_error(code, err, str(project / "pyproject.toml"), named)


ALLOW_ALL = "allow-patterns = ['.*']\n"


@pytest.mark.parametrize(
    ("marker", "outer", "depth"),
    [
        (".git", "clean-docs.toml", 2),  # the issue: two folders up
        (".git", "clean-docs.toml", 1),
        (".git", "pyproject.toml", 1),
        (".git-file", "clean-docs.toml", 1),  # .git as a file (a worktree)
        ("pyproject.toml", "clean-docs.toml", 1),  # a project without our table
        ("pyproject.toml", "pyproject.toml", 3),
    ],
)
@pytest.mark.parametrize("start", ["root", "sub"])
def test_configuration_above_the_project_is_never_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    marker: str,
    outer: str,
    depth: int,
    start: str,
) -> None:
    """An allow-everything file above the project would make check pass."""
    project = tmp_path.joinpath(*[f"up{i}" for i in range(depth)], "proj")
    (project / "docs" / "2022").mkdir(parents=True)
    (project / "docs" / "2022" / "doc.txt").write_text(DOC, encoding="utf-8")
    if marker == ".git":
        (project / ".git").mkdir()
    elif marker == ".git-file":
        (project / ".git").write_text("gitdir: /elsewhere\n", encoding="utf-8")
    else:
        (project / "pyproject.toml").write_text('[project]\nname = "p"\n', encoding="utf-8")
    header = "[tool.clean-docs]\n" if outer == "pyproject.toml" else ""
    (tmp_path / outer).write_text(header + ALLOW_ALL, encoding="utf-8")
    here = project if start == "root" else project / "docs" / "2022"
    monkeypatch.chdir(here)
    code, out, err = _check(str(project / "docs"))
    assert code == 1, (out, err)
    shown = CliRunner().invoke(main, ["config"]).stdout
    assert "allow-patterns = []  # default" in shown


def test_no_config_uses_none_and_config_uses_exactly_that_file(project: Path) -> None:
    (project / "clean-docs.toml").write_text(ALLOW_ALL, encoding="utf-8")
    assert _check("doc.txt")[0] == 0  # the project's allows everything
    assert _check("doc.txt", "--no-config")[0] == 1
    (project / "strict.toml").write_text("min-finding-chars = 8\n", encoding="utf-8")
    assert _check("doc.txt", "--config", "strict.toml")[0] == 1
    elsewhere = project.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text("[tool.clean-docs]\n" + ALLOW_ALL, encoding="utf-8")
    (project / "clean-docs.toml").unlink()
    assert _check("doc.txt")[0] == 1
    assert _check("doc.txt", "--config", str(elsewhere / "pyproject.toml"))[0] == 0
    shown = CliRunner().invoke(main, ["config", "--config", str(elsewhere / "pyproject.toml")])
    assert f'allow-patterns = [".*"]  # {elsewhere / "pyproject.toml"}' in shown.stdout
    # run takes them too: the report records the settings used
    result = CliRunner().invoke(
        main, ["run", "doc.txt", "-o", "out", "-q", "--config", str(elsewhere / "pyproject.toml")]
    )
    assert result.exit_code == 0, result.output
    assert (project / "out" / "doc.txt").read_text(encoding="utf-8") == DOC
    (project / "clean-docs.toml").write_text(ALLOW_ALL, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "doc.txt", "-o", "out2", "-q", "--no-config"])
    assert result.exit_code == 0, result.output
    assert (project / "out2" / "doc.txt").read_text(encoding="utf-8") == BODY


def test_config_on_a_pyproject_without_our_table_is_an_error(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "p"\n', encoding="utf-8")
    code, _, err = _check("doc.txt", "--config", "pyproject.toml")
    _one_line_error(code, err, "pyproject.toml: has no [tool.clean-docs] table")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", -1),
        ("seed", 2**32),
        ("num_perm", 2_000_000_000),
        ("min_adjacent_chars", 0),
        ("min_unit_chars", 0),
        ("max_gap_units", -1),
        ("unit_similarity", 0.0),
        ("whole_copy_share", 0.0),
        ("fix_text", "yes"),
        ("allow_patterns", ("(?=a)b",)),
    ],
)
def test_settings_refuse_a_value_outside_its_range(field: str, value: object) -> None:
    from pipeline.settings import Settings

    with pytest.raises(ValueError, match=f"^{field}"):
        Settings(**{field: value})
