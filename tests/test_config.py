"""Configuration files, flags over them, `clean-docs config`, the allowlist."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

NOTE = "".join(
    f"注：本表第{i}栏数据由各直属海关按月汇总上报，统计口径与上年保持一致，涉及调整的另行说明。\n"
    for i in range(1, 6)
)
BODY = "".join(
    f"{n}海关总署坚持依法行政，全面推进法治海关建设，深化“放管服”改革，优化口岸营商环境，取得明显成效。\n"
    for n in ("一是", "二是", "三是", "四是")
)
DOC = NOTE + BODY + NOTE  # the note block repeated far from itself


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docs" / "2022").mkdir(parents=True)
    (tmp_path / "docs" / "2022" / "a.txt").write_text(DOC, encoding="utf-8")
    return tmp_path


def test_the_far_note_is_kept_unless_the_thorough_policy_is_asked_for(
    project: Path, clean_docs: list[str]
) -> None:
    assert _run([*clean_docs, "check", "docs"], project).returncode == 0
    proc = _run([*clean_docs, "check", "docs", "--far-repeats", "remove"], project)
    assert proc.returncode == 1 and ":10: duplicate: lines 10-14 repeat lines 1-5" in proc.stdout


def test_allowlist_in_pyproject_found_from_a_subfolder(
    project: Path, clean_docs: list[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.clean-docs]\nallow-patterns = ["注：.*"]\n'
        'far-repeats = "remove"\n',
        encoding="utf-8",
    )
    assert _run([*clean_docs, "check", "2022"], project / "docs").returncode == 0
    out = project / "out"
    proc = _run([*clean_docs, "run", "docs", "-o", str(out)], project)
    assert proc.returncode == 0, proc.stderr
    assert (out / "2022" / "a.txt").read_text(encoding="utf-8") == DOC
    report = json.loads((out / "2022" / "a.txt.report.json").read_text(encoding="utf-8"))
    assert any(f["reason"] == "allowed by configuration" for f in report["findings"])
    assert report["settings"]["allow_patterns"] == ["注：.*"]


def test_allowlist_silences_cross_file_repeats_too(project: Path, clean_docs: list[str]) -> None:
    (project / "docs" / "2022" / "a.txt").write_text(NOTE + BODY, encoding="utf-8")
    other = "".join(
        f"第{n}部分 口岸通关时间持续压缩，跨境贸易便利化水平稳步提升，企业获得感明显增强。\n"
        for n in range(1, 5)
    )
    (project / "docs" / "2022" / "b.txt").write_text(other + NOTE, encoding="utf-8")
    assert _run([*clean_docs, "check", "docs"], project).returncode == 1
    allowed = [line.strip() for line in NOTE.splitlines()]
    (project / "clean-docs.toml").write_text(
        f"allow = {json.dumps(allowed, ensure_ascii=False)}\n", encoding="utf-8"
    )
    assert _run([*clean_docs, "check", "docs"], project).returncode == 0


def test_clean_docs_toml_wins_and_flags_win_over_it(project: Path, clean_docs: list[str]) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.clean-docs]\nmin-run-chars = 900\n", encoding="utf-8"
    )
    (project / "clean-docs.toml").write_text(
        'min-run-chars = 1000\nmin-run-share = 1.0\nmax-edit-chars = 2\nfar-repeats = "remove"\n',
        encoding="utf-8",
    )
    shown = _run([*clean_docs, "config"], project / "docs").stdout
    assert f"min-run-chars = 1000  # {project / 'clean-docs.toml'}" in shown
    assert "max-edit-chars = 2  #" in shown and "seed = 1  # default" in shown
    # the note block (about 230 key characters) is now too short to go: under
    # 1000, and under the whole of this short text's distinct content
    assert _run([*clean_docs, "check", "docs"], project).returncode == 0
    flagged = _run([*clean_docs, "config", "--min-run-chars", "200"], project).stdout
    assert "min-run-chars = 200  # flag" in flagged
    assert _run([*clean_docs, "check", "docs", "--min-run-chars", "200"], project).returncode == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("min-run-char = 3\n", "unknown setting 'min-run-char'"),
        ('min-run-chars = "many"\n', "min-run-chars must be an integer"),
        ("allow = 3\n", "allow must be a list of strings"),
        ('allow-patterns = ["("]\n', "is not a regular expression"),
        ("min-run-chars = \n", "cannot read the configuration"),
    ],
)
def test_a_bad_configuration_is_named(
    project: Path, clean_docs: list[str], content: str, message: str
) -> None:
    (project / "clean-docs.toml").write_text(content, encoding="utf-8")
    proc = _run([*clean_docs, "check", "docs"], project)
    assert proc.returncode == 2
    assert "clean-docs.toml" in proc.stderr and message in proc.stderr
    assert "Traceback" not in proc.stderr
