"""Walking targets for the robot emulator: a function of emulator time → joint position targets.

The emulator (:class:`humanoid_twin.emulator.EmulatedRobot`) starts standing at the humanoid's
``NOMINAL_POSE``; :func:`walk_targets` ramps from that pose to the walk's first pose, then plays
the plan's joint targets, and optionally loops (a route ends standing with the feet together, so
the joint targets of the next lap continue smoothly; the robot's position in the world does not
matter to joint targets on flat ground). Run the emulator with :data:`~.walk.WALK_OPTIONS` and a
2 ms step so the servos can track the gait.

``EmulatorWalk(straight=True)`` walks straight ahead for ever instead: once the gait has settled,
one stride (two steps) of a straight walk repeats exactly, so the targets are periodic with the
stride period (1 s by default). This is the endurance motion (a corridor or a treadmill; the
emulator's floor is unbounded): it survives hours with hidden parameter offsets, where the lap's
turns and stops fall after about half a minute (docs/walking.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .._toml import check_number
from ..errors import ConfigError
from ..model import RobotModel
from ..model.transforms import FloatArray
from ..twin._types import BaseState
from .balance import AnkleBalance
from .walk import Route, WalkParams, WalkPlan, plan_walk

__all__ = ["EmulatorWalk", "straight_cycle", "walk_targets"]

_SETTLE_STEPS = 6
"""Steps after the first footstep before the straight walk's stride is taken as periodic."""
_PERIODIC_TOL = 1e-4
"""[rad] largest difference between consecutive strides accepted as periodic."""


def _default_route() -> Route:
    return Route().walk(2.0).turn(3.141592653589793).walk(2.0).turn(3.141592653589793)


@dataclass(frozen=True)
class EmulatorWalk:
    """What the emulated robot walks."""

    params: WalkParams = field(default_factory=WalkParams)
    route: Route = field(default_factory=_default_route)
    """Default: 2 m out, turn around, 2 m back, turn around (a closed lap)."""
    loop: bool = True
    """Repeat the route for ever (False: stand at the end)."""
    straight: bool = False
    """Walk straight ahead for ever, repeating one settled stride (``route`` and ``loop`` are
    then ignored); see the module doc."""
    balance: AnkleBalance | None = field(default_factory=AnkleBalance)
    """Balance feedback on the measured base (the targets function's ``base`` argument) once the
    walk has begun; None = open loop."""
    start: float = 1.0
    """[s] emulator time at which the ramp to the first walking pose begins."""
    ramp: float = 2.0
    """[s] duration of the ramp from the initial pose to the walk's first pose."""

    def __post_init__(self) -> None:
        for name in ("start", "ramp"):
            check_number(f"walk {name} [s]", getattr(self, name), low=0.0)


def straight_cycle(plan: WalkPlan) -> tuple[int, int]:
    """``(start, period)`` in samples of a straight walk's repeating stride: from ``plan.q[start]``
    on, ``q[i + period] == q[i]`` (within 1e-4 rad) for one stride.

    Raises:
        ConfigError: the plan is too short to settle, or its stride does not repeat.
    """
    period = round(2.0 * plan.params.step_period / plan.dt)
    moving = [f.t_lift for f in plan.footsteps if math.isfinite(f.t_lift)]
    first = min(moving) if moving else 0.0
    start = round((first + _SETTLE_STEPS * plan.params.step_period) / plan.dt)
    if start + 2 * period >= len(plan.times):
        raise ConfigError(
            f"a straight walk of {plan.duration:.1f} s is too short to settle; plan at least "
            f"{(start + 2 * period) * plan.dt + 2.0:.0f} s"
        )
    gap = float(np.abs(plan.q[start : start + period] - plan.q[start + period : start + 2 * period]).max())
    if gap > _PERIODIC_TOL:
        raise ConfigError(f"the straight walk's stride does not repeat ({gap:.2g} rad between strides)")
    return start, period


def walk_targets(
    config: EmulatorWalk | None = None,
    *,
    model: RobotModel | None = None,
    initial: dict[str, float] | None = None,
    plan: WalkPlan | None = None,
) -> Callable[..., tuple[tuple[str, ...], FloatArray]]:
    """A function ``(t [s], base=None) → (joint names, position targets [rad])`` that walks ``config``.

    ``base`` is the robot's measured base state (IMU/odometry); with it and ``config.balance`` the
    targets include the balance feedback (from the start of the walk, after the ramp).

    Args:
        config: route, gait, looping and timing; default :class:`EmulatorWalk()`.
        model: the robot; default the bundled humanoid.
        initial: the pose the robot stands in before the ramp; default the humanoid's
            ``NOMINAL_POSE`` (joints not listed are 0).
        plan: a ready plan (skips planning; ``config.route``/``params`` are then ignored).

    Raises:
        DependencyError: placo is not installed (planning).
    """
    from ..robots import humanoid

    cfg = config if config is not None else EmulatorWalk()
    robot = model if model is not None else humanoid.load_humanoid()
    if plan is not None:
        walk = plan
    elif cfg.straight:  # long enough to settle, then one stride repeats
        distance = (_SETTLE_STEPS + 8) * cfg.params.step_length
        walk = plan_walk(robot, cfg.params, Route().walk(distance))
    else:
        walk = plan_walk(robot, cfg.params, cfg.route)
    cycle = straight_cycle(walk) if cfg.straight else None
    names = walk.joint_names
    pose = dict(humanoid.NOMINAL_POSE if initial is None else initial)
    q_init = np.array([pose.get(n, 0.0) for n in names], dtype=np.float64)
    q_first = np.array(walk.q[0])
    period = walk.duration

    balance = cfg.balance
    ankles = (
        np.array([names.index(j) for j in balance.joints if j in names], dtype=np.intp)
        if balance is not None
        else np.zeros(0, dtype=np.intp)
    )

    def targets(t: float, base: BaseState | None = None) -> tuple[tuple[str, ...], FloatArray]:
        names_, q = _open_loop(t)
        if base is not None and balance is not None and float(t) >= cfg.start + cfg.ramp:
            q[ankles] += balance.correction(base)
        return names_, q

    def _open_loop(t: float) -> tuple[tuple[str, ...], FloatArray]:
        tau = float(t) - cfg.start
        if tau <= 0:
            return names, q_init.copy()
        if tau < cfg.ramp:
            a = tau / cfg.ramp
            a = a * a * (3.0 - 2.0 * a)
            return names, (1.0 - a) * q_init + a * q_first
        tw = tau - cfg.ramp
        if cycle is not None:
            start, n = cycle
            x = tw / walk.dt
            if x > start:
                tw = (start + (x - start) % n) * walk.dt
        elif cfg.loop and period > 0:
            tw = tw % period
        return names, walk.targets_at(tw)

    return targets
