"""Configuration: `clean-docs.toml` or `[tool.clean-docs]` in pyproject.toml.

The nearest file from the current folder upwards wins (in one folder,
clean-docs.toml before pyproject.toml); flags override it; defaults fill the
rest. Keys are the Settings fields, with dashes or underscores:

    [tool.clean-docs]
    min-run-chars = 300
    allow = ["单位：亿元"]
    allow-patterns = ["表[0-9]+ .*"]
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from pipeline.errors import CleanDocsError
from pipeline.settings import Settings

_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


class ConfigError(CleanDocsError):
    """A configuration file that cannot be used, and why."""


def find(start: Path) -> tuple[dict[str, Any], Path | None]:
    """The nearest configuration from `start` upwards: (table, its file)."""
    for folder in (start, *start.parents):
        own = folder / "clean-docs.toml"
        if own.is_file():
            return _load(own), own
        project = folder / "pyproject.toml"
        if project.is_file():
            section = _load(project).get("tool", {}).get("clean-docs")
            if section is not None:
                return section, project
    return {}, None


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None


def _value(name: str, value: Any, where: str) -> Any:
    if name not in _FIELDS:
        known = ", ".join(n.replace("_", "-") for n in _FIELDS)
        raise ConfigError(f"{where}: unknown setting {name.replace('_', '-')!r} (known: {known})")
    default = _FIELDS[name].default
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {name.replace('_', '-')} must be a list of strings")
        return tuple(value)
    if type(value) is not type(default) and not (
        isinstance(default, float) and isinstance(value, int)
    ):
        raise ConfigError(
            f"{where}: {name.replace('_', '-')} must be a {type(default).__name__}, got {value!r}"
        )
    return value


def effective(flags: dict[str, Any], start: Path) -> tuple[Settings, dict[str, str]]:
    """Settings from defaults, the configuration file and the flags given
    (None means not given), with where each value came from."""
    table, path = find(start)
    values: dict[str, Any] = {}
    origin = {name: "default" for name in _FIELDS}
    for key, value in table.items():
        name = key.replace("-", "_")
        values[name] = _value(name, value, str(path))
        origin[name] = str(path)
    for name, value in flags.items():
        if value is not None:
            values[name] = value
            origin[name] = "flag"
    try:
        return Settings(**values), origin
    except ValueError as exc:
        raise ConfigError(f"{path or 'flags'}: {exc}") from None
