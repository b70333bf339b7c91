"""`clean-docs index`: inspect or tidy the index a `run` keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pipeline.cli_output import stopping_cleanly
from pipeline.quoting import visible


@click.group("index")
def index_group() -> None:
    """Inspect or tidy the index a `run` keeps in DIR/.clean-docs/."""


def _open_index(out_dir: str, index_path: str | None, read_only: bool) -> Any:
    from pipeline.index import Index

    path = Path(index_path) if index_path else Path(out_dir) / ".clean-docs" / "index.sqlite"
    if not path.is_file():
        raise click.UsageError(f"{path}: no index here (a `run` writes one)")
    return Index(path, read_only=read_only)


@index_group.command("list")
@click.argument("out_dir", metavar="DIR")
@click.option(
    "--index", "index_path", help="The index file (default: DIR/.clean-docs/index.sqlite)."
)
def index_list(out_dir: str, index_path: str | None) -> None:
    """List the indexed documents: where each is (relative to the index's
    root), whether its file is still there, its outputs and content hash.

    \b
    Example:
        clean-docs index list output/
    """
    from pipeline.batch import gone

    with stopping_cleanly():
        index = _open_index(out_dir, index_path, read_only=True)
        try:
            for stored in index.all():
                state = "gone" if gone(stored.path, index.root) else "here"
                click.echo(
                    f"{visible(stored.path)}\t{state}\t{visible(stored.entry['output'])}\t"
                    f"{stored.sha256[:12]}"
                )
        finally:
            index.close()


@index_group.command("prune")
@click.argument("out_dir", metavar="DIR")
@click.option(
    "--index", "index_path", help="The index file (default: DIR/.clean-docs/index.sqlite)."
)
def index_prune(out_dir: str, index_path: str | None) -> None:
    """Forget the indexed documents whose files are gone (a `run` does this
    too before it starts); their outputs stay in DIR.

    \b
    Example:
        clean-docs index prune output/
    """
    from pipeline.batch import gone

    with stopping_cleanly():
        index = _open_index(out_dir, index_path, read_only=False)
        try:
            dropped = [s.path for s in index.all() if gone(s.path, index.root)]
            for path in dropped:
                index.drop(path)
                click.echo(f"dropped {visible(path)}")
        finally:
            index.close()
    click.echo(f"{len(dropped)} document(s) dropped", err=True)
