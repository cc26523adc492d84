"""Acceptance: Newton reading our USD and MuJoCo built from the same model agree on body poses.

Two independent engines, two independent paths (RobotModel → USD → Newton's importer, and
RobotModel → MjSpec → MuJoCo): at the zero pose and 20 random configurations (random floating-base
pose included) every rigid body must be within 1e-5 m and 1e-5 rad. Newton computes in float32,
hence the tolerance.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")
pytest.importorskip("newton")
pytest.importorskip("pxr")

from humanoid_twin.model import ImportOptions, Joint, JointType, Link, Mimic, Pose, RobotModel  # noqa: E402
from humanoid_twin.model.transforms import QuatWXYZ, rpy_to_quat  # noqa: E402
from humanoid_twin.physics.mujoco import MujocoNames, build_model  # noqa: E402

from ._newton import NewtonRobot  # noqa: E402
from .conftest import ROBOTS, random_configurations, read_robot, small_robot  # noqa: E402

POS_TOL = 1e-5  # [m]
ROT_TOL = 1e-5  # [rad]


def _angle(a: QuatWXYZ, b: QuatWXYZ) -> float:
    """Rotation angle [rad] of ``a⁻¹ b``, accurate for small angles."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    w = aw * bw + ax * bx + ay * by + az * bz
    v = np.array(
        [
            aw * bx - ax * bw - ay * bz + az * by,
            aw * by + ax * bz - ay * bw - az * bx,
            aw * bz - ax * by + ay * bx - az * bw,
        ]
    )
    return 2.0 * math.atan2(float(np.linalg.norm(v)), abs(w))


def _random_base(rng: np.random.Generator) -> Pose:
    xyz = tuple(float(v) for v in rng.uniform(-1.0, 1.0, 3))
    rpy = tuple(float(v) for v in rng.uniform(-math.pi, math.pi, 3))
    return Pose(xyz, rpy_to_quat(rpy))  # type: ignore[arg-type]


def check_agreement(model: RobotModel, tmp_path: Path, options: ImportOptions = ImportOptions()) -> None:  # noqa: B008
    from humanoid_twin.usd import write_usd

    asset = write_usd(model, tmp_path / f"{model.name}.usda", options)
    newton_robot = NewtonRobot(asset, model)
    mm = build_model(model, options)
    names = MujocoNames.of(model, mm, options)
    data = mujoco.MjData(mm)

    mj_bodies = {link for link, i in names.body.items() if i != 0}
    assert set(newton_robot.bodies) == mj_bodies
    movable = {j.name for j in model.joints if j.type.is_actuated_1dof}
    assert set(newton_robot.q_start) == movable
    floating = names.free_joint is not None
    assert (newton_robot.free_start is not None) == floating

    rng = np.random.default_rng(11)
    configs = [({}, None)] + [
        (q, _random_base(rng) if floating else None) for q in random_configurations(model, 20, seed=13)
    ]
    for q, base in configs:
        full_q = dict(q)
        mujoco.mj_resetData(mm, data)
        names.set_joint_positions(data, full_q)  # fills mimic joints from their leaders
        full_q = names.joint_positions(data)
        if base is not None:
            names.set_base_pose(data, base)
        mujoco.mj_kinematics(mm, data)
        got = newton_robot.body_poses(full_q, base)
        for link in mj_bodies:
            i = names.body[link]
            pos, quat = got[link]
            err = float(np.abs(pos - data.xpos[i]).max())
            assert err < POS_TOL, f"{model.name}: body {link!r} is {err:.3g} m apart at q={q}"
            ang = _angle(tuple(data.xquat[i]), quat)  # type: ignore[arg-type]
            assert ang < ROT_TOL, f"{model.name}: body {link!r} is {ang:.3g} rad apart at q={q}"


def _no_mimic_offset() -> RobotModel:
    return small_robot(slider={"mimic": Mimic("hip", 0.02, 0.0)})


def test_small_robot_agrees(tmp_path: Path) -> None:
    check_agreement(_no_mimic_offset(), tmp_path)


def test_small_robot_fixed_base_without_merging_agrees(tmp_path: Path) -> None:
    check_agreement(_no_mimic_offset(), tmp_path, ImportOptions(fix_base=True, merge_fixed_joints=False))


def test_mimic_with_offset_agrees(tmp_path: Path) -> None:
    check_agreement(small_robot(), tmp_path)


def _floating_from_world() -> RobotModel:
    """The small robot written the MuJoCo way (Unitree's G1 comments it in): world → floating → base."""
    robot = _no_mimic_offset()
    float_joint = Joint(
        "float", JointType.FLOATING, "world", "base", Pose.from_xyz_rpy((0.3, -0.2, 0.9), (0.1, 0, 0.4))
    )
    return RobotModel("floater", (Link("world"), *robot.links), (float_joint, *robot.joints))


@pytest.mark.parametrize("merge", [True, False])
def test_floating_joint_from_world_agrees(merge: bool, tmp_path: Path) -> None:
    check_agreement(_floating_from_world(), tmp_path, ImportOptions(merge_fixed_joints=merge))


@pytest.mark.parametrize("robot", ROBOTS)
def test_real_robot_agrees(robot: str, tmp_path: Path) -> None:
    check_agreement(read_robot(robot), tmp_path)


@pytest.mark.parametrize("fix_base", [False, True])
def test_robot_without_joints_agrees(fix_base: bool, tmp_path: Path) -> None:
    """One body, no joint (example-robot-data's hector quadrotor): a free body, or welded to the world."""
    check_agreement(
        RobotModel("drone", (small_robot().link("base"),), ()), tmp_path, ImportOptions(fix_base=fix_base)
    )
