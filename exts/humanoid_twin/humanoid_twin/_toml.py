"""TOML configuration files → typed, frozen config dataclasses, with one-line errors.

Every config file of the project (twin, bridge, emulator, scenarios) is read here, so they all
report a bad key, type or value the same way: the file, the table, the key, and the valid choices.
"""

from __future__ import annotations

import math
import tomllib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError

__all__ = ["build_dataclass", "check_number", "check_tables", "read_toml"]


def check_number(
    where: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    positive: bool = False,
) -> float:
    """``value`` as a float, checked finite, ``> 0`` when ``positive``, and inside ``[low, high]``;
    else a one-line :class:`ConfigError` naming ``where`` and the value."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number, got {value!r}")
    v = float(value)
    if positive and v <= 0:
        raise ConfigError(f"{where} must be > 0, got {value!r}")
    if low is not None and v < low:
        raise ConfigError(f"{where} must be ≥ {low:g}, got {value!r}")
    if high is not None and v > high:
        raise ConfigError(f"{where} must be ≤ {high:g}, got {value!r}")
    return v


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a missing file or bad syntax is a one-line :class:`ConfigError`."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{p}: cannot read the config file ({err.strerror}); check the path") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{p}: not a text file (TOML must be UTF-8)") from err
    except tomllib.TOMLDecodeError as err:
        hint = ""
        if p.suffix.lower() in (".yaml", ".yml", ".json"):
            hint = f"; these files are TOML ({p.suffix} is not read), see the docs' examples"
        elif p.read_bytes().startswith(b"\xef\xbb\xbf"):
            hint = "; the file starts with a byte-order mark: save it as UTF-8 without BOM"
        raise ConfigError(f"{p}: not valid TOML: {err}{hint}") from err


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " | ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        return f"list of {_type_name(args[0]) if args else 'values'}s"
    return {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "none"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _coerce(value: Any, tp: Any) -> tuple[bool, Any]:
    """(ok, value) — TOML value checked against a field type (ints are accepted for floats)."""
    origin = typing.get_origin(tp)
    if origin is Literal:
        return (value in typing.get_args(tp), value)
    if origin is not None and origin is not tuple:  # Optional / union
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            ok, v = _coerce(value, arg)
            if ok:
                return True, v
        return False, value
    if origin is tuple:
        if not isinstance(value, list):
            return False, value
        item = typing.get_args(tp)[0] if typing.get_args(tp) else str
        out = []
        for v in value:
            ok, c = _coerce(v, item)
            if not ok:
                return False, value
            out.append(c)
        return True, tuple(out)
    if tp is bool:
        return isinstance(value, bool), value
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return ok, float(value) if ok else value
    if tp is str:
        return isinstance(value, str), value
    return False, value


def check_tables(data: Mapping[str, Any], valid: Sequence[str], file: str) -> None:
    """Every top-level entry of a TOML document is one of the ``valid`` tables.

    Raises:
        ConfigError: an unknown table, or a key outside any table, naming it and the valid tables.
    """
    for key, value in data.items():
        if key not in valid:
            what = "table" if isinstance(value, dict) else "key outside any table"
            raise ConfigError(f"{file}: unknown {what} {key!r}; valid tables: {', '.join(valid)}")


def wrong_value(
    file: str, where: str, key: str, value: object, expected: str, *, literal: bool = False
) -> ConfigError:
    """The one-line error for ``[where] key = value`` of the wrong type (``expected`` names the type,
    or the choices when ``literal``), the value spelled as in TOML."""
    if isinstance(value, float) and not math.isfinite(value):
        return ConfigError(f"{file}: [{where}] {key} = {value!r} must be a finite number")
    shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    problem = "is not one of" if literal else "has the wrong type; expected"
    return ConfigError(f"{file}: [{where}] {key} = {shown} {problem} {expected}")


def build_dataclass(cls: type, table: Any, where: str, file: str) -> Any:
    """Build a (frozen) config dataclass from a TOML table, checking keys and types.

    Raises:
        ConfigError: unknown key (valid keys listed), wrong type (expected type named), or a value
            the dataclass rejects, naming ``file`` and the ``[where]`` table.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [{where}] must be a table, got {table!r}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls) if f.name != "source"]
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{file}: unknown key {key!r} in [{where}]; valid keys: {', '.join(known)}")
        tp = hints[key]
        if isinstance(value, dict):  # a sub-table: the (optional) dataclass field it fills
            tp = next((a for a in (tp, *typing.get_args(tp)) if is_dataclass(a)), tp)
        if is_dataclass(tp):
            kwargs[key] = build_dataclass(tp, value, f"{where}.{key}" if where else key, file)  # type: ignore[arg-type]
            continue
        ok, coerced = _coerce(value, tp)
        if not ok:
            literal = typing.get_origin(tp) is Literal and isinstance(value, str)
            expected = _type_name(tp).replace(" | none", "").replace("none | ", "")  # TOML has no none
            raise wrong_value(file, where, key, value, expected, literal=literal)
        kwargs[key] = coerced
    try:
        return cls(**kwargs)
    except (ConfigError, ValueError, TypeError) as err:
        text = str(err).removeprefix(f"{where} ")  # "[twin] timestep …", not "[twin] twin timestep …"
        raise ConfigError(f"{file}: [{where}] {text}") from err
