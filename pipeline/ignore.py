"""Which files a folder gives a batch: .gitignore files, include and exclude.

A folder named on the command line is walked for text files; what it
holds is then filtered, in this order:

1. `.gitignore` files (unless `gitignore` is off): the one of the
   repository's top folder (the nearest folder upwards holding `.git`;
   without one, the patterns' root below) and every nested one down to the
   file, each relative to its own folder, with git's semantics: negation
   (`!keep.md`), directory-only patterns (`build/`), anchored patterns
   (`/notes.md`), `**`; a deeper file overrides a shallower one, and a
   folder ignored is not entered (what it holds cannot be taken back). A
   line git cannot read is skipped, as git skips it. A folder named on
   the command line is walked even when a .gitignore above it ignores it:
   then only the .gitignore files inside it count.
2. `exclude` patterns, then 3. `include` patterns (which replace the
   default text suffixes): gitignore patterns relative to the patterns'
   root (the project's root: the nearest folder upwards from the current
   one holding `.git`, `pyproject.toml` or `clean-docs.toml`; the current
   folder outside a project), that match at any depth: `drafts/*` matches
   `reports/drafts/a.md` as well as `drafts/a.md`, `*/2019/*` any file of
   a `2019` folder below another folder. A leading `/` anchors a pattern
   at the root (`/drafts/`), `!` negates one. A file outside the root is
   matched by its path from the folder that holds the folder named.

Matching is pathspec's (`GitIgnoreSpec`), imported only when a folder is
walked or a pattern checked.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

GITIGNORE = ".gitignore"


def matchable(name: str) -> str:
    """A name the pattern engine (RE2 wants UTF-8) can match: a byte that
    is no UTF-8 (a lone surrogate here) becomes U+FFFD, still one
    character for `?` and `*`, never a match for a letter a pattern names.

    >>> matchable("a\\udcffb.txt")
    'a\\ufffdb.txt'
    """
    if not any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):
        return name
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in name)


def _spec(lines: Sequence[str]) -> Any:
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def anywhere(pattern: str) -> str:
    """A pattern as matched at any depth: `drafts/*` -> `**/drafts/*`; a
    pattern anchored with a leading `/` (or already starting with `**/`)
    stays as it is; `!` is kept in front.

    >>> anywhere("drafts/*"), anywhere("!/top.md"), anywhere("**/x"), anywhere("*.md")
    ('**/drafts/*', '!/top.md', '**/x', '**/*.md')
    """
    negate = pattern.startswith("!")
    body = pattern[1:] if negate else pattern
    if not body.startswith(("/", "**/")):
        body = "**/" + body
    return ("!" if negate else "") + body


def pattern_problem(pattern: Any) -> str | None:
    """Why `pattern` is not an include/exclude pattern, or None.

    >>> pattern_problem("*.md") is None, pattern_problem("")
    (True, 'an empty pattern matches nothing')
    """
    if not isinstance(pattern, str):
        return f"{pattern!r} is not a string"
    if not pattern.strip() or pattern.strip() == "!":
        return "an empty pattern matches nothing"
    if pattern.lstrip().startswith("#"):
        return f"{pattern!r} is a comment in gitignore syntax: write \\# for a leading #"
    try:
        _spec([anywhere(pattern)])
    except Exception as exc:  # pathspec's GitIgnorePatternError, a ValueError
        reason = str(exc.__cause__ or exc)
        return f"{pattern!r} is not a gitignore pattern: {reason}"
    return None


def patterns_spec(patterns: Sequence[str]) -> Any:
    """Include or exclude patterns as one spec (each matched at any depth)."""
    return _spec([anywhere(p) for p in patterns])


def project_root(start: Path | None = None) -> str:
    """The patterns' root: the project's root seen from `start` (the
    current folder), else `start` itself; an absolute path."""
    from pipeline.config import project_root as found

    here = (start or Path.cwd()).absolute()
    return os.path.abspath(found(here) or here)


def _git_top(folder: str) -> str | None:
    for place in (folder, *map(str, Path(folder).parents)):
        if os.path.lexists(os.path.join(place, ".git")):
            return place
    return None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class Selection:
    """What one folder named on the command line gives: `enter(folder)`
    says whether the walk goes into a folder, `take(file)` whether a file
    is an input. Paths are as the walk meets them (under `named`)."""

    def __init__(
        self,
        named: Path,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        gitignore: bool = True,
        root: str | None = None,
    ) -> None:
        self.named = os.path.abspath(named)
        self.root = os.path.abspath(root) if root is not None else project_root()
        # patterns see paths from the root, or from above the folder named
        self.base = self.root if _inside(self.named, self.root) else os.path.dirname(self.named)
        self.include = patterns_spec(include) if include else None
        self.exclude = patterns_spec(exclude) if exclude else None
        self.gitignore = gitignore
        self._specs: dict[str, Any] = {}
        self.top = self.named
        if gitignore:
            top = _git_top(self.named) or (self.root if _inside(self.named, self.root) else None)
            if top is not None and top != self.named:
                self.top = top
                if self._ignored(self.named, is_dir=True):
                    self.top = self.named  # named, so walked: its own .gitignore files count

    def _folder_spec(self, folder: str) -> Any:
        if folder not in self._specs:
            spec = None
            path = os.path.join(folder, GITIGNORE)
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    lines = handle.read().splitlines()
            except OSError:
                lines = []
            good = []
            for line in lines:
                try:
                    _spec([line])
                except Exception:  # git skips a line it cannot read
                    continue
                good.append(line)
            if any(line.strip() and not line.startswith("#") for line in good):
                spec = _spec(good)
            self._specs[folder] = spec
        return self._specs[folder]

    def _ignored(self, path: str, is_dir: bool) -> bool:
        """Does a .gitignore between the top and `path` ignore it? The
        deepest file with a matching line decides."""
        folder = os.path.dirname(path)
        while _inside(folder, self.top):
            spec = self._folder_spec(folder)
            if spec is not None:
                relative = Path(os.path.relpath(path, folder)).as_posix() + ("/" if is_dir else "")
                decided = spec.check_file(matchable(relative)).include
                if decided is not None:
                    return bool(decided)
            if folder == self.top:
                break
            folder = os.path.dirname(folder)
        return False

    def _relative(self, path: str, is_dir: bool = False) -> str:
        relative = Path(os.path.relpath(path, self.base)).as_posix() + ("/" if is_dir else "")
        return matchable(relative)

    def enter(self, folder: Path) -> bool:
        path = os.path.abspath(folder)
        if self.gitignore and self._ignored(path, is_dir=True):
            return False
        return not (
            self.exclude is not None and self.exclude.match_file(self._relative(path, True))
        )

    def take(self, file: Path, default: bool) -> bool:
        """`default`: whether the file has a text suffix (what is taken
        when no include pattern is given)."""
        path = os.path.abspath(file)
        if self.gitignore and self._ignored(path, is_dir=False):
            return False
        relative = self._relative(path)
        if self.exclude is not None and self.exclude.match_file(relative):
            return False
        return bool(self.include.match_file(relative)) if self.include is not None else default
