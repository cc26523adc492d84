"""Reachability: whole-body IK (``mink`` on the variant's MuJoCo model) under joint limits, collision
avoidance (the arm against the shelf and the rest of the body) and balance (feet planted, CoM kept over
their support polygon), then a MuJoCo check that the posture stands.

The IK is a sequence of small QP steps (mink + daqp): the hand's frame task (position only), both feet
held where they stand (full pose, high weight), a CoM task that pulls the CoM back towards the
centre of the feet only when its projection comes closer than ``balance_margin`` to the polygon's edge,
and a light posture task. Joint limits and collision distances are hard QP constraints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import DependencyError
from ..model import RobotModel
from ..model.transforms import FloatArray
from ..physics.mujoco._builder import import_mujoco
from ..twin import BaseState, RobotState
from ..twin._types import frozen_array
from ._config import Changes, ReachConfig
from ._measures import Measured, convex_hull, support_margin
from ._results import ReachResult
from ._sim import SHELF_NAME, Batch, VariantModel, collider_points, welded_bodies

__all__ = ["Posture", "solve_reach", "verified"]

_ITERATIONS = 300
_IK_DT = 0.05


@dataclass(frozen=True)
class Posture:
    state: RobotState
    result: ReachResult


def _mink() -> Any:
    try:
        import mink
    except ImportError as err:
        raise DependencyError.missing("mink", "scenarios") from err
    return mink


def _frame(vm: VariantModel, name: str) -> tuple[str, str]:
    m = vm.mj_model
    if name in vm.names.site:
        return m.site(vm.names.site[name]).name, "site"
    return m.body(vm.names.body[name]).name, "body"


def _frame_pos(vm: VariantModel, d: Any, name: str) -> FloatArray:
    if name in vm.names.site:
        return np.array(d.site_xpos[vm.names.site[name]])
    return np.array(d.xpos[vm.names.body[name]])


def _sole_points(vm: VariantModel, d: Any, feet: Sequence[str]) -> FloatArray:
    """(k, 2) xy of the feet's colliders (:func:`collider_points`)."""
    m = vm.mj_model
    pts = [np.zeros((0, 2))]
    for f in feet:
        for g in np.flatnonzero(np.isin(np.asarray(m.geom_bodyid), welded_bodies(m, vm.body_of[f]))):
            if m.geom_contype[g] != 0 or m.geom_conaffinity[g] != 0:
                pts.append(collider_points(m, d, int(g))[:, :2])
    return np.vstack(pts)


def _chain(vm: VariantModel, hand: str) -> list[int]:
    """Bodies from the hand up to (not including) the first body with several child bodies (the torso)."""
    m = vm.mj_model
    children = np.bincount(np.asarray(m.body_parentid)[1:], minlength=m.nbody)
    b = vm.body_of[hand]
    out = []
    while b > 0 and children[b] <= 1:
        out.append(b)
        b = int(m.body_parentid[b])
    return out


def _colliders(m: Any, bodies: Sequence[int]) -> list[int]:
    ids = np.flatnonzero(np.isin(np.asarray(m.geom_bodyid), bodies))
    return [int(g) for g in ids if m.geom_contype[g] != 0 or m.geom_conaffinity[g] != 0]


def _clearance(mj: Any, m: Any, d: Any, a: Sequence[int], b: Sequence[int]) -> float:
    best = math.inf
    fromto = np.zeros(6)
    for g1 in a:
        for g2 in b:
            best = min(best, float(mj.mj_geomDistance(m, d, g1, g2, 1.0, fromto)))
    return best


def _solve(
    mink: Any,
    vm: VariantModel,
    q0: FloatArray,
    target: FloatArray,
    cfg: ReachConfig,
    feet: Sequence[str],
    pairs: list[tuple[list[int], list[int]]],
) -> tuple[FloatArray, FloatArray, float]:
    """(qpos, hand position, CoM margin) after the IK iterations towards ``target``."""
    m = vm.mj_model
    mj = import_mujoco()
    conf = mink.Configuration(m, q0.copy())
    hand_name, hand_type = _frame(vm, cfg.hand)
    hand = mink.FrameTask(hand_name, hand_type, position_cost=1.0, orientation_cost=0.0, lm_damping=1.0)
    hand.set_target(mink.SE3.from_translation(target))
    tasks: list[Any] = [hand]
    for f in feet:
        name, typ = _frame(vm, f)
        t = mink.FrameTask(name, typ, position_cost=50.0, orientation_cost=50.0)
        t.set_target_from_configuration(conf)
        tasks.append(t)
    com = mink.ComTask(cost=np.array([20.0, 20.0, 0.0]))
    tasks.append(com)
    posture = mink.PostureTask(m, cost=1e-2)
    posture.set_target(q0)
    tasks.append(posture)
    limits: list[Any] = [mink.ConfigurationLimit(m)]
    if pairs:
        limits.append(
            mink.CollisionAvoidanceLimit(
                m,
                geom_pairs=pairs,
                minimum_distance_from_collisions=cfg.clearance,
                collision_detection_distance=cfg.clearance + 0.1,
            )
        )
    poly = convex_hull(_sole_points(vm, conf.data, feet))
    centre = poly.mean(axis=0)
    root = vm.root_body
    for _ in range(_ITERATIONS):
        c = np.array(conf.data.subtree_com[root])
        if support_margin(poly, c[:2]) < cfg.balance_margin + 0.01:
            com.set_target(np.array([centre[0], centre[1], c[2]]))
        else:
            com.set_target(c)
        vel = mink.solve_ik(conf, tasks, _IK_DT, "daqp", damping=1e-3, limits=limits)
        conf.integrate_inplace(vel, _IK_DT)
        if np.linalg.norm(vel) < 1e-4:
            break
    mj.mj_forward(m, conf.data)
    c = np.array(conf.data.subtree_com[root])
    return np.array(conf.q), _frame_pos(vm, conf.data, cfg.hand), support_margin(poly, c[:2])


def solve_reach(
    robot: RobotModel,
    vm: VariantModel,
    start: RobotState,
    cfg: ReachConfig,
    changes: Changes,
    feet: Sequence[str],
) -> Posture:
    """Find the posture reaching ``changes.target or cfg.target`` from the standing ``start``."""
    mink = _mink()
    mj = import_mujoco()
    m = vm.mj_model
    d = mj.MjData(m)
    target = np.array(changes.target if changes.target is not None else cfg.target, dtype=np.float64)
    fq = vm.names.free_qpos_adr
    base0 = np.zeros(7)
    if start.base is not None:
        base0 = np.array([*start.base.position, *start.base.quat])
    chain = _chain(vm, cfg.hand)
    arm = _colliders(m, chain)
    parent = int(m.body_parentid[chain[-1]]) if chain else 0
    others = [b for b in range(1, m.nbody) if b not in chain and b != parent]
    shelf = int(mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM, SHELF_NAME))
    against = _colliders(m, others) + ([shelf] if shelf >= 0 else [])
    pairs = [(arm, against)] if arm and against else []
    shifts = [0.0]
    if cfg.allow_stepping:
        shifts += list(np.arange(0.1, cfg.max_step + 1e-9, 0.1))
    best: tuple[float, FloatArray, FloatArray, float, float] | None = None
    horiz = target[:2] - base0[:2]
    direction = horiz / max(float(np.linalg.norm(horiz)), 1e-9)
    for shift in shifts:
        q0 = np.array(m.qpos0)
        q0[vm.qadr] = start.q
        if fq is not None:
            q0[fq : fq + 7] = base0
            q0[fq : fq + 2] += shift * direction
        qpos, hand, margin = _solve(mink, vm, q0, target, cfg, feet, pairs)
        err = float(np.linalg.norm(hand - target))
        if best is None or err < best[0]:
            best = (err, qpos, q0, margin, shift)
        if err <= cfg.tolerance and margin >= cfg.balance_margin:
            break
    assert best is not None
    err, qpos, q0, margin, shift = best
    d.qpos[:] = qpos
    mj.mj_forward(m, d)
    clearance = _clearance(mj, m, d, arm, against) if pairs else math.inf
    q = qpos[vm.qadr]
    joints = [robot.joint(n) for n in vm.joint_names]
    within = all(j.lower - 1e-6 <= v <= j.upper + 1e-6 for j, v in zip(joints, q, strict=True))
    reached = err <= cfg.tolerance
    spare = 0.0
    if reached and margin >= cfg.balance_margin:
        shoulder = np.array(d.xpos[chain[-1]]) if chain else base0[:3]
        reach_dir = target - shoulder
        reach_dir /= max(float(np.linalg.norm(reach_dir)), 1e-9)
        _, hand_far, _ = _solve(mink, vm, qpos, target + 0.5 * reach_dir, cfg, feet, pairs)
        spare = max(0.0, float((hand_far - target) @ reach_dir))
    reasons = []
    if not reached:
        reasons.append(f"hand stops {err * 100:.1f} cm from the target")
    if margin < cfg.balance_margin:
        reasons.append(f"CoM margin {margin * 100:.1f} cm < {cfg.balance_margin * 100:.1f} cm")
    if clearance < cfg.clearance - 2e-3:
        reasons.append(f"clearance {clearance * 100:.1f} cm")
    if not within:
        reasons.append("joint limits exceeded")
    if reasons:
        spare = 0.0
    base = (
        tuple(float(v) for v in qpos[fq : fq + 7]) if fq is not None else (0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    )
    result = ReachResult(
        reachable=not reasons,
        distance_left=err,
        spare_reach=spare,
        posture={n: float(v) for n, v in zip(vm.joint_names, q, strict=True)},
        base=base,
        com_margin=margin,
        clearance=clearance,
        within_limits=within,
        stood=False,
        hand_drift=math.nan,
        stance_shift=float(shift),
        reason="; ".join(reasons),
    )
    state = RobotState(
        0.0,
        vm.joint_names,
        frozen_array(q),
        frozen_array(np.zeros_like(q)),
        BaseState(0.0, base[:3], base[3:7]) if fq is not None else None,  # type: ignore[arg-type]
        frozen_array(q),
    )
    return Posture(state, result)


def verified(
    result: ReachResult, vm: VariantModel, init: FloatArray, batch: Batch, meas: Measured, cfg: ReachConfig
) -> ReachResult:
    """``result`` completed with the verification rollout: stood, hand drift, and the final verdict."""
    mj = import_mujoco()
    m = vm.mj_model
    d = mj.MjData(m)
    spec = int(mj.mjtState.mjSTATE_FULLPHYSICS)
    mj.mj_setState(m, d, init, spec)
    mj.mj_kinematics(m, d)
    p0 = _frame_pos(vm, d, cfg.hand)
    mj.mj_setState(m, d, batch.state[-1], spec)
    mj.mj_kinematics(m, d)
    drift = float(np.linalg.norm(_frame_pos(vm, d, cfg.hand) - p0))
    stood = not meas.fell
    reason = result.reason
    if not stood:
        reason = "; ".join(r for r in (reason, f"fell after {meas.fall_time:.2f} s in the posture") if r)
    return replace(
        result,
        stood=stood,
        hand_drift=drift,
        reachable=result.reachable and stood,
        spare_reach=result.spare_reach if stood else 0.0,
        reason=reason,
    )
