"""The emulator can walk: targets over time, and an emulated robot following them."""

from __future__ import annotations

import numpy as np
import pytest

from humanoid_twin.control import WALK_OPTIONS, Route, WalkParams, WalkPlan, plan_walk
from humanoid_twin.control.emulator_motion import EmulatorWalk, walk_targets
from humanoid_twin.errors import ConfigError
from humanoid_twin.model import RobotModel
from humanoid_twin.robots import humanoid

pytest.importorskip("placo")


@pytest.fixture(scope="module")
def lap(robot: RobotModel) -> WalkPlan:
    return plan_walk(robot, WalkParams(), Route().walk(1.0).turn(np.pi).walk(1.0).turn(np.pi))


def test_targets_ramp_then_walk_then_loop(robot: RobotModel, lap: WalkPlan) -> None:
    cfg = EmulatorWalk(start=1.0, ramp=2.0, loop=True)
    f = walk_targets(cfg, model=robot, plan=lap)
    names, q0 = f(0.0)
    assert names == lap.joint_names
    nominal = np.array([humanoid.NOMINAL_POSE.get(n, 0.0) for n in names])
    assert np.allclose(q0, nominal)
    assert np.allclose(f(3.0)[1], lap.q[0])
    assert np.allclose(f(3.0 + 1.234)[1], lap.targets_at(1.234))
    assert np.allclose(f(3.0 + lap.duration + 1.234)[1], lap.targets_at(1.234))
    once = walk_targets(EmulatorWalk(loop=False), model=robot, plan=lap)
    assert np.allclose(once(1e4)[1], lap.q[-1])


def test_bad_timing_is_refused() -> None:
    with pytest.raises(ConfigError):
        EmulatorWalk(ramp=-1.0)


@pytest.mark.slow
def test_the_emulated_robot_walks(robot: RobotModel, lap: WalkPlan) -> None:
    from humanoid_twin.emulator.config import EmulatorConfig
    from humanoid_twin.emulator.plant import EmulatedRobot

    f = walk_targets(EmulatorWalk(start=0.5, ramp=1.0), model=robot, plan=lap)
    emu = EmulatedRobot(EmulatorConfig(), robot=robot, options=WALK_OPTIONS)
    xs = []
    for k in range(int(12.0 / 0.01)):
        names, q = f(k * 0.01)
        emu.command(names, q)
        emu.advance_to((k + 1) * 0.01)
        b = emu.base_state()
        assert b is not None
        xs.append(b.position[0])
        assert b.position[2] > 0.6, f"fell at {emu.time:.2f} s"
    assert max(xs) > 0.8
