"""`clean-docs fix`: the command; the work is `pipeline.fix`'s.

Made by `fix_command` from the options and helpers `pipeline.cli` gives it,
so that `fix` takes the same settings, configuration and batch options as
`run` and `check`, spelled and checked alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from pipeline.cli_output import print_fixed, stopping_cleanly


def fix_command(
    shared_options: Callable[[Any], Any],
    batch_options: Callable[[Any], Any],
    settings_of: Callable[..., Any],
    options_of: Callable[..., Any],
) -> click.Command:
    @click.command()
    @click.argument("paths", nargs=-1, required=True)
    @shared_options
    @batch_options
    def fix(
        paths: tuple[str, ...],
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
        """Remove duplicated content from files, in place.

        Each file from which `run` would remove something is replaced,
        atomically, by the clean copy `run` writes (UTF-8, LF line ends, the
        repairs made): the patch `check --diff` prints. Findings stay, and a
        file with nothing to remove is not touched, even when it would be
        repaired. Exit 0: nothing to remove; 1: files were rewritten; 2: an
        error (the other files are still fixed). PATH `-`: standard input's
        clean text to standard output. Corpora (.jsonl, .parquet) are refused.

        \b
        Example:
            clean-docs fix notes.md docs/
            clean-docs fix - < draft.md > clean.md
        """
        from pipeline.fix import fix_paths, fix_stdin, refuse

        settings = settings_of(
            min_run_chars, no_fix, accept_file, far_repeats, config_path, no_config
        )
        options = options_of(encoding, max_mb, jobs, include, exclude, quiet, text_field, id_field)
        refuse(list(paths))
        if list(paths) == ["-"]:
            # standard output holds the text: what was removed is said on stderr
            result = fix_stdin(settings, options)
            changed = [("<stdin>", result)] if result.removed else []
            print_fixed(changed, quiet=quiet, summary=False)
            sys.exit(1 if result.removed else 0)
        with stopping_cleanly():
            fixed = fix_paths(list(paths), settings, options)
        print_fixed(fixed.changed, fixed.unchanged, fixed.errors, quiet=quiet)
        if fixed.errors:
            sys.exit(2)
        sys.exit(1 if fixed.changed else 0)

    return fix
