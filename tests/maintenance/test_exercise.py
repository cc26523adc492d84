"""The exercise routine: a closed-chain-consistent motion that moves every actuated joint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from humanoid_twin.maintenance import load_maintenance_config
from humanoid_twin.maintenance._exercise import exercise_targets
from humanoid_twin.robots.humanoid import FEET, JOINT_NAMES, STANDING_OPTIONS, load_humanoid

TIMES = np.arange(0.0, 4.0, 0.005)  # one period


def test_routine_repeats_every_4_s_and_commands_every_actuated_joint() -> None:
    assert set(exercise_targets(0.0)) == set(JOINT_NAMES)
    for t in (0.3, 1.7, 2.9):
        a, b = exercise_targets(t), exercise_targets(t + 4.0)
        assert all(abs(a[n] - b[n]) < 1e-9 for n in a)


def test_every_joint_moves_both_ways_fast_enough_to_be_judged() -> None:
    """Each joint's target moves faster than the stiction threshold for at least ``min_motion``
    per period (one 4 s window) in each direction, so the monitor can judge every joint."""
    det = load_maintenance_config().detection
    q = np.array([[exercise_targets(t)[n] for n in JOINT_NAMES] for t in TIMES])
    v = np.gradient(q, TIMES, axis=0)
    dt = float(TIMES[1] - TIMES[0])
    for i, name in enumerate(JOINT_NAMES):
        for direction in (1.0, -1.0):
            moving = float(np.sum(direction * v[:, i] > det.velocity_threshold)) * dt
            assert moving >= det.min_motion, (name, direction, moving)  # per period = per window


def test_planted_feet_keep_their_relative_pose() -> None:
    """The legs and the floor form a closed chain: the targets must not ask the feet to move relative
    to each other (a squeeze of a few mm makes the position servos fight and the feet slip)."""
    mujoco = pytest.importorskip("mujoco")
    from humanoid_twin.physics.mujoco import MujocoNames, build_model

    robot = load_humanoid()
    model = build_model(robot, STANDING_OPTIONS, floor=True, timestep=0.002)
    data = mujoco.MjData(model)
    names = MujocoNames.of(robot, model, STANDING_OPTIONS)
    left, right = (model.site(f).id for f in FEET)

    def relative(t: float) -> tuple[np.ndarray, np.ndarray]:
        for n, value in exercise_targets(t).items():
            data.qpos[names.qpos_adr[n]] = value
        mujoco.mj_kinematics(model, data)
        rot_r = data.site_xmat[right].reshape(3, 3)
        return rot_r.T @ (data.site_xpos[left] - data.site_xpos[right]), rot_r.T @ data.site_xmat[
            left
        ].reshape(3, 3)

    p0, r0 = relative(0.0)
    worst_mm, worst_deg = 0.0, 0.0
    for t in TIMES:
        p, r = relative(float(t))
        worst_mm = max(worst_mm, 1000.0 * float(np.linalg.norm(p - p0)))
        cos = min(1.0, (float(np.trace(r0.T @ r)) - 1.0) / 2.0)
        worst_deg = max(worst_deg, math.degrees(math.acos(cos)))
    assert worst_mm < 0.2 and worst_deg < 0.01, (worst_mm, worst_deg)
