"""Configuration of the ROS 2 bridge: topics, QoS, rates, clock, metrics and recording, from one TOML file.

Every table and key is optional; a missing key takes the documented default (``docs/ros.md``,
``docs/twin.example.toml``). Unknown keys, wrong types and out-of-range values raise
:class:`~humanoid_twin.errors.ConfigError` with a one-line message naming the file, the key and the
valid keys or types. Top-level tables owned by other parts of the program (``[twin]``, ``[robot]``,
``[emulator]``, ``[demo]``) are passed over here.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from .._rosnames import name_problem
from .._toml import build_dataclass as _build
from .._toml import read_toml
from ..errors import ConfigError

__all__ = [
    "BridgeConfig",
    "ClockConfig",
    "PrometheusConfig",
    "QosConfig",
    "QosProfiles",
    "RatesConfig",
    "RecordingConfig",
    "RosConfig",
    "SyncConfig",
    "TopicsConfig",
    "load_bridge_config",
]

OTHER_SECTIONS = ("twin", "robot", "emulator", "demo")
"""Top-level tables that belong to other parts of the program; not validated here."""

Reliability = Literal["reliable", "best_effort"]
History = Literal["keep_last", "keep_all"]
Durability = Literal["volatile", "transient_local"]


@dataclass(frozen=True)
class RosConfig:
    """``[ros]``: the node and its DDS domain."""

    node_name: str = "humanoid_twin"
    """Name of the bridge's node."""
    namespace: str = ""
    """Namespace of the node; relative topic names resolve inside it."""
    domain_id: int | None = None
    """ROS_DOMAIN_ID (0–232). Default None: take ``ROS_DOMAIN_ID`` from the environment (else 0)."""
    use_sim_time: bool = False
    """When true, the node's clock follows ``/clock`` (stamps of published messages use it)."""

    def __post_init__(self) -> None:
        if self.domain_id is not None and not 0 <= self.domain_id <= 232:
            raise ValueError(f"domain_id {self.domain_id!r} must be within 0–232")
        for key, kind in (("node_name", "node"), ("namespace", "namespace")):
            why = name_problem(getattr(self, key), kind)
            if why is not None:
                raise ValueError(f"{key}: {why}")


@dataclass(frozen=True)
class TopicsConfig:
    """``[topics]``: topic names. An empty string disables an optional topic."""

    joint_states: str = "joint_states"
    """Measured joints in (``sensor_msgs/JointState``)."""
    joint_command: str = "joint_command"
    """Commands out (``sensor_msgs/JointState``, Isaac Sim's ROS2SubscribeJointState default)."""
    predictions: str = "twin/predicted_joint_states"
    """Predicted joint state at the horizon (``sensor_msgs/JointState``); "" disables."""
    predicted_trajectory: str = "twin/predicted_trajectory"
    """The whole predicted rollout (``trajectory_msgs/JointTrajectory``); "" disables."""
    base_odometry: str = ""
    """Floating-base pose/twist in (``nav_msgs/Odometry``); "" → the twin keeps its own base."""
    servo_targets: str = ""
    """Position targets the robot reports applying in (``sensor_msgs/JointState``, e.g. the
    emulator's ``joint_targets``: a robot walking on its own); each is noted by the twin like a sent
    command and passed to the command listeners; "" disables."""
    diagnostics: str = "/diagnostics"
    """Analytics out (``diagnostic_msgs/DiagnosticArray``, 1 Hz)."""
    clock: str = "/clock"
    """Simulated time (``rosgraph_msgs/Clock``). rclpy always reads ``/clock`` under use_sim_time;
    this name is what the recorder records."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            why = name_problem(value) if value != "" or f.name == "joint_states" else None
            if why is not None:
                raise ValueError(f"{f.name}: {why}")


@dataclass(frozen=True)
class QosConfig:
    """``[qos.<topic>]``: the QoS of one topic."""

    reliability: Reliability = "reliable"
    """"reliable" or "best_effort"."""
    history: History = "keep_last"
    """"keep_last" (queue of ``depth``) or "keep_all"."""
    depth: int = 10
    """Queue depth [messages] for keep_last (≥ 1)."""
    durability: Durability = "volatile"
    """"volatile" or "transient_local"."""

    def __post_init__(self) -> None:
        if self.depth < 1:
            raise ValueError(f"depth {self.depth!r} must be ≥ 1")


@dataclass(frozen=True)
class QosProfiles:
    """``[qos]``: one ``QosConfig`` per topic key of ``[topics]``."""

    joint_states: QosConfig = field(default_factory=lambda: QosConfig(depth=1000))
    """Reliable, keep_last 1000: absorbs a 1 s stall of the twin process at 1 kHz without loss (a
    reliable writer overwrites unacknowledged samples only past its own depth); a reliable
    subscription matches reliable publishers only — use "best_effort" for best-effort robots."""
    joint_command: QosConfig = field(default_factory=lambda: QosConfig(depth=10))
    predictions: QosConfig = field(default_factory=lambda: QosConfig(depth=10))
    predicted_trajectory: QosConfig = field(default_factory=lambda: QosConfig(depth=10))
    base_odometry: QosConfig = field(default_factory=lambda: QosConfig(depth=1000))
    servo_targets: QosConfig = field(default_factory=lambda: QosConfig(depth=1000))
    diagnostics: QosConfig = field(default_factory=lambda: QosConfig(depth=10))
    clock: QosConfig = field(default_factory=lambda: QosConfig(reliability="best_effort", depth=1))


@dataclass(frozen=True)
class RatesConfig:
    """``[rates]``: timer rates [Hz], on the steady (wall) clock."""

    prediction: float = 20.0
    """Predictions published [Hz]: 0 (off) or 10–100."""
    diagnostics: float = 1.0
    """``/diagnostics``, Prometheus snapshot and log line [Hz] (0.1–10)."""
    command: float = 0.0
    """Republish the last command [Hz] (0 → publish only when a command is sent; else 1–1000)."""
    staleness_check: float = 200.0
    """Staleness checks [Hz] (20–1000)."""

    def __post_init__(self) -> None:
        if self.prediction != 0 and not 10 <= self.prediction <= 100:
            raise ValueError(f"prediction {self.prediction!r} Hz must be 0 (off) or within 10–100")
        if not 0.1 <= self.diagnostics <= 10:
            raise ValueError(f"diagnostics {self.diagnostics!r} Hz must be within 0.1–10")
        if self.command != 0 and not 1 <= self.command <= 1000:
            raise ValueError(f"command {self.command!r} Hz must be 0 (off) or within 1–1000")
        if not 20 <= self.staleness_check <= 1000:
            raise ValueError(f"staleness_check {self.staleness_check!r} Hz must be within 20–1000")


@dataclass(frozen=True)
class SyncConfig:
    """``[sync]``: staleness and prediction."""

    stale_after: float = 0.05
    """Joint states older than this on arrival (steady clock) mark the twin stale [s] (0.005–10).
    With the default 200 Hz check, a vanished publisher is flagged within ~55 ms. Must exceed a
    few publish periods of the robot."""
    prediction_horizon: float = 0.5
    """Horizon of the published predictions [s] (0 < h ≤ 10)."""

    def __post_init__(self) -> None:
        if not 0.005 <= self.stale_after <= 10:
            raise ValueError(f"stale_after {self.stale_after!r} s must be within 0.005–10")
        if not 0 < self.prediction_horizon <= 10:
            raise ValueError(f"prediction_horizon {self.prediction_horizon!r} s must be within (0, 10]")


@dataclass(frozen=True)
class PrometheusConfig:
    """``[prometheus]``: the metrics endpoint (``prometheus_client``)."""

    enabled: bool = True
    """Serve ``/metrics`` over HTTP."""
    host: str = "127.0.0.1"
    """Bind address; only loopback addresses are accepted (127.0.0.1, ::1, localhost)."""
    port: int = 9108
    """TCP port; 0 → pick a free one (see ``TwinBridge.prometheus_port``)."""

    def __post_init__(self) -> None:
        if self.host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"host {self.host!r} must be a loopback address (127.0.0.1, ::1, localhost)")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port!r} must be within 0–65535")


@dataclass(frozen=True)
class RecordingConfig:
    """``[recording]``: record the live session to MCAP."""

    path: str = ""
    """Output ``.mcap`` file; "" → no recording. Relative paths are relative to the config file."""
    flush_period: float = 1.0
    """Close the MCAP chunk and flush at least this often [s] (0.05–10): the most a ``kill -9`` loses."""
    topics: tuple[str, ...] = ()
    """Topic keys of ``[topics]`` to record; empty → every enabled topic."""

    def __post_init__(self) -> None:
        if not 0.05 <= self.flush_period <= 10:
            raise ValueError(f"flush_period {self.flush_period!r} s must be within 0.05–10")
        valid = [f.name for f in fields(TopicsConfig)]
        for key in self.topics:
            if key not in valid:
                raise ValueError(f"topics entry {key!r} is not a topic key; valid: {', '.join(valid)}")


ClockConfig = RosConfig
"""Clock settings live in ``[ros]`` (``use_sim_time``); alias kept for readability."""


@dataclass(frozen=True)
class BridgeConfig:
    """The whole bridge configuration (one TOML file)."""

    ros: RosConfig = field(default_factory=RosConfig)
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    qos: QosProfiles = field(default_factory=QosProfiles)
    rates: RatesConfig = field(default_factory=RatesConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    prometheus: PrometheusConfig = field(default_factory=PrometheusConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    source: str | None = None
    """File the configuration was read from (None for defaults)."""

    def with_overrides(self, **sections: Any) -> BridgeConfig:
        """A copy with some sections replaced field-wise, e.g. ``with_overrides(ros={"domain_id": 7})``."""
        changes = {}
        for name, values in sections.items():
            changes[name] = replace(getattr(self, name), **values)
        return replace(self, **changes)


# --- loading ------------------------------------------------------------------------------------


def load_bridge_config(path: str | Path) -> BridgeConfig:
    """Read and validate a TOML file; raises :class:`ConfigError` naming the file, key and valid choices."""
    p = Path(path)
    data = read_toml(p)
    known = [f.name for f in fields(BridgeConfig) if f.name != "source"]
    mine = {k: v for k, v in data.items() if k not in OTHER_SECTIONS}
    for key in mine:
        if key not in known:
            valid = ", ".join(known + list(OTHER_SECTIONS))
            raise ConfigError(f"{p}: unknown top-level key {key!r}; valid keys: {valid}")
    hints = typing.get_type_hints(BridgeConfig)
    sections = {key: _build(hints[key], value, key, str(p)) for key, value in mine.items()}
    config = BridgeConfig(**sections, source=str(p))
    rec = config.recording
    if rec.path and not Path(rec.path).is_absolute():
        config = replace(config, recording=replace(rec, path=str(p.parent / rec.path)))
    return config
