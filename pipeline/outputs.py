"""Output side of a batch: where each output goes, and nowhere else.

Every input's outputs are named before anything is written: the clean
copy keeps the input's file name (`notes.md` -> `DIR/notes.md`), its
reports add to it (`notes.md.diff`, `notes.md.report.json`,
`notes.md.report.html`); two inputs that would share a name (whatever the
case of its letters), or a name the batch writes itself, are an error
before anything is written. A path is checked to lie inside DIR before it
is written, and links inside DIR are never followed: a folder on the way
that is a link is refused. DIR may not be, hold, or lie inside an input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.errors import OutputError
from pipeline.inputs import CORPUS_SUFFIXES, Input
from pipeline.model import Result

REPORT_SUFFIXES = (".diff", ".report.json", ".report.html")
# what a batch writes into DIR besides the documents' outputs
BATCH_FILES = ("summary.json", "index.html", ".clean-docs")
# a corpus's report: a line per record that has something to show
REPORTS = "reports.jsonl"


def output_names(inside: str) -> tuple[str, str, str, str]:
    """The clean copy and the three reports of an input, under DIR.

    >>> output_names("notes.md")
    ('notes.md', 'notes.md.diff', 'notes.md.report.json', 'notes.md.report.html')
    """
    return (inside, *(inside + suffix for suffix in REPORT_SUFFIXES))  # type: ignore[return-value]


# The longest file name (one path component) most file systems take.
NAME_MAX = 255


def record_page(item: Input) -> str:
    """A record's page under DIR, written only when the record has something
    to show (a corpus's records write no clean copy, diff or report of
    their own: the cleaned corpus and `reports.jsonl` hold them).

    >>> from pipeline.inputs import Record
    >>> record_page(Input("c.jsonl", "c.jsonl#7", "c/7.txt", Record("text")))
    'c/7.txt.report.html'
    """
    return item.inside + REPORT_SUFFIXES[2]


def reports_name(item: Input) -> str:
    """The `reports.jsonl` of a record's corpus: in the folder of its pages,
    a line for each record that has removals, findings or repairs.

    >>> from pipeline.inputs import Record
    >>> reports_name(Input("c.jsonl", "c.jsonl#7", "sub/c/7.txt", Record("text")))
    'sub/c/reports.jsonl'
    """
    return item.inside.rsplit("/", 1)[0] + "/" + REPORTS


def record_output(item: Input) -> str:
    """Where a record's clean text is: its cleaned corpus and its id.

    >>> from pipeline.inputs import Record
    >>> record_output(Input("in/c.jsonl", "in/c.jsonl#7", "c/7.txt", Record("text")))
    'c.jsonl#7'
    """
    return corpus_output(item) + item.shown[len(item.where) :]


def names_of(item: Input) -> tuple[str, ...]:
    """The names an input's own outputs may take under DIR."""
    return (record_page(item),) if item.record is not None else output_names(item.inside)


def too_long(item: Input) -> str | None:
    """Why an input's outputs cannot be written under their names (a name
    longer than the file system takes), or None."""
    for name in names_of(item):
        last = name.rsplit("/", 1)[-1]
        size = len(last.encode("utf-8", "surrogateescape"))
        if size > NAME_MAX:
            return (
                f"its output {last[:40]}... would be {size} bytes long, over the "
                f"{NAME_MAX} a file name may take: rename it"
            )
    return None


def corpus_output(item: Input) -> str:
    """The cleaned corpus a record is written back into: beside the folder
    of its records (`DIR/<name><suffix>`, or `DIR/sub/<name><suffix>` for a
    corpus at `sub/` in the batch)."""
    return item.inside.rsplit("/", 1)[0] + _corpus_suffix(item.where)


@lru_cache(maxsize=64)
def _corpus_suffix(where: str) -> str:
    # (asked once per record of a corpus: a Path each time cost 1 s of a
    # 10 MB corpus's run)
    suffix = PurePosixPath(where).suffix.lower()
    return suffix if suffix in CORPUS_SUFFIXES else ".jsonl"


# -- the batch's shape ----------------------------------------------------------


def named_root(paths: Iterable[str]) -> str | None:
    """The root of a new batch: the folder named on the command line, or
    the common folder of those named (links resolved); None when only
    files are named (their outputs take their names) or the folders have
    nothing in common but the file system's root."""
    folders = [os.path.realpath(raw) for raw in paths if os.path.isdir(raw)]
    if not folders:
        return None
    common = os.path.commonpath(folders)
    return None if os.path.dirname(common) == common else common


def _relative_in(where: str, base: str) -> str | None:
    """`where` relative to `base` (POSIX) when it lies inside it: as typed
    (made absolute), else with the links of its folders resolved."""
    typed = os.path.abspath(where)
    for place in (typed, os.path.join(os.path.realpath(os.path.dirname(typed)), Path(typed).name)):
        if _inside(place, base):
            return Path(os.path.relpath(place, base)).as_posix()
    return None


def guessed_root(key: str, output: Any, root: str) -> str | None:
    """For an index written before roots were recorded: the root a file
    document's outputs mirror (its place less its clean copy's path under
    DIR), or None (a record, or a place that is not the end of its path)."""
    if "#" in key or not isinstance(output, str) or not output:
        return None
    where = Path(os.path.join(root, key)).as_posix()
    return where[: -len(output) - 1] if where.endswith("/" + output) else None


def place(inputs: list[Input], base: str | None, places: dict[str, str]) -> list[Input]:
    """Where each input's outputs go under DIR: an indexed document keeps
    the place its outputs have (`places`: index key -> clean copy's path);
    a new one inside the batch's root `base` mirrors its path from there
    (a corpus's records sit in a folder beside it); any other keeps the
    place `collect` gave it (a named file's name, or its path in the folder
    named). The records of one corpus stay together."""
    import dataclasses
    import posixpath

    # a place read from the index is taken only when it stays inside DIR
    places = {key: name for key, name in places.items() if _safe_name(name)}
    prefixes: dict[str, str] = {}  # corpus -> the folder its records' folder is in
    for item in inputs:
        recorded = places.get(item.ident)
        if item.record is not None and recorded and item.where not in prefixes:
            prefixes[item.where] = posixpath.dirname(posixpath.dirname(recorded))
    out: list[Input] = []
    for item in inputs:
        if item.record is None:
            inside = places.get(item.ident) or (
                base is not None and _relative_in(item.where, base) or item.inside
            )
        else:
            if item.where not in prefixes:
                rel = _relative_in(item.where, base) if base is not None else None
                prefixes[item.where] = posixpath.dirname(rel) if rel else ""
            prefix = prefixes[item.where]
            inside = f"{prefix}/{item.inside}" if prefix else item.inside
        out.append(item if inside == item.inside else dataclasses.replace(item, inside=inside))
    return out


def _safe_name(name: str) -> bool:
    """A relative POSIX path that cannot leave the folder it is under."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _existing(out_dir: Path, name: str) -> Path | None:
    """An output recorded as `name`, when it can only be inside `out_dir`:
    a relative path through folders that are not links (None otherwise)."""
    if not _safe_name(name):
        return None
    parts = name.split("/")
    folder = out_dir
    for part in parts[:-1]:
        folder = folder / part
        if folder.is_symlink() or not folder.is_dir():
            return None
    return folder / parts[-1]


def remove_outputs(out_dir: Path, outputs: dict[str, str]) -> tuple[list[str], list[str]]:
    """Remove the outputs a document no longer there had (`outputs`: name
    -> the hash written), each only when it is on disk as written; return
    (removed, kept): a file changed since (or replaced by a link) is kept,
    for a person to look at. Folders left empty inside DIR go too."""
    from pipeline.index import file_sha256

    removed: list[str] = []
    kept: list[str] = []
    for name, sha in sorted(outputs.items()):
        path = _existing(out_dir, name)
        if path is None or not os.path.lexists(path):
            continue
        if path.is_symlink() or not path.is_file() or file_sha256(path) != sha:
            kept.append(name)
            continue
        try:
            path.unlink()
        except OSError:
            kept.append(name)
            continue
        removed.append(name)
        folder = path.parent
        while folder != out_dir and _inside(str(folder), str(out_dir)):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent
    return removed, kept


def plan(inputs: Iterable[Input], owned: dict[str, str] | None = None) -> None:
    """Check that no two inputs' outputs share a name (letters' case aside:
    DIR may be copied to a system that ignores it), nor take a name the
    batch writes, nor one that `owned` (name -> document, from the index)
    says belongs to another document. Raises OutputError naming the
    clashes; nothing has been written then."""
    taken: dict[str, str] = {name.casefold(): "the batch's own files" for name in BATCH_FILES}
    for name, owner in (owned or {}).items():
        taken.setdefault(name.casefold(), owner)
    clashes: list[str] = []
    folders: dict[str, str] = {}
    for name, owner in _claims(inputs):
        other = taken.setdefault(name.casefold(), owner)
        if other != owner:
            clashes.append(f"{owner} and {other} would both write {name}")
        parts = name.split("/")
        for depth in range(1, len(parts)):
            folders.setdefault("/".join(parts[:depth]).casefold(), owner)
    for folder, owner in folders.items():
        if folder in taken:
            clashes.append(f"{taken[folder]} writes a file where {owner} needs a folder")
    if clashes:
        more = f" (and {len(clashes) - 3} more)" if len(clashes) > 3 else ""
        raise OutputError(
            "; ".join(clashes[:3]) + more + ": rename one, or clean them into separate -o folders"
        )


def _claims(inputs: Iterable[Input]) -> Iterable[tuple[str, str]]:
    """Each name a batch would write under DIR, and whose it is."""
    corpora: set[str] = set()
    for item in inputs:
        for name in names_of(item):
            yield name, item.ident
        if item.record is not None and item.where not in corpora:
            corpora.add(item.where)
            yield corpus_output(item), item.where
            yield reports_name(item), item.where


def refuse_overlap(paths: Iterable[str], out_dir: Path) -> None:
    """Refuse an output folder that is an input, lies inside one or holds
    one: its outputs could overwrite the inputs. Both a link's own place
    and where it leads count."""
    outs = _places(out_dir)
    for raw in paths:
        for src in _places(Path(raw)):
            for out in outs:
                if out == src or _inside(out, src) or _inside(src, out):
                    raise OutputError(
                        f"{out_dir}: refusing to write into the input {raw} (the output "
                        "folder would be it, hold it or lie inside it): pick another -o folder"
                    )


def _places(path: Path) -> set[str]:
    """Where a path is: as written (made absolute) and with links resolved;
    for a path that does not exist yet, its nearest existing folder's."""
    return {os.path.abspath(path), os.path.realpath(path)}


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def target(out_dir: Path, name: str) -> Path:
    """Where an output named `name` (a relative POSIX path) is written:
    inside `out_dir`, through folders that are not links (created when
    missing). Raises OutputError otherwise; nothing is written then."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise OutputError(f"{out_dir / name}: refusing to write outside {out_dir}")
    folder = out_dir
    for part in parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise OutputError(f"{folder}: a link inside the output folder: not followed")
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write: {exc.strerror or exc}") from None
        if not folder.is_dir() or folder.is_symlink():
            raise OutputError(f"{folder}: not a folder")
    return folder / parts[-1]


def write_files(out_dir: Path, files: dict[str, str]) -> None:
    """Write a document's outputs (each atomically) inside `out_dir`."""
    from pipeline.write import write_atomic

    for name, data in files.items():
        write_atomic(target(out_dir, name), data)


def cross_entries(
    cross: list[Any], result: Result, cleaned_of: dict[str, str]
) -> list[dict[str, Any]]:
    """Report entries (the shape of `removed`) for what a document repeats
    from other documents."""
    from pipeline.lines import LineIndex

    text = result.cleaned.text
    lines = LineIndex(text)
    out: list[dict[str, Any]] = []
    indexes: dict[str, LineIndex] = {}
    for c in cross:
        if c.twin_path not in indexes:
            indexes[c.twin_path] = LineIndex(cleaned_of[c.twin_path])
        other_lines = indexes[c.twin_path]
        out.append(
            {
                "start_line": lines.line(c.span.start),
                "end_line": lines.last_line(c.span.start, c.span.end),
                "start_char": c.span.start,
                "end_char": c.span.end,
                "text": text[c.span.start : c.span.end],
                "similarity": round(c.similarity, 4),
                "method": c.method,
                "duplicate_of": {
                    "path": c.twin_path,
                    "start_line": other_lines.line(c.twin.start),
                    "end_line": other_lines.last_line(c.twin.start, c.twin.end),
                    "start_char": c.twin.start,
                    "end_char": c.twin.end,
                },
            }
        )
    return out


def name_twin_pages(report: dict[str, Any], pages: dict[str, str]) -> None:
    """Give each twin in another document that is a file of this run its
    report page (`duplicate_of.page`, inside DIR): a document is known by
    where it is, links resolved, but its page by the name it was reached
    through, which a page linking to it cannot guess.

    >>> report = {"removed": [{"duplicate_of": {"path": "in/real.txt"}}], "findings": []}
    >>> name_twin_pages(report, {"in/real.txt": "link.txt.report.html"})
    >>> report["removed"][0]["duplicate_of"]["page"]
    'link.txt.report.html'
    """
    entries = [*report["removed"], *report["findings"], *report.get("across", [])]
    while entries:
        entry = entries.pop()
        entries += entry.get("contains", [])
        twin = entry["duplicate_of"]
        if twin["path"] in pages:
            twin["page"] = pages[twin["path"]]


def has_something(report: dict[str, Any]) -> bool:
    """A report with removals, findings, repairs or repeats of other documents."""
    return bool(report["removed"] or report["findings"] or report["fixes"] or report.get("across"))


def keep_record_ending(report: dict[str, Any], clean: str) -> str:
    """A record's clean text without the final line end that a file's gets:
    a record is a string in a field, not a file, and ends as it ended.
    Its report (changed in place) then lists no such repair.

    >>> report = {"fixes": [{"kind": "final_newline"}], "stats": {"fixes": 1}, "output": {}}
    >>> keep_record_ending(report, "text\\n"), report["fixes"], report["output"]["chars"]
    ('text', [], 4)
    """
    import hashlib

    clean = clean[:-1]
    report["fixes"] = [f for f in report["fixes"] if f["kind"] != "final_newline"]
    report["stats"]["fixes"] = len(report["fixes"])
    report["output"]["sha256"] = hashlib.sha256(clean.encode("utf-8")).hexdigest()
    report["output"]["chars"] = len(clean)
    return clean


def file_entry(item: Input, result: Result, report: dict[str, Any]) -> dict[str, Any]:
    """A document's entry in summary.json. A record's names its cleaned
    corpus, its corpus's reports.jsonl, its page (or "" when it has
    nothing to show) and its id; it has no diff of its own ("")."""
    if item.record is None:
        clean, diff, report_json, report_html = output_names(item.inside)
        mine: dict[str, Any] = {}
    else:
        clean, diff, report_json = corpus_output(item), "", reports_name(item)
        report_html = record_page(item) if has_something(report) else ""
        mine = {"record": item.shown[len(item.where) + 1 :]}
    return {
        "path": item.shown,
        **mine,
        "output": clean,
        "report": report_json,
        "report_html": report_html,
        "diff": diff,
        "input_chars": report["stats"]["input_chars"],
        "output_chars": report["stats"]["output_chars"],
        "removed_chars": report["stats"]["removed_chars"],
        "removed_regions": report["stats"]["removed_regions"],
        "findings": report["stats"]["findings"],
        "fixes": report["stats"]["fixes"],
        "cross_file": [
            {
                "start_line": c["start_line"],
                "end_line": c["end_line"],
                # offsets, so index.html can tell a whole-file copy
                "start_char": c["start_char"],
                "end_char": c["end_char"],
                "duplicate_of": {
                    k: c["duplicate_of"][k] for k in ("path", "start_line", "end_line")
                },
            }
            for c in report.get("across", [])
        ],
    }


def _write_jsonl(path: Path, items: list[Input], texts: dict[str, str | None], to: Path) -> None:
    import json

    from pipeline.write import atomic_writer

    with path.open("rb") as source, atomic_writer(to) as out:
        for item in items:
            record = item.record
            assert record is not None
            source.seek(record.offset)
            line = json.loads(source.read(record.length).decode("utf-8-sig"))
            cleaned = texts.get(item.ident)
            if cleaned is not None:
                line[record.field] = cleaned
            try:
                data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (a "\ud800" escape): kept escaped
                data = (json.dumps(line) + "\n").encode("utf-8")
            out.write(data)


def _write_parquet(path: Path, items: list[Input], texts: dict[str, str | None], to: Path) -> None:
    from pipeline import parquet

    record = items[0].record
    assert record is not None
    by_row = {(i.record.group, i.record.row): i for i in items if i.record is not None}

    def cleaned(group: int, row: int) -> str | None:
        return texts.get(by_row[(group, row)].ident)

    parquet.write_cleaned(path, record.field, by_row, cleaned, to)


def _write_reports(items: list[Input], reports: dict[str, str], to: Path) -> None:
    from pipeline.write import atomic_writer

    with atomic_writer(to) as out:
        for item in items:
            line = reports.get(item.ident)
            if line is not None:
                out.write(line.encode("utf-8") + b"\n")


def corpus_targets(inputs: list[Input], out_dir: Path) -> dict[str, tuple[Path, Path]]:
    """Where each corpus's cleaned copy and reports.jsonl are written
    (`target`: inside DIR, through no link). Raises OutputError, before
    anything is written when called before the run's work."""
    places: dict[str, tuple[Path, Path]] = {}
    for item in inputs:
        if item.record is not None and item.where not in places:
            places[item.where] = (
                target(out_dir, corpus_output(item)),
                target(out_dir, reports_name(item)),
            )
    return places


def write_corpora(inputs: list[Input], out_dir: Path, index: Any) -> None:
    """Each corpus again, as DIR/<name>.jsonl or DIR/<name>.parquet: every
    record read with its clean text as the index holds it (a record whose
    text did not change, or that could not be processed, is kept as it
    was), streamed record by record from the corpus; and its
    `reports.jsonl`: the report of each record that has something to
    show, in the corpus's order."""
    corpora: dict[str, list[Input]] = {}
    for item in inputs:
        if item.record is not None:
            corpora.setdefault(item.where, []).append(item)
    places = corpus_targets(inputs, out_dir)
    for where, items in corpora.items():
        path = Path(where)
        record = items[0].record
        is_parquet = record is not None and record.group >= 0
        texts, reports = index.record_outputs([item.ident for item in items])
        to, reports_to = places[where]
        try:
            (_write_parquet if is_parquet else _write_jsonl)(path, items, texts, to)
        except OutputError:
            raise
        except Exception as exc:  # the corpus changed or went away during the run
            raise OutputError(
                f"{to}: cannot write: {path.as_posix()} could not be read again ({exc})"
            ) from None
        _write_reports(items, reports, reports_to)
