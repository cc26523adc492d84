"""Recording to MCAP: read back with the mcap reader (+ mcap_ros2) and rosbags; kill -9 loses ≤ ~1 s."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.ros

from ros_helpers import Procs  # noqa: E402

from humanoid_twin.ros.convert import diagnostics_from_values, joint_state_to_msg  # noqa: E402
from humanoid_twin.ros.record import McapRecorder, RecordingError, iter_raw_messages, recover_mcap  # noqa: E402
from humanoid_twin.twin import JointState  # noqa: E402


def _write(path: Path, n: int = 50) -> None:
    with McapRecorder(path) as rec:
        rec.add_topic("/joint_states", "sensor_msgs/msg/JointState")
        rec.add_topic("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray")
        for i in range(n):
            js = JointState(i * 0.01, ("a", "b"), np.array([float(i), -1.0]), np.array([0.5, 0.25]))
            rec.write_message("/joint_states", joint_state_to_msg(js), i * 10_000_000)
        rec.write_message("/diagnostics", diagnostics_from_values({"received": 50.0}, 1.0), 10**9)


def test_read_back_with_mcap_ros2_decoder(tmp_path: Path) -> None:
    from mcap.reader import make_reader
    from mcap_ros2.decoder import DecoderFactory

    f = tmp_path / "a.mcap"
    _write(f)
    with f.open("rb") as stream:
        reader = make_reader(stream, decoder_factories=[DecoderFactory()])
        summary = reader.get_summary()
        assert summary is not None and summary.statistics.message_count == 51
        assert reader.get_header().profile == "ros2"
        assert {s.encoding for s in summary.schemas.values()} == {"ros2msg"}
        decoded = list(reader.iter_decoded_messages(topics=["/joint_states"]))
    assert len(decoded) == 50
    msg = decoded[7].decoded_message
    assert list(msg.name) == ["a", "b"] and list(msg.position) == [7.0, -1.0]
    assert decoded[7].message.log_time == 70_000_000


def test_read_back_with_rosbags(tmp_path: Path) -> None:
    from rosbags.highlevel import AnyReader

    f = tmp_path / "a.mcap"
    _write(f)
    with AnyReader([f]) as reader:
        rows = [(c.topic, t, reader.deserialize(raw, c.msgtype)) for c, t, raw in reader.messages()]
    assert len(rows) == 51
    topic, t, msg = rows[3]
    assert topic == "/joint_states" and t == 30_000_000
    assert (
        msg.name == ["a", "b"]
        and msg.position.tolist() == [3.0, -1.0]
        and msg.velocity.tolist() == [0.5, 0.25]
    )
    diag = rows[-1][2]
    assert diag.status[0].values[0].key == "received"


def test_not_mcap_is_one_line_error(tmp_path: Path) -> None:
    f = tmp_path / "x.mcap"
    f.write_bytes(b"hello world, not an mcap file at all")
    with pytest.raises(
        RecordingError, match=r"not a readable MCAP file \(it does not start with MCAP's magic"
    ):
        list(iter_raw_messages(f))


def test_truncated_recording_warns_once_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file cut short (the writer was killed) is read up to the cut; read twice (a replay scans its
    topics first), it warns once, and the warning says why it ended."""
    f = tmp_path / "full.mcap"
    with McapRecorder(f) as rec:
        rec.add_topic("/joint_states", "sensor_msgs/msg/JointState")
        for i in range(2000):
            msg = joint_state_to_msg(JointState(i * 0.01, ("a",), np.zeros(1)))
            rec.write_message("/joint_states", msg, i)
            if i % 100 == 99:
                rec.flush()  # a chunk per 100 messages, as the periodic flush makes them live
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with caplog.at_level("WARNING", logger="humanoid_twin.ros.record"):
        first = list(iter_raw_messages(cut))
        second = list(iter_raw_messages(cut))
    assert 0 < len(first) == len(second) < 2000
    warnings = [r.getMessage() for r in caplog.records if "ends early" in r.getMessage()]
    assert len(warnings) == 1 and "()" not in warnings[0]


def test_a_recording_cut_anywhere_is_read_to_the_cut_or_refused_in_one_line(tmp_path: Path) -> None:
    """Cut in a record's header or in the last bytes (the footer), mcap's parser raises struct.error;
    that is a cut too, not an internal error. A few bytes alone are not an MCAP file."""
    f = tmp_path / "full.mcap"
    with McapRecorder(f) as rec:
        rec.add_topic("/joint_states", "sensor_msgs/msg/JointState")
        for i in range(300):
            rec.write_message(
                "/joint_states", joint_state_to_msg(JointState(i * 0.01, ("a",), np.zeros(1))), i
            )
            if i % 100 == 99:
                rec.flush()
    data = f.read_bytes()
    cut = tmp_path / "cut.mcap"
    read = []
    for end in [*range(len(data) - 60, len(data)), *range(8, len(data), 97)]:
        cut.write_bytes(data[:end])
        try:
            read.append(len(list(iter_raw_messages(cut))))
        except RecordingError as err:  # cut before its first channel: nothing to read
            assert "not a readable MCAP file" in str(err)
    assert read and max(read) == 300 and min(read) < 300
    for end in range(1, 8):
        cut.write_bytes(data[:end])
        with pytest.raises(RecordingError, match=r"cut.mcap: not a readable MCAP file"):
            list(iter_raw_messages(cut))


def test_kill_9_loses_at_most_about_a_second(procs: Procs, tmp_path: Path) -> None:
    out = tmp_path / "killed.mcap"
    rec = procs.start("ros_recorder.py", str(out), "--flush-period", "1.0")
    pub = procs.start("ros_publisher.py", "--rate", "200", "--forever")
    procs.wait_line(rec, "READY")
    procs.wait_line(pub, "READY")
    time.sleep(3.5)
    rec.kill()  # SIGKILL: no close, no summary, no footer
    killed_at = time.time()
    rec.wait(5)
    pub.kill()
    msgs = list(iter_raw_messages(out))
    assert len(msgs) > 200  # at 200 Hz for 3.5 s, flushed every second
    from rclpy.serialization import deserialize_message
    from sensor_msgs.msg import JointState as Msg

    last = deserialize_message(msgs[-1].data, Msg)
    last_stamp = last.header.stamp.sec + last.header.stamp.nanosec * 1e-9
    assert killed_at - last_stamp < 1.0 + 0.3  # flush period + scheduling slack
    # a complete copy reads with the strict readers too
    fixed = tmp_path / "fixed.mcap"
    assert recover_mcap(out, fixed) == len(msgs)
    from rosbags.highlevel import AnyReader

    with AnyReader([fixed]) as reader:
        assert reader.message_count == len(msgs)
