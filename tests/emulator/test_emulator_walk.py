"""The emulated "physical robot" walks too (issue 4 §1): the emulator's walk motion moves it."""

from __future__ import annotations

import math

import pytest

from humanoid_twin.emulator import EmulatedRobot, EmulatorConfig
from humanoid_twin.errors import ConfigError

pytest.importorskip("placo")


def test_emulated_robot_walks_upright() -> None:
    from humanoid_twin.control import WALK_OPTIONS
    from humanoid_twin.control.emulator_motion import walk_targets

    robot = EmulatedRobot(EmulatorConfig(motion="walk"), options=WALK_OPTIONS)
    motion = walk_targets(model=robot.robot, initial=dict(robot.pose))
    start = robot.base_state().position
    t = 0.0
    while t < 8.0:
        names, q = motion(robot.time)
        robot.command(names, q)
        t += 0.01
        robot.advance_to(t)
    base = robot.base_state()
    _, x, y, _ = base.quat
    tilt = math.degrees(2 * math.asin(min(1.0, math.hypot(x, y))))
    assert tilt < 20, f"tilted {tilt:.1f}°"
    assert base.position[2] > 0.6
    assert math.dist(base.position[:2], start[:2]) > 0.5  # it walked, not stood


def test_motion_is_validated() -> None:
    assert EmulatorConfig(motion="walk_straight").motion == "walk_straight"
    with pytest.raises(
        ConfigError, match="motion 'run' is not one of 'stand', 'walk', 'walk_straight', 'exercise'"
    ):
        EmulatorConfig(motion="run")  # type: ignore[arg-type]
