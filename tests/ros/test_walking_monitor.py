"""A robot walking on its own, monitored live: the emulator process walks straight and publishes its
joint states, base odometry and the servo targets it applies; the bridge feeds them to a
HealthMonitor, whose shadow follows the robot (resync on odometry, commands from the targets)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.ros, pytest.mark.slow]

pytest.importorskip("placo")
pytest.importorskip("nav_msgs.msg")

from ros_helpers import bridge_config  # noqa: E402

from humanoid_twin.control import WALK_OPTIONS  # noqa: E402
from humanoid_twin.maintenance import HealthMonitor, load_maintenance_config  # noqa: E402
from humanoid_twin.robots.humanoid import load_humanoid  # noqa: E402
from humanoid_twin.ros.bridge import TwinBridge  # noqa: E402
from humanoid_twin.twin import DigitalTwin, JointCommand  # noqa: E402

SECONDS = 12.0  # emulator time, real time
EMULATOR = (sys.executable, "-m", "humanoid_twin.emulator")
targets: list[JointCommand] = []


class Targets:
    def on_command(self, command: JointCommand) -> None:
        targets.append(command)


def test_live_monitor_follows_a_robot_walking_on_its_own(tmp_path: Path, ros_domain: int) -> None:
    tag = f"w{ros_domain}"
    emu_toml = tmp_path / "emu.toml"
    emu_toml.write_text(
        f'publish_base = true\npublish_targets = true\nmotion = "walk_straight"\n'
        f'[topics]\njoint_states = "{tag}/joint_states"\nbase_pose = "{tag}/base_pose"\n'
        f'joint_targets = "{tag}/joint_targets"\njoint_command = "{tag}/joint_command"\n',
        encoding="utf-8",
    )
    model = load_humanoid()
    twin = DigitalTwin(model, options=WALK_OPTIONS)
    odometry, targets_topic = f"{tag}/base_pose", f"{tag}/joint_targets"
    cfg = bridge_config(ros_domain, tag, base_odometry=odometry, servo_targets=targets_topic)
    monitor = HealthMonitor(model, load_maintenance_config().for_walking(), options=WALK_OPTIONS)
    with TwinBridge(twin, cfg) as bridge:
        bridge.add_listener(monitor)
        bridge.add_listener(Targets())
        emu = subprocess.Popen(
            [*EMULATOR, "--config", str(emu_toml), "--duration", str(SECONDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _, err = emu.communicate(timeout=SECONDS + 60)
        finally:
            if emu.poll() is None:
                emu.kill()
        assert emu.returncode == 0, err
        deadline = time.monotonic() + 5.0
        while bridge.status().joint_states < 0.5 * SECONDS * 500 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the last messages in flight
    assert monitor.samples > 0.4 * SECONDS * 500  # most of the 500 Hz stream (discovery eats the start)
    base = monitor._base
    shadow = monitor._shadow
    assert base is not None and shadow is not None and shadow.names.free_qpos_adr is not None
    assert np.hypot(base.position[0], base.position[1]) > 0.5  # it walked
    a = shadow.names.free_qpos_adr
    gap = float(np.hypot(*(shadow.data.qpos[a : a + 2] - np.array(base.position[:2]))))
    assert gap < 0.05, f"the shadow is {gap:.3f} m from the robot"
    assert len(targets) > 0.4 * SECONDS * 500  # the servo targets reached the listeners
    knee = [float(c.position[c.names.index("left_knee")]) for c in targets if c.position is not None]
    assert np.ptp(knee) > 0.2  # walking targets, not the standing pose
