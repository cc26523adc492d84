"""A periodic exercise motion for the bundled humanoid (a diagnostic routine), and a loop that runs an
emulated robot through it while feeding a :class:`HealthMonitor` (no ROS, faster than real time).

The motion keeps both feet on the floor: a squat (knee 0.6 ± 0.3 rad at 0.5 Hz, hip and ankle pitch
−knee/2), a lateral sway (hip/ankle roll ± 0.05 rad), a pelvis twist over the planted feet (hip yaw
± 0.15 rad), torso and neck turns, and arm swings. All frequencies are multiples of 0.25 Hz, so the
motion repeats every 4 s.

The legs and the floor form a closed chain, so the leg targets are kept consistent with feet that do
not move: the squat lowers the hips straight down (hip and ankle pitch −knee/2), the sway is a
parallelogram (ankle roll = −hip roll), and the twist turns the pelvis about its vertical axis, which
moves each hip over its foot by (∓``HIP_Y``·sin(twist), ``HIP_Y``·(1 − cos(twist))) towards the middle;
hip pitch and roll tilt the leg back over the foot and the ankle undoes the tilt, so the feet keep
their pose (the hips drop by < 0.2 mm, see the test).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..twin._types import JointCommand

__all__ = ["exercise_motion", "exercise_targets", "run_exercise"]

TWO_PI = 2.0 * math.pi
HIP_Y = 0.09
"""[m] lateral offset of each hip-yaw axis from the pelvis origin (bundled humanoid)."""
LEG_LENGTH = 0.72
"""[m] hip to ankle with a straight knee (thigh + shank, bundled humanoid)."""


def exercise_targets(t: float) -> dict[str, float]:
    """Position targets [rad] of the exercise motion at time ``t`` [s]."""
    k = 0.6 + 0.3 * math.sin(TWO_PI * 0.5 * t)
    sway = 0.05 * math.sin(TWO_PI * 0.25 * t)
    twist = 0.15 * math.sin(TWO_PI * 0.25 * t)  # hip yaw; the pelvis turns by −twist
    reach = LEG_LENGTH * math.cos(k / 2)  # hip above ankle
    c: dict[str, float] = {
        "torso_yaw": 0.3 * math.sin(TWO_PI * 0.25 * t),
        "neck_yaw": 0.5 * math.sin(TWO_PI * 0.25 * t),
        "neck_pitch": 0.2 * math.sin(TWO_PI * 0.5 * t),
    }
    for side, sign, phase in (("left", 1.0, 0.0), ("right", -1.0, math.pi)):
        # the foot relative to its hip once the pelvis has turned by −twist (hip yaw undoes the turn)
        dx = -sign * HIP_Y * math.sin(twist)
        dy = sign * HIP_Y * (1.0 - math.cos(twist))
        pitch = math.asin(-dx / reach)
        roll = math.asin(dy / (reach * math.cos(pitch)))
        c[f"{side}_knee"] = k
        c[f"{side}_hip_yaw"] = twist
        c[f"{side}_hip_pitch"] = -k / 2 + pitch
        c[f"{side}_ankle_pitch"] = -k / 2 - pitch
        c[f"{side}_hip_roll"] = sway + roll
        c[f"{side}_ankle_roll"] = -sway - roll
        c[f"{side}_shoulder_pitch"] = 0.4 * math.sin(TWO_PI * 0.5 * t + phase)
        c[f"{side}_shoulder_roll"] = sign * (0.25 + 0.1 * math.sin(TWO_PI * 0.25 * t))
        c[f"{side}_shoulder_yaw"] = 0.2 * math.sin(TWO_PI * 0.75 * t + phase)
        c[f"{side}_elbow"] = -0.5 + 0.3 * math.sin(TWO_PI * 1.0 * t + phase)
        c[f"{side}_wrist_yaw"] = 0.3 * math.sin(TWO_PI * 1.0 * t)
        c[f"{side}_wrist_pitch"] = 0.3 * math.sin(TWO_PI * 1.25 * t + phase)
    return c


START_DELAY = 6.0
"""[s] a robot running the routine on its own holds its first pose this long before it starts."""


def exercise_motion(delay: float = START_DELAY) -> Callable[..., tuple[tuple[str, ...], np.ndarray]]:
    """The routine as a robot's own motion (``motion(t, base) -> (names, targets)``, as the emulator
    runs its gaits; the base state is not used), after holding its first pose for ``delay`` [s].

    The hold lets a live monitor connect while the robot stands still, and its baseline start with
    the motion (a monitor started during the motion works too, see docs/maintenance.md).
    """
    names = tuple(exercise_targets(0.0))

    def motion(t: float, base: object = None) -> tuple[tuple[str, ...], np.ndarray]:
        c = exercise_targets(max(0.0, t - delay))
        return names, np.array([c[n] for n in names])

    return motion


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
