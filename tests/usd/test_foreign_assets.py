"""read_usd on UsdPhysics assets other tools wrote: D6 joints, and Newton's own humanoid against Newton."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.errors import DescriptionError
from humanoid_twin.model import JointType, Pose, forward_kinematics
from humanoid_twin.model.transforms import matrix_to_quat, quat_to_matrix, quat_xyzw_to_wxyz
from humanoid_twin.usd import read_usd


def _stage(*prims: str) -> str:
    """A USDA stage whose default prim ``r`` (Z up, metres) holds ``prims``."""
    header = '#usda 1.0\n(\n    defaultPrim = "r"\n    metersPerUnit = 1\n    upAxis = "Z"\n)\n\n'
    robot = 'def Xform "r" (\n    prepend apiSchemas = ["PhysicsArticulationRootAPI"]\n)\n{\n'
    return header + robot + "\n".join(prims) + "}\n"


def _body(name: str, inside: str = "", *, mass: float = 1.0, z: float = 0.0) -> str:
    """A rigid body prim of ``mass`` [kg] at height ``z`` [m] with ``inside`` (indented USDA) in it."""
    place = f"        double3 xformOp:translate = (0, 0, {z})\n" if z else ""
    place += '        uniform token[] xformOpOrder = ["xformOp:translate"]\n' if z else ""
    return (
        f'    def Xform "{name}" (\n        prepend apiSchemas = ["PhysicsRigidBodyAPI", "PhysicsMassAPI"]\n'
        f"    )\n    {{\n        float physics:mass = {mass}\n{place}{inside}    }}\n"
    )


_D6 = _stage(
    _body("base"),
    _body("arm", z=0.5),
    """    def JOINT "shoulder" (
        prepend apiSchemas = [APIS]
    )
    {
        rel physics:body0 = </r/base>
        rel physics:body1 = </r/arm>
        point3f physics:localPos0 = (0, 0, 0.5)
        point3f physics:localPos1 = (0, 0, 0)
LOCKED
        float limit:rotY:physics:low = -30
        float limit:rotY:physics:high = 60
        float drive:rotY:physics:stiffness = 2
        float drive:rotY:physics:maxForce = 40
NAMES
    }
""",
)


def _d6(tmp_path: Path, locked: tuple[str, ...], names: str = "", joint: str = "PhysicsJoint") -> Path:
    """The D6 joint above with ``locked`` axes (low > high) besides rotY's -30..60 deg limit and drive."""
    text = (
        _D6.replace("JOINT", joint)
        .replace(
            "APIS",
            ", ".join(f'"PhysicsLimitAPI:{d}"' for d in (*locked, "rotY")) + ', "PhysicsDriveAPI:rotY"',
        )
        .replace(
            "LOCKED",
            "\n".join(
                f"        float limit:{d}:physics:low = 1\n        float limit:{d}:physics:high = -1"
                for d in locked
            ),
        )
        .replace("NAMES", names)
    )
    path = tmp_path / "d6.usda"
    path.write_text(text)
    return path


_TRANSLATIONS = ("transX", "transY", "transZ")


def test_d6_free_in_one_axis_is_a_revolute_joint(tmp_path: Path) -> None:
    """A D6 free in rotY only (the other five axes locked) is the revolute joint it describes."""
    back = read_usd(_d6(tmp_path, (*_TRANSLATIONS, "rotX", "rotZ")))
    joint = back.joint("shoulder")
    assert (joint.type, joint.parent, joint.child, joint.axis) == (
        JointType.REVOLUTE,
        "base",
        "arm",
        (0.0, 1.0, 0.0),
    )
    assert joint.lower == pytest.approx(math.radians(-30)) and joint.upper == pytest.approx(math.radians(60))
    assert joint.drive is not None and joint.drive.stiffness == pytest.approx(2 * 180 / math.pi)
    assert joint.limit is not None and joint.limit.effort == pytest.approx(40.0)
    assert [lk.name for lk in back.links] == ["base", "arm"] and not back.warnings


def test_d6_axis_with_equal_limits_is_locked(tmp_path: Path) -> None:
    """low = high leaves an axis no room, as low > high does (Newton reads it so too)."""
    path = _d6(tmp_path, (*_TRANSLATIONS, "rotX", "rotZ"))
    path.write_text(
        path.read_text().replace("physics:low = 1", "physics:low = 0").replace("high = -1", "high = 0")
    )
    assert read_usd(path).joint("shoulder").type is JointType.REVOLUTE


def test_joint_with_only_body0_welds_it_to_the_world(tmp_path: Path) -> None:
    """A joint whose body1 is empty joins body0 to the world (UsdPhysics: an empty body is the world)."""
    path = _d6(tmp_path, (*_TRANSLATIONS, "rotX", "rotZ"))
    weld = """
    def PhysicsFixedJoint "weld"
    {
        rel physics:body0 = </r/base>
        point3f physics:localPos0 = (0, 0, 0)
        point3f physics:localPos1 = (0, 0, 0.25)
    }
}
"""
    text = path.read_text()
    path.write_text(text[: text.rstrip().rindex("}")] + weld)
    back = read_usd(path)
    joint = back.joint("weld")
    assert (joint.type, joint.parent, joint.child) == (JointType.FIXED, "world", "base")
    np.testing.assert_allclose(forward_kinematics(back)["base"][:3, 3], (0.0, 0.0, 0.25))


def test_d6_free_in_several_axes_is_a_chain(tmp_path: Path) -> None:
    """Free in rotY and rotZ: two revolute joints about the joint frame's Y then Z, a massless link
    between them, named by the tool's per-axis names when it wrote them."""
    back = read_usd(_d6(tmp_path, (*_TRANSLATIONS, "rotX")))  # rotZ has no LimitAPI: free, unlimited
    first, second = back.joint("shoulder_rotY"), back.joint("shoulder_rotZ")
    assert (first.parent, first.child, first.type) == ("base", "shoulder_rotY", JointType.REVOLUTE)
    assert (second.parent, second.child, second.type) == ("shoulder_rotY", "arm", JointType.CONTINUOUS)
    assert back.link("shoulder_rotY").is_frame
    assert first.axis == (0.0, 1.0, 0.0) and second.axis == (0.0, 0.0, 1.0)
    assert first.drive is not None and second.drive is None
    # rotating about Y then Z: the arm frame is R_y(a) R_z(b) at the joint frame
    a, b = 0.3, -0.7
    fk = forward_kinematics(back, {"shoulder_rotY": a, "shoulder_rotZ": b})
    ry = quat_to_matrix((math.cos(a / 2), 0.0, math.sin(a / 2), 0.0))
    rz = quat_to_matrix((math.cos(b / 2), 0.0, 0.0, math.sin(b / 2)))
    np.testing.assert_allclose(fk["arm"][:3, :3], ry @ rz, atol=1e-12)
    np.testing.assert_allclose(fk["arm"][:3, 3], (0.0, 0.0, 0.5), atol=1e-7)
    named = read_usd(_d6(tmp_path, (*_TRANSLATIONS, "rotX"), 'custom token mjcf:rotY:name = "pitch"'))
    assert {j.name for j in named.joints} == {"pitch", "shoulder_rotZ"}


def test_joints_without_urdf_counterpart_are_named(tmp_path: Path) -> None:
    """A joint left out is named in the error it causes (here: the arm is left without a parent)."""
    path = _d6(tmp_path, (), joint="PhysicsSphericalJoint")
    with pytest.raises(
        DescriptionError, match=r"2 root links.*no URDF counterpart: 'shoulder' \(PhysicsSphericalJoint\)"
    ):
        read_usd(path)


def test_newton_humanoid_matches_newton() -> None:
    """Newton's own humanoid (from MuJoCo's, with 2- and 3-axis D6 hips, waist and shoulders): the
    robot read here and Newton's ``eval_fk`` put every body in the same place at the zero pose and
    at 10 random configurations (Newton computes in float32)."""
    newton = pytest.importorskip("newton")
    import warp as wp
    from pxr import Usd, UsdPhysics

    path = Path(newton.__file__).parent / "examples" / "assets" / "humanoid.usda"
    back = read_usd(path)
    assert {j.name for j in back.joints} >= {
        "abdomen_z",
        "abdomen_y",
        "abdomen_x",
        "right_hip_x",
        "right_hip_z",
    }
    builder = newton.ModelBuilder()
    builder.add_usd(str(path))
    nm = builder.finalize(device="cpu")
    state = nm.state()
    body_names = [label.split("/")[-1] for label in nm.body_label]
    # our link frame is the body's frame moved to the pivot of the joint that moves the body
    stage = Usd.Stage.Open(str(path))
    offset: dict[str, np.ndarray] = {}
    for prim in stage.Traverse():
        if prim.IsA(UsdPhysics.Joint):
            j = UsdPhysics.Joint(prim)
            if j.GetBody1Rel().GetTargets():
                m = np.eye(4)
                m[:3, 3] = tuple(j.GetLocalPos1Attr().Get())
                offset[j.GetBody1Rel().GetTargets()[0].name] = m
    by_child = {j.child: j for j in back.joints}
    types, starts = nm.joint_type.numpy(), list(nm.joint_q_start.numpy())
    children = nm.joint_child.numpy()
    rng = np.random.default_rng(3)

    def pose(row: np.ndarray) -> np.ndarray:
        m = np.eye(4)
        m[:3, :3] = quat_to_matrix(quat_xyzw_to_wxyz(tuple(float(v) for v in row[3:])))
        m[:3, 3] = row[:3]
        return m

    for trial in range(11):
        joint_q = nm.joint_q.numpy().copy()
        q: dict[str, float] = {}
        for i in range(len(types)):
            n = starts[i + 1] - starts[i]
            if types[i] == newton.JointType.FREE or n == 0:
                continue
            chain = [by_child[body_names[children[i]]]]  # the joints Newton's joint i became, in order
            while chain[-1].parent not in body_names:
                chain.append(by_child[chain[-1].parent])
            assert len(chain) == n
            for k, joint in enumerate(reversed(chain)):
                lo, hi = (joint.lower, joint.upper) if joint.lower is not None else (-1.0, 1.0)
                value = float(np.float32(rng.uniform(lo, hi))) if trial else 0.0
                joint_q[starts[i] + k] = q[joint.name] = value
        newton.eval_fk(nm, wp.array(joint_q, dtype=wp.float32, device="cpu"), nm.joint_qd, state)
        body_q = state.body_q.numpy().astype(np.float64)
        root = body_names.index("torso")
        root_w = pose(body_q[root]) @ offset.get("torso", np.eye(4))
        fk = forward_kinematics(back, q, base=Pose(tuple(root_w[:3, 3]), matrix_to_quat(root_w[:3, :3])))
        for i, name in enumerate(body_names):
            want = pose(body_q[i]) @ offset.get(name, np.eye(4))
            np.testing.assert_allclose(fk[name][:3, 3], want[:3, 3], atol=1e-5)
            np.testing.assert_allclose(fk[name][:3, :3], want[:3, :3], atol=1e-5)


_INLINE_MESH = _stage(
    _body(
        "base",
        """        def Mesh "wedge" (
            prepend apiSchemas = ["PhysicsCollisionAPI"]
        )
        {
            point3f[] points = [(0, 0, 0), (0.2, 0, 0), (0.2, 0.1, 0), (0, 0.1, 0), (0, 0, 0.1)]
            int[] faceVertexCounts = [4, 3, 3, 3, 3]
            int[] faceVertexIndices = [0, 3, 2, 1, 0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0, 4]
            float3 xformOp:scale = (2, 1, 1)
            uniform token[] xformOpOrder = ["xformOp:scale"]
        }
""",
    )
)

_FRAMES = _stage(
    _body(
        "body",
        """        def Xform "sole"
        {
            float3 xformOp:scale = (2, 2, 2)
            double3 xformOp:translate = (0.1, 0, -0.5)
            uniform token[] xformOpOrder = ["xformOp:translate", "xformOp:scale"]

            def Xform "toe"
            {
                quatf xformOp:orient = (0.70710677, 0, 0, 0.70710677)
                double3 xformOp:translate = (0.05, 0, 0)
                uniform token[] xformOpOrder = ["xformOp:translate", "xformOp:orient"]
            }
        }

        def Xform "visuals"
        {
            def Cube "box"
            {
                double size = 0.1
            }
        }

        def Xform "referenced" (
            prepend references = </r/proto>
        )
        {
        }

        def Xform "body"
        {
        }
""",
        mass=2.0,
        z=1.0,
    ),
    '    def Xform "proto"\n    {\n    }\n',
)


def test_a_mesh_held_inside_the_usd_is_used_and_written_again(tmp_path: Path) -> None:
    """Another tool's USD keeps its meshes inside (no file): the triangles are read (polygons split
    into fans), MuJoCo builds them, and write_usd writes them into our asset, which reads back equal."""
    mujoco = pytest.importorskip("mujoco")
    from humanoid_twin.model import Mesh
    from humanoid_twin.physics.mujoco import build_model
    from humanoid_twin.usd import write_usd

    path = tmp_path / "inline.usda"
    path.write_text(_INLINE_MESH)
    back = read_usd(path)
    geom = back.link("base").collisions[0].geometry
    assert isinstance(geom, Mesh) and geom.path is None and geom.data is not None
    assert geom.uri == f"{path.resolve()}</r/base/wedge>" and geom.scale == (2.0, 1.0, 1.0)
    assert geom.data.face_count == 6  # the quad as two triangles, four triangles
    assert geom.data.volume() == pytest.approx(0.2 * 0.1 * 0.1 / 3)  # closed and outward
    mm = build_model(back, floor=False)
    assert mm.nmesh == 1 and mm.mesh_facenum[0] == 6
    assert mujoco.mj_name2id(mm, mujoco.mjtObj.mjOBJ_MESH, "wedge") == 0
    asset = write_usd(back, tmp_path / "out" / "ours.usda")
    again = read_usd(asset.path)
    assert again == back
    data = again.link("base").collisions[0].geometry.data  # type: ignore[union-attr]
    np.testing.assert_array_equal(data.vertices, geom.data.vertices)


def test_foreign_frames_from_plain_xforms(tmp_path: Path) -> None:
    """Plain Xforms holding nothing else are frames, as urdf-usd-converter writes merged links; groups
    of geometry and referenced or instanced prims are not."""
    path = tmp_path / "frames.usda"
    path.write_text(_FRAMES)
    back = read_usd(path)
    assert {lk.name for lk in back.links} == {"body", "sole", "toe", "body_2"}
    assert [v.name for v in back.link("body").visuals] == ["box"]
    fk = forward_kinematics(back)  # from the root body
    np.testing.assert_allclose(fk["sole"][:3, 3], (0.1, 0.0, -0.5), atol=1e-9)
    np.testing.assert_allclose(fk["sole"][:3, :3], np.eye(3), atol=1e-9)  # the scale is dropped
    # the toe's translation is scaled by its parent's scale (it is where the stage puts it)
    np.testing.assert_allclose(fk["toe"][:3, 3], (0.2, 0.0, -0.5), atol=1e-6)
    np.testing.assert_allclose(fk["toe"][:3, 0], (0.0, 1.0, 0.0), atol=1e-6)
    assert back.joint("toe_joint").parent == "sole"
    assert back.joint("body_2_joint").parent == "body"  # a frame named like a body gets a suffix


def test_foreign_inertia_follows_the_urdf_policy(tmp_path: Path) -> None:
    """urdf-usd-converter keeps some iCub's impossible inertias (MuJoCo refused them); they are repaired
    with a warning as the URDF reader repairs them, and a negative moment is an error."""
    from humanoid_twin.model.inertia import check_inertia

    path = tmp_path / "i.usda"
    path.write_text(_stage(_body("base", "        float3 physics:diagonalInertia = (1, 1, 5)\n", mass=2.0)))
    back = read_usd(path)
    inertial = back.link("base").inertial
    assert inertial is not None and check_inertia(2.0, inertial.inertia).repaired is None
    assert any("Repaired the inertia of link 'base': " in w and "I1 + I2 ≥ I3" in w for w in back.warnings)
    assert "I1 + I2 ≥ I3" in inertial.repaired
    path.write_text(_stage(_body("base", "        float3 physics:diagonalInertia = (1, -1, 1)\n", mass=2.0)))
    with pytest.raises(
        DescriptionError, match=r"link 'base': physics:diagonalInertia .* is not a physical inertia"
    ):
        read_usd(path)


def test_foreign_negligible_link_with_a_negative_moment_is_repaired(tmp_path: Path) -> None:
    """A non-physical tensor on a link lighter than 0.1 % of the robot is repaired with a warning (the
    inertia policy's negligible links); on the heavy link it stays an error."""
    bad = "        float3 physics:diagonalInertia = (1e-6, -1e-6, 1e-6)\n"
    joint = """    def PhysicsFixedJoint "antenna_joint"
    {
        rel physics:body0 = </r/base>
        rel physics:body1 = </r/antenna>
    }
"""
    path = tmp_path / "n.usda"
    path.write_text(_stage(_body("base", mass=10.0), _body("antenna", bad, mass=0.001), joint))
    back = read_usd(path)
    inertial = back.link("antenna").inertial
    assert inertial is not None and min(np.linalg.eigvalsh(inertial.tensor())) > 0
    assert any("Repaired the inertia of link 'antenna': " in w and "under 0.1%" in w for w in back.warnings)
    path.write_text(_stage(_body("base", mass=0.001), _body("antenna", bad, mass=10.0), joint))
    with pytest.raises(DescriptionError, match="not a physical inertia"):
        read_usd(path)


def test_a_robot_without_an_articulation_root_is_warned_about(tmp_path: Path) -> None:
    text = _d6(tmp_path, (*_TRANSLATIONS, "rotX", "rotZ")).read_text()
    assert read_usd(tmp_path / "d6.usda").warnings == ()
    root = 'def Xform "r" (\n    prepend apiSchemas = ["PhysicsArticulationRootAPI"]\n)'
    path = tmp_path / "loose.usda"
    path.write_text(text.replace(root, 'def Xform "r"'))
    assert any("No prim has PhysicsArticulationRootAPI" in w for w in read_usd(path).warnings)
