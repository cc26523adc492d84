"""The live bridge against real rclpy publishers and subscribers in separate processes."""

from __future__ import annotations

import os
import time
import urllib.request
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.ros

from ros_helpers import Procs, bridge_config, wait_for  # noqa: E402

from humanoid_twin.robots.humanoid import JOINT_NAMES, STANDING_OPTIONS, load_humanoid  # noqa: E402
from humanoid_twin.ros.bridge import TwinBridge  # noqa: E402
from humanoid_twin.twin import DigitalTwin  # noqa: E402

NAMES = ",".join(JOINT_NAMES[:6])


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return load_humanoid()


@pytest.fixture
def bridge(model, ros_domain: int) -> Iterator[TwinBridge]:  # type: ignore[no-untyped-def]
    twin = DigitalTwin(model, options=STANDING_OPTIONS)
    # unique topic names too: other jobs on this machine may share the domain id
    tag = f"t{os.getpid()}_{ros_domain}"
    with TwinBridge(twin, bridge_config(ros_domain, tag)) as b:
        yield b


def _publish(procs: Procs, bridge: TwinBridge, *args: str) -> int:
    p = procs.start("ros_publisher.py", "--names", NAMES, "--topic", bridge.config.topics.joint_states, *args)
    procs.wait_line(p, "READY")
    done = procs.wait_line(p, "DONE", timeout=60)
    return int(done.split()[1])


@pytest.mark.parametrize(("rate", "count"), [(100, 200), (1000, 2000)])
def test_mirrors_publisher_without_loss(procs: Procs, bridge: TwinBridge, rate: int, count: int) -> None:
    sent = _publish(procs, bridge, "--rate", str(rate), "--count", str(count))
    wait_for(lambda: bridge.status().joint_states >= sent, 5.0)
    m = bridge.twin.metrics
    assert bridge.status().joint_states == sent == count
    assert m.received == sent and m.rejected_total == 0
    assert bridge.status().callback_errors == 0
    # the mirror holds the last published sample (publisher: 0.1 sin(0.01 i + k))
    import math

    state = bridge.twin.get_state()
    idx = [bridge.twin.joint_names.index(n) for n in JOINT_NAMES[:6]]
    expected = [0.1 * math.sin(0.01 * (count - 1) + k) for k in range(6)]
    assert state.q[idx] == pytest.approx(expected, abs=1e-12)


def test_bad_input_is_counted_not_fatal(procs: Procs, bridge: TwinBridge) -> None:
    sent = _publish(procs, bridge, "--rate", "200", "--count", "120", "--mode", "bad")
    wait_for(lambda: bridge.status().joint_states >= sent, 5.0)
    assert bridge.status().joint_states == sent
    m = bridge.twin.metrics
    assert m.received == sent
    rej = m.rejected
    # 120 messages: every 6th has a NaN, an unknown name, a short array, a stale stamp
    assert rej["non_finite"] == 20 and rej["unknown_name"] == 20 and rej["wrong_length"] == 20
    assert rej["out_of_order"] + rej["clock_jump"] >= 20
    assert m.accepted == sent - m.rejected_total > 0
    assert bridge.status().callback_errors == 0
    assert bridge.status().predictions_published > 0


def test_stale_within_100ms_and_recovers(procs: Procs, bridge: TwinBridge) -> None:
    events: list[tuple[bool, float]] = []
    bridge._on_stale = lambda stale: events.append((stale, time.monotonic()))
    topic = bridge.config.topics.joint_states
    p = procs.start("ros_publisher.py", "--names", NAMES, "--topic", topic, "--rate", "200", "--forever")
    procs.wait_line(p, "READY")
    assert wait_for(lambda: bridge.status().joint_states > 50 and not bridge.status().stale, 5.0)
    p.kill()
    p.wait(5)
    killed = time.monotonic()
    # the callback runs just after the status flips (and its log line): wait for the callback itself.
    # (Not "status().stale" afterwards: on a loaded machine DDS once delivered a last queued sample of
    # the killed publisher after the stale flip, 0.5 ms before the check, and the mirror recovered.)
    assert wait_for(lambda: any(s for s, _ in events), 1.0)
    stale_at = next(t for s, t in events if s)
    # stale_after = 50 ms, checked at 200 Hz; 30 ms of scheduling slack on a loaded 2-core machine
    assert stale_at - killed < 0.100 + 0.030
    assert bridge.status().stale_events >= 1
    _publish(procs, bridge, "--rate", "200", "--count", "50")
    # recovered (the burst's end makes it stale again; on a loaded machine a > 50 ms gap inside the
    # burst may add another stale/recover pair, so the counts are lower bounds)
    status = bridge.status()
    assert status.recoveries >= 1 and status.stale_events >= status.recoveries
    assert [s for s, _ in events][:3] == [False, True, False]  # first data, stale, recovered


def test_diagnostics_received_by_another_process(procs: Procs, bridge: TwinBridge) -> None:
    sub = procs.start(
        "ros_subscriber.py",
        bridge.config.topics.diagnostics,
        "diagnostic_msgs/msg/DiagnosticArray",
        "--seconds",
        "3",
    )
    procs.wait_line(sub, "READY")
    line = procs.wait_line(sub, "MSG", timeout=10)
    assert "humanoid_twin: sync" in line and "received" in line and "bridge.stale" in line
    count = int(procs.wait_line(sub, "COUNT", timeout=10).split()[1])
    assert 2 <= count <= 5  # 1 Hz over ~3 s


def test_a_port_in_use_leaves_no_empty_recording(model, ros_domain: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The metrics port is taken (another twin): the bridge refuses to start before it creates the
    recording, so the retry with another port is not refused for an existing (empty) recording."""
    import socket

    from humanoid_twin.errors import TwinError

    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    port = held.getsockname()[1]
    config = bridge_config(ros_domain, f"t{os.getpid()}_{ros_domain}").with_overrides(
        prometheus={"port": port}
    )
    recording = tmp_path / "clash.mcap"
    try:
        with pytest.raises(TwinError, match=rf"cannot serve Prometheus metrics on 127.0.0.1:{port}"):
            TwinBridge(DigitalTwin(model, options=STANDING_OPTIONS), config, record=recording).start()
    finally:
        held.close()
    assert not recording.exists()


def test_prometheus_endpoint_on_loopback(procs: Procs, bridge: TwinBridge) -> None:
    _publish(procs, bridge, "--rate", "200", "--count", "100")
    port = bridge.prometheus_port
    assert port is not None and port > 0  # port 0 in the config → a free port was picked
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    # counters as counters (_total), gauges as gauges, each with its help text
    assert "# TYPE twin_received_total counter" in body and "twin_received_total 100.0" in body
    assert "# HELP twin_received_total Joint-state messages given to the twin" in body
    assert 'twin_rejected_by_reason_total{reason="non_finite"} 0.0' in body
    assert "twin_bridge_joint_states_total 100.0" in body
    assert "# TYPE twin_staleness_s gauge" in body and "# TYPE twin_bridge_stale gauge" in body
    for field in bridge.status().__dict__:  # every bridge counter is described
        assert f"# HELP twin_bridge_{field}" in body and f"# HELP twin_bridge_{field} {field}\n" not in body
    assert bridge._prom_server.server_address[0] == "127.0.0.1"


def test_rejected_joint_states_are_named_and_nothing_is_predicted(
    procs: Procs, bridge: TwinBridge, caplog: pytest.LogCaptureFixture
) -> None:
    """A robot sending one joint the model lacks: every message is rejected; the log names the joint
    and the setting (once, not per message), and no prediction comes from a state never mirrored."""
    import logging

    caplog.set_level(logging.WARNING, logger="humanoid_twin.ros.bridge")
    topic = bridge.config.topics.joint_states
    p = procs.start("ros_publisher.py", "--names", NAMES + ",thumb_x", "--topic", topic, "--count", "100")
    procs.wait_line(p, "READY")
    procs.wait_line(p, "DONE", timeout=60)
    wait_for(lambda: bridge.status().joint_states >= 100, 5.0)
    assert bridge.twin.metrics.accepted == 0 and bridge.twin.metrics.rejected["unknown_name"] == 100
    lines = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert len(lines) == 1 and "thumb_x" in lines[0] and "ignore_unknown_joints = true" in lines[0]
    time.sleep(0.3)  # predictions run at 20 Hz
    assert bridge.status().predictions_published == 0


def test_send_command_reaches_a_subscriber(procs: Procs, bridge: TwinBridge) -> None:
    import numpy as np

    from humanoid_twin.twin import JointCommand

    sub = procs.start(
        "ros_subscriber.py",
        bridge.config.topics.joint_command,
        "sensor_msgs/msg/JointState",
        "--seconds",
        "2",
    )
    procs.wait_line(sub, "READY")
    time.sleep(0.5)
    names = tuple(JOINT_NAMES[:2])
    for _ in range(5):
        bridge.send_command(JointCommand(bridge.now(), names, position=np.array([0.25, -0.5])))
        time.sleep(0.05)
    line = procs.wait_line(sub, "MSG", timeout=10)
    assert f"name=['{names[0]}', '{names[1]}']" in line and "position=[0.25, -0.5]" in line


def test_listener_values_join_diagnostics_and_prometheus(procs: Procs, bridge: TwinBridge) -> None:
    """A listener (the live HealthMonitor's interface) sees every joint state and command, and its
    values are exported with the twin's."""
    import numpy as np

    from humanoid_twin.twin import JointCommand

    class Counter:
        def __init__(self) -> None:
            self.states = 0
            self.commands = 0

        def on_joint_state(self, js: object) -> None:
            self.states += 1

        def on_command(self, cmd: object) -> None:
            self.commands += 1

        def values(self) -> dict[str, float]:
            return {"maintenance.samples": float(self.states)}

    counter = Counter()
    bridge.add_listener(counter)
    _publish(procs, bridge, "--rate", "200", "--count", "100")
    bridge.send_command(JointCommand(bridge.now(), (JOINT_NAMES[0],), position=np.array([0.1])))
    assert counter.states == 100 and counter.commands == 1
    assert bridge.values()["maintenance.samples"] == 100.0
    port = bridge.prometheus_port
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert "twin_maintenance_samples 100.0" in body
    assert "# HELP twin_maintenance_samples maintenance.samples (see docs/maintenance.md)" in body


def test_odometry_reaches_the_twin_and_base_listeners(bridge: TwinBridge) -> None:
    """A listener with ``on_base`` (the HealthMonitor's shadow resync) gets every odometry message the
    bridge converts, after the twin."""
    pytest.importorskip("nav_msgs.msg")
    from humanoid_twin.ros import convert
    from humanoid_twin.twin import BaseState

    seen: list[BaseState] = []

    class BaseListener:
        def on_base(self, base: BaseState) -> None:
            seen.append(base)

    bridge.add_listener(BaseListener())
    sent = BaseState(stamp=12.5, position=(1.0, -2.0, 0.8), quat=(1.0, 0.0, 0.0, 0.0))
    bridge._on_odometry(convert.base_state_to_odometry(sent))
    assert len(seen) == 1
    assert seen[0].position == pytest.approx(sent.position) and seen[0].stamp == pytest.approx(12.5)


def test_servo_targets_are_noted_by_the_twin_and_reach_command_listeners(bridge: TwinBridge) -> None:
    """Targets a robot reports applying itself (``[topics] servo_targets``) count as commands."""
    import numpy as np

    from humanoid_twin.ros import convert
    from humanoid_twin.twin import JointCommand, JointState

    got: list[JointCommand] = []

    class Commands:
        def on_command(self, command: JointCommand) -> None:
            got.append(command)

    bridge.add_listener(Commands())
    names = (JOINT_NAMES[3],)
    msg = convert.joint_state_to_msg(JointState(stamp=3.0, names=names, position=np.array([0.7])))
    bridge._on_servo_targets(msg)
    assert len(got) == 1 and got[0].names == names and got[0].position is not None
    assert got[0].position[0] == pytest.approx(0.7)
    targets = bridge.twin.get_state().targets
    assert targets is not None and 0.7 in np.round(np.asarray(targets), 6)
