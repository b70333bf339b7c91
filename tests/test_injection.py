"""Issue 14: names and ids that try to become syntax in an output.

A file name (POSIX allows every byte but "/" and NUL) or a corpus record id
is data nobody checked. Each output that shows one must keep it data:
links in the pages (relative, percent-encoded), the pages themselves (a
strict Content-Security-Policy), the ``.diff`` headers (quoted as git quotes
names), GitHub workflow commands (their own escaping) and whatever a person
reads (control and bidi characters shown as escapes). Each test runs over a
class of hostile names, not one example.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import PARA

GIT = shutil.which("git")
PATCH = shutil.which("patch")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Names that are syntax somewhere: a URL scheme, a fragment, a query, a
# percent escape, white space, non-ASCII, markup.
LINK_NAMES = {
    "scheme": "javascript:document.body.setAttribute('data-pwned','yes').txt",
    "data-scheme": "data:text,hi.txt",
    "fragment": "a#b.txt",
    "query": "q?x=1.txt",
    "percent": "100%41.txt",
    "spaces": "name with spaces.txt",
    "non-ascii": "报告 2022 é.txt",
    "markup": "x\"'><img src=x onerror=alert(1)>.txt",
}
# Characters a reader cannot see or that reorder the text around them.
HIDDEN_NAMES = {
    "rlo": "invoice\u202etxt.exe.txt",
    "isolates": "\u2066left\u2069\u2067right\u2069.txt",
    "marks": "lrm\u200erlm\u200f.txt",
    "embeddings": "\u202alre\u202brle\u202cpdf\u202dlro.txt",
    "newline": "two\nlines.txt",
    "carriage-return": "over\rwrite.txt",
    "escape-sequence": "esc\x1b[2Jclear.txt",
    "bell-and-tab": "bell\x07tab\t.txt",
    "c1-controls": "next\x85line\x9bcsi.txt",
}
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _run(tmp_path: Path, clean_docs: list[str], files: dict[str, str], *extra: str) -> Path:
    """`clean-docs run in -o out` over `files` (relative path: text)."""
    for name, text in files.items():
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "run", "in", "-o", "out", "-q", *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "out"


def _pages(root: Path) -> list[Path]:
    return sorted([root / "index.html", *root.rglob("*.report.html")])


class _Page(HTMLParser):
    """Links, inline scripts and styles, the CSP and attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.csp: list[str] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self.attributes: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.attributes.extend(found.items())
        if tag == "a" and "href" in found:
            self.links.append(found["href"])
        if tag == "meta" and found.get("http-equiv", "").lower() == "content-security-policy":
            self.csp.append(found.get("content", ""))
        if tag in self.inline:
            self._open = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self.inline[self._open][-1] += data


def _parsed(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


# -- links in the pages -------------------------------------------------------------------


@pytest.mark.parametrize("name", LINK_NAMES.values(), ids=LINK_NAMES.keys())
def test_index_links_are_relative_encoded_and_resolve(
    tmp_path: Path, clean_docs: list[str], name: str
) -> None:
    # a/NAME holds a repeat; b/later.txt repeats it, so NAME's page is also
    # linked as the twin of a cross-file repeat
    out = _run(
        tmp_path, clean_docs, {f"a/{name}": PARA + PARA, "b/later.txt": "其他内容。\n" + PARA}
    )
    page = _parsed(out / "index.html")
    stem = name  # (reports are named after the whole file name)
    targets = []
    for link in page.links:
        parts = urlsplit(link)
        # relative: no scheme, no host, and "./" first so no name can be read as one
        assert link.startswith("./"), link
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", ""), link
        # URL-encoded: only characters a URL carries as they are
        assert re.fullmatch(r"[A-Za-z0-9._~%/-]+", link), link
        target = out / unquote(parts.path, errors="strict")
        assert target.is_file(), link
        targets.append(target)
    # NAME's page is linked from its own row and as b/later.txt's twin
    assert targets.count(out / "a" / f"{stem}.report.html") == 2, page.links
    assert out / "b" / "later.txt.report.html" in targets


# -- Content-Security-Policy --------------------------------------------------------------


def _sources(policy: str) -> dict[str, list[str]]:
    directives = (d.split() for d in policy.split(";") if d.strip())
    return {d[0]: d[1:] for d in directives}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("which", ["index.html", "a.txt.report.html", "b.txt.report.html"])
def test_every_page_has_a_strict_csp_that_allows_its_own_inline_code(
    tmp_path: Path, clean_docs: list[str], which: str
) -> None:
    out = _run(
        tmp_path,
        clean_docs,
        {"a.txt": PARA + "<script>alert(1)</script>\n" + PARA, "b.txt": "其他内容。\n" + PARA},
    )
    page = _parsed(out / which)
    [policy] = page.csp
    sources = _sources(policy)
    assert sources["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert sources.get("base-uri") == ["'none'"]
    # each inline style and script is allowed by the hash of its exact text
    for kind in ("style", "script"):
        for text in page.inline[kind]:
            assert _sha256(text) in sources[f"{kind}-src"], (kind, policy)
        if not page.inline[kind]:
            assert f"{kind}-src" not in sources
    # and nothing inline the hashes cannot cover: no handlers, no style attributes
    assert not [k for k, _ in page.attributes if k.startswith("on") or k == "style"]


_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make browser)")
@pytest.mark.parametrize("which", ["index.html", "a.txt.report.html"])
def test_browser_enforces_the_csp_and_runs_the_pages_own_script(
    tmp_path: Path, clean_docs: list[str], which: str
) -> None:
    out = _run(tmp_path, clean_docs, {"a.txt": PARA + "<script>alert(1)</script>\n" + PARA})
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, *_FLAGS, f"--user-data-dir={profile}", "--dump-dom"]
            + [(out / which).as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the policy is in force (the browser kept it) and refused nothing of the page's own
    assert 'http-equiv="Content-Security-Policy"' in proc.stdout
    assert "Content Security Policy" not in proc.stderr, proc.stderr[-2000:]
    if which == "index.html":
        # the sort script ran under the policy: it titles the sortable headers
        assert 'title="Sort by this column"' in proc.stdout


# -- names shown to people ----------------------------------------------------------------


def _escape_of(ch: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    code = ord(ch)
    return named.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


@pytest.mark.parametrize("name", HIDDEN_NAMES.values(), ids=HIDDEN_NAMES.keys())
def test_pages_show_control_and_bidi_characters_in_names_as_escapes(
    tmp_path: Path, clean_docs: list[str], name: str
) -> None:
    out = _run(tmp_path, clean_docs, {name: PARA + PARA})
    [report] = out.rglob("*.report.html")
    for page in (out / "index.html", report):
        html = page.read_text(encoding="utf-8")
        assert not _HIDDEN.findall(html.replace("\n", "")), page.name
        for ch in set(_HIDDEN.findall(name)):
            if ch != "\n":
                assert _escape_of(ch) in html, (page.name, _escape_of(ch))
        if "\n" in name:
            assert "two\\nlines.txt" in html


@pytest.mark.parametrize("name", HIDDEN_NAMES.values(), ids=HIDDEN_NAMES.keys())
def test_check_text_format_shows_control_and_bidi_characters_as_escapes(
    tmp_path: Path, clean_docs: list[str], name: str
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_text(PARA + PARA, encoding="utf-8")
    proc = subprocess.run([*clean_docs, "check", "in"], capture_output=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    # one finding, one line (then the count): nothing in the name breaks,
    # hides or reorders it
    [line, count] = re.split(r"\r\n|\r|\n", proc.stdout.decode("utf-8"))[:-1]
    assert count == "1 duplicated region in 1 of 1 file"
    assert not _HIDDEN.findall(line)
    shown = "".join(_escape_of(c) if _HIDDEN.fullmatch(c) else c for c in name)
    assert line.startswith(f"in/{shown}:6: duplicate: lines 6-10 repeat lines 1-5")


# -- GitHub workflow commands -------------------------------------------------------------

GITHUB_NAMES = {
    "properties": "a,line=999,title=x.txt",
    "command": "a::warning file=x::forged.txt",
    "percent": "100%25%0A.txt",
    "newline": "x\n::error file=forged.txt::forged.txt",
    "carriage-return": "x\r::error file=forged.txt::forged.txt",
    "crlf": "x\r\n::add-mask::secret.txt",
}


def _workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """A line as the Actions runner parses it (ActionCommand.TryParseV2)."""
    assert line.startswith("::"), line
    head, sep, message = line[2:].partition("::")
    assert sep, line
    command, _, props = head.partition(" ")
    properties = {}
    for prop in props.split(","):
        key, eq, value = prop.partition("=")
        assert eq, prop
        for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            value = value.replace(code, ch)
        properties[key] = value
    for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        message = message.replace(code, ch)
    return command, properties, message


@pytest.mark.parametrize("name", GITHUB_NAMES.values(), ids=GITHUB_NAMES.keys())
def test_github_annotations_encode_names_by_the_workflow_command_rules(
    tmp_path: Path, clean_docs: list[str], name: str
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_text(PARA + PARA, encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "check", "in", "--format", "github"],
        capture_output=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    # the runner reads a command per line, a line ending at LF (or CR)
    [line] = re.split(r"\r\n|\r|\n", proc.stdout.decode("utf-8"))[:-1]
    command, properties, message = _workflow_command(line)
    assert command == "error"
    assert properties == {
        "file": f"in/{name}",
        "line": "6",
        "endLine": "10",
        "title": "duplicated content",
    }
    # the raw property values hold none of the characters that end one
    raw_props = line[2:].partition("::")[0].partition(" ")[2]
    assert all(not re.search(r"[:\r\n]", v) for v in raw_props.split(","))
    assert message.startswith("lines 6-10 repeat in/") and "\n" not in message


# -- the .diff ----------------------------------------------------------------------------

DIFF_NAMES = {
    "spaces": "name with spaces.txt",
    "non-ascii": "报告 2022.txt",
    "accents": "résumé.txt",
    "quote": 'say "hi".txt',
    "backslash": "back\\slash.txt",
    "tab": "tab\there.txt",
    "newline": "two\nlines.txt",
}


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIT, "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def _headers(diff: str) -> list[str]:
    return [line for line in diff.split("\n") if line.startswith(("--- ", "+++ "))]


@pytest.mark.skipif(GIT is None or PATCH is None, reason="needs git and GNU patch")
@pytest.mark.parametrize("name", DIFF_NAMES.values(), ids=DIFF_NAMES.keys())
def test_diff_headers_quote_names_as_git_does_and_the_diff_applies(
    tmp_path: Path, clean_docs: list[str], name: str
) -> None:
    out = _run(tmp_path, clean_docs, {name: PARA + PARA})
    stem = name  # (reports are named after the whole file name)
    ours = (out / f"{stem}.diff").read_text(encoding="utf-8")
    # git's own diff of the same change, names quoted by core.quotePath
    repo = tmp_path / "repo"
    (repo / "in").mkdir(parents=True)
    shutil.copy(tmp_path / "in" / name, repo / "in" / name)
    assert _git(repo, "init", "-q").returncode == 0
    assert _git(repo, "add", "-A").returncode == 0
    assert _git(repo, "commit", "-qm", "input").returncode == 0
    shutil.copy(out / name, repo / "in" / name)
    theirs = _git(repo, "diff").stdout
    assert _headers(ours) == _headers(theirs)
    _git(repo, "checkout", "-q", "--", ".")
    # both tools read the name back and turn the input into the clean document
    check = _git(repo, "apply", "--check", "-v", str(out / f"{stem}.diff"))
    assert check.returncode == 0, check.stderr
    proc = subprocess.run(
        [PATCH, "-p1", "--batch", "--forward", "-i", str(out / f"{stem}.diff")],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo / "in" / name).read_bytes() == (out / name).read_bytes()


SEPARATORS = {
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
    "next-line": "\x85",
    "form-feed": "\x0c",
    "vertical-tab": "\x0b",
    "file-separator": "\x1c",
}


@pytest.mark.skipif(GIT is None or PATCH is None, reason="needs git and GNU patch")
@pytest.mark.parametrize("sep", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_diff_counts_lines_as_patch_does_whatever_other_breaks_a_line_holds(
    tmp_path: Path, clean_docs: list[str], sep: str
) -> None:
    # Python's str.splitlines breaks at these too; patch and git apply do not
    para = (
        f"The committee reviewed the annual budget in detail and approved every item after a "
        f"long and careful discussion{sep} of the figures. It then adjourned until the next "
        "quarter, when the auditors would report on the progress made by each regional office."
        "\n\nA second paragraph follows, saying something else entirely about the weather and "
        "the harvest in the northern provinces this year.\n"
    )
    out = _run(tmp_path, clean_docs, {"a.txt": "Title\n\n" + para + "\n" + para}, "--no-fix")
    (tmp_path / "work").mkdir()
    shutil.copy(tmp_path / "in" / "a.txt", tmp_path / "work" / "a.txt")
    diff = (out / "a.txt.diff").read_bytes().replace(b"a/in/", b"a/").replace(b"b/in/", b"b/")
    (tmp_path / "a.diff").write_bytes(diff)
    git = _git(tmp_path / "work", "apply", "--check", str(tmp_path / "a.diff"))
    assert git.returncode == 0, git.stderr
    proc = subprocess.run(
        [PATCH, "-p1", "--batch", "--forward", "-i", str(tmp_path / "a.diff")],
        cwd=tmp_path / "work",
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "work" / "a.txt").read_bytes() == (out / "a.txt").read_bytes()


# A record id that tries to add a patch of its own for victim.txt.
_FORGED = "\n--- a/victim.txt\n+++ b/victim.txt\n@@ -1 +1 @@\n-old\n+pwned\n"
HOSTILE_IDS = {
    "lf-headers": "x" + _FORGED,
    "lf-no-newline-end": "x" + _FORGED.rstrip("\n"),
    "git-header": "x\ndiff --git a/victim.txt b/victim.txt" + _FORGED,
    "tab-then-lf": "x\t2024-01-01" + _FORGED,
    "quoted-lf": 'x"' + _FORGED,
}


@pytest.mark.parametrize("record_id", HOSTILE_IDS.values(), ids=HOSTILE_IDS.keys())
def test_a_record_id_cannot_forge_lines_of_the_corpus_outputs(
    tmp_path: Path, clean_docs: list[str], record_id: str
) -> None:
    # a record writes no diff of its own (its corpus's cleaned copy holds
    # its clean text): an id has no patch header to forge; in the corpus's
    # line-per-record outputs it stays one line, escaped
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": record_id, "text": PARA + PARA}) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [*clean_docs, "run", "corpus.jsonl", "-o", "out", "--id-field", "id", "-q"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    assert not list(out.rglob("*.diff"))
    for name in ("corpus.jsonl", "corpus/reports.jsonl"):
        lines = (out / name).read_text(encoding="utf-8").split("\n")
        assert len(lines) == 2 and lines[1] == "", name
    [report] = [json.loads((out / "corpus" / "reports.jsonl").read_text(encoding="utf-8"))]
    assert report["source"]["path"] == "corpus.jsonl#" + record_id
    [page] = out.rglob("*.report.html")
    assert page.parent == out / "corpus" and "\n" not in page.name
    assert report["page"] == page.relative_to(out).as_posix()
