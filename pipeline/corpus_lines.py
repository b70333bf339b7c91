"""A JSONL record's line read again from its corpus, by place.

A corpus larger than the texts a batch holds (`inputs.HELD_TEXT_BYTES`)
has most records read again when they are screened and processed: opening
the file for each cost 34 microseconds a record (`inputs.record_text`:
19,276 records of the 10 MB corpus in 0.66 s; 1.45 million of the 1 GB
one, about 50 s); read through a descriptor kept open, 12 (0.24 s), of
which the JSON's parsing is most. `os.pread` moves no shared
offset, so a worker forked with the descriptor reads through it safely.
A few corpora are kept open at once (the least recently read is closed),
so that a batch of many corpora never runs out of descriptors.
"""

from __future__ import annotations

import os
import threading

# corpora kept open at once
OPEN_CORPORA = 8

_open: dict[str, int] = {}  # by path, the most recently read last
# (threads of one process share the descriptors: none is closed while
# another thread reads through it)
_lock = threading.Lock()


def _unlock_in_child() -> None:
    """A process forked while another thread read holds a lock nobody
    will release: the child starts with its own (the descriptors it
    inherits stay good)."""
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unlock_in_child)


def read_line(where: str, offset: int, length: int) -> bytes:
    """`length` bytes of the file `where` from `offset` (a record's line).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b'{"a": 1}\\n{"b": 2}\\n')
    >>> read_line(f.name, 9, 8), forget_open(), os.unlink(f.name)
    (b'{"b": 2}', None, None)
    """
    if not hasattr(os, "pread"):  # (not POSIX)
        with open(where, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)
    with _lock:
        fd = _open.pop(where, None)
        if fd is None:
            fd = os.open(where, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            while len(_open) >= OPEN_CORPORA:
                os.close(_open.pop(next(iter(_open))))
        _open[where] = fd
        try:
            return os.pread(fd, length, offset)
        except OSError:
            del _open[where]
            os.close(fd)
            raise


def forget_open() -> None:
    """Close the corpora kept open (a corpus listed again is opened again)."""
    with _lock:
        while _open:
            os.close(_open.popitem()[1])
