"""Hand-built robot models that use every URDF concept the USD writer maps."""

from __future__ import annotations

import math

import pytest

from humanoid_twin.model import (
    Box,
    Calibration,
    Collision,
    Cylinder,
    Drive,
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
    SafetyController,
    Sphere,
    Visual,
)

RED = Material("red", (0.8, 0.1, 0.1, 1.0))
GLASS = Material("", (0.2, 0.3, 0.9, 0.35))


def _inertial(
    mass: float,
    xyz: tuple[float, float, float] = (0.0, 0.0, 0.0),
    rpy: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> Inertial:
    return Inertial(mass, Pose.from_xyz_rpy(xyz, rpy), (0.011, 0.0012, -0.0007, 0.023, 0.0009, 0.017))


def make_biped() -> RobotModel:
    """A small floating-base robot: every joint type but floating, odd axes, odd names, a frame."""
    links = (
        Link(
            "base link",  # not an identifier: sanitised to base_link, and clashes with the next one
            _inertial(5.3, (0.01, -0.02, 0.05), (0.1, 0.2, 0.3)),
            (Visual("torso", Pose.from_xyz_rpy((0, 0, 0.1), (0, 0.2, 0)), Box((0.2, 0.3, 0.4)), RED),),
            (Collision("torso", Pose.from_xyz_rpy((0, 0, 0.1), (0, 0.2, 0)), Box((0.2, 0.3, 0.4))),),
        ),
        Link("base_link", _inertial(0.7), (), (Collision("", Pose(), Sphere(0.05)),)),
        Link(
            "thigh",
            _inertial(1.9, (0, 0, -0.2)),
            (
                Visual("", Pose.from_xyz_rpy((0, 0, -0.2)), Cylinder(0.05, 0.4), GLASS),
                Visual("", Pose.from_xyz_rpy((0, 0, -0.4)), Sphere(0.06), RED),
            ),
            (Collision("thigh_col", Pose.from_xyz_rpy((0, 0, -0.2)), Cylinder(0.05, 0.4)),),
        ),
        Link("shin", _inertial(1.2, (0, 0, -0.2), (0.3, 0, 0))),
        Link("foot", _inertial(0.4), (Visual("sole", Pose(), Box((0.2, 0.1, 0.02))),)),
        Link("l_sole"),  # a frame: merged into foot
        Link("l_toe_tip"),  # a frame on a frame
        Link("slider", _inertial(0.3)),
        Link("finger", _inertial(0.05)),
        Link("finger2", _inertial(0.05)),
        Link("kept_frame"),  # dont_collapse keeps it as a body
        Link("plate", _inertial(0.2)),
    )
    joints = (
        Joint("glue", JointType.FIXED, "base link", "base_link", Pose.from_xyz_rpy((0, 0.1, 0), (0, 0, 0.5))),
        Joint(
            "hip-pitch",
            JointType.REVOLUTE,
            "base link",
            "thigh",
            Pose.from_xyz_rpy((0.0, 0.1, -0.1), (0.1, 0.0, 0.0)),
            (0.0, 1.0, 0.0),
            JointLimit(-1.5, 0.5, 80.0, 6.0),
            Dynamics(0.3, 0.12),
            safety_controller=SafetyController(10.0, -1.4, 0.4, 15.0),
            calibration=Calibration(rising=0.01),
        ),
        Joint(
            "knee",
            JointType.REVOLUTE,
            "thigh",
            "shin",
            Pose.from_xyz_rpy((0, 0, -0.4)),
            (0.3, -0.5, 0.8),  # arbitrary axis: the USD joint frame is rotated, the bodies are not
            JointLimit(0.0, 2.3, 60.0, 8.0),
            drive=Drive(300.0, 7.5, 55.0, "acceleration", 0.02),
        ),
        Joint(
            "ankle", JointType.CONTINUOUS, "shin", "foot", Pose.from_xyz_rpy((0, 0, -0.4)), (-1.0, 0.0, 0.0)
        ),
        Joint(
            "sole_fixed",
            JointType.FIXED,
            "foot",
            "l_sole",
            Pose.from_xyz_rpy((0.02, 0, -0.01), (0, 0, math.pi / 2)),
        ),
        Joint("toe_fixed", JointType.FIXED, "l_sole", "l_toe_tip", Pose.from_xyz_rpy((0.1, 0, 0))),
        Joint(
            "slide",
            JointType.PRISMATIC,
            "l_toe_tip",  # parent is a merged frame: body0 is foot
            "slider",
            Pose.from_xyz_rpy((0.0, 0.0, 0.02)),
            (0.0, 0.0, 1.0),
            JointLimit(-0.01, 0.03, 20.0, 0.2),
        ),
        Joint(
            "finger_j",
            JointType.REVOLUTE,
            "foot",
            "finger",
            Pose.from_xyz_rpy((0.05, 0, 0)),
            (0, 0, 1),
            JointLimit(0, 1, 1, 1),
        ),
        Joint(
            "finger_mimic",
            JointType.REVOLUTE,
            "foot",
            "finger2",
            Pose.from_xyz_rpy((0.05, 0.02, 0)),
            (0, 0, 1),
            JointLimit(0, 2, 1, 1),
            mimic=Mimic("finger_j", 2.0, 0.1),
        ),
        Joint(
            "keep",
            JointType.FIXED,
            "base link",
            "kept_frame",
            Pose.from_xyz_rpy((0, 0, 0.3)),
            dont_collapse=True,
        ),
        Joint(
            "plate_planar", JointType.PLANAR, "kept_frame", "plate", Pose.from_xyz_rpy((0, 0, 0.1)), (0, 1, 0)
        ),
    )
    return RobotModel("mini biped", links, joints, (RED,))


def make_world_arm() -> RobotModel:
    """A fixed-base arm through a URDF link named ``world``."""
    links = (
        Link("world"),
        Link(
            "base",
            _inertial(2.0),
            (Visual("b", Pose(), Box((0.1, 0.1, 0.1))),),
            (Collision("b", Pose(), Box((0.1, 0.1, 0.1))),),
        ),
        Link(
            "arm", _inertial(1.0), (), (Collision("", Pose.from_xyz_rpy((0, 0, 0.2)), Cylinder(0.03, 0.4)),)
        ),
    )
    joints = (
        Joint("world_joint", JointType.FIXED, "world", "base", Pose.from_xyz_rpy((0, 0, 0.5))),
        Joint(
            "shoulder",
            JointType.REVOLUTE,
            "base",
            "arm",
            Pose.from_xyz_rpy((0, 0, 0.05)),
            (0, 1, 0),
            JointLimit(-2, 2, 10, 3),
        ),
    )
    return RobotModel("arm", links, joints)


def make_floating_world() -> RobotModel:
    """``world`` → floating → base: a free-floating robot written the MoveIt way, plus a mimic chain."""
    inertial = _inertial(1.0)
    links = (
        Link("world"),
        Link("base", inertial, (), (Collision("", Pose(), Box((0.2, 0.2, 0.1))),)),
        Link("a", inertial, (), (Collision("", Pose(), Sphere(0.03)),)),
        Link("b", inertial),
    )
    joints = (
        Joint("float", JointType.FLOATING, "world", "base", Pose.from_xyz_rpy((0, 0, 1.0))),
        Joint("ja", JointType.PRISMATIC, "base", "a", axis=(1, 1, 0), limit=JointLimit(-0.1, 0.1, 50, 1)),
        Joint(
            "jb",
            JointType.PRISMATIC,
            "a",
            "b",
            axis=(0, 0, 1),
            limit=JointLimit(-0.2, 0.2, 50, 1),
            mimic=Mimic("ja", -1.0),
        ),
    )
    return RobotModel("floater", links, joints)


def make_single_body() -> RobotModel:
    """One rigid body and no joint, as example-robot-data's hector quadrotor."""
    return RobotModel(
        "drone", (Link("frame", _inertial(1.5), (), (Collision("", Pose(), Box((0.4, 0.4, 0.1))),)),), ()
    )


@pytest.fixture
def biped() -> RobotModel:
    return make_biped()


@pytest.fixture
def world_arm() -> RobotModel:
    return make_world_arm()


# ---------------------------------------------------------------- model comparison


def diff_models(a: object, b: object, tol: float = 1e-9) -> list[str]:
    """Field-by-field differences of two models (floats within ``tol``, quaternions up to sign)."""
    import dataclasses

    out: list[str] = []

    def close(x: float, y: float) -> bool:
        return x == y or abs(x - y) <= tol * max(1.0, abs(x), abs(y))

    def walk(x: object, y: object, where: str) -> None:
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            if type(x) is not type(y):
                out.append(f"{where}: {type(x).__name__} != {type(y).__name__}")
                return
            for f in dataclasses.fields(x):
                if not f.compare:  # notes of the read (source, warnings, repairs), not the robot
                    continue
                xv, yv = getattr(x, f.name), getattr(y, f.name)
                if f.name == "quat" and isinstance(xv, tuple) and isinstance(yv, tuple):
                    neg = tuple(-v for v in yv)
                    if all(close(p, q) for p, q in zip(xv, yv, strict=True)) or all(
                        close(p, q) for p, q in zip(xv, neg, strict=True)
                    ):
                        continue
                    out.append(f"{where}.quat: {xv!r} != {yv!r}")
                    continue
                label = getattr(x, "name", None)
                walk(xv, yv, f"{where}.{f.name}" if label is None else f"{where}[{label}].{f.name}")
        elif isinstance(x, tuple) and isinstance(y, tuple):
            if len(x) != len(y):
                out.append(f"{where}: {len(x)} items != {len(y)} items")
                return
            for i, (p, q) in enumerate(zip(x, y, strict=True)):
                walk(p, q, f"{where}[{i}]")
        elif isinstance(x, float | int) and isinstance(y, float | int) and not isinstance(x, bool):
            if not close(float(x), float(y)):
                out.append(f"{where}: {x!r} != {y!r}")
        elif x != y:
            out.append(f"{where}: {x!r} != {y!r}")

    walk(a, b, "model")
    return out
