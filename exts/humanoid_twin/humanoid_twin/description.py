"""Read a robot description file (URDF, xacro or USD, chosen by its suffix) into a :class:`RobotModel`.

Kept apart from :mod:`humanoid_twin.session` so that ``humanoid-twin import`` and ``inspect`` load only
the reader they need, not the live twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import DescriptionError
from .model import RobotModel

__all__ = ["USD_SUFFIXES", "read_robot"]

USD_SUFFIXES = (".usd", ".usda", ".usdc", ".usdz")


def read_robot(path: str | Path, package_paths: Sequence[str | Path] = ()) -> RobotModel:
    """Read a URDF, xacro or USD file (chosen by its suffix) into a :class:`RobotModel`."""
    path = Path(path)
    if not path.exists():
        raise DescriptionError("file not found; check the path", file=path)
    if path.suffix.lower() in USD_SUFFIXES:
        from .usd import read_usd

        return read_usd(path)
    from .urdf import read_urdf

    return read_urdf(path, package_paths=package_paths)
