from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, SEED

from pipeline import __version__
from pipeline.cli import main

NAME = "000_b650ec4a271b368d"


def test_check_seed_fails_with_compiler_style_line(clean_docs: list[str]) -> None:
    proc = subprocess.run(
        [*clean_docs, "check", "seeds/"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"seeds/{NAME}.txt:44: duplicate: lines 44-86 repeat lines 1-43 (similarity 1.000, exact)",
        "1 duplicated region in 1 of 1 file",
    ]


def test_check_clean_output_passes(clean_docs: list[str]) -> None:
    proc = subprocess.run(
        [*clean_docs, "check", f"output/{NAME}.txt"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "no duplicated content in 1 file\n"


def test_check_formats() -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["check", str(SEED), "--format", "json"])
    assert res.exit_code == 1
    [finding] = json.loads(res.output)["findings"]
    assert finding["start_line"] == 44 and finding["duplicate_of"]["end_line"] == 43
    res = runner.invoke(main, ["check", str(SEED), "--format", "github"])
    assert res.exit_code == 1
    assert res.output.startswith(
        f"::error file={SEED},line=44,endLine=86,title=duplicated content::"
    )


def test_version_and_help() -> None:
    runner = CliRunner()
    assert __version__ in runner.invoke(main, ["--version"]).output
    for cmd in ([], ["run"], ["check"]):
        res = runner.invoke(main, [*cmd, "--help"])
        assert res.exit_code == 0
    assert "Example:" in runner.invoke(main, ["run", "--help"]).output
    assert "Example:" in runner.invoke(main, ["check", "--help"]).output


def test_bad_input_is_named_and_others_still_processed(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("第一行。\n", encoding="utf-8")
    (src / "bad.txt").write_bytes(b"abc \xfa not utf-8 \x81")
    (src / "pic.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    res = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert f"{src.as_posix()}/bad.txt: error: not UTF-8, and not readable as" in res.stderr
    assert f"{src.as_posix()}/pic.txt: error: looks like a PNG image" in res.stderr
    assert "Traceback" not in res.output + res.stderr
    assert (tmp_path / "out" / "good.txt").read_text(encoding="utf-8") == "第一行。\n"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["errors"]) == 2


def test_missing_path_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["check", str(tmp_path / "nope.txt")])
    assert res.exit_code == 2
    assert "no such file or directory" in res.stderr


def test_output_inside_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("文本。\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(tmp_path), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "refusing to write into the input" in res.stderr
    assert not (tmp_path / "out").exists()


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    data = SEED.read_bytes()
    (src / "x.txt").write_bytes(data)
    res = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0
    assert (src / "x.txt").read_bytes() == data
    assert sorted(p.name for p in src.iterdir()) == ["x.txt"]


def test_html_report_escapes_document_text(tmp_path: Path) -> None:
    para = "<script>alert(1)</script></textarea> 这段话足够长，足够算作一次粘贴，并且被完整地重复了一次。"
    src = tmp_path / "evil.txt"
    src.write_text(f"{para}\n{para}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "out" / "evil.txt.report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "</textarea>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_near_duplicate_differences_in_diff_and_html(tmp_path: Path, seed_text: str) -> None:
    first = "".join(seed_text.splitlines(keepends=True)[:43])
    # typos spread through the copy: noise (one change alone could be a
    # revision, and is kept for review: tests/test_policy.py)
    lines = first.replace("法治政府建设", "法治政府建没", 1).splitlines(keepends=True)
    for k in (20, 35):
        lines[k] = lines[k][:5] + "某" + lines[k][6:]
    copy = "".join(lines)
    src = tmp_path / "near.txt"
    src.write_text(first + copy, encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "near.txt").read_text(encoding="utf-8") == first
    report = json.loads((tmp_path / "out" / "near.txt.report.json").read_text(encoding="utf-8"))
    [removed] = report["removed"]
    assert removed["method"] == "near" and removed["similarity"] < 1.0
    diff = (tmp_path / "out" / "near.txt.diff").read_text(encoding="utf-8")
    assert "# near duplicate: lines 44-86 repeat lines 1-43" in diff
    assert "[-设-]{+没+}" in diff
    page = (tmp_path / "out" / "near.txt.report.html").read_text(encoding="utf-8")
    assert "<del>设</del>" in page and "<ins>没</ins>" in page


def test_a_scheduler_without_the_dask_engine_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["run", str(SEED), "-o", str(tmp_path / "out"), "--scheduler", "tcp://host:8786"]
    )
    assert result.exit_code == 2
    assert "--scheduler is the Dask scheduler: it needs --engine dask" in result.output
    assert not (tmp_path / "out").exists()


def test_the_command_line_starts_without_numpy_or_the_detection_stages() -> None:
    # `clean-docs --help` runs on every commit hook: `import pipeline`
    # imported numpy and every stage (0.65 s) before the package was lazy.
    import subprocess
    import sys

    code = (
        "import sys, pipeline.cli; "
        "print(sorted(m for m in ('numpy', 'pipeline.match', 're2', 'ftfy') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(("asked", "huge"), [(None, "False"), ("1", "True")])
def test_numpy_asks_for_no_huge_pages_unless_the_user_says_so(
    tmp_path: Path, asked: str | None, huge: str
) -> None:
    # numpy's huge pages for the stages' short-lived arrays cost check 1.4-1.8 s
    # of system time (of 5 s) on a 10 MB corpus: the command turns them off,
    # for itself and its workers, unless NUMPY_MADVISE_HUGEPAGE says otherwise.
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pipeline.cli import main\n"
        "try:\n    main([sys.argv[1], sys.argv[2]])\nexcept SystemExit:\n    pass\n"
        "import numpy; print(numpy._core.multiarray._get_madvise_hugepage())"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if asked is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = asked
    proc = subprocess.run(
        [sys.executable, "-c", code, "check", str(SEED)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == huge


def test_every_install_hint_names_our_distribution() -> None:
    # "clean-docs" on the package registry is another project (it installs a
    # `clean-docs` command of its own): a hint naming it installs that tool.
    import re
    import tomllib

    from conftest import REPO

    name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert name != "clean-docs"
    texts = [REPO / "README.md", *sorted((REPO / "pipeline").glob("*.py"))]
    for path in texts:
        for hint in re.findall(r"pip install [\"']?([\w.-]+)", path.read_text(encoding="utf-8")):
            if hint.startswith("clean"):
                assert hint == name, (path.name, hint)
