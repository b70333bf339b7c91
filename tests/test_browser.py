"""The report pages in a real headless browser (Debian's Chromium).

`make browser` installs Chromium; without it these tests skip, saying so.
The pages are opened from disk (file://), as a user opens them offline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make browser)")
# Flags this machine needs: no sandbox as root, and no background
# networking on a closed network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PARA = "".join(
    f"第{i}条 各级海关应当依法履行职责，加强执法监督，规范执法行为，提升执法水平，切实维护当事人合法权益。\n"
    for i in range(1, 6)
)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )


class _Dom(HTMLParser):
    """Ids, links and marked spans of a page as the browser rendered it."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        if found.get("class"):
            self.classes.extend((found["class"] or "").split())


def _rendered(page: Path) -> _Dom:
    proc = _chromium("--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    return dom


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, clean_docs: list[str]) -> Path:
    root = tmp_path_factory.mktemp("browser")
    (root / "in" / "2022").mkdir(parents=True)
    (root / "in" / "2022" / "a.txt").write_text(
        PARA + "<script>alert(1)</script>\n" + PARA, encoding="utf-8"
    )
    (root / "in" / "2022" / "b.txt").write_text("其他内容。\n" + PARA, encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "run", str(root / "in"), "-o", str(root / "out")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return root / "out"


def test_report_page_marks_removed_spans_and_twin_links_resolve(batch: Path) -> None:
    page = batch / "2022" / "a.txt.report.html"
    dom = _rendered(page)
    assert "removed" in dom.classes and "twin" in dom.classes
    anchors = [link[1:] for link in dom.links if link.startswith("#")]
    assert anchors and all(a in dom.ids for a in anchors), set(anchors) - dom.ids
    # the document's own <script> is text, not a script the browser ran
    assert not any(i.startswith("alert") for i in dom.ids)


def test_index_page_links_every_report_and_cross_file_twin(batch: Path) -> None:
    dom = _rendered(batch / "index.html")
    # links are relative with a "./" in front (issue 14: no name reads as a scheme)
    pages = [link for link in dom.links if link.endswith(".report.html")]
    assert {"./2022/a.txt.report.html", "./2022/b.txt.report.html"} <= set(pages)
    assert all((batch / link).is_file() for link in pages)
    # b.txt repeats a.txt: its row links a's page as the twin
    assert pages.count("./2022/a.txt.report.html") >= 2


def test_screenshots_are_taken(batch: Path, tmp_path: Path) -> None:
    for page in (batch / "index.html", batch / "2022" / "a.txt.report.html"):
        shot = tmp_path / (re.sub(r"\W", "_", page.name) + ".png")
        proc = _chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 5000
