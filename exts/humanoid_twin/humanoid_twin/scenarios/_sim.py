"""Variants → MuJoCo models → one batch rollout → per-step arrays.

Every variant gets its own ``MjModel`` (built from the same :class:`RobotModel` and import options,
then changed: friction, payload, motor strength, latency, terrain, shelf). Variants whose models have
the same size signature run together in one ``mujoco.rollout`` call (a list of models, one thread
per core); a batch gives bit-identical results to running each variant alone, because every rollout
starts from a zero warm start and runs in C without shared state.

Controls are open loop and given per physics step: the actuators' ``ctrl`` (drive targets) followed by
``xfrc_applied`` (6 per body: force [N] then torque [N·m] in the world frame, at the body's centre of
mass), so external pushes are ordinary control inputs (``control_spec = CTRL | XFRC_APPLIED``).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import PhysicsError
from ..model import ImportOptions, RobotModel
from ..model.transforms import FloatArray
from ..physics.mujoco import MujocoNames, build_spec
from ..physics.mujoco._builder import import_mujoco
from ..twin import RobotState
from ._config import Changes, PatchConfig, ShelfConfig, TerrainConfig

__all__ = ["Batch", "VariantModel", "build_variant", "initial_state", "run_batch"]

_log = logging.getLogger(__name__)

GROUND_PRIORITY = 2
"""Contact priority given to robot colliders whose friction a variant changes (terrain has 1), so the
changed friction is the one used wherever the link touches."""
SHELF_NAME = "scenario_shelf"
_MAX_BATCH_BYTES = 512 * 2**20


@dataclass
class VariantModel:
    """One variant's compiled model and what the rollout and measures need to know about it."""

    mj_model: Any
    names: MujocoNames
    joint_names: tuple[str, ...]
    qadr: NDArray[np.intp]
    vadr: NDArray[np.intp]
    act: NDArray[np.intp]
    """Actuator id per joint (−1: none)."""
    root_body: int
    body_of: dict[str, int]
    """Link or frame name → body id."""
    ground_geoms: NDArray[np.intp]
    """Floor and terrain geoms (not the shelf)."""
    world_geoms: NDArray[np.intp]
    """Every geom of the world body (floor, terrain, shelf)."""


def _terrain(cfg: TerrainConfig, extra: Sequence[PatchConfig], plan: Any = None) -> Any:
    from ..physics.mujoco.terrain import Patch, Slope, Stairs, Terrain

    stairs: list[Any] = []
    if cfg.stairs is not None:
        s = cfg.stairs
        fr = [1.0] * s.count
        for p in (*cfg.patches, *extra):
            if p.step is not None:
                fr[p.step - 1] = p.friction
        if plan is not None and plan.stairs:  # a walk: the stairs where the plan climbs them
            stairs.extend(plan.terrain(friction=tuple(fr), width=s.width).stairs)
        else:
            stairs.append(
                Stairs(
                    n=s.count, rise=s.rise, tread=s.tread, start_x=s.start, width=s.width, friction=tuple(fr)
                )
            )
    slopes = []
    if cfg.slope is not None:
        sl = cfg.slope
        slopes.append(Slope(angle=math.radians(sl.angle), start_x=sl.start, length=sl.length, width=sl.width))
    patches = []
    for p in (*cfg.patches, *extra):
        if p.step is None and p.center is not None and p.size is not None:
            (x, y), (lx, ly) = p.center, p.size
            patches.append(Patch(x - lx / 2, x + lx / 2, y - ly / 2, y + ly / 2, p.friction))
    return Terrain(stairs=tuple(stairs), slopes=tuple(slopes), patches=tuple(patches))


def welded_bodies(m: Any, body: int) -> list[int]:
    """``body`` and every body welded to it (no joint in between), ascending: one rigid piece, whose
    colliders are the link's. A frame with a mass of its own (Talos' ``left_sole_link``, 10 g) is a
    body without colliders welded to the foot that has them."""
    top = body
    while top > 0 and m.body_jntnum[top] == 0 and m.body_parentid[top] > 0:
        top = int(m.body_parentid[top])
    if top == 0:
        return [0]
    parent = np.asarray(m.body_parentid)
    out, stack = [top], [top]
    while stack:
        b = stack.pop()
        for c in np.flatnonzero(parent == b).tolist():
            if c != b and m.body_jntnum[c] == 0:
                out.append(c)
                stack.append(c)
    return sorted(out)


def collider_points(m: Any, d: Any, geom: int) -> FloatArray:
    """(k, 3) world points spanning collider ``geom`` [m]: a box's corners, a mesh's vertices (MuJoCo
    holds the convex hull a collider mesh becomes), another shape's centre."""
    mj = import_mujoco()
    centre = np.array(d.geom_xpos[geom], dtype=np.float64)
    rot = np.array(d.geom_xmat[geom], dtype=np.float64).reshape(3, 3)
    if m.geom_type[geom] == mj.mjtGeom.mjGEOM_MESH:  # vertices in the geom's frame
        mesh = int(m.geom_dataid[geom])
        start, n = int(m.mesh_vertadr[mesh]), int(m.mesh_vertnum[mesh])
        return np.asarray(m.mesh_vert[start : start + n], dtype=np.float64) @ rot.T + centre
    if m.geom_type[geom] == mj.mjtGeom.mjGEOM_BOX:
        signs = np.array([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)
        return (signs * np.asarray(m.geom_size[geom], dtype=np.float64)) @ rot.T + centre
    return centre[None]


def _frame(names: MujocoNames, m: Any, link: str) -> tuple[int, FloatArray]:
    """(body id, position of the link frame in that body [m])."""
    if link in names.body:
        return names.body[link], np.zeros(3)
    sid = names.site[link]
    return int(m.site_bodyid[sid]), np.array(m.site_pos[sid], dtype=np.float64)


def _add_payload(body: Any, m: Any, bid: int, mass: float, at: FloatArray) -> None:
    """Add a point mass [kg] at ``at`` (body frame) to the body's inertia (parallel-axis theorem)."""
    from ..model.transforms import matrix_to_quat, quat_to_matrix

    m0 = float(m.body_mass[bid])
    c0 = np.array(m.body_ipos[bid], dtype=np.float64)
    r = quat_to_matrix(tuple(float(v) for v in m.body_iquat[bid]))  # type: ignore[arg-type]
    i0 = r @ np.diag(np.asarray(m.body_inertia[bid], dtype=np.float64)) @ r.T
    total = m0 + mass
    c = (m0 * c0 + mass * at) / total

    def shift(mass_: float, d: FloatArray) -> FloatArray:
        return mass_ * (float(d @ d) * np.eye(3) - np.outer(d, d))

    inertia = i0 + shift(m0, c0 - c) + shift(mass, at - c)
    body.explicitinertial = True
    body.mass = total
    body.ipos = c.tolist()
    moments, axes = np.linalg.eigh(0.5 * (inertia + inertia.T))
    if np.linalg.det(axes) < 0:
        axes[:, 0] = -axes[:, 0]
    body.iquat = list(matrix_to_quat(axes))
    body.inertia = [max(float(v), 1e-9) for v in moments]


def build_variant(
    robot: RobotModel,
    options: ImportOptions,
    timestep: float,
    terrain: TerrainConfig,
    changes: Changes,
    *,
    nominal: Any,
    nominal_names: MujocoNames,
    feet: Sequence[str],
    shelf: ShelfConfig | None = None,
    history: int = 0,
    plan: Any = None,
    feet_only: bool = False,
) -> VariantModel:
    """Compile one variant's model.

    Args:
        nominal: the unchanged compiled model (for body masses and frame offsets).
        history: actuator history samples (``nsample``) every actuator gets, so that variants with and
            without latency have the same size signature; 0 when no variant has latency.
        plan: the variant's walk plan (its stairs placement is used), or None.
        feet_only: only the feet's colliders touch the ground and terrain (as the gait was tuned).
    """
    mj = import_mujoco()
    spec = build_spec(robot, options, floor=True, timestep=timestep)
    from ..physics.mujoco.terrain import TERRAIN_PRIORITY, add_terrain

    t = _terrain(terrain, changes.patches, plan)
    if not t.empty:
        add_terrain(spec, t)
    if shelf is not None:
        spec.worldbody.add_geom(
            name=SHELF_NAME,
            type=mj.mjtGeom.mjGEOM_BOX,
            pos=list(shelf.center),
            size=[0.5 * v for v in shelf.size],
            contype=2,
            conaffinity=1,
            rgba=[0.6, 0.45, 0.3, 1.0],
        )
    m0, nm = nominal, nominal_names
    body_name = {i: m0.body(i).name for i in range(m0.nbody)}
    for link, mu in changes.friction:
        if link == "ground":
            for g in spec.worldbody.geoms:
                if g.name != SHELF_NAME:  # the floor too: its value wins over the robot's colliders',
                    g.friction = [mu, *list(g.friction)[1:]]  # as the terrain's (MuJoCo otherwise
                    g.priority = max(int(g.priority), TERRAIN_PRIORITY)  # takes the larger of the two)
            continue
        for bid in welded_bodies(m0, _frame(nm, m0, link)[0]):
            for g in spec.body(body_name[bid]).geoms:
                if g.contype != 0:
                    g.friction = [mu, *list(g.friction)[1:]]
                    g.priority = GROUND_PRIORITY
    for link, mass in changes.payload:
        if mass > 0:
            bid, at = _frame(nm, m0, link)
            _add_payload(spec.body(body_name[bid]), m0, bid, mass, at)
    if feet_only:
        feet_bodies = {b for f in feet for b in welded_bodies(m0, _frame(nm, m0, f)[0])}
        for b in range(1, m0.nbody):
            if b not in feet_bodies:
                for g in spec.body(body_name[b]).geoms:
                    if g.contype != 0:
                        g.contype, g.conaffinity = 0, int(g.conaffinity) & ~2
    jnames = {j: m0.joint(ids[0]).name for j, ids in nm.joints.items() if ids}
    for joint, value in changes.joint_friction:
        targets = list(nm.qpos_adr) if joint == "*" else [joint]
        for j in targets:
            spec.joint(jnames[j]).frictionloss = value
    strength = dict(changes.motor_strength)
    for joint, aid in nm.actuator.items():
        act = spec.actuator(m0.actuator(aid).name)
        s = strength.get(joint, strength.get("*", 1.0))
        if s != 1.0:
            gain, bias = list(act.gainprm), list(act.biasprm)
            gain[0] *= s
            bias[1] *= s
            bias[2] *= s
            act.gainprm, act.biasprm = gain, bias
            if act.forcelimited == mj.mjtLimited.mjLIMITED_TRUE:
                act.forcerange = [s * v for v in act.forcerange]
        if history:
            act.nsample = history
            act.delay = changes.latency
    for aid in range(m0.nu):  # in actuator id order: force[:, aid]
        name = m0.actuator(aid).name
        spec.add_sensor(
            name=f"scenario_force_{name}",
            type=mj.mjtSensor.mjSENS_ACTUATORFRC,
            objtype=mj.mjtObj.mjOBJ_ACTUATOR,
            objname=name,
        )
    try:
        m = spec.compile()
    except ValueError as err:
        msg = " ".join(str(err).split())
        raise PhysicsError(f"MuJoCo cannot compile the scenario variant: {msg}") from err
    names = MujocoNames.of(robot, m, options)
    joint_names = tuple(j.name for j in robot.actuated_joints)
    world = np.flatnonzero(np.asarray(m.geom_bodyid) == 0)
    shelf_id = mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM, SHELF_NAME)
    body_of = {}
    for link in (*feet, *(lk.name for lk in robot.links)):
        if link in names.body or link in names.site:
            body_of[link] = _frame(names, m, link)[0]
    return VariantModel(
        mj_model=m,
        names=names,
        joint_names=joint_names,
        qadr=np.array([names.qpos_adr[n] for n in joint_names], dtype=np.intp),
        vadr=np.array([names.qvel_adr[n] for n in joint_names], dtype=np.intp),
        act=np.array([names.actuator.get(n, -1) for n in joint_names], dtype=np.intp),
        root_body=names.body[robot.root.name],
        body_of=body_of,
        ground_geoms=world[world != shelf_id],
        world_geoms=world,
    )


def initial_state(vm: VariantModel, state: RobotState) -> FloatArray:
    """The ``mjSTATE_FULLPHYSICS`` vector of ``state`` in ``vm``'s model (drive targets in ``ctrl``)."""
    mj = import_mujoco()
    m = vm.mj_model
    d = mj.MjData(m)
    if state.joint_names != vm.joint_names:
        raise PhysicsError(
            f"the forked state's joints {state.joint_names!r} differ from the scenario robot's "
            f"{vm.joint_names!r}"
        )
    d.qpos[vm.qadr] = state.q
    d.qvel[vm.vadr] = state.qd
    for f, (lead, mult, off) in vm.names.mimics.items():
        i = vm.joint_names.index(lead)
        d.qpos[vm.names.qpos_adr[f]] = mult * state.q[i] + off
        d.qvel[vm.names.qvel_adr[f]] = mult * state.qd[i]
    fq, fv = vm.names.free_qpos_adr, vm.names.free_qvel_adr
    if state.base is not None and fq is not None and fv is not None:
        b = state.base
        d.qpos[fq : fq + 3] = b.position
        quat = np.asarray(b.quat, dtype=np.float64)
        d.qpos[fq + 3 : fq + 7] = quat / np.linalg.norm(quat)
        d.qvel[fv : fv + 3] = b.linear_velocity
        d.qvel[fv + 3 : fv + 6] = b.angular_velocity
    targets = state.targets if state.targets is not None else state.q
    has = vm.act >= 0
    d.ctrl[vm.act[has]] = np.asarray(targets)[has]
    d.time = 0.0
    for aid in range(m.nu):  # a delayed actuator has acted on these targets already, not on zeros
        nsample = int(m.actuator_history[aid, 0])
        if nsample > 0:
            mj.mj_initCtrlHistory(m, d, aid, None, np.full((nsample, 1), d.ctrl[aid]))
    mj.mj_forward(m, d)
    spec = int(mj.mjtState.mjSTATE_FULLPHYSICS)
    out = np.empty(int(mj.mj_stateSize(m, spec)))
    mj.mj_getState(m, d, out, spec)
    return out


@dataclass
class Batch:
    """What one variant's rollout produced (per physics step, the initial state not included)."""

    state: FloatArray
    """(T, nstate) ``mjSTATE_FULLPHYSICS`` after each step."""
    force: FloatArray
    """(T, nu) actuator forces [N·m] or [N] (the ``actuatorfrc`` sensors), in actuator id order."""


def run_batch(
    variants: Sequence[VariantModel],
    inits: Sequence[FloatArray],
    controls: Sequence[FloatArray],
    *,
    nthread: int | None = None,
) -> list[Batch]:
    """Roll every variant out under its controls ``(T, nu + 6·nbody)``; batched by model signature.

    Raises:
        PhysicsError: the controls have the wrong shape, or MuJoCo refuses the rollout.
    """
    mj = import_mujoco()
    from mujoco import rollout as mj_rollout

    if not variants:
        return []
    nstep = controls[0].shape[0]
    spec = int(mj.mjtState.mjSTATE_FULLPHYSICS)
    cspec = int(mj.mjtState.mjSTATE_CTRL) | int(mj.mjtState.mjSTATE_XFRC_APPLIED)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (vm, c) in enumerate(zip(variants, controls, strict=True)):
        m = vm.mj_model
        if c.shape != (nstep, m.nu + 6 * m.nbody):
            raise PhysicsError(
                f"variant {i}: controls have shape {c.shape}, expected ({nstep}, {m.nu + 6 * m.nbody})"
            )
        groups.setdefault((int(m.signature), int(mj.mj_stateSize(m, spec))), []).append(i)
    nthread = (os.cpu_count() or 1) if nthread is None else nthread
    out: list[Batch | None] = [None] * len(variants)
    runner = mj_rollout.Rollout(nthread=nthread) if nthread > 0 else None
    try:
        for (_, nstate), idx in groups.items():
            per = max(1, _MAX_BATCH_BYTES // max(1, nstep * nstate * 8))
            for k in range(0, len(idx), per):
                chunk = idx[k : k + per]
                models = [variants[i].mj_model for i in chunk]
                nthr = max(1, min(nthread, len(chunk)))
                datas = [mj.MjData(models[0]) for _ in range(nthr)]
                init = np.stack([inits[i] for i in chunk])
                ctrl = np.ascontiguousarray(np.stack([controls[i] for i in chunk]))
                warm = np.zeros((len(chunk), models[0].nv))
                kwargs: dict[str, Any] = {
                    "control_spec": cspec,
                    "nstep": nstep,
                    "initial_warmstart": warm,
                }
                try:
                    if runner is not None and len(chunk) > 1:
                        state, sens = runner.rollout(models, datas, init, ctrl, **kwargs)
                    else:
                        state, sens = mj_rollout.rollout(models, datas[:1], init, ctrl, **kwargs)
                except ValueError as err:
                    raise PhysicsError(f"MuJoCo refused the scenario rollout: {err}") from err
                for j, i in enumerate(chunk):
                    m = variants[i].mj_model
                    ns = m.nsensordata
                    out[i] = Batch(state=np.array(state[j]), force=np.array(sens[j][:, ns - m.nu : ns]))
    finally:
        if runner is not None:
            runner.close()
    return [b for b in out if b is not None]
