"""Shared walking plans (planning takes seconds; each plan is made once per test session)."""

from __future__ import annotations

import math

import pytest

from humanoid_twin.control import Route, WalkParams, WalkPlan, plan_walk
from humanoid_twin.model import RobotModel
from humanoid_twin.robots import humanoid


@pytest.fixture(scope="session")
def robot() -> RobotModel:
    return humanoid.load_humanoid()


@pytest.fixture(scope="session")
def flat_plan(robot: RobotModel) -> WalkPlan:
    pytest.importorskip("placo")
    return plan_walk(robot, WalkParams(), Route().walk(10.0).stop(2.0))


@pytest.fixture(scope="session")
def turn_plan(robot: RobotModel) -> WalkPlan:
    pytest.importorskip("placo")
    return plan_walk(robot, WalkParams(), Route().walk(1.0).turn(math.pi / 2).walk(1.0).stop(2.0))


@pytest.fixture(scope="session")
def stairs_plan(robot: RobotModel) -> WalkPlan:
    pytest.importorskip("placo")
    return plan_walk(robot, WalkParams(), Route().walk(0.3).stairs(3, 0.1, 0.3).stop(2.0))
