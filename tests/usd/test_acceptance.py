"""The USD acceptance tests: validators, UsdPhysics parsing and the URDF → USD → model round trip.

They run on hand-built models, on every icub-models URDF and on the bundled ``urdf/humanoid.urdf``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import diff_models, make_biped, make_floating_world, make_world_arm
from pxr import Usd, UsdGeom, UsdPhysics

from humanoid_twin.model import ImportOptions, JointType, RobotModel, forward_kinematics
from humanoid_twin.usd import read_usd, validate_stage, write_usd

pytestmark = pytest.mark.filterwarnings("ignore:LoadUsdPhysicsFromRange is deprecated:DeprecationWarning")

REPO = Path(__file__).resolve().parents[2]
HUMANOID = REPO / "urdf" / "humanoid.urdf"


def _icub_names() -> list[str]:
    try:
        import icub_models

        return sorted(icub_models.get_robot_names())
    except ImportError:  # pragma: no cover - icub-models is in the [test] extra
        return []


def _load(case: str) -> RobotModel:
    if case == "hand:biped":
        return make_biped()
    if case == "hand:world_arm":
        return make_world_arm()
    if case == "hand:floating_world":
        return make_floating_world()
    from humanoid_twin.urdf import read_urdf

    if case == "humanoid":
        if not HUMANOID.is_file():
            pytest.skip("urdf/humanoid.urdf is not in this checkout")
        return read_urdf(HUMANOID, package_paths=[HUMANOID.parent])
    import icub_models

    name = case.removeprefix("icub:")
    share = Path(icub_models.get_models_path()).parent.parent  # holds the 'iCub' package
    return read_urdf(icub_models.get_model_file(name), package_paths=[share])


CASES = ["hand:biped", "hand:world_arm", "hand:floating_world", "humanoid"] + [
    f"icub:{n}" for n in _icub_names()
]


def _merged(model: RobotModel, options: ImportOptions) -> set[str]:
    """Links the writer must turn into plain Xforms (the rule from ImportOptions.merge_fixed_joints)."""
    out = set()
    for lk in model.links:
        pj = model.parent_joint(lk.name)
        if (
            options.merge_fixed_joints
            and pj is not None
            and lk.is_frame
            and pj.type is JointType.FIXED
            and not pj.dont_collapse
        ):
            out.add(lk.name)
    return out


def _world_link(model: RobotModel) -> str | None:
    return model.root.name if model.root.name == "world" and model.root.is_frame else None


def check_physics(model: RobotModel, options: ImportOptions, asset_path: Path, asset) -> None:
    stage = Usd.Stage.Open(str(asset_path))
    result = UsdPhysics.LoadUsdPhysicsFromRange(stage, ["/"])
    arts = result.get(UsdPhysics.ObjectType.Articulation, ([], []))[1]
    assert len(arts) == 1, f"expected one articulation, found {len(arts)}"
    art = arts[0]
    merged = _merged(model, options)
    world = _world_link(model)
    want_bodies = {
        asset.link_paths[lk.name] for lk in model.links if lk.name not in merged and lk.name != world
    }
    got_bodies = {str(p) for p in art.articulatedBodies if not p.isEmpty}
    assert got_bodies == want_bodies
    want_joints = {
        asset.prim_path + "/joints/" + asset.joint_names[j.name]
        for j in model.joints
        if j.child not in merged and j.type is not JointType.FLOATING
    }
    got_joints = {str(p) for p in art.articulatedJoints}
    generated = got_joints - want_joints
    assert want_joints <= got_joints
    assert len(generated) == (1 if options.fix_base and world is None else 0)
    # limits: degrees for revolute joints, metres for prismatic ones, none for continuous ones
    by_path = {
        asset.prim_path + "/joints/" + asset.joint_names[j.name]: j
        for j in model.joints
        if j.name in asset.joint_names
    }
    checked = 0
    for kind in (UsdPhysics.ObjectType.RevoluteJoint, UsdPhysics.ObjectType.PrismaticJoint):
        for desc in result.get(kind, ([], []))[1]:
            j = by_path[str(desc.primPath)]
            unit = 180.0 / math.pi if kind == UsdPhysics.ObjectType.RevoluteJoint else 1.0
            if math.isinf(j.lower) and math.isinf(j.upper):
                assert not desc.limit.enabled or (
                    math.isinf(desc.limit.lower) and math.isinf(desc.limit.upper)
                )
            else:
                assert desc.limit.enabled
                assert desc.limit.lower == pytest.approx(j.lower * unit, rel=1e-6, abs=1e-6)
                assert desc.limit.upper == pytest.approx(j.upper * unit, rel=1e-6, abs=1e-6)
            checked += 1
    assert checked == sum(1 for j in model.joints if j.type.is_actuated_1dof and j.name in asset.joint_names)
    # total mass: the sum of MassAPI masses
    total = 0.0
    for body in want_bodies:
        mass = stage.GetPrimAtPath(body).GetAttribute("physics:mass")
        if mass and mass.HasAuthoredValue():
            total += float(mass.Get())
    assert total == pytest.approx(model.total_mass, rel=1e-6, abs=1e-9)
    # bodies sit at the model's forward kinematics at q = 0, joint frames agree from both sides
    fk = forward_kinematics(model, {j.name: 0.0 for j in model.joints})  # every joint at 0, mimics too
    cache = UsdGeom.XformCache()
    world_of = {}
    for lk in model.links:
        if lk.name == world:
            continue
        m = np.array(cache.GetLocalToWorldTransform(stage.GetPrimAtPath(asset.link_paths[lk.name]))).T
        np.testing.assert_allclose(m, fk[lk.name], atol=1e-9, err_msg=lk.name)
        world_of[asset.link_paths[lk.name]] = m
    for joint_desc_kind in (UsdPhysics.ObjectType.RevoluteJoint, UsdPhysics.ObjectType.PrismaticJoint):
        for desc in result.get(joint_desc_kind, ([], []))[1]:
            j = by_path[str(desc.primPath)]
            b1 = world_of[str(desc.body1)]
            r1 = np.array(_rot(desc.localPose1Orientation))
            axis_world = b1[:3, :3] @ r1 @ np.array([1.0, 0.0, 0.0])
            want_axis = fk[j.child][:3, :3] @ np.asarray(j.axis)
            np.testing.assert_allclose(axis_world, want_axis, atol=1e-6, err_msg=j.name)
            b0 = world_of[str(desc.body0)] if not desc.body0.isEmpty else np.eye(4)
            p0 = b0[:3, :3] @ np.array(desc.localPose0Position) + b0[:3, 3]
            p1 = b1[:3, :3] @ np.array(desc.localPose1Position) + b1[:3, 3]
            np.testing.assert_allclose(p0, p1, atol=1e-6, err_msg=j.name)


def _rot(q) -> np.ndarray:
    from humanoid_twin.model.transforms import quat_to_matrix

    im = q.GetImaginary()
    return quat_to_matrix((q.GetReal(), im[0], im[1], im[2]))


@pytest.mark.parametrize("case", CASES)
def test_acceptance(case: str, tmp_path: Path) -> None:
    model = _load(case)
    options = ImportOptions()
    first = write_usd(model, tmp_path / "a" / "robot.usda", options)
    # 1. every validator in pxr's registry passes
    assert validate_stage(first.path) == []
    # 2. UsdPhysics finds one articulation with the model's bodies, joints, limits and mass
    check_physics(model, options, first.path, first)
    # 3. URDF → USD → model → USD reproduces the model (and the very same files)
    back = read_usd(first.path)
    assert diff_models(model, back) == []
    assert back.source == str(first.path)
    second = write_usd(back, tmp_path / "b" / "robot.usda", options)
    assert diff_models(model, read_usd(second.path)) == []
    for f1, f2 in zip(first.files, second.files, strict=True):
        assert f1.read_bytes() == f2.read_bytes(), f1.name


VARIANTS = {
    "flat": (ImportOptions(), False),
    "fixed-capsules": (
        ImportOptions(fix_base=True, replace_cylinders_with_capsules=True, self_collision=True),
        True,
    ),
    "no-merge-visual-colliders": (ImportOptions(merge_fixed_joints=False, collision_from_visuals=True), True),
    "velocity-drives-usdc": (ImportOptions(drive_type="velocity", armature=0.01), False),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("case", ["hand:biped", "hand:world_arm", "humanoid", "icub:iCubGazeboV2_7"])
def test_acceptance_options(case: str, variant: str, tmp_path: Path) -> None:
    if case.startswith("icub:") and case.removeprefix("icub:") not in _icub_names():
        pytest.skip("icub-models is not installed")
    model = _load(case)
    options, layered = VARIANTS[variant]
    ext = ".usdc" if variant.endswith("usdc") else ".usda"
    asset = write_usd(model, tmp_path / f"robot{ext}", options, layered=layered)
    assert validate_stage(asset.path) == []
    check_physics(model, options, asset.path, asset)
    assert diff_models(model, read_usd(asset.path)) == []
