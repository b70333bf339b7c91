"""Read stage: bytes in, decoded text out, or an InputError that says why."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from pipeline.errors import InputError
from pipeline.model import Source

# Refuse files whose first bytes say they are not text at all.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a zip archive (or an office document)"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "an executable (PE)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old office document"),
)


def sniff_binary(data: bytes) -> str | None:
    """Say what kind of binary file `data` is, or None for text.

    >>> sniff_binary(b"%PDF-1.7 ...")
    'a PDF file'
    >>> sniff_binary("报告".encode()) is None
    True
    """
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            return kind
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if head.count(b"\x00") > len(head) // 10:
        return "binary data (many NUL bytes)"
    return None


def decode(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes to text, returning (text, encoding name).

    UTF-8 (with or without a byte order mark) and UTF-16 with a BOM are read
    directly; a forced `encoding` is used as given.

    >>> decode("海关".encode(), "x.txt")
    ('海关', 'utf-8')
    >>> decode(codecs.BOM_UTF8 + b"a", "x.txt")
    ('a', 'utf-8-sig')
    """
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise InputError(path, f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid {encoding} at byte {exc.start}") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid UTF-16 at byte {exc.start}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        raise InputError(
            path, f"not valid UTF-8 at byte {exc.start} (force another with --encoding)"
        ) from None


def read_bytes(data: bytes, path: str, encoding: str | None = None) -> Source:
    """Turn raw bytes into a Source, refusing binary data by name."""
    kind = sniff_binary(data)
    if kind is not None and encoding is None:
        raise InputError(path, f"looks like {kind}, not text")
    text, used = decode(data, path, encoding)
    return Source(
        path=path,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=used,
    )


def read_file(path: Path, shown: str | None = None, encoding: str | None = None) -> Source:
    """Read one file from disk; every OS error becomes an InputError."""
    name = shown if shown is not None else str(path)
    try:
        if path.is_dir():
            raise InputError(name, "is a directory")
        data = path.read_bytes()
    except InputError:
        raise
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, exc.strerror or str(exc)) from None
    return read_bytes(data, name, encoding)
