"""A periodic exercise motion for the bundled humanoid (a diagnostic routine), and a loop that runs an
emulated robot through it while feeding a :class:`HealthMonitor` (no ROS, faster than real time).

The motion keeps both feet on the floor: a squat (knee 0.6 ± 0.3 rad at 0.5 Hz, hip and ankle pitch
−knee/2), a lateral sway (hip/ankle roll ± 0.05 rad), torso and neck turns, and arm swings. All
frequencies are multiples of 0.25 Hz, so the motion repeats every 4 s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..twin._types import JointCommand

__all__ = ["exercise_targets", "run_exercise"]

TWO_PI = 2.0 * math.pi


def exercise_targets(t: float) -> dict[str, float]:
    """Position targets [rad] of the exercise motion at time ``t`` [s]."""
    k = 0.6 + 0.3 * math.sin(TWO_PI * 0.5 * t)
    sway = 0.05 * math.sin(TWO_PI * 0.25 * t)
    c: dict[str, float] = {
        "torso_yaw": 0.3 * math.sin(TWO_PI * 0.25 * t),
        "neck_yaw": 0.5 * math.sin(TWO_PI * 0.25 * t),
        "neck_pitch": 0.2 * math.sin(TWO_PI * 0.5 * t),
    }
    for side, sign, phase in (("left", 1.0, 0.0), ("right", -1.0, math.pi)):
        c[f"{side}_knee"] = k
        c[f"{side}_hip_pitch"] = -k / 2
        c[f"{side}_ankle_pitch"] = -k / 2
        c[f"{side}_hip_roll"] = sway
        c[f"{side}_ankle_roll"] = -sway
        c[f"{side}_shoulder_pitch"] = 0.4 * math.sin(TWO_PI * 0.5 * t + phase)
        c[f"{side}_shoulder_roll"] = sign * (0.25 + 0.1 * math.sin(TWO_PI * 0.25 * t))
        c[f"{side}_shoulder_yaw"] = 0.2 * math.sin(TWO_PI * 0.75 * t + phase)
        c[f"{side}_elbow"] = -0.5 + 0.3 * math.sin(TWO_PI * 1.0 * t + phase)
        c[f"{side}_wrist_yaw"] = 0.3 * math.sin(TWO_PI * 1.0 * t)
        c[f"{side}_wrist_pitch"] = 0.3 * math.sin(TWO_PI * 1.25 * t + phase)
    return c


def run_exercise(
    robot: Any,
    monitor: Any,
    duration: float,
    *,
    rate: float = 500.0,
    motion: Callable[[float], dict[str, float]] = exercise_targets,
    on_sample: Callable[[float], None] | None = None,
    odometry: bool = False,
) -> int:
    """Drive an :class:`~humanoid_twin.emulator.EmulatedRobot` with ``motion`` for ``duration`` [s],
    feeding each command and each ``measure()`` sample (at ``rate`` [Hz]) to ``monitor``.

    Commands go out at every sample tick and act until the next one (as in the emulator node).
    With ``odometry`` the robot's base state goes to ``monitor.on_base`` before each sample (as a
    walking robot's odometry would). Returns the number of samples fed.
    """
    period = 1.0 / rate
    steps = max(1, round(period / robot.config.timestep))
    n = round(duration * rate)
    names = tuple(motion(0.0))
    t0 = robot.time
    for k in range(n):
        t = t0 + k * period
        c = motion(t)
        q = np.array([c[x] for x in names])
        robot.command(names, q)
        monitor.on_command(JointCommand(stamp=t, names=names, position=q))
        robot.step(steps)
        if odometry:
            monitor.on_base(robot.base_state())
        monitor.on_joint_state(robot.measure())
        if on_sample is not None:
            on_sample(robot.time)
    return n
