"""The bulk screen (issue 16) is sound: a record it clears is one the full
processing finds nothing in. Checked on real documents cut into records of
several sizes, with pastes planted inside records and stretches shared
across them, against `check` with every record processed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import REPO

from pipeline.checking import check_paths
from pipeline.inputs import Options
from pipeline.settings import Settings

TEXTS = REPO.parent / "shared" / "texts"


def _paragraphs() -> list[str]:
    out: list[str] = []
    for path in sorted(TEXTS.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        out += [p.strip() for p in text.split("\n\n") if len(p.strip()) > 40]
    return out


def _records(seed: int) -> list[str]:
    """Records of one to six real paragraphs; some hold a paste of their own
    text (a paragraph, or their tail, again), some share a long stretch with
    an earlier record, some are said with a typo."""
    rng = random.Random(seed)
    paragraphs = _paragraphs()
    rng.shuffle(paragraphs)
    records: list[str] = []
    at = 0
    while at < len(paragraphs) and len(records) < 160:
        take = rng.randint(1, 4)
        record = "\n\n".join(paragraphs[at : at + take])
        at += take
        roll = rng.random()
        if roll < 0.15:
            record += "\n\n" + record[-rng.randint(40, 400) :]  # its tail again
        elif roll < 0.3 and records:
            earlier = rng.choice(records)
            cut = rng.randrange(max(1, len(earlier) - 300))
            record += "\n\n" + earlier[cut : cut + rng.randint(150, 900)]
        records.append(record)
    return records


@pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/texts is not here")
@pytest.mark.parametrize("seed", [1, 2])
def test_a_record_the_screen_clears_has_nothing_to_find(tmp_path: Path, seed: int) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
            for i, t in enumerate(_records(seed))
        ),
        encoding="utf-8",
    )
    options = Options(id_field="id")
    screened, fast = check_paths([str(corpus)], Settings(), options)
    full, slow = check_paths([str(corpus)], Settings(), options, want_kept=True)
    assert screened.copied > 40  # the screen did clear records
    assert full.copied == 0
    assert len(slow) > 10  # there was something to find
    assert fast == slow
