"""Gait parameters, routes and support-polygon geometry (no placo or mujoco needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from humanoid_twin.control import Route, Stairs, Stop, Turn, Walk, WalkParams, foot_shape, polygon_margin
from humanoid_twin.errors import ConfigError
from humanoid_twin.model import RobotModel


def test_speed_is_step_length_over_step_period() -> None:
    p = WalkParams(step_length=0.15, single_support=0.4, double_support_ratio=0.25)
    assert p.speed == pytest.approx(0.15 / 0.5)
    fast = p.scaled(1.2)
    assert fast.speed == pytest.approx(1.2 * p.speed)
    assert fast.step_length == pytest.approx(0.18)
    assert fast.single_support == p.single_support


@pytest.mark.parametrize(
    "kwargs",
    [
        {"step_length": 0.0},
        {"step_length": math.nan},
        {"single_support": 0.05},
        {"double_support_ratio": -0.1},
        {"com_height": -1.0},
        {"stairs_slowdown": 0.5},
        {"step_height": True},
        # beyond what the humanoid's legs allow (these ran, clamped or fell, without a word)
        {"step_length": 5.0},
        {"step_height": 2.0},
        {"com_height": 3.0},
    ],
)
def test_bad_params_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        WalkParams(**kwargs)


def test_scaled_refuses_non_positive_factor_and_steps_the_legs_cannot_take() -> None:
    with pytest.raises(ConfigError, match="speed_factor"):
        WalkParams().scaled(0.0)
    with pytest.raises(ConfigError, match=r"speed factor 50 makes 7.50 m steps; .*\(factor ≤ 2.67"):
        WalkParams().scaled(50.0)


def test_route_chains_segments_in_order() -> None:
    r = Route().walk(2.0).turn(1.0).stairs(3, 0.1, 0.3).stop(1.5)
    assert r.segments == (Walk(2.0), Turn(1.0), Stairs(3, 0.1, 0.3), Stop(1.5))
    assert list(r) == list(r.segments)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Walk(-1.0),
        lambda: Turn(0.0),
        lambda: Stop(-1.0),
        lambda: Stairs(0, 0.1, 0.3),
        lambda: Stairs(2, 0.5, 0.3),
        lambda: Stairs(2, 0.1, 0.01),  # a tread shorter than the soles
        lambda: Stairs(100000000, 0.1, 0.3),
        lambda: Route(("walk",)),
    ],  # type: ignore[arg-type]
)
def test_bad_segments_are_refused(make: object) -> None:
    with pytest.raises(ConfigError):
        make()  # type: ignore[operator]


def test_polygon_margin_inside_outside() -> None:
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [np.nan, np.nan]])
    assert polygon_margin(square, np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert polygon_margin(square, np.array([0.9, 0.5])) == pytest.approx(0.1)
    assert polygon_margin(square, np.array([1.5, 0.5])) == pytest.approx(-0.5)
    assert polygon_margin(square, np.array([2.0, 2.0])) == pytest.approx(-math.sqrt(2))


def test_foot_shape_of_the_humanoid(robot: RobotModel) -> None:
    f = foot_shape(robot, "left_foot")
    # foot box 0.22 × 0.1 m centred 0.035 m ahead of the ankle; the sole frame is under the ankle
    assert (f.heel, f.toe, f.half_width) == pytest.approx((-0.075, 0.145, 0.05))
    assert foot_shape(robot, "right_foot") == f
