"""The command line's edge: exit codes, messages and what is printed.

Errors become one line and exit 2 here (an unforeseen one too: exit 1
means "duplicates found" and nothing else); Ctrl-C exits 130, SIGTERM 143.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import click


@contextlib.contextmanager
def stopping_cleanly() -> Iterator[None]:
    """An output that cannot be written (or an engine that cannot run) ends
    the run with exit 2, Ctrl-C with exit 130; neither with a traceback."""
    from pipeline.errors import EngineError, OutputError

    try:
        yield
    except (OutputError, EngineError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated):
            raise
        interrupted()


def interrupted() -> None:
    # Ctrl-C: every output already written is complete (atomic writes);
    # the file being written when it came is absent.
    click.echo(
        "interrupted: outputs written so far are complete, the rest were not written",
        err=True,
    )
    sys.exit(130)


def summary_table(totals: dict[str, Any], skipped: int, seconds: float, out_dir: str) -> None:
    """The batch at the end of a run, as a small table on stderr."""
    cells = [
        ("files", totals["files"]),
        ("removed regions", totals["removed_regions"]),
        ("removed chars", totals["removed_chars"]),
        ("repairs", totals["fixes"]),
        ("repeats of other files", totals["cross_file"]),
        ("errors", totals["errors"]),
        ("unchanged, skipped", skipped),
        ("time", f"{seconds:.1f} s"),
    ]
    widths = [max(len(name), len(str(value))) for name, value in cells]
    click.echo("  ".join(n.rjust(w) for (n, _), w in zip(cells, widths, strict=True)), err=True)
    click.echo(
        "  ".join(str(v).rjust(w) for (_, v), w in zip(cells, widths, strict=True)), err=True
    )
    click.echo(f"-> {out_dir}", err=True)


def report_errors(errors: list[tuple[str, str]]) -> None:
    for path, reason in errors:
        click.echo(f"{path}: error: {reason}", err=True)


def report_removed(removed: list[str], kept: list[str]) -> None:
    """The outputs of inputs that no longer exist: removed, or kept (the
    first ten named; summary.json lists them all)."""

    def names(listed: list[str]) -> str:
        more = f", ... ({len(listed) - 10} more in summary.json)" if len(listed) > 10 else ""
        return ", ".join(listed[:10]) + more

    if removed:
        click.echo(
            f"removed {len(removed)} output(s) of inputs that no longer exist: {names(removed)}",
            err=True,
        )
    if kept:
        click.echo(
            f"kept {len(kept)} output(s) of inputs that no longer exist, changed since they "
            f"were written: {names(kept)}",
            err=True,
        )


def progress_display(quiet: bool) -> Any:
    """A one-line progress display on a terminal; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, path: str) -> None:
        click.echo(f"\r\033[K[{done}/{total}] {path[-60:]}", err=True, nl=done == total)

    return show


class Terminated(KeyboardInterrupt):
    """SIGTERM (what `timeout` and CI cancellation send), met like Ctrl-C."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


class GuardedGroup(click.Group):
    """The command group, with the exit codes the contract promises: an
    error the tool did not foresee is a message and exit 2 (never a
    traceback, never exit 1, which means "duplicates found"); SIGTERM
    stops like Ctrl-C (temporaries removed) with exit 143."""

    def invoke(self, ctx: click.Context) -> Any:
        import signal

        from pipeline.errors import CleanDocsError

        with contextlib.suppress(ValueError):  # (not the main thread: left alone)
            signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return super().invoke(ctx)
        except Terminated:
            click.echo("terminated: outputs written so far are complete", err=True)
            sys.exit(143)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (SystemExit, KeyboardInterrupt):
            raise
        except CleanDocsError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # a bug: said plainly, with the exit code of an error
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} (please report this with the "
                "command that caused it)",
                err=True,
            )
            sys.exit(2)


def format_text(f: dict[str, Any]) -> str:
    # names shown visibly: no control or bidi character reaches the terminal
    from pipeline.quoting import visible

    d = f["duplicate_of"]
    where = "" if d["path"] == f["path"] else f"{visible(d['path'])} "
    return (
        f"{visible(f['path'])}:{f['start_line']}: duplicate: lines {f['start_line']}-"
        f"{f['end_line']} repeat {where}lines {d['start_line']}-{d['end_line']} "
        f"(similarity {f['similarity']:.3f}, {f['method']})"
    )


def format_github(f: dict[str, Any]) -> str:
    """A workflow command (`::error file=...::message`), each part encoded
    by GitHub's rules: the message's `%`, CR and LF, and the properties'
    also `:` and `,`, so no name can add a property or a command of its
    own. The file property is the exact path (GitHub decodes it to find the
    file); the message shows the twin's name visibly, as the text format."""
    from pipeline.quoting import visible, workflow_data, workflow_property

    d = f["duplicate_of"]
    message = (
        f"lines {f['start_line']}-{f['end_line']} repeat {visible(d['path'])} lines "
        f"{d['start_line']}-{d['end_line']} (similarity {f['similarity']:.3f})"
    )
    return (
        f"::error file={workflow_property(f['path'])},line={f['start_line']},"
        f"endLine={f['end_line']},title={workflow_property('duplicated content')}"
        f"::{workflow_data(message)}"
    )
