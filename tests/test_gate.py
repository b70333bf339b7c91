"""The CI gate: the README's workflow command and the pre-commit hook."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

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
