"""The MuJoCo backend: build a ``mujoco.MjModel`` from a :class:`~humanoid_twin.model.RobotModel`.

The model is built element by element with ``mujoco.MjSpec`` from the same
:class:`~humanoid_twin.model.ImportOptions` the USD writer uses, never by handing MuJoCo the URDF.
``mujoco`` is imported lazily by the functions here, so importing this package needs only the core;
calling them without mujoco installed raises :class:`~humanoid_twin.errors.DependencyError`.
"""

from ._backend import MujocoBackend as MujocoBackend
from ._backend import mjcf as mjcf
from ._builder import COLLISION_GROUP as COLLISION_GROUP
from ._builder import VISUAL_GROUP as VISUAL_GROUP
from ._builder import build_model as build_model
from ._builder import build_spec as build_spec
from ._names import MujocoNames as MujocoNames
from ._plan import FREE_JOINT_NAME as FREE_JOINT_NAME
from ._plan import PLACEHOLDER_INERTIA as PLACEHOLDER_INERTIA
from ._plan import PLACEHOLDER_MASS as PLACEHOLDER_MASS
from .terrain import Terrain as Terrain
from .terrain import add_terrain as add_terrain

__all__ = [
    "COLLISION_GROUP",
    "FREE_JOINT_NAME",
    "PLACEHOLDER_INERTIA",
    "PLACEHOLDER_MASS",
    "VISUAL_GROUP",
    "MujocoBackend",
    "MujocoNames",
    "Terrain",
    "add_terrain",
    "build_model",
    "build_spec",
    "mjcf",
]
