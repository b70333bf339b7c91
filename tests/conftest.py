"""Shared fixtures. The suite runs against the installed package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_b650ec4a271b368d.txt"
SHARED = REPO.parent / "shared"

# a paragraph and another text the corpus tests (JSONL, Parquet) paste around
PARA = "".join(
    f"第{i}条 各级海关应当依法履行职责，加强执法监督，规范执法行为，提升执法水平，切实维护当事人合法权益。\n"
    for i in range(1, 6)
)
OTHER = "".join(
    f"Section {i}. The agency modernized vocational training across every region this year.\n"
    for i in range(1, 6)
)


def pytest_configure(config: pytest.Config) -> None:
    import pipeline

    where = Path(pipeline.__file__).resolve()
    if REPO / "pipeline" in where.parents and not os.environ.get("CLEAN_DOCS_TEST_SOURCE"):
        raise pytest.UsageError(
            f"tests must run against the installed package, but pipeline comes from {where}; "
            "run them with `make test` (or .venv/bin/pytest from a checkout with the package "
            "installed non-editable)"
        )


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def clean_docs() -> list[str]:
    """The installed console script, as a subprocess argv prefix."""
    script = Path(sys.executable).parent / "clean-docs"
    assert script.exists(), f"console script missing: {script}"
    return [str(script)]


def corpus_reports(folder: Path) -> dict[str, dict]:
    """The reports of a corpus's records (its `reports.jsonl`, in the folder
    of its pages), by the record's path."""
    import json

    # JSON Lines end at "\n" only: a record's id may hold U+0085 or U+2028
    lines = (folder / "reports.jsonl").read_text(encoding="utf-8").split("\n")
    reports = [json.loads(line) for line in lines if line]
    return {r["source"]["path"]: r for r in reports}


def record_files(out: Path) -> list[str]:
    """The files a run wrote for records one by one: their pages only
    (a corpus's records write no clean copy, diff or JSON report each)."""
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.parent != out and ".clean-docs" not in p.parts
    )


def real_paragraphs(min_chars: int) -> list[str]:
    """The paragraphs of the real documents of ../shared/texts longer than
    `min_chars`, in file order."""
    out: list[str] = []
    for path in sorted((SHARED / "texts").glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        out += [p.strip() for p in text.split("\n\n") if len(p.strip()) > min_chars]
    return out
