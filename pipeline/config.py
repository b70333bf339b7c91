"""Configuration: `clean-docs.toml` or `[tool.clean-docs]` in pyproject.toml.

Configuration is looked for inside the project only. From the start folder
(the current one) upwards, the first folder holding `.git`,
`pyproject.toml` or `clean-docs.toml` is the project's root and ends the
search: its `clean-docs.toml` is used, else the `[tool.clean-docs]` table
of its `pyproject.toml`, else nothing; no folder above it is read (a
`clean-docs.toml` in a parent folder must not silence a project's gate).
A `pyproject.toml` without our table is not ours and is ignored, even
when it does not parse. `--config PATH` uses exactly that file (its
`[tool.clean-docs]` table when it is named pyproject.toml), `--no-config`
none. Flags override the file; defaults fill the rest. Keys are the
Settings fields, with dashes or underscores:

    [tool.clean-docs]
    min-run-chars = 300
    allow = ["单位：亿元"]
    allow-patterns = ["表[0-9]+ .*"]

`clean-docs.toml` holds the keys at its top level, or under a
`[tool.clean-docs]` table (the same text as in pyproject.toml), not both.
Besides the settings, a configuration may give the batch options `include`
and `exclude` (lists of gitignore patterns), `jobs` (an integer), `across`
and `gitignore` (true or false): `effective_options` reads them (they do
not shape a result, so reports do not record them).

Every bad value is a ConfigError of one line naming the file (or the flag)
and the key as the user spelled it.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

from pipeline.errors import CleanDocsError
from pipeline.settings import FLOAT_RANGES, INT_RANGES, SettingError, Settings

_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_LISTS = ("accept", "allow", "allow_patterns")
# What makes a folder a project's root.
MARKERS = (".git", "pyproject.toml", "clean-docs.toml")
_TABLE = r"""\s*(?:clean-docs|"clean-docs"|'clean-docs')\s*"""
# In a pyproject.toml that does not parse: does it try to hold our table?
_OURS = (
    re.compile(rf"^\s*\[\s*tool\s*\.{_TABLE}[\].]", re.MULTILINE),  # [tool.clean-docs]
    re.compile(rf"^\s*tool\s*\.{_TABLE}[=.]", re.MULTILINE),  # tool.clean-docs.x = 1
)
_IN_TOOL = re.compile(rf"^{_TABLE}[=.]")  # clean-docs = {...} under [tool]


class ConfigError(CleanDocsError):
    """A configuration file or a flag that cannot be used, and why."""


# The batch options a configuration may give, with their defaults (None:
# jobs as the machine's cores).
OPTIONS: dict[str, Any] = {
    "include": (),
    "exclude": (),
    "jobs": None,
    "across": False,
    "gitignore": True,
}
MAX_JOBS = 4096


def option_problem(name: str, value: Any) -> str | None:
    """What is wrong with `value` for the batch option `name` (the words
    that follow its name), or None.

    >>> option_problem("jobs", 0), option_problem("across", "yes")
    (' must be an integer from 1 to 4096, got 0', " must be true or false, got 'yes'")
    >>> option_problem("include", "*.md")
    " must be a list of strings, got '*.md'"
    """
    from pipeline.settings import _shown

    if name in ("include", "exclude"):
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return f" must be a list of strings, got {_shown(value)}"
        from pipeline.ignore import pattern_problem

        for pattern in value:
            why = pattern_problem(pattern)
            if why is not None:
                return f": {why}"
    elif name == "jobs":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_JOBS:
            return f" must be an integer from 1 to {MAX_JOBS}, got {_shown(value)}"
    elif type(value) is not bool:
        return f" must be true or false, got {_shown(value)}"
    return None


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a folder we may not look into holds nothing for us
        return False


def project_root(start: Path) -> Path | None:
    """The nearest folder from `start` upwards that holds a marker."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if any(_exists(folder / marker) for marker in MARKERS):
            return folder
    return None


def find(start: Path) -> tuple[dict[str, Any], Path | None]:
    """The project's configuration, seen from `start`: (table, its file)."""
    root = project_root(start)
    if root is None:
        return {}, None
    own = root / "clean-docs.toml"
    if _exists(own):
        return _own_table(own), own
    project = root / "pyproject.toml"
    if _exists(project):
        table = _pyproject_table(project, required=False)
        if table is not None:
            return table, project
    return {}, None


def load(path: Path) -> tuple[dict[str, Any], Path]:
    """`--config PATH`: exactly this file."""
    if path.name == "pyproject.toml":
        table = _pyproject_table(path, required=True)
        assert table is not None
        return table, path
    return _own_table(path), path


def _own_table(path: Path) -> dict[str, Any]:
    """A clean-docs.toml's keys: its top level, or its [tool.clean-docs]
    table (what a pyproject.toml holds, pasted as it is), not both."""
    document = _read(path)
    tool = document.get("tool")
    if not isinstance(tool, dict) or "clean-docs" not in tool:
        return document
    table = tool["clean-docs"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.clean-docs must be a table, got {table!r}")
    others = [f"[tool.{k}]" for k in tool if k != "clean-docs"] + [
        k for k in document if k != "tool"
    ]
    if others:
        raise ConfigError(
            f"{path}: {others[0]} is outside [tool.clean-docs]: in clean-docs.toml write "
            "every key at the top level, or every key under [tool.clean-docs]"
        )
    return table


def _read(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: cannot read the configuration: not UTF-8 "
            f"(byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None


def _mentions_table(path: Path) -> bool:
    """Does this (unparsable) pyproject.toml try to hold [tool.clean-docs]?"""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return False
    if any(p.search(text) for p in _OURS):
        return True
    header = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            header = stripped.strip("[] \t").replace(" ", "")
        elif header == "tool" and _IN_TOOL.match(stripped):
            return True
    return False


def _pyproject_table(path: Path, *, required: bool) -> dict[str, Any] | None:
    """The [tool.clean-docs] table of a pyproject.toml; None when it has
    none (an error when `required`). A file that cannot be read is only an
    error when it is ours: required, or seen to hold our table."""
    try:
        document = _read(path)
    except ConfigError:
        if required or _mentions_table(path):
            raise
        return None
    tool = document.get("tool")
    if not isinstance(tool, dict) or "clean-docs" not in tool:
        if required:
            raise ConfigError(f"{path}: has no [tool.clean-docs] table")
        return None
    table = tool["clean-docs"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.clean-docs must be a table, got {table!r}")
    return table


def _from_flag(name: str, value: Any) -> Any:
    """A flag's text as the setting's type (left as text when it is not
    one: the check that follows names it)."""
    if isinstance(value, str) and name in INT_RANGES:
        try:
            return int(value)
        except ValueError:
            return value
    if isinstance(value, str) and name in FLOAT_RANGES:
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _table(
    start: Path, config_file: Path | None, no_config: bool
) -> tuple[dict[str, Any], Path | None]:
    if no_config:
        return {}, None
    if config_file is not None:
        return load(config_file)
    return find(start)


def _unknown(path: Path | None, key: str) -> ConfigError:
    known = ", ".join([n.replace("_", "-") for n in _FIELDS] + list(OPTIONS))
    hint = ""
    if key == "tool" and path is not None and path.name != "pyproject.toml":
        hint = (
            " (in clean-docs.toml the keys go at the top level, or under [tool.clean-docs]; "
            "[tool.clean-docs] alone belongs in pyproject.toml)"
        )
    return ConfigError(f"{path}: unknown setting {key!r}{hint} (known: {known})")


def effective_options(
    flags: dict[str, Any],
    start: Path,
    *,
    config_file: Path | None = None,
    no_config: bool = False,
    flag_names: dict[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The batch options (`OPTIONS`) from defaults, the configuration file
    and the flags given (None means not given), with where each came from.
    A bad value in either is a ConfigError naming the file and key, or
    the flag (`flag_names`)."""
    table, path = _table(start, config_file, no_config)
    values = dict(OPTIONS)
    origin = dict.fromkeys(OPTIONS, "default")
    for key, value in table.items():
        if key in OPTIONS:
            why = option_problem(key, value)
            if why is not None:
                raise ConfigError(f"{path}: {key}{why}")
            values[key] = tuple(value) if isinstance(value, list) else value
            origin[key] = str(path)
    for name, value in flags.items():
        if value is None:
            continue
        why = option_problem(name, value)
        if why is not None:
            raise ConfigError((flag_names or {}).get(name, "--" + name) + why)
        values[name] = value
        origin[name] = "flag"
    return values, origin


def effective(
    flags: dict[str, Any],
    start: Path,
    *,
    config_file: Path | None = None,
    no_config: bool = False,
    flag_names: dict[str, str] | None = None,
) -> tuple[Settings, dict[str, str]]:
    """Settings from defaults, the configuration file and the flags given
    (None means not given), with where each value came from. The batch
    options a file gives are checked here too (`effective_options` reads
    them), so a bad one stops every command alike.

    `config_file` is used instead of the project's configuration,
    `no_config` uses none; `flag_names` spells each setting as its flag
    (`--min-run-chars`) in messages.
    """
    table, path = _table(start, config_file, no_config)
    values: dict[str, Any] = {}
    origin = {name: "default" for name in _FIELDS}
    spelling = {name: name.replace("_", "-") for name in _FIELDS}
    for key, value in table.items():
        if key in OPTIONS:
            why = option_problem(key, value)
            if why is not None:
                raise ConfigError(f"{path}: {key}{why}")
            continue
        name = key.replace("-", "_")
        if name not in _FIELDS:
            raise _unknown(path, key)
        if origin[name] != "default":
            raise ConfigError(f"{path}: {key} is given twice (as {spelling[name]} and {key})")
        values[name] = tuple(value) if name in _LISTS and isinstance(value, list) else value
        origin[name] = str(path)
        spelling[name] = key
    for name, value in flags.items():
        if value is not None:
            values[name] = _from_flag(name, value)
            origin[name] = "flag"
            spelling[name] = (flag_names or {}).get(name, "--" + name.replace("_", "-"))
    try:
        return Settings(**values), origin
    except SettingError as exc:
        message = exc.spelled(spelling)
        files = [origin[n] for n in exc.names if origin[n] not in ("default", "flag")]
        raise ConfigError(f"{files[0]}: {message}" if files else message) from None
