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

import hashlib
import json
import sqlite3
from collections.abc import Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.across import Pairs, Seen
from pipeline.errors import OutputError
from pipeline.settings import Settings

_SCHEMA = 4  # 2: pairs of consecutive units; 3: the pairs hashed; 4: kept text derived


def settings_key(settings: Settings) -> str:
    """What a stored result depends on besides the bytes: settings, version."""
    blob = json.dumps([settings.as_dict(), __version__, _SCHEMA], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """One indexed document, without its texts (`Index.texts` reads them)."""

    path: str
    sha256: str
    settings: str
    entry: dict[str, Any]
    pairs: Pairs


class Index:
    """An open index file; changes are committed per document."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        try:
            if read_only:
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS docs (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                "path TEXT UNIQUE NOT NULL, sha256 TEXT NOT NULL, settings TEXT NOT NULL, "
                "entry TEXT NOT NULL, kept TEXT NOT NULL, cleaned TEXT NOT NULL, "
                "pieces TEXT NOT NULL, units TEXT NOT NULL)"
            )
            self.db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"{path}: cannot write the index: {exc}") from None

    def all(self) -> Iterator[Stored]:
        """Every indexed document, in the order they entered (no texts:
        a corpus of any size is listed in little memory)."""
        rows = self.db.execute("SELECT path, sha256, settings, entry, units FROM docs ORDER BY seq")
        for path, sha, key, entry, units in rows:
            listed = json.loads(units)
            # an older schema stored a dict: its settings key never matches
            pairs: Pairs = (
                {int(h): (int(w), int(n)) for h, w, n in listed} if isinstance(listed, list) else {}
            )
            yield Stored(path, sha, key, json.loads(entry), pairs)

    def entries(self, paths: Container[str]) -> Iterator[dict[str, Any]]:
        """The summary entries of the documents in `paths`, ordered by path
        (SQLite compares UTF-8 bytes: the order of Python's strings)."""
        for path, entry in self.db.execute("SELECT path, entry FROM docs ORDER BY path"):
            if path in paths:
                yield json.loads(entry)

    def entry(self, path: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT entry FROM docs WHERE path = ?", (path,)).fetchone()
        return None if row is None else json.loads(row[0])

    def texts(self, path: str) -> Seen:
        """An indexed document's kept and cleaned text and the map between."""
        row = self.db.execute("SELECT pieces, cleaned FROM docs WHERE path = ?", (path,)).fetchone()
        if row is None:
            raise OutputError(f"{path}: not in the index any more")
        pieces, cleaned = row
        # the kept text is the cleaned text's kept pieces: not stored twice
        spans = [tuple(p) for p in json.loads(pieces)]
        kept = "".join(cleaned[start : start + length] for _, start, length in spans)
        return Seen(path, kept, spans, cleaned)

    def put(self, stored: Stored, seen: Seen) -> None:
        """Record a document (again), at the end of the order; `commit`
        makes it last (a run commits after each chunk of documents)."""
        try:
            self.db.execute("DELETE FROM docs WHERE path = ?", (stored.path,))
            self.db.execute(
                "INSERT INTO docs (path, sha256, settings, entry, kept, cleaned, pieces, units) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    stored.path,
                    stored.sha256,
                    stored.settings,
                    json.dumps(stored.entry, ensure_ascii=False),
                    "",  # the kept text: `texts` rebuilds it from the pieces
                    seen.cleaned,
                    json.dumps(seen.to_cleaned),
                    json.dumps([[h, w, n] for h, (w, n) in stored.pairs.items()]),
                ),
            )
        except sqlite3.Error as exc:
            raise OutputError(f"{stored.path}: cannot write the index: {exc}") from None

    def commit(self) -> None:
        try:
            self.db.commit()
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write the index: {exc}") from None

    def close(self) -> None:
        self.commit()
        self.db.close()


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
