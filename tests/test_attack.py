"""The attack harness of bench/attack.py (issue 14), small enough for CI.

`make attack` runs it long (300 layouts by default); here a fixed set of
layouts (derandomized: the same on every run of the same code) goes through
the same invariants, and each real bug the harness found has a test of its
own, on the minimal layout it was shrunk to (while a bug was open its test
was marked `xfail(strict=True)`; each failed before its fix).

FIFOs, links to devices, cp1252 and NUL-padded files and names of 230-255
bytes are left to `bench/attack.py --hostile-read` (tests/test_hostile_input.py
holds each of them).
"""

from __future__ import annotations

import sys

import pytest
from conftest import REPO
from hypothesis import Phase

sys.path.insert(0, str(REPO / "bench"))
import attack  # noqa: E402
from attack import Corpus, File, InDir, Layout, Link  # noqa: E402

# What the random layouts leave out: --include/--exclude (the harness
# models them as globs on the folder walked, but they are gitignore patterns
# from the project's root now; tests/test_batch_shape.py holds them).
AVOID = attack.KNOWN_BUG_FEATURES | {"patterns"}
KNOWN = attack.KNOWN_BUG_INVARIANTS

# No shrinking in CI (an example takes a second or more): a failure prints
# its layout and a script that rebuilds it; `make attack` shrinks. Fewer
# checks, second runs and `index list` than there (a command costs about a
# second): test_a_plain_hostile_layout_passes runs all three.
test_random_layouts = attack.make_test(
    examples=30,
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
        # found by `make attack`: the exclude patterns' engine (RE2) wants UTF-8
        Layout(files=(File("in/\udcff.txt", "twice"),), options=("--exclude", "b*")),
        # and the index's recorded root, a folder so named
        Layout(
            files=(File("in/\udcff/a.txt", "twice"),),
            folders=("in", "in/\udcff"),
            args=("in/\udcff",),
            options=("--across",),
        ),
    ],
    ids=["file-name", "jsonl-id", "file-name-with-patterns", "root-folder-name"],
)
def test_names_with_surrogates_are_written(layout: Layout) -> None:
    _holds("internal-error", layout)


@pytest.mark.parametrize("kind", ["clean_docs_to_outside", "sqlite_dangling"])
def test_the_index_is_not_written_through_a_link_in_dir(kind: str) -> None:
    _holds(
        "outside-changed",
        Layout(files=(File("in/a.txt", "twice"),), out_exists=True, in_dir=(InDir(kind),)),
    )


@pytest.mark.parametrize("to", ["{OUT}", ".."])
def test_a_link_in_an_input_to_dir_does_not_read_the_outputs(to: str) -> None:
    _holds(
        "input-in-dir",
        Layout(files=(File("in/a.txt", "twice"),), links=(Link("in/lnk", to),), rerun=True),
    )


def test_a_forced_utf8_sig_diff_applies_to_the_input() -> None:
    _holds(
        "diff-applies",
        Layout(files=(File("in/a.txt", "twice"),), options=("--encoding", "utf-8-sig")),
    )


@pytest.mark.parametrize("name", ["in/\u202eexe.txt", "in/\x1b[31mred.txt", "in/a\rb.txt"])
def test_names_are_escaped_on_stderr(name: str) -> None:
    _holds("terminal", Layout(files=(File(name, "empty"),)))


@pytest.mark.parametrize("name", ["in/a\t\nb.txt", "in/a\r\nb.txt", "in/a\u2028b.txt"])
def test_an_error_naming_a_file_with_a_line_break_is_one_line(name: str) -> None:
    # found by `make attack`: a file over --max-size named with a line
    # break in it was said on two lines, and the harness (as a person
    # reading stderr line by line) found no error line for it
    layout = Layout(files=(File(name, "twice"),), options=("--max-size", "0.0009"))
    _holds("unaccounted", layout)
    _holds("terminal", layout)


def test_index_list_lines_cannot_be_forged() -> None:
    _holds("index-list", Layout(files=(File("in/a\nb\there\tx.txt", "twice"),), index_list=True))
