"""Where a scenario starts (nominal standing, the live twin, a recording at time t) and what it commands
(hold, or a planned walk)."""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, TwinError
from ..model import ImportOptions, RobotModel
from ..model.kinematics import FEET
from ..twin import BaseState, RobotState, TwinConfig
from ..twin._types import frozen_array
from ._config import MAX_DURATION, Changes, ScenarioConfig, TerrainConfig, WalkConfig

if TYPE_CHECKING:
    from ..ros.config import BridgeConfig
    from ..twin import DigitalTwin

__all__ = ["Source", "fork_state", "nominal_state", "parse_source", "walk_plan"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """Where to fork from: 'nominal', 'live', or a recording replayed up to ``time`` [s]."""

    kind: str
    recording: Path | None = None
    time: float | None = None
    topics: BridgeConfig | None = None
    """A recording's topic names (a session's bridge config); None: the bridge defaults."""

    def describe(self) -> str:
        if self.kind == "recording":
            return f"{self.recording}@{self.time:g}"
        return self.kind


def parse_source(source: str | Path | Source | None, cfg: ScenarioConfig) -> Source:
    """``"nominal"``, ``"live"``, ``"REC.mcap@T"`` or a :class:`Source`; None: the file's ``[fork]``."""
    if isinstance(source, Source):
        return source
    if source is None:
        f = cfg.fork
        if f.origin == "recording":
            assert f.recording is not None
            return Source("recording", cfg.resolve(f.recording), f.time)
        return Source(f.origin)
    text = str(source)
    if text in ("nominal", "live"):
        return Source(text)
    path, sep, t = text.rpartition("@")
    if not sep or not path:
        raise ConfigError(
            f"source {text!r} is not 'nominal', 'live' or 'RECORDING@SECONDS' (e.g. run.mcap@12.5)"
        )
    try:
        time = float(t)
    except ValueError:
        raise ConfigError(f"source {text!r}: {t!r} is not a time in seconds (e.g. run.mcap@12.5)") from None
    if not (math.isfinite(time) and time >= 0):
        raise ConfigError(f"source {text!r}: the time must be a finite number of seconds ≥ 0")
    p = Path(path)
    if not p.exists():
        raise ConfigError(
            f"source {text!r}: no such recording {str(p)!r}; give an .mcap file or rosbag2 folder"
        )
    return Source("recording", p, time)


def nominal_state(robot: RobotModel, options: ImportOptions, timestep: float) -> RobotState:
    """Standing at rest at the nominal pose (the bundled humanoid's :data:`NOMINAL_POSE`, else zeros
    moved into each joint's limits), upright with the lowest collider on the floor."""
    from ..physics.mujoco import MujocoBackend
    from ..robots.humanoid import standing_pose

    names = tuple(j.name for j in robot.actuated_joints)
    pose = standing_pose(robot)  # another robot's zero pose may lie outside a limit (iCub's elbows)
    q = np.array([pose.get(n, 0.0) for n in names])
    backend = MujocoBackend(robot, options, timestep=timestep, nthread=0)
    h = backend.rest_height(q)
    return RobotState(
        stamp=0.0,
        joint_names=names,
        q=frozen_array(q),
        qd=frozen_array(np.zeros_like(q)),
        base=BaseState(0.0, (0.0, 0.0, h), (1.0, 0.0, 0.0, 0.0)),
        targets=frozen_array(q),
    )


def fork_state(
    source: Source,
    robot: RobotModel,
    options: ImportOptions,
    timestep: float,
    twin: DigitalTwin | None,
    feet: tuple[str, ...] = FEET,
    *,
    twin_config: TwinConfig | None = None,
) -> RobotState:
    """The state the scenario starts from (stamp reset to 0). A recording is replayed into a fresh
    twin (``twin_config``, a session's ``[twin]``, else the defaults) whose assumed base lays
    ``feet`` (the scenario's ``[measures] feet``) flat.

    Raises:
        ConfigError: 'live' without a twin; the recording lacks the needed topics or ends before ``time``.
    """
    if source.kind == "nominal":
        return nominal_state(robot, options, timestep)
    if source.kind == "live":
        if twin is None:
            raise ConfigError(
                "source 'live' needs the running twin (pass twin=...); use 'nominal' or a recording"
            )
        state = twin.get_state()
    else:
        state = _replay_until(source, robot, options, twin, feet, twin_config)
    return RobotState(0.0, state.joint_names, state.q, state.qd, _restamp(state.base), state.targets)


def _restamp(base: BaseState | None) -> BaseState | None:
    if base is None:
        return None
    return BaseState(0.0, base.position, base.quat, base.linear_velocity, base.angular_velocity)


def _replay_until(
    source: Source,
    robot: RobotModel,
    options: ImportOptions,
    twin: DigitalTwin | None,
    feet: tuple[str, ...],
    twin_config: TwinConfig | None,
) -> RobotState:
    assert source.recording is not None and source.time is not None
    try:
        from ..ros.record import RecordingError
        from ..ros.replay import ReplaySource
    except TwinError as err:
        raise ConfigError(f"forking from a recording needs the ROS extra: {err}") from err
    from ..twin import DigitalTwin

    if twin is not None:
        config = twin.config
    else:
        config = dataclasses.replace(twin_config or TwinConfig(), feet=feet)
    fresh = DigitalTwin(robot, options=options, config=config)
    try:
        replay = ReplaySource(source.recording, source.topics)
    except RecordingError as err:
        raise ConfigError(f"cannot fork: {err}") from err
    stop = threading.Event()
    first: list[float] = []
    last: list[float] = [0.0]
    limit = source.time

    def on_message(m: Any) -> None:  # the state at T: messages up to T applied, the first after T not
        t = m.log_time * 1e-9
        if not first:
            first.append(t)
        last[0] = t - first[0]
        if t - first[0] > limit:
            stop.set()

    try:
        result = replay.run(
            fresh, prediction_rate=0.0, keep_predictions=False, on_message=on_message, stop=stop
        )
    except RecordingError as err:
        raise ConfigError(f"cannot fork: {err}") from err
    if result.joint_states == 0:
        first_js = replay.first_seen[replay.joint_states_topic]  # the topic is there: it was required
        raise ConfigError(
            f"{source.recording}: no joint state before {limit:g} s on {replay.joint_states_topic!r} "
            f"(the first is at {first_js:.2f} s, counted from the recording's first message); "
            "pick a later time"
        )
    if result.accepted < 0.5 * result.joint_states:  # the fork would be the first state, not T's
        raise ConfigError(
            f"{source.recording}: cannot fork at {limit:g} s: the twin accepted only {result.accepted} of "
            f"the {result.joint_states} joint states before it ({fresh.metrics.rejected_reasons}); a "
            "recording whose header stamps are 0 or repeat cannot be forked from"
        )
    if not stop.is_set() and last[0] < limit:
        raise ConfigError(
            f"{source.recording}: the recording lasts {last[0]:.3f} s, less than the fork time {limit:g} s"
        )
    return fresh.get_state()


# ---------------------------------------------------------------- walking


def walk_params(cfg: WalkConfig, speed_scale: float) -> Any:
    from ..control.walk import WalkParams

    kw = {
        f.name: getattr(cfg, f.name)
        for f in fields(cfg)
        if f.name in ("step_length", "single_support", "double_support_ratio", "step_height", "com_height")
        and getattr(cfg, f.name) is not None
    }
    try:
        params = WalkParams(**kw)
    except ConfigError as err:
        raise ConfigError(f"[walk] {err}") from err
    return params.scaled(speed_scale) if speed_scale != 1.0 else params


def walk_plan(robot: RobotModel, cfg: WalkConfig, terrain: TerrainConfig, changes: Changes) -> Any:
    """The :class:`~humanoid_twin.control.walk.WalkPlan` of a walking variant (stairs: walk, then climb)."""
    from ..control.walk import Route, plan_walk

    params = walk_params(cfg, changes.speed_scale)
    steps = math.ceil(cfg.distance / params.step_length) + 2  # + the first and the closing step
    if terrain.stairs is not None:
        steps += 2 * terrain.stairs.count + 2
    takes = steps * params.single_support * (1.0 + params.double_support_ratio) + cfg.settle
    if takes > MAX_DURATION:  # before planning it: the planner's time grows with it
        raise ConfigError(
            f"[walk] this walk would take about {takes:.0f} s ({steps} steps of "
            f"{params.single_support:g} s); give at most {MAX_DURATION:g} s per rollout (a shorter "
            "distance or shorter steps)"
        )
    route = Route()
    if cfg.distance > 0:
        route = route.walk(cfg.distance)
    if terrain.stairs is not None:
        s = terrain.stairs
        route = route.stairs(s.count, s.rise, s.tread)
    return plan_walk(robot, params, route)
