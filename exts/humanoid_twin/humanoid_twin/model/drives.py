"""The one rule that turns a joint and the import options into its drive.

Both the USD writer (``PhysicsDriveAPI``) and the MuJoCo builder (actuators) call
:func:`resolve_drive`, so the asset Isaac Sim opens and the CPU twin are driven the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ._robot import Joint
from .options import ImportOptions

__all__ = ["ResolvedDrive", "joint_armature", "resolve_drive"]


@dataclass(frozen=True)
class ResolvedDrive:
    """What a joint's servo is, in the model's per-radian units."""

    target: Literal["position", "velocity"]
    """Position servo (PD) or velocity servo (D only)."""
    stiffness: float
    """[N·m/rad] or [N/m]; 0 for a velocity servo."""
    damping: float
    """[N·m·s/rad] or [N·s/m]."""
    max_force: float | None
    """[N·m] or [N]; None = unlimited."""
    kind: str
    """UsdPhysics drive type: 'force' or 'acceleration'."""


def resolve_drive(joint: Joint, options: ImportOptions) -> ResolvedDrive | None:
    """The drive of an actuated 1-DoF joint, or None (no drive: ``drive_type='none'``, a mimic
    follower, or a joint that is not revolute/continuous/prismatic).

    ``options.drive_type`` decides the kind of servo for every joint; a joint's own ``Joint.drive``
    (e.g. read back from a USD asset) only overrides the gains, force limit and drive type. The
    force limit is the drive's ``max_force`` when the joint has its own drive, else the URDF effort;
    a value ≤ 0 means unlimited (``effort="0"`` is commonly written for "not given").
    """
    if not joint.type.is_actuated_1dof or joint.mimic is not None or options.drive_type == "none":
        return None
    own = joint.drive
    stiffness = own.stiffness if own is not None else options.drive_stiffness
    damping = own.damping if own is not None else options.drive_damping
    kind = own.kind if own is not None else options.drive_kind
    if own is not None:
        max_force = own.max_force
    else:
        max_force = joint.limit.effort if joint.limit is not None else None
    if max_force is not None and (not math.isfinite(max_force) or max_force <= 0):
        max_force = None
    if options.drive_type == "velocity":
        return ResolvedDrive("velocity", 0.0, damping, max_force, kind)
    return ResolvedDrive("position", stiffness, damping, max_force, kind)


def joint_armature(joint: Joint, options: ImportOptions) -> float:
    """Reflected rotor inertia of a 1-DoF joint [kg·m²] or [kg]: its own drive's, else the options'."""
    if not joint.type.is_actuated_1dof:
        return 0.0
    return joint.drive.armature if joint.drive is not None else options.armature
