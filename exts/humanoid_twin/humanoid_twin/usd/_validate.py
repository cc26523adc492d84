"""Stage validation with every validator registered in ``pxr.UsdValidation``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsdError
from ._pxr import stage_modules

__all__ = ["open_stage", "validate_stage"]


def open_stage(path: str | Path) -> Any:
    """Open a USD file as a ``Usd.Stage`` (payloads loaded).

    Raises:
        UsdError: the file is missing or cannot be composed.
    """
    Usd = stage_modules().Usd
    p = Path(path)
    if not p.is_file():
        raise UsdError(f"USD file {str(p)!r} does not exist")
    try:
        stage = Usd.Stage.Open(str(p), Usd.Stage.LoadAll)
    except Exception as err:  # pxr raises Tf.ErrorException
        raise UsdError(f"cannot open USD file {str(p)!r}: {err}") from err
    if stage is None:
        raise UsdError(f"cannot open USD file {str(p)!r}")
    return stage


def validate_stage(stage_or_path: Any, *, include_warnings: bool = False) -> list[str]:
    """Run every validator in ``UsdValidation.ValidationRegistry()`` on a stage.

    Args:
        stage_or_path: a ``Usd.Stage`` or a path to open.
        include_warnings: also report the validators' warnings (prefixed ``warning:``).

    Returns:
        One line per error, ``"<validator>: <message> [at <site>]"``; empty when the stage is valid.
    """
    UsdValidation = stage_modules().UsdValidation
    stage = open_stage(stage_or_path) if isinstance(stage_or_path, str | Path) else stage_or_path
    registry = UsdValidation.ValidationRegistry()
    validators = registry.GetOrLoadAllValidators()
    context = UsdValidation.ValidationContext(validators)
    out: list[str] = []
    for err in context.Validate(stage):
        kind = err.GetType()
        if kind == UsdValidation.ValidationErrorType.Error:
            prefix = ""
        elif include_warnings and kind == UsdValidation.ValidationErrorType.Warn:
            prefix = "warning: "
        else:
            continue
        validator = err.GetValidator()
        vname = validator.GetMetadata().name if validator is not None else err.GetName()
        sites = [str(s.GetPrim().GetPath()) for s in err.GetSites() if s.IsPrim()]
        where = f" [at {', '.join(sites)}]" if sites else ""
        out.append(f"{prefix}{vname}: {err.GetMessage()}{where}")
    return out
