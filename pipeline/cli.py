"""The command line: a thin click layer over `pipeline.batch`.

Heavy modules (numpy, rapidfuzz, ftfy) are imported inside the commands,
so `--help` and `--version` stay instant.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.cli_fix import fix_command
from pipeline.cli_index import index_group
from pipeline.cli_output import (
    GuardedGroup,
    print_check,
    progress_display,
    report_errors,
    report_removed,
    say,
    stopping_cleanly,
    summary_table,
)

_SETTINGS_HELP = "Minimum key characters of a repeated run before it is removed."

# Settings a flag sets: the flag's name, as messages spell the setting.
_FLAG_NAMES = {
    "min_run_chars": "--min-run-chars",
    "fix_text": "--no-fix",
    "far_repeats": "--far-repeats",
}
# A Dask scheduler's address: [PROTOCOL://]HOST:PORT.
_SCHEDULER = re.compile(
    r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})"
)


def _known_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An --encoding Python does not know is one usage error, not an error
    per input file."""
    if value is None:
        return None
    import codecs

    try:
        info = codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64: bytes to bytes
        raise click.BadParameter(f"{value!r} is not a text encoding")
    return value


class BadSetting(click.ClickException):
    """A bad setting, in a file or a flag: one line on stderr, exit 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        say(f"error: {self.format_message()}")


def _settings_and_origin(
    min_run_chars: str | None,
    no_fix: bool,
    accept_file: str | None = None,
    far_repeats: str | None = None,
    config_path: str | None = None,
    no_config: bool = False,
) -> tuple[Any, dict[str, str]]:
    """Defaults, then the project's configuration file (or `--config`'s,
    or none with `--no-config`), then the flags; ids in an accept file add
    to those the configuration accepts. A bad value is a BadSetting."""
    import dataclasses

    from pipeline.config import ConfigError, effective
    from pipeline.review import read_accept_file

    if config_path is not None and no_config:
        raise BadSetting("--config and --no-config exclude each other")
    flags: dict[str, Any] = {
        "min_run_chars": min_run_chars,
        "fix_text": False if no_fix else None,
        "far_repeats": far_repeats,
    }
    try:
        settings, origin = effective(
            flags,
            Path.cwd(),
            config_file=Path(config_path) if config_path is not None else None,
            no_config=no_config,
            flag_names=_FLAG_NAMES,
        )
    except ConfigError as exc:
        raise BadSetting(str(exc)) from None
    if accept_file is not None:
        try:
            ids = read_accept_file(Path(accept_file))
        except (OSError, UnicodeDecodeError) as exc:
            raise BadSetting(f"{accept_file}: cannot read the accept file: {exc}") from None
        settings = dataclasses.replace(settings, accept=settings.accept + ids)
        origin["accept"] = accept_file
    return settings, origin


def _settings(
    min_run_chars: str | None,
    no_fix: bool,
    accept_file: str | None = None,
    far_repeats: str | None = None,
    config_path: str | None = None,
    no_config: bool = False,
) -> Any:
    return _settings_and_origin(
        min_run_chars, no_fix, accept_file, far_repeats, config_path, no_config
    )[0]


def _check_scheduler(scheduler: str | None, engine: str) -> None:
    """A scheduler address is checked here, before any cluster is asked."""
    if scheduler is None:
        return
    if engine != "dask":
        raise BadSetting("--scheduler is the Dask scheduler: it needs --engine dask")
    m = _SCHEDULER.fullmatch(scheduler)
    if m is None or not 1 <= int(m.group(1)) <= 65535:
        raise BadSetting(
            f"--scheduler must be a Dask scheduler address, PROTOCOL://HOST:PORT "
            f"(tcp://10.0.0.5:8786), got {scheduler!r}"
        )


def _batch_config(flags: dict[str, Any], config_path: str | None, no_config: bool) -> Any:
    """include, exclude, jobs, across, gitignore: defaults, then the
    configuration file, then the flags given (None: not given)."""
    from pipeline.config import ConfigError, effective_options

    config_file = Path(config_path) if config_path is not None else None
    try:
        return effective_options(flags, Path.cwd(), config_file=config_file, no_config=no_config)
    except ConfigError as exc:
        raise BadSetting(str(exc)) from None


def _options(
    encoding: str | None,
    max_mb: float,
    jobs: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    quiet: bool,
    text_field: str = "text",
    id_field: str | None = None,
) -> Any:
    """The batch's Options: the flags given, else the configuration's
    include, exclude, jobs, across and gitignore (the command's --config,
    --no-config, --across and --gitignore are read from its context), else
    the defaults."""
    import os

    from pipeline.batch import Options
    from pipeline.ignore import project_root
    from pipeline.inputs import POOL_MIN_BYTES

    ctx = click.get_current_context()
    flags = {
        "include": include or None,
        "exclude": exclude or None,
        "jobs": jobs,
        "across": ctx.params.get("across"),
        "gitignore": ctx.meta.get("clean_docs.gitignore"),
    }
    values, _ = _batch_config(flags, ctx.params.get("config_path"), ctx.params.get("no_config"))
    return Options(
        encoding=encoding,
        max_mb=max_mb,
        jobs=values["jobs"] or os.cpu_count() or 1,
        pool_min_bytes=0 if values["jobs"] else POOL_MIN_BYTES,
        include=tuple(values["include"]),
        exclude=tuple(values["exclude"]),
        progress=progress_display(quiet),
        across=values["across"],
        text_field=text_field,
        id_field=id_field,
        gitignore=values["gitignore"],
        root=project_root(),
    )


def _batch_options(func: Any) -> Any:
    func = click.option(
        "--id-field",
        default=None,
        help="In a .jsonl or .parquet corpus, the field naming each record "
        "(default: its line or row number).",
    )(func)
    func = click.option(
        "--text-field",
        default="text",
        show_default=True,
        help="In a .jsonl or .parquet corpus, the field holding each record's text.",
    )(func)
    func = click.option("-q", "--quiet", is_flag=True, help="No progress and no summary.")(func)
    func = click.option(  # (`_options` reads it from the context)
        "--gitignore/--no-gitignore",
        default=None,
        expose_value=False,
        callback=lambda ctx, _, value: ctx.meta.__setitem__("clean_docs.gitignore", value),
        help="Skip what .gitignore files ignore in folders (default: on).",
    )(func)
    func = click.option(
        "--exclude",
        multiple=True,
        metavar="PATTERN",
        help="Skip files in folders matching this gitignore pattern "
        "(at any depth; /x: from the project's root).",
    )(func)
    func = click.option(
        "--include",
        multiple=True,
        metavar="PATTERN",
        help="Take only files in folders matching this gitignore pattern "
        "(default: .txt .md .rst ...).",
    )(func)
    func = click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help="Documents processed at once (default: all cores).",
    )(func)
    return func


def _shared_options(func: Any) -> Any:
    func = click.option(
        "--max-size",
        "max_mb",
        type=click.FloatRange(min=0, min_open=True),
        default=16,
        show_default=True,
        help="Refuse input files larger than this many megabytes.",
    )(func)
    func = click.option(
        "--encoding",
        default=None,
        callback=_known_encoding,
        help="Force this input encoding (default: UTF-8, UTF-16 with a BOM, or detected).",
    )(func)
    func = click.option("--no-fix", is_flag=True, help="Turn the text repairs off.")(func)
    # Settings flags take text, checked with the configuration's values, so
    # that a bad flag and a bad file say so alike: one line, exit 2.
    func = click.option("--min-run-chars", metavar="INTEGER", default=None, help=_SETTINGS_HELP)(
        func
    )
    func = click.option(
        "--far-repeats",
        metavar="[keep|remove]",
        default=None,
        help="keep (default): a repeat away from its twin is reported, not removed. "
        "remove: the thorough policy, for corpora known to hold only pastes "
        "(it removes restated clauses and quotations too).",
    )(func)
    func = click.option(
        "--accept",
        "accept_file",
        default=None,
        metavar="FILE",
        help="Finding ids a reviewer accepted (one a line, as reports show them): "
        "they are removed.",
    )(func)
    func = click.option(
        "--no-config",
        is_flag=True,
        help="Use no configuration file: defaults and flags only.",
    )(func)
    func = click.option(
        "--config",
        "config_path",
        default=None,
        metavar="PATH",
        help="Use exactly this configuration file (a clean-docs.toml, or a pyproject.toml's "
        "[tool.clean-docs]) instead of the project's.",
    )(func)
    return func


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clean-docs")
def main() -> None:
    """Remove repeated content from text documents and show what was removed."""
    import os

    # numpy asks the kernel for huge pages for each large array (unless told
    # not to); the stages' arrays live briefly, and zeroing and compacting
    # 2 MB pages cost check 1.4-1.8 s of system time on the 10 MB corpus.
    # Read when numpy is first imported, by this process and its workers.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    # and what the arrays free is kept for the next ones (`pipeline.malloc`)
    from pipeline.malloc import keep_freed_memory

    keep_freed_memory()


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="output",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the clean documents and reports.",
)
@click.option(
    "--index",
    "index_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="The index of documents seen before (default: OUTPUT/.clean-docs/index.sqlite).",
)
@click.option(
    "--across/--no-across",
    default=None,
    help="Also remove what repeats files before it (default: report it, keep it).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: worker processes here (-j). dask: tasks on a Dask cluster "
    '(pip install "clean-docs-dedup[dask]").',
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="With --engine dask: a running scheduler (tcp://host:8786); "
    "default: a LocalCluster of -j workers.",
)
@_shared_options
@_batch_options
def run(
    paths: tuple[str, ...],
    out_dir: str,
    index_path: str | None,
    across: bool | None,
    engine: str,
    scheduler: str | None,
    jobs: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    quiet: bool,
    text_field: str,
    id_field: str | None,
    encoding: str | None,
    no_fix: bool,
    min_run_chars: str | None,
    max_mb: float,
    accept_file: str | None,
    far_repeats: str | None,
    config_path: str | None,
    no_config: bool,
) -> None:
    """Clean files and folders into OUTPUT, with a report per document.

    Exit 0 when every document was processed, 2 when an input could not be
    read (the others are still processed).

    \b
    Example:
        clean-docs run seeds/ -o output/
        clean-docs run reports/ --accept reviewed.txt
        clean-docs run reports/ --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from pipeline.batch import run_paths

    _check_scheduler(scheduler, engine)
    started = time.perf_counter()
    settings = _settings(min_run_chars, no_fix, accept_file, far_repeats, config_path, no_config)
    with stopping_cleanly():
        outcome, summary = run_paths(
            list(paths),
            Path(out_dir),
            settings,
            dataclasses.replace(
                _options(encoding, max_mb, jobs, include, exclude, quiet, text_field, id_field),
                engine=engine,
                scheduler=scheduler,
            ),
            Path(index_path) if index_path else None,
        )
    report_errors(outcome.errors)
    totals = summary["totals"]
    if quiet:
        sys.exit(2 if outcome.errors else 0)
    report_removed(outcome.removed_outputs, outcome.kept_outputs)
    if outcome.duplicates:
        say(
            f"dropped {len(outcome.duplicates)} record(s) that copy earlier ones "
            "(R6 duplicate-document), listed in summary.json"
        )
    summary_table(totals, outcome.skipped, time.perf_counter() - started, out_dir)
    sys.exit(2 if outcome.errors else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="How findings are printed (json: {findings, errors, counts}; github: annotations).",
)
@click.option(
    "--index",
    "index_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Also compare with every document in this index (written by `run`).",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the patch `fix` would apply to each file (the NAME.diff `run` writes) "
    "on stdout; the findings go to stderr.",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the count line (default: on a terminal, unless NO_COLOR is set).",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also print each document checked and the repeats kept, with rule and reason.",
)
@_shared_options
@_batch_options
def check(
    paths: tuple[str, ...],
    fmt: str,
    index_path: str | None,
    diff: bool,
    color: bool | None,
    verbose: bool,
    jobs: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    quiet: bool,
    text_field: str,
    id_field: str | None,
    encoding: str | None,
    no_fix: bool,
    min_run_chars: str | None,
    max_mb: float,
    accept_file: str | None,
    far_repeats: str | None,
    config_path: str | None,
    no_config: bool,
) -> None:
    """Fail when a file holds duplicated content; write nothing.

    Exit 0: no duplicated content; 1: duplicated content found, one line per
    finding; 2: usage or input error. PATH `-` is standard input (<stdin>).

    \b
    Example:
        clean-docs check seeds/ --format github
        clean-docs check docs/ --diff > dedupe.patch
        cat notes.md | clean-docs check -
    """
    from pipeline.checking import check_paths

    if diff and fmt != "text":
        raise BadSetting("--diff prints patches: it goes with --format text only")
    settings = _settings(min_run_chars, no_fix, accept_file, far_repeats, config_path, no_config)
    with stopping_cleanly():
        outcome, findings = check_paths(
            list(paths),
            settings,
            _options(encoding, max_mb, jobs, include, exclude, quiet, text_field, id_field),
            Path(index_path) if index_path else None,
            want_kept=verbose,
        )
    print_check(outcome, findings, fmt, diff=diff, color=color, verbose=verbose, quiet=quiet)
    if outcome.errors:
        sys.exit(2)
    sys.exit(1 if findings else 0)


@main.command()
@_shared_options
def config(
    encoding: str | None,
    no_fix: bool,
    min_run_chars: str | None,
    max_mb: float,
    accept_file: str | None,
    far_repeats: str | None,
    config_path: str | None,
    no_config: bool,
) -> None:
    """Print the effective settings and where each one came from.

    Settings come from the defaults, then the project's clean-docs.toml or
    [tool.clean-docs] in its pyproject.toml (the project: the nearest folder
    from the current one upwards holding .git, pyproject.toml or
    clean-docs.toml; nothing above it is read), then the flags.

    \b
    Example:
        clean-docs config --min-run-chars 300
    """
    settings, origin = _settings_and_origin(
        min_run_chars, no_fix, accept_file, far_repeats, config_path, no_config
    )
    for name, value in settings.as_dict().items():
        shown = json.dumps(value, ensure_ascii=False)
        click.echo(f"{name.replace('_', '-')} = {shown}  # {origin[name]}")
    values, where = _batch_config({}, config_path, no_config)
    for name, value in values.items():
        shown = json.dumps(list(value) if isinstance(value, tuple) else value)
        click.echo(f"{name} = {shown}  # {where[name]}")


main.add_command(index_group)
main.add_command(fix_command(_shared_options, _batch_options, _settings, _options))
