"""Attack the command line with hostile layouts (issue 14): `make attack`.

    python bench/attack.py                     # 300 examples
    python bench/attack.py --examples 2000 --seed 7
    python bench/attack.py --skip-known-bugs   # leave the bugs found so far out, find others
    python bench/attack.py --hostile-read      # also FIFOs, /dev/zero links, cp1252,
                                               # NUL padding, names of 230-255 bytes
    python bench/attack.py --known terminal    # count a violation, do not stop on it

Each example (hypothesis draws it, and shrinks a failing one to a minimal
layout) builds, in a fresh temporary folder, a hostile layout:

- input files whose names hold unicode, spaces, ``#?%&;``, leading dashes
  and dots, ``..``-like names, control and bidi characters, undecodable
  bytes, URL schemes, names of the batch's own files or of its temporaries,
  names up to 229 bytes (255 with --hostile-read); names that differ only by case or extension; contents
  that repeat (so there are removals), in several encodings, or that are
  no text at all;
- folders, and links to files, to folders, to places outside the inputs,
  dangling, in loops, to the output folder; links inside a pre-existing
  output folder pointing at an input or outside (``summary.json``,
  ``.clean-docs``, an output's own name, an output sub-folder);
- JSONL corpora with hostile ids (given twice, clashing once made safe,
  ``5`` and ``"5"``, ``/``, ``..``, line breaks, ``+++ b/victim``, very
  long, NUL, missing) and a BOM before the first record, bad lines;
- options: ``--across``, ``-j 1/2/1000``, ``--include``/``--exclude``,
  ``--encoding``, ``--max-size``, the corpus fields, ``-o`` beside, inside,
  above or equal to an input, through a link, or where a link dangles.

Then it runs ``clean-docs check`` (text, json or github), ``clean-docs
run``, sometimes a second ``run`` into the same folder and ``clean-docs
index list``, as subprocesses with a time limit, and checks the invariants
`Checker` lists (``INVARIANTS`` below). A failure prints hypothesis's
minimal layout and a Python script that rebuilds the tree and runs the
command. The summary gives examples run, invariants checked, failures and
time.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import posixpath
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import click
from hypothesis import HealthCheck, Phase, given, note, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

CLEAN_DOCS = str(Path(sys.executable).parent / "clean-docs")
PATCH = shutil.which("patch")
TIMEOUT = 60.0
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst"}
TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
# What a reader must not get raw from a name: C0 (but line feed and tab),
# DEL, C1, bidi embeddings/overrides/isolates/marks, line separators.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)

# Every invariant, by the name a violation is reported under.
INVARIANTS = {
    "traceback": "no Python traceback on stderr",
    "internal-error": "no 'internal error' (an exception the tool did not foresee)",
    "hang": "every command ends within the time limit",
    "exit-code": "run exits 0 or 2 (never 1), check 0/1/2, index list 0; "
    "0 without error lines, 2 with one",
    "check-findings": "check exits 1 only with findings printed, 0 with none; "
    "each printed finding is one well-formed line",
    "check-agrees": "check fails exactly when run removes or reports a repeat of another file",
    "outside-changed": "nothing outside DIR created, modified or deleted "
    "(inputs byte-identical, link targets unchanged); check and index list change nothing",
    "overlap": "-o being, holding or lying inside an input (links both ways) is refused, "
    "nothing written",
    "written-outside": "every output a summary lists is a regular file inside DIR",
    "input-in-dir": "no file inside DIR is read as an input",
    "tmp-left": "no temporary file left in DIR after a completed run",
    "unaccounted": "every input has its clean copy (under the name it should have) "
    "or is named in an error line or the refusal",
    "corpus": "a cleaned corpus holds every valid record, ids in order, "
    "each text its clean copy or the record's own",
    "href": "every link in index.html and the report pages is relative (./ or #) "
    "and leads to a file inside DIR",
    "diff-header": "a .diff holds its own --- / +++ header pair only, naming the input, "
    "and well-formed hunks",
    "diff-applies": "the .diff turns the input into the clean copy (GNU patch)",
    "rerun": "a second run into the same DIR writes the same outputs",
    "index-list": "index list prints one well-formed line per indexed document",
    "terminal": "no control or bidi character of a name reaches the terminal raw",
}


# The bugs this harness found (issue 14; tests/test_attack.py has a strict
# xfail for each): the layout features that trigger them, and the
# invariants broken wherever names are hostile. `--skip-known-bugs` leaves
# them out, to look for others.
# Features and invariants of bugs found and not yet fixed, avoided or only
# counted by --skip-known-bugs (none open: the three the harness found, raw
# names on stderr, names that are no UTF-8, a forced utf-8-sig, are fixed).
KNOWN_BUG_FEATURES: frozenset[str] = frozenset()
KNOWN_BUG_INVARIANTS: frozenset[str] = frozenset()


# -- hostile material --------------------------------------------------------

EN = [
    "The regional council reviewed the emergency response plans and adopted the new "
    "schedule after a broad consultation with residents, experts and local agencies.",
    "The audit office examined the road budget for the third year running and found "
    "that most of the spending followed the plan approved by the assembly in spring.",
    "Residents of the valley sent written comments on the river maps, and the water "
    "board answered each of them in public before the vote that closed the review.",
    "The school board moved two bus routes to serve the new district and promised a "
    "full report on the changes once the first term of the year had come to an end.",
]
ZH = [
    "海关总署坚持以习近平新时代中国特色社会主义思想为指导，全面推进法治海关建设，"
    "完善海关法律制度，加快推进海关法修订，提升立法质量和效率。",
    "各级海关应当依法履行职责，加强执法监督，规范执法行为，提升执法水平，"
    "切实维护当事人合法权益，健全海关执法机制，聚焦重点领域加大执法力度。",
]
CP1252 = "Café déjà vu, naïve façade: the œuvre of the committee’s “reviews” was long. "


def _para(v: int) -> str:
    return EN[v % len(EN)] + " " + EN[(v + 1) % len(EN)]


def text_of(kind: str, v: int) -> str:
    """A document's text by kind; most of them hold a repeat that goes."""
    a, b = _para(v), _para(v + 2)
    if kind == "twice":  # the whole document pasted again (R1)
        doc = f"Report {v}\n\n{a}\n{b}\n"
        return doc + doc
    if kind == "paste":  # a paragraph pasted again right after itself (R2)
        return f"{a}\n\n{b}\n\n{b}\n"
    if kind == "plain":
        return f"{a}\n\n{b}\n"
    if kind == "zh":
        doc = "年度报告\n\n" + ZH[v % 2] + "\n" + ZH[(v + 1) % 2] + "\n"
        return doc + doc
    if kind == "near":  # pasted again with typos (a near copy, notes in the .diff)
        doc = f"Report {v}\n\n{a}\n{b}\n"
        typos = doc.replace("regional", "regoinal").replace("consultation", "consultaiton")
        typos = typos.replace("examined", "examnied").replace("written", "wirtten")
        return doc + typos.replace("schedule", "schedlue").replace("district", "distrcit")
    if kind == "forge":  # lines a diff or a terminal could take for its own
        doc = (
            f"--- a/victim.txt\n+++ b/victim.txt\n@@ -1 +1 @@\n-- signature\n++ plus\n"
            f"\\ No newline\n{a}\n{b}\n"
        )
        return doc + doc
    if kind == "controls":
        doc = f"Title \x1b[31mred\x1b[0m \u202eevil\u202c\n\n{a}\x07\n{b}\u200b\n"
        return doc + doc
    if kind == "empty":
        return ""
    if kind == "blank":
        return "  \n\t\n"
    if kind == "short":
        return "ok\n"
    raise ValueError(kind)


TEXT_KINDS = [
    "twice",
    "paste",
    "near",
    "plain",
    "zh",
    "forge",
    "controls",
    "empty",
    "blank",
    "short",
]
BYTE_KINDS = TEXT_KINDS + ["crlf", "utf16", "gb18030", "bom", "png", "noeol"]
HOSTILE_BYTE_KINDS = ["cp1252", "nul_padded"]


def bytes_of(kind: str, v: int) -> bytes:
    if kind in TEXT_KINDS:
        return text_of(kind, v).encode("utf-8")
    if kind == "crlf":
        return text_of("twice", v).replace("\n", "\r\n").encode()
    if kind == "utf16":
        return text_of("twice", v).encode("utf-16")
    if kind == "gb18030":
        return text_of("zh", v).encode("gb18030")
    if kind == "bom":
        return text_of("paste", v).encode("utf-8-sig")
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
    if kind == "noeol":
        return text_of("twice", v).rstrip("\n").encode()
    if kind == "cp1252":
        return ((CP1252 * 3 + "\n") * 2).encode("cp1252")
    if kind == "nul_padded":
        return text_of("twice", v).encode() + bytes(5000)
    raise ValueError(kind)


PIECES: dict[str, list[str]] = {
    "plain": ["a", "notes", "report", "Report", "x1", "data"],
    "unicode": ["报告 2022", "café", "naïve", "🙂", "Ωmega", "ß", "ﬁle", "e\u0301"],
    "space": [" ", " lead", "trail ", "a b", "a  b"],
    "punct": ["#", "?", "%", "&", ";", "%41", "a#b?c", "100%", "a&b;c", "'", '"', "`"]
    + ["$HOME", "*", "[x]", "{a}", "\\", "|", ":", ",", "<b>", "=", "~2"],
    "dash": ["-", "--", "-o", "--help", "-x y", "--output=z"],
    "dots": [".hidden", "..x", "...", ". .", "..%2F", "..\\..", "...txt", "."],
    "control": ["\t", "\n", "\r", "\x1b[31m", "\x7f", "\x85", "\x01"],
    "bidi": ["\u202e", "\u2066", "\u200f", "\u061c", "\u2028", "\u200b", "\ufeff"],
    "scheme": ["javascript:alert(1)", "data:text,html", "http:", "file:"],
    "diffy": ["+++ b", "--- a", "@@ -1 +1 @@"],
    "tempish": [".a.0123abcd", ".x.txt.deadbeef"],
    "batch": ["summary.json", "index.html", ".clean-docs", "index"],
    "rawbytes": ["\udcff", "a\udce9"],  # undecodable bytes (surrogateescape)
}
EXTENSIONS = [".txt", ".md", ".rst", ".TXT", ".Md", ".text", ".markdown", ""]
EXTENSIONS += [".html", ".tmp", ".txt.bak", ".jsonl", ".txt.diff", ".report.json"]
TEXT_EXT = [".txt", ".md", ".rst", ".TXT", ".text"]


def fs_len(name: str) -> int:
    return len(os.fsencode(name))


def fit(name: str, limit: int) -> str:
    while fs_len(name) > limit:
        name = name[:-1]
    return name


@st.composite
def names(
    draw: Any,
    max_bytes: int,
    ext: bool = True,
    long_ok: bool = True,
    avoid: frozenset[str] = frozenset(),
) -> str:
    """A hostile file or folder name (never "", ".", ".." nor with a / or NUL)."""
    kinds = [k for k in PIECES if k not in avoid]
    parts = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3))
    name = "".join(draw(st.sampled_from(PIECES[k])) for k in parts)
    suffix = draw(st.sampled_from(EXTENSIONS)) if ext else ""
    if long_ok and draw(st.integers(0, 9)) == 0:  # very long, up to max_bytes
        filler = draw(st.sampled_from(["L", "长", "é", "a b"]))
        want = draw(st.integers(100, max_bytes))
        name = fit(name + filler * want, want - fs_len(suffix))
    name = fit(name.replace("/", "_"), max_bytes - fs_len(suffix)) + suffix
    if name in ("", ".", "..") or not name.strip("."):
        name = "dots" + name
    return name


def variant(name: str, how: str) -> str:
    """A name differing only by case or by extension."""
    stem, dot, ext = name.rpartition(".")
    if how == "case":
        return name.swapcase()
    if not dot:
        return name + ".md"
    return stem + "." + ("md" if ext.lower() != "md" else "txt")


IDS: list[Any] = ["a b", "a_b", 5, "5", "x/y", "../../victim", "..", ".", "", "a\nb"]
IDS += ["+++ b/victim", "--- a/x\n+++ b/victim", "L" * 300, "长" * 120, "年报", "A", "a"]
IDS += ["javascript:alert(1)", "%41", "a~2", "\u202ecod.exe", 5.0, True, ["l"], {"d": 1}]
IDS += ["\x00listed\x00", "summary.json", "\ud800", "#", "a#b", None]
MISSING = "<missing>"


# -- the layout --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class File:
    path: str  # relative to the work folder (the commands' cwd), POSIX
    kind: str
    v: int = 0


@dataclasses.dataclass(frozen=True)
class Link:
    path: str
    to: str  # what the link holds; {ROOT}, {WS} stand for the folders, {OUT} for -o


@dataclasses.dataclass(frozen=True)
class Corpus:
    path: str
    records: tuple[tuple[Any, str], ...]  # (id or MISSING, text kind or "nonstr")
    bom: bool = False
    crlf: bool = False
    bad: tuple[int, ...] = ()  # bad lines, each put after that many records


@dataclasses.dataclass(frozen=True)
class InDir:
    """Something in the output folder before the run: a link (kind) at the
    output name of input `which` (or at a batch file), or a stale temporary."""

    kind: str
    which: int = 0


@dataclasses.dataclass(frozen=True)
class Layout:
    """What an example makes and runs (paths relative to the work folder)."""

    files: tuple[File, ...]
    folders: tuple[str, ...] = ("in",)
    links: tuple[Link, ...] = ()
    corpora: tuple[Corpus, ...] = ()
    out: str = "out"  # -o as typed
    out_links: tuple[Link, ...] = ()  # links made before the run, for -o (in the work folder)
    out_exists: bool = False  # DIR made before the run (with `in_dir` in it)
    in_dir: tuple[InDir, ...] = ()
    args: tuple[str, ...] = ("in",)
    options: tuple[str, ...] = ()
    check: str | None = None  # None or the --format of a check run first
    rerun: bool = False  # a second run into the same DIR
    index_list: bool = False
    fifos: tuple[str, ...] = ()


OUT_PLACES = [
    "beside",
    "nested",
    "abs",
    "dot",
    "inside_input",
    "above_input",
    "equal_input",
    "via_link",
    "link_itself",
    "via_link_into_input",
    "dangling_link",
    "is_file",
    "outside_abs",
    "hostile",
]
IN_DIR_KINDS = [
    "output_to_input",
    "output_to_outside",
    "summary_to_outside",
    "index_html_to_input",
    "clean_docs_to_outside",
    "sqlite_dangling",
    "subfolder_to_outside",
    "corpus_folder_to_outside",
    "corpus_out_to_input",
    "stale_tmp",
    "diff_to_input",
]
GLOBS = ["*", "*.md", "*.TXT", "*.txt", "[", "**/*", "*#*", "-*", ".*", "*/*", "in/*", "?"]
ENCODINGS = ["utf-8", "gb18030", "latin-1", "utf-16", "no-such-codec", "ascii", "utf-8-sig"]


def _rel(target: str, link: str) -> str:
    """`target` (relative to the work folder; ../outside for outside) as
    seen from the folder holding `link`."""
    base = posixpath.dirname(posixpath.join("/R/ws", link))
    return posixpath.relpath(posixpath.normpath(posixpath.join("/R/ws", target)), base)


@st.composite
def layouts(
    draw: Any,
    hostile_read: bool = False,
    avoid: frozenset[str] = frozenset(),
    commands: int = 3,
) -> Layout:
    """A hostile layout; `avoid` names features left out (known bugs).
    Besides `run`, a check, a second run and `index list` come one example
    in `commands` each (less often when it is larger: a command costs a
    second)."""
    max_bytes = 255 if hostile_read else 229
    name = names(max_bytes, avoid=avoid)
    taken: set[str] = set()

    def fresh(path: str) -> bool:
        # (everything is made inside a folder of the layout: a path clashes
        # only with the same path)
        if path in taken:
            return False
        taken.add(path)
        return True

    folders = ["in"]
    for _ in range(draw(st.integers(0, 3))):
        parent = draw(st.sampled_from(folders))
        path = f"{parent}/{draw(names(max_bytes, ext=False, long_ok=False, avoid=avoid))}"
        if fresh(path):
            folders.append(path)
    kinds = [k for k in BYTE_KINDS + (HOSTILE_BYTE_KINDS if hostile_read else []) if k not in avoid]
    files: list[File] = []
    for _ in range(draw(st.integers(1, 6))):
        folder = draw(st.sampled_from(folders))
        if files and draw(st.integers(0, 3)) == 0:  # a twin name: case or extension
            base = draw(st.sampled_from(files)).path.rsplit("/", 1)[1]
            leaf = variant(base, draw(st.sampled_from(["case", "ext"])))
        else:
            leaf = draw(name)
        if draw(st.integers(0, 2)) > 0:  # mostly a name a folder walk takes
            leaf = fit(leaf, max_bytes - 4) + draw(st.sampled_from(TEXT_EXT))
        path = f"{folder}/{leaf}"
        kind = draw(st.sampled_from(["twice", "paste"] * 3 + kinds))
        if fresh(path):
            files.append(File(path, kind, draw(st.integers(0, 3))))

    for folder in folders:  # no folder left empty (an empty one is one refusal, no more)
        if not any(f.path.startswith(folder + "/") for f in files) and fresh(folder + "/a.txt"):
            files.append(File(folder + "/a.txt", "twice", len(files) % 4))
    links: list[Link] = []
    link_kinds = ["file", "file_abs", "outside_file", "outside_dir", "inside_dir", "parent"]
    link_kinds += ["self", "loop", "dangling", "to_out", "to_corpus"]
    if hostile_read:
        link_kinds += ["dev_zero"]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from([k for k in link_kinds if k not in avoid]))
        folder = draw(st.sampled_from(folders))
        path = f"{folder}/{fit(draw(name), max_bytes - 4) + draw(st.sampled_from(TEXT_EXT))}"
        if kind in ("outside_dir", "inside_dir", "parent", "to_out") and draw(st.booleans()):
            path = f"{folder}/{draw(names(max_bytes, ext=False, long_ok=False, avoid=avoid))}"
        if not fresh(path):
            continue
        if kind == "file" and files:
            to = _rel(draw(st.sampled_from(files)).path, path)
        elif kind == "file_abs" and files:
            to = "{WS}/" + draw(st.sampled_from(files)).path
        elif kind == "outside_file":
            to = _rel("../outside/secret.txt", path)
        elif kind == "outside_dir":
            to = draw(st.sampled_from([_rel("../outside/dir", path), "{ROOT}/outside/dir"]))
        elif kind == "inside_dir":
            to = _rel(draw(st.sampled_from(folders)), path)
        elif kind == "parent":
            to = ".."
        elif kind == "self":
            to = posixpath.basename(path)
        elif kind == "loop":
            other = f"{folder}/loop-{len(links)}.txt"
            if not fresh(other):
                continue
            links.append(Link(other, posixpath.basename(path)))
            to = posixpath.basename(other)
        elif kind == "to_out":
            to = "{OUT}"  # the output folder, as -o names it, relative to the link
        elif kind == "to_corpus":
            to = _rel("c.jsonl", path)
        elif kind == "dev_zero":
            to = "/dev/zero"
        else:
            to = "nowhere-" + str(len(links))
        links.append(Link(path, to))
    fifos: list[str] = []
    if hostile_read and "fifo" not in avoid and draw(st.integers(0, 4)) == 0:
        path = f"{draw(st.sampled_from(folders))}/fifo{draw(st.sampled_from(TEXT_EXT))}"
        if fresh(path):
            fifos.append(path)

    corpora: list[Corpus] = []
    # "rawbytes" also leaves out the id that is a lone surrogate (the same bug)
    ids = [i for i in IDS if "rawbytes" not in avoid or i != "\ud800"] + [MISSING]
    for n in range(draw(st.integers(0, 2))):
        stem = "c" if n == 0 and draw(st.booleans()) else draw(names(200, ext=False, avoid=avoid))
        path = draw(st.sampled_from(["", "in/"])) + stem + ".jsonl"
        if not fresh(path):
            continue
        records = tuple(
            (
                draw(st.sampled_from(ids)),
                draw(
                    st.sampled_from(
                        ["twice", "paste", "near", "plain", "zh", "forge", "controls"] * 2
                        + ["empty", "blank", "nonstr"]
                    )
                ),
            )
            for _ in range(draw(st.integers(1, 6)))
        )
        bad = tuple(draw(st.lists(st.integers(0, len(records)), max_size=2)))
        corpora.append(Corpus(path, records, draw(st.booleans()), draw(st.booleans()), bad))

    # where -o points
    # (half the time a plain place, so most runs get to write)
    usual = ["beside", "nested", "abs", "dot", "via_link", "outside_abs", "link_itself"]
    place = draw(st.sampled_from([p for p in usual if p not in avoid]))
    if draw(st.booleans()):
        place = draw(st.sampled_from([p for p in OUT_PLACES if p not in avoid]))
    out_links: list[Link] = []
    out = {
        "beside": "out",
        "nested": "out2/deep/er",
        "abs": "{WS}/out",
        "dot": "./out/",
        "inside_input": "in/out",
        "above_input": draw(st.sampled_from([".", "..", "{WS}"])),
        "equal_input": "in",
        "via_link": "olink/out",
        "link_itself": "olink",
        "via_link_into_input": "ilink/out",
        "dangling_link": draw(st.sampled_from(["dlink", "dlink/out"])),
        "is_file": files[0].path,
        "outside_abs": "{ROOT}/outside/odir/new",
        "hostile": draw(names(100, avoid=avoid)),
    }[place]
    if place in ("via_link", "link_itself"):
        out_links.append(Link("olink", "../outside/odir"))
    elif place == "via_link_into_input":
        out_links.append(Link("ilink", "in"))
    elif place == "dangling_link":
        out_links.append(Link("dlink", "../outside/gone"))
    out_exists = draw(st.integers(0, 2)) == 0
    in_dir: tuple[InDir, ...] = ()
    if out_exists:
        in_dir = tuple(
            InDir(k, draw(st.integers(0, 5)))
            for k in draw(
                st.lists(st.sampled_from([k for k in IN_DIR_KINDS if k not in avoid]), max_size=3)
            )
        )

    # the command line's paths
    choices = ["in", "in/", "./in", "{WS}/in", "missing.txt"]
    choices += [f.path for f in files] + [link.path for link in links] + folders[1:]
    choices += [c.path for c in corpora] + fifos
    args = draw(st.lists(st.sampled_from(choices), min_size=0, max_size=3))
    args = ["in"] * draw(st.integers(0 if args else 1, 1)) + args
    if corpora and draw(st.booleans()):
        args.append(draw(st.sampled_from(corpora)).path)

    options: list[str] = []
    if draw(st.booleans()):
        options += ["-j", draw(st.sampled_from(["1", "2", "1000"]))]
    if draw(st.integers(0, 2)) == 0:
        options.append("--across")
    for flag in ("--include", "--exclude"):
        if "patterns" not in avoid and draw(st.integers(0, 3)) == 0:
            for glob in draw(st.lists(st.sampled_from(GLOBS), min_size=1, max_size=2)):
                options += [flag, glob]
    if draw(st.integers(0, 7)) == 0:
        options += ["--encoding", draw(st.sampled_from([e for e in ENCODINGS if e not in avoid]))]
    if draw(st.integers(0, 7)) == 0:
        sizes = ["0.0009", "0.0001", "1e-9", "1e9"]
        options += ["--max-size", draw(st.sampled_from(sizes))]
    if corpora:
        if draw(st.integers(0, 3)) > 0:
            options += ["--id-field", draw(st.sampled_from(["id", "id", "nope"]))]
        if draw(st.integers(0, 5)) == 0:
            options += ["--text-field", draw(st.sampled_from(["body", "id"]))]
    return Layout(
        folders=tuple(folders),
        files=tuple(files),
        links=tuple(links),
        corpora=tuple(corpora),
        out=out,
        out_links=tuple(out_links),
        out_exists=out_exists,
        in_dir=in_dir,
        args=tuple(args),
        options=tuple(options),
        check=draw(st.sampled_from([None, "text", "json", "github"]))
        if draw(st.integers(1, commands)) <= 2
        else None,
        rerun=draw(st.integers(1, commands)) == 1,
        index_list=draw(st.integers(0, commands)) == 0,
        fifos=tuple(fifos),
    )


# -- building it -------------------------------------------------------------


@dataclasses.dataclass
class Built:
    root: Path
    ws: Path
    out: str  # -o as given
    args: list[str]
    options: list[str]
    corpora: list[str]  # the corpora's paths (relative to ws)


def _sub(text: str, root: Path) -> str:
    return text.replace("{ROOT}", str(root)).replace("{WS}", str(root / "ws"))


def _corpus_lines(corpus: Corpus) -> list[str]:
    lines = []
    for n, (key, kind) in enumerate(corpus.records):
        record: dict[str, Any] = {}
        if key is not MISSING and key != MISSING:
            record["id"] = key
        record["text"] = 5 if kind == "nonstr" else text_of(kind, n)
        record["meta"] = {"n": n}
        lines.append(json.dumps(record))
    for at in sorted(corpus.bad, reverse=True):
        lines.insert(at, ["not json", "[1, 2]", '{"id": "q"}'][at % 3])
    return lines


def build(layout: Layout, root: Path) -> Built:
    """Make the layout under `root` (root/ws is the commands' cwd; root/outside
    holds what links point at outside the inputs)."""
    ws = root / "ws"
    outside = root / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "odir").mkdir()
    (outside / "secret.txt").write_text(text_of("twice", 1), encoding="utf-8")
    (outside / "dir" / "note.md").write_text(text_of("paste", 2), encoding="utf-8")
    (outside / ".x.txt.0123abcd.tmp").write_text("not ours\n", encoding="utf-8")
    for folder in layout.folders:
        (ws / folder).mkdir(parents=True, exist_ok=True)
    for f in layout.files:
        (ws / f.path).write_bytes(bytes_of(f.kind, f.v))
    for path in layout.fifos:
        os.mkfifo(ws / path)
    for c in layout.corpora:
        text = "\r\n".join(_corpus_lines(c)) if c.crlf else "\n".join(_corpus_lines(c))
        data = ("\ufeff" if c.bom else "") + text + "\n"
        (ws / c.path).write_bytes(data.encode("utf-8", "surrogatepass"))
    out = _sub(layout.out, root)
    for link in layout.links + layout.out_links:
        (ws / link.path).parent.mkdir(parents=True, exist_ok=True)
        to = _sub(link.to, root)
        if to == "{OUT}":
            to = os.path.relpath(ws / out, (ws / link.path).parent)
        os.symlink(to, ws / link.path)
    args = [_sub(a, root) for a in layout.args]
    options = list(layout.options)
    if layout.out_exists:
        real = Path(os.path.realpath(ws / out))
        with contextlib.suppress(OSError):
            real.mkdir(parents=True, exist_ok=True)
        if real.is_dir():
            _fill_out_dir(layout, real, ws, args, options, root)
    return Built(root, ws, out, args, options, [c.path for c in layout.corpora])


def _fill_out_dir(
    layout: Layout, real: Path, ws: Path, args: list[str], options: list[str], root: Path
) -> None:
    model = expected(ws, args, options)
    names = [e.inside for e in model.inputs] or ["a.txt"]
    corpora = [c.folder for c in model.corpora] or ["c"]
    secret = root / "outside" / "secret.txt"
    for item in layout.in_dir:
        name = names[item.which % len(names)]
        inputs = [ws / e.shown for e in model.inputs if (ws / e.shown).is_file()]
        an_input = inputs[item.which % len(inputs)] if inputs else secret
        at, to = {
            "output_to_input": (name, an_input),
            "output_to_outside": (name, secret),
            "summary_to_outside": ("summary.json", secret),
            "index_html_to_input": ("index.html", an_input),
            "clean_docs_to_outside": (".clean-docs", root / "outside" / "dir"),
            "sqlite_dangling": (".clean-docs/index.sqlite", root / "outside" / "ghost.sqlite"),
            "subfolder_to_outside": (
                name.split("/")[0] if "/" in name else "sub",
                root / "outside" / "dir",
            ),
            "corpus_folder_to_outside": (corpora[0], root / "outside" / "dir"),
            "corpus_out_to_input": (corpora[0] + ".jsonl", an_input),
            "stale_tmp": (".a.txt.0123abcd.tmp", None),
            "diff_to_input": (name + ".diff", an_input),
        }[item.kind]
        place = real / at
        if os.path.lexists(place):
            continue
        try:
            place.parent.mkdir(parents=True, exist_ok=True)
            if to is None:
                place.write_text("stale\n", encoding="utf-8")
            else:
                os.symlink(os.path.relpath(to, place.parent), place)
        except OSError:
            continue


# -- what the tool should see (the contract, modelled independently) ---------


@dataclasses.dataclass(frozen=True)
class Expected:
    shown: str  # as the tool names it (summary "path", error lines)
    inside: str  # its clean copy's path inside DIR
    real: str  # where it is, links resolved


@dataclasses.dataclass(frozen=True)
class ExpectedCorpus:
    shown: str
    real: str
    folder: str


@dataclasses.dataclass
class Model:
    inputs: list[Expected]
    corpora: list[ExpectedCorpus]
    missing: list[str]  # paths that are not there: an error each


def _option_values(options: list[str], flag: str) -> list[str]:
    return [options[i + 1] for i, o in enumerate(options[:-1]) if o == flag]


def _matches(relative: str, patterns: list[str]) -> bool:
    return any(fnmatch(relative, p) or fnmatch(posixpath.basename(relative), p) for p in patterns)


def _walk(ws: Path, top: str, include: list[str]) -> Iterator[str]:
    """Files a folder argument yields, relative to it: hidden entries
    skipped, folder links followed once, text suffixes or --include."""
    seen: set[str] = set()
    stack = [""]
    while stack:
        rel = stack.pop()
        folder = os.path.join(ws, top, rel) if rel else os.path.join(ws, top)
        real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.listdir(folder))
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            if entry.startswith("."):
                continue
            path = os.path.join(folder, entry)
            relative = posixpath.join(rel, entry) if rel else entry
            if os.path.isdir(path):
                subdirs.append(relative)
            elif (
                _matches(relative, include)
                if include
                else os.path.splitext(entry)[1].lower() in TEXT_SUFFIXES
            ) and (os.path.isfile(path) or os.path.islink(path)):
                yield relative
        stack.extend(reversed(subdirs))


def expected(ws: Path, args: list[str], options: list[str]) -> Model:
    """The inputs the README says a run takes from `args`. A file met twice
    is one input, taken the first time: a corpus met first through a link
    read as text is that text, and the other way round."""
    from pipeline.inputs import corpus_folder  # where a corpus's records go: its name made safe

    include = _option_values(options, "--include")
    exclude = _option_values(options, "--exclude")
    model = Model([], [], [])
    texts: set[str] = set()
    corpora: set[str] = set()

    def text(shown: str, inside: str, real: str) -> None:
        if real not in corpora:
            texts.add(real)
            model.inputs.append(Expected(shown, inside, real))

    for raw in args:
        path = Path(raw)
        full = ws / path
        if full.is_dir():
            for rel in _walk(ws, raw, include):
                if not _matches(rel, exclude):
                    text((path / rel).as_posix(), rel, os.path.realpath(full / rel))
        elif path.suffix.lower() in (".jsonl", ".parquet") and full.is_file():
            real = os.path.realpath(full)
            if real not in texts:
                corpora.add(real)
                model.corpora.append(ExpectedCorpus(path.as_posix(), real, corpus_folder(path)))
        elif full.exists() or full.is_symlink():
            text(path.as_posix(), path.name, os.path.realpath(full))
        else:
            model.missing.append(raw)
    return model


def _places(path: Path) -> set[str]:
    return {os.path.abspath(path), os.path.realpath(path)}


def overlaps(ws: Path, args: list[str], out: str) -> bool:
    """-o is, holds or lies inside an input (as typed or links resolved)."""
    outs = _places(ws / out)
    for raw in args:
        for src in _places(ws / raw):
            for o in outs:
                if o == src or o.startswith(src.rstrip("/") + "/") or src.startswith(o + "/"):
                    return True
    return False


# -- running and looking -----------------------------------------------------


@dataclasses.dataclass
class Ran:
    argv: list[str]
    code: int | None  # None: killed at the time limit
    out: str
    err: str
    seconds: float


def clean_docs(args: list[str], cwd: Path, timeout: float | None = None) -> Ran:
    argv = [CLEAN_DOCS, *args]
    timeout = TIMEOUT if timeout is None else timeout
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)  # the group this call started, by its id
        out, err = proc.communicate()
        code = None
    return Ran(
        argv,
        code,
        out.decode("utf-8", "surrogateescape"),
        err.decode("utf-8", "surrogateescape"),
        time.perf_counter() - started,
    )


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry under root (links not followed): what it is, and for a
    file its mode, size, mtime and hash; for a link what it holds."""
    seen: dict[str, tuple[Any, ...]] = {}
    for folder, dirs, files in os.walk(root):
        for entry in dirs + files:
            path = os.path.join(folder, entry)
            rel = os.path.relpath(path, root)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                seen[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(mode):
                seen[rel] = ("dir", stat.S_IMODE(mode))
            elif stat.S_ISREG(mode):
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
                seen[rel] = ("file", stat.S_IMODE(mode), info.st_size, info.st_mtime_ns, digest)
            else:
                seen[rel] = ("other", mode)
    return seen


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class Violation(AssertionError):
    """An invariant broken (a subclass per invariant, so hypothesis tells them apart)."""


_VIOLATIONS: dict[str, type[Violation]] = {}


def violation(kind: str) -> type[Violation]:
    if kind not in _VIOLATIONS:
        _VIOLATIONS[kind] = type(f"Violation_{kind.replace('-', '_')}", (Violation,), {})
    return _VIOLATIONS[kind]


STATS: Counter[str] = Counter()
REASONS: Counter[str] = Counter()  # why inputs were refused, for the summary
# examples that broke an invariant, by the invariant and their hostile-read features
FEATURES: Counter[tuple[str, str]] = Counter()


class Checker:
    """Counts the invariants checked and keeps what broke."""

    def __init__(self, known: frozenset[str] = frozenset()) -> None:
        self.known = known
        self.broken: list[tuple[str, str]] = []
        self.repro = ""  # the script that rebuilds the layout, when no hypothesis note took it

    def check(self, kind: str, ok: bool, message: Callable[[], str] | str) -> bool:
        STATS["invariants checked"] += 1
        if not ok:
            text = message() if callable(message) else message
            self.broken.append((kind, text))
            STATS[f"violated: {kind}"] += 1
        return ok

    def raise_first(self) -> None:
        real = [(k, m) for k, m in self.broken if k not in self.known]
        if real:
            kind = real[0][0]
            lines = "\n".join(f"  [{k}] {m}" for k, m in real)
            repro = f"\n{self.repro}" if self.repro else ""
            raise violation(kind)(f"{kind}: {INVARIANTS[kind]}\n{lines}{repro}")


def _q(text: str) -> str:
    return repr(text)[:300]


def common(c: Checker, ran: Ran, codes: set[int], what: str, out_kind: str | None = None) -> None:
    """What every command owes: an end, no traceback, an allowed exit code,
    names escaped on the terminal: on stderr (invariant "terminal") and on
    stdout when it is for people (`out_kind`: the invariant it falls under;
    None for JSON and GitHub annotations, which are for programs)."""
    if not c.check("hang", ran.code is not None, f"{what} killed after {TIMEOUT:.0f} s"):
        return
    c.check("traceback", "Traceback (most recent call last)" not in ran.err, lambda: _q(ran.err))
    c.check("internal-error", "internal error" not in ran.err, lambda: _q(ran.err))
    c.check("exit-code", ran.code in codes, lambda: f"{what} exited {ran.code}: {_q(ran.err)}")
    streams = [("stderr", ran.err, "terminal")]
    if out_kind is not None:
        streams.append(("stdout", ran.out, out_kind))
    for stream, text, kind in streams:
        bad = UNSAFE.search(text)
        c.check(
            kind,
            bad is None,
            lambda stream=stream, text=text, bad=bad: (
                f"{what} {stream} holds {bad.group()!r}: "
                + _q(text[max(0, bad.start() - 80) : bad.end() + 40])
            ),
        )


def _error_lines(err: str) -> list[str]:
    return [line for line in err.split("\n") if ": error: " in line or line.startswith("error:")]


def _refused(err: str) -> bool:
    """The whole run refused (or a usage error): nothing processed."""
    return any(line.startswith(("error:", "Error:", "Usage:")) for line in err.split("\n"))


def visible(name: str) -> str:
    from pipeline.quoting import visible as shown  # how the tool shows names with escapes

    return shown(name)


def _named(err: str, shown: str, c: Checker | None = None) -> bool:
    """An error line names `shown`, raw or with escapes. Named with its ANSI
    sequences cut out (click cuts them when stderr is no terminal), it
    counts, but as a name that did not reach the reader safely."""
    if f"{shown}: error: " in err or f"{visible(shown)}: error: " in err:
        return True
    cut = click.unstyle(shown)
    if cut != shown and f"{cut}: error: " in err:
        if c is not None:
            c.check("terminal", False, f"an error line names {shown!r} as {cut!r}")
        return True
    return False


def _regular_inside(out_real: str, path: Path) -> bool:
    return not path.is_symlink() and path.is_file() and _inside(os.path.realpath(path), out_real)


def _git_unquote(name: str) -> str:
    name = name.removesuffix("\t")
    if not name.startswith('"'):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    escapes = {"n": 10, "t": 9, '"': 34, "\\": 92, "a": 7, "b": 8, "f": 12, "r": 13, "v": 11}
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt in escapes:
                out.append(escapes[nxt])
                i += 2
            else:
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
        else:
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def _as_written(name: str) -> str:
    """A name as a diff header can carry it, read back: a surrogate
    standing for a byte of a POSIX name is that byte, another lone
    surrogate its CESU-8 bytes."""
    out = bytearray()
    for ch in name:
        if 0xD800 <= ord(ch) <= 0xDFFF and not 0xDC80 <= ord(ch) <= 0xDCFF:
            out += ch.encode("utf-8", "surrogatepass")
        else:
            out += ch.encode("utf-8", "surrogateescape")
    return bytes(out).decode("utf-8", "surrogateescape")


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def diff_problems(data: bytes, shown: str) -> list[str]:
    """What is wrong with a .diff: its header pair not first nor naming the
    input, a ---/+++ line outside a hunk, malformed hunks."""
    if not data:
        return []
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    problems = []
    while lines and lines[0].startswith("#"):  # notes on near copies: comments to patch
        lines.pop(0)
    if len(lines) < 3 or not lines[0].startswith("--- ") or not lines[1].startswith("+++ "):
        return [f"no header pair first: {_q(chr(10).join(lines[:3]))}"]
    a, b = _git_unquote(lines[0][4:]), _git_unquote(lines[1][4:])
    # a JSON id may hold a lone surrogate that stands for no byte: the
    # header carries its CESU-8 bytes (what `surrogatepass` writes)
    shown = _as_written(shown)
    if a != "a/" + shown or b != "b/" + shown:
        problems.append(f"header names {a!r} / {b!r}, not the input {shown!r}")
    i = 2
    while i < len(lines):
        m = _HUNK.match(lines[i])
        if not m:
            what = "a header line" if lines[i].startswith(("--- ", "+++ ")) else "a line"
            problems.append(f"{what} outside a hunk at line {i + 1}: {_q(lines[i])}")
            i += 1
            continue
        old = int(m[2]) if m[2] is not None else 1
        new = int(m[4]) if m[4] is not None else 1
        i += 1
        while old > 0 or new > 0:
            if i >= len(lines):
                problems.append("a hunk cut short")
                break
            line = lines[i]
            mark = line[:1]
            if mark == " ":
                old, new = old - 1, new - 1
            elif mark == "-":
                old -= 1
            elif mark == "+":
                new -= 1
            elif mark != "\\":
                problems.append(f"a line that is no hunk line at {i + 1}: {_q(line)}")
            i += 1
        while i < len(lines) and lines[i].startswith("\\"):
            i += 1
    return problems


def patched(original: bytes, diff: Path, scratch: Path) -> bytes | str:
    """The original with the diff applied by GNU patch (the target named
    explicitly: only the hunks are tested), or patch's complaint."""
    scratch.mkdir(exist_ok=True)
    (scratch / "orig").write_bytes(original)
    result = scratch / "new"
    proc = subprocess.run(
        [PATCH, "-s", "-f", "-o", str(result), str(scratch / "orig"), str(diff)],
        capture_output=True,
        timeout=30,
    )
    if proc.returncode != 0:
        return (proc.stdout + proc.stderr).decode("utf-8", "replace")[:300]
    return result.read_bytes()


_HREF = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']*)["']""", re.I)


def _hrefs(c: Checker, page: Path, out_real: str) -> None:
    from html import unescape

    text = page.read_text(encoding="utf-8", errors="surrogateescape")
    for value in _HREF.findall(text):
        link = unescape(value)
        if not c.check(
            "href", link.startswith(("./", "#")), lambda link=link: f"{page.name}: {_q(link)}"
        ):
            continue
        if link.startswith("./"):
            # the fragment names a place in the page, not a file
            target = page.parent / unquote(link[2:].split("#", 1)[0], errors="surrogateescape")
            c.check(
                "href",
                _regular_inside(out_real, target),
                lambda link=link: f"{page.name}: {_q(link)} leads to no file inside DIR",
            )


def _summary(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / "summary.json"
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def corpus_records(path: Path, options: list[str]) -> list[tuple[Any, dict[str, Any]]]:
    """The valid records of a JSONL corpus and the key each is named by
    (its id, or its line number): the README's rules, read independently."""
    id_field = (_option_values(options, "--id-field") or [None])[-1]
    text_field = (_option_values(options, "--text-field") or ["text"])[-1]
    found = []
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            record = json.loads(line.rstrip(b"\r").decode("utf-8-sig"))
        except ValueError:
            continue
        if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
            continue
        key = record.get(id_field) if id_field else number
        if key is not None:
            found.append((key, record))
    return found


def check_run(
    c: Checker, built: Built, ran: Ran, before: dict[str, Any], model: Model
) -> dict[str, Any] | None:
    """The invariants of one `run`; its summary (None when refused)."""
    ws, root = built.ws, built.root
    out_dir = ws / built.out
    out_real = os.path.realpath(out_dir)
    after = snapshot(root)
    changed = changes(before, after)
    common(c, ran, {0, 2}, "run")
    STATS["runs"] += 1
    if ran.code is None:
        return None
    errors = _error_lines(ran.err)
    c.check(
        "exit-code",
        (ran.code == 0) == (not errors and not _refused(ran.err)),
        lambda: f"run exited {ran.code} with error lines {errors[:3]!r}",
    )
    out_rel = os.path.relpath(out_real, root)

    if overlaps(ws, built.args, built.out):
        STATS["runs refused (overlap)"] += 1
        c.check("overlap", ran.code == 2, lambda: f"run exited {ran.code}, not 2")
        c.check("overlap", not changed, lambda: f"changed: {changed[:5]!r}")
        return None
    # nothing outside DIR: only DIR's own folders on the way may appear
    for rel in changed:
        made_folder = rel not in before and after.get(rel, ("",))[0] == "dir"
        ok = _inside(rel, out_rel) or (made_folder and _inside(out_rel, rel))
        c.check(
            "outside-changed", ok, lambda rel=rel: f"{rel!r}: {before.get(rel)} -> {after.get(rel)}"
        )
    refused = _refused(ran.err)
    STATS["error lines"] += len(errors)
    for line in errors:
        reason = line.split(": error: ", 1)[-1] if ": error: " in line else line
        REASONS[re.sub(r"[0-9.]+", "N", reason.split(":")[0])[:50]] += 1
    STATS["runs refused (nothing processed)" if refused else "runs completed"] += 1
    in_dir = [rel for rel in changed if _inside(rel, out_rel) and rel in after]
    if refused:
        c.check("exit-code", ran.code == 2, f"refused with exit {ran.code}")
        documents = [
            rel
            for rel in in_dir
            if after[rel][0] == "file" and not _inside(rel, os.path.join(out_rel, ".clean-docs"))
        ]
        c.check("unaccounted", not documents, lambda: f"refused, yet wrote {documents[:5]!r}")
        return None
    # no temporary left
    if os.path.isdir(out_real):
        for folder, _dirs, files in os.walk(out_real):
            for name in files:
                c.check(
                    "tmp-left",
                    not TEMP_NAME.match(name)
                    and not name.endswith(".tmp")
                    or _listed_name(folder, name, out_real, _summary(out_dir)),
                    lambda name=name, folder=folder: f"{os.path.relpath(folder, root)}/{name}",
                )
    summary = _summary(out_dir)
    if not c.check("unaccounted", summary is not None, "no summary.json after a completed run"):
        return None
    assert summary is not None
    entries = {e["path"]: e for e in summary["files"]}
    STATS["documents listed"] += len(summary["files"])
    STATS["removed regions"] += summary["totals"]["removed_regions"]
    # every listed output: a regular file inside DIR
    for e in summary["files"]:
        for key in ("output", "report", "report_html", "diff"):
            if not e[key] and "record" in e:
                continue  # a record has no diff, and no page unless it has something to show
            c.check(
                "written-outside",
                _regular_inside(out_real, out_dir / e[key]),
                lambda e=e, key=key: f"{e['path']!r}: {key} {e[key]!r}",
            )
    # no input read from inside DIR
    for e in summary["files"]:
        corpus = [k.real for k in model.corpora if e["path"].startswith(k.shown + "#")]
        real = corpus[0] if corpus else os.path.realpath(ws / e["path"])
        c.check(
            "input-in-dir",
            not _inside(real, out_real),
            lambda e=e, real=real: f"{e['path']!r} is {os.path.relpath(real, root)}",
        )
    # every input accounted for, under its own output name
    groups: dict[str, list[Expected]] = {}
    for e in model.inputs:
        groups.setdefault(e.real, []).append(e)
    for group in groups.values():
        done = [e for e in group if e.shown in entries]
        named = [e for e in group if _named(ran.err, e.shown, c)]
        c.check(
            "unaccounted",
            bool(done or named),
            lambda group=group: f"{[e.shown for e in group]!r}: no clean copy, no error line",
        )
        for e in done:
            entry = entries[e.shown]
            # (one name met twice, in a folder and on its own, may take either place)
            places = {o.inside for o in group if o.shown == e.shown}
            # a record's outputs: its corpus's reports.jsonl, in the folder
            # its page would be in (its place)
            written = entry["output"]
            if "record" in entry:
                places = {posixpath.dirname(place) + "/reports.jsonl" for place in places}
                written = entry["report"]
            # (a batch keeps its shape: an output may mirror the input's
            # path from the batch's root, one or more folders above it)
            c.check(
                "unaccounted",
                written in places or any(written.endswith("/" + place) for place in places),
                lambda e=e, entry=entry: (
                    f"{e.shown!r} written as {entry['output']!r}, not {e.inside!r}"
                ),
            )
    for raw in model.missing:
        c.check(
            "unaccounted",
            _named(ran.err, raw, c) or _named(ran.err, Path(raw).as_posix(), c),
            lambda raw=raw: f"missing {raw!r} not named in an error line",
        )
    _check_corpora(c, built, ran, model, summary, out_dir)
    # pages: relative links that lead inside DIR
    if (out_dir / "index.html").is_file():
        _hrefs(c, out_dir / "index.html", out_real)
    for e in summary["files"]:
        page = out_dir / e["report_html"]
        if page.is_file() and not page.is_symlink():
            _hrefs(c, page, out_real)
    # diffs: their own header only; they apply
    for e in summary["files"]:
        diff = out_dir / e["diff"]
        if not diff.is_file() or diff.is_symlink():
            continue
        data = diff.read_bytes()
        for problem in diff_problems(data, e["path"]):
            c.check("diff-header", False, f"{e['diff']!r}: {problem}")
        original = _original(built, e["path"])
        clean = out_dir / e["output"]
        if original is None or PATCH is None or not clean.is_file():
            continue
        if _option_values(built.options, "--encoding") not in ([], ["utf-8"], ["utf-8-sig"]):
            continue
        if not data:  # nothing removed: no diff (repairs alone make none)
            continue
        got = patched(original, diff, Path(str(root) + "-scratch"))
        STATS["diffs applied"] += 1
        c.check(
            "diff-applies",
            got == clean.read_bytes(),
            lambda e=e, got=got: (
                f"{e['diff']!r}: "
                + (got if isinstance(got, str) else "patched input differs from the clean copy")
            ),
        )
    return summary


def _listed_name(folder: str, name: str, out_real: str, summary: dict[str, Any] | None) -> bool:
    """A file of DIR named like a temporary that is a listed output."""
    if summary is None:
        return False
    rel = os.path.relpath(os.path.join(folder, name), out_real)
    return any(
        rel in (e["output"], e["report"], e["report_html"], e["diff"]) for e in summary["files"]
    )


def _original(built: Built, shown: str) -> bytes | None:
    """The bytes a listed document was read from, when they are UTF-8."""
    text_field = (_option_values(built.options, "--text-field") or ["text"])[-1]
    for corpus in built.corpora:
        if shown.startswith(Path(corpus).as_posix() + "#"):
            key = shown[len(Path(corpus).as_posix()) + 1 :]
            texts = [
                r[text_field]
                for k, r in corpus_records(built.ws / corpus, built.options)
                if str(k) == key
            ]
            if len(texts) != 1:
                return None
            return texts[0].encode("utf-8", "surrogatepass")
    path = built.ws / shown
    try:
        if not path.is_file():
            return None
        with open(path, "rb") as handle:
            data = handle.read(1 << 20)
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return data


def _check_corpora(
    c: Checker,
    built: Built,
    ran: Ran,
    model: Model,
    summary: dict[str, Any],
    out_dir: Path,
) -> None:
    id_field = (_option_values(built.options, "--id-field") or [None])[-1]
    text_field = (_option_values(built.options, "--text-field") or ["text"])[-1]
    done_reals: set[str] = set()
    for corpus in model.corpora:
        if corpus.real in done_reals:
            continue  # the same corpus named twice is one corpus
        done_reals.add(corpus.real)
        source = next(
            (
                Path(built.ws / p)
                for p in built.corpora
                if os.path.realpath(built.ws / p) == corpus.real
            ),
            None,
        )
        if source is None:
            continue
        keyed = corpus_records(source, built.options)
        # with --across, a record that copies an earlier one is left out of
        # the cleaned corpus and listed in summary.json (R6)
        dropped = [
            d["path"]
            for d in summary.get("duplicate_documents", [])
            if d["path"].startswith(corpus.shown + "#")
        ]
        gone = [
            any(
                re.fullmatch(re.escape(f"{corpus.shown}#{key}") + r"(~\d+)?", path, re.S)
                for path in dropped
            )
            for key, _ in keyed
        ]
        valid = [record for (_, record), out in zip(keyed, gone, strict=True) if not out]
        for d in summary.get("duplicate_documents", []):
            c.check(
                "corpus",
                d.get("rule") == "R6" and d["duplicate_of"]["path"] != d["path"],
                lambda d=d: f"a record left out names no other record: {_q(str(d)[:200])}",
            )
        mine = [e for e in summary["files"] if e["path"].startswith(corpus.shown + "#")]
        # a record's error names it `corpus#id` (raw, or shown with escapes;
        # with its ANSI sequences cut out, it counts, as a name shown unsafely)
        errors = max(ran.err.count(name + "#") for name in (corpus.shown, visible(corpus.shown)))
        cut = click.unstyle(corpus.shown)
        if not errors and cut != corpus.shown and ran.err.count(cut + "#"):
            errors = ran.err.count(cut + "#")
            c.check("terminal", False, f"error lines name {corpus.shown!r} as {cut!r}")
        c.check(
            "corpus",
            len(mine) + errors >= len(valid),
            lambda mine=mine, errors=errors, valid=valid, corpus=corpus: (
                f"{corpus.shown!r}: "
                f"{len(valid)} valid records, {len(mine)} written, {errors} error lines"
            ),
        )
        if not valid:
            continue
        cleaned_path = out_dir / (corpus.folder + ".jsonl")
        if not c.check(
            "corpus",
            _regular_inside(os.path.realpath(out_dir), cleaned_path),
            lambda corpus=corpus: f"no cleaned corpus {corpus.folder}.jsonl",
        ):
            continue
        cleaned = [
            json.loads(line)
            for line in cleaned_path.read_text(encoding="utf-8", errors="surrogatepass").split("\n")
            if line.strip()
        ]
        c.check(
            "corpus",
            len(cleaned) == len(valid),
            lambda cleaned=cleaned, valid=valid: f"{len(cleaned)} records cleaned of {len(valid)}",
        )
        if id_field and id_field != text_field:
            c.check(
                "corpus",
                [r.get(id_field) for r in cleaned] == [r.get(id_field) for r in valid],
                "ids not kept in order",
            )
        # the hash of each clean copy a record's report says it has
        outputs: dict[str, str] = {}
        for e in mine:
            path = out_dir / e["report"]
            if path.is_file() and not path.is_symlink():
                for line in path.read_text(encoding="utf-8").split("\n"):
                    if not line.strip():
                        continue
                    report = json.loads(line)
                    outputs.setdefault(report["source"]["path"], report["output"]["sha256"])
        for got, was in zip(cleaned, valid, strict=False):
            text = got.get(text_field)
            key = was.get(id_field) if id_field else None
            copies = [
                t
                for p, t in outputs.items()
                if id_field is None
                or re.fullmatch(re.escape(f"{corpus.shown}#{key}") + r"(~\d+)?", p, re.S)
            ]
            sha = hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest()
            c.check(
                "corpus",
                text == was[text_field] or sha in copies,
                lambda text=text: (
                    f"a record's cleaned text is neither its own nor its clean copy: {_q(str(text))}"
                ),
            )


def check_check(c: Checker, built: Built, ran: Ran, fmt: str, before: dict[str, Any]) -> int | None:
    """The invariants of one `check`; the number of findings it printed."""
    common(c, ran, {0, 1, 2}, f"check --format {fmt}", "check-findings" if fmt == "text" else None)
    c.check(
        "outside-changed",
        not changes(before, snapshot(built.root)),
        lambda: f"check changed {changes(before, snapshot(built.root))[:5]!r}",
    )
    if ran.code is None:
        return None
    if fmt == "json":
        # an object: {schema, findings, errors, counts}
        try:
            doc = json.loads(ran.out)
            count = len(doc["findings"])
            json_errors = len(doc["errors"])
        except (ValueError, KeyError, TypeError):
            # a usage error prints nothing on stdout
            refused = ran.code == 2 and _refused(ran.err) and not ran.out.strip()
            c.check("check-findings", refused, lambda: f"json output unreadable: {_q(ran.out)}")
            return None
        c.check(
            "check-findings",
            doc.get("counts", {}).get("findings") == count,
            lambda: f"json counts disagree with its findings: {_q(ran.out[-300:])}",
        )
        c.check(
            "exit-code",
            ran.code == 2 or json_errors == 0,
            lambda: f"json lists {json_errors} errors but check exited {ran.code}",
        )
    else:
        lines = [line for line in ran.out.split("\n") if line]
        if fmt == "github":
            finding = re.compile(
                r"^::error file=[^,:]*,line=\d+(,endLine=\d+)?,title=duplicated content::.*$"
            )
            error = re.compile(r"^::error file=[^,:]*(,line=\d+)?,title=cannot check::.*$")
            count = sum(1 for line in lines if finding.match(line))
            for line in lines:
                c.check(
                    "check-findings",
                    bool(finding.match(line) or error.match(line)),
                    lambda line=line: f"{fmt}: {_q(line)}",
                )
        else:
            # finding lines (a record named after `duplicate:`), then one count line
            finding = re.compile(
                r"^.+:\d+: duplicate: (record .* )?lines \d+-\d+ repeat .*lines \d+-\d+ "
                r"\(similarity \d\.\d{3}, \w+\)$"
            )
            tally = re.compile(
                r"^(?:(\d+) duplicated regions? in \d+ of \d+ \w+|no duplicated content in "
                r"\d+ \w+)(; \d+ errors? \(inputs not checked\))?$"
            )
            last = tally.match(lines[-1]) if lines else None
            c.check(
                "check-findings",
                last is not None or (not lines and ran.code == 2 and _refused(ran.err)),
                lambda: f"text output does not end with a count line: {_q(ran.out[-300:])}",
            )
            body = lines[:-1] if last else lines
            count = len(body)
            for line in body:
                c.check(
                    "check-findings",
                    bool(finding.match(line)),
                    lambda line=line: f"{fmt}: {_q(line)}",
                )
            if last is not None:
                c.check(
                    "check-findings",
                    int(last.group(1) or 0) == count,
                    lambda: f"count line {_q(lines[-1])} but {count} findings printed",
                )
    if ran.code == 1:
        c.check("check-findings", count > 0, "exit 1 with no finding printed")
    if ran.code == 0:
        c.check("check-findings", count == 0, lambda: f"exit 0 with {count} findings printed")
    errors = _error_lines(ran.err)
    c.check(
        "exit-code",
        (ran.code == 2) == bool(errors or _refused(ran.err)),
        lambda: f"check exited {ran.code}, error lines {errors[:3]!r}",
    )
    return count


def check_index_list(
    c: Checker, built: Built, ran: Ran, before: dict[str, Any], summary: dict[str, Any]
) -> None:
    common(c, ran, {0}, "index list", "index-list")
    c.check(
        "outside-changed",
        not changes(before, snapshot(built.root)),
        lambda: f"index list changed {changes(before, snapshot(built.root))[:5]!r}",
    )
    if ran.code != 0:
        return
    lines = [line for line in ran.out.split("\n") if line]
    for line in lines:
        fields = line.split("\t")
        c.check(
            "index-list",
            len(fields) == 4
            and fields[1] in ("here", "gone")
            and re.fullmatch(r"[0-9a-f]{12}", fields[3]) is not None,
            lambda line=line: _q(line),
        )
    c.check(
        "index-list",
        len(lines) >= len(summary["files"]),
        lambda: f"{len(lines)} lines for {len(summary['files'])} documents",
    )


def _tree_of(out_dir: Path) -> dict[str, bytes]:
    found = {}
    for folder, _, files in os.walk(out_dir):
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, out_dir)
            if rel.startswith(".clean-docs") or os.path.islink(path):
                continue
            with open(path, "rb") as handle:
                found[rel] = handle.read()
    return found


def attack(
    layout: Layout, known: frozenset[str] = frozenset(), keep: Path | None = None
) -> Checker:
    """Build the layout, run the commands, check every invariant."""
    STATS["examples"] += 1
    c = Checker(known)
    root = Path(tempfile.mkdtemp(prefix="attack-"))
    try:
        built = build(layout, root)
        script = repro(layout, built)
        try:
            note(script)  # printed with hypothesis's falsifying example
        except InvalidArgument:  # called outside a hypothesis test: said with the failure
            c.repro = script
        ws = built.ws
        model = expected(ws, built.args, built.options)
        run_options = [o for o in built.options]
        check_options = [o for o in run_options if o != "--across"]
        check_count = None
        if layout.check:
            before = snapshot(root)
            ran = clean_docs(
                ["check", "--format", layout.check, *check_options, "--", *built.args], ws
            )
            STATS["commands"] += 1
            check_count = check_check(c, built, ran, layout.check, before)
            check_errors = bool(_error_lines(ran.err)) or ran.code == 2
        before = snapshot(root)
        ran = clean_docs(["run", "-o", built.out, *run_options, "--", *built.args], ws)
        STATS["commands"] += 1
        summary = check_run(c, built, ran, before, model)
        if summary is not None and layout.check and check_count is not None:
            totals = summary["totals"]
            if not check_errors and not _error_lines(ran.err) and not layout.out_exists:
                c.check(
                    "check-agrees",
                    (check_count > 0) == (totals["removed_regions"] + totals["cross_file"] > 0),
                    lambda: (
                        f"check printed {check_count} findings, run removed "
                        f"{totals['removed_regions']} regions, {totals['cross_file']} across"
                    ),
                )
        if summary is not None and layout.rerun:
            out_dir = ws / built.out
            first_tree = _tree_of(out_dir)
            before = snapshot(root)
            again = clean_docs(["run", "-o", built.out, *run_options, "--", *built.args], ws)
            STATS["commands"] += 1
            second = check_run(c, built, again, before, model)
            if second is not None:
                second_tree = _tree_of(out_dir)
                differ = sorted(
                    k
                    for k in first_tree.keys() | second_tree.keys()
                    if first_tree.get(k) != second_tree.get(k)
                )
                c.check("rerun", not differ, lambda: f"second run changed {differ[:5]!r}")
        if summary is not None and layout.index_list:
            before = snapshot(root)
            listed = clean_docs(["index", "list", "--", built.out], ws)
            STATS["commands"] += 1
            check_index_list(c, built, listed, before, summary)
    finally:
        if keep is not None and c.broken:
            with contextlib.suppress(shutil.Error, OSError):  # (a FIFO is not copied)
                shutil.copytree(root, keep / root.name, symlinks=True)
        _remove(root)
        shutil.rmtree(str(root) + "-scratch", ignore_errors=True)
    for kind in sorted({k for k, _ in c.broken}):
        FEATURES[(kind, "+".join(sorted(hostile_read_features(layout))) or "-")] += 1
    c.raise_first()
    return c


def hostile_read_features(layout: Layout) -> set[str]:
    """What in a layout touches how files are read (being changed elsewhere)."""
    found = {"fifo"} if layout.fifos else set()
    found |= {"dev_zero" for link in layout.links if link.to.startswith("/dev/")}
    found |= {f.kind for f in layout.files if f.kind in HOSTILE_BYTE_KINDS}
    paths = [f.path for f in layout.files] + [link.path for link in layout.links]
    if any(fs_len(part) > 229 for p in paths for part in p.split("/")):
        found.add("name>229B")
    return found


def _remove(root: Path) -> None:
    for folder, dirs, _ in os.walk(root):
        for d in dirs:
            path = os.path.join(folder, d)
            if not os.path.islink(path):
                os.chmod(path, 0o755)
    shutil.rmtree(root, ignore_errors=True)


def repro(layout: Layout, built: Built) -> str:
    """A Python script that makes the tree again and runs the commands."""
    lines = [
        "# repro: python3 repro.py (makes ./attack-repro, runs clean-docs in ./attack-repro/ws)",
        "import os, pathlib, subprocess",
        "root = pathlib.Path('attack-repro').absolute()",
        "ws = root / 'ws'",
    ]
    for folder, dirs, files in os.walk(built.root):
        for name in sorted(dirs + files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, built.root)
            if os.path.islink(path):
                to = os.readlink(path).replace(str(built.root), "{ROOT}")
                lines.append(f"(root / {rel!r}).parent.mkdir(parents=True, exist_ok=True)")
                lines.append(f"os.symlink({to!r}.replace('{{ROOT}}', str(root)), root / {rel!r})")
            elif os.path.isdir(path):
                lines.append(f"(root / {rel!r}).mkdir(parents=True, exist_ok=True)")
            elif stat.S_ISFIFO(os.lstat(path).st_mode):
                lines.append(f"os.mkfifo(root / {rel!r})")
            else:
                with open(path, "rb") as handle:
                    lines.append(f"(root / {rel!r}).write_bytes({handle.read()!r})")
    out = built.out.replace(str(built.root), "{ROOT}")
    args = [a.replace(str(built.root), "{ROOT}") for a in built.args]
    cmd = ["clean-docs", "run", "-o", out, *built.options, "--", *args]
    lines.append(f"cmd = [a.replace('{{ROOT}}', str(root)) for a in {cmd!r}]")
    lines.append("print(subprocess.run(cmd, cwd=ws))")
    return "\n".join(lines)


# -- hypothesis --------------------------------------------------------------


def make_test(
    examples: int,
    hostile_read: bool = False,
    known: frozenset[str] = frozenset(),
    avoid: frozenset[str] = frozenset(),
    derandomize: bool = False,
    seed_value: int | None = None,
    phases: tuple[Phase, ...] | None = None,
    commands: int = 3,
    keep: Path | None = None,
) -> Callable[[], None]:
    """The attack as a hypothesis test of `examples` layouts (`commands`:
    see `layouts`; `keep`: a folder that receives the tree of every example
    that broke an invariant)."""

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
        **({"phases": phases} if phases else {}),
    )
    @given(layout=layouts(hostile_read=hostile_read, avoid=avoid, commands=commands))
    def test_attack(layout: Layout) -> None:
        attack(layout, known, keep)

    if seed_value is not None:
        test_attack = seed(seed_value)(test_attack)
    return test_attack


def main(argv: list[str] | None = None) -> int:
    global TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="layouts to try (default 300)")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed")
    parser.add_argument(
        "--hostile-read",
        action="store_true",
        help="also FIFOs, links to /dev/zero, cp1252 and NUL-padded files, names of 230-255 "
        "bytes (how files are read is being changed elsewhere)",
    )
    parser.add_argument(
        "--known",
        default="",
        help="comma-separated invariants to count but not stop on (" + ", ".join(INVARIANTS) + ")",
    )
    parser.add_argument(
        "--avoid",
        # --include/--exclude are gitignore patterns from the project's root
        # (issue 15); the harness still models them as globs on the folder
        # walked, so they are left out unless asked for (`--avoid ''`);
        # tests/test_batch_shape.py holds their semantics
        default="patterns",
        help="comma-separated layout features to leave out: name pieces ("
        + ", ".join(PIECES)
        + "), -o places ("
        + ", ".join(OUT_PLACES)
        + "), what DIR holds before ("
        + ", ".join(IN_DIR_KINDS)
        + "), link kinds, encodings, content kinds, fifo",
    )
    parser.add_argument(
        "--skip-known-bugs",
        action="store_true",
        help="leave out the features of the bugs found so far and count their invariants "
        "without stopping (" + ", ".join(sorted(KNOWN_BUG_FEATURES | KNOWN_BUG_INVARIANTS)) + ")",
    )
    parser.add_argument(
        "--no-shrink", action="store_true", help="report the first failure as found"
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="copy the tree of each failing example here"
    )
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT, help=f"seconds a command may take ({TIMEOUT:.0f})"
    )
    args = parser.parse_args(argv)
    TIMEOUT = args.timeout
    known = frozenset(k for k in args.known.split(",") if k)
    unknown = known - INVARIANTS.keys()
    if unknown:
        parser.error(f"unknown invariants: {sorted(unknown)}")
    avoid = frozenset(a for a in args.avoid.split(",") if a)
    if args.skip_known_bugs:
        known |= KNOWN_BUG_INVARIANTS
        avoid |= KNOWN_BUG_FEATURES
    phases = (Phase.explicit, Phase.reuse, Phase.generate) if args.no_shrink else None
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    test = make_test(
        args.examples,
        args.hostile_read,
        known,
        avoid,
        seed_value=args.seed,
        phases=phases,
        keep=args.keep,
    )
    started = time.perf_counter()
    failure: BaseException | None = None
    try:
        test()
    except BaseException as exc:  # a Violation, or several (an ExceptionGroup)
        if isinstance(exc, KeyboardInterrupt):
            raise
        failure = exc
    seconds = time.perf_counter() - started
    found = []
    if failure is not None:
        group = failure.exceptions if isinstance(failure, BaseExceptionGroup) else [failure]
        for exc in group:
            if isinstance(exc, Violation):
                found.append(str(exc).splitlines()[0])
                print(f"\n=== {found[-1]}\n{exc}")
                for line in getattr(exc, "__notes__", []):  # the layout, the repro script
                    print(line)
            else:  # a bug of this harness
                traceback.print_exception(exc)
                found.append(f"harness error: {exc!r}")
    print()
    print(
        f"examples run:        {STATS['examples']} (layouts drawn, replays and shrinking included)"
    )
    print(f"commands run:        {STATS['commands']}")
    print(f"invariants checked:  {STATS['invariants checked']}")
    violated = sorted(
        (k.removeprefix("violated: "), n) for k, n in STATS.items() if k.startswith("violated: ")
    )
    print(
        f"violations seen:     {sum(n for _, n in violated)}"
        + "".join(f"\n  {k}: {n}" + (" (known)" if k in known else "") for k, n in violated)
    )
    if FEATURES:
        print("examples that broke an invariant, by hostile-read features of the layout:")
        for (kind, features), n in sorted(FEATURES.items()):
            print(f"  {kind}: {features}: {n}")
    print(f"failures reported:   {len(found)}" + "".join(f"\n  {f}" for f in found))
    coverage = [
        "runs",
        "runs completed",
        "runs refused (nothing processed)",
        "runs refused (overlap)",
        "documents listed",
        "removed regions",
        "error lines",
        "diffs applied",
    ]
    print("coverage:            " + ", ".join(f"{k} {STATS[k]}" for k in coverage))
    print("error lines by reason: " + "; ".join(f"{r} ({n})" for r, n in REASONS.most_common(8)))
    print(f"time:                {seconds:.0f} s")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
