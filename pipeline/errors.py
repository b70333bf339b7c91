"""Errors a user can cause; the CLI turns each into one line and exit code 2."""

from __future__ import annotations


class CleanDocsError(Exception):
    """Base of every error the tool reports to a user without a traceback."""


class InputError(CleanDocsError):
    """An input file that cannot be processed, and why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class VerificationError(CleanDocsError):
    """The result failed its own consistency check; nothing was written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: verification failed: {reason}")
        self.path = path
        self.reason = reason


class OutputError(CleanDocsError):
    """An output that cannot be written where it was asked for."""


class EngineError(CleanDocsError):
    """An engine that cannot run: not installed, or its cluster unreachable."""
