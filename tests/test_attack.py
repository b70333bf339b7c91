"""The attack harness of bench/attack.py (issue 14), small enough for CI.

`make attack` runs it long (300 layouts by default); here a fixed set of
layouts (derandomized: the same on every run of the same code) goes through
the same invariants, and each real bug the harness found has a test of its
own, on the minimal layout, marked `xfail(strict=True)`: CI stays green,
the bug stays visible, and the test fails the day the bug is fixed (then
drop the mark, and the feature from AVOID).

FIFOs, links to devices, cp1252 and NUL-padded files and names of 230-255
bytes are left to `bench/attack.py --hostile-read`: how files are read is
being changed elsewhere.
"""

from __future__ import annotations

import sys

import pytest
from conftest import REPO
from hypothesis import Phase

sys.path.insert(0, str(REPO / "bench"))
import attack  # noqa: E402
from attack import Corpus, File, InDir, Layout, Link  # noqa: E402

# What the random layouts leave out (the triggers of the bugs below, each
# tested on its own, so that the random run guards everything else) and the
# invariants counted but not failed on (names printed raw on stderr and by
# `index list`: test_names_are_escaped_on_stderr,
# test_index_list_lines_cannot_be_forged).
AVOID = attack.KNOWN_BUG_FEATURES
KNOWN = attack.KNOWN_BUG_INVARIANTS

# No shrinking in CI (an example takes a second or more): a failure prints
# its layout and a script that rebuilds it; `make attack` shrinks. Fewer
# checks, second runs and `index list` than there (a command costs about a
# second): test_a_plain_hostile_layout_passes runs all three.
test_random_layouts = attack.make_test(
    examples=60,
    commands=8,
    avoid=AVOID,
    known=KNOWN,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),
)


def test_a_plain_hostile_layout_passes() -> None:
    """The harness itself: a layout with names of every kind it draws (but
    the known bugs'), a corpus with clashing ids, -o through a link, a
    check first and a second run; every invariant holds."""
    names = ["a b#?%&;.txt", "-leading.md", "..x.txt", "javascript:alert(1).txt", "A B#?%&;.TXT"]
    layout = Layout(
        files=tuple(File(f"in/{n}", "twice", v) for v, n in enumerate(names))
        + (File("in/sub/报告 2022.md", "zh"), File("in/sub/near.txt", "near")),
        folders=("in", "in/sub"),
        links=(Link("in/to-secret.txt", "../../outside/secret.txt"), Link("in/gone.txt", "x")),
        corpora=(
            Corpus(
                "c.jsonl",
                (
                    ("a b", "twice"),
                    ("a_b", "paste"),
                    (5, "plain"),
                    ("5", "near"),
                    ("+++ b/victim", "forge"),
                    ("..", "zh"),
                ),
                bom=True,
            ),
        ),
        out="olink/out",
        out_links=(Link("olink", "../outside/odir"),),
        args=("in", "c.jsonl", "in/sub/near.txt", "missing.txt"),
        options=("--id-field", "id", "-j", "2"),
        check="text",
        rerun=True,
    )
    checker = attack.attack(layout, KNOWN)
    assert not [b for b in checker.broken if b[0] not in KNOWN], checker.broken


def _holds(kind: str, layout: Layout) -> None:
    """Every invariant holds on `layout`, `kind` among them even if known."""
    attack.attack(layout, KNOWN - {kind})


def _bug(kind: str, reason: str) -> pytest.MarkDecorator:
    """A real bug: the invariant `kind` is broken (and no other first)."""
    return pytest.mark.xfail(strict=True, raises=attack.violation(kind), reason=reason)


@_bug(
    "internal-error",
    "a name with bytes that are no UTF-8 (or a JSONL id that is a lone surrogate) stops the "
    "run with an internal error (UnicodeEncodeError writing its report): no summary.json, "
    "no index.html, the other documents' reports half written",
)
@pytest.mark.parametrize(
    "layout",
    [
        Layout(files=(File("in/\udcff.txt", "twice"), File("in/b.txt", "paste"))),
        Layout(
            files=(File("in/b.txt", "paste"),),
            corpora=(Corpus("c.jsonl", (("\ud800", "twice"), ("b", "paste"))),),
            args=("c.jsonl",),
            options=("--id-field", "id"),
        ),
    ],
    ids=["file-name", "jsonl-id"],
)
def test_names_with_surrogates_are_written(layout: Layout) -> None:
    _holds("internal-error", layout)


@_bug(
    "outside-changed",
    "a link DIR/.clean-docs (or DIR/.clean-docs/index.sqlite) is followed: the index is "
    "written outside DIR, where the link points",
)
@pytest.mark.parametrize("kind", ["clean_docs_to_outside", "sqlite_dangling"])
def test_the_index_is_not_written_through_a_link_in_dir(kind: str) -> None:
    _holds(
        "outside-changed",
        Layout(files=(File("in/a.txt", "twice"),), out_exists=True, in_dir=(InDir(kind),)),
    )


@_bug(
    "input-in-dir",
    "a link inside an input folder that leads to DIR (or to a folder holding it) makes the "
    "next run read its own outputs as inputs: DIR/lnk/a.txt, then DIR/lnk/lnk/a.txt...",
)
@pytest.mark.parametrize("to", ["{OUT}", ".."])
def test_a_link_in_an_input_to_dir_does_not_read_the_outputs(to: str) -> None:
    _holds(
        "input-in-dir",
        Layout(files=(File("in/a.txt", "twice"),), links=(Link("in/lnk", to),), rerun=True),
    )


@_bug(
    "diff-applies",
    "--encoding utf-8-sig on a file without a BOM: the .diff's old side starts with a BOM "
    "the file does not hold, so the patch does not apply to the input",
)
def test_a_forced_utf8_sig_diff_applies_to_the_input() -> None:
    _holds(
        "diff-applies",
        Layout(files=(File("in/a.txt", "twice"),), options=("--encoding", "utf-8-sig")),
    )


@_bug(
    "terminal",
    "names reach stderr raw in run/check error lines (and `-> DIR`): bidi overrides and "
    "control characters go to the terminal; off a terminal click cuts ANSI sequences out, "
    "so the line names another file",
)
@pytest.mark.parametrize("name", ["in/\u202eexe.txt", "in/\x1b[31mred.txt", "in/a\rb.txt"])
def test_names_are_escaped_on_stderr(name: str) -> None:
    _holds("terminal", Layout(files=(File(name, "empty"),)))


@_bug(
    "index-list",
    "`index list` prints names raw: a name with a line break or a tab forges lines or "
    "fields of its tab-separated output",
)
def test_index_list_lines_cannot_be_forged() -> None:
    _holds("index-list", Layout(files=(File("in/a\nb\there\tx.txt", "twice"),), index_list=True))
