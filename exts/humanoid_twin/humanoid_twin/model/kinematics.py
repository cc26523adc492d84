"""Forward kinematics of a :class:`RobotModel` in plain numpy (no simulator needed)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ._robot import Joint, JointType, Pose, RobotModel
from .transforms import FloatArray, QuatWXYZ, axis_angle_to_quat, quat_multiply, quat_to_matrix

__all__ = ["FEET", "flat_feet_rotation", "forward_kinematics", "joint_motion"]

FEET = ("left_foot", "right_foot")
"""The sole frames (fixed, massless links) a standing robot's feet are found by (docs/conventions.md)."""


def joint_motion(joint: Joint, q: float) -> FloatArray:
    """4×4 ``joint_T_child`` for a 1-DoF joint at position ``q`` [rad] or [m]."""
    t = np.eye(4)
    if joint.type.is_angular:
        t[:3, :3] = quat_to_matrix(axis_angle_to_quat(joint.axis, q))
    elif joint.type is JointType.PRISMATIC:
        t[:3, 3] = np.asarray(joint.axis) * q
    return t


def forward_kinematics(
    model: RobotModel,
    q: Mapping[str, float] | None = None,
    base: Pose | None = None,
) -> dict[str, FloatArray]:
    """World poses ``world_T_link`` (4×4) of every link.

    Args:
        model: the robot.
        q: joint positions [rad] or [m] by joint name; missing joints are at 0. Mimic joints follow
            their leader (``multiplier · q_leader + offset``) unless given explicitly.
        base: ``world_T_root``; identity when None.
    """
    q = dict(q or {})
    for j in model.joints:
        if j.mimic is not None and j.name not in q:
            q[j.name] = j.mimic.multiplier * q.get(j.mimic.joint, 0.0) + j.mimic.offset
    out: dict[str, FloatArray] = {model.root.name: base.matrix() if base is not None else np.eye(4)}
    for j in model.walk():
        t = out[j.parent] @ j.origin.matrix()
        if j.type.is_actuated_1dof:
            t = t @ joint_motion(j, float(q.get(j.name, 0.0)))
        out[j.child] = t
    return out


def _rotation_in_root(model: RobotModel, link: str, q: Mapping[str, float]) -> FloatArray:
    """``root_R_link`` (3×3) along the chain from the root to ``link`` (pure-Python quaternions: this
    runs whenever a twin without odometry places its base; mimic joints are not followed, the feet
    hang on plain joints)."""
    rot: QuatWXYZ = (1.0, 0.0, 0.0, 0.0)
    joint = model.parent_joint(link)
    while joint is not None:
        r = joint.origin.quat
        angle = q.get(joint.name)
        if angle is not None and joint.type.is_angular:
            x, y, z = joint.axis
            n = math.sqrt(x * x + y * y + z * z)
            s = math.sin(0.5 * angle) / n
            r = quat_multiply(r, (math.cos(0.5 * angle), x * s, y * s, z * s))
        rot = quat_multiply(r, rot)
        joint = model.parent_joint(joint.parent)
    return quat_to_matrix(rot)


def flat_feet_rotation(model: RobotModel, q: Mapping[str, float] | None = None) -> FloatArray:
    """Rotation (3×3) of the base that puts the robot's :data:`FEET` back to their orientation at the
    zero pose with the base upright — feet flat on a level floor when they are flat at the zero pose.

    With joints at ``q`` the soles may be tilted relative to the base (a squat pitches the pelvis);
    a base placed upright then stands on its toes or heels. For two feet it is the rotation nearest
    to both (SVD of the summed orientation products); identity when the robot has no such frames.
    """
    feet = [f for f in FEET if model.has_link(f)]
    if not feet:
        return np.eye(3)
    q = q or {}
    m = sum(
        (_rotation_in_root(model, f, {}) @ _rotation_in_root(model, f, q).T for f in feet), np.zeros((3, 3))
    )
    u, _, vt = np.linalg.svd(m)
    rot: FloatArray = u @ vt
    return rot if np.linalg.det(rot) > 0 else np.eye(3)
