"""Freed arrays' memory is reused, not faulted in again (`pipeline.malloc`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import malloc
from pipeline.cli import main

# arrays of the sizes a chunk's stages allocate and free one after another
# (each written: its pages are touched), in a fresh process; prints the
# page faults they cost
CHURN = """
import resource, sys
import numpy as np
if sys.argv[1] == "kept":
    from pipeline.malloc import keep_freed_memory
    assert keep_freed_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(10)  # (numpy's own first allocations aside)
before = faults()
for megabytes in [24, 20, 28, 12, 30, 16] * 4:
    array = np.ones((megabytes << 20) // 8)
    del array
print(faults() - before)
"""


def _faults(mode: str, tmp_path: Path) -> int:
    # 4 KB pages, as the command line asks numpy (`cli.main`)
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"}
    proc = subprocess.run(
        [sys.executable, "-c", CHURN, mode], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc settings")
def test_arrays_freed_one_after_another_reuse_their_memory(tmp_path: Path) -> None:
    if not malloc.keep_freed_memory():
        pytest.skip("this C library has no mmap/trim thresholds (not glibc)")
    kept, default = _faults("kept", tmp_path), _faults("default", tmp_path)
    # kept: about the largest array's pages (30 MB: 7,680 of 4 KB) faulted
    # once; by default each array above the threshold glibc has reached so
    # far is faulted in again (28,663 here)
    assert kept * 2 < default, (kept, default)


def test_every_command_keeps_freed_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    monkeypatch.setattr(malloc, "keep_freed_memory", lambda: asked.append(True) or True)
    result = CliRunner().invoke(main, ["check", "--help"])
    assert result.exit_code == 0
    # (a command's --help runs the group first, as every command does)
    assert asked == [True]


def test_keeping_freed_memory_is_a_no_op_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(malloc.sys, "platform", "darwin")
    assert malloc.keep_freed_memory() is False
