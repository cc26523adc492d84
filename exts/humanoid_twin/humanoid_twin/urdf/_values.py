"""Typed readers of URDF attribute values: numbers, vectors, booleans, names.

Each reader raises :class:`~humanoid_twin.errors.DescriptionError` at the element's line, naming the
attribute, the bad value (shortened) and what is allowed. The validate and build passes share them,
so a value the validate pass accepted is read the same way by the build pass.
"""

from __future__ import annotations

import math
from typing import Literal, overload

from ._context import ReadContext, XmlElement, short

__all__ = ["Rule", "read_bool", "read_float", "read_floats", "read_name", "require_float"]

Rule = Literal["finite", ">= 0", "> 0", "!= 0"]
"""What a number must satisfy besides being finite."""

_RULE_TEXT = {
    "finite": "a finite number",
    ">= 0": "a finite number ≥ 0",
    "> 0": "a finite number > 0",
    "!= 0": "a finite non-zero number",
}


def _check(ctx: ReadContext, node: XmlElement, attr: str, raw: str, v: float, rule: Rule) -> None:
    allowed = _RULE_TEXT[rule]
    if not math.isfinite(v):
        raise ctx.error(
            f"attribute {attr!r} has the non-finite value {short(raw)}; each value must be {allowed}", node
        )
    bad = (rule == ">= 0" and v < 0) or (rule == "> 0" and v <= 0) or (rule == "!= 0" and v == 0)
    if bad:
        raise ctx.error(f"attribute {attr!r} has the value {short(raw)}; each value must be {allowed}", node)


@overload
def read_floats(
    ctx: ReadContext, node: XmlElement, attr: str, count: int, *, default: tuple[float, ...], rule: Rule = ...
) -> tuple[float, ...]: ...
@overload
def read_floats(
    ctx: ReadContext, node: XmlElement, attr: str, count: int, *, default: None = ..., rule: Rule = ...
) -> tuple[float, ...] | None: ...
def read_floats(
    ctx: ReadContext,
    node: XmlElement,
    attr: str,
    count: int,
    *,
    default: tuple[float, ...] | None = None,
    rule: Rule = "finite",
) -> tuple[float, ...] | None:
    """``count`` whitespace-separated numbers from ``node[attr]``; ``default`` when it is absent."""
    raw = node.get(attr)
    if raw is None:
        return default
    parts = raw.split()
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != count or len(parts) != count:
        what = "a number" if count == 1 else f"{count} numbers separated by spaces"
        raise ctx.error(f"attribute {attr!r} must be {what}, got {short(raw)}", node)
    for p, v in zip(parts, values, strict=True):
        _check(ctx, node, attr, raw if count == 1 else p, v, rule)
    return values


@overload
def read_float(
    ctx: ReadContext, node: XmlElement, attr: str, *, default: float, rule: Rule = ...
) -> float: ...
@overload
def read_float(
    ctx: ReadContext, node: XmlElement, attr: str, *, default: None = ..., rule: Rule = ...
) -> float | None: ...
def read_float(
    ctx: ReadContext,
    node: XmlElement,
    attr: str,
    *,
    default: float | None = None,
    rule: Rule = "finite",
) -> float | None:
    """One number from ``node[attr]``; ``default`` when it is absent."""
    values = read_floats(ctx, node, attr, 1, rule=rule)
    return default if values is None else values[0]


def require_float(ctx: ReadContext, node: XmlElement, attr: str, *, rule: Rule = "finite") -> float:
    """One number from ``node[attr]``; an error when it is absent."""
    values = read_floats(ctx, node, attr, 1, rule=rule)
    if values is None:
        raise ctx.error(f"missing required attribute {attr!r} ({_RULE_TEXT[rule]})", node)
    return values[0]


def read_bool(ctx: ReadContext, node: XmlElement, attr: str, *, default: bool) -> bool:
    """A boolean attribute written ``true``/``false`` (or ``1``/``0``)."""
    raw = node.get(attr)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0"):
        return False
    raise ctx.error(f"attribute {attr!r} must be 'true' or 'false', got {short(raw)}", node)


def read_name(ctx: ReadContext, node: XmlElement, attr: str = "name", *, what: str | None = None) -> str:
    """A required, non-empty name attribute, kept exactly as written."""
    raw = node.get(attr)
    if raw is None or not raw.strip():
        owner = what or f"<{node.tag}>"
        state = "an empty" if raw is not None else "no"
        raise ctx.error(f"{owner} has {state} {attr!r} attribute; give it a non-empty {attr!r}", node)
    return raw
