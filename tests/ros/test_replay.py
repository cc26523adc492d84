"""Replay a recording into the twin: deterministic, any speed, one-line errors."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.ros

from humanoid_twin.robots.humanoid import JOINT_NAMES, NOMINAL_POSE, STANDING_OPTIONS, load_humanoid  # noqa: E402
from humanoid_twin.ros.convert import joint_command_to_msg, joint_state_to_msg  # noqa: E402
from humanoid_twin.ros.record import McapRecorder, RecordingError  # noqa: E402
from humanoid_twin.ros.replay import ReplaySource  # noqa: E402
from humanoid_twin.twin import DigitalTwin, JointCommand, JointState  # noqa: E402


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_humanoid()


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s of a 200 Hz swaying humanoid with one command, recorded with the real recorder."""
    f = tmp_path_factory.mktemp("replay") / "session.mcap"
    names = tuple(JOINT_NAMES)
    q0 = np.array([NOMINAL_POSE.get(n, 0.0) for n in names])
    with McapRecorder(f) as rec:
        rec.add_topic("/joint_states", "sensor_msgs/msg/JointState")
        rec.add_topic("/joint_command", "sensor_msgs/msg/JointState")
        for i in range(200):
            t = 100.0 + i * 0.005
            q = q0 + 0.05 * math.sin(2 * math.pi * t) * np.ones(len(names))
            rec.write_message(
                "/joint_states", joint_state_to_msg(JointState(t, names, q)), round(t * 1e9) + 300_000
            )
            if i == 100:
                cmd = JointCommand(t, names[:2], position=np.array([0.1, 0.0]))
                rec.write_message("/joint_command", joint_command_to_msg(cmd), round(t * 1e9) + 400_000)
    return f


def _replay(model, path: Path, speed: float = 0.0):  # type: ignore[no-untyped-def]
    twin = DigitalTwin(model, options=STANDING_OPTIONS)
    result = ReplaySource(path).run(twin, speed=speed, prediction_rate=20, horizon=0.1)
    return twin, result


def test_two_replays_are_identical(model, recording: Path) -> None:  # type: ignore[no-untyped-def]
    twin_a, a = _replay(model, recording)
    twin_b, b = _replay(model, recording, speed=4.0)
    assert a.joint_states == b.joint_states == 200 and a.accepted == 200 and a.commands == 1
    assert a.prediction_count == b.prediction_count >= 19
    sa, sb = twin_a.get_state(), twin_b.get_state()
    assert sa.stamp == sb.stamp and np.array_equal(sa.q, sb.q) and np.array_equal(sa.qd, sb.qd)
    assert sa.base == sb.base
    for (ta, pa), (tb, pb) in zip(a.predictions, b.predictions, strict=True):
        assert ta == tb and pa.start == pb.start
        assert np.array_equal(pa.q, pb.q) and np.array_equal(pa.qd, pb.qd)
        assert np.array_equal(pa.base_position, pb.base_position)
    # the 4× replay took about a quarter of the recording's second
    assert 0.2 <= b.wall_time < 2.0


def test_missing_topic_is_one_line_error(tmp_path: Path) -> None:
    f = tmp_path / "nothing.mcap"
    with McapRecorder(f) as rec:
        rec.add_topic("/other", "sensor_msgs/msg/JointState")
        rec.write_message("/other", joint_state_to_msg(JointState(0.0, ("a",), np.zeros(1))), 0)
    with pytest.raises(
        RecordingError,
        match=r"no messages on 'joint_states' \(topics in the recording: /other\); set \[topics\] "
        r"joint_states = '/other' in the session TOML \(--session-config\)",
    ):
        ReplaySource(f)
    empty = tmp_path / "empty.mcap"
    with McapRecorder(empty):
        pass
    with pytest.raises(RecordingError, match=r"empty.mcap: the recording holds no messages at all"):
        ReplaySource(empty)


def test_folder_that_is_no_bag_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"without metadata.yaml, so not a rosbag2 bag; give an .mcap"):
        ReplaySource(tmp_path)
    (tmp_path / "session.db3").write_bytes(b"SQLite format 3\0")
    with pytest.raises(RecordingError, match=r"\(it holds session.db3: run `ros2 bag reindex` on it"):
        ReplaySource(tmp_path)
    with pytest.raises(RecordingError, match=r"session.db3: not a readable MCAP file \(a rosbag2 sqlite3"):
        ReplaySource(tmp_path / "session.db3")


def test_header_stamps_that_repeat_are_warned_about(
    model, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    """A tool that left the header stamps at 0: the twin keeps the first state only; the replay
    says why instead of showing a twin "in sync"."""
    names = tuple(JOINT_NAMES)
    zeroed = tmp_path / "zeroed.mcap"
    with McapRecorder(zeroed) as rec:
        rec.add_topic("/joint_states", "sensor_msgs/msg/JointState")
        for i in range(50):
            msg = joint_state_to_msg(JointState(0.0, names, np.full(len(names), 0.001 * i)))
            rec.write_message("/joint_states", msg, 10**9 + i * 5_000_000)
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.ros"):
        result = ReplaySource(zeroed).run(DigitalTwin(model))
    assert result.accepted == 1
    assert "their header stamps are 0 or repeat" in caplog.text


def test_rosbag2_folder_replays_like_the_file(model, recording: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A rosbag2 folder (metadata.yaml + the same messages, written by rosbags) gives the same twin."""
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import Stores, get_typestore

    from humanoid_twin.ros.record import iter_raw_messages

    store = get_typestore(Stores.ROS2_KILTED)
    folder = tmp_path / "bag"
    with Writer(folder, version=9, storage_plugin=StoragePlugin.MCAP) as w:
        conns = {}
        for m in iter_raw_messages(recording):
            if m.topic not in conns:
                conns[m.topic] = w.add_connection(m.topic, m.msg_type, typestore=store)
            w.write(conns[m.topic], m.log_time, m.data)
    twin_a, a = _replay(model, recording)
    twin_b, b = _replay(model, folder)
    assert a.joint_states == b.joint_states and a.commands == b.commands
    assert np.array_equal(twin_a.get_state().q, twin_b.get_state().q)


def test_robot_topics_are_found_without_a_config(recording: Path, tmp_path: Path) -> None:
    """A recording of a robot walking on its own (the emulator's base_pose and joint_targets, as
    `demo --walk` records them) is replayed with its base and servo targets; a config overrides."""
    from humanoid_twin.emulator.config import Topics
    from humanoid_twin.ros.config import BridgeConfig
    from humanoid_twin.ros.convert import base_state_to_odometry
    from humanoid_twin.ros.record import iter_raw_messages
    from humanoid_twin.ros.replay import ROBOT_TOPICS
    from humanoid_twin.twin import BaseState

    assert (ROBOT_TOPICS["base_odometry"][0], ROBOT_TOPICS["servo_targets"][0]) == (
        Topics().base_pose,
        Topics().joint_targets,
    )
    f = tmp_path / "walk.mcap"
    with McapRecorder(f) as rec:
        for m in iter_raw_messages(recording):
            rec.add_topic(m.topic, m.msg_type)  # idempotent
            rec.write(m.topic, m.data, m.log_time)
        rec.add_topic("/joint_targets", "sensor_msgs/msg/JointState")
        names = tuple(JOINT_NAMES)
        targets = JointState(100.0, names, np.zeros(len(names)))
        rec.write_message("/joint_targets", joint_state_to_msg(targets), round(100.0 * 1e9))
    found = ReplaySource(f)
    assert found.targets_topic == "/joint_targets" and found.base_topic is None
    assert ReplaySource(f, BridgeConfig()).targets_topic is None
    assert ReplaySource(recording).targets_topic is None
    # the base: only as nav_msgs/Odometry
    odom = tmp_path / "odom.mcap"
    wrong = tmp_path / "wrong.mcap"
    base = BaseState(100.0, (0.0, 0.0, 0.85), (1.0, 0.0, 0.0, 0.0), (0.0,) * 3, (0.0,) * 3)
    for path, kind, msg in (
        (odom, "nav_msgs/msg/Odometry", base_state_to_odometry(base)),
        (wrong, "sensor_msgs/msg/JointState", joint_state_to_msg(targets)),
    ):
        with McapRecorder(path) as rec:
            for m in iter_raw_messages(recording):
                rec.add_topic(m.topic, m.msg_type)
                rec.write(m.topic, m.data, m.log_time)
            rec.add_topic("/base_pose", kind)
            rec.write_message("/base_pose", msg, round(100.0 * 1e9))
    assert ReplaySource(odom).base_topic == "/base_pose"
    assert ReplaySource(wrong).base_topic is None


def test_replay_of_another_robot_is_one_line_error_and_summary_has_no_wall_clock(
    recording: Path, tmp_path: Path
) -> None:
    """The CLI: a recording of the humanoid replayed into another robot is refused in one line (it
    flooded the log with a warning per command and exited 0 with nothing accepted); a summary of a
    paced replay leaves out the wall-clock metrics (latencies of minutes)."""
    import json
    import subprocess
    import sys

    urdf = tmp_path / "arm.urdf"
    urdf.write_text(
        '<robot name="arm"><link name="a"/><link name="b"><inertial><mass value="1"/>'
        '<inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial></link>'
        '<joint name="j" type="revolute"><parent link="a"/><child link="b"/><axis xyz="0 0 1"/>'
        '<limit lower="-1" upper="1" effort="1" velocity="1"/></joint></robot>'
    )
    session = tmp_path / "s.toml"
    session.write_text(f"[robot]\nurdf = '{urdf}'\n")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "humanoid_twin", "replay", str(recording), *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)

    r = cli("--config", str(session))
    said = " ".join(r.stderr.split())
    assert r.returncode == 1 and "the twin rejected all 200 joint states (unknown_name 200)" in said
    assert "joints robot 'arm' has not (left_hip_yaw, left_hip_roll, left_hip_pitch and 24 more)" in said
    assert "or set [twin] ignore_unknown_joints = true" in said and r.stderr.count("not applied") <= 1
    r = cli("--speed", "4", "--summary", str(tmp_path / "sum.json"))
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "sum.json").read_text())
    assert summary["accepted"] == 200 and not [k for k in summary if k.startswith("latency.")]
