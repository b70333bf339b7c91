"""The seed, end to end, and the committed output/ folder."""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, SEED

NAME = "000_b650ec4a271b368d"


def test_seed_copy_is_byte_identical_to_shared() -> None:
    shared = REPO.parent / "shared" / "seeds" / f"{NAME}.txt"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    assert SEED.read_bytes() == shared.read_bytes()


def test_committed_output_equals_a_fresh_run(tmp_path: Path, clean_docs: list[str]) -> None:
    out = tmp_path / "output"
    proc = subprocess.run(
        [*clean_docs, "run", "seeds/", "-o", str(out)], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    committed = REPO / "output"

    def files(root: Path) -> list[str]:
        # the index (.clean-docs/) is run state, ignored by git, not output
        names = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        return sorted(n for n in names if not n.startswith(".clean-docs/"))

    fresh, kept = files(out), files(committed)
    assert fresh == kept
    match, mismatch, errors = filecmp.cmpfiles(committed, out, fresh, shallow=False)
    assert mismatch == [] and errors == [], f"regenerate output/: {mismatch + errors}"


def test_seed_output_is_the_first_copy(seed_text: str) -> None:
    out = (REPO / "output" / f"{NAME}.txt").read_bytes()
    first_43 = "".join(seed_text.splitlines(keepends=True)[:43]).encode()
    assert out == first_43
    assert out.endswith("。\n".encode()) and not out.endswith(b"\n\n")


def test_seed_report() -> None:
    report = json.loads((REPO / "output" / f"{NAME}.txt.report.json").read_text(encoding="utf-8"))
    assert report["schema"] == "clean-docs.report/1"
    [removed] = report["removed"]
    assert (removed["start_line"], removed["end_line"]) == (44, 86)
    twin = removed["duplicate_of"]
    assert (twin["start_line"], twin["end_line"]) == (1, 43)
    assert removed["similarity"] == 1.0 and removed["method"] == "exact"
    stats = report["stats"]
    assert stats["input_chars"] == stats["output_chars"] + stats["removed_chars"]
    assert stats["removed_regions"] == 1
    assert report["source"]["lines"] == 86 and report["output"]["lines"] == 43
    assert removed["end_char"] - removed["start_char"] == len(removed["text"])
    for key in ("path", "sha256", "encoding", "chars", "lines"):
        assert key in report["source"]


def test_seed_diff_and_html() -> None:
    diff = (REPO / "output" / f"{NAME}.txt.diff").read_text(encoding="utf-8")
    assert diff.startswith("--- a/seeds/")
    assert "@@ -41,46 +41,3 @@" in diff
    removed_lines = [
        line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    ]
    assert len(removed_lines) == 43
    page = (REPO / "output" / f"{NAME}.txt.report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for external in ("http://", "https://", "src=", "<link"):
        assert external not in page
    assert 'href="#t1"' in page and 'id="t1"' in page and 'id="r1"' in page
    assert "lines 44-86" in page


def test_summary_and_index() -> None:
    summary = json.loads((REPO / "output" / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["files"] == 1
    assert summary["files"][0]["removed_regions"] == 1
    index = (REPO / "output" / "index.html").read_text(encoding="utf-8")
    assert f"{NAME}.txt.report.html" in index


def test_run_on_its_own_output_removes_nothing(tmp_path: Path, clean_docs: list[str]) -> None:
    out = tmp_path / "again"
    proc = subprocess.run(
        [*clean_docs, "run", str(REPO / "output" / f"{NAME}.txt"), "-o", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / f"{NAME}.txt").read_bytes() == (REPO / "output" / f"{NAME}.txt").read_bytes()
    report = json.loads((out / f"{NAME}.txt.report.json").read_text(encoding="utf-8"))
    assert report["removed"] == []
