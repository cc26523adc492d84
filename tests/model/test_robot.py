"""RobotModel invariants and forward kinematics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from humanoid_twin.errors import ModelError
from humanoid_twin.model import (
    ImportOptions,
    Inertial,
    Joint,
    JointLimit,
    JointType,
    Link,
    Mimic,
    Pose,
    RobotModel,
    forward_kinematics,
)


def _chain() -> RobotModel:
    inert = Inertial(1.0, Pose(), (0.01, 0, 0, 0.02, 0, 0.03))
    return RobotModel(
        "arm",
        (Link("base", inert), Link("l1", inert), Link("l2", inert), Link("tip")),
        (
            Joint(
                "j1", JointType.REVOLUTE, "base", "l1", Pose((0, 0, 0.5)), (0, 0, 1), JointLimit(-1, 1, 10, 2)
            ),
            Joint(
                "j2", JointType.PRISMATIC, "l1", "l2", Pose((1, 0, 0)), (1, 0, 0), JointLimit(0, 0.2, 10, 1)
            ),
            Joint("tip_joint", JointType.FIXED, "l2", "tip", Pose((0.1, 0, 0))),
        ),
    )


def test_queries() -> None:
    m = _chain()
    assert m.root.name == "base"
    assert [j.name for j in m.walk()] == ["j1", "j2", "tip_joint"]
    assert [j.name for j in m.actuated_joints] == ["j1", "j2"]
    assert m.dof == 2
    assert m.total_mass == 3.0
    assert m.link("tip").is_frame
    assert m.parent_joint("l2").name == "j2"
    with pytest.raises(ModelError, match="no joint 'nope'"):
        m.joint("nope")


def test_forward_kinematics() -> None:
    fk = forward_kinematics(_chain(), {"j1": math.pi / 2, "j2": 0.1})
    np.testing.assert_allclose(fk["tip"][:3, 3], [0, 1.2, 0.5], atol=1e-12)


@pytest.mark.parametrize(
    ("links", "joints", "message"),
    [
        (("a", "a"), (), "duplicate link name 'a'"),
        (("a", "b"), (("j", "a", "x"),), "child link 'x', which does not exist"),
        (("a", "b", "c"), (("j", "a", "b"),), "2 root links"),
        (("a", "b"), (("j", "a", "b"), ("k", "b", "a")), "cycle"),
        (("a", "b", "c"), (("j", "a", "b"), ("j", "b", "c")), "duplicate joint name 'j'"),
        (("a", "b", "c"), (("j", "a", "c"), ("k", "b", "c")), "more than one joint"),
    ],
)
def test_invariants(links: tuple[str, ...], joints: tuple[tuple[str, str, str], ...], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        RobotModel(
            "r",
            tuple(Link(n) for n in links),
            tuple(Joint(n, JointType.FIXED, p, c) for n, p, c in joints),
        )


def test_bad_values() -> None:
    with pytest.raises(ModelError, match="zero axis"):
        Joint("j", JointType.REVOLUTE, "a", "b", axis=(0, 0, 0))
    with pytest.raises(ModelError, match="lower limit"):
        Joint("j", JointType.REVOLUTE, "a", "b", limit=JointLimit(1, -1))
    with pytest.raises(ModelError, match="negative"):
        Inertial(-1.0, Pose(), (1, 0, 0, 1, 0, 1))
    with pytest.raises(ModelError, match="non-finite"):
        Pose((math.nan, 0, 0))
    with pytest.raises(ModelError, match="mimics joint 'ghost'"):
        RobotModel(
            "r", (Link("a"), Link("b")), (Joint("j", JointType.REVOLUTE, "a", "b", mimic=Mimic("ghost")),)
        )


def test_principal_axes_diagonalise() -> None:
    inert = Inertial(2.0, Pose.from_xyz_rpy((0, 0, 0), (0.3, 0.2, 0.1)), (0.3, 0.01, 0.02, 0.2, 0.03, 0.1))
    moments, q = inert.principal()
    from humanoid_twin.model.transforms import quat_to_matrix

    r_link = quat_to_matrix(inert.origin.quat) @ inert.tensor() @ quat_to_matrix(inert.origin.quat).T
    r = quat_to_matrix(q)
    np.testing.assert_allclose(r.T @ r_link @ r, np.diag(moments), atol=1e-12)


def test_import_options_validate() -> None:
    from humanoid_twin.errors import ConfigError

    with pytest.raises(ConfigError, match="drive_type 'torque'"):
        ImportOptions(drive_type="torque")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="density"):
        ImportOptions(density=-1)
