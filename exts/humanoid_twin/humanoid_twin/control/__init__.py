"""Controllers for the robot: a ZMP/LIPM walking gait planned with placo, tracked by joint PD in MuJoCo.

See ``docs/walking.md``. ``placo`` (the ``[walk]`` extra) is imported only by :func:`plan_walk`;
``mujoco`` only by :func:`simulate_walk`.
"""

from .walk import (
    WALK_OPTIONS,
    WALK_TIMESTEP,
    FootShape,
    Footstep,
    Route,
    Segment,
    Stairs,
    StairsPlacement,
    Stop,
    SupportPhase,
    Turn,
    Walk,
    WalkParams,
    WalkPlan,
    WalkResult,
    foot_shape,
    plan_walk,
    polygon_margin,
    simulate_walk,
)

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
