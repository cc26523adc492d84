"""A live twin session from one TOML file: which robot, how the twin runs, how it talks ROS 2.

``[robot]`` (this module), ``[twin]`` (:class:`~humanoid_twin.twin.TwinConfig`) and the bridge tables
(``[ros]``, ``[topics]``, ``[qos.*]``, ``[rates]``, ``[sync]``, ``[prometheus]``, ``[recording]``;
see docs/ros.md) may all sit in the same file; every table is optional.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._toml import build_dataclass, read_toml
from .description import USD_SUFFIXES, read_robot
from .errors import ConfigError, named_after
from .model import ImportOptions, RobotModel
from .twin import DigitalTwin, TwinConfig

_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .ros.bridge import RosClock, TwinBridge
    from .ros.config import BridgeConfig

__all__ = [
    "RobotConfig",
    "Session",
    "SessionConfig",
    "default_options",
    "ensure_local_ros",
    "load_session_config",
    "open_session",
    "read_robot",
]


@dataclass(frozen=True)
class RobotConfig:
    """``[robot]``: the robot the twin mirrors."""

    urdf: str = ""
    """URDF, xacro or USD file; "" (default) = the bundled humanoid. Relative to the config file."""
    package_paths: tuple[str, ...] = ()
    """Folders searched for ``package://`` URIs (relative to the config file)."""
    options: ImportOptions | None = None
    """``[robot.options]``: import options (drive gains, armature…). Left out, a session file gives the
    robot's :func:`default_options` (a USD of ours: those it was imported with; else the bundled
    humanoid's standing options, :data:`~humanoid_twin.robots.humanoid.STANDING_OPTIONS`, for any
    robot), and keys a ``[robot.options]`` table leaves out keep those values; None (built in code)
    means the same: with
    ``ImportOptions()`` (armature 0, kd 100) a G1's light wrist and ankle links chattered in MuJoCo at
    rest (0.026 rad/s RMS joint speed, 2 cm of base drift in 3 s), which the twin's predictions, the
    what-ifs and the maintenance shadow all inherited."""


@dataclass(frozen=True)
class SessionConfig:
    robot: RobotConfig = field(default_factory=RobotConfig)
    twin: TwinConfig = field(default_factory=TwinConfig)
    bridge: BridgeConfig | None = None
    """None = the bridge defaults."""
    source: str | None = None


def load_session_config(path: str | Path | None) -> SessionConfig:
    """Read a session file (None → every default). Errors name the file, table and key."""
    if path is None:
        return SessionConfig()
    from .ros.config import load_bridge_config

    p = Path(path)
    data = read_toml(p)
    robot_table = data.get("robot", {})
    base: ImportOptions | None = None  # the robot's default options (a USD's recorded ones: read once)
    if isinstance(robot_table, dict):
        urdf = robot_table.get("urdf")
        with named_after(str(p), "robot"):
            base = default_options(p.parent / urdf if isinstance(urdf, str) and urdf else None)
    if isinstance(robot_table, dict) and isinstance(robot_table.get("options"), dict) and base is not None:
        # keys [robot.options] leaves out keep the robot's default options, not ImportOptions()'s
        kept = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
        robot_table = {**robot_table, "options": {**kept, **robot_table["options"]}}
    robot = build_dataclass(RobotConfig, robot_table, "robot", str(p))
    robot = dataclasses.replace(  # paths in the file are relative to the file
        robot,
        urdf=str(p.parent / robot.urdf) if robot.urdf else "",
        package_paths=tuple(str(p.parent / q) for q in robot.package_paths),
    )
    twin_table = dict(data.get("twin", {}))
    if robot.options is None and robot.urdf and base is not None:  # load_robot need not read it again
        robot = dataclasses.replace(robot, options=base)
    fix_base = robot.options.fix_base if robot.options is not None else False
    if fix_base and "base" not in twin_table:
        twin_table["base"] = "fixed"  # [robot.options] fix_base = true: the twin's base is fixed too
    twin = build_dataclass(TwinConfig, twin_table, "twin", str(p))
    if fix_base and twin.base != "fixed":
        raise ConfigError(
            f"{p}: fix_base = true ([robot.options], or the USD asset's import options) but [twin] base = "
            f"{twin.base!r}; set [twin] base = 'fixed' or fix_base = false"
        )
    return SessionConfig(robot=robot, twin=twin, bridge=load_bridge_config(p), source=str(p))


def load_robot(cfg: RobotConfig, *, source: str | None = None) -> tuple[RobotModel, ImportOptions]:
    """The robot model and its import options (:attr:`RobotConfig.options`, else
    :func:`default_options`); errors name ``source``, the session file, and its ``[robot]`` table."""
    from .robots import humanoid

    if not cfg.urdf:
        return humanoid.load_humanoid(), cfg.options or humanoid.STANDING_OPTIONS
    with named_after(source, "robot"):
        return read_robot(cfg.urdf, cfg.package_paths), cfg.options or default_options(Path(cfg.urdf))


def default_options(robot_file: Path | None) -> ImportOptions:
    """The options a robot runs with when a session gives none: those a USD asset of ours was
    imported with (what Isaac Sim runs it with: ``twin:importOptions``), else the standing options
    (:data:`~humanoid_twin.robots.humanoid.STANDING_OPTIONS`)."""
    from .robots.humanoid import STANDING_OPTIONS

    if robot_file is not None and robot_file.suffix.lower() in USD_SUFFIXES and robot_file.is_file():
        from .usd import recorded_options

        recorded = recorded_options(robot_file)
        if recorded is not None:
            return recorded
    return STANDING_OPTIONS


def ensure_local_ros(domain_id: int | None = None, *, isolate: bool = False) -> int:
    """Keep DDS on this machine and pick a ROS domain: ``ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST``
    unless the user set it, and ``ROS_DOMAIN_ID`` = ``domain_id``, else the user's, else ROS's default
    0 — where a robot and ``humanoid-twin emulate`` in another terminal are — or, to ``isolate`` a
    run that brings its own robot (the demo), a random one in 1–101 (so two demos on one machine do
    not see each other). Returns the domain id."""
    os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    if domain_id is None:
        env = os.environ.get("ROS_DOMAIN_ID", "")
        if env.strip():
            try:
                domain_id = int(env)
            except ValueError as err:
                raise ConfigError(f"ROS_DOMAIN_ID={env!r} is not an integer 0–232") from err
        else:
            domain_id = random.SystemRandom().randint(1, 101) if isolate else 0
    if not 0 <= domain_id <= 232:
        raise ConfigError(f"ROS domain id {domain_id!r} is outside 0–232")
    os.environ["ROS_DOMAIN_ID"] = str(domain_id)
    return domain_id


@dataclass
class Session:
    """A twin and its (not yet started) ROS 2 bridge."""

    model: RobotModel
    options: ImportOptions
    twin: DigitalTwin
    bridge: TwinBridge
    clock: RosClock


def open_session(config: SessionConfig, *, record: str | Path | None = None) -> Session:
    """Build the robot model, the twin and its bridge; call ``session.bridge.start()`` to go live."""
    from .ros.bridge import RosClock, TwinBridge
    from .ros.config import BridgeConfig

    model, options = load_robot(config.robot, source=config.source)
    clock = RosClock()
    bridge_config = config.bridge or BridgeConfig()
    scored = scored_twin_config(config.twin, bridge_config.sync.prediction_horizon)
    with named_after(config.source, "twin", (ConfigError,)):  # [twin] values (a mesh error is the robot's)
        twin = DigitalTwin(model, options=options, config=scored, clock=clock)
    bridge = TwinBridge(twin, bridge_config, clock=clock, record=record)
    return Session(model, options, twin, bridge, clock)


def scored_twin_config(twin: TwinConfig, reach: float) -> TwinConfig:
    """``twin`` without the error horizons beyond ``reach`` [s], the horizon its predictions are made
    at ([sync] prediction_horizon, or a replay's): nothing would ever be scored there, and their
    metrics would stay NaN on /diagnostics, Prometheus and the status tables (the default 1 s horizon
    against the default 0.5 s predictions)."""
    kept = tuple(h for h in twin.error_horizons if h <= reach + 1e-9)
    if kept == twin.error_horizons:
        return twin
    _log.info("error horizons beyond the %g s predictions are not scored: %s", reach, twin.error_horizons)
    return dataclasses.replace(twin, error_horizons=kept)
