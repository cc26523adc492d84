"""Run a :class:`WalkPlan` open loop in MuJoCo (joint position servos track the plan)."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, PhysicsError
from ..model import ImportOptions, RobotModel
from ..model.transforms import FloatArray
from .walk import WalkPlan, WalkResult, _frozen

if TYPE_CHECKING:
    from ..physics.mujoco import MujocoBackend
    from ..physics.mujoco.terrain import Terrain

_FEET = ("left_foot", "right_foot")
MAX_TILT = math.radians(30.0)
"""Pelvis tilt beyond which the robot has fallen."""
HEIGHT_BAND = 0.25
"""[m] pelvis height deviation from the plan beyond which the robot has fallen."""
_ROBOT_CONTYPE = 1


def _tilt(quat: FloatArray) -> FloatArray:
    """Angle [rad] between body z and world z for (…, 4) quaternions (w, x, y, z)."""
    x, y = quat[..., 1], quat[..., 2]
    n = np.sum(quat * quat, axis=-1)
    zz = 1.0 - 2.0 * (x * x + y * y) / np.where(n > 0, n, 1.0)
    return np.asarray(np.arccos(np.clip(zz, -1.0, 1.0)))


def _fall_index(plan: WalkPlan, times: FloatArray, base: FloatArray) -> int | None:
    tilt = _tilt(base[:, 3:7])
    idx = np.minimum(np.round(times / plan.dt).astype(int), len(plan.times) - 1)
    dz = np.abs(base[:, 2] - plan.base[idx, 2])
    bad = np.flatnonzero((tilt > MAX_TILT) | (dz > HEIGHT_BAND))
    return int(bad[0]) if bad.size else None


def _path_length(plan: WalkPlan, times: FloatArray, base: FloatArray) -> float:
    stride = 2.0 * plan.params.step_period
    marks = np.arange(0.0, float(times[-1]) + 1e-9, stride)
    xy = np.stack([np.interp(marks, times, base[:, 0]), np.interp(marks, times, base[:, 1])], axis=1)
    xy = np.vstack([xy, base[-1, :2]])
    return float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum())


def _targets(plan: WalkPlan, timestep: float, settle: float, names: tuple[str, ...]) -> FloatArray:
    dense = plan.dense_targets(timestep, names)
    extra = round(settle / timestep)
    if extra:
        dense = np.vstack([dense, np.repeat(dense[-1:], extra, axis=0)])
    return dense


def simulate(
    model: RobotModel,
    plan: WalkPlan,
    *,
    options: ImportOptions,
    timestep: float,
    terrain: Terrain | None,
    backend: MujocoBackend | None,
    feet_only_contacts: bool,
    settle: float,
) -> WalkResult:
    every = max(1, round(plan.dt / timestep))
    if backend is not None:
        if terrain is not None and not terrain.empty:
            raise ConfigError("terrain cannot be added to a backend's model; run without backend=")
        return _via_backend(plan, backend, settle, every)
    from ..physics.mujoco import MujocoNames, build_spec
    from ..physics.mujoco._builder import import_mujoco
    from ..physics.mujoco.terrain import add_terrain

    mj = import_mujoco()
    spec = build_spec(model, options, timestep=timestep)
    add_terrain(spec, plan.terrain() if terrain is None else terrain)
    try:
        m = spec.compile()
    except ValueError as err:
        raise PhysicsError(f"MuJoCo cannot compile the walking model: {' '.join(str(err).split())}") from err
    names = MujocoNames.of(model, m, options)
    foot_bodies = set()
    for f in _FEET:
        if f in names.site:
            foot_bodies.add(int(m.site_bodyid[names.site[f]]))
        elif f in names.body:
            foot_bodies.add(int(m.body_parentid[names.body[f]]))
    robot_geoms = np.flatnonzero((np.asarray(m.geom_contype) == _ROBOT_CONTYPE) & (m.geom_bodyid != 0))
    foot_geoms = [g for g in robot_geoms if int(m.geom_bodyid[g]) in foot_bodies]
    if feet_only_contacts:
        for g in robot_geoms:
            if int(m.geom_bodyid[g]) not in foot_bodies:
                m.geom_contype[g] = 0
                m.geom_conaffinity[g] = 0
    geom_foot = np.full(m.ngeom, -1)
    for g in foot_geoms:
        body = int(m.geom_bodyid[g])
        for i, f in enumerate(_FEET):
            sid = names.site.get(f)
            if sid is not None and int(m.site_bodyid[sid]) == body:
                geom_foot[g] = i

    jn = plan.joint_names
    qadr = np.array([names.qpos_adr[n] for n in jn], dtype=np.intp)
    vadr = np.array([names.qvel_adr[n] for n in jn], dtype=np.intp)
    act = np.array([names.actuator[n] for n in jn], dtype=np.intp)
    fq, fv = names.free_qpos_adr, names.free_qvel_adr
    if fq is None or fv is None:
        raise PhysicsError("walking needs a floating base; build with fix_base=False")
    sites = [names.site.get(f) for f in _FEET]
    root = int(m.jnt_bodyid[names.free_joint]) if names.free_joint is not None else 1

    d = mj.MjData(m)
    d.qpos[qadr] = plan.q[0]
    d.qpos[fq : fq + 7] = plan.initial_base()
    d.ctrl[act] = plan.q[0]
    mj.mj_forward(m, d)

    dense = _targets(plan, timestep, settle, jn)
    n_rec = len(dense) // every + 1
    n = len(jn)
    times = np.zeros(n_rec)
    base = np.zeros((n_rec, 7))
    bvel = np.zeros((n_rec, 6))
    q = np.zeros((n_rec, n))
    qd = np.zeros((n_rec, n))
    tau = np.zeros((n_rec, n))
    com = np.zeros((n_rec, 3))
    feet = np.full((n_rec, 2, 7), np.nan)
    force = np.zeros((n_rec, 2))
    frc6 = np.zeros(6)
    quat = np.zeros(4)

    def record(i: int) -> None:
        times[i] = d.time
        base[i] = d.qpos[fq : fq + 7]
        bvel[i] = d.qvel[fv : fv + 6]
        q[i] = d.qpos[qadr]
        qd[i] = d.qvel[vadr]
        tau[i] = d.actuator_force[act]
        com[i] = d.subtree_com[root]
        for k, sid in enumerate(sites):
            if sid is not None:
                feet[i, k, :3] = d.site_xpos[sid]
                mj.mju_mat2Quat(quat, d.site_xmat[sid])
                feet[i, k, 3:] = quat
        for c in range(d.ncon):
            con = d.contact[c]
            k = max(geom_foot[con.geom1], geom_foot[con.geom2])
            if k >= 0:
                mj.mj_contactForce(m, d, c, frc6)
                force[i, k] += frc6[0]

    wall = time.perf_counter()
    record(0)
    fell_at: int | None = None
    i = 0
    for s in range(len(dense)):
        d.ctrl[act] = dense[s]
        mj.mj_step(m, d)
        if (s + 1) % every == 0:
            i += 1
            record(i)
            if not np.all(np.isfinite(d.qpos)):
                raise PhysicsError(f"the walking simulation diverged at t = {d.time:.3f} s")
            fell_at = _fall_index(plan, times[i : i + 1], base[i : i + 1])
            if fell_at is not None:
                fell_at = i
                break
    wall = time.perf_counter() - wall
    last = i + 1
    sl = slice(0, last)
    return WalkResult(
        times=_frozen(times[sl]),
        joint_names=jn,
        base=_frozen(base[sl]),
        base_velocity=_frozen(bvel[sl]),
        q=_frozen(q[sl]),
        qd=_frozen(qd[sl]),
        tau=_frozen(tau[sl]),
        com=_frozen(com[sl]),
        feet=_frozen(feet[sl]),
        foot_force=_frozen(force[sl]),
        tilt=_frozen(_tilt(base[sl, 3:7])),
        fell=fell_at is not None,
        fall_time=float(times[fell_at]) if fell_at is not None else None,
        distance=_path_length(plan, times[sl], base[sl]),
        displacement=_frozen(base[last - 1, :3] - base[0, :3]),
        wall_time=wall,
    )


def _via_backend(plan: WalkPlan, backend: MujocoBackend, settle: float, every: int) -> WalkResult:
    state = plan.initial_state(backend)
    dense = _targets(plan, backend.timestep, settle, backend.joint_names)
    steps = (len(dense) // every) * every
    wall = time.perf_counter()
    (pred,) = backend.rollout([state], dense[None, :steps], steps, every=every)
    wall = time.perf_counter() - wall
    if pred.base_position is None or pred.base_quat is None:
        raise PhysicsError("walking needs a floating-base backend")
    times = np.asarray(pred.times)
    base = np.concatenate([pred.base_position, pred.base_quat], axis=1)
    order = [backend.joint_names.index(nm) for nm in plan.joint_names]
    q = np.asarray(pred.q)[:, order]
    qd = np.asarray(pred.qd)[:, order]
    fell_at = _fall_index(plan, times, base)
    last = len(times) if fell_at is None else fell_at + 1
    sl = slice(0, last)
    lin = np.gradient(base[sl, :3], times[sl], axis=0) if last > 1 else np.zeros((last, 3))
    bvel = np.concatenate([lin, np.full((last, 3), np.nan)], axis=1)
    return WalkResult(
        times=_frozen(times[sl]),
        joint_names=plan.joint_names,
        base=_frozen(base[sl]),
        base_velocity=_frozen(bvel),
        q=_frozen(q[sl]),
        qd=_frozen(qd[sl]),
        tau=None,
        com=None,
        feet=None,
        foot_force=None,
        tilt=_frozen(_tilt(base[sl, 3:7])),
        fell=fell_at is not None,
        fall_time=float(times[fell_at]) if fell_at is not None else None,
        distance=_path_length(plan, times[sl], base[sl]),
        displacement=_frozen(base[last - 1, :3] - base[0, :3]),
        wall_time=wall,
    )
