"""Input side of a batch: folders walked, corpora listed, texts read.

An `Input` says where a document is (a file, or a record of a JSONL or
Parquet corpus), how to show it, and where its clean copy goes inside the
output folder; `collect` expands the command line's paths into inputs;
`dedupe_input` reads one and deduplicates it. Nothing here writes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.corpus_lines import forget_open, read_line
from pipeline.errors import CleanDocsError, InputError
from pipeline.model import Result
from pipeline.settings import Settings

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})


# a file named on the command line with one of these is a corpus of records
CORPUS_SUFFIXES = frozenset({".jsonl", ".parquet"})


@dataclass(frozen=True)
class Record:
    """Where a record of a corpus is. Its text, parsed when the corpus was
    listed, is kept while the corpus's texts held stay under
    `HELD_TEXT_BYTES` (the bulk stages look at them all at once); beyond,
    it is read again when it is processed, so a corpus of any size is never
    held whole."""

    field: str  # the field (a Parquet column) that holds its text
    offset: int = 0  # JSONL: where its line starts in the file, in bytes
    length: int = 0  # JSONL: its line's length in bytes, newline left out
    group: int = -1  # Parquet: its row group (-1: a JSONL record)
    row: int = 0  # Parquet: its row in that group, from 0
    line: int = field(default=0, compare=False)  # JSONL: its line number, from 1


# Texts of JSONL records parsed as their corpus was listed, by (corpus,
# offset), kept in this process while they add up to HELD_TEXT_BYTES (bytes
# of JSON lines): the bulk stages look at them all at once without reading
# the corpus again. Past the budget, and in worker processes (an input
# sent there stays a few dozen bytes), a record is read again from its line.
HELD_TEXT_BYTES = 256 << 20
_listed: dict[tuple[str, int], str] = {}


@dataclass(frozen=True, slots=True)
class Input:
    """One input document: where it is, how to show it, where its outputs
    go. A file is read from `where`; a record of a corpus (a `.jsonl` or
    `.parquet` file) from where `record` says in that file.

    A batch holds one for every input until it ends, so the places are
    kept as strings, not Path objects (with the batch's look-up by name:
    254 bytes an input instead of 677, 9,311 files); `path` and
    `relative` give them as paths when needed."""

    where: str  # the file read, as a POSIX path (a corpus, for a record)
    shown: str
    inside: str  # its path inside the output folder, POSIX: its outputs are named from it
    record: Record | None = None
    key: str = ""  # what an index knows it by (`batch.canonical`); "": `shown`

    def __hash__(self) -> int:
        # (the generated hash also hashed the record's five fields: a
        # corpus's screen hashes each record a dozen times)
        return hash((self.where, self.inside))

    @property
    def ident(self) -> str:
        """The document's identity in a batch: its index key, else its name."""
        return self.key or self.shown

    @property
    def path(self) -> Path:
        return Path(self.where)

    @property
    def relative(self) -> Path:
        return Path(self.inside)


# Input below which the command line's default starts no worker processes:
# `check` on a 10 MB corpus sends 41 KB of records past its screen, and
# forking two workers for them cost 1.8 s (2.3 s in this process).
POOL_MIN_BYTES = 1 << 20


@dataclass(frozen=True)
class Options:
    """How a batch reads and runs, apart from the detection settings.

    encoding: force one input encoding (None: UTF-8, BOM-marked or detected).
    max_mb: refuse input files larger than this (None: read.MAX_INPUT_MB).
    jobs: documents processed at once, in worker processes (1: in this one).
    pool_min_bytes: the least input (bytes) worth starting worker processes
        for (0: any; the command line's default when no --jobs is given:
        forking them costs more than a little work saves).
    include, exclude: gitignore patterns on the files a folder holds,
        relative to `root` and matched at any depth (`pipeline.ignore`);
        include replaces the default text suffixes.
    gitignore: skip what .gitignore files ignore (the repository's and the
        nested ones, git's semantics).
    root: the patterns' root, an absolute path (None: the project's root
        seen from the current folder, else the current folder).
    progress: called with (done, total, path) after each document.
    across: remove what repeats documents before it (run only; by default
        such repeats are reported and kept).
    text_field, id_field: in a corpus (a `.jsonl` or `.parquet` file), the
        field (column) that holds each record's text and the one that names
        it (default: its line number in a JSONL file, its row number from 1
        in a Parquet file).
    engine: "local" (this machine: `jobs` worker processes) or "dask" (the
        stages as tasks on a Dask cluster; run only).
    scheduler: with the dask engine, the address of a running scheduler
        (None: a LocalCluster of `jobs` workers for the run).
    output: the output folder, links resolved ("": none): a folder's walk
        does not go into it; a link to it is listed, for the batch to name.
    """

    encoding: str | None = None
    max_mb: float | None = None
    jobs: int = 1
    pool_min_bytes: int = 0
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    progress: Callable[[int, int, str], None] | None = None
    across: bool = False
    text_field: str = "text"
    id_field: str | None = None
    engine: str = "local"
    scheduler: str | None = None
    gitignore: bool = True
    root: str | None = None
    output: str = ""


def _walk(root: Path, options: Options | None = None) -> Iterator[Path]:
    """The files under `root` a batch takes: text files (or what `include`
    names), less what .gitignore files and `exclude` leave out
    (`pipeline.ignore`); hidden entries and link loops skipped."""
    from pipeline.ignore import Selection

    options = options or Options()
    select = Selection(root, options.include, options.exclude, options.gitignore, options.root)
    seen: set[Path] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            real = folder.resolve()
            if real in seen:
                continue
            seen.add(real)
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError:
            continue
        subdirs: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if options.output and entry.is_dir() and os.path.realpath(entry) == options.output:
                    # never read; a link to it is listed as when the first
                    # run has still to make the folder (a link leading
                    # nowhere, taken when its name would be), to be named
                    if entry.is_symlink() and select.take(
                        entry, entry.suffix.lower() in TEXT_SUFFIXES
                    ):
                        yield entry
                elif entry.is_dir():
                    if select.enter(entry):
                        subdirs.append(entry)
                elif select.take(entry, entry.suffix.lower() in TEXT_SUFFIXES):
                    # Whatever else matches is yielded (a link that leads
                    # nowhere or round in a loop, a FIFO, a device), so
                    # that reading it says why it is not read.
                    yield entry
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def safe_name(key: Any) -> str:
    """A file name for an id that stays inside its folder, whatever the id,
    and differs for different ids: letters, digits, `_`, `-` and `.` stay,
    any other character (and a leading dot) is written as `%XX` bytes.

    >>> safe_name("a b"), safe_name("a_b"), safe_name("../x"), safe_name("年报")
    ('a%20b', 'a_b', '%2E.%2Fx', '年报')
    """
    text = str(key)
    if len(text) <= _NAME_BYTES and _PLAIN_NAME.fullmatch(text):
        return text  # (most ids: nothing to write as bytes, nothing to cut)
    out = []
    for at, char in enumerate(text):
        if (char.isalnum() or char in "_-" or char == "." and at) and char.isprintable():
            out.append(char)
        else:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
    return _fit("".join(out), _NAME_BYTES) or "%"


# What a name made from an id may take of the file system's 255 bytes, the
# reports' `.report.html` and a `~n` left aside.
_NAME_BYTES = 200
# an id that safe_name keeps as it is: ASCII letters, digits, `_`, `-`, and
# dots but a leading one
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def _fit(name: str, limit: int) -> str:
    """The longest start of `name` that fits in `limit` UTF-8 bytes."""
    data = name.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return name
    return data[:limit].decode("utf-8", "ignore")


def corpus_folder(path: Path) -> str:
    """The folder inside DIR that holds a corpus's records: its name made
    safe (a corpus named `...jsonl` writes inside DIR like any other)."""
    return safe_name(path.stem)


def _record_shown(corpus: str, key: Any, name: str) -> str:
    """How a record is named to people: the corpus and its id (with the
    `~n` its output name took when its id came twice)."""
    tail = name.rsplit("~", 1)[1] if "~" in name else ""  # (safe names hold no ~)
    return f"{corpus}#{key}" + (f"~{tail}" if tail else "")


def _claim(key: Any, names: set[str]) -> str:
    """A record's output name, taken into `names`: its id made safe; an id
    equal to another's once made safe (5 and "5"), or given twice, gets
    `~2`, `~3`... so that no record's outputs replace another's."""
    name = safe_name(key)
    unique, n = name, 1
    while unique.casefold() in names:
        n += 1
        unique = f"{name}~{n}"
    names.add(unique.casefold())
    return unique


def _not_utf8(exc: UnicodeDecodeError, offset: int) -> str:
    """What decoding the whole file would have said: positions in the file."""
    start, end = offset + exc.start, offset + exc.end
    what = (
        f"byte 0x{exc.object[exc.start]:02x} in position {start}"
        if end - start == 1
        else f"bytes in position {start}-{end - 1}"
    )
    return f"'{exc.encoding}' codec can't decode {what}: {exc.reason}"


_BOM = b"\xef\xbb\xbf"


def _records(path: Path, options: Options, errors: list[tuple[str, str]]) -> list[Input]:
    """The records of a JSONL corpus as inputs; a bad line is an error
    naming the file and the line, and the other records are still read.
    Each line is parsed once, to check it and learn its id; what an input
    keeps is where its line is, not its text (held aside: `_listed`)."""
    import json

    shown = path.as_posix()
    folder = corpus_folder(path)
    out: list[Input] = []
    names: set[str] = set()
    found: list[tuple[str, str]] = []
    offset = 0
    held = sum(len(t) for t in _listed.values())
    text_field, id_field = options.text_field, options.id_field
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                start, offset = offset, offset + len(raw)
                body = raw.rstrip(b"\n")
                body = body[:-1] if body.endswith(b"\r") else body
                # (a BOM opens some files; the plain codec is the faster)
                bom = len(_BOM) if body[:3] == _BOM else 0
                try:
                    line = body[bom:].decode("utf-8")
                except UnicodeDecodeError as exc:
                    said = _not_utf8(exc, start + bom)  # (its place in the file)
                    errors.append((shown, f"cannot read this JSONL corpus: {said}"))
                    return []
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    found.append(
                        (f"{shown}:{number}", f"not JSON at column {exc.colno}: {exc.msg}")
                    )
                    continue
                if not isinstance(record, dict):
                    found.append((f"{shown}:{number}", "a record must be a JSON object"))
                    continue
                text = record.get(text_field)
                if not isinstance(text, str):
                    found.append((f"{shown}:{number}", f"no text in field {text_field!r}"))
                    continue
                key = record.get(id_field) if id_field else number
                del record
                if key is None:
                    found.append((f"{shown}:{number}", f"no id in field {id_field!r}"))
                    continue
                name = _claim(key, names)
                held += len(body)
                if held <= HELD_TEXT_BYTES:
                    _listed[(shown, start)] = text
                where_in = Record(text_field, start, len(body), line=number)
                out.append(
                    Input(shown, _record_shown(shown, key, name), f"{folder}/{name}.txt", where_in)
                )
    except OSError as exc:
        errors.append((shown, f"cannot read this JSONL corpus: {exc}"))
        return []
    errors.extend(found)
    return out


def collect(
    paths: list[str], errors: list[tuple[str, str]], options: Options | None = None
) -> list[Input]:
    """Expand files and folders into inputs, in a stable order. Include and
    exclude patterns and .gitignore files apply to what a folder holds; a
    file named on the command line is always taken. A file met twice (named twice, or named
    and inside a folder named) is one input. Where outputs go is checked
    by `pipeline.outputs.plan`, not here: `check` writes nothing."""
    options = options or Options()
    _listed.clear()  # (a corpus listed again is read again)
    forget_open()
    inputs: list[Input] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(_walk(path, options), key=lambda p: p.relative_to(path).as_posix())
            if not found:
                errors.append((raw, "no text files found in this folder"))
            pairs = [(p.as_posix(), p.relative_to(path).as_posix()) for p in found]
            del found
        elif path.suffix.lower() in CORPUS_SUFFIXES and path.is_file():
            if _first_time(path, seen):
                read = _records if path.suffix.lower() == ".jsonl" else _parquet_records
                inputs.extend(read(path, options, errors))
            continue
        elif path.exists() or path.is_symlink():
            pairs = [(path.as_posix(), path.name)]
        else:
            errors.append((raw, "no such file or directory"))
            continue
        for shown, relative in pairs:
            if _first_time(Path(shown), seen):
                inputs.append(Input(shown, shown, relative))
    return inputs


def _first_time(path: Path, seen: set[str]) -> bool:
    """True the first time a file (links resolved) is met."""
    real = os.path.realpath(path)
    if real in seen:
        return False
    seen.add(real)
    return True


def _parquet_records(path: Path, options: Options, errors: list[tuple[str, str]]) -> list[Input]:
    """The rows of a Parquet corpus as inputs; a row without text is an
    error naming the file and the row (from 1), the others are still read."""
    from pipeline import parquet

    shown = path.as_posix()
    folder = corpus_folder(path)
    out: list[Input] = []
    names: set[str] = set()
    found: list[tuple[str, str]] = []
    try:
        for number, group, row, key, has_text in parquet.rows(
            path, options.text_field, options.id_field
        ):
            where = f"{shown}#{number}"
            if not has_text:
                found.append((where, f"no text in column {options.text_field!r}"))
            elif key is None:
                found.append((where, f"no id in column {options.id_field!r}"))
            else:
                name = _claim(key, names)
                record = Record(options.text_field, group=group, row=row)
                out.append(
                    Input(shown, _record_shown(shown, key, name), f"{folder}/{name}.txt", record)
                )
    except CleanDocsError as exc:
        errors.append((shown, str(exc)))
        return []
    errors.extend(found)
    return out


def record_text(item: Input) -> str:
    """A record's text, read from its corpus where collect() found it."""
    import json

    from pipeline import parquet

    record = item.record
    assert record is not None
    if record.group < 0 and (text := _listed.get((str(item.where), record.offset))) is not None:
        return text
    try:
        if record.group < 0:
            line = read_line(item.where, record.offset, record.length)
            value = json.loads(line.decode("utf-8-sig")).get(record.field)
        else:
            value = parquet.text_at(item.path, record.field, record.group, record.row)
    except OSError as exc:
        raise InputError(item.shown, f"cannot read: {exc.strerror or exc}") from None
    except Exception:  # not JSON any more, rows gone: pyarrow's errors too
        parquet.forget()
        value = None
    if not isinstance(value, str):
        raise InputError(item.shown, "its corpus changed since it was read: run again")
    return value


def _record_source(item: Input, limit: float | None = None) -> Any:
    import hashlib

    from pipeline.model import Source

    text = record_text(item)
    if limit is not None and len(text.encode("utf-8", "surrogatepass")) > limit * 1_000_000:
        size = len(text.encode("utf-8", "surrogatepass")) / 1e6
        raise InputError(item.shown, f"{size:.2f} MB is over the {limit:g} MB limit (--max-size)")
    if not text.strip():
        raise InputError(item.shown, "empty record" if not text else "holds only white space")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return Source(path=item.shown, text=text, sha256=digest, encoding="utf-8")


def content_sha(item: Input, max_mb: float | None = None) -> str | None:
    """What the index compares: a record's text, a file's bytes (None when
    it cannot be read: processing it again reports why)."""
    if item.record is not None:
        import hashlib

        try:
            text = record_text(item)
        except InputError:
            return None
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    from pipeline.read import MAX_INPUT_MB, limit_bytes, sha256_limited

    return sha256_limited(item.path, limit_bytes(MAX_INPUT_MB if max_mb is None else max_mb))


def input_bytes(item: Input) -> int:
    """How many bytes an input holds, as far as a look tells (0 when it
    cannot: a Parquet record, a file gone)."""
    if item.record is not None:
        return item.record.length
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def dedupe_input(
    item: Input, settings: Settings, options: Options, cleared: bool = False
) -> Result | str:
    """Read and deduplicate one input: its Result, or why it failed
    (`cleared`: a record the bulk screen cleared, repaired only)."""
    from pipeline.api import dedupe_source
    from pipeline.read import MAX_INPUT_MB, read_file

    limit = MAX_INPUT_MB if options.max_mb is None else options.max_mb
    try:
        if item.record is not None:
            return dedupe_source(_record_source(item, limit), settings, cleared)
        return dedupe_source(read_file(item.path, item.shown, options.encoding, limit), settings)
    except InputError as exc:
        return exc.reason
    except CleanDocsError as exc:
        return str(exc).removeprefix(f"{item.shown}: ")
