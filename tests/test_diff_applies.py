"""The .diff is a real patch from the input file to the clean document.

DESIGN: "`patch` and `git apply` accept it; repairs included". Each case is
an input the clean stage repairs besides the repeat it removes (the seed
itself has no line break at its end); both tools must take the diff and
turn the input file, byte for byte, into the clean document.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SEED

GIT = shutil.which("git")
PATCH = shutil.which("patch")
pytestmark = pytest.mark.skipif(GIT is None or PATCH is None, reason="needs git and GNU patch")

ZH = (
    "2022年海关总署法治政府建设年度报告\n\n"
    "海关总署坚持以习近平新时代中国特色社会主义思想为指导，全面推进法治海关建设。"
    "一是完善海关法律制度，加快推进《海关法》修订，提升立法质量和效率。\n"
    "二是健全海关执法机制，聚焦重点领域加大执法力度，规范执法行为。\n"
)
TWICE = ZH + ZH

CASES: dict[str, bytes] = {
    "no-final-newline": TWICE.rstrip("\n").encode(),
    "crlf": TWICE.replace("\n", "\r\n").encode(),
    "crlf-no-final-newline": TWICE.rstrip("\n").replace("\n", "\r\n").encode(),
    "lone-cr": TWICE.replace("\n", "\r").encode(),
    "mixed-line-ends": ZH.replace("\n", "\r\n").encode() + ZH.encode(),
    "bom-crlf": b"\xef\xbb\xbf" + TWICE.replace("\n", "\r\n").encode(),
    "nul-and-controls": TWICE.replace("。", "。\x00\x1b", 1).encode(),
    "trailing-white-space": TWICE.replace("\n", "  \n").encode(),
    "mojibake-line": (TWICE + "æµ·å…³æ€»ç½²\n").encode(),
}


def _apply(tool: str, work: Path, diff: Path) -> subprocess.CompletedProcess[str]:
    argv = (
        [GIT, "apply", "-p1", str(diff)]
        if tool == "git"
        else [PATCH, "-p1", "--batch", "--forward", "-i", str(diff)]
    )
    return subprocess.run(argv, cwd=work, capture_output=True, text=True)


@pytest.mark.parametrize("tool", ["git", "patch"])
@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_the_diff_turns_the_input_file_into_the_clean_document(
    tmp_path: Path, clean_docs: list[str], data: bytes, tool: str
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(data)
    proc = subprocess.run(
        [*clean_docs, "run", "in", "-o", "out", "-q"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    diff = tmp_path / "out" / "a.txt.diff"
    headers = [line for line in diff.read_text(encoding="utf-8").split("\n") if line[:4] == "--- "]
    assert headers == ["--- a/in/a.txt"]
    work = tmp_path / "work"
    (work / "in").mkdir(parents=True)
    (work / "in" / "a.txt").write_bytes(data)
    subprocess.run([GIT, "init", "-q"], cwd=work, capture_output=True)
    done = _apply(tool, work, diff)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (work / "in" / "a.txt").read_bytes() == (tmp_path / "out" / "a.txt").read_bytes()


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_the_seed_diff_applies_to_the_seed(tmp_path: Path, tool: str) -> None:
    # output/ is what `clean-docs run seeds/ -o output/` writes (tests/test_golden.py)
    repo = SEED.parent.parent
    work = tmp_path / "work"
    (work / "seeds").mkdir(parents=True)
    shutil.copy(SEED, work / "seeds" / SEED.name)
    subprocess.run([GIT, "init", "-q"], cwd=work, capture_output=True)
    done = _apply(tool, work, repo / "output" / (SEED.name + ".diff"))
    assert done.returncode == 0, done.stdout + done.stderr
    clean = repo / "output" / SEED.name
    assert (work / "seeds" / SEED.name).read_bytes() == clean.read_bytes()
