"""What write_usd authors: metadata, layers, names, joints, drives, options, meshes, atomicity."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import make_biped, make_single_body, make_world_arm
from pxr import Sdf, Usd, UsdGeom, UsdPhysics, UsdShade

from humanoid_twin.errors import MeshError, UsdError
from humanoid_twin.meshes import write_binary_stl
from humanoid_twin.model import (
    Collision,
    ImportOptions,
    Inertial,
    Joint,
    JointLimit,
    JointType,
    Link,
    Material,
    Mesh,
    Pose,
    RobotModel,
    Visual,
)
from humanoid_twin.model.transforms import quat_to_matrix
from humanoid_twin.usd import UsdAsset, read_usd, validate_stage, write_usd

DEG = 180.0 / math.pi


def _stage(asset: UsdAsset) -> Usd.Stage:
    return Usd.Stage.Open(str(asset.path))


def _rot(q: object) -> np.ndarray:
    im = q.GetImaginary()  # type: ignore[attr-defined]
    return quat_to_matrix((q.GetReal(), im[0], im[1], im[2]))  # type: ignore[attr-defined]


@pytest.fixture
def biped_asset(tmp_path: Path) -> UsdAsset:
    return write_usd(make_biped(), tmp_path / "biped.usda")


def test_stage_metadata_and_scene(biped_asset: UsdAsset) -> None:
    stage = _stage(biped_asset)
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert UsdPhysics.GetStageKilogramsPerUnit(stage) == 1.0
    robot = stage.GetDefaultPrim()
    assert robot.GetPath() == Sdf.Path(biped_asset.prim_path) == Sdf.Path("/mini_biped")
    assert Usd.ModelAPI(robot).GetKind() == "component"
    scene = UsdPhysics.Scene(stage.GetPrimAtPath("/physicsScene"))
    assert scene
    assert tuple(scene.GetGravityDirectionAttr().Get()) == (0.0, 0.0, -1.0)
    assert scene.GetGravityMagnitudeAttr().Get() == pytest.approx(9.81)
    # the scene is a sibling: referencing the robot prim does not bring it
    assert not stage.GetPrimAtPath(biped_asset.prim_path + "/physicsScene")


def test_layered_layout(biped_asset: UsdAsset, tmp_path: Path) -> None:
    cfg = tmp_path / "configuration"
    assert biped_asset.files == (tmp_path / "biped.usda", cfg / "biped_base.usda", cfg / "biped_physics.usda")
    assert all(f.is_file() for f in biped_asset.files)
    base = Sdf.Layer.FindOrOpen(str(cfg / "biped_base.usda"))
    phys = Sdf.Layer.FindOrOpen(str(cfg / "biped_physics.usda"))
    main = Sdf.Layer.FindOrOpen(str(biped_asset.path))
    payloads = main.GetPrimAtPath("/mini_biped").payloadList.GetAddedOrExplicitItems()
    assert [p.assetPath for p in payloads] == [
        "./configuration/biped_physics.usda",
        "./configuration/biped_base.usda",
    ]
    base_apis: list[str] = []
    phys_types: list[str] = []

    def visit(layer: Sdf.Layer, into: list[str], what: str) -> None:
        def f(path: Sdf.Path) -> None:
            if path.IsPrimPath():
                spec = layer.GetPrimAtPath(path)
                into.extend(
                    spec.GetInfo("apiSchemas").GetAddedOrExplicitItems() if what == "api" else [spec.typeName]
                )

        layer.Traverse("/", f)

    visit(base, base_apis, "api")
    visit(phys, phys_types, "type")
    assert not [a for a in base_apis if a.startswith("Physics")], "the base layer holds no physics"
    assert not {"Mesh", "Cube", "Sphere", "Cylinder", "Capsule"} & set(phys_types), (
        "the physics layer holds no geometry"
    )
    # each configuration layer opens on its own
    assert Usd.Stage.Open(str(cfg / "biped_base.usda")).GetDefaultPrim()


@pytest.mark.parametrize("name", ["one.usdc", "one.usd"])
def test_flat_file_is_one_file(tmp_path: Path, name: str) -> None:
    asset = write_usd(make_biped(), tmp_path / name, layered=False)
    assert asset.files == (tmp_path / name,)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert asset.path.read_bytes().startswith(b"PXR-USDC")  # crate, also for .usd
    assert validate_stage(asset.path) == []


def test_names_are_sanitised_unique_and_kept(biped_asset: UsdAsset) -> None:
    assert biped_asset.link_names["base link"] == "base_link"
    assert biped_asset.link_names["base_link"] == "base_link_1"
    assert biped_asset.joint_names["hip-pitch"] == "hip_pitch"
    stage = _stage(biped_asset)
    assert stage.GetPrimAtPath("/mini_biped/base_link").GetAttribute("urdf:name").Get() == "base link"
    assert stage.GetPrimAtPath("/mini_biped/joints/hip_pitch").GetAttribute("urdf:name").Get() == "hip-pitch"
    assert stage.GetDefaultPrim().GetAttribute("urdf:name").Get() == "mini biped"


def test_reserved_prim_names_do_not_clash(tmp_path: Path) -> None:
    links = (
        Link("joints", Inertial(1.0, Pose(), (1, 0, 0, 1, 0, 1))),
        Link("Looks", Inertial(1.0, Pose(), (1, 0, 0, 1, 0, 1))),
    )
    model = RobotModel("r", links, (Joint("joints", JointType.REVOLUTE, "joints", "Looks", axis=(0, 0, 1)),))
    asset = write_usd(model, tmp_path / "r.usda")
    assert asset.link_names == {"joints": "joints_1", "Looks": "Looks_1"}
    assert validate_stage(asset.path) == []
    assert read_usd(asset.path).replace(source=None) == model


def test_arbitrary_axis_rotates_the_joint_frame_not_the_bodies(biped_asset: UsdAsset) -> None:
    stage = _stage(biped_asset)
    knee = UsdPhysics.RevoluteJoint(stage.GetPrimAtPath("/mini_biped/joints/knee"))
    assert knee.GetAxisAttr().Get() == "X"
    axis = np.array([0.3, -0.5, 0.8]) / np.linalg.norm([0.3, -0.5, 0.8])
    r1 = _rot(knee.GetLocalRot1Attr().Get())
    np.testing.assert_allclose(r1 @ [1.0, 0.0, 0.0], axis, atol=1e-6)
    # shin keeps the orientation of its URDF frame (no body reorientation)
    model = make_biped()
    shin = UsdGeom.Xformable(stage.GetPrimAtPath("/mini_biped/shin")).ComputeLocalToWorldTransform(0)
    from humanoid_twin.model import forward_kinematics

    np.testing.assert_allclose(np.array(shin).T, forward_kinematics(model)["shin"], atol=1e-12)
    # a negative axis: the frame is turned half a revolution, the limits keep their sign
    ankle = UsdPhysics.RevoluteJoint(stage.GetPrimAtPath("/mini_biped/joints/ankle"))
    np.testing.assert_allclose(
        _rot(ankle.GetLocalRot1Attr().Get()) @ [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], atol=1e-6
    )
    assert not ankle.GetLowerLimitAttr().HasAuthoredValue()  # continuous: no limits
    assert not ankle.GetUpperLimitAttr().HasAuthoredValue()


def test_limits_drives_and_joint_extras(biped_asset: UsdAsset) -> None:
    stage = _stage(biped_asset)
    hip = stage.GetPrimAtPath("/mini_biped/joints/hip_pitch")
    assert hip.GetAttribute("physics:lowerLimit").Get() == pytest.approx(-1.5 * DEG)
    assert hip.GetAttribute("physics:upperLimit").Get() == pytest.approx(0.5 * DEG)
    drive = UsdPhysics.DriveAPI(hip, "angular")
    assert drive
    # default gains 1000 N·m/rad and 100 N·m·s/rad become per-degree gains
    assert drive.GetStiffnessAttr().Get() == pytest.approx(1000.0 / DEG)
    assert drive.GetDampingAttr().Get() == pytest.approx(100.0 / DEG)
    assert drive.GetMaxForceAttr().Get() == pytest.approx(80.0)  # URDF effort
    assert drive.GetTypeAttr().Get() == "force"
    assert drive.GetTargetPositionAttr().Get() == 0.0
    assert hip.GetAttribute("physxJoint:maxJointVelocity").Get() == pytest.approx(6.0 * DEG, rel=1e-6)
    assert hip.GetAttribute("physxJoint:jointFriction").Get() == pytest.approx(0.12)
    assert hip.GetAttribute("newton:velocityLimit").Get() == pytest.approx(6.0 * DEG, rel=1e-6)
    assert hip.GetAttribute("newton:damping").Get() == pytest.approx(0.3 / DEG)
    for name, value in {
        "urdf:limit:velocity": 6.0,
        "urdf:limit:effort": 80.0,
        "urdf:dynamics:damping": 0.3,
        "urdf:dynamics:friction": 0.12,
        "urdf:safety_controller:k_velocity": 10.0,
        "urdf:safety_controller:soft_lower_limit": -1.4,
        "urdf:safety_controller:soft_upper_limit": 0.4,
        "urdf:safety_controller:k_position": 15.0,
        "urdf:calibration:rising": 0.01,
    }.items():
        assert hip.GetAttribute(name).Get() == value, name
    # the model's own drive wins over the options, with its type and armature
    knee = stage.GetPrimAtPath("/mini_biped/joints/knee")
    kd = UsdPhysics.DriveAPI(knee, "angular")
    assert kd.GetStiffnessAttr().Get() == pytest.approx(300.0 / DEG)
    assert kd.GetTypeAttr().Get() == "acceleration"
    assert kd.GetMaxForceAttr().Get() == pytest.approx(55.0)
    assert knee.GetAttribute("physxJoint:armature").Get() == pytest.approx(0.02)
    # prismatic: metres and a linear drive
    slide = stage.GetPrimAtPath("/mini_biped/joints/slide")
    assert slide.GetAttribute("physics:lowerLimit").Get() == pytest.approx(-0.01)
    assert UsdPhysics.DriveAPI(slide, "linear").GetStiffnessAttr().Get() == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("drive_type", "stiffness", "target"), [("velocity", 0.0, "targetVelocity"), ("none", None, None)]
)
def test_drive_type_option(
    tmp_path: Path, drive_type: str, stiffness: float | None, target: str | None
) -> None:
    asset = write_usd(make_biped(), tmp_path / "b.usda", ImportOptions(drive_type=drive_type))  # type: ignore[arg-type]
    stage = _stage(asset)
    hip = stage.GetPrimAtPath("/mini_biped/joints/hip_pitch")
    drive = UsdPhysics.DriveAPI(hip, "angular")
    if stiffness is None:
        assert not hip.HasAPI(UsdPhysics.DriveAPI, "angular")
    else:
        assert drive.GetStiffnessAttr().Get() == stiffness
        assert drive.GetDampingAttr().Get() == pytest.approx(100.0 / DEG)
        assert hip.GetAttribute(f"drive:angular:physics:{target}").HasAuthoredValue()


def test_mimic_joint(biped_asset: UsdAsset) -> None:
    stage = _stage(biped_asset)
    follower = stage.GetPrimAtPath("/mini_biped/joints/finger_mimic")
    assert "NewtonMimicAPI" in follower.GetAppliedSchemas()
    assert follower.GetRelationship("newton:mimicJoint").GetTargets() == [
        Sdf.Path("/mini_biped/joints/finger_j")
    ]
    assert follower.GetAttribute("newton:mimicCoef1").Get() == pytest.approx(2.0)
    assert follower.GetAttribute("newton:mimicCoef0").Get() == pytest.approx(0.1 * DEG)
    assert follower.GetAttribute("physxMimicJoint:rotX:gearing").Get() == pytest.approx(-2.0)
    # PhysX: q + gearing · q_leader + offset = 0, the offset in degrees (omni.physx's translateOffset
    # converts it to radians for an angular axis; it was written in radians, 57× too small)
    assert follower.GetAttribute("physxMimicJoint:rotX:offset").Get() == pytest.approx(-0.1 * DEG)
    assert follower.GetAttribute("physxMimicJoint:rotX:offset").Get() == pytest.approx(
        -follower.GetAttribute("newton:mimicCoef0").Get()
    )
    assert follower.GetRelationship("physxMimicJoint:rotX:referenceJoint").GetTargets() == [
        Sdf.Path("/mini_biped/joints/finger_j")
    ]
    assert not follower.HasAPI(UsdPhysics.DriveAPI, "angular")  # a mimic joint is not driven
    assert follower.GetAttribute("urdf:mimic:joint").Get() == "finger_j"


def test_planar_joint_locks_three_dofs(biped_asset: UsdAsset) -> None:
    stage = _stage(biped_asset)
    prim = stage.GetPrimAtPath("/mini_biped/joints/plate_planar")
    assert prim.GetTypeName() == "PhysicsJoint"
    for dof in ("transZ", "rotX", "rotY"):
        limit = UsdPhysics.LimitAPI(prim, dof)
        assert limit.GetLowAttr().Get() > limit.GetHighAttr().Get()  # low > high: locked
    # the plane normal (URDF axis (0, 1, 0)) is the joint frame's Z
    r1 = _rot(UsdPhysics.Joint(prim).GetLocalRot1Attr().Get())
    np.testing.assert_allclose(r1 @ [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], atol=1e-6)


def test_merged_frames_are_xforms_under_their_body(biped_asset: UsdAsset) -> None:
    stage = _stage(biped_asset)
    assert biped_asset.link_paths["l_sole"] == "/mini_biped/foot/l_sole"
    assert biped_asset.link_paths["l_toe_tip"] == "/mini_biped/foot/l_sole/l_toe_tip"
    sole = stage.GetPrimAtPath("/mini_biped/foot/l_sole")
    assert sole.GetTypeName() == "Xform"
    assert not sole.HasAPI(UsdPhysics.RigidBodyAPI)
    assert sole.GetAttribute("urdf:joint:name").Get() == "sole_fixed"
    assert "sole_fixed" not in biped_asset.joint_names
    # a joint whose parent is a merged frame attaches to the body that carries the frame
    slide = UsdPhysics.Joint(stage.GetPrimAtPath("/mini_biped/joints/slide"))
    assert slide.GetBody0Rel().GetTargets() == [Sdf.Path("/mini_biped/foot")]
    # dont_collapse keeps the frame as a body with its fixed joint
    assert stage.GetPrimAtPath("/mini_biped/kept_frame").HasAPI(UsdPhysics.RigidBodyAPI)
    assert stage.GetPrimAtPath("/mini_biped/joints/keep").GetTypeName() == "PhysicsFixedJoint"


def test_articulation_root_floating_and_fixed(tmp_path: Path) -> None:
    floating = _stage(write_usd(make_biped(), tmp_path / "f.usda"))
    root = floating.GetPrimAtPath("/mini_biped/base_link")
    assert root.HasAPI(UsdPhysics.ArticulationRootAPI)
    assert root.GetAttribute("newton:selfCollisionEnabled").Get() is False
    assert root.GetAttribute("physxArticulation:enabledSelfCollisions").Get() is False
    fixed = _stage(
        write_usd(make_biped(), tmp_path / "x.usda", ImportOptions(fix_base=True, self_collision=True))
    )
    joint = fixed.GetPrimAtPath("/mini_biped/joints/root_joint")
    assert joint.GetTypeName() == "PhysicsFixedJoint"
    assert joint.HasAPI(UsdPhysics.ArticulationRootAPI)
    assert UsdPhysics.Joint(joint).GetBody0Rel().GetTargets() == []
    assert UsdPhysics.Joint(joint).GetBody1Rel().GetTargets() == [Sdf.Path("/mini_biped/base_link")]
    assert joint.GetAttribute("newton:selfCollisionEnabled").Get() is True
    assert not fixed.GetPrimAtPath("/mini_biped/base_link").HasAPI(UsdPhysics.ArticulationRootAPI)


def test_a_robot_without_joints_is_a_rigid_body(tmp_path: Path) -> None:
    """No joint: a plain rigid body when floating (UsdPhysics finds no articulation, as Isaac Lab's
    RigidObject wants), an articulation through the generated root_joint when fixed."""
    floating = write_usd(make_single_body(), tmp_path / "f.usda", layered=False)
    result = UsdPhysics.LoadUsdPhysicsFromRange(_stage(floating), ["/"])
    assert UsdPhysics.ObjectType.Articulation not in result
    assert [str(d.primPath) for d in result[UsdPhysics.ObjectType.RigidBody][1]] == ["/drone/frame"]
    fixed = _stage(write_usd(make_single_body(), tmp_path / "x.usda", ImportOptions(fix_base=True)))
    assert fixed.GetPrimAtPath("/drone/joints/root_joint").HasAPI(UsdPhysics.ArticulationRootAPI)
    assert not fixed.GetPrimAtPath("/drone/frame").HasAPI(UsdPhysics.ArticulationRootAPI)


def test_world_link_is_the_fixed_base(tmp_path: Path) -> None:
    stage = _stage(write_usd(make_world_arm(), tmp_path / "a.usda", ImportOptions(fix_base=True)))
    world = stage.GetPrimAtPath("/arm/world")
    assert not world.HasAPI(UsdPhysics.RigidBodyAPI)
    joint = stage.GetPrimAtPath("/arm/joints/world_joint")
    assert joint.HasAPI(UsdPhysics.ArticulationRootAPI)
    assert UsdPhysics.Joint(joint).GetBody0Rel().GetTargets() == []
    assert not stage.GetPrimAtPath("/arm/joints/root_joint")  # no second weld


def test_mass_properties(biped_asset: UsdAsset) -> None:
    model = make_biped()
    stage = _stage(biped_asset)
    prim = stage.GetPrimAtPath("/mini_biped/base_link")
    mass = UsdPhysics.MassAPI(prim)
    ine = model.link("base link").inertial
    assert ine is not None
    moments, _ = ine.principal()
    assert mass.GetMassAttr().Get() == pytest.approx(5.3)
    np.testing.assert_allclose(mass.GetCenterOfMassAttr().Get(), (0.01, -0.02, 0.05), atol=1e-7)
    np.testing.assert_allclose(mass.GetDiagonalInertiaAttr().Get(), moments, rtol=1e-6)
    # principal axes diagonalise the tensor in the link frame
    r = _rot(mass.GetPrincipalAxesAttr().Get())
    r_in = quat_to_matrix(ine.origin.quat)
    tensor_link = r_in @ ine.tensor() @ r_in.T
    np.testing.assert_allclose(r.T @ tensor_link @ r, np.diag(moments), atol=1e-7)


def test_geometry_purposes_and_materials(biped_asset: UsdAsset) -> None:
    stage = _stage(biped_asset)
    torso_visual = stage.GetPrimAtPath("/mini_biped/base_link/visuals/torso")
    torso_collider = stage.GetPrimAtPath("/mini_biped/base_link/collisions/torso")
    assert torso_visual.GetTypeName() == "Cube"
    assert UsdGeom.Imageable(torso_visual).ComputePurpose() == UsdGeom.Tokens.default_
    assert UsdGeom.Imageable(torso_collider).ComputePurpose() == UsdGeom.Tokens.guide
    assert torso_collider.HasAPI(UsdPhysics.CollisionAPI)
    assert not torso_visual.HasAPI(UsdPhysics.CollisionAPI)
    material, _ = UsdShade.MaterialBindingAPI(torso_visual).ComputeBoundMaterial()
    shader = material.ComputeSurfaceSource()[0]
    assert shader.GetIdAttr().Get() == "UsdPreviewSurface"
    np.testing.assert_allclose(shader.GetInput("diffuseColor").Get(), (0.8, 0.1, 0.1), atol=1e-7)
    assert shader.GetInput("opacity").Get() == pytest.approx(1.0)
    color = UsdGeom.Gprim(torso_visual).GetDisplayColorAttr().Get()
    np.testing.assert_allclose(color[0], (0.8, 0.1, 0.1), atol=1e-7)
    # the box is a unit cube scaled to its size
    assert torso_visual.GetAttribute("size").Get() == 1.0
    assert tuple(torso_visual.GetAttribute("xformOp:scale").Get()) == (0.2, 0.3, 0.4)
    cyl = stage.GetPrimAtPath("/mini_biped/thigh/collisions/thigh_col")
    assert cyl.GetTypeName() == "Cylinder"
    assert cyl.GetAttribute("axis").Get() == "Z"


def test_capsules_and_colliders_from_visuals(tmp_path: Path) -> None:
    options = ImportOptions(replace_cylinders_with_capsules=True, collision_from_visuals=True)
    asset = write_usd(make_biped(), tmp_path / "b.usda", options)
    stage = _stage(asset)
    cap = stage.GetPrimAtPath("/mini_biped/thigh/collisions/thigh_col")
    assert cap.GetTypeName() == "Capsule"
    assert cap.GetAttribute("radius").Get() == 0.05
    assert cap.GetAttribute("height").Get() == pytest.approx(0.4 - 2 * 0.05)  # same total length
    assert stage.GetPrimAtPath("/mini_biped/thigh/visuals/visual").GetTypeName() == "Cylinder"
    sole = stage.GetPrimAtPath("/mini_biped/foot/collisions/sole")  # foot has a visual, no collision
    assert sole.HasAPI(UsdPhysics.CollisionAPI)
    assert sole.GetAttribute("twin:generated").Get() is True
    back = read_usd(asset.path)
    assert back.link("foot").collisions == ()  # generated colliders are not part of the model
    assert back.link("thigh").collisions == make_biped().link("thigh").collisions  # a cylinder again


# ---------------------------------------------------------------- meshes


def _tetra(path: Path) -> Path:
    write_binary_stl(
        path, [[0, 0, 0], [0.1, 0, 0], [0, 0.1, 0], [0, 0, 0.1]], [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]
    )
    return path


def _mesh_model(mesh_path: Path) -> RobotModel:
    mesh = Mesh("package://demo/meshes/" + mesh_path.name, mesh_path, (1.0, 2.0, 1.0))
    inertial = Inertial(1.0, Pose(), (1e-3, 0, 0, 1e-3, 0, 1e-3))
    links = tuple(
        Link(
            n,
            inertial,
            (Visual("v", Pose.from_xyz_rpy((0, 0, 0.1)), mesh, Material("grey", (0.5, 0.5, 0.5, 1.0))),),
            (Collision("c", Pose(), mesh),),
        )
        for n in ("a", "b")
    )
    return RobotModel(
        "meshy", links, (Joint("j", JointType.REVOLUTE, "a", "b", axis=(0, 1, 0), limit=JointLimit(-1, 1)),)
    )


@pytest.mark.parametrize("layered", [True, False])
def test_mesh_written_once_and_referenced(tmp_path: Path, layered: bool) -> None:
    model = _mesh_model(_tetra(tmp_path / "tetra.stl"))
    asset = write_usd(model, tmp_path / "out" / "m.usda", layered=layered)
    stage = _stage(asset)
    if layered:  # mesh data in its own crate layer, referenced from the base layer
        mesh_file = tmp_path / "out" / "configuration" / "m_meshes.usdc"
        assert asset.files[-1] == mesh_file
        mesh_layer = Sdf.Layer.FindOrOpen(str(mesh_file))
        assert [p.name for p in mesh_layer.GetPrimAtPath("/meshes").nameChildren] == ["tetra"]
        assert "faceVertexIndices" not in (tmp_path / "out" / "configuration" / "m_base.usda").read_text()
    else:  # mesh data in a class scope of the one file (not drawn, not simulated)
        scope = stage.GetPrimAtPath("/meshy/meshes")
        assert scope.IsAbstract()
        protos = [
            p.GetName() for p in Usd.PrimRange(scope, Usd.PrimAllPrimsPredicate) if p.GetTypeName() == "Mesh"
        ]
        assert protos == ["tetra"]
        assert asset.path.read_text().count("faceVertexIndices") == 1
    for link in ("a", "b"):
        visual = stage.GetPrimAtPath(f"/meshy/{link}/visuals/v")
        assert len(visual.GetAttribute("points").Get()) == 4
        assert tuple(visual.GetAttribute("xformOp:scale").Get()) == (1.0, 2.0, 1.0)
        collider = stage.GetPrimAtPath(f"/meshy/{link}/collisions/c")
        assert collider.HasAPI(UsdPhysics.MeshCollisionAPI)
        assert UsdPhysics.MeshCollisionAPI(collider).GetApproximationAttr().Get() == "convexHull"
    assert validate_stage(asset.path) == []
    back = read_usd(asset.path)
    assert back.replace(source=None) == model  # the mesh path is kept while the file exists


def test_failed_mesh_leaves_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "broken.stl"
    bad.write_bytes(b"\x00" * 83)  # a binary STL header claiming faces that are not there
    model = _mesh_model(bad)
    out = tmp_path / "out"
    with pytest.raises(MeshError):
        write_usd(model, out / "m.usda")
    assert not out.exists()


def test_failed_write_keeps_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write_usd(make_biped(), tmp_path / "b.usda")
    before = {f: f.read_bytes() for f in first.files}
    calls = []
    real_export = Sdf.Layer.Export

    def failing_export(self: Sdf.Layer, path: str, *args: object, **kwargs: object) -> bool:
        calls.append(path)
        if len(calls) == 3:  # the last of the three layers
            return False
        return real_export(self, path, *args, **kwargs)

    monkeypatch.setattr(Sdf.Layer, "Export", failing_export)
    with pytest.raises(UsdError, match="cannot write"):
        write_usd(make_world_arm(), tmp_path / "b.usda")
    assert {f: f.read_bytes() for f in first.files} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.usda", "configuration"]
    assert sorted(p.name for p in (tmp_path / "configuration").iterdir()) == ["b_base.usda", "b_physics.usda"]


def test_bad_extension(tmp_path: Path) -> None:
    with pytest.raises(UsdError, match=r"\.usda, \.usdc or \.usd"):
        write_usd(make_biped(), tmp_path / "robot.urdf")


def test_mesh_without_local_file(tmp_path: Path) -> None:
    link = Link("a", None, (Visual("", Pose(), Mesh("package://x/y.stl", None)),))
    with pytest.raises(MeshError, match="no file on disk"):
        write_usd(RobotModel("r", (link,), ()), tmp_path / "r.usda")
    assert list(tmp_path.iterdir()) == []


def _overlapping_chain() -> RobotModel:
    """base → arm → hand, three 0.4 m boxes 0.1 m apart: base and hand overlap at the rest pose."""
    from humanoid_twin.model import Box

    def link(name: str) -> Link:
        inertial = Inertial(1.0, Pose(), (0.01, 0.0, 0.0, 0.01, 0.0, 0.01))
        return Link(name, inertial, collisions=(Collision("c", Pose(), Box((0.4, 0.4, 0.4))),))

    lim = JointLimit(-1.0, 1.0, 10.0, 1.0)
    return RobotModel(
        "overlap",
        (link("base"), link("arm"), link("hand")),
        (
            Joint("shoulder", JointType.REVOLUTE, "base", "arm", Pose((0, 0, 0.1)), (0, 0, 1), lim),
            Joint("wrist", JointType.REVOLUTE, "arm", "hand", Pose((0, 0, 0.1)), (0, 0, 1), lim),
        ),
    )


@pytest.mark.parametrize("self_collision", [False, True])
def test_self_collision_filters_bodies_touching_at_rest(tmp_path: Path, self_collision: bool) -> None:
    asset = write_usd(_overlapping_chain(), tmp_path / "o.usda", ImportOptions(self_collision=self_collision))
    stage = _stage(asset)
    filtered = {
        (str(p.GetPath()), str(t))
        for p in stage.Traverse()
        if p.HasAPI(UsdPhysics.FilteredPairsAPI)
        for t in UsdPhysics.FilteredPairsAPI(p).GetFilteredPairsRel().GetTargets()
    }
    # base–arm and arm–hand share joints (never collide); base–hand touch at rest: filtered
    assert filtered == ({("/overlap/base", "/overlap/hand")} if self_collision else set())
    assert validate_stage(asset.path) == []
    assert read_usd(asset.path) == _overlapping_chain()  # derived from the geometry, not kept in the model
