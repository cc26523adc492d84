"""``use_sim_time``: the bridge and the twin on a real ``/clock`` published by another process.

A simulator stand-in (ros_sim_clock.py) publishes ``/clock`` from 1000 s and joint states stamped on
it; the session (`open_session`, as `humanoid-twin run` builds it, config from a TOML file) mirrors
them with its latency, metric stamps, predictions and diagnostics on sim time. The simulator then
pauses for 1 s (sim time stands still: not a clock jump), and finally resets ``/clock`` to 0: the
jump is counted by the bridge and the twin adopts the new timeline.
"""

from __future__ import annotations

import math
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.ros

from ros_helpers import Procs, wait_for  # noqa: E402

from humanoid_twin.robots.humanoid import JOINT_NAMES  # noqa: E402
from humanoid_twin.session import Session, load_session_config, open_session  # noqa: E402

START = 1000.0
"""[s] where the simulator's clock starts."""
RATE = 200
"""[Hz] of /clock and of the joint states."""


class Observer:
    """A subscriber of the bridge's predictions and diagnostics, on its own rclpy context (wall clock)."""

    def __init__(self, domain: int, predictions: str, diagnostics: str) -> None:
        import rclpy
        from diagnostic_msgs.msg import DiagnosticArray
        from rclpy.executors import SingleThreadedExecutor
        from sensor_msgs.msg import JointState

        self.topics = (predictions, diagnostics)
        self.predictions: list[float] = []
        """Header stamps [s] of the predictions received."""
        self.diagnostics: list[tuple[float, dict[str, str]]] = []
        """(header stamp [s], values) of the diagnostics received."""
        self._ctx = rclpy.Context()
        rclpy.init(context=self._ctx, domain_id=domain)
        self.node = rclpy.create_node("sim_time_observer", context=self._ctx)
        self.node.create_subscription(
            JointState, predictions, lambda m: self.predictions.append(_sec(m.header.stamp)), 10
        )
        self.node.create_subscription(DiagnosticArray, diagnostics, self._on_diag, 10)
        self._ex = SingleThreadedExecutor(context=self._ctx)
        self._ex.add_node(self.node)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _on_diag(self, msg: Any) -> None:
        values = {kv.key: kv.value for kv in msg.status[0].values}
        self.diagnostics.append((_sec(msg.header.stamp), values))

    def _spin(self) -> None:
        while not self._stop.is_set() and self._ctx.ok():
            self._ex.spin_once(timeout_sec=0.05)

    def matched(self) -> bool:
        return all(self.node.count_publishers(t) >= 1 for t in self.topics)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._ex.shutdown(timeout_sec=2)
        self._ctx.try_shutdown()


def _sec(stamp: Any) -> float:
    return float(stamp.sec) + float(stamp.nanosec) * 1e-9


@pytest.fixture
def session(tmp_path: Path, ros_domain: int) -> Iterator[Session]:
    # unique topic names too: other jobs on this machine may share the domain id
    tag = f"st{os.getpid()}_{ros_domain}"
    cfg = tmp_path / "twin.toml"
    cfg.write_text(
        f"""
[ros]
domain_id = {ros_domain}
use_sim_time = true

[topics]
joint_states = "{tag}/joint_states"
joint_command = "{tag}/joint_command"
predictions = "{tag}/predicted_joint_states"
predicted_trajectory = ""
diagnostics = "{tag}/diagnostics"

[rates]
prediction = 20.0
diagnostics = 4.0

[prometheus]
enabled = false
""",
        encoding="utf-8",
    )
    s = open_session(load_session_config(cfg))
    s.bridge.start()
    try:
        yield s
    finally:
        s.bridge.stop()


@pytest.fixture
def observer(session: Session, ros_domain: int) -> Iterator[Observer]:
    t = session.bridge.config.topics
    obs = Observer(ros_domain, t.predictions, t.diagnostics)
    try:
        yield obs
    finally:
        obs.close()


def test_sim_time_mirror_and_clock_reset(procs: Procs, session: Session, observer: Observer) -> None:
    bridge, twin = session.bridge, session.twin
    assert bridge.config.ros.use_sim_time
    assert wait_for(observer.matched, 20.0), "observer did not match the bridge's publishers"
    sim = procs.start(
        "ros_sim_clock.py",
        "--start",
        str(START),
        "--rate",
        str(RATE),
        "--names",
        ",".join(JOINT_NAMES),
        "--topic",
        bridge.config.topics.joint_states,
        "--after",
        "2.5",
        "--max-seconds",
        "40",
    )
    procs.wait_line(sim, "READY")

    # --- phase 1: sim time from 1000 s --------------------------------------------------------
    # ≥ 1.5 s of data so the 1 s latency window holds sim-time samples only, and a few diagnostics.
    assert wait_for(lambda: twin.metrics.accepted >= int(1.5 * RATE), 20.0)
    assert wait_for(lambda: any(s > START for s, _ in observer.diagnostics[-1:]), 5.0)
    now = bridge.now()
    assert START < now < START + 40, f"node clock {now} is not on /clock"
    assert START < twin.last_stamp <= now + 0.1
    m = twin.metrics_at(now)
    assert START < m.stamp < START + 40  # the twin's own clock (RosClock) reads sim time
    assert m.rejected_total == 0 and m.clock_resets == 0
    # stamp → applied latency on sim time: /clock and the joint state of a tick carry the same time
    assert abs(m.latency_stamp_p50) < 0.05, m.latency_stamp_p50
    assert abs(m.latency_stamp_max) < 1.0, m.latency_stamp_max
    assert 0 <= m.staleness < 0.5
    assert observer.predictions, "no prediction received"
    # prediction stamp = mirrored stamp + horizon, on sim time
    horizon = bridge.config.sync.prediction_horizon
    assert all(START < s < now + horizon + 0.1 for s in observer.predictions), observer.predictions[:5]
    stamp, values = observer.diagnostics[-1]
    assert START < stamp <= bridge.now()
    assert abs(float(values["latency.stamp_to_applied.p50_s"])) < 0.05, values
    assert float(values["bridge.clock_jumps"]) == 0
    assert bridge.status().clock_jumps == 0

    # --- pause: the simulation stops for 1 s (no /clock, no joint states), then goes on ------------
    # Sim time stood still while the receive clock ran on: not a clock jump (nothing rejected, no
    # reset), but the bridge sees the silence on its steady clock and recovers.
    sim.send_signal(signal.SIGUSR2)
    paused = float(procs.wait_line(sim, "PAUSED", timeout=10).split()[1])
    resumed = float(procs.wait_line(sim, "RESUMED", timeout=10).split()[1])
    assert 0 < resumed - paused < 0.05
    n_acc = twin.metrics.accepted
    assert wait_for(lambda: twin.metrics.accepted >= n_acc + RATE // 2, 10.0)
    m = twin.metrics_at(bridge.now())
    assert m.rejected_total == 0, dict(m.rejected)
    assert m.clock_resets == 0
    st = bridge.status()
    assert st.clock_jumps == 0, st
    assert st.stale_events == 1 and st.recoveries == 1, st
    assert resumed <= twin.last_stamp < resumed + 5.0
    n_pred_before = len(observer.predictions)
    n_diag_before = len(observer.diagnostics)

    # --- phase 2: /clock reset to 0 -------------------------------------------------------------
    sim.send_signal(signal.SIGUSR1)
    first = float(procs.wait_line(sim, "RESET", timeout=10).split()[1])
    assert 0.0 <= first < 1.0
    done = procs.wait_line(sim, "DONE", timeout=20).split()
    sent, last, last_i = int(done[1]), float(done[2]), int(done[3])
    assert wait_for(lambda: twin.metrics.received >= sent, 5.0)

    st = bridge.status()
    assert st.clock_jumps == 1, st  # exactly one backward jump of the ROS clock
    assert st.recoveries == 1, st  # from the pause only; the reset itself left no gap
    assert st.callback_errors == 0 and st.prediction_errors == 0, st
    assert 2.0 < bridge.now() < 10.0
    m = twin.metrics_at(bridge.now())
    assert m.received == sent
    assert m.clock_resets >= 1
    # the jumped messages were rejected (clock_jump_confirm of them) until the twin adopted the new
    # timeline; nothing else was rejected
    assert m.rejected["clock_jump"] >= twin.config.clock_jump_confirm
    assert m.rejected_total == m.rejected["clock_jump"], dict(m.rejected)
    assert m.accepted == m.received - m.rejected_total
    # the twin keeps mirroring on the new timeline
    assert twin.last_stamp == pytest.approx(last, abs=1e-6)
    assert 2.0 < twin.last_stamp < 10.0
    state = twin.get_state()
    assert state.stamp == pytest.approx(last, abs=1e-6)
    expected = [0.1 * math.sin(0.01 * last_i + k) for k in range(len(JOINT_NAMES))]
    idx = [twin.joint_names.index(n) for n in JOINT_NAMES]
    assert state.q[idx] == pytest.approx(expected, abs=1e-12)
    # latency window (1 s, steady clock) now holds post-reset samples only: small again
    assert abs(m.latency_stamp_p50) < 0.05, m.latency_stamp_p50
    assert abs(m.latency_stamp_max) < 1.0, m.latency_stamp_max
    # predictions and diagnostics continue, stamped on the new sim time
    assert wait_for(lambda: any(s < 10.0 for s, _ in observer.diagnostics[n_diag_before:][-1:]), 3.0)
    after = observer.predictions[n_pred_before:]
    assert any(0.0 < s < 10.0 for s in after), after[-5:]
    stamp, values = observer.diagnostics[-1]
    assert 0.0 < stamp < 10.0
    assert float(values["bridge.clock_jumps"]) == 1
    assert float(values["clock_resets"]) >= 1
