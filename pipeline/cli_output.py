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
        say(f"error: {exc}")
        sys.exit(2)
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated):
            raise
        interrupted()


def say(message: str) -> None:
    """One message on stderr, every name in it shown visibly: no control
    or bidi character of a file name or record id reaches the terminal raw
    (a line break the message itself holds stays one)."""
    from pipeline.quoting import visible

    click.echo("\n".join(visible(line) for line in message.split("\n")), err=True)


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
    say(f"-> {out_dir}")


def report_errors(errors: list[tuple[str, str]]) -> None:
    """One line per error: a line break in a name (of the file, or in the
    reason) is shown escaped, never taken for the message's own."""
    from pipeline.quoting import visible

    for path, reason in errors:
        say(f"{visible(path)}: error: {visible(reason)}")


def report_removed(removed: list[str], kept: list[str]) -> None:
    """The outputs of inputs that no longer exist: removed, or kept (the
    first ten named; summary.json lists them all)."""

    def names(listed: list[str]) -> str:
        more = f", ... ({len(listed) - 10} more in summary.json)" if len(listed) > 10 else ""
        return ", ".join(listed[:10]) + more

    if removed:
        say(f"removed {len(removed)} output(s) of inputs that no longer exist: {names(removed)}")
    if kept:
        say(
            f"kept {len(kept)} output(s) of inputs that no longer exist, changed since they "
            f"were written: {names(kept)}"
        )


def progress_display(quiet: bool) -> Any:
    """A one-line progress display on a terminal; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, path: str) -> None:
        from pipeline.quoting import visible

        click.echo(f"\r\033[K[{done}/{total}] {visible(path)[-60:]}", err=True, nl=done == total)

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
            say(f"error: {exc}")
            sys.exit(2)
        except Exception as exc:  # a bug: said plainly, with the exit code of an error
            say(
                f"internal error: {type(exc).__name__}: {exc} (please report this with the "
                "command that caused it)"
            )
            sys.exit(2)


def use_color(flag: bool | None, stream: Any) -> bool:
    """Colour: as `--color/--no-color` say; else none when NO_COLOR is set
    (no-color.org: any value but empty); else only on a terminal."""
    import os

    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _place(f: dict[str, Any]) -> tuple[str, int, str]:
    """Where a finding is (a file and its line: a record's corpus and its
    line or row there) and, for a record, "record ID " for the message."""
    from pipeline.quoting import visible

    record = f.get("record")
    what = "" if record is None else f"record {visible(str(record))} "
    return f.get("file", f["path"]), f.get("line", f["start_line"]), what


def _repeats(f: dict[str, Any]) -> str:
    """ "lines 6-10 repeat [OTHER ]lines 1-5" (OTHER: a twin elsewhere)."""
    from pipeline.quoting import visible

    d = f["duplicate_of"]
    where = "" if d["path"] == f["path"] else f"{visible(d['path'])} "
    return (
        f"lines {f['start_line']}-{f['end_line']} repeat {where}"
        f"lines {d['start_line']}-{d['end_line']}"
    )


def format_text(f: dict[str, Any]) -> str:
    """`path:line: duplicate: lines A-B repeat lines C-D (similarity, method)`,
    like a compiler; a record is placed at its line in its corpus and named."""
    # names shown visibly: no control or bidi character reaches the terminal
    from pipeline.quoting import visible

    file, line, what = _place(f)
    return (
        f"{visible(file)}:{line}: duplicate: {what}{_repeats(f)} "
        f"(similarity {f['similarity']:.3f}, {f['method']})"
    )


def _rule(f: dict[str, Any]) -> str:
    """ "K6 far-repeat": a rule's code and name (the code alone if unknown)."""
    from pipeline.policy import RULE

    rule = RULE.get(f.get("rule", ""))
    return f.get("rule", "") if rule is None else f"{rule.code} {rule.name}"


def format_kept(f: dict[str, Any]) -> str:
    """A repeat the policy kept (--verbose): its place, its rule and why."""
    from pipeline.quoting import visible

    file, line, what = _place(f)
    return (
        f"{visible(file)}:{line}: kept ({_rule(f)}): {what}{_repeats(f)} "
        f"(similarity {f['similarity']:.3f}, {f['method']}): {f.get('reason', '')}"
    )


def format_github(f: dict[str, Any]) -> str:
    """A workflow command (`::error file=...::message`), each part encoded
    by GitHub's rules: the message's `%`, CR and LF, and the properties'
    also `:` and `,`, so no name can add a property or a command of its
    own. The file property is the exact path (GitHub decodes it to find the
    file); the message shows the twin's name visibly, as the text format.
    A record is annotated on its line of its corpus (a Parquet corpus: its
    row), the message naming it."""
    return _annotation("error", "duplicated content", f, f"(similarity {f['similarity']:.3f})")


def format_github_kept(f: dict[str, Any]) -> str:
    """A kept repeat (--verbose) as a notice annotation: rule and reason."""
    return _annotation("notice", f"kept ({_rule(f)})", f, f"- {f.get('reason', '')}")


def _annotation(level: str, title: str, f: dict[str, Any], tail: str) -> str:
    from pipeline.quoting import visible, workflow_data, workflow_property

    file, line, what = _place(f)
    d = f["duplicate_of"]
    # the message names the twin always, as it always has
    message = (
        f"{what}lines {f['start_line']}-{f['end_line']} repeat {visible(d['path'])} lines "
        f"{d['start_line']}-{d['end_line']} {tail}"
    )
    end = f",endLine={f['end_line']}" if f.get("record") is None else ""
    return (
        f"::{level} file={workflow_property(file)},line={line}{end},"
        f"title={workflow_property(title)}::{workflow_data(message)}"
    )


def format_github_error(e: dict[str, Any]) -> str:
    """An input error as an annotation on the file (a record: on its line
    of its corpus), so a workflow run shows what it could not check."""
    from pipeline.quoting import visible, workflow_data, workflow_property

    line = "" if e.get("line") is None else f",line={e['line']}"
    record = e.get("record")
    what = "" if record is None else f"record {visible(str(record))}: "
    return (
        f"::error file={workflow_property(e.get('file', e['path']))}{line},"
        f"title={workflow_property('cannot check')}::{workflow_data(what + e['reason'])}"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def count_line(counts: dict[str, int], unit: str = "file") -> str:
    """The text format's last line: "7 duplicated regions in 5 of 40 files",
    "no duplicated content in 40 files", and the input errors.

    >>> count_line({"findings": 7, "files": 40, "files_with_findings": 5, "errors": 2})
    '7 duplicated regions in 5 of 40 files; 2 errors (inputs not checked)'
    >>> count_line({"findings": 0, "files": 1, "files_with_findings": 0, "errors": 0})
    'no duplicated content in 1 file'
    """
    if counts["findings"]:
        line = (
            f"{_plural(counts['findings'], 'duplicated region')} in "
            f"{counts['files_with_findings']} of {_plural(counts['files'], unit)}"
        )
    else:
        line = f"no duplicated content in {_plural(counts['files'], unit)}"
    if counts["errors"]:
        line += f"; {_plural(counts['errors'], 'error')} (inputs not checked)"
    return line


def _styled_count(counts: dict[str, int], unit: str) -> str:
    line = count_line(counts, unit)
    if counts["errors"] or counts["findings"]:
        return click.style(line, fg="red", bold=True)
    return click.style(line, fg="green", bold=True)


def _json_listing(document: dict[str, Any], ascii_only: bool = False) -> str:
    """`document` as JSON, each item of its lists on a line of its own: as
    readable as an indented dump and written by the C encoder (an indent
    makes json use its Python one, ten times slower on a corpus's findings).

    >>> print(_json_listing({"a": [{"x": 1}, {"y": 2}], "n": 3}))
    {
      "a": [
        {"x": 1},
        {"y": 2}
      ],
      "n": 3
    }
    """
    import json

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=ascii_only)

    parts = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {dumps(v)}" for v in value)
            parts.append(f"  {dumps(key)}: [\n{items}\n  ]")
        else:
            parts.append(f"  {dumps(key)}: {dumps(value)}")
    text = "{\n" + ",\n".join(parts) + "\n}"
    if not ascii_only and not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a name that is no UTF-8: escaped as JSON allows
            return _json_listing(document, ascii_only=True)
    return text


def print_check(
    outcome: Any,
    findings: list[dict[str, Any]],
    fmt: str,
    *,
    diff: bool = False,
    color: bool | None = None,
    verbose: bool = False,
    quiet: bool = False,
) -> None:
    """What `check` prints: the findings in `fmt` with the input errors
    (json: an object holding both and the counts; github: an annotation
    for each; text: on stderr, as `run` says them, and a count line at the
    end). `diff`: the patches `run` would write go to stdout, the text
    format to stderr. `verbose`: each document checked and the repeats
    the policy kept, with rule and reason."""

    from pipeline.gate import counts

    totals = counts(findings, len(outcome.results) + outcome.copied, len(outcome.errors))
    checked = [item.shown for item, _ in outcome.results]
    blocks = getattr(outcome, "boilerplate", [])
    if fmt == "json":
        document: dict[str, Any] = {
            "schema": "clean-docs.check/1",
            "findings": findings,
            "errors": outcome.placed_errors,
            "counts": totals,
            "boilerplate": blocks,
        }
        if verbose:
            document.update(checked=checked, kept=outcome.kept)
        click.echo(_json_listing(document))
    elif fmt == "github":
        for f in findings:
            click.echo(format_github(f))
        for e in outcome.placed_errors:
            click.echo(format_github_error(e))
        from pipeline.boilerplate import github_notice

        for b in blocks:
            click.echo(github_notice(b))
        if verbose:
            for f in outcome.kept:
                click.echo(format_github_kept(f))
            for name in checked:
                click.echo(f"checked {_visible(name)}", err=True)
    else:
        if diff:
            _print_patches(outcome.results)
        _print_text(outcome, findings, err=diff, verbose=verbose)
    report_errors(outcome.errors)
    if fmt == "text" and not quiet:
        if blocks:
            # (a note, not a finding: one line; --format json lists every block)
            most = max(blocks, key=lambda b: b["documents"])
            file, line, _ = _place(most)
            say(
                f"note: {len(blocks)} boilerplate block(s) held by many documents alike, not "
                f"compared (--format json lists them); the most held, in {most['documents']} "
                f"documents, first at {file}:{line}"
            )
        records = outcome.copied or any(i.record is not None for i, _ in outcome.results)
        unit = "document" if records else "file"
        stream = sys.stderr if diff else sys.stdout
        click.echo(_styled_count(totals, unit), err=diff, color=use_color(color, stream))


def _visible(name: str) -> str:
    from pipeline.quoting import visible

    return visible(name)


def _print_text(outcome: Any, findings: list[dict[str, Any]], err: bool, verbose: bool) -> None:
    if not verbose:
        for f in findings:
            click.echo(format_text(f), err=err)
        return
    mine: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        mine.setdefault(f["path"], []).append(f)
    kept: dict[str, list[dict[str, Any]]] = {}
    for f in outcome.kept:
        kept.setdefault(f["path"], []).append(f)
    for item, _ in outcome.results:
        found, held = mine.get(item.shown, []), kept.get(item.shown, [])
        said = [
            _plural(len(found), "duplicated region") if found else "no duplicated content",
            *([_plural(len(held), "repeat") + " kept"] if held else []),
        ]
        click.echo(f"checked {_visible(item.shown)}: {', '.join(said)}", err=err)
        reported = {id(f) for f in found}
        for f in sorted(found + held, key=lambda f: f["start_line"]):
            click.echo(format_text(f) if id(f) in reported else format_kept(f), err=err)


def _print_patches(results: list[Any]) -> None:
    """Each file's patch, as `run` writes it (NAME.diff), to stdout as
    UTF-8 bytes; a corpus's records get none (`run` writes the cleaned
    corpus): said once per corpus on stderr."""
    from pipeline.emit import unified_diff
    from pipeline.write import encode

    out = click.get_binary_stream("stdout")
    said: set[str] = set()
    for item, result in results:
        if not result.removed:
            continue
        if item.record is not None:
            if item.where not in said:
                said.add(item.where)
                click.echo(
                    f"{_visible(item.where)}: no patch for the records of a corpus "
                    "(`clean-docs run` writes the cleaned corpus)",
                    err=True,
                )
            continue
        out.write(encode(unified_diff(result, item.shown)))
    out.flush()


def print_fixed(
    changed: list[tuple[str, Any]],
    unchanged: int = 0,
    errors: list[tuple[str, str]] | None = None,
    *,
    quiet: bool = False,
    summary: bool = True,
) -> None:
    """What `fix` did, on stderr: each file rewritten with the lines it
    lost (input lines), the rule and the lines they repeat; the errors;
    then "2 files fixed, 38 left unchanged". `quiet`: the errors only."""
    from pipeline.lines import LineIndex

    if not quiet:
        for shown, result in changed:
            lines = LineIndex(result.cleaned.text)
            said = []
            for r in sorted(result.removed, key=lambda r: r.span.start):
                said.append(
                    f"lines {lines.line(r.span.start)}-{lines.last_line(r.span.start, r.span.end)}"
                    f" (repeat of lines {lines.line(r.twin.start)}-"
                    f"{lines.last_line(r.twin.start, r.twin.end)}, {_rule({'rule': r.rule})})"
                )
            click.echo(f"fixed {_visible(shown)}: removed {'; '.join(said)}", err=True)
    report_errors(errors or [])
    if summary and not quiet:
        line = f"{_plural(len(changed), 'file')} fixed, {unchanged} left unchanged"
        if errors:
            line += f"; {_plural(len(errors), 'error')}"
        click.echo(line, err=True)
