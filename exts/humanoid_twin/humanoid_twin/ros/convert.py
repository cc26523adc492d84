"""The one place where ROS 2 messages and twin values are converted.

Conventions (see ``docs/ros.md``):

* Times: a ``builtin_interfaces/Time`` is converted to float seconds with :func:`stamp_to_seconds`
  and back with :func:`seconds_to_stamp` (rounded to the nanosecond).
* Quaternions: ROS orders them ``(x, y, z, w)``, the twin ``(w, x, y, z)``; the order is changed only
  through :func:`~humanoid_twin.model.transforms.quat_xyzw_to_wxyz` and its inverse.
* ``nav_msgs/Odometry`` gives the twist in the *child* (base) frame; :class:`BaseState` keeps linear
  velocity in the world frame and angular velocity in the base frame, so the linear part is rotated
  into the world frame here.
* Joint arrays cross the boundary as ``array.array('d')`` (the fast path of the generated message
  setters) and come back as read-only float64 numpy arrays; there is no Python loop per element.
"""

from __future__ import annotations

import array
import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import DependencyError, TwinError
from ..model.transforms import (
    FloatArray,
    QuatWXYZ,
    Vec3,
    quat_to_matrix,
    quat_wxyz_to_xyzw,
    quat_xyzw_to_wxyz,
)
from ..twin._types import BaseState, JointCommand, JointState, Prediction, frozen_array

try:
    from builtin_interfaces.msg import Duration as DurationMsg
    from builtin_interfaces.msg import Time as TimeMsg
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
    from geometry_msgs.msg import PoseStamped
    from sensor_msgs.msg import JointState as JointStateMsg
    from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint
except ImportError as err:  # pragma: no cover - depends on the environment
    raise DependencyError.missing(err.name or "sensor_msgs", "ros") from err

try:
    from nav_msgs.msg import Odometry
except ImportError:  # pragma: no cover - nav_msgs is optional (PyPI wheel `ros-nav-msgs`)
    Odometry = None

__all__ = [
    "DIAGNOSTIC_ERROR",
    "DIAGNOSTIC_OK",
    "DIAGNOSTIC_STALE",
    "DIAGNOSTIC_WARN",
    "MessageError",
    "base_state_from_odometry",
    "base_state_from_pose",
    "base_state_to_odometry",
    "diagnostics_from_values",
    "joint_command_from_msg",
    "joint_command_to_msg",
    "joint_state_from_msg",
    "joint_state_to_msg",
    "prediction_to_joint_state",
    "prediction_to_trajectory",
    "seconds_to_duration",
    "seconds_to_stamp",
    "stamp_to_seconds",
]

DIAGNOSTIC_OK = 0
DIAGNOSTIC_WARN = 1
DIAGNOSTIC_ERROR = 2
DIAGNOSTIC_STALE = 3

_NS = 1_000_000_000


class MessageError(TwinError):
    """A ROS message is structurally malformed (e.g. array lengths disagree with the names)."""


# --- time ---------------------------------------------------------------------------------------


def stamp_to_seconds(stamp: TimeMsg) -> float:
    """``builtin_interfaces/Time`` → seconds [s]."""
    return float(stamp.sec + stamp.nanosec * 1e-9)


def seconds_to_stamp(seconds: float) -> TimeMsg:
    """Seconds [s] → ``builtin_interfaces/Time`` (nearest nanosecond; ``sec`` is int32)."""
    if not math.isfinite(seconds):
        raise MessageError(f"cannot convert time {seconds!r} s to a ROS stamp: it is not finite")
    sec, nanosec = divmod(round(seconds * _NS), _NS)
    if not -(2**31) <= sec < 2**31:
        raise MessageError(f"time {seconds!r} s does not fit a ROS stamp (int32 seconds)")
    return TimeMsg(sec=int(sec), nanosec=int(nanosec))


def seconds_to_duration(seconds: float) -> DurationMsg:
    """Seconds [s] → ``builtin_interfaces/Duration``."""
    t = seconds_to_stamp(seconds)
    return DurationMsg(sec=t.sec, nanosec=t.nanosec)


# --- arrays -------------------------------------------------------------------------------------


def _to_msg_array(values: FloatArray | None) -> array.array[float]:
    out = array.array("d")
    if values is not None:
        out.frombytes(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return out


def _from_msg_array(
    values: Sequence[float], n: int, field: str, what: str, strict: bool = True
) -> FloatArray | None:
    """An empty ROS array means "not reported" (None); otherwise it must have one value per name."""
    m = len(values)
    if m == 0:
        return None
    if m != n and strict:
        raise MessageError(f"{what}: {field} has {m} values for {n} names; send one per name or none")
    return frozen_array(values)


# --- joint states and commands ------------------------------------------------------------------


def joint_state_from_msg(
    msg: JointStateMsg, received: float | None = None, *, strict: bool = True
) -> JointState:
    """``sensor_msgs/JointState`` → :class:`JointState`.

    ``received`` is the local monotonic arrival time [s]. Position is required; empty velocity or
    effort arrays become None. With ``strict`` (default) a length that disagrees with ``name`` raises
    :class:`MessageError`; with ``strict=False`` the arrays are passed as they are, so that
    :meth:`DigitalTwin.update` rejects and counts them (``wrong_length``) — what the bridge does.
    Values are not checked for NaN or unknown names: the twin counts those.
    """
    names = tuple(msg.name)
    n = len(names)
    what = "sensor_msgs/JointState"
    position = _from_msg_array(msg.position, n, "position", what, strict)
    if position is None:
        if n != 0 and strict:
            raise MessageError(f"{what}: position is empty for {n} names; it is required")
        position = frozen_array(())
    return JointState(
        stamp=stamp_to_seconds(msg.header.stamp),
        names=names,
        position=position,
        velocity=_from_msg_array(msg.velocity, n, "velocity", what, strict),
        effort=_from_msg_array(msg.effort, n, "effort", what, strict),
        received=received,
    )


def joint_state_to_msg(state: JointState, frame_id: str = "") -> JointStateMsg:
    """:class:`JointState` → ``sensor_msgs/JointState`` (None arrays become empty arrays)."""
    msg = JointStateMsg()
    msg.header.stamp = seconds_to_stamp(state.stamp)
    msg.header.frame_id = frame_id
    msg.name = list(state.names)
    msg.position = _to_msg_array(state.position)
    msg.velocity = _to_msg_array(state.velocity)
    msg.effort = _to_msg_array(state.effort)
    return msg


def joint_command_from_msg(msg: JointStateMsg) -> JointCommand:
    """``sensor_msgs/JointState`` on ``joint_command`` → :class:`JointCommand`.

    As with Isaac Sim's ROS2SubscribeJointState, each of position/velocity/effort is either empty
    (not commanded) or one value per name.
    """
    names = tuple(msg.name)
    n = len(names)
    what = "joint command (sensor_msgs/JointState)"
    return JointCommand(
        stamp=stamp_to_seconds(msg.header.stamp),
        names=names,
        position=_from_msg_array(msg.position, n, "position", what),
        velocity=_from_msg_array(msg.velocity, n, "velocity", what),
        effort=_from_msg_array(msg.effort, n, "effort", what),
    )


def joint_command_to_msg(command: JointCommand) -> JointStateMsg:
    """:class:`JointCommand` → ``sensor_msgs/JointState`` (what Isaac Sim subscribes on ``joint_command``)."""
    n = len(command.names)
    for field in ("position", "velocity", "effort"):
        values = getattr(command, field)
        if values is not None and np.shape(values) != (n,):
            raise MessageError(f"JointCommand.{field} has shape {np.shape(values)} for {n} names")
    msg = JointStateMsg()
    msg.header.stamp = seconds_to_stamp(command.stamp)
    msg.name = list(command.names)
    msg.position = _to_msg_array(command.position)
    msg.velocity = _to_msg_array(command.velocity)
    msg.effort = _to_msg_array(command.effort)
    return msg


# --- predictions --------------------------------------------------------------------------------


def prediction_to_joint_state(prediction: Prediction, index: int = -1) -> JointStateMsg:
    """One sample of a :class:`Prediction` (default: the last, at the horizon) → ``sensor_msgs/JointState``.

    The header stamp is the sample's absolute time [s], i.e. a time in the future of the mirror.
    """
    if len(prediction.times) == 0:
        raise MessageError("prediction has no samples")
    msg = JointStateMsg()
    msg.header.stamp = seconds_to_stamp(float(prediction.times[index]))
    msg.name = list(prediction.joint_names)
    msg.position = _to_msg_array(prediction.q[index])
    msg.velocity = _to_msg_array(prediction.qd[index])
    return msg


def prediction_to_trajectory(prediction: Prediction) -> JointTrajectory:
    """A whole :class:`Prediction` → ``trajectory_msgs/JointTrajectory``.

    ``header.stamp`` is ``prediction.start``; each point's ``time_from_start`` is relative to it.
    """
    msg = JointTrajectory()
    msg.header.stamp = seconds_to_stamp(prediction.start)
    msg.joint_names = list(prediction.joint_names)
    points = []
    for t, q, qd in zip(prediction.times, prediction.q, prediction.qd, strict=True):
        point = JointTrajectoryPoint()
        point.positions = _to_msg_array(q)
        point.velocities = _to_msg_array(qd)
        point.time_from_start = seconds_to_duration(float(t) - prediction.start)
        points.append(point)
    msg.points = points
    return msg


# --- floating base ------------------------------------------------------------------------------


def _quat_from_msg(o: object) -> QuatWXYZ:
    xyzw = (float(o.x), float(o.y), float(o.z), float(o.w))  # type: ignore[attr-defined]
    return quat_xyzw_to_wxyz(xyzw)


def _vec(v: object) -> Vec3:
    return (float(v.x), float(v.y), float(v.z))  # type: ignore[attr-defined]


def base_state_from_odometry(msg: object) -> BaseState:
    """``nav_msgs/Odometry`` → :class:`BaseState`.

    The pose is ``world_T_base`` (``header.frame_id`` → ``child_frame_id``). The message's twist is
    in the child (base) frame; the linear part is rotated into the world frame [m/s], the angular
    part stays in the base frame [rad/s].
    """
    pose = msg.pose.pose  # type: ignore[attr-defined]
    twist = msg.twist.twist  # type: ignore[attr-defined]
    quat = _quat_from_msg(pose.orientation)
    v_base = np.array(_vec(twist.linear))
    v_world = quat_to_matrix(quat) @ v_base
    return BaseState(
        stamp=stamp_to_seconds(msg.header.stamp),  # type: ignore[attr-defined]
        position=_vec(pose.position),
        quat=quat,
        linear_velocity=(float(v_world[0]), float(v_world[1]), float(v_world[2])),
        angular_velocity=_vec(twist.angular),
    )


def base_state_to_odometry(base: BaseState, frame_id: str = "world", child_frame_id: str = "base") -> object:
    """:class:`BaseState` → ``nav_msgs/Odometry`` (inverse of :func:`base_state_from_odometry`)."""
    if Odometry is None:
        raise DependencyError.missing("nav_msgs", "ros")
    msg = Odometry()
    msg.header.stamp = seconds_to_stamp(base.stamp)
    msg.header.frame_id = frame_id
    msg.child_frame_id = child_frame_id
    p = msg.pose.pose
    p.position.x, p.position.y, p.position.z = (float(v) for v in base.position)
    x, y, z, w = quat_wxyz_to_xyzw(base.quat)
    p.orientation.x, p.orientation.y, p.orientation.z, p.orientation.w = x, y, z, w
    v_base = quat_to_matrix(base.quat).T @ np.array(base.linear_velocity, dtype=np.float64)
    t = msg.twist.twist
    t.linear.x, t.linear.y, t.linear.z = (float(v) for v in v_base)
    t.angular.x, t.angular.y, t.angular.z = (float(v) for v in base.angular_velocity)
    return msg


def base_state_from_pose(msg: PoseStamped) -> BaseState:
    """``geometry_msgs/PoseStamped`` (``world_T_base``) → :class:`BaseState` with zero velocities."""
    return BaseState(
        stamp=stamp_to_seconds(msg.header.stamp),
        position=_vec(msg.pose.position),
        quat=_quat_from_msg(msg.pose.orientation),
    )


# --- diagnostics --------------------------------------------------------------------------------


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def diagnostics_from_values(
    values: Mapping[str, object],
    stamp: float,
    *,
    name: str = "humanoid_twin: sync",
    hardware_id: str = "",
    level: int = DIAGNOSTIC_OK,
    message: str = "",
) -> DiagnosticArray:
    """A flat ``{key: value}`` mapping (``TwinMetrics.as_dict()``) → ``diagnostic_msgs/DiagnosticArray``.

    One ``DiagnosticStatus`` named ``name`` carries every entry as a ``KeyValue`` (floats with 6
    significant digits). ``level`` is one of ``DIAGNOSTIC_OK/WARN/ERROR/STALE``.
    """
    status = DiagnosticStatus()
    status.level = bytes([level])
    status.name = name
    status.message = message
    status.hardware_id = hardware_id
    status.values = [KeyValue(key=str(k), value=_format_value(v)) for k, v in values.items()]
    out = DiagnosticArray()
    out.header.stamp = seconds_to_stamp(stamp)
    out.status = [status]
    return out
