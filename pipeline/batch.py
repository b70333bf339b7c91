"""Many documents: find the inputs, process each, write or check them.

The CLI is a thin layer over `run_paths` and `check_paths`. One bad file
never stops the others: its error is collected and the batch goes on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import CleanDocsError, InputError, OutputError
from pipeline.model import Result
from pipeline.settings import Settings

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})
# a file named on the command line with one of these is a corpus of records
CORPUS_SUFFIXES = frozenset({".jsonl", ".parquet"})


@dataclass(frozen=True)
class Record:
    """Where a record of a corpus is, not what it holds: its text is read
    when it is processed (and again when the cleaned corpus is written), so
    a corpus is never held whole."""

    field: str  # the field (a Parquet column) that holds its text
    offset: int = 0  # JSONL: where its line starts in the file, in bytes
    length: int = 0  # JSONL: its line's length in bytes, newline left out
    group: int = -1  # Parquet: its row group (-1: a JSONL record)
    row: int = 0  # Parquet: its row in that group, from 0


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

    @property
    def path(self) -> Path:
        return Path(self.where)

    @property
    def relative(self) -> Path:
        return Path(self.inside)


@dataclass(frozen=True)
class Options:
    """How a batch reads and runs, apart from the detection settings.

    encoding: force one input encoding (None: UTF-8, BOM-marked or detected).
    max_mb: refuse input files larger than this (None: read.MAX_INPUT_MB).
    jobs: documents processed at once, in worker processes (1: in this one).
    include, exclude: glob patterns on the path inside a folder (or the
        name); include replaces the default text suffixes.
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
    """

    encoding: str | None = None
    max_mb: float | None = None
    jobs: int = 1
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    progress: Callable[[int, int, str], None] | None = None
    across: bool = False
    text_field: str = "text"
    id_field: str | None = None
    engine: str = "local"
    scheduler: str | None = None


@dataclass
class Outcome:
    """What a batch did: per-file results and the errors met on the way."""

    results: list[tuple[Input, Result]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # inputs the index had seen unchanged: not processed, outputs kept
    skipped: int = 0


def _matches(relative: Path, patterns: tuple[str, ...]) -> bool:
    from fnmatch import fnmatch

    text = relative.as_posix()
    return any(fnmatch(text, p) or fnmatch(relative.name, p) for p in patterns)


def _walk(root: Path, include: tuple[str, ...] = ()) -> Iterator[Path]:
    """Text files under `root`, sorted, hidden entries and link loops skipped."""
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
                if entry.is_dir():
                    subdirs.append(entry)
                elif (
                    _matches(entry.relative_to(root), include)
                    if include
                    else entry.suffix.lower() in TEXT_SUFFIXES
                ) and (entry.is_file() or entry.is_symlink()):
                    # A link that leads nowhere (or round in a loop) is
                    # yielded too, so reading it reports why.
                    yield entry
            except OSError:
                continue
        stack.extend(reversed(subdirs))


# Parquet corpora are read through a small buffer, in batches of about this
# many bytes, so that neither a row group nor a column chunk is held whole.
_PARQUET_BATCH_BYTES = 2 << 20
_PARQUET_BUFFER = 1 << 20
_NEEDS_PYARROW = 'reading a Parquet corpus needs pyarrow: pip install "clean-docs[parquet]"'


def _name(key: Any) -> str:
    """A file name that stays inside the output folder whatever the id."""
    import re

    return re.sub(r"[^\w.-]", "_", str(key)).lstrip(".") or "_"


def _claim(
    key: Any, names: set[str], where: str, missing: str, found: list[tuple[str, str]]
) -> str | None:
    """A record's output name, taken into `names`; None, and why in
    `found`, when it has no id (`missing` says so) or another record has
    that name."""
    if key is None:
        found.append((where, missing))
        return None
    name = _name(key)
    if name in names:
        found.append((where, f"its id {key!r} is not unique in the corpus"))
        return None
    names.add(name)
    return name


def _not_utf8(exc: UnicodeDecodeError, offset: int) -> str:
    """What decoding the whole file would have said: positions in the file."""
    start, end = offset + exc.start, offset + exc.end
    what = (
        f"byte 0x{exc.object[exc.start]:02x} in position {start}"
        if end - start == 1
        else f"bytes in position {start}-{end - 1}"
    )
    return f"'{exc.encoding}' codec can't decode {what}: {exc.reason}"


def _records(path: Path, options: Options, errors: list[tuple[str, str]]) -> list[Input]:
    """The records of a JSONL corpus as inputs; a bad line is an error
    naming the file and the line, and the other records are still read.
    Each line is parsed once, to check it and learn its id; what an input
    keeps is where its line is, not its text."""
    import json

    shown = path.as_posix()
    out: list[Input] = []
    names: set[str] = set()
    found: list[tuple[str, str]] = []
    offset = 0
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                start, offset = offset, offset + len(raw)
                body = raw.rstrip(b"\n")
                body = body[:-1] if body.endswith(b"\r") else body
                try:
                    line = body.decode("utf-8")
                except UnicodeDecodeError as exc:
                    errors.append(
                        (shown, f"cannot read this JSONL corpus: {_not_utf8(exc, start)}")
                    )
                    return []
                if not line.strip():
                    continue
                where = f"{shown}:{number}"
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    found.append((where, f"not JSON: {exc.msg}"))
                    continue
                if not isinstance(record, dict):
                    found.append((where, "a record must be a JSON object"))
                    continue
                if not isinstance(record.get(options.text_field), str):
                    found.append((where, f"no text in field {options.text_field!r}"))
                    continue
                key = record.get(options.id_field) if options.id_field else number
                del record
                name = _claim(key, names, where, f"no id in field {options.id_field!r}", found)
                if name is None:
                    continue
                where_in = Record(options.text_field, start, len(body))
                out.append(Input(shown, f"{shown}#{key}", f"{path.stem}/{name}.txt", where_in))
    except OSError as exc:
        errors.append((shown, f"cannot read this JSONL corpus: {exc}"))
        return []
    errors.extend(found)
    return out


def _pyarrow() -> tuple[Any, Any] | None:
    """pyarrow and pyarrow.parquet, or None when they are not installed."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        return None
    return pyarrow, pyarrow.parquet


def _parquet_file(path: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path, buffer_size=_PARQUET_BUFFER, pre_buffer=False)


def _batch_rows(parquet: Any, group: int) -> int:
    """Rows per batch for a row group: about _PARQUET_BATCH_BYTES of data."""
    meta = parquet.metadata.row_group(group)
    per_row = max(meta.total_byte_size / max(meta.num_rows, 1), 1.0)
    return max(1, min(1024, int(_PARQUET_BATCH_BYTES / per_row)))


def _is_text(pa: Any, kind: Any) -> bool:
    if pa.types.is_dictionary(kind):
        return _is_text(pa, kind.value_type)
    view = getattr(pa.types, "is_string_view", lambda _: False)
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or view(kind))


def _parquet_records(path: Path, options: Options, errors: list[tuple[str, str]]) -> list[Input]:
    """The rows of a Parquet corpus as inputs, read in batches of the text
    (and id) column; a bad row is an error naming the file and the row
    (from 1), and the other rows are still read."""
    shown = path.as_posix()
    modules = _pyarrow()
    if modules is None:
        errors.append((shown, _NEEDS_PYARROW))
        return []
    pa = modules[0]
    field, id_field = options.text_field, options.id_field
    out: list[Input] = []
    names: set[str] = set()
    found: list[tuple[str, str]] = []
    try:
        parquet = _parquet_file(path)
        schema = parquet.schema_arrow
        for column in (field, id_field):
            if column is not None and column not in schema.names:
                errors.append((shown, f"no column {column!r}"))
                return []
        kind = schema.field(field).type
        if not _is_text(pa, kind):
            errors.append((shown, f"column {field!r} holds {kind}, not text"))
            return []
        columns = list(dict.fromkeys(c for c in (field, id_field) if c is not None))
        number = 0
        for group in range(parquet.metadata.num_row_groups):
            row = 0
            for batch in parquet.iter_batches(
                batch_size=_batch_rows(parquet, group),
                row_groups=[group],
                columns=columns,
                use_threads=False,
            ):
                valid = batch.column(field).is_valid().to_pylist()
                keys = batch.column(id_field).to_pylist() if id_field else None
                del batch
                for at, has_text in enumerate(valid):
                    number += 1
                    where = f"{shown}#{number}"
                    if not has_text:
                        found.append((where, f"no text in column {field!r}"))
                        continue
                    key = keys[at] if keys is not None else number
                    missing = f"no id in column {id_field!r}"
                    name = _claim(key, names, where, missing, found)
                    if name is None:
                        continue
                    where_in = Record(field, group=group, row=row + at)
                    out.append(Input(shown, f"{shown}#{key}", f"{path.stem}/{name}.txt", where_in))
                row += len(valid)
    except (OSError, pa.ArrowException) as exc:
        errors.append((shown, f"cannot read this Parquet corpus: {exc}"))
        return []
    errors.extend(found)
    return out


def collect(
    paths: list[str], errors: list[tuple[str, str]], options: Options | None = None
) -> list[Input]:
    """Expand files and folders into inputs, in a stable order. Include and
    exclude patterns apply to what a folder holds; a file named on the
    command line is always taken."""
    options = options or Options()
    inputs: list[Input] = []
    taken: dict[str, str] = {}
    corpora: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                (
                    p
                    for p in _walk(path, options.include)
                    if not _matches(p.relative_to(path), options.exclude)
                ),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            if not found:
                errors.append((raw, "no text files found in this folder"))
            pairs = [(p.as_posix(), p.relative_to(path).as_posix()) for p in found]
            del found
        elif path.suffix.lower() in CORPUS_SUFFIXES and path.is_file():
            # the cleaned corpus DIR/<stem><suffix>: one corpus per name
            written = path.stem + path.suffix.lower()
            if written in corpora:
                errors.append((raw, f"its cleaned corpus would replace that of {corpora[written]}"))
                continue
            corpora[written] = path.as_posix()
            read = _records if path.suffix.lower() == ".jsonl" else _parquet_records
            for record in read(path, options, errors):
                if record.inside in taken:
                    errors.append(
                        (
                            record.shown,
                            f"its outputs would overwrite those of {taken[record.inside]}",
                        )
                    )
                    continue
                taken[record.inside] = record.shown
                inputs.append(record)
            continue
        elif path.exists() or path.is_symlink():
            pairs = [(path.as_posix(), path.name)]
        else:
            errors.append((raw, "no such file or directory"))
            continue
        for shown, relative in pairs:
            if relative in taken:
                errors.append((shown, f"its outputs would overwrite those of {taken[relative]}"))
                continue
            taken[relative] = shown
            inputs.append(Input(shown, shown, relative))
    return inputs


def _refuse_output_inside_inputs(paths: list[str], out_dir: Path) -> None:
    out = out_dir.resolve()
    for raw in paths:
        src = Path(raw).resolve()
        # A folder's outputs mirror it under `out`; a file's land in `out`
        # itself, where they could overwrite the file or its neighbours.
        if (
            out == src
            or (src.is_dir() and src in out.parents)
            or (src.is_file() and src.parent == out)
        ):
            raise OutputError(
                f"{out_dir}: refusing to write into the input {raw}: pick another -o folder"
            )


# The Parquet rows a process read last: (file, its state, column, row group),
# the open batch iterator over that group, the batch at hand and the row it
# starts at. Records come in order, so each row group is read once per process.
_PARQUET_CURSOR: dict[str, Any] = {}


def _parquet_text(item: Input, record: Record) -> Any:
    """The value of a Parquet record's text column, read through a cursor
    over its row group (held one batch at a time)."""
    import os

    state = os.stat(item.path)
    key = (str(item.path), state.st_mtime_ns, state.st_size, record.field, record.group)
    cursor = _PARQUET_CURSOR
    if cursor.get("key") != key or record.row < cursor["start"]:
        cursor.clear()
        parquet = _parquet_file(item.path)
        batches = parquet.iter_batches(
            batch_size=_batch_rows(parquet, record.group),
            row_groups=[record.group],
            columns=[record.field],
            use_threads=False,
        )
        cursor.update(key=key, batches=batches, start=0, rows=None)
    while cursor["rows"] is None or record.row >= cursor["start"] + len(cursor["rows"]):
        if cursor["rows"] is not None:
            cursor["start"] += len(cursor["rows"])
        cursor["rows"] = next(cursor["batches"]).column(0)
    return cursor["rows"][record.row - cursor["start"]].as_py()


def _record_text(item: Input) -> str:
    """A record's text, read from its corpus where collect() found it."""
    import json

    record = item.record
    assert record is not None
    try:
        if record.group < 0:
            with item.path.open("rb") as handle:
                handle.seek(record.offset)
                line = handle.read(record.length)
            value = json.loads(line.decode("utf-8")).get(record.field)
        else:
            value = _parquet_text(item, record)
    except OSError as exc:
        raise InputError(item.shown, f"cannot read: {exc.strerror or exc}") from None
    except Exception:  # not JSON any more, rows gone: pyarrow's errors too
        _PARQUET_CURSOR.clear()
        value = None
    if not isinstance(value, str):
        raise InputError(item.shown, "its corpus changed since it was read: run again")
    return value


def _record_source(item: Input) -> Any:
    import hashlib

    from pipeline.model import Source

    text = _record_text(item)
    if not text.strip():
        raise InputError(item.shown, "empty record" if not text else "holds only white space")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return Source(path=item.shown, text=text, sha256=digest, encoding="utf-8")


def _content_sha(item: Input) -> str | None:
    """What the index compares: a record's text, a file's bytes (None when
    it cannot be read: processing it again reports why)."""
    if item.record is not None:
        import hashlib

        try:
            text = _record_text(item)
        except InputError:
            return None
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    from pipeline.index import file_sha256

    return file_sha256(item.path)


def input_bytes(item: Input) -> int:
    """How many bytes an input holds, as far as a look tells (0 when it
    cannot: a Parquet record, a file gone)."""
    if item.record is not None:
        return item.record.length
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def _one(item: Input, settings: Settings, options: Options) -> Result | str:
    """Read and deduplicate one input: its Result, or why it failed."""
    from pipeline.api import dedupe_source
    from pipeline.read import MAX_INPUT_MB, read_file

    limit = MAX_INPUT_MB if options.max_mb is None else options.max_mb
    try:
        if item.record is not None:
            return dedupe_source(_record_source(item), settings)
        return dedupe_source(read_file(item.path, item.shown, options.encoding, limit), settings)
    except InputError as exc:
        return exc.reason
    except CleanDocsError as exc:
        return str(exc).removeprefix(f"{item.shown}: ")


def process(
    inputs: list[Input], settings: Settings, options: Options, errors: list[tuple[str, str]]
) -> list[tuple[Input, Result]]:
    """Deduplicate each input, in worker processes when `options.jobs` > 1
    (`engine.Processes`); results come back in input order, errors are
    collected, never raised."""
    from pipeline.engine import InProcess, Processes

    jobs = min(options.jobs, len(inputs))
    executor = Processes(jobs) if jobs > 1 else InProcess()
    # the progress callback stays here: it is not picklable, nor needed there
    sent = dataclasses.replace(options, progress=None)
    results: list[tuple[Input, Result]] = []
    try:
        outcomes = executor.map(_one, inputs, [settings] * len(inputs), [sent] * len(inputs))
        for done, (item, outcome) in enumerate(zip(inputs, outcomes, strict=True), start=1):
            if isinstance(outcome, str):
                errors.append((item.shown, outcome))
            else:
                results.append((item, outcome))
            if options.progress is not None:
                options.progress(done, len(inputs), item.shown)
    finally:
        executor.close()
    return results


def _cross_entries(
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


def _file_entry(item: Input, result: Result, report: dict[str, Any]) -> dict[str, Any]:
    stem = item.relative.with_suffix("").as_posix()
    return {
        "path": item.shown,
        "output": item.relative.with_suffix(".txt").as_posix(),
        "report": f"{stem}.report.json",
        "report_html": f"{stem}.report.html",
        "diff": f"{stem}.diff",
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
                "duplicate_of": {
                    k: c["duplicate_of"][k] for k in ("path", "start_line", "end_line")
                },
            }
            for c in report.get("across", [])
        ],
    }


def _output_names(out_dir: Path, item: Input) -> list[Path]:
    base = out_dir / item.relative.with_suffix("")
    return [
        out_dir / item.relative.with_suffix(".txt"),
        *(base.with_name(base.name + ext) for ext in (".diff", ".report.json", ".report.html")),
    ]


def _cleaned_text(item: Input, out_dir: Path) -> str | None:
    """A record's clean text as this run (or an earlier one) wrote it."""
    written = out_dir / item.relative
    return written.read_text(encoding="utf-8") if written.is_file() else None


def _write_jsonl(path: Path, items: list[Input], out_dir: Path, target: Path) -> None:
    import json

    from pipeline.write import atomic_writer

    with path.open("rb") as source, atomic_writer(target) as out:
        for item in items:
            record = item.record
            assert record is not None
            source.seek(record.offset)
            line = json.loads(source.read(record.length).decode("utf-8"))
            cleaned = _cleaned_text(item, out_dir)
            if cleaned is not None:
                line[record.field] = cleaned
            try:
                data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (a "\ud800" escape): kept escaped
                data = (json.dumps(line) + "\n").encode("utf-8")
            out.write(data)


def _write_parquet(path: Path, items: list[Input], out_dir: Path, target: Path) -> None:
    """The rows read, in their order and with every column, the text column
    holding the clean texts; written a few batches at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.write import atomic_writer

    field = items[0].record.field if items[0].record else "text"
    at = {(i.record.group, i.record.row): i for i in items if i.record is not None}
    parquet = _parquet_file(path)
    schema = parquet.schema_arrow
    column = schema.get_field_index(field)
    with atomic_writer(target) as out:
        writer = pq.ParquetWriter(out, schema)
        try:
            pending: list[Any] = []
            size = 0
            for group in range(parquet.metadata.num_row_groups):
                row = 0
                for batch in parquet.iter_batches(
                    batch_size=_batch_rows(parquet, group), row_groups=[group], use_threads=False
                ):
                    keep: list[int] = []
                    texts: list[str | None] = []
                    for offset in range(batch.num_rows):
                        item = at.get((group, row + offset))
                        if item is None:
                            continue  # a bad row, named by collect(): left out
                        keep.append(offset)
                        cleaned = _cleaned_text(item, out_dir)
                        texts.append(
                            cleaned if cleaned is not None else batch.column(column)[offset].as_py()
                        )
                    row += batch.num_rows
                    if not keep:
                        continue
                    table = pa.Table.from_batches([batch]).take(pa.array(keep, pa.int64()))
                    table = table.set_column(
                        column, schema.field(column), pa.array(texts, schema.field(column).type)
                    )
                    pending.append(table)
                    size += table.nbytes
                    if size >= 8 * _PARQUET_BATCH_BYTES:  # a row group of about 16 MB
                        writer.write_table(pa.concat_tables(pending))
                        pending, size = [], 0
            if pending:
                writer.write_table(pa.concat_tables(pending))
        finally:
            writer.close()


def _write_corpora(inputs: list[Input], out_dir: Path, options: Options) -> None:
    """Each corpus again, as DIR/<name>.jsonl or DIR/<name>.parquet: every
    record read with its clean text (a record that could not be processed
    is kept as it was), streamed record by record from the corpus."""
    corpora: dict[str, list[Input]] = {}
    for item in inputs:
        if item.record is not None:
            corpora.setdefault(item.where, []).append(item)
    for where, items in corpora.items():
        path = Path(where)
        parquet = items[0].record is not None and items[0].record.group >= 0
        target = out_dir / f"{path.stem}{'.parquet' if parquet else '.jsonl'}"
        try:
            (_write_parquet if parquet else _write_jsonl)(path, items, out_dir, target)
        except OutputError:
            raise
        except Exception as exc:  # the corpus changed or went away during the run
            raise OutputError(
                f"{target}: cannot write: {path.as_posix()} could not be read again ({exc})"
            ) from None


def run_paths(
    paths: list[str],
    out_dir: Path,
    settings: Settings,
    options: Options | None = None,
    index_path: Path | None = None,
) -> tuple[Outcome, dict[str, Any]]:
    """Clean every input into `out_dir`; return the outcome and the summary
    (summary.json but its `files`: those are written as the index gives
    them back, never all held at once).

    The index (`index_path`, by default `out_dir/.clean-docs/index.sqlite`)
    lets a later run skip files it has seen unchanged under the same
    settings, and compares new files with everything indexed before them.
    The work itself is `pipeline.engine`'s (or `pipeline.dask_engine`'s).
    """
    from pipeline import engine
    from pipeline.across import Corpus, Pairs, Seen
    from pipeline.html import dumps_listing, index_page
    from pipeline.index import Index, Stored, settings_key
    from pipeline.write import atomic_writer

    options = options or Options()
    _refuse_output_inside_inputs(paths, out_dir)
    outcome = Outcome()
    inputs = collect(paths, outcome.errors, options)
    # the sums of what summary.json lists (unchanged or written now)
    totals = dict.fromkeys(
        ("files", "removed_regions", "removed_chars", "input_chars", "findings")
        + ("cross_file", "fixes", "errors"),
        0,
    )
    index = Index(index_path or out_dir / ".clean-docs" / "index.sqlite")
    # earlier documents' texts are read back from the index when needed
    corpus = Corpus(settings, fetch=index.texts)
    key = settings_key(settings) + ("+across" if options.across else "")

    # What the index already knows comes first, in the order it came:
    # unchanged inputs are skipped, other indexed documents are compared
    # with. Stored under other settings, a document is not comparable.
    by_path = {item.shown: item for item in inputs}
    fresh: set[str] = set()
    stored_docs: list[tuple[str, Pairs]] = []

    def comparable() -> Iterator[tuple[str, Pairs]]:
        for stored in index.all():
            if stored.settings != key:
                continue
            item = by_path.get(stored.path)
            if item is not None:
                if _content_sha(item) != stored.sha256 or not all(
                    p.is_file() for p in _output_names(out_dir, item)
                ):
                    continue  # processed again below, as a new document
                fresh.add(item.shown)
                _count(totals, stored.entry)
            if options.engine == "dask":
                stored_docs.append((stored.path, stored.pairs))
            yield stored.path, stored.pairs

    corpus.remember_all(comparable())
    todo = [item for item in inputs if item.shown not in fresh]
    outcome.skipped = len(fresh)
    listed = fresh  # and the documents written below

    def on_written(item: Input, done: engine.Prepared, entry: dict[str, Any], seen: Seen) -> None:
        index.put(Stored(item.shown, done.result.source.sha256, key, entry, done.pairs), seen)
        listed.add(item.shown)
        _count(totals, entry)

    batch = engine.Batch(
        out_dir, settings, options, corpus, on_written, outcome.errors, index.commit
    )
    try:
        if options.engine == "dask":
            from pipeline import dask_engine

            dask_engine.run_batch(todo, batch, stored_docs, options.jobs, options.scheduler)
        else:
            jobs = min(options.jobs, len(todo))
            executor = engine.Processes(jobs) if jobs > 1 else engine.InProcess()
            try:
                engine.run_batch(executor, todo, batch)
            finally:
                executor.close()
        _write_corpora(inputs, out_dir, options)
        totals["errors"] = len(outcome.errors)
        # The entries stay in the index: summary.json and index.html list
        # them as they are read back, in path order.
        summary = {
            "schema": "clean-docs.summary/1",
            "files": [],
            "errors": [{"path": p, "reason": r} for p, r in outcome.errors],
            "totals": totals,
            "settings": settings.as_dict(),
        }
        with atomic_writer(out_dir / "summary.json") as handle:
            for piece in dumps_listing(summary, "files", index.entries(listed)):
                handle.write(piece.encode("utf-8"))

        def page_of(path: str) -> str:
            entry = index.entry(path) if path in listed else None
            return "" if entry is None else entry["report_html"]

        with atomic_writer(out_dir / "index.html") as handle:
            for piece in index_page(summary, index.entries(listed), page_of):
                handle.write(piece.encode("utf-8"))
    finally:
        index.close()
    del summary["files"]
    return outcome, summary


def _count(totals: dict[str, int], entry: dict[str, Any]) -> None:
    """Add a listed document's entry to the batch's totals."""
    totals["files"] += 1
    for name in ("removed_regions", "removed_chars", "input_chars", "findings", "fixes"):
        totals[name] += entry[name]
    totals["cross_file"] += len(entry["cross_file"])


def check_paths(
    paths: list[str],
    settings: Settings,
    options: Options | None = None,
    index_path: Path | None = None,
) -> tuple[Outcome, list[dict[str, Any]]]:
    """Find what `run` would remove, writing nothing; one finding per region.

    With an index, the files are also compared with every document in it
    (other than themselves), as a pre-commit hook checks staged files
    against the reports already in a repository; the index is only read.
    """
    from pipeline.across import Corpus

    options = options or Options()
    outcome = Outcome()
    inputs = collect(paths, outcome.errors, options)
    outcome.results = process(inputs, settings, options, outcome.errors)
    index = None
    if index_path is not None:
        from pipeline.index import Index, settings_key

        if not index_path.is_file():
            raise OutputError(f"{index_path}: no index here (a `run` writes one)")
        key = settings_key(settings)
        checked = {item.shown for item in inputs}
        index = Index(index_path, read_only=True)
    # the indexed documents' texts stay in the index until a candidate needs them
    corpus = Corpus(settings, fetch=index.texts if index is not None else None)
    try:
        if index is not None:
            corpus.remember_all(
                (stored.path, stored.pairs)
                for stored in index.all()
                if stored.settings == key and stored.path not in checked
            )
        findings = _check_findings(corpus, outcome.results)
    finally:
        if index is not None:
            index.close()
    return outcome, findings


def _check_findings(corpus: Any, results: list[tuple[Input, Result]]) -> list[dict[str, Any]]:
    """One finding per region `run` would remove or report across files."""
    from pipeline.lines import LineIndex

    findings: list[dict[str, Any]] = []
    for item, result in results:
        lines = LineIndex(result.cleaned.text)
        first = len(findings)
        cross = corpus.add(item.shown, result)
        cleaned_of = {c.twin_path: corpus.seen(c.twin_path).cleaned for c in cross}
        cleaned_of[item.shown] = result.cleaned.text
        for entry in _cross_entries(cross, result, cleaned_of):
            findings.append(
                {
                    "path": item.shown,
                    "start_line": entry["start_line"],
                    "end_line": entry["end_line"],
                    "similarity": entry["similarity"],
                    "method": entry["method"],
                    "duplicate_of": {
                        k: entry["duplicate_of"][k] for k in ("path", "start_line", "end_line")
                    },
                }
            )
        for repeat in result.removed:
            span, twin = repeat.span, repeat.twin
            findings.append(
                {
                    "path": item.shown,
                    "start_line": lines.line(span.start),
                    "end_line": lines.last_line(span.start, span.end),
                    "similarity": repeat.similarity,
                    "method": repeat.method,
                    "duplicate_of": {
                        "path": repeat.twin_path or item.shown,
                        "start_line": lines.line(twin.start),
                        "end_line": lines.last_line(twin.start, twin.end),
                    },
                }
            )
        findings[first:] = sorted(findings[first:], key=lambda f: f["start_line"])
    return findings
