"""Rotation conventions: property tests over the one place they are written."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from humanoid_twin.model.transforms import (
    canonical_quat,
    matrix_to_quat,
    quat_multiply,
    quat_to_matrix,
    quat_to_rpy,
    quat_wxyz_to_xyzw,
    quat_xyzw_to_wxyz,
    rotation_angle_between,
    rpy_to_quat,
)

angle = st.floats(-math.pi, math.pi, allow_nan=False)
pitch = st.floats(-1.5, 1.5, allow_nan=False)


def _rx(a: float) -> np.ndarray:
    return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])


def _ry(a: float) -> np.ndarray:
    return np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])


def _rz(a: float) -> np.ndarray:
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])


@given(angle, pitch, angle)
def test_rpy_is_fixed_axis_xyz(r: float, p: float, y: float) -> None:
    expected = _rz(y) @ _ry(p) @ _rx(r)
    np.testing.assert_allclose(quat_to_matrix(rpy_to_quat((r, p, y))), expected, atol=1e-12)


@given(angle, pitch, angle)
def test_rpy_round_trip(r: float, p: float, y: float) -> None:
    q = rpy_to_quat((r, p, y))
    q2 = rpy_to_quat(quat_to_rpy(q))
    assert rotation_angle_between(q, q2) < 1e-6


@given(
    st.lists(st.floats(-1, 1, allow_nan=False), min_size=4, max_size=4).filter(
        lambda v: sum(x * x for x in v) > 1e-3
    )
)
def test_matrix_round_trip_and_canonical_sign(v: list[float]) -> None:
    q = canonical_quat(tuple(v))
    assert q[0] >= 0
    q2 = matrix_to_quat(quat_to_matrix(q))
    assert rotation_angle_between(q, q2) < 1e-6


@given(angle, pitch, angle, angle, pitch, angle)
def test_multiply_composes_matrices(a: float, b: float, c: float, d: float, e: float, f: float) -> None:
    qa, qb = rpy_to_quat((a, b, c)), rpy_to_quat((d, e, f))
    np.testing.assert_allclose(
        quat_to_matrix(quat_multiply(qa, qb)), quat_to_matrix(qa) @ quat_to_matrix(qb), atol=1e-12
    )


def test_ros_order_conversion() -> None:
    assert quat_xyzw_to_wxyz((0.1, 0.2, 0.3, 0.9)) == (0.9, 0.1, 0.2, 0.3)
    assert quat_wxyz_to_xyzw((0.9, 0.1, 0.2, 0.3)) == (0.1, 0.2, 0.3, 0.9)
