"""The persistent index of documents processed before (embedded SQLite).

For each document: the hash of its bytes and of the settings that shaped
its result, its summary entry, and what comparing a new document with it
needs (its kept and cleaned text, the map between them, its unit keys). A
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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import OutputError
from pipeline.settings import Settings

_SCHEMA = 2  # 2: unit keys stored as pairs of consecutive units


def settings_key(settings: Settings) -> str:
    """What a stored result depends on besides the bytes: settings, version."""
    blob = json.dumps([settings.as_dict(), __version__, _SCHEMA], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """One indexed document."""

    path: str
    sha256: str
    settings: str
    entry: dict[str, Any]
    kept: str
    cleaned: str
    pieces: list[tuple[int, int, int]]
    units: Counter[str]


class Index:
    """An open index file; changes are committed per document."""

    def __init__(self, path: Path) -> None:
        try:
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
        """Every indexed document, in the order they entered."""
        rows = self.db.execute(
            "SELECT path, sha256, settings, entry, kept, cleaned, pieces, units "
            "FROM docs ORDER BY seq"
        )
        for path, sha, key, entry, kept, cleaned, pieces, units in rows:
            yield Stored(
                path,
                sha,
                key,
                json.loads(entry),
                kept,
                cleaned,
                [tuple(p) for p in json.loads(pieces)],
                Counter(json.loads(units)),
            )

    def put(self, stored: Stored) -> None:
        """Record a document (again), at the end of the order."""
        with self.db:
            self.db.execute("DELETE FROM docs WHERE path = ?", (stored.path,))
            self.db.execute(
                "INSERT INTO docs (path, sha256, settings, entry, kept, cleaned, pieces, units) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    stored.path,
                    stored.sha256,
                    stored.settings,
                    json.dumps(stored.entry, ensure_ascii=False),
                    stored.kept,
                    stored.cleaned,
                    json.dumps(stored.pieces),
                    json.dumps(dict(stored.units), ensure_ascii=False),
                ),
            )

    def close(self) -> None:
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
