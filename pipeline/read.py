"""Read stage: bytes in, decoded text out, or an InputError that says why."""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import InputError
from pipeline.model import Source

_SURROGATE = re.compile("[\ud800-\udfff]")

# Refuse files whose first bytes say they are not text at all.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
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
        # a short signature must come with the NUL bytes of a binary header
        # ("MZ-2000 user notes" is text)
        if data.startswith(magic) and (len(magic) >= 4 or b"\x00" in data[:64]):
            return kind
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if head.count(b"\x00") > len(head) // 10 and not nul_padding_only(data):
        return "binary data (many NUL bytes)"
    return None


_NUL_RUN = re.compile(rb"\x00+")
# Bytes a run of padding may touch: it fills the rest of a line or a page
# (line feed, carriage return, form feed), or the start or end of the file.
_LINE_EDGE = b"\n\r\x0c"
# Controls that plain text holds: tab, line ends, vertical tab, form feed,
# escape (terminal logs) and SUB (an old end-of-file mark).
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1a\x1b")
_OTHER_CONTROLS = bytes(b for b in range(32) if b not in _TEXT_CONTROLS and b != 0)
# Share of the other bytes that may be other C0 controls in padded text
# (binary data holds about one in ten).
_MAX_CONTROL_SHARE = 0.01


def nul_padding_only(data: bytes) -> bool:
    """Whether every NUL byte in `data` is padding in text, which the clean
    stage removes as a listed repair: each run of NULs begins or ends a line
    (it follows or precedes a line feed, carriage return or form feed, or
    the file's own start or end), and the bytes that are not NUL read as
    text (at most one in a hundred another control byte).

    Page padding (RFC 734 pads each page with NULs before its form feed), a
    log file preallocated and cut short, fixed-length records padded to
    their width: all padding. UTF-16 or UTF-32 without a byte order mark
    (NULs between the characters of a line), archives, images and record
    files (NULs among counters and controls) are not.

    >>> nul_padding_only(b"page one\\n" + bytes(300) + b"\\x0cpage two\\n")
    True
    >>> nul_padding_only("page one\\n".encode("utf-16-le"))
    False
    >>> nul_padding_only(b"\\x01\\x02\\x00\\x00\\x03\\n" * 50)
    False
    """
    rest = len(data) - data.count(b"\x00")
    if not rest:
        return False
    for run in _NUL_RUN.finditer(data):
        start, end = run.span()
        begins = start == 0 or data[start - 1] in _LINE_EDGE
        ends = end == len(data) or data[end] in _LINE_EDGE
        if not (begins or ends):
            return False
    others = len(data) - len(data.translate(None, _OTHER_CONTROLS))
    return others <= rest * _MAX_CONTROL_SHARE


# Legacy encodings tried when a file is not UTF-8, in order of preference
# (most Chinese government files are GB; Big5 for traditional characters;
# Windows-1252 for Western text, a superset of Latin-1's printable range).
_LEGACY = ("gb18030", "big5", "cp1252")
# Share of a decoded text that may look like noise (charset-normalizer's
# "chaos") before the decoding is refused as a guess (its own default).
_MAX_CHAOS = 0.2
# Two decodings this close in chaos and coherence are indistinguishable.
_TIE = 0.02


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
# The most high bytes in a row that a Western text holds between ASCII
# ("½¢", "”—", "öß"), unless they are one character repeated ("————").
_WESTERN_RUN = 3
# A text of a few high bytes holds at least this many ASCII letters per
# high byte (French holds about 30, German 50, a price list of "½¢" 5).
_ASCII_LETTERS_PER_HIGH = 3
# Windows-1252 characters that prose hardly uses alone (currency sign,
# broken bar, spacing accents): in GBK and Big5 they are the lead bytes of
# common characters (Big5 年 月 日 read ¦~ ¤ë ¤é).
_RARE_IN_PROSE = frozenset("¤¦¨¯´¸ˆ˜")
_ASCII_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))


def _word_at(text: str, start: int, end: int) -> str:
    """The word (a run of letters) that holds text[start:end]."""
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[start:end]


def western_text(data: bytes) -> str | None:
    """`data` read as Windows-1252 when it is ASCII text but for a few high
    bytes that make sense there, else None (the statistical detection
    decides).

    A statistical detector cannot tell "the ½¢ decrease" (0xBD 0xA2) from a
    GBK or Big5 character, nor "Müller" (0xFC then "l") from one: a few
    high bytes are too little to measure. What tells them apart is where
    they sit. In Western text
    - the text is ASCII words but for a few high bytes
      (`_ASCII_LETTERS_PER_HIGH` ASCII letters for each);
    - each high byte stands alone or in a short run between ASCII (at most
      `_WESTERN_RUN`, or one character repeated: "————"), and is a letter,
      a punctuation mark or a symbol that prose uses (not `_RARE_IN_PROSE`);
    - an accented letter is part of a word with ASCII letters (Größe,
      Müller), or a word of one small letter (à, é): "ÖÐ" is 中 in GBK.
    Chinese text fails each of these: its characters are two high bytes
    each and follow each other, and it holds few ASCII letters. What is
    left to guess is a text of ASCII words and single Chinese characters
    glued to them ("Type A型"), as rare as it is ambiguous.

    >>> western_text("the ½¢ decrease".encode("cp1252"))
    'the ½¢ decrease'
    >>> western_text("Dr. Müller’s report".encode("cp1252"))
    'Dr. Müller’s report'
    >>> western_text("报告".encode("gbk")) is None
    True
    >>> western_text("the character 中 means middle".encode("gbk")) is None
    True
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None  # a byte cp1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d)
    runs = [run.span() for run in _HIGH_RUN.finditer(data)]
    high = sum(end - start for start, end in runs)
    ascii_letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
    if ascii_letters < high * _ASCII_LETTERS_PER_HIGH:
        return None
    for start, end in runs:
        # one byte a character: offsets in the text are the same
        chars = text[start:end]
        if end - start > _WESTERN_RUN and len(set(chars)) > 1:
            return None
        if not _RARE_IN_PROSE.isdisjoint(chars):
            return None
        for at in range(start, end):
            if text[at].isalpha():
                word = _word_at(text, at, at + 1)
                if not (any(c.isascii() for c in word) or (len(word) == 1 and word.islower())):
                    return None
    return text


def detect(data: bytes, path: str) -> tuple[str, str, float]:
    """Decode bytes that are not UTF-8: (text, encoding, confidence).

    charset-normalizer scores each legacy candidate; the cleanest wins, and
    a file two candidates read equally well but differently, or that none
    reads cleanly, is refused rather than guessed.

    >>> detect("海关总署法治政府建设年度报告，2022年".encode("gb18030"), "x")[1:]
    ('gb18030', 1.0)
    >>> detect("Café déjà vu, naïve façade".encode("cp1252"), "x")[1:]
    ('cp1252', 1.0)
    >>> detect("the ½¢ decrease".encode("cp1252"), "x")[1:]
    ('cp1252', 1.0)
    """
    western = western_text(data)
    if western is not None:
        return western, "cp1252", 1.0
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(data, cp_isolation=list(_LEGACY)) if m.encoding in _LEGACY]
    if not matches:
        raise InputError(
            path,
            "not UTF-8, and not readable as GB18030, Big5 or Windows-1252"
            " (force an encoding with --encoding)",
        )
    best_chaos = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= best_chaos + _TIE]
    best_coherence = max(m.coherence for m in close)
    close = [m for m in close if m.coherence >= best_coherence - _TIE]
    close.sort(key=lambda m: _LEGACY.index(m.encoding))
    chosen = close[0]
    text = data.decode(chosen.encoding)
    rivals = [m.encoding for m in close[1:] if data.decode(m.encoding) != text]
    if rivals:
        raise InputError(
            path,
            f"could be {chosen.encoding} or {rivals[0]}, which read it differently"
            " (force one with --encoding)",
        )
    if chosen.chaos > _MAX_CHAOS:
        raise InputError(
            path,
            f"read as {chosen.encoding}, {chosen.chaos:.0%} of it looks garbled"
            " (force an encoding with --encoding)",
        )
    return text, chosen.encoding, round(1.0 - chosen.chaos, 3)


def decode(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str, float]:
    """Decode bytes to text: (text, encoding name, confidence).

    UTF-8 (with or without a byte order mark) and UTF-16 with a BOM are read
    directly; other bytes go to `detect`; a forced `encoding` is used as
    given. Confidence is 1.0 where the bytes leave no doubt.

    >>> decode("海关".encode(), "x.txt")
    ('海关', 'utf-8', 1.0)
    >>> decode(codecs.BOM_UTF8 + b"a", "x.txt")
    ('a', 'utf-8-sig', 1.0)
    """
    if encoding is not None:
        try:
            with warnings.catch_warnings():
                # unicode_escape and friends warn about the user's data
                warnings.simplefilter("ignore", DeprecationWarning)
                text = data.decode(encoding)
            if codecs.lookup(encoding).name == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
                # the codec reads a file without its mark too: said as what it
                # is, so the .diff puts back no mark the file never held
                return text, "utf-8", 1.0
            return text, encoding, 1.0
        except LookupError:
            raise InputError(path, f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid {encoding} at byte {exc.start}") from None
        except (UnicodeError, ValueError) as exc:
            # codecs such as idna or punycode fail in their own ways
            raise InputError(path, f"cannot decode as {encoding!r}: {exc}") from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", 1.0
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid UTF-8 at byte {exc.start + 3}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", 1.0
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid UTF-16 at byte {exc.start}") from None
    try:
        return data.decode("utf-8"), "utf-8", 1.0
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data:
        return detect(data, path)
    # NUL padding (the clean stage removes it) is no evidence of an
    # encoding: detect without it. In GB18030, Big5 and Windows-1252 a NUL
    # byte is never part of another character, so the whole decodes alike.
    _, used, confidence = detect(data.replace(b"\x00", b""), path)
    try:
        return data.decode(used), used, confidence
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid {used} at byte {exc.start}") from None


def read_bytes(data: bytes, path: str, encoding: str | None = None) -> Source:
    """Turn raw bytes into a Source, refusing binary data by name."""
    kind = sniff_binary(data)
    if kind is not None and encoding is None:
        raise InputError(path, f"looks like {kind}, not text")
    text, used, confidence = decode(data, path, encoding)
    if _SURROGATE.search(text):
        raise InputError(path, f"reading it as {used} gives lone surrogates, which are not text")
    if not text:
        raise InputError(path, "empty file")
    if not text.strip():
        raise InputError(path, "holds only white space")
    if not text.replace("\x00", "").strip():
        raise InputError(path, "holds only NUL bytes and white space")
    return Source(
        path=path,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=used,
        confidence=confidence,
    )


# The largest input read by default. Detection holds several arrays per
# character: a highly repetitive 10 MB text peaks near 2 GB of memory.
MAX_INPUT_MB = 16
# Bytes read at a time.
_BLOCK = 1 << 20


def limit_bytes(max_mb: float) -> int:
    """The `--max-size` limit in megabytes, as a number of bytes.

    >>> limit_bytes(16)
    16000000
    """
    return int(max_mb * 1_000_000)


def _size(size: int) -> str:
    """A size as people write it: 1000 MB, 16 MB, 0.25 MB, 7 bytes.

    >>> _size(1_000_000_000), _size(16_000_001), _size(250_000), _size(7)
    ('1000 MB', '16 MB', '0.25 MB', '7 bytes')
    """
    if size < 10_000:
        return f"{size} bytes"
    megabytes = size / 1_000_000
    return f"{megabytes:.0f} MB" if megabytes >= 10 else f"{megabytes:.2g} MB"


def _over(size: str, max_bytes: int, what: str) -> str:
    return (
        f"{size} is over the {_size(max_bytes)} limit per {what}"
        f" (raise it with --max-size; memory grows with the {what})"
    )


def check_size(
    data_or_len: bytes | str | int, max_bytes: int, name: str, what: str = "file"
) -> None:
    """Refuse an input over `max_bytes` (an InputError naming `name`).

    For inputs that are not files: a JSONL or Parquet record's text (a str
    is measured in UTF-8 bytes, as it would be written), or a length.
    `what` names the unit in the message ("file", "record").

    >>> check_size("报告", 6, "corpus.jsonl#3", "record")
    >>> try:
    ...     check_size("报告!", 6, "corpus.jsonl#3", "record")
    ... except InputError as exc:
    ...     print(exc.reason[:50])
    7 bytes is over the 6 bytes limit per record (rais
    """
    if isinstance(data_or_len, str):
        size = len(data_or_len.encode("utf-8", "surrogatepass"))
    elif isinstance(data_or_len, int):
        size = data_or_len
    else:
        size = len(data_or_len)
    if size > max_bytes:
        raise InputError(name, _over(_size(size), max_bytes, what))


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: str, mode: int, name: str) -> InputError:
    """Why a file that is not a regular file is not read."""
    if stat.S_ISDIR(mode):
        return InputError(name, "is a directory")
    kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
    if os.path.islink(path):
        where = os.path.realpath(path)
        return InputError(name, f"links to {where}, {kind}, not a regular file: not read")
    return InputError(name, f"is {kind}, not a regular file: not read")


def _os_error(exc: OSError, path: str, name: str) -> InputError:
    """An OSError met while reading, as the reason a user reads."""
    if isinstance(exc, PermissionError):
        return InputError(name, "permission denied")
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return InputError(name, f"is a link to {os.readlink(path)}, which does not exist")
        return InputError(name, "no such file")
    if exc.errno == errno.ELOOP:
        return InputError(name, "too many levels of symbolic links")
    return InputError(name, exc.strerror or str(exc))


def _blocks(where: str, name: str, max_bytes: int) -> Iterator[bytes]:
    """The bytes of the regular file `where`, block by block: at most
    `max_bytes` + 1 of them, then an InputError (see `read_limited`)."""
    try:
        info = os.stat(where)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(where, info.st_mode, name)
        check_size(info.st_size, max_bytes, name)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(where, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except InputError:
        raise
    except OSError as exc:
        raise _os_error(exc, where, name) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(where, info.st_mode, name)
        got = 0
        while got <= max_bytes:
            block = os.read(fd, min(_BLOCK, max_bytes + 1 - got))
            if not block:
                return
            got += len(block)
            if got > max_bytes:
                break
            yield block
    except OSError as exc:
        raise _os_error(exc, where, name) from None
    finally:
        os.close(fd)
    raise InputError(
        name,
        _over(
            f"more than {_size(max_bytes)} (its size on disk said {info.st_size} bytes)",
            max_bytes,
            "file",
        ),
    )


def read_limited(path: Path | str, max_bytes: int, shown: str | None = None) -> bytes:
    """The bytes of the regular file at `path` (links followed), at most
    `max_bytes` of them; an InputError naming `shown` (or `path`) otherwise.

    Only a regular file is read: a folder, a FIFO, a device or a socket is
    refused by what `os.stat` says, before it is opened (a FIFO opened for
    reading waits for a writer; /dev/zero never ends). The file is opened
    non-blocking and checked again by `os.fstat`, so one swapped for a FIFO
    in between cannot hang the run either. A file whose size on disk is
    over the limit is refused unread; otherwise at most `max_bytes` + 1
    bytes are read, and a file that holds more than its size said (a log
    that grows, a /proc file that says 0) is refused by what was read.
    """
    where = os.fspath(path)
    return b"".join(_blocks(where, shown if shown is not None else where, max_bytes))


def sha256_limited(path: Path | str, max_bytes: int) -> str | None:
    """The SHA-256 of a regular file's bytes, read as `read_limited` reads
    (never a FIFO or a device, at most `max_bytes` + 1 bytes, one block
    held at a time); None when it would refuse the file (reading it
    reports why). For an index that asks whether an input changed.
    """
    digest = hashlib.sha256()
    where = os.fspath(path)
    try:
        for block in _blocks(where, where, max_bytes):
            digest.update(block)
    except InputError:
        return None
    return digest.hexdigest()


def read_file(
    path: Path,
    shown: str | None = None,
    encoding: str | None = None,
    max_mb: float = MAX_INPUT_MB,
) -> Source:
    """Read one regular file from disk (`read_limited`: at most `max_mb`
    megabytes, never a FIFO or a device) and decode it (`read_bytes`);
    every refusal is an InputError naming `shown`."""
    name = shown if shown is not None else str(path)
    return read_bytes(read_limited(path, limit_bytes(max_mb), name), name, encoding)
