"""Review as a workflow: a finding's id, accepted by a person, goes next run.

A repeat far from its twin is kept by default (rule K6); its report entry
carries a stable id and the HTML page an accept line. With that id in an
accept file (`--accept FILE`) or the `accept` setting, the next run removes
exactly that finding (rule R4), verified like any removal.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipeline import Settings, dedupe_text
from pipeline.review import repeat_ids

PARAGRAPH = (
    "The harbour board agreed to rebuild the eastern quay wall before the winter storms, "
    "to dredge the inner basin to four metres and to publish its accounts every quarter "
    "so that the fishing cooperative could follow how the levy was spent."
)
OTHER = (
    "The cooperative asked for two more berths for the small boats and for a crane that "
    "could lift a boat of six tonnes out of the water for repairs in the spring."
)
TEXT = f"Minutes\n\n{PARAGRAPH}\n\n{OTHER}\n\nItems carried over\n\n{PARAGRAPH}\n\nEnd.\n"


def test_a_far_repeat_is_a_finding_with_a_stable_id() -> None:
    result = dedupe_text(TEXT)
    assert not result.removed
    [finding] = [f for f in result.findings if f.rule == "K6"]
    ids = repeat_ids(result.cleaned.text, [finding])
    # lines added above do not change the id: it is made of the text
    moved = dedupe_text("A new first line.\n\n" + TEXT)
    [again] = [f for f in moved.findings if f.rule == "K6"]
    assert repeat_ids(moved.cleaned.text, [again]) == ids
    assert ids[0].startswith("cd-")


def test_an_accepted_finding_goes_and_nothing_else() -> None:
    result = dedupe_text(TEXT)
    [finding] = [f for f in result.findings if f.rule == "K6"]
    [fid] = repeat_ids(result.cleaned.text, [finding])
    accepted = dedupe_text(TEXT, Settings(accept=(fid,)))
    [removed] = accepted.removed
    assert removed.rule == "R4" and removed.span == finding.span
    assert accepted.kept_text.count(PARAGRAPH) == 1
    assert "Items carried over" in accepted.kept_text and OTHER in accepted.kept_text
    # an id that names nothing here changes nothing
    assert dedupe_text(TEXT, Settings(accept=("cd-0000000000",))).kept_text == TEXT


def test_an_accepted_finding_whose_twin_was_removed_stays() -> None:
    # The document pasted twice: its second copy goes (R1); the far repeat
    # inside the first copy is the twin of part of that removal.
    doc = TEXT + TEXT
    result = dedupe_text(doc)
    assert [r.rule for r in result.removed] == ["R1"]
    ids = repeat_ids(result.cleaned.text, sorted(result.repeats, key=lambda r: r.span.start))
    # accepting every id: none may take the twin of the whole copy's removal
    # (before the fix, verification failed: an internal error, not a result)
    again = dedupe_text(doc, Settings(accept=tuple(ids)))
    assert again.kept_text.count(PARAGRAPH) == 1 and again.kept_text.count(OTHER) == 1
    assert again.kept_text.startswith("Minutes\n\n")


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd)


def test_accept_file_from_the_report_removes_it_on_the_next_run(
    tmp_path: Path, clean_docs: list[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "minutes.txt").write_text(TEXT, encoding="utf-8")
    assert _run([*clean_docs, "run", "in", "-o", "out", "-q"], tmp_path).returncode == 0
    report = json.loads((tmp_path / "out" / "minutes.txt.report.json").read_text(encoding="utf-8"))
    [finding] = [f for f in report["findings"] if f["rule"] == "K6"]
    assert finding["reason"] and finding["id"].startswith("cd-")
    page = (tmp_path / "out" / "minutes.txt.report.html").read_text(encoding="utf-8")
    assert finding["id"] in page and "--accept" in page
    # the accept line the page shows, pasted into a file with a comment
    (tmp_path / "accepted.txt").write_text(
        f"# reviewed 2026-12-01\n{finding['id']}  # minutes.txt: same paragraph\n",
        encoding="utf-8",
    )
    assert _run([*clean_docs, "check", "in"], tmp_path).returncode == 0
    gate = _run([*clean_docs, "check", "in", "--accept", "accepted.txt"], tmp_path)
    assert gate.returncode == 1, gate.stderr
    proc = _run([*clean_docs, "run", "in", "-o", "out", "-q", "--accept", "accepted.txt"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    cleaned = (tmp_path / "out" / "minutes.txt").read_text(encoding="utf-8")
    assert cleaned.count(PARAGRAPH) == 1
    report = json.loads((tmp_path / "out" / "minutes.txt.report.json").read_text(encoding="utf-8"))
    [removed] = report["removed"]
    assert removed["rule"] == "R4" and removed["id"] == finding["id"]
    assert report["settings"]["accept"] == [finding["id"]]


def test_an_unreadable_accept_file_is_a_usage_error(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    proc = _run([*clean_docs, "check", "a.txt", "--accept", "missing.txt"], tmp_path)
    assert proc.returncode == 2
    assert "missing.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_accept_in_the_configuration(tmp_path: Path, clean_docs: list[str]) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    result = dedupe_text(TEXT)
    [finding] = [f for f in result.findings if f.rule == "K6"]
    [fid] = repeat_ids(result.cleaned.text, [finding])
    (tmp_path / "clean-docs.toml").write_text(f'accept = ["{fid}"]\n', encoding="utf-8")
    assert _run([*clean_docs, "check", "a.txt"], tmp_path).returncode == 1
