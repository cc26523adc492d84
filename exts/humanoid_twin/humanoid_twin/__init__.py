"""humanoid_twin: an open digital twin for humanoid robots.

The package is both a pip package and an NVIDIA Kit extension (``exts/humanoid_twin``). Its core
imports no runtime: ``pxr`` lives in :mod:`humanoid_twin.usd`, ``mujoco`` in
:mod:`humanoid_twin.physics.mujoco`, ``omni``/``carb``/``isaacsim`` only in :mod:`humanoid_twin.kit`.
"""

from ._version import __version__
from .errors import (
    ConfigError,
    DependencyError,
    DescriptionError,
    MeshError,
    ModelError,
    PhysicsError,
    ResolveError,
    TwinError,
    UsdError,
)
from .model import RobotModel

__all__ = [
    "ConfigError",
    "DependencyError",
    "DescriptionError",
    "MeshError",
    "ModelError",
    "PhysicsError",
    "ResolveError",
    "RobotModel",
    "TwinError",
    "UsdError",
    "__version__",
]
