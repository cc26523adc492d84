"""Import options shared by every writer (USD) and backend (MuJoCo), modelled on Isaac Sim's.

Defaults are documented in docs/import_options.md and shown by ``humanoid-twin import --help``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .._toml import check_number
from ..errors import ConfigError

__all__ = ["ImportOptions"]

DriveTarget = Literal["position", "velocity", "none"]


@dataclass(frozen=True)
class ImportOptions:
    """How a :class:`~humanoid_twin.model.RobotModel` becomes a simulation asset."""

    fix_base: bool = False
    """Weld the root link to the world. Default False: a humanoid is floating-base."""
    merge_fixed_joints: bool = True
    """Merge massless, geometry-free links on fixed joints (frames such as soles and hands) into their
    parent body as plain transforms, keeping their names. A joint with ``dont_collapse="true"`` is
    never merged. Links with mass or geometry are never merged (Isaac Sim 5.1 behaviour)."""
    collision_from_visuals: bool = False
    """Links without ``<collision>`` get their visual geometry as colliders."""
    self_collision: bool = False
    """Let the robot's own links collide with each other; parent/child pairs never do, nor bodies whose
    colliders touch at the rest pose (:func:`~humanoid_twin.model.collisions.touching_links`)."""
    replace_cylinders_with_capsules: bool = False
    """Colliders only: cylinders become capsules of the same radius and total length."""
    drive_type: DriveTarget = "position"
    """'position': PD servo (stiffness, damping); 'velocity': damping only; 'none': no drives."""
    drive_stiffness: float = 1000.0
    """Position gain for joints without their own drive [N·m/rad] or [N/m]."""
    drive_damping: float = 100.0
    """Velocity gain for joints without their own drive [N·m·s/rad] or [N·s/m]."""
    drive_kind: Literal["force", "acceleration"] = "force"
    """UsdPhysics drive type."""
    armature: float = 0.0
    """Reflected rotor inertia added on every actuated joint without its own drive [kg·m²] or [kg]."""
    density: float = 1000.0
    """[kg/m³] used for links that have geometry but no ``<inertial>``."""

    def __post_init__(self) -> None:
        if self.drive_type not in ("position", "velocity", "none"):
            raise ConfigError(f"drive_type {self.drive_type!r} is not one of 'position', 'velocity', 'none'")
        if self.drive_kind not in ("force", "acceleration"):
            raise ConfigError(f"drive_kind {self.drive_kind!r} is not one of 'force', 'acceleration'")
        for name in ("drive_stiffness", "drive_damping", "armature"):
            check_number(name, getattr(self, name), low=0.0)
        check_number("density", self.density, positive=True)
