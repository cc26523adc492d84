"""The emulator process over real ROS 2: rate, joint names, commands, /clock, clean shutdown.

The emulator runs as ``python -m humanoid_twin.emulator`` in its own process; this process listens
and commands through rclpy. Each test has its own ROS domain and waits for discovery (matching)
before asserting; every wait is bounded.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from humanoid_twin.emulator import Truth
from humanoid_twin.robots.humanoid import JOINT_NAMES, NOMINAL_POSE

pytestmark = pytest.mark.ros

rclpy = pytest.importorskip("rclpy")
from rosgraph_msgs.msg import Clock  # noqa: E402
from sensor_msgs.msg import JointState  # noqa: E402

DISCOVERY_TIMEOUT = 20.0  # [s]


@pytest.fixture
def domain_id(request: pytest.FixtureRequest) -> int:
    """A ROS domain per test (1–101), from the test id and the xdist worker, so runs do not cross."""
    key = request.node.nodeid + os.environ.get("PYTEST_XDIST_WORKER", "")
    return 1 + int(hashlib.sha256(key.encode()).hexdigest(), 16) % 101


@pytest.fixture
def ros_env(domain_id: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("ROS_DOMAIN_ID", str(domain_id))
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    return dict(os.environ)


class Listener:
    """A node in this process: subscribes joint_states (and /clock), publishes joint_command."""

    def __init__(self, domain_id: int) -> None:
        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=domain_id)
        self.node = rclpy.create_node("emulator_test", context=self.context)
        self.executor = rclpy.executors.SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.states: list[tuple[float, Any]] = []  # (monotonic receive time, message)
        self.clocks: list[tuple[float, float]] = []
        self.sub = self.node.create_subscription(
            JointState, "joint_states", lambda m: self.states.append((time.monotonic(), m)), 1000
        )
        self.clock_sub = self.node.create_subscription(
            Clock, "/clock", lambda m: self.clocks.append((time.monotonic(), _sec(m.clock))), 1000
        )
        self.cmd = self.node.create_publisher(JointState, "joint_command", 10)

    def spin_until(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            self.executor.spin_once(timeout_sec=0.02)

    def spin_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.executor.spin_once(timeout_sec=0.01)

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        self.context.try_shutdown()


def _sec(stamp: Any) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


@pytest.fixture
def listener(domain_id: int, ros_env: dict[str, str]) -> Iterator[Listener]:
    node = Listener(domain_id)
    yield node
    node.close()


@pytest.fixture
def start_emulator(tmp_path: Path, ros_env: dict[str, str]) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(toml: str, *args: str) -> subprocess.Popen[str]:
        config = tmp_path / "emu.toml"
        config.write_text(toml, encoding="utf-8")
        p = subprocess.Popen(
            [sys.executable, "-m", "humanoid_twin.emulator", "--config", str(config), *args],
            env=ros_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


def _stop(p: subprocess.Popen[str]) -> tuple[int, str]:
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=15)
    return p.returncode, err


def test_publishes_joint_states_at_the_rate_and_obeys_commands(
    listener: Listener, start_emulator: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    proc = start_emulator('rate = 250.0\ntruth_file = "truth.json"\n[noise]\nposition = 0.0001\n')
    listener.spin_until(lambda: len(listener.states) > 0, DISCOVERY_TIMEOUT, "the first joint_states")
    listener.spin_until(
        lambda: listener.cmd.get_subscription_count() > 0, DISCOVERY_TIMEOUT, "command matching"
    )
    assert Truth.read(tmp_path / "truth.json").joints.keys() == set(JOINT_NAMES)

    listener.states.clear()
    listener.spin_for(2.0)
    received = [t for t, _ in listener.states]
    assert len(received) > 0.7 * 2.0 * 250  # the listener, busy on a loaded machine, got most of them
    stamps = np.array([_sec(m.header.stamp) for _, m in listener.states])
    assert np.all(np.diff(stamps) > 0)
    # the rate the robot publishes at is its stamps' spacing (receive times measure this test's process:
    # 215 Hz once in a loaded CI run)
    assert np.median(np.diff(stamps)) == pytest.approx(1 / 250.0, rel=0.01)
    assert abs(stamps[-1] - time.time()) < 1.0  # wall clock stamps
    ticks = Truth.read(tmp_path / "truth.json").emulator_time(stamps) * 250.0  # emulator time 0 = tick 0
    assert np.abs(ticks - np.round(ticks)).max() < 1e-3 and ticks[0] > 0
    last = listener.states[-1][1]
    assert tuple(last.name) == JOINT_NAMES
    assert len(last.position) == len(last.velocity) == len(last.effort) == 27
    elbow = JOINT_NAMES.index("left_elbow")
    assert last.position[elbow] == pytest.approx(NOMINAL_POSE["left_elbow"], abs=0.02)

    cmd = JointState(name=["left_elbow"], position=[-1.2])
    cmd.header.stamp = listener.node.get_clock().now().to_msg()
    listener.cmd.publish(cmd)

    def moved() -> bool:
        return abs(listener.states[-1][1].position[elbow] + 1.2) < 0.03

    listener.spin_until(moved, 5.0, "left_elbow to reach the commanded -1.2 rad")
    right = JOINT_NAMES.index("right_elbow")
    assert listener.states[-1][1].position[right] == pytest.approx(NOMINAL_POSE["right_elbow"], abs=0.02)

    listener.cmd.publish(JointState(name=["left_elbow", "no_such_joint"], position=[-1.0, 0.0]))
    listener.spin_for(0.3)
    code, err = _stop(proc)
    assert code == 0, err
    assert "2 commands, 1 rejected" in err


def test_sim_clock_runs_faster_than_real_time_and_drops_messages(
    listener: Listener, start_emulator: Callable[..., subprocess.Popen[str]]
) -> None:
    proc = start_emulator(
        'rate = 200.0\nclock = "sim"\n[latency]\nmean = 0.003\njitter = 0.001\ndrop = 0.2\n', "--speed", "3"
    )
    listener.spin_until(lambda: len(listener.states) > 0, DISCOVERY_TIMEOUT, "the first joint_states")
    listener.states.clear()
    listener.clocks.clear()
    listener.spin_for(2.0)
    walls = np.array([w for w, _ in listener.clocks])
    sims = np.array([s for _, s in listener.clocks])
    speed = np.polyfit(walls, sims, 1)[0]  # a fit, robust to a receive stall at either end
    # the /clock fit uses this test's receive times, which a loaded machine delays (2.6–2.7 in two CI
    # runs whose joint-state stamps spanned exactly 6 s): only "clearly faster, never faster than asked"
    assert 2.0 < speed < 3.3
    stamps = np.array([_sec(m.header.stamp) for _, m in listener.states])
    span = stamps[-1] - stamps[0]  # emulator time: about 6 s in the 2 s listened at 3×
    # the stamps follow the emulator's /clock (not the wall clock) over the same 2 s; how far that
    # clock got depends on the CPU the emulator was given (4.1 s on a machine busy with other jobs)
    assert span == pytest.approx(sims[-1] - sims[0], rel=0.15) and sims[0] < 60.0
    assert 2.0 * 1.5 < span < 2.0 * 3.3
    assert np.all(np.diff(stamps) > 0)  # jitter never reorders
    assert np.diff(stamps).max() > 1.5 * 0.005  # holes where messages were dropped
    code, err = _stop(proc)
    assert code == 0, err
    found = re.search(r"(\d+) joint_states published, (\d+) dropped", err)
    assert found is not None, err
    published, dropped = int(found[1]), int(found[2])
    assert dropped / (published + dropped) == pytest.approx(0.2, abs=0.05)


def test_duration_ends_the_process_and_bad_config_fails_in_one_line(
    start_emulator: Callable[..., subprocess.Popen[str]],
) -> None:
    t0 = time.monotonic()
    proc = start_emulator('clock = "sim"\n', "--duration", "4", "--speed", "4")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "4.000 s emulated" in err and time.monotonic() - t0 < 30
    bad = start_emulator("rate = 50\n")
    _, err = bad.communicate(timeout=60)
    assert bad.returncode == 1
    assert err.startswith("error: ") and "rate [Hz] must be ≥ 200" in err and err.count("\n") == 1


def test_run_emulator_in_process_stops_on_the_event_and_publishes_odometry(listener: Listener) -> None:
    import threading

    from humanoid_twin.emulator import EmulatorConfig, EmulatorSummary, run_emulator

    nav_msgs = pytest.importorskip("nav_msgs.msg")
    odometry: list[Any] = []
    listener.node.create_subscription(nav_msgs.Odometry, "base_pose", odometry.append, 100)
    stop = threading.Event()
    out: list[EmulatorSummary] = []
    config = EmulatorConfig(publish_base=True, domain_id=int(os.environ["ROS_DOMAIN_ID"]))
    worker = threading.Thread(target=lambda: out.append(run_emulator(config, stop_event=stop)))
    worker.start()
    try:
        listener.spin_until(lambda: len(odometry) > 10, DISCOVERY_TIMEOUT, "base odometry")
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive() and len(out) == 1
    summary = out[0]
    assert summary.published == summary.samples > 0 and summary.dropped == 0
    assert summary.sim_time == pytest.approx(summary.wall_time, abs=0.3)  # real time
    odom = odometry[-1]
    assert 0.8 < odom.pose.pose.position.z < 0.9  # the pelvis of the standing humanoid
    assert odom.pose.pose.orientation.w == pytest.approx(1.0, abs=0.01)


def test_exercise_on_a_robot_without_the_routine_s_joints_is_refused() -> None:
    """The exercise routine names the bundled humanoid's joints: on another robot it used to run
    with every target skipped, a robot standing still that looked like one exercising."""
    import dataclasses

    from humanoid_twin.emulator import EmulatedRobot, EmulatorConfig, run_emulator
    from humanoid_twin.errors import ConfigError
    from humanoid_twin.robots.humanoid import load_humanoid

    humanoid = load_humanoid()
    other = humanoid.replace(
        joints=tuple(
            dataclasses.replace(j, name="knee_l") if j.name == "left_knee" else j for j in humanoid.joints
        )
    )
    config = EmulatorConfig(motion="exercise")
    robot = EmulatedRobot(config, robot=other, pose={})
    with pytest.raises(
        ConfigError, match=r"motion 'exercise' is the bundled humanoid's routine; .*'left_knee'"
    ):
        run_emulator(config, duration=0.1, robot=robot)
