"""Configuration: `clean-docs.toml` or `[tool.clean-docs]` in pyproject.toml.

The nearest file from the current folder upwards wins (in one folder,
clean-docs.toml before pyproject.toml); flags override it; defaults fill the
rest. Keys are the Settings fields, with dashes or underscores:

    [tool.clean-docs]
    min-run-chars = 300
    allow = ["单位：亿元"]
    allow-patterns = ["表[0-9]+ .*"]

Every bad value is a ConfigError of one line naming the file (or the flag)
and the key as the user spelled it.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from pipeline.errors import CleanDocsError
from pipeline.settings import FLOAT_RANGES, INT_RANGES, SettingError, Settings

_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_LISTS = ("accept", "allow", "allow_patterns")


class ConfigError(CleanDocsError):
    """A configuration file or a flag that cannot be used, and why."""


def find(start: Path) -> tuple[dict[str, Any], Path | None]:
    """The nearest configuration from `start` upwards: (table, its file)."""
    for folder in (start, *start.parents):
        own = folder / "clean-docs.toml"
        if own.is_file():
            return _read(own), own
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _pyproject_table(project)
            if table is not None:
                return table, project
    return {}, None


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


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    """The [tool.clean-docs] table of a pyproject.toml; None when it has none."""
    tool = _read(path).get("tool")
    if not isinstance(tool, dict) or "clean-docs" not in tool:
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


def effective(
    flags: dict[str, Any],
    start: Path,
    *,
    flag_names: dict[str, str] | None = None,
) -> tuple[Settings, dict[str, str]]:
    """Settings from defaults, the configuration file and the flags given
    (None means not given), with where each value came from.

    `flag_names` spells each setting as its flag (`--min-run-chars`) in
    messages.
    """
    table, path = find(start)
    values: dict[str, Any] = {}
    origin = {name: "default" for name in _FIELDS}
    spelling = {name: name.replace("_", "-") for name in _FIELDS}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            known = ", ".join(n.replace("_", "-") for n in _FIELDS)
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {known})")
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
