"""The demo: the emulated humanoid (its own process), the live twin on ROS 2, and a recording.

No hardware and no GPU: ``humanoid-twin demo`` starts the emulator, brings the twin up against it,
sends a gentle arm-waving command so predictions have something to predict, records every topic to
MCAP, and leaves the recording, the emulator's truth file and a JSON summary in the output folder.
This module orchestrates; the CLI draws the live table.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import TwinError
from .session import RobotConfig, Session, SessionConfig, ensure_local_ros, open_session
from .twin import JointCommand

__all__ = ["Demo", "DemoResult", "emulator_config", "wave_command"]

_WAVE_JOINTS = ("left_shoulder_pitch", "right_shoulder_pitch", "left_elbow", "right_elbow", "torso_yaw")


def wave_command(t: float, stamp: float) -> JointCommand:
    """The demo's motion at time ``t`` [s]: arms swing ±0.4 rad at 0.4 Hz in antiphase, elbows
    follow, the torso turns ±0.1 rad — around the nominal standing pose, never enough to fall."""
    from .robots.humanoid import NOMINAL_POSE

    w = 2 * math.pi * 0.4
    s = math.sin(w * t)
    offsets = (0.4 * s, -0.4 * s, -0.2 * (1 + s) / 2, -0.2 * (1 - s) / 2, 0.1 * math.sin(0.5 * w * t))
    pos = np.array([NOMINAL_POSE.get(n, 0.0) + o for n, o in zip(_WAVE_JOINTS, offsets, strict=True)])
    return JointCommand(stamp=stamp, names=_WAVE_JOINTS, position=pos)


DEMO_SEED = 7
"""Seed of the demo robot's hidden offsets, sensor noise and latency (the same robot every run)."""
DEMO_LATENCY = {"mean": 0.002, "jitter": 0.0005, "drop": 0.0}
"""[s], [s], [-]: network latency of the demo robot's joint states (docs/emulator.md, [latency])."""


def emulator_config(*, walk: bool = False, exercise: bool = False) -> str:
    """The demo emulator's config (TOML): a robot a little off the nominal model the twin builds —
    the hidden offsets and sensor noise of ``emulator_typical.toml`` — with :data:`DEMO_LATENCY`, seeded
    with :data:`DEMO_SEED`; with ``walk`` it walks its lap and publishes its base and servo targets,
    with ``exercise`` it runs the maintenance diagnostic routine and publishes its servo targets."""
    from .emulator.config import TYPICAL_CONFIG_PATH

    head = [f"seed = {DEMO_SEED}"]
    if walk:
        head += ['motion = "walk"', "publish_base = true", "publish_targets = true"]
    elif exercise:
        head += ['motion = "exercise"', "publish_targets = true"]
    latency = "\n".join(f"{k} = {v!r}" for k, v in DEMO_LATENCY.items())
    typical = TYPICAL_CONFIG_PATH.read_text(encoding="utf-8")
    return "\n".join(head) + "\n\n" + typical.rstrip() + "\n\n[latency]\n" + latency + "\n"


def _die_with_parent() -> None:
    """In the emulator's process before it starts (Linux): SIGTERM it when the demo's process dies,
    also by SIGKILL or a crash, which run no cleanup; the emulator kept publishing for ever then."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
    except (OSError, AttributeError):  # pragma: no cover - not glibc: the emulator outlives a SIGKILL
        pass


@dataclass
class DemoResult:
    out_dir: Path
    recording: Path
    truth: Path
    summary: Path
    values: dict[str, Any] = field(default_factory=dict)


class Demo:
    """Start with :meth:`start`, call :meth:`tick` in a loop, end with :meth:`stop` (always)."""

    def __init__(
        self,
        out_dir: str | Path,
        *,
        domain_id: int | None = None,
        command_rate: float = 50.0,
        walk: bool = False,
        exercise: bool = False,
    ) -> None:
        if walk and exercise:
            raise ValueError("walk and exercise exclude each other")
        self.out_dir = Path(out_dir)
        self.walk = walk
        """The emulated robot walks on its own (no waving commands are sent)."""
        self.exercise = exercise
        """The emulated robot runs the maintenance diagnostic routine on its own (no waving commands)."""
        self.domain_id = domain_id
        self.command_period = 1.0 / command_rate
        self.recording = self.out_dir / "demo.mcap"
        self.truth = self.out_dir / "truth.json"
        self.summary_path = self.out_dir / "summary.json"
        self.emulator_log = self.out_dir / "emulator.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self.session: Session | None = None
        self._t0 = 0.0
        self._next_cmd = 0.0

    def start(self, *, wait: float = 30.0) -> None:
        """Start the emulator and the twin; wait until the twin receives joint states.

        Raises:
            TwinError: the emulator exits or nothing arrives within ``wait`` seconds.
        """
        from .ros.config import BridgeConfig, PrometheusConfig, TopicsConfig

        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.domain_id = ensure_local_ros(self.domain_id, isolate=True)
        env = dict(os.environ)
        self._log = self.emulator_log.open("wb")
        emu = self.out_dir / "emulator.toml"
        emu.write_text(emulator_config(walk=self.walk, exercise=self.exercise), encoding="utf-8")
        args = ["--config", str(emu), "--truth", str(self.truth)]
        topics = TopicsConfig()
        if self.walk:  # a robot walking on its own reports its base and the targets it applies
            topics = TopicsConfig(base_odometry="base_pose", servo_targets="joint_targets")
        elif self.exercise:  # ... and the targets of its routine (what the maintenance monitor needs)
            topics = TopicsConfig(servo_targets="joint_targets")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "humanoid_twin.emulator", *args],
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        bridge = BridgeConfig(
            topics=topics, prometheus=PrometheusConfig(enabled=True, host="127.0.0.1", port=0)
        )
        robot = RobotConfig()
        if self.walk:  # the twin models the robot with the gains it walks with
            from .control import WALK_OPTIONS

            robot = RobotConfig(options=WALK_OPTIONS)
        self.session = open_session(SessionConfig(robot=robot, bridge=bridge), record=self.recording)
        self.session.bridge.start()
        deadline = time.monotonic() + wait
        while self.session.bridge.status().joint_states == 0:
            if self._proc.poll() is not None:
                raise TwinError(
                    f"the emulator exited with code {self._proc.returncode}; see {self.emulator_log}"
                )
            if time.monotonic() > deadline:
                raise TwinError(
                    f"no joint states from the emulator within {wait:g} s (ROS_DOMAIN_ID={self.domain_id}); "
                    f"see {self.emulator_log}"
                )
            time.sleep(0.05)
        self._t0 = time.monotonic()
        self._next_cmd = self._t0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def tick(self) -> None:
        """Send the next command when it is due (call at least at the command rate)."""
        assert self.session is not None
        now = time.monotonic()
        if not (self.walk or self.exercise) and now >= self._next_cmd:
            bridge = self.session.bridge
            bridge.send_command(wave_command(now - self._t0, bridge.now()))
            self._next_cmd += self.command_period
            if self._next_cmd < now:
                self._next_cmd = now + self.command_period
        if self._proc is not None and self._proc.poll() is not None:
            raise TwinError(f"the emulator exited with code {self._proc.returncode}; see {self.emulator_log}")

    def values(self) -> dict[str, Any]:
        """Twin metrics and bridge counters, flat."""
        assert self.session is not None
        return self.session.bridge.values()

    def stop(self) -> DemoResult:
        """Stop the twin (finishing the recording) and the emulator; write the summary."""
        values: dict[str, Any] = {}
        if self.session is not None:
            try:
                values = self.values()
            finally:
                self.session.bridge.stop()
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGINT)
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
        values = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()
        }
        summary = {
            "duration_s": self.elapsed if self._t0 else 0.0,
            "ros_domain_id": self.domain_id,
            "recording": str(self.recording),
            "truth": str(self.truth),
            "metrics": values,
        }
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True), encoding="utf-8")
        return DemoResult(self.out_dir, self.recording, self.truth, self.summary_path, values)
