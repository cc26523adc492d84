"""read_usd: exact for humanoid_twin assets, schema-based for other UsdPhysics assets."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import make_biped
from pxr import Sdf

from humanoid_twin.errors import DescriptionError, UsdError
from humanoid_twin.model import JointType, forward_kinematics
from humanoid_twin.usd import read_usd, write_usd


def _strip_custom(path: Path) -> None:
    """Remove every urdf:* and twin:* property: what a foreign tool's UsdPhysics asset looks like."""
    layer = Sdf.Layer.FindOrOpen(str(path))
    doomed: list[Sdf.Path] = []

    def visit(p: Sdf.Path) -> None:
        if p.IsPropertyPath() and p.name.split(":")[0] in ("urdf", "twin"):
            doomed.append(p)

    layer.Traverse("/", visit)
    for p in doomed:
        prim = layer.GetPrimAtPath(p.GetPrimPath())
        prop = prim.properties[p.name]
        prim.RemoveProperty(prop)
    layer.Save()


def test_foreign_usdphysics_asset(tmp_path: Path) -> None:
    model = make_biped()
    asset = write_usd(model, tmp_path / "b.usda", layered=False)
    _strip_custom(asset.path)
    back = read_usd(asset.path)
    fk_model = forward_kinematics(model)
    fk_back = forward_kinematics(back)
    # names come from prim names; links sit where they were, oriented as their bodies (link frames)
    names = {lk.name: asset.link_names[lk.name] for lk in model.links}
    assert {lk.name for lk in back.links} == set(names.values())
    for original, prim_name in names.items():
        np.testing.assert_allclose(fk_back[prim_name], fk_model[original], atol=1e-6)
    # the merged frames (plain Xforms once the twin:/urdf: attributes are gone) come back as frames on
    # fixed joints, the frame on a frame below its frame, at their full pose
    for frame, parent in (("l_sole", "foot"), ("l_toe_tip", "l_sole")):
        assert back.link(frame).is_frame
        joint = back.joint(f"{frame}_joint")
        assert (joint.type, joint.parent, joint.child) == (JointType.FIXED, parent, frame)
        np.testing.assert_allclose(fk_back[frame], fk_model[frame], atol=1e-6)
    assert back.total_mass == pytest.approx(model.total_mass, rel=1e-6)
    # limits back in radians, continuous without limits, the axis aligned with the joint frame
    hip = back.joint("hip_pitch")
    assert hip.type is JointType.REVOLUTE
    assert hip.lower == pytest.approx(-1.5, abs=1e-6)
    assert hip.upper == pytest.approx(0.5, abs=1e-6)
    assert hip.limit is not None and hip.limit.velocity == pytest.approx(6.0, rel=1e-6)
    hip_model = model.joint("hip-pitch")
    assert hip_model.limit is not None and hip.limit.effort == pytest.approx(
        hip_model.limit.effort
    )  # maxForce
    assert back.joint("ankle").type is JointType.CONTINUOUS
    # the joint axis in the world agrees with the model's
    for jname, original in (("knee", "knee"), ("hip_pitch", "hip-pitch"), ("slide", "slide")):
        jb, jm = back.joint(jname), model.joint(original)
        axis_back = fk_back[jb.child][:3, :3] @ np.asarray(jb.axis)
        axis_model = fk_model[jm.child][:3, :3] @ np.asarray(jm.axis)
        np.testing.assert_allclose(axis_back, axis_model, atol=1e-6)
    # drives come back per radian; the mimic from NewtonMimicAPI
    assert hip.drive is not None and hip.drive.stiffness == pytest.approx(1000.0, rel=1e-6)
    mimic = back.joint("finger_mimic").mimic
    assert mimic is not None and mimic.joint == "finger_j"
    assert mimic.multiplier == pytest.approx(2.0) and mimic.offset == pytest.approx(0.1, rel=1e-6)
    # visuals keep their world placement
    thigh_v = back.link("thigh").visuals[0]
    world_v = fk_back["thigh"] @ thigh_v.origin.matrix()
    want = fk_model["thigh"] @ model.link("thigh").visuals[0].origin.matrix()
    np.testing.assert_allclose(world_v, want, atol=1e-6)
    assert math.isclose(thigh_v.geometry.radius, 0.05, rel_tol=1e-9)  # type: ignore[union-attr]


def test_limits_as_urdf_usd_converter_writes_them(tmp_path: Path) -> None:
    """NVIDIA's converter keeps the URDF effort as ``urdf:limit:effort`` and the velocity limit as
    ``newton:velocityLimit`` [deg/s], without PhysX's attributes: both are read."""
    from pxr import Sdf, Usd

    asset = write_usd(make_biped(), tmp_path / "b.usda", layered=False)
    _strip_custom(asset.path)
    stage = Usd.Stage.Open(str(asset.path))
    prim = next(p for p in stage.Traverse() if p.GetName() == "hip_pitch")
    prim.RemoveProperty("physxJoint:maxJointVelocity")
    prim.CreateAttribute("newton:velocityLimit", Sdf.ValueTypeNames.Float).Set(math.degrees(7.0))
    prim.CreateAttribute("urdf:limit:effort", Sdf.ValueTypeNames.Float, custom=True).Set(77.0)
    stage.Save()
    hip = read_usd(asset.path).joint("hip_pitch")
    assert hip.limit is not None
    assert hip.limit.velocity == pytest.approx(7.0, rel=1e-6) and hip.limit.effort == pytest.approx(77.0)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsdError, match="does not exist"):
        read_usd(tmp_path / "nope.usda")


def test_stage_without_bodies(tmp_path: Path) -> None:
    path = tmp_path / "empty.usda"
    path.write_text('#usda 1.0\n(\n    defaultPrim = "a"\n)\n\ndef Xform "a"\n{\n}\n')
    with pytest.raises(DescriptionError, match="has no rigid bodies"):
        read_usd(path)
