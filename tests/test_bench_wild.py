"""bench/wild.py: the fixed split of the wild documents and the per-half data
folders, on small synthetic files (never on ../shared data)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

WILD_PY = Path(__file__).resolve().parent.parent / "bench" / "wild.py"


@pytest.fixture(scope="module")
def wild() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_wild", WILD_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


PATHS = [f"corpus{i % 5}/dir/doc_{i:04d}.txt" for i in range(1000)]


def test_split_is_deterministic_and_follows_the_rule(wild: ModuleType) -> None:
    first = [wild.half_of(p) for p in PATHS]
    assert first == [wild.half_of(p) for p in PATHS]
    for p in PATHS[:50] + ["sotu/1826-JQAdams.txt", "laws/行政法规/条例(2020-11-29).md"]:
        even = hashlib.sha256(p.encode("utf-8")).digest()[0] % 2 == 0
        assert wild.half_of(p) == ("tuned" if even else "held-out")


def test_split_is_roughly_balanced(wild: ModuleType) -> None:
    tuned = sum(wild.half_of(p) == "tuned" for p in PATHS)
    assert 400 <= tuned <= 600


def _names(wild: ModuleType, half: str) -> tuple[str, str]:
    """A tuned and a held-out document path (the first of each in PATHS)."""
    tuned = next(p for p in PATHS if wild.half_of(p) == "tuned")
    held = next(p for p in PATHS if wild.half_of(p) == "held-out")
    return (tuned, held) if half == "tuned" else (held, tuned)


@pytest.mark.parametrize("half", ["tuned", "held-out"])
def test_filter_tsv_keeps_header_and_only_that_half(
    wild: ModuleType, tmp_path: Path, half: str
) -> None:
    mine, other = _names(wild, half)
    head = "corpus\tfile\tstart_line\tend_line\tclass"
    rows = []
    for rel in (mine, other, mine):
        corpus, file = rel.split("/", 1)
        rows.append(f"{corpus}\t{file}\t{len(rows) + 1}\t{len(rows) + 2}\tsome class")
    src, dst = tmp_path / "classes.tsv", tmp_path / "out.tsv"
    src.write_text("\n".join([head, *rows, ""]), encoding="utf-8")
    kept = wild.filter_tsv(src, dst, {mine})
    lines = dst.read_text(encoding="utf-8").splitlines()
    assert kept == 2
    assert lines == [head, rows[0], rows[2]]


def test_write_half_filters_sums_labels_and_classes(wild: ModuleType, tmp_path: Path) -> None:
    src = tmp_path / "wild"
    src.mkdir()
    sums = [f"{i:064x}  {p}" for i, p in enumerate(PATHS[:40])]
    (src / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    lab_head = (
        "corpus\tfile\tcopy_start_line\tcopy_end_line\ttwin_start_line\ttwin_end_line\tkind\tnote"
    )
    labels = [
        f"{p.split('/', 1)[0]}\t{p.split('/', 1)[1]}\t5\t5\t3\t3\tkind\tnote" for p in PATHS[:40:3]
    ]
    (src / "labels.tsv").write_text("\n".join([lab_head, *labels]) + "\n", encoding="utf-8")
    cls_head = "corpus\tfile\tstart_line\tend_line\tclass"
    classes = [f"{p.split('/', 1)[0]}\t{p.split('/', 1)[1]}\t1\t2\tcls" for p in PATHS[1:40:4]]
    (src / "classes.tsv").write_text("\n".join([cls_head, *classes]) + "\n", encoding="utf-8")

    seen: set[str] = set()
    for half in ("tuned", "held-out"):
        dst = tmp_path / half
        names = wild.write_half(src, dst, half)
        assert names == {p for p in PATHS[:40] if wild.half_of(p) == half}
        assert not names & seen
        seen |= names
        got_sums = (dst / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
        assert got_sums == [s for s in sums if wild.half_of(s.split("  ", 1)[1]) == half]
        for name, head, rows in (
            ("labels.tsv", lab_head, labels),
            ("classes.tsv", cls_head, classes),
        ):
            got = (dst / name).read_text(encoding="utf-8").splitlines()
            assert got[0] == head
            want = [r for r in rows if wild.half_of("/".join(r.split("\t")[:2])) == half]
            assert got[1:] == want
    assert seen == set(PATHS[:40])


def test_missing_wild_folder_exits_2(wild: ModuleType, tmp_path: Path) -> None:
    assert wild.main(["--wild", str(tmp_path / "nowhere")]) == 2


def test_check_fails_below_threshold_or_on_a_keep_place(wild: ModuleType) -> None:
    def st(p: float | None, c: float | None, hit: int) -> dict:
        return {"precision_count": p, "precision_chars": c, "keep_places_removed": hit}

    ok = {"corpora": {"a": st(1.0, 0.995, 0), "b": st(None, None, 0)}}
    assert wild.failures({"tuned": ok, "held-out": ok}) == []
    low = {"corpora": {"a": st(0.98, 1.0, 0)}}
    hit = {"corpora": {"b": st(1.0, 1.0, 1)}}
    assert len(wild.failures({"tuned": ok, "held-out": low})) == 1
    assert len(wild.failures({"tuned": hit, "held-out": ok})) == 1
