"""Small immutable values the twin exchanges with its sources, backends and users.

Times are seconds (float) on the twin's clock (ROS time: wall or ``/clock`` under ``use_sim_time``).
Joint vectors are numpy arrays made read-only, ordered by ``names``. Base velocities follow MuJoCo's
free-joint convention: linear velocity in the world frame, angular velocity in the base frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.transforms import FloatArray, QuatWXYZ, Vec3

__all__ = ["BaseState", "JointCommand", "JointState", "Prediction", "RobotState", "frozen_array"]


def frozen_array(values: object, n: int | None = None, what: str = "array") -> FloatArray:
    """A read-only float64 copy of ``values`` (1-D, length ``n`` when given)."""
    a = np.array(values, dtype=np.float64, copy=True)
    if n is not None and a.shape != (n,):
        raise ValueError(f"{what} has shape {a.shape}, expected ({n},)")
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class JointState:
    """Measured joint state, as ``sensor_msgs/JointState`` carries it."""

    stamp: float
    """Measurement time [s] (the message header stamp)."""
    names: tuple[str, ...]
    position: FloatArray
    """[rad] or [m], one per name."""
    velocity: FloatArray | None = None
    """[rad/s] or [m/s]; None when not reported."""
    effort: FloatArray | None = None
    """[N·m] or [N]; None when not reported."""
    received: float | None = field(default=None, compare=False)
    """Local monotonic-clock time the message arrived [s], for latency metrics."""


@dataclass(frozen=True)
class BaseState:
    """Floating-base state of the root link in the world frame."""

    stamp: float
    """[s]"""
    position: Vec3
    """``world_T_base`` translation [m]."""
    quat: QuatWXYZ
    """``world_T_base`` rotation ``(w, x, y, z)``."""
    linear_velocity: Vec3 = (0.0, 0.0, 0.0)
    """[m/s] in the world frame."""
    angular_velocity: Vec3 = (0.0, 0.0, 0.0)
    """[rad/s] in the base frame."""


@dataclass(frozen=True)
class JointCommand:
    """Command for the robot's joints, as ``sensor_msgs/JointState`` on ``joint_command`` carries it."""

    stamp: float
    """[s]"""
    names: tuple[str, ...]
    position: FloatArray | None = None
    """Position targets [rad] or [m]."""
    velocity: FloatArray | None = None
    """Velocity targets [rad/s] or [m/s]."""
    effort: FloatArray | None = None
    """Feed-forward effort [N·m] or [N]."""


@dataclass(frozen=True)
class RobotState:
    """The twin's full state at one time."""

    stamp: float
    """[s]"""
    joint_names: tuple[str, ...]
    q: FloatArray
    """Joint positions [rad] or [m], ordered by ``joint_names``."""
    qd: FloatArray
    """Joint velocities [rad/s] or [m/s]."""
    base: BaseState | None = None
    """None for a fixed-base robot."""
    targets: FloatArray | None = None
    """Drive targets held at this time, ordered by ``joint_names`` (position targets [rad] or [m] for
    position drives, velocity targets for velocity drives); None: the drives hold ``q``."""


@dataclass(frozen=True)
class Prediction:
    """A rollout of the twin from a forked state under a command."""

    start: float
    """Stamp of the state the prediction was forked from [s]."""
    times: FloatArray
    """(T,) absolute times of the samples [s]."""
    joint_names: tuple[str, ...]
    q: FloatArray
    """(T, n) joint positions."""
    qd: FloatArray
    """(T, n) joint velocities."""
    base_position: FloatArray | None = None
    """(T, 3) base positions [m] (floating base only)."""
    base_quat: FloatArray | None = None
    """(T, 4) base orientations ``(w, x, y, z)`` (floating base only)."""
