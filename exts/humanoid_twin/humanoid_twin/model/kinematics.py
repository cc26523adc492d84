"""Forward kinematics of a :class:`RobotModel` in plain numpy (no simulator needed)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._robot import Joint, JointType, Pose, RobotModel
from .transforms import FloatArray, axis_angle_to_quat, quat_to_matrix

__all__ = ["forward_kinematics", "joint_motion"]


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
