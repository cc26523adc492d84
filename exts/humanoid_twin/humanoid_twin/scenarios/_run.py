"""``run_scenario``: fork → build the variants → one batch rollout → measures → report."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, named_after
from ..model import ImportOptions, RobotModel
from ..model.kinematics import FEET
from ..model.transforms import FloatArray
from ..physics.mujoco import MujocoNames, build_model
from ..twin import RobotState
from ..twin._types import frozen_array
from ._config import Changes, ScenarioConfig, Variant, load_scenario
from ._fork import Source, fork_state, parse_source, walk_plan
from ._measures import Measured, measure, worst
from ._results import ReachResult, ScenarioResult, VariantResult
from ._sim import VariantModel, build_variant, initial_state, run_batch

if TYPE_CHECKING:
    from ..ros.config import BridgeConfig
    from ..twin import DigitalTwin, TwinConfig

__all__ = ["run_scenario"]

_log = logging.getLogger(__name__)
STAND_DURATION = 3.0
"""[s] default duration of a 'stand' scenario."""


def _options(kind: str, robot_options: ImportOptions | None) -> tuple[ImportOptions, float]:
    """Import options and default step of a scenario ``kind``: the gait's for a walk (it was tuned with
    them), else ``robot_options`` (the robot's drives, as the twin has them), else the bundled
    humanoid's standing options."""
    if kind == "walk":
        from ..control.walk import WALK_OPTIONS, WALK_TIMESTEP

        return WALK_OPTIONS, WALK_TIMESTEP
    from ..robots.humanoid import STANDING_OPTIONS, STANDING_TIMESTEP

    return robot_options or STANDING_OPTIONS, STANDING_TIMESTEP


def _walk_start(plan: Any, joint_names: tuple[str, ...]) -> RobotState:
    from ..twin import BaseState

    q0 = plan.q_for(joint_names)[0]
    b = plan.initial_base()
    return RobotState(
        0.0,
        joint_names,
        frozen_array(q0),
        frozen_array(np.zeros_like(q0)),
        BaseState(0.0, tuple(b[:3]), tuple(b[3:7])),
        frozen_array(q0),
    )


def _controls(vm: VariantModel, targets: FloatArray, changes: Changes, dt: float) -> FloatArray:
    """(T, nu + 6·nbody): actuator targets then xfrc_applied (pushes) per physics step."""
    m = vm.mj_model
    n_steps = targets.shape[0]
    out = np.zeros((n_steps, m.nu + 6 * m.nbody))
    has = vm.act >= 0
    out[:, vm.act[has]] = targets[:, has]
    t_end = np.arange(1, n_steps + 1) * dt  # step k runs from (k-1)·dt to k·dt
    for p in changes.pushes:
        body = vm.body_of[p.link]
        on = (t_end > p.time + 1e-12) & (t_end <= p.time + p.duration + 1e-12)
        out[on, m.nu + 6 * body : m.nu + 6 * body + 3] += np.asarray(p.force)
    return out


def _variant_result(
    v: Variant, meas: Measured, duration: float, reach: ReachResult | None = None
) -> VariantResult:
    tj, tr = worst(meas.torque_ratio)
    vj, vr = worst(meas.velocity_ratio)
    return VariantResult(
        name=v.name,
        changes=v.changes.describe(),
        fell=meas.fell,
        fall_time=meas.fall_time,
        fall_reason=meas.fall_reason,
        min_support_margin=meas.min_support_margin,
        peak_torque_ratio=tr,
        peak_torque_joint=tj,
        peak_velocity_ratio=vr,
        peak_velocity_joint=vj,
        limit_hits=sum(meas.limit_hits.values()),
        limit_hit_joints=tuple(meas.limit_hits),
        slip=meas.slip,
        energy=meas.energy,
        distance=meas.distance,
        duration=duration,
        torque_ratio=dict(meas.torque_ratio),
        velocity_ratio=dict(meas.velocity_ratio),
        series=meas.series,
        reach=reach,
    )


def _steps(duration: float, dt: float, n_variants: int, vm: VariantModel) -> int:
    """Physics steps of a rollout of ``duration`` [s]; refuses a batch whose kept states and controls
    would not fit in the memory this machine has free (every step of every variant is kept)."""
    import mujoco

    n = max(1, round(duration / dt))
    m = vm.mj_model
    per_step = 8 * (mujoco.mj_stateSize(m, mujoco.mjtState.mjSTATE_FULLPHYSICS) + 2 * m.nu + 6 * m.nbody)
    need = n_variants * n * per_step
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on this platform: no check
        return n
    if need > free // 2:
        raise ConfigError(
            f"{n_variants} variant(s) × {n} steps of {dt:g} s ({duration:g} s) would keep "
            f"{need / 2**30:.1f} GiB of states, more than half the {free / 2**30:.1f} GiB free; shorten "
            "duration, raise timestep or run fewer variants"
        )
    return n


def run_scenario(
    path_or_config: str | Path | ScenarioConfig,
    *,
    source: str | Path | Source | None = None,
    twin: DigitalTwin | None = None,
    out_dir: str | Path | None = None,
    robot: RobotModel | None = None,
    nthread: int | None = None,
    topics: BridgeConfig | None = None,
    options: ImportOptions | None = None,
    feet: tuple[str, ...] | None = None,
    twin_config: TwinConfig | None = None,
) -> ScenarioResult:
    """Run a what-if scenario: fork, run the baseline and every variant as one batch, measure, report.

    Args:
        path_or_config: a scenario TOML file or a parsed :class:`ScenarioConfig`.
        source: 'nominal', 'live' (needs ``twin``), 'REC.mcap@T' (replay the recording into a fresh twin
            up to T seconds after its first message) or a :class:`Source`; None: the file's ``[fork]``.
        twin: the live twin (its model is the robot, its state the 'live' fork).
        out_dir: folder for the report (``report.html``, PNG plots, ``result.json``); it must not exist
            or be empty. It is written into a temporary sibling folder renamed at the end, so a failure
            leaves nothing. None: write nothing.
        robot: the robot when there is no twin; default the bundled humanoid.
        nthread: threads for the batch rollout (None: one per core).
        topics: where a recording source holds its joint states, commands and odometry (a session's
            bridge config, ``[topics]``); None: the bridge defaults.
        options: import options of the robot (drive gains, armature: a session's ``[robot.options]``)
            for stand and reach scenarios; None: the twin's when ``twin`` is given, else the bundled
            humanoid's standing options. A walk uses the gait's ``WALK_OPTIONS``.
        feet: the robot's sole links, measured when the file's ``[measures]`` names none; None: the
            twin's (``TwinConfig.feet``) when ``twin`` is given, else ``twin_config``'s, else
            ``left_foot``/``right_foot``.
        twin_config: the session's ``[twin]`` (e.g. ``ignore_unknown_joints``): the twin a recording
            is replayed into; None: the live twin's, else the defaults.

    Raises:
        ConfigError: a bad scenario file, unknown joint or link, impossible value, an unusable source or
            output folder.
        DependencyError: mujoco (or placo for walking, mink for reaching, matplotlib for a report) is
            missing.
        PhysicsError: a variant's model cannot be built or rolled out.
    """
    t0 = time.monotonic()
    if twin is not None:
        robot = twin.model
        options = options or twin.options
    if robot is None:
        from ..robots.humanoid import load_humanoid

        robot = load_humanoid()
    if isinstance(path_or_config, ScenarioConfig):
        cfg = path_or_config
        cfg.check_names(robot)
    else:
        cfg = load_scenario(path_or_config, robot)
    if cfg.measures.feet is None:  # the robot's soles
        config = twin.config if twin is not None else twin_config
        soles = feet or (config.feet if config is not None else FEET)
        cfg = dataclasses.replace(cfg, measures=dataclasses.replace(cfg.measures, feet=tuple(soles)))
        cfg.check_names(robot)
    src = parse_source(source, cfg)
    if topics is not None and src.kind == "recording":
        src = dataclasses.replace(src, topics=topics)
    out = None
    if out_dir is not None:
        from ._report import check_out_dir

        out = check_out_dir(Path(out_dir))
    kind = cfg.info.kind
    options, default_dt = _options(kind, options)
    dt = cfg.info.timestep or default_dt
    with named_after(cfg.file if source is None else None, "fork"):  # the file's [fork], not --from
        fork = fork_state(src, robot, options, dt, twin, cfg.measures.soles, twin_config=twin_config)
    variants = (Variant("baseline"), *cfg.variants)
    nominal = build_model(robot, options, timestep=dt)
    nominal_names = MujocoNames.of(robot, nominal, options)
    max_latency = max(v.changes.latency for v in variants)
    history = math.ceil(max_latency / dt) + 2 if max_latency > 0 else 0
    joint_names = tuple(j.name for j in robot.actuated_joints)
    reach_results: list[ReachResult | None] = [None] * len(variants)
    plans: dict[float, Any] = {}
    models: list[VariantModel] = []
    starts: list[RobotState] = []
    targets: list[FloatArray] = []
    for v in variants:
        plan: Any = None
        if kind == "walk":
            assert cfg.walk is not None
            s = v.changes.speed_scale
            if s not in plans:
                try:
                    plans[s] = walk_plan(robot, cfg.walk, cfg.terrain, v.changes)
                except ConfigError as err:
                    raise ConfigError(f"{cfg.file}: variant {v.name!r}: {err}") from err
            plan = plans[s]
        shelf = cfg.reach.shelf if cfg.reach is not None else None
        vm = build_variant(
            robot,
            options,
            dt,
            cfg.terrain,
            v.changes,
            nominal=nominal,
            nominal_names=nominal_names,
            feet=cfg.measures.soles,
            shelf=shelf,
            history=history,
            plan=plan,
            feet_only=kind == "walk",
        )
        models.append(vm)
        if kind == "walk":
            start = _walk_start(plan, joint_names) if src.kind == "nominal" else fork
            dense = plan.dense_targets(dt, joint_names)
            assert cfg.walk is not None
            duration = cfg.info.duration or plan.duration + cfg.walk.settle
            n = _steps(duration, dt, len(variants), vm)
            tg = np.empty((n, len(joint_names)))
            k = min(n, dense.shape[0])
            tg[:k] = dense[:k]
            tg[k:] = dense[-1] if dense.shape[0] else start.q
        elif kind == "reach":
            from ._reach import solve_reach

            assert cfg.reach is not None
            posture = solve_reach(robot, vm, fork, cfg.reach, v.changes, cfg.measures.soles)
            reach_results[len(models) - 1] = posture.result
            start = posture.state
            n = _steps(cfg.info.duration or cfg.reach.verify, dt, len(variants), vm)
            tg = np.tile(np.asarray(start.q), (n, 1))
        else:
            start = fork
            n = _steps(cfg.info.duration or STAND_DURATION, dt, len(variants), vm)
            hold = start.targets if start.targets is not None else start.q
            tg = np.tile(np.asarray(hold), (n, 1))
        ends = tg.shape[0] * dt  # the rollout's length, also when [scenario] duration is not given
        late = [p.time for p in v.changes.pushes if p.time >= ends]
        if late:
            raise ConfigError(
                f"{cfg.file}: variant {v.name!r}: a push at {late[0]:g} s comes after the rollout ends "
                f"({ends:g} s); push earlier or give a longer [scenario] duration"
            )
        starts.append(start)
        targets.append(tg)
    n_steps = max(t.shape[0] for t in targets)
    targets = [np.vstack([t, np.tile(t[-1], (n_steps - t.shape[0], 1))]) for t in targets]
    inits = [initial_state(vm, s) for vm, s in zip(models, starts, strict=True)]
    controls = [_controls(vm, t, v.changes, dt) for vm, t, v in zip(models, targets, variants, strict=True)]
    batches = run_batch(models, inits, controls, nthread=nthread)
    results = []
    for i, (v, vm, init, b) in enumerate(zip(variants, models, inits, batches, strict=True)):
        meas = measure(robot, vm, init, b, cfg.measures, cfg.info.sample_dt)
        reach = reach_results[i]
        if reach is not None:
            from ._reach import verified

            reach = verified(reach, vm, init, b, meas, cfg.reach)  # type: ignore[arg-type]
        results.append(_variant_result(v, meas, n_steps * dt, reach))
    result = ScenarioResult(
        name=cfg.info.name,
        question=cfg.info.question,
        kind=kind,
        source=src.describe(),
        baseline=results[0],
        variants=tuple(results[1:]),
        out_dir=None,
        report=None,
        plots=(),
        wall_time=time.monotonic() - t0,
        measures=cfg.measures.report,
    )
    if out is not None:
        from ._report import write_report

        result = write_report(result, cfg, out)
        result = dataclasses.replace(result, wall_time=time.monotonic() - t0)
    return result
