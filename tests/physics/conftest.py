"""Shared inputs of the physics tests: small hand-made robots and the real iCub URDFs."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.model import (
    Box,
    Collision,
    Cylinder,
    Dynamics,
    Inertial,
    Joint,
    JointLimit,
    JointType,
    Link,
    Material,
    Mimic,
    Pose,
    RobotModel,
    Sphere,
    Visual,
)

REPO = Path(__file__).resolve().parents[2]
BUNDLED_URDF = REPO / "urdf" / "humanoid.urdf"


def _inertial(mass: float, xyz=(0.0, 0.0, 0.0), rpy=(0.0, 0.0, 0.0), diag=(0.02, 0.025, 0.03)) -> Inertial:
    ixx, iyy, izz = diag
    return Inertial(mass, Pose.from_xyz_rpy(xyz, rpy), (ixx, 0.001, -0.0005, iyy, 0.0002, izz))


def small_robot(**joint_overrides: dict) -> RobotModel:
    """A 4-link floating robot: a revolute hip, a fixed frame, a prismatic mimic, a continuous wheel."""
    red = Material("red", (1.0, 0.0, 0.0, 1.0))
    links = (
        Link(
            "base",
            _inertial(2.0, (0.01, 0.0, 0.02), (0.1, 0.2, 0.3)),
            visuals=(Visual("base_vis", Pose(), Box((0.2, 0.3, 0.4)), Material("red")),),
            collisions=(Collision("", Pose.from_xyz_rpy((0, 0, 0.1)), Box((0.2, 0.3, 0.4))),),
        ),
        Link(
            "thigh",
            _inertial(1.0, (0.0, 0.0, -0.1), (0.3, -0.2, 0.1), (0.02, 0.02, 0.005)),
            visuals=(Visual("", Pose(), Cylinder(0.05, 0.4)),),
            collisions=(Collision("", Pose.from_xyz_rpy((0, 0, -0.2)), Cylinder(0.05, 0.4)),),
        ),
        Link("knee_frame"),
        Link("shin", _inertial(0.5), collisions=(Collision("", Pose(), Sphere(0.04)),)),
        Link(
            "wheel", _inertial(0.3), visuals=(Visual("", Pose(), Sphere(0.05), Material("", (0, 1, 0, 1))),)
        ),
    )
    joints = [
        Joint(
            "hip",
            JointType.REVOLUTE,
            "base",
            "thigh",
            Pose.from_xyz_rpy((0.0, 0.1, -0.2), (0.2, 0.0, 0.1)),
            (0.0, 1.0, 0.0),
            JointLimit(-1.0, 1.2, 30.0, 5.0),
            Dynamics(0.5, 0.1),
        ),
        Joint(
            "knee_fixed", JointType.FIXED, "thigh", "knee_frame", Pose.from_xyz_rpy((0, 0, -0.4), (0, 0.3, 0))
        ),
        Joint(
            "slider",
            JointType.PRISMATIC,
            "knee_frame",
            "shin",
            Pose.from_xyz_rpy((0.01, 0.0, -0.05), (0.0, 0.0, 0.5)),
            (0.0, 0.6, 0.8),
            JointLimit(-0.05, 0.05, 0.0, 1.0),
            mimic=Mimic("hip", 0.02, 0.001),
        ),
        Joint(
            "wheel",
            JointType.CONTINUOUS,
            "base",
            "wheel",
            Pose.from_xyz_rpy((0.1, 0.0, 0.0), (0.0, 0.0, 0.0)),
            (1.0, 0.0, 0.0),
            JointLimit(None, None, 2.0, 10.0),
        ),
    ]
    joints = [j if j.name not in joint_overrides else _replace(j, **joint_overrides[j.name]) for j in joints]
    return RobotModel("small", links, tuple(joints), materials=(red,))


def _replace(obj, **kw):
    import dataclasses

    return dataclasses.replace(obj, **kw)


# ------------------------------------------------------------------ real robots


def icub_names() -> list[str]:
    try:
        import icub_models
    except ImportError:
        return []
    return sorted(icub_models.get_robot_names())


def icub_file(name: str) -> Path:
    import icub_models

    return Path(icub_models.get_model_file(name))


def icub_package_root() -> Path:
    """The folder holding the ``iCub`` package folder that ``package://iCub/...`` refers to."""
    import icub_models

    return Path(icub_models.get_models_path()).parents[1]


@functools.cache
def read_robot(which: str) -> RobotModel:
    """A real robot read with the project's URDF reader: an iCub name or ``"humanoid"``."""
    urdf = pytest.importorskip("humanoid_twin.urdf")
    if not hasattr(urdf, "read_urdf"):
        pytest.skip("humanoid_twin.urdf.read_urdf is not there yet")
    if which == "humanoid":
        if not BUNDLED_URDF.exists():
            pytest.skip(f"{BUNDLED_URDF} is not there yet")
        return urdf.read_urdf(BUNDLED_URDF)
    return urdf.read_urdf(icub_file(which), package_paths=[icub_package_root()])


ROBOTS = ["humanoid", *icub_names()]


def random_configurations(model: RobotModel, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` joint configurations within the limits (±π for unlimited joints); mimics follow."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        q: dict[str, float] = {}
        for j in model.actuated_joints:
            lo = j.lower if math.isfinite(j.lower) else -math.pi
            hi = j.upper if math.isfinite(j.upper) else math.pi
            q[j.name] = float(rng.uniform(lo, hi))
        for j in model.joints:
            if j.mimic is not None and j.type.is_actuated_1dof:
                q[j.name] = j.mimic.multiplier * q.get(j.mimic.joint, 0.0) + j.mimic.offset
        out.append(q)
    return out
