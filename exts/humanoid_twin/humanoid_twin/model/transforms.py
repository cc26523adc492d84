"""Rotations and rigid transforms, written once (see docs/conventions.md).

Conventions: quaternions are scalar-first ``(w, x, y, z)`` as in USD ``GfQuat`` and MuJoCo; ROS
messages are ``(x, y, z, w)`` and are converted only with :func:`quat_xyzw_to_wxyz` /
:func:`quat_wxyz_to_xyzw`. URDF ``rpy`` is fixed-axis roll about X, then pitch about Y, then yaw
about Z, i.e. ``R = Rz(yaw) @ Ry(pitch) @ Rx(roll)``. A transform ``a_T_b`` maps coordinates in
frame ``b`` to frame ``a``. Units: metres, radians.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Vec3 = tuple[float, float, float]
QuatWXYZ = tuple[float, float, float, float]
FloatArray = NDArray[np.float64]

IDENTITY_QUAT: QuatWXYZ = (1.0, 0.0, 0.0, 0.0)


def rpy_to_quat(rpy: Vec3) -> QuatWXYZ:
    """URDF roll-pitch-yaw [rad] to a unit quaternion ``(w, x, y, z)`` with w ≥ 0."""
    r, p, y = (0.5 * float(a) for a in rpy)
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    q = (
        cr * cp * cy + sr * sp * sy,
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
    )
    return canonical_quat(q)


def quat_to_rpy(q: QuatWXYZ) -> Vec3:
    """Unit quaternion ``(w, x, y, z)`` to URDF roll-pitch-yaw [rad]."""
    m = quat_to_matrix(q)
    pitch = math.asin(max(-1.0, min(1.0, -float(m[2, 0]))))
    if abs(m[2, 0]) < 1.0 - 1e-12:
        roll = math.atan2(float(m[2, 1]), float(m[2, 2]))
        yaw = math.atan2(float(m[1, 0]), float(m[0, 0]))
    else:  # gimbal lock: put everything into yaw
        roll = 0.0
        yaw = math.atan2(-float(m[0, 1]), float(m[1, 1]))
    return (roll, pitch, yaw)


def canonical_quat(q: tuple[float, ...] | FloatArray) -> QuatWXYZ:
    """Normalise a quaternion ``(w, x, y, z)`` and pick the sign with w ≥ 0."""
    a = np.asarray(q, dtype=np.float64)
    n = float(np.linalg.norm(a))
    if not math.isfinite(n) or n < 1e-12:
        raise ValueError(f"quaternion {tuple(a.tolist())!r} has no direction")
    a = a / n
    a[np.abs(a) < 1e-15] = 0.0
    nonzero = a[a != 0.0]
    if nonzero.size and nonzero[0] < 0:
        a = -a
    return (float(a[0]), float(a[1]), float(a[2]), float(a[3]))


def quat_to_matrix(q: QuatWXYZ | FloatArray) -> FloatArray:
    """Rotation matrix of a unit quaternion ``(w, x, y, z)``."""
    w, x, y, z = (float(v) for v in q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_to_quat(m: FloatArray) -> QuatWXYZ:
    """Unit quaternion ``(w, x, y, z)`` of a rotation matrix (Shepperd's method)."""
    r = np.asarray(m, dtype=np.float64)
    t = float(np.trace(r))
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        q = (0.25 * s, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s)
    elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
        s = math.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2]) * 2
        q = ((r[2, 1] - r[1, 2]) / s, 0.25 * s, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s)
    elif r[1, 1] > r[2, 2]:
        s = math.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2]) * 2
        q = ((r[0, 2] - r[2, 0]) / s, (r[0, 1] + r[1, 0]) / s, 0.25 * s, (r[1, 2] + r[2, 1]) / s)
    else:
        s = math.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1]) * 2
        q = ((r[1, 0] - r[0, 1]) / s, (r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, 0.25 * s)
    return canonical_quat(tuple(float(v) for v in q))


def quat_multiply(a: QuatWXYZ, b: QuatWXYZ) -> QuatWXYZ:
    """Hamilton product ``a ⊗ b`` (apply ``b`` first, then ``a``)."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return (
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    )


def axis_angle_to_quat(axis: Vec3, angle: float) -> QuatWXYZ:
    """Rotation of ``angle`` [rad] about the unit ``axis``."""
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    s = math.sin(0.5 * angle)
    return (math.cos(0.5 * angle), float(a[0] * s), float(a[1] * s), float(a[2] * s))


def quat_xyzw_to_wxyz(q: tuple[float, float, float, float]) -> QuatWXYZ:
    """ROS ``(x, y, z, w)`` to our ``(w, x, y, z)``."""
    return (q[3], q[0], q[1], q[2])


def quat_wxyz_to_xyzw(q: QuatWXYZ) -> tuple[float, float, float, float]:
    """Our ``(w, x, y, z)`` to ROS ``(x, y, z, w)``."""
    return (q[1], q[2], q[3], q[0])


def homogeneous(position: Vec3, quat: QuatWXYZ) -> FloatArray:
    """4×4 matrix ``a_T_b`` of a pose of frame ``b`` expressed in frame ``a``."""
    t = np.eye(4)
    t[:3, :3] = quat_to_matrix(quat)
    t[:3, 3] = position
    return t


def rotation_angle_between(a: QuatWXYZ, b: QuatWXYZ) -> float:
    """Smallest rotation angle [rad] that takes orientation ``a`` to ``b``."""
    d = abs(float(np.dot(np.asarray(a), np.asarray(b))))
    return 2.0 * math.acos(min(1.0, d))
