"""USD: RobotModel ⇄ UsdPhysics asset (the one canonical asset Isaac Sim, Newton and Omniverse load).

Only this subpackage imports ``pxr`` (usd-core, or Kit's own build inside Isaac Sim); importing it
without pxr raises :class:`~humanoid_twin.errors.DependencyError`. Writing loads only pxr's layer API;
reading and validation load the stage and schema modules on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._writer import UsdAsset, write_usd

if TYPE_CHECKING:
    from ._reader import read_usd, recorded_options
    from ._validate import open_stage, validate_stage

__all__ = ["UsdAsset", "open_stage", "read_usd", "recorded_options", "validate_stage", "write_usd"]


def __getattr__(name: str) -> Any:
    if name in ("read_usd", "recorded_options"):
        from . import _reader

        return getattr(_reader, name)
    if name in ("open_stage", "validate_stage"):
        from . import _validate

        return getattr(_validate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
