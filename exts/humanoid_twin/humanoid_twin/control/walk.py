"""A walking gait for a humanoid: footsteps from a :class:`Route`, a ZMP/LIPM CoM trajectory and
whole-body IK by ``placo`` (:func:`plan_walk`), tracked open loop by the joint PD servos in MuJoCo
(:func:`simulate_walk`).

Frames: world x forward, y left, z up; the robot starts standing with its feet together (sole
frames at ``(0, ±step_width/2, 0)``), facing +x. Quaternions are ``(w, x, y, z)`` (placo and
pinocchio use ``(x, y, z, w)``; converted here). Times [s] start at 0.

Joint order: a plan's :attr:`WalkPlan.joint_names`. For the bundled humanoid it is
:data:`humanoid_twin.robots.humanoid.JOINT_NAMES`, which is **not** the order of
``model.actuated_joints`` (= :attr:`MujocoBackend.joint_names`, where the neck comes before the
arms); use :meth:`WalkPlan.q_for` / :meth:`WalkPlan.rollout_targets` to get another order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._toml import check_number
from ..errors import ConfigError, ModelError
from ..model import Box, ImportOptions, RobotModel
from ..model.transforms import FloatArray

if TYPE_CHECKING:
    from ..physics.mujoco import MujocoBackend
    from ..physics.mujoco.terrain import Terrain
    from ..twin._types import RobotState

__all__ = [
    "WALK_OPTIONS",
    "WALK_TIMESTEP",
    "FootShape",
    "Footstep",
    "Route",
    "Segment",
    "Stairs",
    "StairsPlacement",
    "Stop",
    "SupportPhase",
    "Turn",
    "Walk",
    "WalkParams",
    "WalkPlan",
    "WalkResult",
    "foot_shape",
    "plan_walk",
    "polygon_margin",
    "simulate_walk",
]


WALK_OPTIONS = ImportOptions(drive_stiffness=3000.0, drive_damping=90.0, armature=0.1)
"""Import options the humanoid walks with: MuJoCo position servos kp 3000 N·m/rad, kd 90
N·m·s/rad, armature 0.1 kg·m² on every joint (0 or 0.01 falls; kp ≤ 400 falls, see
docs/walking.md)."""
WALK_TIMESTEP = 0.002
"""[s] physics step for walking (implicitfast integrator, the builder's default)."""


# ---------------------------------------------------------------- parameters


MAX_STEP_LENGTH = 0.4
"""[m] the longest step the gait takes (the humanoid's legs are 0.79 m long; 0.15 m is nominal)."""
MIN_TREAD = 0.25
"""[m] the shallowest stair tread the gait climbs (the soles are 0.22 m long)."""
MAX_STAIRS = 50


@dataclass(frozen=True)
class WalkParams:
    """Gait parameters. Speed is ``step_length / (single_support · (1 + double_support_ratio))``."""

    step_length: float = 0.15
    """[m] how far the robot advances per step (the swing foot moves twice that)."""
    step_width: float = 0.18
    """[m] lateral distance between the two sole frames (the humanoid's hips are 0.18 m apart)."""
    single_support: float = 0.4
    """[s] duration of one single-support phase (one swing)."""
    double_support_ratio: float = 0.25
    """Double-support duration between steps as a fraction of ``single_support``."""
    step_height: float = 0.05
    """[m] swing-foot clearance above the higher of its two footholds."""
    com_height: float = 0.80
    """[m] CoM height above the ground under the feet (the humanoid's CoM is 0.80 m up with the
    knees bent ≈ 0.9 rad; higher gets close to straight knees)."""
    turn_step: float = 0.25
    """[rad] largest yaw change per step pair when turning on the spot."""
    trunk_pitch: float = 0.0
    """[rad] trunk pitch while walking (positive leans forward)."""
    zmp_margin: float = 0.02
    """[m] margin the planned ZMP keeps from the support polygon's edges."""
    stairs_step_height: float = 0.08
    """[m] swing-foot clearance above the higher foothold on stairs."""
    stairs_slowdown: float = 1.5
    """Stair steps take this many times longer than level steps (single and double support)."""
    stairs_double_support_ratio: float = 1.5
    """Double support between stair steps as a fraction of the (slowed) single support: long, so the
    CoM is over the next stance foot and nearly at rest when a foot lifts (1.5 × 0.6 s = 0.9 s)."""
    startend_ratio: float = 2.0
    """Duration of the double support before the first and after the last step, as a fraction of
    ``single_support``."""

    def __post_init__(self) -> None:
        check_number("step_length [m]", self.step_length, positive=True)
        check_number("step_width [m]", self.step_width, positive=True)
        check_number("single_support [s]", self.single_support, positive=True)
        check_number("double_support_ratio", self.double_support_ratio, low=0.0)
        check_number("step_height [m]", self.step_height, positive=True)
        check_number("com_height [m]", self.com_height, positive=True)
        check_number("turn_step [rad]", self.turn_step, positive=True)
        check_number("trunk_pitch [rad]", self.trunk_pitch)
        check_number("zmp_margin [m]", self.zmp_margin, low=0.0)
        check_number("startend_ratio", self.startend_ratio, positive=True)
        check_number("stairs_slowdown", self.stairs_slowdown, low=1.0)
        check_number("stairs_double_support_ratio", self.stairs_double_support_ratio, positive=True)
        check_number("stairs_step_height [m]", self.stairs_step_height, positive=True)
        if self.single_support < 0.1:
            raise ConfigError(f"single_support must be ≥ 0.1 s, got {self.single_support!r}")
        # what the humanoid's 0.79 m legs allow (its CoM is 0.86 m up with straight knees)
        if self.step_length > MAX_STEP_LENGTH:
            raise ConfigError(
                f"step_length must be ≤ {MAX_STEP_LENGTH} m for this gait (the legs are 0.79 m long), "
                f"got {self.step_length:g} m"
            )
        lift = max(self.step_height, self.stairs_step_height)
        if lift > 0.2:
            raise ConfigError(f"step_height must be ≤ 0.2 m for this gait, got {lift:g} m")
        if not 0.5 <= self.com_height <= 0.85:
            raise ConfigError(
                f"com_height must be within 0.5–0.85 m for this gait (0.86 m is the CoM with straight "
                f"knees), got {self.com_height:g} m"
            )

    @property
    def step_period(self) -> float:
        """[s] time per step: single support plus the double support after it."""
        return self.single_support * (1.0 + self.double_support_ratio)

    @property
    def speed(self) -> float:
        """[m/s] walking speed on a straight line (ignoring start and stop)."""
        return self.step_length / self.step_period

    def scaled(self, speed_factor: float) -> WalkParams:
        """The same gait walking ``speed_factor`` times as fast, by scaling :attr:`step_length` only
        (cadence unchanged: the footstep timing and the ZMP dynamics stay the same, the stride
        grows). ``scaled(1.2)`` walks 0.18 m steps instead of 0.15 m."""
        f = check_number("speed_factor", speed_factor, positive=True)
        if self.step_length * f > MAX_STEP_LENGTH:
            raise ConfigError(
                f"speed factor {f:g} makes {self.step_length * f:.2f} m steps; this gait takes steps up "
                f"to {MAX_STEP_LENGTH} m (factor ≤ {MAX_STEP_LENGTH / self.step_length:.2f} at "
                f"{self.step_length:g} m)"
            )
        return replace(self, step_length=self.step_length * f)


# ---------------------------------------------------------------- routes


@dataclass(frozen=True)
class Walk:
    """Walk straight ahead ``distance`` [m] (steps of at most ``step_length``), then bring the feet
    together."""

    distance: float

    def __post_init__(self) -> None:
        check_number("walk distance [m]", self.distance, positive=True)


@dataclass(frozen=True)
class Turn:
    """Turn on the spot by ``angle`` [rad] (positive = left), in step pairs of at most ``turn_step``."""

    angle: float

    def __post_init__(self) -> None:
        check_number("turn angle [rad]", self.angle)
        if self.angle == 0:
            raise ConfigError("turn angle must be ≠ 0 rad")


@dataclass(frozen=True)
class Stop:
    """Stand still with the feet together for ``duration`` [s]."""

    duration: float = 2.0

    def __post_init__(self) -> None:
        check_number("stop duration [s]", self.duration, low=0.0)


@dataclass(frozen=True)
class Stairs:
    """Climb ``n`` steps of ``rise`` [m] and ``tread`` [m] straight ahead, both feet on every step.

    The first riser is ``gap`` [m] in front of the toes (of the feet standing together where the
    segment starts); each foot is placed centred on the tread. The plan's
    :meth:`WalkPlan.terrain` builds the matching stairs.
    """

    n: int
    rise: float
    tread: float
    gap: float = 0.10

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ConfigError(f"stairs n must be an integer ≥ 1, got {self.n!r}")
        check_number("stairs rise [m]", self.rise, positive=True)
        check_number("stairs tread [m]", self.tread, positive=True)
        check_number("stairs gap [m]", self.gap, low=0.0)
        if self.rise > 0.2:
            raise ConfigError(f"stairs rise must be ≤ 0.2 m for this gait, got {self.rise!r}")
        if self.tread < MIN_TREAD:
            raise ConfigError(
                f"stairs tread must be ≥ {MIN_TREAD} m for this gait (the soles are 0.22 m long), "
                f"got {self.tread!r}"
            )
        if self.n > MAX_STAIRS:
            raise ConfigError(f"stairs n must be ≤ {MAX_STAIRS}, got {self.n!r}")


Segment = Walk | Turn | Stop | Stairs
"""One piece of a :class:`Route`."""


@dataclass(frozen=True)
class Route:
    """What to walk: segments done in order, built by chaining, e.g.
    ``Route().walk(5.0).turn(math.pi / 2).walk(2.0).stop(2.0)``. Every segment starts and ends with
    the feet together; a :class:`Stop` splits the walk into separately planned parts. A plan always
    ends standing (the final hold after the last step is ``Stop`` durations only)."""

    segments: tuple[Segment, ...] = ()

    def __post_init__(self) -> None:
        segs = tuple(self.segments)
        for s in segs:
            if not isinstance(s, Walk | Turn | Stop | Stairs):
                raise ConfigError(f"route segment {s!r} is not a Walk, Turn, Stop or Stairs")
        object.__setattr__(self, "segments", segs)

    def walk(self, distance: float) -> Route:
        """This route, then :class:`Walk` ``distance`` [m]."""
        return Route((*self.segments, Walk(distance)))

    def turn(self, angle: float) -> Route:
        """This route, then :class:`Turn` ``angle`` [rad] (positive = left)."""
        return Route((*self.segments, Turn(angle)))

    def stop(self, duration: float = 2.0) -> Route:
        """This route, then :class:`Stop` for ``duration`` [s]."""
        return Route((*self.segments, Stop(duration)))

    def stairs(self, n: int, rise: float, tread: float, gap: float = 0.10) -> Route:
        """This route, then climb :class:`Stairs`."""
        return Route((*self.segments, Stairs(n, rise, tread, gap)))

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segments)


# ---------------------------------------------------------------- plan


@dataclass(frozen=True)
class FootShape:
    """The sole rectangle in the sole frame (x forward): ``[heel, toe] × [-half_width, half_width]`` [m]."""

    heel: float
    toe: float
    half_width: float

    def corners(self) -> FloatArray:
        """(4, 2) corners [m] counter-clockwise."""
        h, t, w = self.heel, self.toe, self.half_width
        return np.array([[h, -w], [t, -w], [t, w], [h, w]])


@dataclass(frozen=True)
class Footstep:
    """Where a foot is put: its sole frame at ``position`` [m] with heading ``yaw`` [rad], in contact
    from ``t_land`` to ``t_lift`` [s] (``inf`` if never lifted again)."""

    side: Literal["left", "right"]
    position: tuple[float, float, float]
    yaw: float
    t_land: float
    t_lift: float


@dataclass(frozen=True)
class SupportPhase:
    """A time interval [s] with the feet in ``stance`` (``"both"``, ``"left"`` or ``"right"``)."""

    t_start: float
    t_end: float
    stance: Literal["both", "left", "right"]


@dataclass(frozen=True)
class StairsPlacement:
    """Where the plan put a flight of stairs (see :class:`humanoid_twin.physics.mujoco.terrain.Stairs`)."""

    n: int
    rise: float
    tread: float
    start: tuple[float, float, float]
    """First riser's centre [m] (z = floor height under it)."""
    yaw: float
    """[rad] direction the stairs go up."""


def _frozen(a: Any) -> FloatArray:
    out = np.ascontiguousarray(a, dtype=np.float64)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class WalkPlan:
    """A planned walk sampled every ``dt``: joint targets and the references behind them.

    Arrays are read-only; ``T`` samples at :attr:`times`.
    """

    params: WalkParams
    route: Route
    dt: float
    """[s] sample spacing."""
    joint_names: tuple[str, ...]
    """Order of :attr:`q` columns (see the module doc)."""
    times: FloatArray
    """(T,) [s] from 0."""
    q: FloatArray
    """(T, n) joint position targets [rad] for servos with :data:`WALK_OPTIONS`' gains: the IK's joint
    angles plus a feedforward of the gravity load and part of the damping drag (÷ kp), clipped to
    the joint limits (see docs/walking.md)."""
    base: FloatArray
    """(T, 7) planned pelvis (root link) pose: position [m], quaternion (w, x, y, z)."""
    com: FloatArray
    """(T, 3) planned CoM [m] (the IK's, equal to the LIPM reference within mm)."""
    zmp: FloatArray
    """(T, 2) planned ZMP [m] (LIPM)."""
    feet: FloatArray
    """(T, 2, 7) left, right sole frame poses: position [m], quaternion (w, x, y, z)."""
    contact: NDArray[np.bool_]
    """(T, 2) left, right foot planned in stance."""
    polygon: FloatArray
    """(T, 8, 2) support polygon [m] (convex hull of the stance soles, counter-clockwise), padded with
    NaN rows; see :func:`polygon_margin`."""
    footsteps: tuple[Footstep, ...]
    """Every foothold in order, the two initial ones first."""
    phases: tuple[SupportPhase, ...]
    stairs: tuple[StairsPlacement, ...]
    foot: FootShape
    planning_time: float
    """[s] wall time plan_walk took."""

    @property
    def duration(self) -> float:
        """[s] time of the last sample."""
        return float(self.times[-1])

    def targets_at(self, t: float) -> FloatArray:
        """(n,) joint targets [rad] at ``t`` [s], linearly interpolated; the first before 0 and the
        last after the end."""
        x = float(t) / self.dt
        if not x > 0:
            return np.array(self.q[0])
        i = int(x)
        if i >= len(self.times) - 1:
            return np.array(self.q[-1])
        a = x - i
        return np.asarray((1.0 - a) * self.q[i] + a * self.q[i + 1])

    def q_for(self, joint_names: tuple[str, ...] | list[str]) -> FloatArray:
        """(T, len(joint_names)) targets [rad] in another order.

        Raises:
            ConfigError: a name is not one of :attr:`joint_names`.
        """
        index = {n: i for i, n in enumerate(self.joint_names)}
        try:
            cols = [index[n] for n in joint_names]
        except KeyError as err:
            raise ConfigError(
                f"joint {err.args[0]!r} is not in the walk plan; valid: {', '.join(self.joint_names)}"
            ) from None
        return np.asarray(self.q[:, cols])

    def dense_targets(self, timestep: float, joint_names: tuple[str, ...] | None = None) -> FloatArray:
        """(S, n) targets [rad] at every physics step ``k · timestep``, k = 1 … S, until the plan's
        end (the target in force *during* step k is the one at its end time)."""
        q = self.q if joint_names is None else self.q_for(joint_names)
        steps = round(self.duration / timestep)
        t = np.arange(1, steps + 1) * timestep
        out = np.empty((steps, q.shape[1]))
        for j in range(q.shape[1]):
            out[:, j] = np.interp(t, self.times, q[:, j])
        return out

    def initial_base(self, ground: float = 0.0) -> FloatArray:
        """(7,) pelvis pose [m, (w, x, y, z)] at t = 0 with the soles at height ``ground`` [m]."""
        b = np.array(self.base[0])
        b[2] += ground - float(min(self.feet[0, :, 2]))
        return b

    def initial_state(self, backend: MujocoBackend) -> RobotState:
        """The state to start a rollout from: joints and targets at the plan's first sample, at
        rest, base on the floor (in ``backend.joint_names`` order)."""
        from ..twin._types import BaseState, RobotState, frozen_array

        q0 = self.q_for(backend.joint_names)[0]
        b = self.initial_base()
        base = BaseState(
            stamp=0.0,
            position=(float(b[0]), float(b[1]), float(b[2])),
            quat=(float(b[3]), float(b[4]), float(b[5]), float(b[6])),
            linear_velocity=(0.0, 0.0, 0.0),
            angular_velocity=(0.0, 0.0, 0.0),
        )
        return RobotState(
            stamp=0.0,
            joint_names=backend.joint_names,
            q=frozen_array(q0),
            qd=frozen_array(np.zeros_like(q0)),
            base=base,
            targets=frozen_array(q0),
        )

    def rollout_targets(self, backend: MujocoBackend) -> FloatArray:
        """(1, S, n) targets for ``backend.rollout([plan.initial_state(backend)], targets, S)``."""
        return self.dense_targets(backend.timestep, backend.joint_names)[None]

    def terrain(self, friction: float | tuple[float, ...] = 1.0, width: float = 1.0) -> Terrain:
        """The :class:`~humanoid_twin.physics.mujoco.terrain.Terrain` this plan was made for: its
        stairs (with ``friction`` per step), or empty for flat ground."""
        from ..physics.mujoco.terrain import Stairs as TerrainStairs
        from ..physics.mujoco.terrain import Terrain

        return Terrain(
            stairs=tuple(
                TerrainStairs(
                    n=s.n,
                    rise=s.rise,
                    tread=s.tread,
                    start_x=s.start[0],
                    start_y=s.start[1],
                    yaw=s.yaw,
                    width=width,
                    friction=friction,
                    top_length=max(s.tread, 0.6),
                )
                for s in self.stairs
            )
        )


def polygon_margin(polygon: FloatArray, point: FloatArray) -> float:
    """Signed distance [m] from ``point`` (2,) to the edges of a convex ``polygon`` (k, 2)
    (counter-clockwise; NaN rows ignored): positive inside, negative outside."""
    poly = np.asarray(polygon, dtype=np.float64)
    poly = poly[~np.isnan(poly[:, 0])]
    p = np.asarray(point, dtype=np.float64)[:2]
    a = poly
    b = np.roll(poly, -1, axis=0)
    e = b - a
    length = np.linalg.norm(e, axis=1)
    ok = length > 1e-12
    a, e, length = a[ok], e[ok], length[ok]
    # inward normal of a counter-clockwise polygon: (-ey, ex)
    signed = ((p[0] - a[:, 0]) * -e[:, 1] + (p[1] - a[:, 1]) * e[:, 0]) / length
    inside = bool(np.all(signed >= 0))
    if inside:
        return float(signed.min())
    # outside: Euclidean distance to the nearest edge segment
    t = np.clip(((p - a) * e).sum(axis=1) / length**2, 0.0, 1.0)
    d = np.linalg.norm(a + t[:, None] * e - p, axis=1)
    return -float(d.min())


def foot_shape(model: RobotModel, sole: str = "left_foot") -> FootShape:
    """The sole rectangle of ``sole``'s foot: the box collider of the link the sole frame is fixed to,
    expressed in the sole frame (the sole frame must be level with the box's bottom face).

    Raises:
        ModelError: ``sole`` is not a frame on a link with a box collider.
    """
    from ..model.kinematics import forward_kinematics

    joints = [j for j in model.joints if j.child == sole]
    if not joints:
        raise ModelError(f"robot {model.name!r} has no frame {sole!r}; walking needs left_foot/right_foot")
    link = model.link(joints[0].parent)
    boxes = [c for c in link.collisions if isinstance(c.geometry, Box)]
    if not boxes:
        raise ModelError(
            f"link {link.name!r} (the foot of {sole!r}) has no box collider; walking needs flat box soles"
        )
    fk = forward_kinematics(model, {})
    t_sole = fk[sole]
    t_link = fk[link.name]
    box = boxes[0]
    geom = box.geometry
    assert isinstance(geom, Box)
    m = np.linalg.inv(t_sole) @ t_link @ box.origin.matrix()
    sx, sy, _ = (0.5 * v for v in geom.size)
    corners = np.array([[x, y, 0.0, 1.0] for x in (-sx, sx) for y in (-sy, sy)]) @ m.T
    return FootShape(
        heel=float(corners[:, 0].min()),
        toe=float(corners[:, 0].max()),
        half_width=float(0.5 * (corners[:, 1].max() - corners[:, 1].min())),
    )


def plan_walk(model: RobotModel, params: WalkParams, route: Route, *, dt: float = 0.01) -> WalkPlan:
    """Plan ``route`` for ``model`` with ``params``: footsteps, a ZMP/LIPM CoM trajectory (placo's
    walk pattern generator) and joint targets from placo's whole-body IK, sampled every ``dt`` [s].

    The model needs the frames ``trunk``, ``left_foot``, ``right_foot`` (the bundled humanoid has
    them) and box soles. Planning 10 m takes ≈ 1 s here.

    Raises:
        DependencyError: placo is not installed (``pip install 'humanoid-twin[walk]'``).
        ModelError: the model lacks the frames or box soles walking needs.
        ConfigError: bad ``dt`` or an empty route.
        PhysicsError: placo cannot plan the route (message says where).
    """
    from ._planner import plan

    check_number("dt [s]", dt, positive=True)
    if dt > 0.05:
        raise ConfigError(f"dt must be ≤ 0.05 s, got {dt!r}")
    if not route.segments:
        raise ConfigError("the route is empty; add a walk, turn, stairs or stop segment")
    return plan(model, params, route, dt)


# ---------------------------------------------------------------- simulation


@dataclass(frozen=True)
class WalkResult:
    """A plan run in MuJoCo, sampled every ``dt`` (the plan's)."""

    times: FloatArray
    """(T,) [s]."""
    joint_names: tuple[str, ...]
    """Order of the joint columns (the plan's)."""
    base: FloatArray
    """(T, 7) pelvis pose: position [m], quaternion (w, x, y, z)."""
    base_velocity: FloatArray
    """(T, 6) pelvis linear [m/s] and angular [rad/s] velocity (world frame)."""
    q: FloatArray
    """(T, n) [rad]."""
    qd: FloatArray
    """(T, n) [rad/s]."""
    tau: FloatArray | None
    """(T, n) actuator torques [N·m]; None when run through a backend rollout."""
    com: FloatArray | None
    """(T, 3) whole-body CoM [m]; None through a backend rollout."""
    feet: FloatArray | None
    """(T, 2, 7) left, right sole frame poses; None through a backend rollout."""
    foot_force: FloatArray | None
    """(T, 2) normal contact force [N] under the left, right foot; None through a backend rollout."""
    tilt: FloatArray
    """(T,) angle [rad] between the pelvis z axis and the vertical."""
    fell: bool
    """True if the pelvis tilted past 30° or left its height band (±0.25 m around the plan's)."""
    fall_time: float | None
    """[s] when it fell (None if it did not); the result stops there."""
    distance: float
    """[m] horizontal path length of the pelvis, measured once per stride (sway averages out)."""
    displacement: FloatArray
    """(3,) pelvis position at the end minus at the start [m]."""
    wall_time: float
    """[s] wall time of the simulation."""


def simulate_walk(
    model: RobotModel,
    plan: WalkPlan,
    *,
    options: ImportOptions = WALK_OPTIONS,
    timestep: float = WALK_TIMESTEP,
    terrain: Terrain | None = None,
    backend: MujocoBackend | None = None,
    feet_only_contacts: bool = True,
    settle: float = 0.0,
) -> WalkResult:
    """Run ``plan`` open loop in MuJoCo: joint position servos track :meth:`WalkPlan.targets_at`.

    Without ``backend`` the MuJoCo model is built here from ``model`` and ``options`` with
    ``terrain`` (None: the plan's own, i.e. its stairs or flat ground), and every quantity of
    :class:`WalkResult` is recorded. ``feet_only_contacts`` keeps only the feet's colliders in
    contact with floor and terrain (the gait was measured so; shins cannot catch on step edges).

    With ``backend`` (a :class:`~humanoid_twin.physics.mujoco.MujocoBackend`), the plan runs through
    ``backend.rollout`` on the backend's own model (its floor, options, step; ``terrain`` must be
    None or empty): torques, CoM, feet and contact forces are then None.

    ``settle`` [s] holds the last targets that much longer after the plan ends.

    Raises:
        DependencyError: mujoco is not installed.
        ConfigError: ``terrain`` given with ``backend``.
        PhysicsError: the model cannot be built or the simulation diverged.
    """
    from ._simulate import simulate

    check_number("settle [s]", settle, low=0.0)
    return simulate(
        model,
        plan,
        options=options,
        timestep=timestep,
        terrain=terrain,
        backend=backend,
        feet_only_contacts=feet_only_contacts,
        settle=settle,
    )
