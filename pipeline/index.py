"""The persistent index of documents processed before (embedded SQLite).

For each document: the hash of its bytes and of the settings that shaped
its result, its summary entry, and what comparing a new document with it
needs (its cleaned text and the pieces it keeps, its hashed unit pairs). A
second run over an unchanged folder reads these instead of processing the
files again; a new year's files are processed and compared with every
document in the index. Documents are ordered by when they entered it: a
document is compared with those before it, so adding files never changes
what was said of the files already indexed. A changed file (or a file
processed under other settings) is processed again and goes to the end.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.across import Pairs, Seen
from pipeline.errors import OutputError
from pipeline.settings import Settings

# 2: pairs of consecutive units; 3: the pairs hashed; 4: kept text derived;
# 5: documents keyed relative to a recorded root, outputs' and twins' hashes
# 6: a record's report line and clean text (its corpus's outputs hold them)
_SCHEMA = 6
# the rows `Index.put` holds before writing them in one statement each
PENDING_ROWS = 500
PENDING_CHARS = 32_000_000
# A run's chunks are committed together, at most this often: a commit
# syncs the journal and the file to disk (about 10 ms here; a chunk of a
# corpus of short records is settled in about 60 ms). A run stopped in
# between leaves the index as of the last commit, its later outputs
# written anew by the next run.
COMMIT_SECONDS = 1.0


def settings_key(settings: Settings) -> str:
    """What a stored result depends on besides the bytes: settings, version."""
    blob = json.dumps([settings.as_dict(), __version__, _SCHEMA], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def options_key(**options: Any) -> str:
    """What a stored result depends on besides the settings: the options
    that change what is written (encoding, size limit, fields, --across)."""
    return hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Stored:
    """One indexed document, without its texts (`Index.texts` reads them).

    `path` is where the document is relative to the index's root (links
    resolved); `settings` the settings key and the options key, `outputs`
    the hash of each file written for it, `twins` the hash of each
    document it was found to repeat when it was written."""

    path: str
    sha256: str
    settings: str
    entry: dict[str, Any]
    pairs: Pairs
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)
    twins: dict[str, str] = dataclasses.field(default_factory=dict)
    # a record's: its line of reports.jsonl (None: nothing to show), its
    # clean text (None: its own text, unchanged)
    report: str | None = None
    text: str | None = None


class Index:
    """An open index file; what `put` records is made last by `commit` (a
    run commits at most once a second, `commit_soon`, and when it ends)."""

    def __init__(self, path: Path, read_only: bool = False, root: Path | None = None) -> None:
        """Open (or, unless read-only, create) the index at `path`. A new
        index records `root` (default: the folder above the index's
        folder's folder, i.e. DIR's parent), relative to itself, so that a
        project moved whole keeps its index. An index of another schema is
        started again when writing, refused when only reading."""
        self.path = path
        self.read_only = read_only
        # rows `put` holds until the next read or commit (`_flush`)
        self._pending: dict[str, tuple[Any, ...]] = {}
        self._pending_chars = 0
        self._committed = time.monotonic()
        try:
            if read_only:
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path)
            schema = self._meta("schema")
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"{path}: cannot open the index: {exc}") from None
        if read_only:
            if schema != str(_SCHEMA):
                raise OutputError(
                    f"{path}: not an index this version of clean-docs reads "
                    f"(schema {schema or 'unknown'}, not {_SCHEMA}): `clean-docs run` "
                    "into its folder writes it again"
                )
        else:
            try:
                if schema != str(_SCHEMA):
                    self.db.execute("DROP TABLE IF EXISTS docs")
                    self.db.execute("DROP TABLE IF EXISTS meta")
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS docs (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                    "path TEXT UNIQUE NOT NULL, sha256 TEXT NOT NULL, settings TEXT NOT NULL, "
                    "entry TEXT NOT NULL, kept TEXT NOT NULL, cleaned TEXT NOT NULL, "
                    "pieces TEXT NOT NULL, units TEXT NOT NULL, outputs TEXT NOT NULL, "
                    "twins TEXT NOT NULL, report TEXT, output TEXT)"
                )
                if schema != str(_SCHEMA):
                    here = path.resolve().parent
                    where = root.resolve() if root is not None else here.parent.parent
                    rows = [("schema", str(_SCHEMA)), ("root", _key(os.path.relpath(where, here)))]
                    self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)
                self.db.commit()
                self.db.execute("BEGIN")
            except (OSError, sqlite3.Error) as exc:
                raise OutputError(f"{path}: cannot write the index: {exc}") from None
        rel = self._meta("root") or "../.."
        self.root = os.path.normpath(os.path.join(path.resolve().parent, rel))

    def layout(self) -> tuple[bool, str | None]:
        """The batch's root, that outputs mirror the inputs' paths from:
        (recorded, the folder or None). (False, None): an index written
        before roots were recorded, or a new one; (True, None): recorded
        that there is none yet (only files were named so far)."""
        base = self._meta("base")
        if base is None:
            return False, None
        if not base:
            return True, None
        return True, os.path.normpath(os.path.join(self.path.resolve().parent, base))

    def set_layout(self, base: str | None) -> None:
        """Record the batch's root (None: none yet), relative to the
        index's folder like `root`, so that a project moved whole keeps it."""
        here = self.path.resolve().parent
        value = "" if base is None else os.path.relpath(base, here)
        try:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('base', ?)", (_key(value),))
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: cannot write the index: {exc}") from None

    def _meta(self, key: str) -> str | None:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None  # no meta table: an index of an older schema
        return None if row is None else _path(str(row[0]))

    def all(self) -> Iterator[Stored]:
        """Every indexed document, in the order they entered (no texts:
        a corpus of any size is listed in little memory). A row that does
        not read (a damaged index) is left out: its document is processed
        again."""
        self._flush()
        rows = self.db.execute(
            "SELECT path, sha256, settings, entry, units, outputs, twins FROM docs ORDER BY seq"
        ).fetchall()
        for key_, sha, key, entry, units, outputs, twins in rows:
            path = _path(key_)
            try:
                listed = json.loads(units)
                pairs: Pairs = {int(h): (int(w), int(n)) for h, w, n in listed}
                stored = Stored(
                    path, sha, key, json.loads(entry), pairs, json.loads(outputs), json.loads(twins)
                )
            except (ValueError, TypeError):
                continue
            yield stored

    def drop(self, path: str) -> None:
        """Forget a document (its file is gone)."""
        self._flush()
        try:
            self.db.execute("DELETE FROM docs WHERE path = ?", (_key(path),))
        except sqlite3.Error as exc:
            raise OutputError(f"{path}: cannot write the index: {exc}") from None

    def entries(self, paths: Container[str]) -> Iterator[dict[str, Any]]:
        """The summary entries of the documents in `paths`, ordered by path
        (SQLite compares UTF-8 bytes: the order of Python's strings)."""
        self._flush()
        for key, entry in self.db.execute("SELECT path, entry FROM docs ORDER BY path"):
            if _path(key) in paths:
                try:
                    yield json.loads(entry)
                except ValueError:
                    continue

    def entries_all(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every indexed document's path and summary entry (a row whose
        entry does not read is left out, as `all` leaves it out)."""
        self._flush()
        for key, entry in self.db.execute("SELECT path, entry FROM docs ORDER BY seq"):
            try:
                yield _path(key), json.loads(entry)
            except ValueError:
                continue

    def entry(self, path: str) -> dict[str, Any] | None:
        if _key(path) in self._pending:
            self._flush()
        row = self.db.execute("SELECT entry FROM docs WHERE path = ?", (_key(path),)).fetchone()
        return None if row is None else json.loads(row[0])

    def texts(self, path: str) -> Seen:
        """An indexed document's kept and cleaned text and the map between."""
        if _key(path) in self._pending:
            self._flush()
        row = self.db.execute(
            "SELECT pieces, cleaned FROM docs WHERE path = ?", (_key(path),)
        ).fetchone()
        if row is None:
            raise OutputError(f"{path}: not in the index any more")
        pieces, cleaned = row
        # the kept text is the cleaned text's kept pieces: not stored twice
        spans = [tuple(p) for p in json.loads(pieces)]
        kept = "".join(cleaned[start : start + length] for _, start, length in spans)
        return Seen(path, kept, spans, cleaned)

    def put(self, stored: Stored, seen: Seen) -> None:
        """Record a document (again), at the end of the order; `commit`
        makes it last (a run commits after each chunk of documents). Rows
        are written a few hundred at a time (two statements a document
        were 38,000 of a 10 MB corpus's run); a read sees them all."""
        key = _key(stored.path)
        row = (
            key,
            stored.sha256,
            stored.settings,
            _json(stored.entry),
            "",  # the kept text: `texts` rebuilds it from the pieces
            seen.cleaned,
            json.dumps(seen.to_cleaned),
            json.dumps([[h, w, n] for h, (w, n) in stored.pairs.items()]),
            _json(stored.outputs),
            _json(stored.twins),
            stored.report,
            stored.text,
        )
        self._pending.pop(key, None)  # (put again: the later row, at the end)
        self._pending[key] = row
        self._pending_chars += len(seen.cleaned) + len(stored.text or "")
        if len(self._pending) >= PENDING_ROWS or self._pending_chars >= PENDING_CHARS:
            self._flush()

    def _flush(self) -> None:
        """Write the rows `put` holds, in their order."""
        if not self._pending:
            return
        rows = list(self._pending.values())
        self._pending.clear()
        self._pending_chars = 0
        try:
            self.db.executemany("DELETE FROM docs WHERE path = ?", [(row[0],) for row in rows])
            self.db.executemany(
                "INSERT INTO docs (path, sha256, settings, entry, kept, cleaned, pieces, units, "
                "outputs, twins, report, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: cannot write the index: {exc}") from None

    def record_outputs(self, paths: list[str]) -> tuple[dict[str, str | None], dict[str, str]]:
        """For records (by path): the clean texts that differ from the
        records' own, and the report lines of those with something to show."""
        self._flush()
        texts: dict[str, str | None] = {}
        reports: dict[str, str] = {}
        keys = [_key(path) for path in paths]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT path, report, output FROM docs WHERE path IN ({marks}) "
                "AND (report IS NOT NULL OR output IS NOT NULL)",
                chunk,
            )
            for key, report, output in rows:
                path = _path(key)
                if output is not None:
                    texts[path] = output
                if report is not None:
                    reports[path] = report
        return texts, reports

    def commit(self) -> None:
        """Make what was recorded last, and open the next transaction: the
        reads and writes until the next commit share one lock (a statement
        on its own takes and drops the file's lock and checks for a journal:
        23,000 of them in a 10 MB corpus's run)."""
        try:
            self._flush()
            self.db.commit()
            if not self.read_only:
                self.db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write the index: {exc}") from None
        self._committed = time.monotonic()

    def commit_soon(self) -> None:
        """`commit`, unless the last one is under `COMMIT_SECONDS` old."""
        if time.monotonic() - self._committed >= COMMIT_SECONDS:
            self.commit()

    def close(self) -> None:
        try:
            self._flush()
            self.db.commit()
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write the index: {exc}") from None
        self.db.close()


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _key(path: str) -> str:
    """A path as SQLite can store it. A POSIX name may hold bytes that are
    no UTF-8 (lone surrogates in Python), which SQLite refuses; such a path
    is stored JSON-escaped behind a NUL, which no real path holds, so the
    key stays one-to-one.

    >>> _key("a/b.txt"), _key("a/\\udcff.txt")
    ('a/b.txt', '\\x00"a/\\\\udcff.txt"')
    >>> _path(_key("a/\\udcff.txt")) == "a/\\udcff.txt"
    True
    """
    return path if _encodable(path) else "\0" + json.dumps(path)


def _path(key: str) -> str:
    return json.loads(key[1:]) if key.startswith("\0") else key


def _json(value: Any) -> str:
    """JSON as SQLite can store it: text as it is, unless it holds lone
    surrogates (names that are no UTF-8), then escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return text if _encodable(text) else json.dumps(value)


def file_sha256(path: Path) -> str | None:
    """The hash of a file's bytes, or None when it cannot be read (the
    normal read reports why)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
