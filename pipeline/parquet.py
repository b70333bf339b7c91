"""Parquet corpora: rows listed, one text read, the corpus written again.

A format module on plain values (paths, row groups, rows); pyarrow is
imported only when a Parquet corpus is met.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import CleanDocsError

# Parquet corpora are read through a small buffer, in batches of about this
# many bytes, so that neither a row group nor a column chunk is held whole.
_PARQUET_BATCH_BYTES = 2 << 20


_PARQUET_BUFFER = 1 << 20


NEEDS_PYARROW = 'reading a Parquet corpus needs pyarrow: pip install "clean-docs-dedup[parquet]"'


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


def rows(path: Path, field: str, id_field: str | None) -> Iterator[tuple[int, int, int, Any, bool]]:
    """Each row of a Parquet corpus as (number from 1, row group, row in
    it, id, whether it has text), read in batches of the text (and id)
    column. Raises CleanDocsError with the reason when the file cannot be
    read as a corpus of that column."""
    modules = _pyarrow()
    if modules is None:
        raise CleanDocsError(NEEDS_PYARROW)
    pa = modules[0]
    try:
        parquet = _parquet_file(path)
        schema = parquet.schema_arrow
        for column in (field, id_field):
            if column is not None and column not in schema.names:
                raise CleanDocsError(f"no column {column!r}")
        kind = schema.field(field).type
        if not _is_text(pa, kind):
            raise CleanDocsError(f"column {field!r} holds {kind}, not text")
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
                    key = keys[at] if keys is not None else number
                    yield number, group, row + at, key, bool(has_text)
                row += len(valid)
    except (OSError, pa.ArrowException) as exc:
        raise CleanDocsError(f"cannot read this Parquet corpus: {exc}") from None


# The Parquet rows a process read last: (file, its state, column, row group),
# the open batch iterator over that group, the batch at hand and the row it
# starts at. Records come in order, so each row group is read once per process.
_CURSOR: dict[str, Any] = {}


def text_at(path: Path, field: str, group: int, row: int) -> Any:
    """The value of a Parquet record's text column, read through a cursor
    over its row group (held one batch at a time)."""

    state = os.stat(path)
    key = (str(path), state.st_mtime_ns, state.st_size, field, group)
    cursor = _CURSOR
    if cursor.get("key") != key or row < cursor["start"]:
        cursor.clear()
        parquet = _parquet_file(path)
        batches = parquet.iter_batches(
            batch_size=_batch_rows(parquet, group),
            row_groups=[group],
            columns=[field],
            use_threads=False,
        )
        cursor.update(key=key, batches=batches, start=0, rows=None)
    while cursor["rows"] is None or row >= cursor["start"] + len(cursor["rows"]):
        if cursor["rows"] is not None:
            cursor["start"] += len(cursor["rows"])
        cursor["rows"] = next(cursor["batches"]).column(0)
    return cursor["rows"][row - cursor["start"]].as_py()


def forget() -> None:
    """Drop the cursor (the file changed under it)."""
    _CURSOR.clear()


def write_cleaned(
    path: Path,
    field: str,
    listed: Container[tuple[int, int]],
    cleaned: Callable[[int, int], str | None],
    target: Path,
) -> None:
    """The rows `listed` (by row group and row), in their order and with
    every column, the text column holding each row's clean text (its own
    when `cleaned` has none); written a few batches at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.write import atomic_writer

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
                        if (group, row + offset) not in listed:
                            continue  # a bad row, named by collect(): left out
                        keep.append(offset)
                        clean = cleaned(group, row + offset)
                        texts.append(
                            clean if clean is not None else batch.column(column)[offset].as_py()
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
