"""Walking targets for the robot emulator: a function of emulator time → joint position targets.

The emulator (:class:`humanoid_twin.emulator.EmulatedRobot`) starts standing at the humanoid's
``NOMINAL_POSE``; :func:`walk_targets` ramps from that pose to the walk's first pose, then plays
the plan's joint targets, and optionally loops (a route ends standing with the feet together, so
the joint targets of the next lap continue smoothly; the robot's position in the world does not
matter to joint targets on flat ground). Run the emulator with :data:`~.walk.WALK_OPTIONS` and a
2 ms step so the servos can track the gait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError
from ..model import RobotModel
from ..model.transforms import FloatArray
from .walk import Route, WalkParams, WalkPlan, plan_walk

__all__ = ["EmulatorWalk", "walk_targets"]


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
    start: float = 1.0
    """[s] emulator time at which the ramp to the first walking pose begins."""
    ramp: float = 2.0
    """[s] duration of the ramp from the initial pose to the walk's first pose."""

    def __post_init__(self) -> None:
        for name in ("start", "ramp"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
                raise ConfigError(f"walk {name} must be a number ≥ 0 [s], got {v!r}")


def walk_targets(
    config: EmulatorWalk | None = None,
    *,
    model: RobotModel | None = None,
    initial: dict[str, float] | None = None,
    plan: WalkPlan | None = None,
) -> Callable[[float], tuple[tuple[str, ...], FloatArray]]:
    """A function ``t [s] → (joint names, position targets [rad])`` that walks ``config``.

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
    walk = plan if plan is not None else plan_walk(robot, cfg.params, cfg.route)
    names = walk.joint_names
    pose = dict(humanoid.NOMINAL_POSE if initial is None else initial)
    q_init = np.array([pose.get(n, 0.0) for n in names], dtype=np.float64)
    q_first = np.array(walk.q[0])
    period = walk.duration

    def targets(t: float) -> tuple[tuple[str, ...], FloatArray]:
        tau = float(t) - cfg.start
        if tau <= 0:
            return names, q_init.copy()
        if tau < cfg.ramp:
            a = tau / cfg.ramp
            a = a * a * (3.0 - 2.0 * a)
            return names, (1.0 - a) * q_init + a * q_first
        tw = tau - cfg.ramp
        if cfg.loop and period > 0:
            tw = tw % period
        return names, walk.targets_at(tw)

    return targets
