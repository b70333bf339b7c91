"""Atomic file output: a temporary file in the same folder, fsync, rename.

A run killed at any moment leaves each output either complete or absent.

Temporary files are named ``.clean-docs-<16 hex digits>.tmp`` (32 bytes,
whatever the output's name: a name derived from an output of 242 bytes or
more would pass the file system's 255-byte limit). The writer holds an
exclusive ``flock`` on its temporary file while it writes, so
`remove_stale_temporaries` can tell a temporary that a killed run left
(nobody holds its lock: the kernel releases it when a process dies, even
by SIGKILL) from one another run is writing now.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import OutputError

try:
    import fcntl
except ImportError:  # not POSIX: no locks (see _lock)
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".clean-docs-"
TEMP_SUFFIX = ".tmp"
# Our temporary names, and the ones versions before issue 14 used
# (".<output name>.<8 hex digits>.tmp"), which a killed run may have left.
_TEMP = re.compile(r"\.clean-docs-[0-9a-f]{16}\.tmp")
_OLD_TEMP = re.compile(r"\..+\.[0-9a-f]{8}\.tmp", re.DOTALL)


def temp_name() -> str:
    """A fresh temporary file name: fixed length, ours by its pattern.

    >>> len(temp_name()), is_temporary(temp_name())
    (32, True)
    """
    return f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"


def is_temporary(name: str) -> bool:
    """Whether a file name is one of our temporary files (this version's
    or an earlier one's).

    >>> is_temporary(".report.txt.0a1b2c3d.tmp"), is_temporary("report.tmp")
    (True, False)
    """
    return bool(_TEMP.fullmatch(name) or _OLD_TEMP.fullmatch(name))


def _lock(fd: int, blocking: bool) -> bool | None:
    """Take the exclusive lock on an open file: True when taken, False
    when another process holds it, None when the file system has no locks
    (some network and FUSE file systems): writing goes on without."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


# Where locks cannot tell a live temporary from a stale one, one untouched
# this long is stale: no write pauses for an hour.
_STALE_UNLOCKED_SECONDS = 3600


_CREATE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


def _create_temp(folder: Path, current: list[str]) -> int:
    """Create and lock a new temporary file in `folder`; return its
    descriptor. `current` holds its path from before it is created until
    it is ready, so that a caller interrupted anywhere in between (a signal
    handler raises right after a system call) knows what to remove; it is
    emptied when no file of ours is there (O_EXCL failed).

    A stale-temporary sweep that locked the file first unlinks it before
    releasing the lock; the file is then no longer at its path, and a new
    name is tried.
    """
    while True:
        tmp = str(folder / temp_name())
        current[:] = [tmp]
        try:
            fd = os.open(tmp, _CREATE_FLAGS, 0o644)
        except OSError:
            current.clear()  # not created: nothing of ours to remove
            raise
        try:
            _lock(fd, blocking=True)
            mine = os.fstat(fd)
            try:
                there = os.stat(tmp, follow_symlinks=False)
            except FileNotFoundError:
                there = None
        except BaseException:
            os.close(fd)
            raise
        if there is not None and (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino):
            return fd
        current.clear()  # a sweep removed it
        os.close(fd)


def _discard(current: list[str]) -> None:
    for tmp in current:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary handle whose writes reach `path` all at once, without
    holding the data: it writes a temporary file beside `path`, renamed
    over it when the block ends (removed, and `path` left alone, when the
    block raises)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    current: list[str] = []
    try:
        fd = _create_temp(path.parent, current)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            # renamed while the lock is held: never a moment when a sweep
            # could take the finished file for a stale one
            os.replace(current[0], path)
    except OSError as exc:
        _discard(current)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        _discard(current)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def encode(text: str) -> bytes:
    """UTF-8 bytes of a text that may hold a lone surrogate (a file name with
    bytes that are no UTF-8, a JSON id "\\ud800"): written as its escape.

    >>> encode("a\\udcffb")
    b'a\\\\udcffb'
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` so that readers see all of it or none."""
    blob = encode(data) if isinstance(data, str) else data
    with atomic_writer(path) as handle:
        handle.write(blob)


def _remove_if_stale(name: str, dir_fd: int) -> bool:
    """Remove the regular file `name` in the folder `dir_fd` unless a
    writer holds its lock; links are never followed nor removed."""
    try:
        fd = os.open(
            name,
            os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0),
            dir_fd=dir_fd,
        )
    except OSError:
        return False  # a link (ELOOP), gone, unreadable: not ours to touch
    try:
        mine = os.fstat(fd)
        if not stat.S_ISREG(mine.st_mode):
            return False
        locked = _lock(fd, blocking=False)
        if locked is False:
            return False  # a writer holds it: alive
        if locked is None and time.time() - mine.st_mtime < _STALE_UNLOCKED_SECONDS:
            return False  # no locks here: only an old one is surely stale
        # still the file at that name (not replaced since it was opened)
        there = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if (there.st_dev, there.st_ino) != (mine.st_dev, mine.st_ino):
            return False
        os.unlink(name, dir_fd=dir_fd)  # under the lock: see _create_temp
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def _scan(dir_fd: int, where: Path, removed: list[Path]) -> list[str]:
    """Remove the stale temporaries directly in the folder `dir_fd`;
    return the names of the folders in it (links to folders are not)."""
    folders: list[str] = []
    try:
        with os.scandir(dir_fd) as entries:
            found = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in entries)
    except OSError:
        return folders
    for name, is_dir in found:
        if is_dir:
            folders.append(name)
        elif is_temporary(name) and _remove_if_stale(name, dir_fd):
            removed.append(where / name)
    return folders


def remove_stale_temporaries(folder: Path, recursive: bool = False) -> list[Path]:
    """Remove the temporary files that runs killed while writing left in
    `folder` (and, when `recursive`, in the folders under it); return them.

    Only regular files named like our temporaries (`is_temporary`) go, and
    only when no process holds their lock: a run writing into the same
    folder now keeps its own. Nothing outside `folder` is touched: links
    (to files or folders) are neither followed nor removed, and each folder
    is opened by a descriptor without following a link, so one swapped for
    a link midway is not entered. `folder` itself may be a link (the output
    folder a user named). A folder that cannot be read is skipped.
    """
    removed: list[Path] = []
    if os.scandir not in os.supports_fd or not hasattr(os, "O_NOFOLLOW"):
        return removed  # no descriptor-based walk on this platform: do nothing
    try:
        top = os.open(folder, _DIR_FLAGS)
    except OSError:
        return removed
    # one open descriptor per level of the folder being swept
    stack: list[tuple[int, Path, list[str]]] = [(top, Path(folder), [])]
    try:
        folders = _scan(top, Path(folder), removed)
        if recursive:
            stack[0][2].extend(reversed(folders))
        while stack:
            dir_fd, where, pending = stack[-1]
            if not pending:
                stack.pop()
                os.close(dir_fd)
                continue
            name = pending.pop()
            try:
                child = os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=dir_fd)
            except OSError:
                continue
            stack.append((child, where / name, []))
            stack[-1][2].extend(reversed(_scan(child, where / name, removed)))
    finally:
        for dir_fd, _, _ in stack:
            os.close(dir_fd)
    return removed


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program was, so that it unwinds as Ctrl-C
    does: temporary files removed, "interrupted" said; exit with
    `exit_code` (128 + SIGTERM), as a shell reports a process it ended."""

    exit_code = 128 + int(getattr(signal, "SIGTERM", 15))


def terminate_like_interrupt() -> Callable[[], None]:
    """Make SIGTERM raise `Terminated` in this process; return a function
    that puts the previous handler back. Call it from the main thread.

    A process forked afterwards (a worker of a pool) that gets SIGTERM is
    ended by it as before: pools end their workers so, and a worker has no
    outputs of its own to clean up.
    """
    owner = os.getpid()

    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore
