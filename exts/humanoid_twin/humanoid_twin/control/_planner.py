"""Footsteps from a route, then placo: walk pattern generator (ZMP/LIPM) and whole-body IK.

Placo plans the CoM over the support sequence (x, y only: its LIPM has a constant height) and
gives the trunk orientation; the feet and the CoM height are ours, so that footholds can sit at
different heights (stairs): the swing foot clears the higher foothold by ``step_height`` and the
CoM height follows the ground under the feet.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import DependencyError, ModelError, PhysicsError
from ..model import RobotModel
from ..model.transforms import FloatArray, matrix_to_quat
from .walk import (
    FootShape,
    Footstep,
    Route,
    Stairs,
    StairsPlacement,
    Stop,
    SupportPhase,
    Turn,
    Walk,
    WalkParams,
    WalkPlan,
    _frozen,
    foot_shape,
)

_log = logging.getLogger(__name__)

Side = Literal["left", "right"]
_FRAMES = ("trunk", "left_foot", "right_foot")
_IK_ITERATIONS = 2
"""IK solves per sample (one lags fast swing motions by centimetres)."""
_TOE_DOWN = 0.35
"""[rad] largest toe-down pitch of a swing foot on stairs (heel lifts first)."""
_PLACO_DT = 0.04
"""[s] target step of placo's LIPM planner."""
_FF_GRAVITY = True
"""Add the static gravity torques ÷ kp to the joint targets (see :func:`_feedforward`)."""
_FF_VELOCITY = 0.5
"""Fraction of the servo's damping drag (kd · q̇ ÷ kp) added to the joint targets."""


def import_placo() -> Any:
    try:
        import placo
    except ImportError as err:
        raise DependencyError.missing("placo", "walk") from err
    return placo


@contextlib.contextmanager
def _native_stderr_to_log() -> Iterator[None]:
    """Route what C++ code writes to file descriptor 2 inside the block to this module's log (debug).

    placo's ``HumanoidRobot`` prints "WARNING: Can't find head frames in the model, camera_look_at
    won't work" on every load: it looks for head frames of its own naming, which the walk does not
    use. On a terminal that line looked like our warning. Python's own ``sys.stderr`` is untouched.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode("utf-8", "replace").splitlines():
                _log.debug("placo: %s", line)


def urdf_for_placo(model: RobotModel) -> str:
    """``model`` as URDF text without visuals and collisions (placo needs kinematics and inertia only,
    and must not go looking for mesh files)."""
    from ..urdf.writer import write_urdf

    text = write_urdf(model)
    root = ET.fromstring(text.split("\n", 1)[1] if text.startswith("<?xml") else text)
    for link in root.findall("link"):
        for child in list(link):
            if child.tag in ("visual", "collision"):
                link.remove(child)
    return ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------- footsteps


@dataclass
class _Pose:
    x: float
    y: float
    z: float
    yaw: float


@dataclass
class _Cursor:
    """The robot's walking frame (between the feet) and what has been placed so far."""

    x: float
    y: float
    z: float
    yaw: float
    width: float
    last: Side | None = None

    def foot(self, side: Side, along: float = 0.0) -> _Pose:
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        lat = self.width / 2 if side == "left" else -self.width / 2
        return _Pose(self.x + c * along - s * lat, self.y + s * along + c * lat, self.z, self.yaw)

    def advance(self, along: float) -> None:
        self.x += math.cos(self.yaw) * along
        self.y += math.sin(self.yaw) * along


@dataclass
class _Leg:
    moves: list[tuple[Side, _Pose]]
    stairs: bool


def _other(side: Side) -> Side:
    return "right" if side == "left" else "left"


def _legs(
    params: WalkParams, route: Route, foot: FootShape
) -> tuple[list[_Leg | float], list[StairsPlacement]]:
    """The route as legs: moves (side, target pose) planned together, or a float = a stop [s].
    Moves alternate sides within a leg; stairs are legs of their own (walked slower)."""
    cur = _Cursor(0.0, 0.0, 0.0, 0.0, params.step_width)
    out: list[_Leg | float] = []
    stairs: list[StairsPlacement] = []
    moves: list[tuple[Side, _Pose]] = []

    def move(side: Side) -> None:
        if moves and cur.last == side:  # keep sides alternating: re-place the other foot where it is
            moves.append((_other(side), cur.foot(_other(side))))
        moves.append((side, cur.foot(side)))
        cur.last = side

    for seg in route:
        if isinstance(seg, Stop):
            if moves:
                out.append(_Leg(moves, False))
                moves = []
            cur.last = None
            out.append(seg.duration)
        elif isinstance(seg, Walk):
            n = max(1, math.ceil(seg.distance / params.step_length - 1e-9))
            step = seg.distance / n
            side: Side = _other(cur.last) if cur.last else "left"
            for _ in range(n):
                cur.advance(step)
                move(side)
                side = _other(side)
            move(side)  # bring the trailing foot alongside
        elif isinstance(seg, Turn):
            n = max(1, math.ceil(abs(seg.angle) / params.turn_step - 1e-9))
            lead: Side = "left" if seg.angle > 0 else "right"
            order = (lead, _other(lead)) if cur.last != lead else (_other(lead), lead)
            for _ in range(n):
                cur.yaw += seg.angle / n
                move(order[0])
                move(order[1])
        elif isinstance(seg, Stairs):
            if moves:
                out.append(_Leg(moves, False))
                moves = []
            to_riser = foot.toe + seg.gap
            c, s = math.cos(cur.yaw), math.sin(cur.yaw)
            stairs.append(
                StairsPlacement(
                    n=seg.n,
                    rise=seg.rise,
                    tread=seg.tread,
                    start=(cur.x + c * to_riser, cur.y + s * to_riser, cur.z),
                    yaw=cur.yaw,
                )
            )
            centre = 0.5 * (foot.heel + foot.toe)
            side = _other(cur.last) if cur.last else "left"
            prev = 0.0
            for k in range(1, seg.n + 1):
                along = to_riser + (k - 1) * seg.tread + seg.tread / 2 - centre
                cur.advance(along - prev)
                prev = along
                cur.z += seg.rise
                move(side)
                move(_other(side))
            out.append(_Leg(moves, True))
            moves = []
        else:  # pragma: no cover - Route validates its segments
            raise PhysicsError(f"unknown route segment {seg!r}")
    if moves:
        out.append(_Leg(moves, False))
    return out, stairs


# ---------------------------------------------------------------- helpers


def _q5(s: float) -> float:
    s = min(1.0, max(0.0, s))
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))


def _wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


def _matrix(p: _Pose, pitch: float = 0.0) -> FloatArray:
    c, s = math.cos(p.yaw), math.sin(p.yaw)
    m = np.eye(4)
    m[:2, :2] = [[c, -s], [s, c]]
    if pitch:
        cp, sp = math.cos(pitch), math.sin(pitch)
        m[:3, :3] = m[:3, :3] @ np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    m[:3, 3] = (p.x, p.y, p.z)
    return m


def _pose7(m: FloatArray) -> FloatArray:
    return np.concatenate([m[:3, 3], matrix_to_quat(m[:3, :3])])


def _hull(points: FloatArray) -> FloatArray:
    """Convex hull (counter-clockwise, monotone chain) of (k, 2) points."""
    pts = sorted({(round(float(x), 9), round(float(y), 9)) for x, y in points})
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def _sole_corners(foot: FootShape, p: _Pose) -> FloatArray:
    c, s = math.cos(p.yaw), math.sin(p.yaw)
    r = np.array([[c, -s], [s, c]])
    return np.asarray(foot.corners() @ r.T + (p.x, p.y))


def _ss_timesteps(single: float, ratio: float) -> int:
    """Single-support timesteps of placo's planner: about 0.04 s each, chosen so the double support
    (ratio × timesteps) is a whole number of them when possible."""
    base = max(4, round(single / _PLACO_DT))
    for n in range(base, base + 12):
        if abs(n * ratio - round(n * ratio)) < 1e-6:
            return n
    return base


# ---------------------------------------------------------------- the planner


class _Recorder:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.t: list[float] = []
        self.q: list[FloatArray] = []
        self.base: list[FloatArray] = []
        self.com: list[FloatArray] = []
        self.zmp: list[FloatArray] = []
        self.feet: list[FloatArray] = []
        self.contact: list[tuple[bool, bool]] = []
        self.polygon: list[FloatArray] = []
        self.tau: list[FloatArray] = []

    def hold(self, until: float, dt: float) -> None:
        while (len(self.t)) * dt <= until + 1e-9:
            self.t.append(len(self.t) * dt)
            for lst in (self.q, self.base, self.com, self.zmp, self.feet, self.polygon, self.tau):
                if lst:
                    lst.append(lst[-1])
            self.contact.append(self.contact[-1])


def _placo_params(
    placo: Any, params: WalkParams, foot: FootShape, slowdown: float, stairs: bool = False
) -> Any:
    p = placo.HumanoidParameters()
    single = params.single_support * slowdown
    ds = params.stairs_double_support_ratio if stairs else params.double_support_ratio
    p.single_support_timesteps = _ss_timesteps(single, ds)
    p.single_support_duration = single
    p.double_support_ratio = ds
    p.startend_double_support_ratio = params.startend_ratio / slowdown
    p.planned_timesteps = 100
    p.walk_com_height = params.com_height
    p.walk_foot_height = params.step_height
    p.walk_trunk_pitch = params.trunk_pitch
    p.walk_foot_rise_ratio = 0.2
    p.feet_spacing = params.step_width
    # placo's sole rectangle is centred on the sole frame: use the largest one inside ours
    p.foot_length = 2.0 * min(-foot.heel, foot.toe)
    p.foot_width = 2.0 * foot.half_width
    p.zmp_margin = params.zmp_margin
    p.foot_zmp_target_x = 0.0
    p.foot_zmp_target_y = 0.0
    return p


def plan(model: RobotModel, params: WalkParams, route: Route, dt: float) -> WalkPlan:
    placo = import_placo()
    wall = time.perf_counter()
    links = {lk.name for lk in model.links}
    missing = [f for f in _FRAMES if f not in links]
    if missing:
        raise ModelError(
            f"robot {model.name!r} has no frame {missing[0]!r}; walking needs the frames "
            f"{', '.join(_FRAMES)} (as the bundled humanoid has)"
        )
    foot = foot_shape(model, "left_foot")
    try:
        with _native_stderr_to_log():
            robot = placo.HumanoidRobot(".", 0, urdf_for_placo(model))
    except Exception as err:  # placo raises plain RuntimeError/ValueError
        raise PhysicsError(f"placo cannot load robot {model.name!r}: {err}") from err

    actuated = tuple(j.name for j in model.actuated_joints)
    from ..robots import humanoid

    names = humanoid.JOINT_NAMES if set(actuated) == set(humanoid.JOINT_NAMES) else actuated

    p = _placo_params(placo, params, foot, 1.0)
    p_stairs = _placo_params(placo, params, foot, params.stairs_slowdown, True)

    solver = placo.KinematicsSolver(robot)
    solver.enable_velocity_limits(True)
    solver.dt = dt
    tasks = placo.WalkTasks()
    tasks.initialize_tasks(solver, robot)
    legs_joints = {n for n in names if any(k in n for k in ("hip", "knee", "ankle"))}
    rest = {n: float(humanoid.NOMINAL_POSE.get(n, 0.0)) for n in names if n not in legs_joints}
    if rest:
        jt = solver.add_joints_task()
        jt.set_joints(rest)
        jt.configure("upper_body", "soft", 1.0)
    t_left = np.eye(4)
    t_left[1, 3] = params.step_width / 2
    tasks.reach_initial_pose(t_left, params.step_width, params.com_height, params.trunk_pitch)

    legs, stairs = _legs(params, route, foot)
    omega = math.sqrt(9.81 / params.com_height)
    wpgs = {False: placo.WalkPatternGenerator(robot, p), True: placo.WalkPatternGenerator(robot, p_stairs)}
    side_of = {"left": placo.HumanoidRobot_Side.left, "right": placo.HumanoidRobot_Side.right}

    rec = _Recorder(names)
    feet_now: dict[Side, _Pose] = {
        "left": _Pose(0.0, params.step_width / 2, 0.0, 0.0),
        "right": _Pose(0.0, -params.step_width / 2, 0.0, 0.0),
    }
    steps: dict[Side, list[list[Any]]] = {
        s: [[s, (p_.x, p_.y, p_.z), p_.yaw, 0.0, math.inf]] for s, p_ in feet_now.items()
    }
    order: list[tuple[Side, int]] = [("left", 0), ("right", 0)]
    phases: list[SupportPhase] = []

    def sample(t: float, traj: Any, both: bool, stance: Side | None, swing: Any) -> None:
        poses: dict[Side, _Pose] = {}
        ground: dict[Side, float] = {}
        pitch: dict[Side, float] = {"left": 0.0, "right": 0.0}
        for side in ("left", "right"):
            poses[side] = feet_now[side]
            ground[side] = feet_now[side].z
        if swing is not None:
            side, a, b, t0, t1, (w0, w1, r1, f0), clearance, toe_down = swing
            s = (t - t0) / (t1 - t0)
            h = _q5((s - w0) / (w1 - w0))
            peak = max(a.z, b.z) + clearance
            z = a.z + (peak - a.z) * _q5(s / r1) if s < f0 else peak + (b.z - peak) * _q5((s - f0) / (1 - f0))
            poses[side] = _Pose(
                a.x + (b.x - a.x) * h, a.y + (b.y - a.y) * h, z, a.yaw + _wrap(b.yaw - a.yaw) * h
            )
            if toe_down:  # heel off first: a trailing foot far behind cannot lift flat (ankle limit)
                pitch[side] = toe_down * math.sin(math.pi * min(1.0, s / 0.5))
            ground[side] = a.z + (b.z - a.z) * _q5(s)
        ml, mr = _matrix(poses["left"], pitch["left"]), _matrix(poses["right"], pitch["right"])
        com_xy = np.asarray(traj.get_p_world_CoM(t))[:2]
        if on_stairs:  # rise only with the trailing foot: a low hip lets the trailing leg reach
            com_z = params.com_height + min(ground["left"], ground["right"])
        else:
            com_z = params.com_height + 0.5 * (ground["left"] + ground["right"])
        tasks.left_foot_task.T_world_frame = ml
        tasks.right_foot_task.T_world_frame = mr
        tasks.com_task.target_world = np.array([com_xy[0], com_xy[1], com_z])
        tasks.trunk_orientation_task.R_world_frame = np.asarray(traj.get_R_world_trunk(t))
        for _ in range(_IK_ITERATIONS):
            robot.update_kinematics()
            solver.solve(True)
        rec.t.append(t)
        rec.q.append(np.array([robot.get_joint(n) for n in names]))
        if _FF_GRAVITY:
            zmp_xy = np.asarray(traj.get_p_world_ZMP(t, omega))[:2]
            if both:
                pl = np.array([poses["left"].x, poses["left"].y])
                pr = np.array([poses["right"].x, poses["right"].y])
                e = pl - pr
                alpha = float(np.clip(np.dot(zmp_xy - pr, e) / max(float(np.dot(e, e)), 1e-9), 0.0, 1.0))
            else:
                alpha = 1.0 if stance == "left" else 0.0
            tau = np.zeros(len(names))
            for side_, w in (("left", alpha), ("right", 1.0 - alpha)):
                if w > 0:
                    dct = robot.static_gravity_compensation_torques_dict(f"{side_}_foot")
                    tau += w * np.array([dct[n] for n in names])
            rec.tau.append(tau)
        rec.base.append(_pose7(np.asarray(robot.get_T_world_fbase())))
        rec.com.append(np.array(robot.com_world()))
        rec.zmp.append(np.asarray(traj.get_p_world_ZMP(t, omega))[:2].copy())
        rec.feet.append(np.stack([_pose7(ml), _pose7(mr)]))
        contact = (both or stance == "left", both or stance == "right")
        rec.contact.append(contact)
        sides: tuple[Side, Side] = ("left", "right")
        corners = [_sole_corners(foot, poses[s]) for s, c in zip(sides, contact, strict=True) if c]
        hull = _hull(np.concatenate(corners))
        poly = np.full((8, 2), np.nan)
        poly[: len(hull)] = hull
        rec.polygon.append(poly)

    t_now = 0.0
    on_stairs = False
    for leg in legs:
        if isinstance(leg, float):
            if not rec.t:
                raise PhysicsError("a route cannot start with a stop; start it with a walk, turn or stairs")
            rec.hold(rec.t[-1] + leg, dt)
            t_now = len(rec.t) * dt
            continue
        wpg = wpgs[leg.stairs]
        # swing profile: xy moves over [w0, w1] of the swing; z rises until r1, falls from f0
        window = (0.1, 0.75, 0.45, 0.75) if leg.stairs else (0.1, 0.9, 0.5, 0.5)
        clearance = params.stairs_step_height if leg.stairs else params.step_height
        first = leg.moves[0][0]
        fs_list = []
        for side in (first, _other(first)):
            f = placo.Footstep(p.foot_width, p.foot_length)
            f.side = side_of[side]
            f.frame = _matrix(feet_now[side])
            fs_list.append(f)
        for side, pose in leg.moves:
            f = placo.Footstep(p.foot_width, p.foot_length)
            f.side = side_of[side]
            f.frame = _matrix(pose)
            fs_list.append(f)
        supports = placo.FootstepsPlanner.make_supports(fs_list, t_now, True, p.has_double_support(), True)
        try:
            traj = wpg.plan(supports, np.asarray(robot.com_world()), t_now)
        except Exception as err:
            raise PhysicsError(f"placo cannot plan the walk starting at t = {t_now:.2f} s: {err}") from err
        on_stairs = leg.stairs
        sups = list(traj.get_supports())
        ends = [float(s.t_start) for s in sups[1:]] + [float(traj.t_end)]
        moves = iter(leg.moves)
        k = len(rec.t)
        for sup, t1 in zip(sups, ends, strict=True):
            t0 = float(sup.t_start)
            if sup.is_both():
                phases.append(SupportPhase(t0, t1, "both"))
                while k * dt <= t1 + 1e-9:
                    sample(k * dt, traj, True, None, None)
                    k += 1
                continue
            side, target = next(moves)
            stance = _other(side)
            phases.append(SupportPhase(t0, t1, stance))
            swing = (
                side,
                feet_now[side],
                target,
                t0,
                t1,
                window,
                clearance,
                _TOE_DOWN if leg.stairs else 0.0,
            )
            steps[side][-1][4] = t0
            while k * dt < t1 - 1e-9:
                sample(k * dt, traj, False, stance, swing)
                k += 1
            feet_now[side] = target
            steps[side].append([side, (target.x, target.y, target.z), target.yaw, t1, math.inf])
            order.append((side, len(steps[side]) - 1))
        t_now = k * dt
    if not rec.t:
        raise PhysicsError("the route has no motion; add a walk, turn or stairs segment")

    q_all = _feedforward(
        model, names, np.stack(rec.q), np.stack(rec.tau) if rec.tau else np.zeros((0, len(names))), dt
    )
    footsteps = tuple(Footstep(*steps[s][i]) for s, i in order)
    _log.debug("planned %d samples, %d footsteps", len(rec.t), len(footsteps))
    return WalkPlan(
        params=params,
        route=route,
        dt=dt,
        joint_names=names,
        times=_frozen(np.arange(len(rec.t)) * dt),
        q=_frozen(q_all),
        base=_frozen(np.stack(rec.base)),
        com=_frozen(np.stack(rec.com)),
        zmp=_frozen(np.stack(rec.zmp)),
        feet=_frozen(np.stack(rec.feet)),
        contact=_frozen_bool(np.array(rec.contact, dtype=bool)),
        polygon=_frozen(np.stack(rec.polygon)),
        footsteps=footsteps,
        phases=tuple(phases),
        stairs=tuple(stairs),
        foot=foot,
        planning_time=time.perf_counter() - wall,
    )


def _feedforward(
    model: RobotModel, names: tuple[str, ...], q: FloatArray, tau: FloatArray, dt: float
) -> FloatArray:
    """Joint targets that make the walk's position servos (:data:`~.walk.WALK_OPTIONS`) reach the IK's
    joint angles ``q`` (T, n) [rad]: ``q + tau / kp + c · kd · q̇ / kp``, clipped to the joint limits.

    ``tau`` (T, n) [N·m] are the static gravity torques of the planned posture with the weight on the
    stance foot (split by the ZMP in double support); ``c`` = :data:`_FF_VELOCITY`. Without this the
    servos sag under load by a few degrees (the robot leans back and the lead foot hovers above a
    stair tread) and lag the swing by ≈ kd / kp = 30 ms.
    """
    from .walk import WALK_OPTIONS

    kp, kd = WALK_OPTIONS.drive_stiffness, WALK_OPTIONS.drive_damping
    out = q.copy()
    if _FF_GRAVITY and len(tau) == len(q):
        out += tau / kp
    if _FF_VELOCITY and len(q) > 1:
        out += _FF_VELOCITY * (kd / kp) * np.gradient(q, dt, axis=0)
    lo = np.full(len(names), -np.inf)
    hi = np.full(len(names), np.inf)
    for i, n in enumerate(names):
        lim = model.joint(n).limit
        if lim is not None:
            lo[i], hi[i] = lim.lower, lim.upper
    return np.asarray(np.clip(out, lo, hi))


def _frozen_bool(a: Any) -> Any:
    a.setflags(write=False)
    return a
