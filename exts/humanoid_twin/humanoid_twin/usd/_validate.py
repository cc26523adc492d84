"""Stage validation with every validator registered in ``pxr.UsdValidation``."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from ..errors import UsdError
from ._pxr import stage_modules

__all__ = ["open_stage", "validate_stage"]

_log = logging.getLogger(__name__)


_TF_MESSAGE = re.compile(r"Error in '[^']*' at line \d+ in file [^:]* : '(.*?)'")

_LAYER_OF_ASSET = re.compile(r"(.+)_(base|physics|meshes)\.usd[ac]?")
"""The layers :func:`humanoid_twin.usd.write_usd` puts in ``configuration/``."""


def open_stage(path: str | Path) -> Any:
    """Open a USD file as a ``Usd.Stage`` (payloads loaded).

    Raises:
        UsdError: the file is missing or cannot be composed.
    """
    Usd = stage_modules().Usd
    p = Path(path)
    if not p.exists():
        raise UsdError(f"USD file {str(p)!r} does not exist")
    if not p.is_file():
        raise UsdError(f"{str(p)!r} is not a regular file; give a .usda, .usdc or .usd file")
    layer = _LAYER_OF_ASSET.fullmatch(p.name)
    if layer is not None and p.parent.name == "configuration":  # and its asset beside the folder?
        found = [p.parent.parent / f"{layer.group(1)}{ext}" for ext in (".usda", ".usd", ".usdc")]
        whole = next((f for f in found if f.is_file()), None)
        if whole is not None:
            raise UsdError(
                f"{str(p)!r} is one layer ({layer.group(2)}) of a layered asset, not a robot; open the "
                f"asset {str(whole)!r}"
            )
    with p.open("rb") as f:
        binary = f.read(8) == b"PXR-USDC"
    if binary and p.suffix.lower() == ".usda":
        raise UsdError(f"{str(p)!r} is a binary (crate) USD file named .usda; rename it .usdc or .usd")
    try:
        stage, said_while_opening = _open_quietly(Usd, p)
    except Exception as err:  # pxr raises Tf.ErrorException: "Error in '<function>' at … : '<message>'"
        said = _TF_MESSAGE.findall(str(err))
        first = said[0] if said else str(err).strip()
        parse = re.match(r"(.*?:\d+:\d+: parse error)", first, re.DOTALL)  # drop the grammar's internals
        if parse is not None:
            first = f"{parse.group(1)}: not valid USDA text (truncated, or edited by hand?)"
        raise UsdError(f"cannot open USD file {str(p)!r}: {first}") from err
    if stage is None:
        raise UsdError(f"cannot open USD file {str(p)!r}")
    errors = stage.GetCompositionErrors()
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise UsdError(
            f"USD file {str(p)!r} does not compose: {str(errors[0]).strip().rstrip('.')}{more}; restore the "
            "missing or broken layer (a layered asset needs its configuration/ folder), or import the "
            "robot again"
        )
    for text in said_while_opening:  # composed anyway: worth a look, not a failure
        _log.warning("%s: %s", p, text)
    return stage


def _open_quietly(Usd: Any, path: Path) -> tuple[Any, list[str]]:
    """``Usd.Stage.Open`` with Tf's warnings trapped instead of printed (they would precede, in raw
    C++ form, the one-line error :func:`open_stage` gives for the same fault): the stage and the
    warnings' texts. OpenUSD builds without ``Tf.DiagnosticTrap`` (older Kit) print them as before."""
    from pxr import Tf

    trap_type = getattr(Tf, "DiagnosticTrap", None)
    if trap_type is None:  # pragma: no cover - usd-core 26 has it
        return Usd.Stage.Open(str(path), Usd.Stage.LoadAll), []
    with trap_type() as trap:
        stage = Usd.Stage.Open(str(path), Usd.Stage.LoadAll)
        said = [str(w.commentary) for w in trap.GetWarnings()]
        trap.ClearWarnings()
    return stage, said


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
