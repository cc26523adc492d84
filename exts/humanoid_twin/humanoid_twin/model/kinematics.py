"""Forward kinematics of a :class:`RobotModel` in plain numpy (no simulator needed)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ._robot import Joint, JointType, Pose, RobotModel
from .transforms import FloatArray, QuatWXYZ, axis_angle_to_quat, quat_multiply, quat_to_matrix

__all__ = ["FEET", "FlatFeet", "forward_kinematics", "joint_motion", "rest_pose"]

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


def rest_pose(model: RobotModel) -> dict[str, float]:
    """Every actuated joint at 0, moved into its limits when 0 is outside them [rad] or [m] (mimic
    joints follow their leaders): how another robot than the bundled humanoid stands by default."""
    return {j.name: min(max(0.0, j.lower), j.upper) for j in model.actuated_joints}


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


def _chain(model: RobotModel, link: str) -> tuple[Joint, ...]:
    """The joints from ``link`` up to the root (child first)."""
    chain: list[Joint] = []
    joint = model.parent_joint(link)
    while joint is not None:
        chain.append(joint)
        joint = model.parent_joint(joint.parent)
    return tuple(chain)


def _quat_in_root(chain: tuple[Joint, ...], q: Mapping[str, float]) -> QuatWXYZ:
    """``root_R_link`` as a unit quaternion along ``chain`` (:func:`_chain`) at joint positions ``q``,
    in pure Python (mimic joints are not followed: feet hang on plain joints)."""
    rot: QuatWXYZ = (1.0, 0.0, 0.0, 0.0)
    for joint in chain:
        r = joint.origin.quat
        angle = q.get(joint.name)
        if angle is not None and joint.type.is_angular:
            x, y, z = joint.axis
            s = math.sin(0.5 * angle) / math.sqrt(x * x + y * y + z * z)
            r = quat_multiply(r, (math.cos(0.5 * angle), x * s, y * s, z * s))
        rot = quat_multiply(r, rot)
    return rot


class FlatFeet:
    """The base orientation that puts a robot's ``feet`` (default :data:`FEET`; another robot names its
    sole links, e.g. a G1's ``left_ankle_roll_link``/``right_ankle_roll_link``) back to their
    orientation at the zero pose with the base upright — feet flat on a level floor when they are flat
    at the zero pose.

    With joints at ``q`` the soles may be tilted relative to the base (a squat pitches the pelvis); a
    base placed upright then stands on its toes or heels. ``FlatFeet(model)(q)`` is that base rotation
    as a unit quaternion ``(w, x, y, z)``: for each foot the rotation taking its current orientation
    back to the zero pose's, the two averaged (sign-aligned, normalised: the rotation midway between
    them, as the SVD of their summed matrices gives); upright when the robot has no such frames.
    The chains and zero-pose orientations are found once per robot, the rest is pure Python: a twin
    without odometry places its base with it at every state it hands out (≈ 0.02 ms).
    """

    def __init__(self, model: RobotModel, feet: Sequence[str] = FEET) -> None:
        self._chains = [_chain(model, f) for f in feet if model.has_link(f)]
        self._zero = [_quat_in_root(c, {}) for c in self._chains]

    @property
    def has_feet(self) -> bool:
        """The robot has the foot frames (else the base is kept upright)."""
        return bool(self._chains)

    def __call__(self, q: Mapping[str, float]) -> QuatWXYZ:
        total = [0.0, 0.0, 0.0, 0.0]
        for zero, chain in zip(self._zero, self._chains, strict=True):
            w, x, y, z = _quat_in_root(chain, q)
            fix = quat_multiply(zero, (w, -x, -y, -z))  # zero · current⁻¹
            sign = 1.0 if sum(a * b for a, b in zip(fix, total, strict=True)) >= 0.0 else -1.0
            total = [t + sign * f for t, f in zip(total, fix, strict=True)]
        n = math.sqrt(sum(t * t for t in total))
        if n < 1e-12:
            return (1.0, 0.0, 0.0, 0.0)
        return (total[0] / n, total[1] / n, total[2] / n, total[3] / n)
