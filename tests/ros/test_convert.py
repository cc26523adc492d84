"""Round trips between ROS messages and twin values (msg → value → msg)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.ros

convert = pytest.importorskip("humanoid_twin.ros.convert")
from humanoid_twin.model.transforms import quat_to_matrix  # noqa: E402
from humanoid_twin.twin import BaseState, JointCommand, Prediction  # noqa: E402

finite = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(st.lists(finite, min_size=1, max_size=8), st.integers(0, 2**31 - 2), st.integers(0, 10**9 - 1))
def test_joint_state_round_trip(values: list[float], sec: int, nanosec: int) -> None:
    from sensor_msgs.msg import JointState as Msg

    msg = Msg()
    msg.header.stamp.sec, msg.header.stamp.nanosec = sec, nanosec
    msg.name = [f"j{i}" for i in range(len(values))]
    msg.position = values
    msg.velocity = [2 * v for v in values]
    js = convert.joint_state_from_msg(msg, received=1.5)
    assert js.names == tuple(msg.name) and js.received == 1.5 and js.effort is None
    np.testing.assert_array_equal(js.position, values)
    back = convert.joint_state_to_msg(js)
    assert back.name == msg.name
    assert list(back.position) == list(msg.position) and list(back.velocity) == list(msg.velocity)
    assert len(back.effort) == 0
    # float seconds carry ~1e-7 s at 2**31 s; the stamp comes back within a microsecond
    assert abs(convert.stamp_to_seconds(back.header.stamp) - (sec + nanosec * 1e-9)) < 1e-6


def test_stamp_round_trip_is_exact_for_ns_seconds() -> None:
    for t in (0.0, 1.5, 12.000000001, 1_700_000_000.25):
        assert convert.stamp_to_seconds(convert.seconds_to_stamp(t)) == pytest.approx(t, abs=1e-9 * max(1, t))
    with pytest.raises(convert.MessageError, match="not finite"):
        convert.seconds_to_stamp(math.nan)


def test_wrong_lengths_strict_and_lenient() -> None:
    from sensor_msgs.msg import JointState as Msg

    msg = Msg(name=["a", "b"], position=[1.0])
    with pytest.raises(convert.MessageError, match="position has 1 values for 2 names"):
        convert.joint_state_from_msg(msg)
    js = convert.joint_state_from_msg(msg, strict=False)
    assert js.position.shape == (1,)  # left for the twin to reject as wrong_length


def test_command_round_trip() -> None:
    cmd = JointCommand(3.25, ("a", "b"), position=np.array([0.1, -0.2]), effort=np.array([1.0, 2.0]))
    back = convert.joint_command_from_msg(convert.joint_command_to_msg(cmd))
    assert back.names == cmd.names and back.stamp == cmd.stamp and back.velocity is None
    np.testing.assert_array_equal(back.position, cmd.position)
    np.testing.assert_array_equal(back.effort, cmd.effort)
    with pytest.raises(convert.MessageError):
        convert.joint_command_to_msg(JointCommand(0.0, ("a", "b"), position=np.array([1.0])))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda q: np.linalg.norm(q) > 0.1),
    st.lists(finite, min_size=3, max_size=3),
)
def test_odometry_round_trip_and_twist_frame(q: list[float], v: list[float]) -> None:
    quat = tuple(float(x) for x in np.array(q) / np.linalg.norm(q))
    base = BaseState(2.0, (1.0, 2.0, 3.0), quat, tuple(v), (0.1, 0.2, 0.3))  # type: ignore[arg-type]
    odom = convert.base_state_to_odometry(base)
    # ROS order (x, y, z, w) in the message
    o = odom.pose.pose.orientation
    assert (o.x, o.y, o.z, o.w) == pytest.approx((quat[1], quat[2], quat[3], quat[0]))
    # the message twist is in the base frame
    v_base = quat_to_matrix(quat).T @ np.array(v)
    t = odom.twist.twist.linear
    assert (t.x, t.y, t.z) == pytest.approx(tuple(v_base), abs=1e-9)
    back = convert.base_state_from_odometry(odom)
    assert back.quat == pytest.approx(quat) and back.position == base.position
    assert back.linear_velocity == pytest.approx(base.linear_velocity, abs=1e-9)
    assert back.angular_velocity == base.angular_velocity


def test_prediction_messages() -> None:
    times = np.array([1.0, 1.1, 1.2])
    q = np.arange(6.0).reshape(3, 2)
    pred = Prediction(1.0, times, ("a", "b"), q, -q)
    js = convert.prediction_to_joint_state(pred)
    assert convert.stamp_to_seconds(js.header.stamp) == pytest.approx(1.2)
    assert list(js.position) == [4.0, 5.0] and list(js.velocity) == [-4.0, -5.0]
    traj = convert.prediction_to_trajectory(pred)
    assert traj.joint_names == ["a", "b"] and len(traj.points) == 3
    assert traj.points[2].time_from_start.nanosec == pytest.approx(2e8, abs=1)
    assert list(traj.points[1].positions) == [2.0, 3.0]


def test_diagnostics_from_values() -> None:
    d = convert.diagnostics_from_values(
        {"received": 3.0, "latency_s": 0.00123456789}, 5.0, level=convert.DIAGNOSTIC_WARN, message="m"
    )
    (s,) = d.status
    assert s.level == bytes([1]) and s.message == "m"
    assert {kv.key: kv.value for kv in s.values} == {"received": "3", "latency_s": "0.00123457"}
