"""The report pages in a real headless browser (Debian's Chromium).

`make browser` installs Chromium; without it these tests skip, saying so.
The pages are opened from disk (file://), as a user opens them offline.
Some tests only read the DOM Chromium rendered (`--dump-dom`); the others
drive it over the DevTools protocol on a pipe (`_Browser`): they click
links and headers, measure what is visible, read computed styles, collect
every Content-Security-Policy violation and take screenshots (into
$CLEAN_DOCS_SHOTS when it is set, else the test's temporary folder).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import OTHER

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
NOTES = "".join(
    f"Paragraph {i}: the harbour office on pier {i} kept its own notes on {w} this year.\n"
    for i, w in enumerate(("wind", "tides", "cargo", "fuel", "nets", "ice", "fog", "gulls"), 1)
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
    # a line of its own, then a's text: a whole-file copy of a
    (root / "in" / "2022" / "b.txt").write_text("其他内容。\n" + PARA, encoding="utf-8")
    # pasted twice (R1); passages said again, one with a word changed (K6, K2)
    (root / "in" / "2022" / "twice.txt").write_text(NOTES + NOTES, encoding="utf-8")
    part = OTHER.replace("Section", "Part")
    (root / "in" / "2022" / "k.txt").write_text(
        part + "\n" + part.replace("every region", "no region"), encoding="utf-8"
    )
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


# -- driven over the DevTools protocol: clicks, visibility, styles, the CSP ---------------

# Every Content-Security-Policy violation the page meets, recorded by the
# page itself (a script the protocol adds before the page's own, which the
# page's policy does not govern).
_WATCH_CSP = (
    "window.__csp=[];document.addEventListener('securitypolicyviolation',"
    "function(e){window.__csp.push(e.violatedDirective+' '+e.blockedURI);});"
)


class _Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (`--remote-debugging-pipe`: fd 3 takes commands, fd 4 gives replies,
    each a JSON message ended by a NUL), so no port and no websocket."""

    def __init__(self, width: int = 1200, height: int = 900) -> None:
        self._profile = tempfile.TemporaryDirectory()
        commands, self._commands = os.pipe()
        self._replies, replies = os.pipe()

        def pipes() -> None:  # in the child: the two ends at fds 3 and 4
            a, b = os.dup(commands), os.dup(replies)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile.name}"],
            preexec_fn=pipes,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands)
        os.close(replies)
        self._buffer = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        target = self._send("Target.createTarget", url="about:blank")["targetId"]
        attached = self._send("Target.attachToTarget", targetId=target, flatten=True)
        self._session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", source=_WATCH_CSP)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed its end of the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self._send(method, self._session, **params)

    def _until_loaded(self) -> None:
        deadline = time.monotonic() + 60
        at = 0
        while True:
            for event in self.events[at:]:
                if event.get("method") == "Page.loadEventFired":
                    return
            at = len(self.events)
            self.events.append(self._message(deadline))

    def open(self, page: Path) -> None:
        self.events = []
        self.send("Page.navigate", url=page.as_uri())
        self._until_loaded()

    def js(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    def follow(self, selector: str) -> None:
        """Click the link `selector` and wait for the page it leads to."""
        self.events = []
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        self._until_loaded()

    def screenshot(self, path: Path) -> Path:
        shot = self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 5000
        return path

    def csp_violations(self) -> list[str]:
        found = list(self.js("window.__csp||[]"))
        for event in self.events:
            text = json.dumps(event.get("params", {}), ensure_ascii=False)
            if "Content Security Policy" in text:
                found.append(text[:400])
        return found

    def close(self) -> None:
        with contextlib.suppress(EOFError, TimeoutError, OSError, RuntimeError):
            self._send("Browser.close")
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._commands)
        os.close(self._replies)
        self._profile.cleanup()


@pytest.fixture()
def browser() -> Iterator[_Browser]:
    driven = _Browser()
    try:
        yield driven
    finally:
        driven.close()


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: $CLEAN_DOCS_SHOTS (kept), else the test's folder."""
    folder = Path(os.environ.get("CLEAN_DOCS_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


_VISIBLE = """(function(e){if(!e)return false;var r=e.getBoundingClientRect(),s=getComputedStyle(e);
return r.width>0&&r.height>0&&r.top<innerHeight&&r.bottom>0&&s.visibility==='visible'
&&s.display!=='none';})(%s)"""


def _visible(browser: _Browser, selector: str) -> bool:
    return browser.js(_VISIBLE % f"document.querySelector({json.dumps(selector)})")


def test_the_legend_is_visible_and_each_removal_says_why_beside_its_mark(
    batch: Path, browser: _Browser, shots: Path
) -> None:
    browser.open(batch / "2022" / "twice.txt.report.html")
    assert _visible(browser, "#legend"), "the legend is not on the first screen"
    legend = browser.js("document.querySelector('#legend').innerText")
    for kind in ("removed", "twin", "finding", "another document", "line numbers"):
        assert kind in legend, kind
    browser.screenshot(shots / "report-legend.png")
    # the first removed span in the text: its tag just before it, the rule on hover
    mark = browser.js(
        """(function(){var m=document.querySelector('.doc span.removed'),
        t=m.previousElementSibling;return {title:m.title,tag:t.className,text:t.textContent,
        href:t.getAttribute('href')};})()"""
    )
    assert mark["tag"] == "tag" and mark["text"] == "R1", mark
    assert "R1 whole-copy: most of the document is here a second time" in mark["title"]
    # the tag leads to the list, which says it all, on screen
    browser.js(f"document.querySelector('.doc a[href=\"{mark['href']}\"]').click()")
    assert browser.js("location.hash") == mark["href"] == "#why-r1"
    assert _visible(browser, "#why-r1")
    listed = browser.js("document.querySelector('#why-r1').innerText")
    assert "R1 whole-copy" in listed and "Why this rule: no author writes" in listed
    browser.screenshot(shots / "report-why-r1.png")
    assert browser.csp_violations() == []


def test_a_whole_file_copy_stands_out_in_the_index(
    batch: Path, browser: _Browser, shots: Path
) -> None:
    browser.open(batch / "index.html")
    rows = browser.js(
        """Array.from(document.querySelectorAll('tbody tr')).map(function(r){
        var b=r.querySelector('.badge');return {file:r.cells[0].dataset.v,cls:r.className,
        badge:b?b.textContent:'',shown:b?b.getBoundingClientRect().width>0:false,
        bg:getComputedStyle(r.cells[1]).backgroundColor};})"""
    )
    by_file = {Path(r["file"]).name: r for r in rows}
    copy, original = by_file["b.txt"], by_file["a.txt"]
    assert copy["cls"] == "whole-copy" and copy["shown"], copy
    assert copy["badge"] == "whole copy of in/2022/a.txt"
    assert copy["bg"] != original["bg"]  # the row is tinted
    assert all(r["cls"] == "" for name, r in by_file.items() if name != "b.txt"), rows
    assert _visible(browser, "#legend")
    browser.screenshot(shots / "index-whole-copy.png")
    assert browser.csp_violations() == []


def test_a_cross_file_repeat_is_marked_and_links_the_other_page_at_its_line(
    batch: Path, browser: _Browser, shots: Path
) -> None:
    browser.open(batch / "2022" / "b.txt.report.html")
    assert _visible(browser, "#whole-copy")
    banner = browser.js("document.querySelector('#whole-copy').innerText")
    assert "it is a copy of in/2022/a.txt" in banner
    marked = browser.js(
        """Array.from(document.querySelectorAll('.doc span.xfile')).map(function(s){
        return s.title;})"""
    )
    assert marked and all("in/2022/a.txt lines 1-5" in title for title in marked)
    browser.screenshot(shots / "report-cross-file.png")
    assert browser.csp_violations() == []
    browser.follow(".doc a.tag.xref")
    assert browser.js("location.pathname").endswith("/2022/a.txt.report.html")
    assert browser.js("location.hash") == "#L1"
    assert browser.js("document.getElementById('L1').textContent") == "1"
    assert _visible(browser, "#L1")
    assert browser.csp_violations() == []
    browser.open(batch / "2022" / "b.txt.report.html")
    browser.follow("#whole-copy a")
    assert browser.js("location.pathname").endswith("/2022/a.txt.report.html")


# A column's cells, as the sort script reads them (data-v, else the text).
_COLUMN = """(function(th){var t=th.closest('table'),i=th.cellIndex;
return Array.from(t.tBodies[0].rows).map(function(r){var c=r.cells[i];
return c.dataset.v||c.textContent;});})(%s)"""


# Whether a column's cells are in order `d` (1 up, -1 down) as a person
# expects: numbers by value when both cells start with one, else text in
# the browser's collation.
_IN_ORDER = """(function(v,d){for(var k=1;k<v.length;k++){var p=v[k-1],q=v[k],
np=parseFloat(p),nq=parseFloat(q),c=(!isNaN(np)&&!isNaN(nq))?np-nq:p.localeCompare(q);
if(c*d>0)return false;}return true;})(%s,%d)"""


def test_headers_that_look_sortable_sort_when_clicked(
    batch: Path, browser: _Browser, shots: Path
) -> None:
    # the index, a table of findings, a table of repeats of other documents
    for page in ("index.html", "2022/k.txt.report.html", "2022/b.txt.report.html"):
        browser.open(batch / page)
        heads = browser.js(
            """Array.from(document.querySelectorAll('th')).map(function(th,n){
            th.dataset.n=n;return {n:n,pointer:getComputedStyle(th).cursor==='pointer'};})"""
        )
        looks = [h for h in heads if h["pointer"]]
        assert looks, f"{page}: nothing looks sortable"
        tried = 0
        for head in looks:
            th = f"document.querySelector('th[data-n=\"{head['n']}\"]')"
            browser.js(f"{th}.click()")
            up = browser.js(_COLUMN % th)
            browser.js(f"{th}.click()")
            down = browser.js(_COLUMN % th)
            assert browser.js(f"{th}.dataset.d") == "-1", (page, head)
            assert browser.js(_IN_ORDER % (json.dumps(up), 1)), (page, head, up)
            assert browser.js(_IN_ORDER % (json.dumps(down), -1)), (page, head, down)
            if len(set(up)) > 1:
                tried += 1
                assert down != up, (page, head)
        assert tried >= (2 if page != "2022/b.txt.report.html" else 0), page
        browser.screenshot(shots / f"sorted-{re.sub(r'[^A-Za-z0-9]+', '-', page)}.png")
        assert browser.csp_violations() == [], page


def test_the_fonts_name_cjk_fallbacks_for_prose_and_the_document_text(
    batch: Path, browser: _Browser
) -> None:
    browser.open(batch / "2022" / "a.txt.report.html")
    prose = browser.js("getComputedStyle(document.body).fontFamily")
    text = browser.js("getComputedStyle(document.querySelector('.doc')).fontFamily")
    for font in ("Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei"):
        assert font in prose and font in text, font
    assert prose.endswith("sans-serif") and text.endswith("monospace")
    assert "Noto Sans Mono CJK SC" in text
    assert browser.csp_violations() == []
