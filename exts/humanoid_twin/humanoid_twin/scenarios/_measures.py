"""Per-variant measures from a rollout: fall, support margin, torque/velocity vs limits, limit hits,
foot slip, energy — each up to the fall when the robot falls (and the series end there).

Torques, velocities, limit hits and energy use every physics step; contacts (support polygon, slip)
and the fall test use samples every ``sample_dt``, where the state is restored into an ``MjData`` and
``mj_forward`` recomputes contacts, CoM and frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import RobotModel
from ..model.transforms import FloatArray
from ..physics.mujoco._builder import import_mujoco
from ._config import MeasuresConfig
from ._sim import Batch, VariantModel, collider_points, welded_bodies

__all__ = ["Measured", "Series", "convex_hull", "measure", "support_margin"]

SOLE_BAND = 0.002
"""A touching foot collider's points up to this much above its highest contact [m] support it too."""


def convex_hull(points: FloatArray) -> FloatArray:
    """(k, 2) convex hull of 2-D points, counter-clockwise (monotone chain); collinear points dropped."""
    pts: FloatArray = np.unique(np.round(np.asarray(points, dtype=np.float64), 9), axis=0)
    if len(pts) < 3:
        return pts
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def cross(o: FloatArray, a: FloatArray, b: FloatArray) -> float:
        return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))

    lower: list[FloatArray] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 1e-12:
            lower.pop()
        lower.append(p)
    upper: list[FloatArray] = []
    for p in pts[::-1]:
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 1e-12:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def support_margin(points: FloatArray, p: FloatArray) -> float:
    """Signed distance [m] from ``p`` (x, y) to the convex hull of ``points`` (k, 2): positive inside,
    negative outside; a hull of one or two points (a line) only gives negative distances; −inf without
    points."""
    if len(points) == 0:
        return -math.inf
    hull = convex_hull(points)
    q = np.asarray(p, dtype=np.float64)[:2]
    if len(hull) == 1:
        return -float(np.linalg.norm(q - hull[0]))
    a = hull
    b = np.roll(hull, -1, axis=0) if len(hull) > 2 else hull[::-1]
    e = b - a
    length2 = (e**2).sum(axis=1)
    t = np.clip(((q - a) * e).sum(axis=1) / np.maximum(length2, 1e-24), 0.0, 1.0)
    dist = float(np.linalg.norm(a + t[:, None] * e - q, axis=1).min())
    if len(hull) < 3:
        return -dist
    inside = bool(np.all(e[:, 0] * (q[1] - a[:, 1]) - e[:, 1] * (q[0] - a[:, 0]) >= 0))
    return dist if inside else -dist


@dataclass(frozen=True)
class Series:
    """Sampled time series of one variant (for plots), every ``sample_dt``."""

    times: FloatArray
    """(K,) [s] from the fork."""
    support_margin: FloatArray
    """(K,) CoM-projection margin [m] (NaN with no foot on the ground)."""
    base_height: FloatArray
    """(K,) root height above the lowest foot [m]."""
    base_xy: FloatArray
    """(K, 2) root position [m]."""
    com: FloatArray
    """(K, 3) whole-body CoM [m]."""
    torque_ratio: FloatArray
    """(K,) largest |torque| / effort limit over the joints at that sample."""


@dataclass(frozen=True)
class Measured:
    """The scalar measures of one variant (see :class:`~humanoid_twin.scenarios.VariantResult`)."""

    fell: bool
    fall_time: float | None
    min_support_margin: float
    torque_ratio: dict[str, float]
    velocity_ratio: dict[str, float]
    limit_hits: dict[str, int]
    slip: float
    energy: float
    distance: float
    series: Series
    fall_reason: str | None = None
    """Which fall test fired: the root's tilt, its height, or which body touched the ground."""


def _frozen(a: object) -> FloatArray:
    out = np.array(a, dtype=np.float64)
    out.setflags(write=False)
    return out


def measure(
    robot: RobotModel,
    vm: VariantModel,
    init: FloatArray,
    batch: Batch,
    cfg: MeasuresConfig,
    sample_dt: float,
) -> Measured:
    """Compute every measure of one variant's rollout (``init`` is its initial FULLPHYSICS state)."""
    mj = import_mujoco()
    m = vm.mj_model
    dt = float(m.opt.timestep)
    spec = int(mj.mjtState.mjSTATE_FULLPHYSICS)
    q_off, v_off = 1, 1 + m.nq  # FULLPHYSICS: time, qpos, qvel, …
    states = np.vstack([init[None], batch.state])
    n_steps = batch.state.shape[0]
    joints = [robot.joint(n) for n in vm.joint_names]
    q = states[:, q_off + vm.qadr]
    qd = states[:, v_off + vm.vadr]
    # ---- torques (per step, force after step k acts during step k)
    tau = np.zeros((n_steps, len(joints)))
    has = vm.act >= 0
    tau[:, has] = batch.force[:, vm.act[has]]
    effort = np.array([j.limit.effort if j.limit and j.limit.effort else np.nan for j in joints])
    vel = np.array([j.limit.velocity if j.limit and j.limit.velocity else np.nan for j in joints])
    with np.errstate(invalid="ignore", divide="ignore"):
        tr = np.abs(tau) / effort
        vr = np.abs(qd[1:]) / vel
    # ---- sampled kinematics and contacts
    every = max(1, round(sample_dt / dt))
    idx = np.arange(0, n_steps + 1, every)
    d = mj.MjData(m)
    geom_body = np.asarray(m.geom_bodyid)
    foot_geoms = [  # each foot's colliders: those of the rigid piece its frame is on
        set(np.flatnonzero(np.isin(geom_body, welded_bodies(m, vm.body_of[f]))).tolist()) for f in cfg.soles
    ]
    all_foot = set().union(*foot_geoms)
    ground = set(vm.ground_geoms.tolist())
    robot_geom = geom_body != 0
    frame_of = {}
    for f in cfg.soles:
        if f in vm.names.site:
            frame_of[f] = ("site", vm.names.site[f])
        else:
            frame_of[f] = ("body", vm.body_of[f])
    k = len(idx)
    margin = np.full(k, np.nan)
    height = np.zeros(k)
    base_xy = np.zeros((k, 2))
    com = np.zeros((k, 3))
    ratio = np.zeros(k)
    foot_pos = np.zeros((k, len(cfg.soles), 3))
    foot_on = np.zeros((k, len(cfg.soles)), dtype=bool)
    fell_at: int | None = None
    fall_reason: str | None = None
    cos_tilt = math.cos(math.radians(cfg.fall_tilt))
    h0 = None
    axis0 = np.array([0.0, 0.0, 1.0])
    root = vm.root_body
    for s, step in enumerate(idx):
        mj.mj_setState(m, d, states[step], spec)
        mj.mj_forward(m, d)
        for i, f in enumerate(cfg.soles):
            kind, fid = frame_of[f]
            foot_pos[s, i] = d.site_xpos[fid] if kind == "site" else d.xpos[fid]
        pts = []
        other = False
        touched = ""
        touching: dict[int, float] = {}  # foot collider → height of its highest contact [m]
        ncon = d.ncon
        if ncon:
            geoms = np.asarray(d.contact.geom[:ncon])
            pos = np.asarray(d.contact.pos[:ncon])
            for c in range(ncon):
                g1, g2 = int(geoms[c, 0]), int(geoms[c, 1])
                g_robot = g2 if g1 in ground else g1 if g2 in ground else -1
                if g_robot < 0 or not robot_geom[g_robot]:
                    continue
                if g_robot in all_foot:
                    pts.append(pos[c, :2])
                    touching[g_robot] = max(touching.get(g_robot, -math.inf), float(pos[c, 2]))
                else:
                    other = True
                    touched = touched or m.body(int(geom_body[g_robot])).name
        for g, top in touching.items():  # MuJoCo keeps a few of a collider's contacts: add its points as low
            spans = collider_points(m, d, g)
            pts.extend(spans[spans[:, 2] <= top + SOLE_BAND, :2])
        for i in range(len(cfg.soles)):
            foot_on[s, i] = not foot_geoms[i].isdisjoint(touching)
        com[s] = d.subtree_com[root]
        if pts and step > 0:  # the fork's own state (step 0) was placed, not simulated: see below
            margin[s] = support_margin(np.array(pts), com[s, :2])
        base_xy[s] = d.xpos[root][:2]
        height[s] = float(d.xpos[root][2] - foot_pos[s, :, 2].min())
        if h0 is None:
            h0 = height[s]
        ratio[s] = float(np.nanmax(tr[step - 1])) if step > 0 and np.isfinite(effort).any() else 0.0
        axis = np.asarray(d.xmat[root])[[2, 5, 8]]  # the root's z axis in the world
        if s == 0:
            axis0 = axis.copy()
        upright = float(axis @ axis0)  # tilt from the start: a reach posture may be bent on purpose
        if fell_at is None and (upright < cos_tilt or height[s] < cfg.fall_height * h0 or other):
            fell_at = s
            if upright < cos_tilt:
                tilt = math.degrees(math.acos(max(-1.0, min(1.0, upright))))
                fall_reason = f"root tilted {tilt:.0f}° (fall_tilt {cfg.fall_tilt:g}°)"
            elif height[s] < cfg.fall_height * h0:
                fall_reason = f"root sank to {height[s] / h0:.0%} of its height above the feet"
            else:
                fall_reason = f"{touched} touched the ground" + (" at the start" if step == 0 else "")
    end = k if fell_at is None else fell_at
    # ---- per-step measures up to the fall (after it, a robot whose only colliders are its feet would
    # sink through the floor, and nothing it does then says anything about the question asked)
    stop = n_steps if fell_at is None else max(1, int(idx[fell_at]))
    torque_ratio = {
        n: float(np.nanmax(tr[:stop, i])) if np.isfinite(effort[i]) else math.nan
        for i, n in enumerate(vm.joint_names)
    }
    velocity_ratio = {
        n: float(np.nanmax(vr[:stop, i])) if np.isfinite(vel[i]) else math.nan
        for i, n in enumerate(vm.joint_names)
    }
    energy = float(np.abs(tau[:stop] * qd[1 : stop + 1]).sum() * dt)
    # limit hits: entries into the band within limit_margin of a finite limit during the rollout; a joint
    # that starts in the band rests at its stop (Talos' straight knees at the zero pose) and counts when
    # it comes back after leaving it
    lo = np.array([j.lower for j in joints])
    hi = np.array([j.upper for j in joints])
    with np.errstate(invalid="ignore"):
        at = (q[: stop + 1] <= lo + cfg.limit_margin) | (q[: stop + 1] >= hi - cfg.limit_margin)
    entries = at[1:] & ~at[:-1]
    hits = {n: int(entries[:, i].sum()) for i, n in enumerate(vm.joint_names)}
    hits = {n: c for n, c in hits.items() if c}
    shown = k if fell_at is None else fell_at + 1  # the series end at the fall
    valid = margin[:end][np.isfinite(margin[:end])]
    slip = 0.0
    for i in range(len(cfg.soles)):
        both = foot_on[1:end, i] & foot_on[: max(0, end - 1), i]
        step_xy = np.linalg.norm(np.diff(foot_pos[:end, i, :2], axis=0), axis=1)
        slip += float(step_xy[both].sum())
    return Measured(
        fell=fell_at is not None,
        fall_time=None if fell_at is None else float(idx[fell_at] * dt),
        fall_reason=fall_reason,
        min_support_margin=float(valid.min()) if valid.size else math.nan,
        torque_ratio=torque_ratio,
        velocity_ratio=velocity_ratio,
        limit_hits=hits,
        slip=slip,
        energy=energy,
        distance=float(np.linalg.norm(base_xy[end - 1] - base_xy[0])) if end else 0.0,
        series=Series(
            times=_frozen(idx[:shown] * dt),
            support_margin=_frozen(margin[:shown]),
            base_height=_frozen(height[:shown]),
            base_xy=_frozen(base_xy[:shown]),
            com=_frozen(com[:shown]),
            torque_ratio=_frozen(ratio[:shown]),
        ),
    )


def worst(values: dict[str, float]) -> tuple[str, float]:
    """(joint, value) of the largest finite value (("", nan) when none)."""
    finite = [(n, v) for n, v in values.items() if math.isfinite(v)]
    if not finite:
        return "", math.nan
    return max(finite, key=lambda nv: nv[1])
