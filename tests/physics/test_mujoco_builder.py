"""The MuJoCo builder: structure, mass, kinematics and options, on hand-made and real robots."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco")

import humanoid_twin.physics.mujoco as hmj  # noqa: E402
from humanoid_twin.errors import DependencyError, PhysicsError  # noqa: E402
from humanoid_twin.model import (  # noqa: E402
    Box,
    Collision,
    Drive,
    ImportOptions,
    Inertial,
    Joint,
    JointLimit,
    JointType,
    Link,
    Mesh,
    Pose,
    RobotModel,
    Visual,
    forward_kinematics,
)
from humanoid_twin.model.transforms import quat_to_matrix  # noqa: E402
from humanoid_twin.physics.mujoco import MujocoNames, build_model, build_spec  # noqa: E402

from .conftest import ROBOTS, _inertial, _replace, random_configurations, read_robot, small_robot  # noqa: E402

TOL = 1e-9


def _build(model: RobotModel, options: ImportOptions = ImportOptions(), **kw):  # noqa: B008
    mm = build_model(model, options, **kw)
    return mm, MujocoNames.of(model, mm, options), mujoco.MjData(mm)


def _expected_counts(model: RobotModel, options: ImportOptions, names: MujocoNames) -> tuple[int, int, int]:
    nbody = 1 + len(names.body) - (1 if model.root.name == "world" else 0)
    njnt = sum(len(v) for v in names.joints.values()) + (names.free_joint is not None)
    nu = 0 if options.drive_type == "none" else len(model.actuated_joints)
    return nbody, njnt, nu


def _expected_mass(model: RobotModel, names: MujocoNames) -> float:
    extra = sum(max(0.0, hmj.PLACEHOLDER_MASS - model.link(n).mass) for n in names.placeholders)
    return model.total_mass + extra


def assert_fk_matches(
    model: RobotModel, mm, names: MujocoNames, data, q: dict[str, float], base: Pose | None = None
) -> None:
    mujoco.mj_resetData(mm, data)
    names.set_joint_positions(data, q)
    if base is not None:
        names.set_base_pose(data, base)
    mujoco.mj_kinematics(mm, data)
    expected = forward_kinematics(model, q, base)
    assert set(expected) == set(names.body) | set(names.site)
    for link, t in expected.items():
        got = names.link_pose(data, link)
        np.testing.assert_allclose(got[:3, 3], t[:3, 3], atol=TOL, rtol=0, err_msg=f"position of {link}")
        np.testing.assert_allclose(got[:3, :3], t[:3, :3], atol=TOL, rtol=0, err_msg=f"rotation of {link}")


# ------------------------------------------------------------------ public API


def test_public_names_import() -> None:
    for name in hmj.__all__:
        assert getattr(hmj, name) is not None


def test_missing_mujoco_is_a_dependency_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mujoco", None)
    with pytest.raises(DependencyError, match=r"humanoid-twin\[mujoco\]"):
        build_spec(small_robot())


def test_build_spec_returns_a_spec_with_the_options() -> None:
    spec = build_spec(small_robot(), timestep=0.004)
    assert isinstance(spec, mujoco.MjSpec)
    mm = spec.compile()
    assert mm.opt.timestep == 0.004
    assert mm.opt.integrator == mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    np.testing.assert_allclose(mm.opt.gravity, [0, 0, -9.81])


def test_bad_timestep_is_rejected() -> None:
    with pytest.raises(PhysicsError, match="timestep"):
        build_spec(small_robot(), timestep=0.0)


# ------------------------------------------------------------------ structure, mass, kinematics


@pytest.mark.parametrize(
    "options",
    [
        ImportOptions(),
        ImportOptions(fix_base=True),
        ImportOptions(merge_fixed_joints=False),
        ImportOptions(drive_type="velocity"),
        ImportOptions(drive_type="none", self_collision=True),
    ],
    ids=["default", "fixed-base", "keep-frames", "velocity", "no-drives"],
)
def test_small_robot_structure_mass_and_kinematics(options: ImportOptions) -> None:
    model = small_robot()
    mm, names, data = _build(model, options)
    assert (mm.nbody, mm.njnt, mm.nu) == _expected_counts(model, options, names)
    assert (names.free_joint is None) == options.fix_base
    if options.merge_fixed_joints:
        assert set(names.site) == {"knee_frame"}
    else:
        assert names.site == {} and "knee_frame" in names.body
    assert mm.body_mass.sum() == pytest.approx(_expected_mass(model, names), rel=1e-12)
    for q in [{}, *random_configurations(model, 20, seed=1)]:
        assert_fk_matches(model, mm, names, data, q)


def test_floating_base_pose_moves_every_link() -> None:
    model = small_robot()
    mm, names, data = _build(model)
    base = Pose.from_xyz_rpy((0.3, -0.2, 0.9), (0.4, -0.3, 1.2))
    assert_fk_matches(model, mm, names, data, random_configurations(model, 1, seed=2)[0], base)


def test_inertia_is_the_urdf_tensor() -> None:
    model = small_robot()
    mm, names, _ = _build(model)
    for link in ("base", "thigh", "shin"):
        i = names.body[link]
        r = quat_to_matrix(mm.body_iquat[i])  # body_R_principal
        inertial = model.link(link).inertial
        assert inertial is not None
        r_in = inertial.origin.matrix()[:3, :3]
        np.testing.assert_allclose(
            r @ np.diag(mm.body_inertia[i]) @ r.T, r_in @ inertial.tensor() @ r_in.T, atol=1e-15
        )
        np.testing.assert_allclose(mm.body_ipos[i], inertial.origin.position, atol=1e-15)
        assert mm.body_mass[i] == inertial.mass


def test_world_root_is_the_worldbody_and_its_joint_keeps_its_type() -> None:
    base = small_robot()
    world = Link("world")
    hinge = Joint(
        "mount",
        JointType.REVOLUTE,
        "world",
        "base",
        Pose.from_xyz_rpy((0, 0, 1)),
        (0, 0, 1),
        JointLimit(-2.0, 2.0),
    )
    model = RobotModel("on_world", (world, *base.links), (hinge, *base.joints))
    mm, names, data = _build(model)
    assert names.free_joint is None
    assert names.body["world"] == 0
    assert mm.jnt_type[names.joints["mount"][0]] == mujoco.mjtJoint.mjJNT_HINGE
    assert (mm.nbody, mm.njnt, mm.nu) == _expected_counts(model, ImportOptions(), names)
    for q in [{}, *random_configurations(model, 5, seed=3)]:
        assert_fk_matches(model, mm, names, data, q)

    fixed = RobotModel("welded", model.links, (_replace(hinge, type=JointType.FIXED), *base.joints))
    mm, names, _ = _build(fixed)
    assert names.joints["mount"] == () and mm.body_parentid[names.body["base"]] == 0
    # a robot its file welds to the world gets no floor, asked or not (its legs would be in it)
    assert mujoco.mj_name2id(mm, mujoco.mjtObj.mjOBJ_GEOM, "floor") == -1


def test_planar_and_floating_joints() -> None:
    base = small_robot()
    extra_links = (Link("sled", _inertial(0.4)), Link("drone", _inertial(0.2)))
    planar = Joint(
        "plane",
        JointType.PLANAR,
        "base",
        "sled",
        Pose.from_xyz_rpy((0, 0.3, 0), (0.2, 0, 0)),
        (0.0, 0.0, 1.0),
    )
    floating = Joint("fly", JointType.FLOATING, "thigh", "drone", Pose.from_xyz_rpy((0, 0, -0.1)))
    model = RobotModel("planar", (*base.links, *extra_links), (*base.joints, planar, floating))
    mm, names, data = _build(model)
    kinds = [mm.jnt_type[i] for i in names.joints["plane"]]
    J = mujoco.mjtJoint
    assert kinds == [J.mjJNT_SLIDE, J.mjJNT_SLIDE, J.mjJNT_HINGE]
    axes = np.array([mm.jnt_axis[i] for i in names.joints["plane"]])
    np.testing.assert_allclose(axes @ axes.T, np.eye(3), atol=1e-12)  # two in-plane slides ⟂ the normal
    assert [mm.jnt_type[i] for i in names.joints["fly"]] == [J.mjJNT_SLIDE] * 3 + [J.mjJNT_BALL]
    assert "plane" not in names.actuator and "fly" not in names.actuator
    for q in [{}, *random_configurations(model, 5, seed=4)]:
        assert_fk_matches(model, mm, names, data, q)
    # the hinge of the planar joint turns the sled about the plane normal
    data.qpos[mm.jnt_qposadr[names.joints["plane"][2]]] = 0.7
    mujoco.mj_kinematics(mm, data)
    parent = names.link_pose(data, "base") @ planar.origin.matrix()
    rel = np.linalg.inv(parent) @ names.link_pose(data, "sled")
    np.testing.assert_allclose(rel[:3, :3], _rot_z(0.7), atol=1e-12)


def _rot_z(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def test_floating_joint_from_the_world_is_a_free_joint() -> None:
    base = small_robot()
    model = RobotModel(
        "free_on_world",
        (Link("world"), *base.links),
        (Joint("float", JointType.FLOATING, "world", "base"), *base.joints),
    )
    mm, names, _ = _build(model)
    assert [mm.jnt_type[i] for i in names.joints["float"]] == [mujoco.mjtJoint.mjJNT_FREE]
    # it is the floating base: the base pose can be set through it (it used to read as a fixed base)
    assert names.free_joint == names.joints["float"][0]
    data = mujoco.MjData(mm)
    names.set_base_pose(data, Pose((0.1, 0.2, 0.3)))
    mujoco.mj_kinematics(mm, data)
    np.testing.assert_allclose(data.xpos[names.body["base"]], (0.1, 0.2, 0.3))


# ------------------------------------------------------------------ joints, drives, actuators


def test_joint_limits_dynamics_and_mimic() -> None:
    model = small_robot()
    mm, names, _ = _build(model, ImportOptions(armature=0.03))
    hip = names.joints["hip"][0]
    assert mm.jnt_limited[hip] and tuple(mm.jnt_range[hip]) == (-1.0, 1.2)
    dof = names.qvel_adr["hip"]
    assert mm.dof_damping[dof] == 0.5 and mm.dof_frictionloss[dof] == 0.1
    assert mm.dof_armature[dof] == 0.03
    assert not mm.jnt_limited[names.joints["wheel"][0]]
    assert mm.dof_armature[names.qvel_adr["slider"]] == 0.0  # mimic joints are not actuated
    assert mm.neq == 1
    assert mm.eq_type[0] == mujoco.mjtEq.mjEQ_JOINT
    assert (mm.eq_obj1id[0], mm.eq_obj2id[0]) == (names.joints["slider"][0], hip)
    np.testing.assert_allclose(mm.eq_data[0][:5], [0.001, 0.02, 0, 0, 0])


def test_mimic_constraint_holds_in_simulation() -> None:
    mm, names, data = _build(small_robot(), ImportOptions(fix_base=True), floor=False)
    data.ctrl[names.actuator["hip"]] = 0.8
    for _ in range(1500):
        mujoco.mj_step(mm, data)
    q = names.joint_positions(data)
    assert q["hip"] == pytest.approx(0.8, abs=0.05)
    assert q["slider"] == pytest.approx(0.02 * q["hip"] + 0.001, abs=1e-3)


def test_position_actuators_are_pd_servos_in_actuated_joint_order() -> None:
    model = small_robot(wheel={"drive": Drive(stiffness=7.0, damping=0.7, max_force=3.0, armature=0.02)})
    options = ImportOptions(drive_stiffness=400.0, drive_damping=40.0)
    mm, names, _ = _build(model, options)
    order = [mm.actuator(i).name for i in range(mm.nu)]
    assert order == [j.name for j in model.actuated_joints] == ["hip", "wheel"]
    hip, wheel = names.actuator["hip"], names.actuator["wheel"]
    assert mm.actuator_trntype[hip] == mujoco.mjtTrn.mjTRN_JOINT
    assert mm.actuator_trnid[hip][0] == names.joints["hip"][0]
    assert (mm.actuator_gainprm[hip][0], mm.actuator_biasprm[hip][1], mm.actuator_biasprm[hip][2]) == (
        400.0,
        -400.0,
        -40.0,
    )
    assert (mm.actuator_gainprm[wheel][0], mm.actuator_biasprm[wheel][2]) == (7.0, -0.7)
    assert mm.actuator_forcelimited[hip] and tuple(mm.actuator_forcerange[hip]) == (-30.0, 30.0)
    assert tuple(mm.actuator_forcerange[wheel]) == (-3.0, 3.0)  # the drive's max_force wins
    assert tuple(mm.actuator_ctrlrange[hip]) == (-1.0, 1.2) and not mm.actuator_ctrllimited[wheel]
    assert mm.dof_armature[names.qvel_adr["wheel"]] == 0.02


def test_velocity_actuators_and_zero_effort() -> None:
    model = small_robot(hip={"limit": JointLimit(-1.0, 1.2, 0.0, 5.0)})
    mm, names, _ = _build(model, ImportOptions(drive_type="velocity", drive_damping=12.0))
    hip = names.actuator["hip"]
    assert mm.actuator_gainprm[hip][0] == 12.0 and mm.actuator_biasprm[hip][2] == -12.0
    assert mm.actuator_biasprm[hip][1] == 0.0
    assert tuple(mm.actuator_ctrlrange[hip]) == (-5.0, 5.0)
    assert not mm.actuator_forcelimited[hip]  # effort="0" means unspecified, not "no force"


def test_position_servo_reaches_its_target() -> None:
    mm, names, data = _build(small_robot(), ImportOptions(fix_base=True), floor=False)
    data.ctrl[names.actuator["wheel"]] = 1.0
    for _ in range(1000):
        mujoco.mj_step(mm, data)
    assert data.qpos[names.qpos_adr["wheel"]] == pytest.approx(1.0, abs=0.02)


# ------------------------------------------------------------------ geometry and collisions


def _geoms_of(mm, body: int, group: int) -> list[int]:
    return [g for g in range(mm.ngeom) if mm.geom_bodyid[g] == body and mm.geom_group[g] == group]


def test_geometry_sizes_groups_and_colours() -> None:
    model = small_robot()
    mm, names, _ = _build(model)
    (vis,) = _geoms_of(mm, names.body["base"], hmj.VISUAL_GROUP)
    assert mm.geom(vis).name == "base_vis"
    np.testing.assert_allclose(mm.geom_size[vis], [0.1, 0.15, 0.2])
    np.testing.assert_allclose(mm.geom_rgba[vis], [1, 0, 0, 1])  # the robot-level material "red"
    assert (mm.geom_contype[vis], mm.geom_conaffinity[vis]) == (0, 0)
    (col,) = _geoms_of(mm, names.body["thigh"], hmj.COLLISION_GROUP)
    assert mm.geom_type[col] == mujoco.mjtGeom.mjGEOM_CYLINDER
    np.testing.assert_allclose(mm.geom_size[col][:2], [0.05, 0.2])
    np.testing.assert_allclose(mm.geom_pos[col], [0, 0, -0.2], atol=1e-15)
    (wheel,) = _geoms_of(mm, names.body["wheel"], hmj.VISUAL_GROUP)
    np.testing.assert_allclose(mm.geom_rgba[wheel], [0, 1, 0, 1])
    assert mm.geom_friction[mm.geom("floor").id][0] == 1.0


def test_cylinders_become_capsules_and_visuals_become_colliders() -> None:
    model = small_robot()
    mm, names, _ = _build(
        model, ImportOptions(replace_cylinders_with_capsules=True, collision_from_visuals=True)
    )
    (col,) = _geoms_of(mm, names.body["thigh"], hmj.COLLISION_GROUP)
    assert mm.geom_type[col] == mujoco.mjtGeom.mjGEOM_CAPSULE
    np.testing.assert_allclose(mm.geom_size[col][:2], [0.05, 0.15])  # same total length 0.4
    (vis,) = _geoms_of(mm, names.body["thigh"], hmj.VISUAL_GROUP)
    assert mm.geom_type[vis] == mujoco.mjtGeom.mjGEOM_CYLINDER  # visuals are never replaced
    assert len(_geoms_of(mm, names.body["wheel"], hmj.COLLISION_GROUP)) == 1  # wheel had no <collision>
    assert len(_geoms_of(mm, names.body["base"], hmj.COLLISION_GROUP)) == 1  # base keeps its own only


def _can_collide(mm, a: int, b: int) -> bool:
    return bool(
        (mm.geom_contype[a] & mm.geom_conaffinity[b]) or (mm.geom_contype[b] & mm.geom_conaffinity[a])
    )


@pytest.mark.parametrize("self_collision", [False, True])
def test_collision_bits(self_collision: bool) -> None:
    mm, names, _ = _build(small_robot(), ImportOptions(self_collision=self_collision))
    floor = mm.geom("floor").id
    base = _geoms_of(mm, names.body["base"], hmj.COLLISION_GROUP)[0]
    shin = _geoms_of(mm, names.body["shin"], hmj.COLLISION_GROUP)[0]
    assert _can_collide(mm, base, floor) and _can_collide(mm, shin, floor)
    assert _can_collide(mm, base, shin) == self_collision
    for g in _geoms_of(mm, names.body["base"], hmj.VISUAL_GROUP):
        assert not _can_collide(mm, g, floor)


def _touching_links(
    model: RobotModel, options: ImportOptions, q: dict[str, float] | None = None
) -> set[frozenset[str]]:
    mm, names, data = _build(model, options, floor=False)
    for joint, value in (q or {}).items():
        data.qpos[mm.joint(joint).qposadr[0]] = value
    mujoco.mj_forward(mm, data)
    link_of = {v: k for k, v in names.body.items()}
    return {
        frozenset(link_of[int(mm.geom_bodyid[g])] for g in (c.geom1, c.geom2))
        for c in data.contact[: data.ncon]
    }


def _three_boxes(wrist: Joint) -> RobotModel:
    """base → arm → hand, 0.4 m boxes; the shoulder puts the arm 0.1 m above the base (they overlap)."""

    def link(name: str) -> Link:
        return Link(name, _inertial(1.0), collisions=(Collision("", Pose(), Box((0.4, 0.4, 0.4))),))

    lim = JointLimit(-1.0, 1.0)
    shoulder = Joint("shoulder", JointType.REVOLUTE, "base", "arm", Pose((0, 0, 0.1)), (0, 0, 1), lim)
    return RobotModel("overlap", (link("base"), link("arm"), link("hand")), (shoulder, wrist))


@pytest.mark.parametrize("fix_base", [False, True])
def test_self_collision_never_between_a_joints_two_links(fix_base: bool) -> None:
    # base–arm share a joint (never touch, as in USD); the hand starts 0.1 m from the base and
    # slides into it (and into the arm, its joint's other link)
    lim = JointLimit(-1.0, 1.0)
    slide = Joint("wrist", JointType.PRISMATIC, "arm", "hand", Pose((0.5, 0, 0)), (1, 0, 0), lim)
    model = _three_boxes(slide)
    options = ImportOptions(self_collision=True, fix_base=fix_base)
    assert _touching_links(model, options) == set()
    assert _touching_links(model, options, {"wrist": -0.4}) == {frozenset({"base", "hand"})}
    assert _touching_links(model, replace(options, self_collision=False), {"wrist": -0.4}) == set()


@pytest.mark.parametrize("fix_base", [False, True])
def test_self_collision_filters_links_touching_at_rest(fix_base: bool) -> None:
    # base and hand overlap at the rest pose: with self-collision they would push each other apart
    lim = JointLimit(-1.0, 1.0)
    model = _three_boxes(Joint("wrist", JointType.REVOLUTE, "arm", "hand", Pose((0, 0, 0.1)), (0, 0, 1), lim))
    assert _touching_links(model, ImportOptions(self_collision=True, fix_base=fix_base)) == set()
    spec = build_spec(model, ImportOptions(self_collision=True, fix_base=fix_base))
    assert {frozenset((e.bodyname1, e.bodyname2)) for e in spec.excludes} >= {frozenset({"base", "hand"})}


def test_no_floor() -> None:
    mm = build_model(small_robot(), floor=False)
    assert mujoco.mj_name2id(mm, mujoco.mjtObj.mjOBJ_GEOM, "floor") == -1


def test_robot_falls_onto_the_floor_and_rests() -> None:
    model = small_robot()
    mm, names, data = _build(model)
    names.set_base_pose(data, Pose((0.0, 0.0, 1.0)))
    for _ in range(2000):
        mujoco.mj_step(mm, data)
    z = data.xpos[names.body["base"]][2]
    assert 0.0 < z < 1.0 and np.all(np.isfinite(data.qpos))
    assert np.abs(data.qvel).max() < 0.5


def test_mesh_geometry_uses_the_scaled_file(tmp_path: Path) -> None:
    meshes = pytest.importorskip("humanoid_twin.meshes")
    stl = tmp_path / "cube.stl"
    v = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)
    f = np.array(
        [[0, 2, 1], [1, 2, 3], [4, 5, 6], [5, 7, 6], [0, 1, 4], [1, 5, 4],
         [2, 6, 3], [3, 6, 7], [0, 4, 2], [2, 4, 6], [1, 3, 5], [3, 7, 5]], dtype=np.int32
    )  # fmt: skip
    meshes.write_binary_stl(stl, v, f)
    geom = Mesh("package://x/cube.stl", stl, (0.1, 0.2, 0.3))
    link = Link(
        "box", _inertial(1.0), visuals=(Visual("", Pose(), geom),), collisions=(Collision("", Pose(), geom),)
    )
    mm, _, data = _build(RobotModel("mesh", (link,), ()))
    assert mm.nmesh == 1 and mm.mesh_vertnum[0] == 8
    mujoco.mj_forward(mm, data)
    col = _geoms_of(mm, 1, hmj.COLLISION_GROUP)[0]
    np.testing.assert_allclose(mm.geom_aabb[col][3:], [0.1, 0.2, 0.3], atol=1e-6)  # half extents


def test_mesh_without_file_is_a_physics_error() -> None:
    link = Link("m", _inertial(1.0), visuals=(Visual("", Pose(), Mesh("inline", None)),))
    with pytest.raises(PhysicsError, match="no local file"):
        build_model(RobotModel("inline", (link,), ()))


def test_links_without_inertial_get_mass_from_colliders_only() -> None:
    link = Link(
        "block",
        None,
        visuals=(Visual("", Pose(), Box((1.0, 1.0, 1.0))),),
        collisions=(Collision("", Pose(), Box((0.1, 0.1, 0.1))),),
    )
    mm = build_model(RobotModel("dense", (link,), ()), ImportOptions(density=500.0))
    assert mm.body_mass[1] == pytest.approx(0.5)  # 0.001 m³ · 500 kg/m³, the visual box adds nothing


def test_massless_moving_link_gets_a_placeholder_mass() -> None:
    links = (Link("base", _inertial(1.0)), Link("mid"), Link("tip", _inertial(0.5)))
    joints = (
        Joint("a", JointType.REVOLUTE, "base", "mid", axis=(0, 0, 1), limit=JointLimit(-1, 1)),
        Joint("b", JointType.REVOLUTE, "mid", "tip", Pose((0, 0, 0.1)), (0, 1, 0), JointLimit(-1, 1)),
    )
    model = RobotModel("massless", links, joints)
    mm, names, data = _build(model)
    assert names.placeholders == ("mid",)
    assert mm.body_mass[names.body["mid"]] == hmj.PLACEHOLDER_MASS
    assert mm.body_mass.sum() == pytest.approx(_expected_mass(model, names), rel=1e-12)
    for q in random_configurations(model, 3, seed=5):
        assert_fk_matches(model, mm, names, data, q)
    # the written MJCF (`import --mjcf`) keeps that mass: it loads in MuJoCo on its own
    import mujoco

    xml = hmj.build_spec(model, ImportOptions()).to_xml()
    assert mujoco.MjModel.from_xml_string(xml).body_mass.sum() == pytest.approx(mm.body_mass.sum())


def test_written_mjcf_keeps_boundary_inertias_loadable() -> None:
    # I1 + I2 = I3: flat plates, and every tensor the reader's triangle repair produced (the Allegro
    # hand's link_11.0 is the first); 6-digit text rounded to nearest broke A + B >= C for many
    rng = np.random.default_rng(3)
    moments = [
        (3.040638818077919e-06, 4.225263287678677e-06, 7.265902098490691e-06),
        (3.07e-10, 1.2e-4, 1.2e-4),  # a rod: two equal largest moments (finger_edu's lower link)
    ]
    for a, b in rng.uniform(1e-6, 1e-2, size=(40, 2)):
        moments.append((float(a), float(b), float(a + b)))
    links = [Link("base", _inertial(1.0))]
    joints = []
    for i, (a, b, c) in enumerate(moments):
        links.append(Link(f"l{i}", Inertial(0.1, Pose(), (a, 0.0, 0.0, b, 0.0, c))))
        parent = "base" if i == 0 else f"l{i - 1}"
        joints.append(
            Joint(f"j{i}", JointType.REVOLUTE, parent, f"l{i}", axis=(0, 0, 1), limit=JointLimit(-1, 1))
        )
    model = RobotModel("plates", tuple(links), tuple(joints))
    built = build_model(model, ImportOptions(fix_base=True), floor=False)  # the model itself is valid
    loaded = mujoco.MjModel.from_xml_string(hmj.mjcf(model, ImportOptions(fix_base=True)))
    np.testing.assert_allclose(
        np.sort(loaded.body_inertia, axis=1), np.sort(built.body_inertia, axis=1), rtol=1e-5
    )


def test_compile_errors_are_physics_errors() -> None:
    bad = Inertial(1.0, Pose(), (0.01, 0.0, 0.0, 0.01, 0.0, 0.05))  # violates A + B ≥ C
    links = (Link("base", _inertial(1.0)), Link("arm", bad))
    joints = (Joint("j", JointType.REVOLUTE, "base", "arm", axis=(0, 0, 1), limit=JointLimit(-1, 1)),)
    with pytest.raises(PhysicsError, match=r"robot 'bad'.*A \+ B >= C.*arm"):
        build_model(RobotModel("bad", links, joints))


def test_names_reject_a_foreign_model_and_unknown_joints() -> None:
    mm = build_model(small_robot(), ImportOptions(merge_fixed_joints=False))
    with pytest.raises(PhysicsError, match="same options"):
        MujocoNames.of(small_robot(), mm)  # default options expect the frame as a site
    names = MujocoNames.of(small_robot(), mm, ImportOptions(merge_fixed_joints=False))
    data = mujoco.MjData(mm)
    with pytest.raises(PhysicsError, match="'nope'"):
        names.set_joint_positions(data, {"nope": 1.0})
    with pytest.raises(PhysicsError, match="'nope'"):
        names.link_pose(data, "nope")
    fixed = MujocoNames.of(
        small_robot(), build_model(small_robot(), ImportOptions(fix_base=True)), ImportOptions(fix_base=True)
    )
    with pytest.raises(PhysicsError, match="fixed base"):
        fixed.set_base_pose(data, Pose())


def test_duplicate_element_names_are_made_unique() -> None:
    vis = Visual("same", Pose(), Box((0.1, 0.1, 0.1)))
    links = (Link("a", _inertial(1.0), visuals=(vis, vis)), Link("floor", _inertial(1.0), visuals=(vis,)))
    joints = (
        Joint("floating_base", JointType.REVOLUTE, "a", "floor", axis=(0, 0, 1), limit=JointLimit(-1, 1)),
    )
    model = RobotModel("dups", links, joints)
    mm, names, _ = _build(model)
    geom_names = [mm.geom(i).name for i in range(mm.ngeom)]
    assert len(set(geom_names)) == len(geom_names) == 4
    assert mm.joint(names.free_joint).name == "floating_base_"
    assert mm.joint(names.joints["floating_base"][0]).name == "floating_base"


# ------------------------------------------------------------------ real robots


@pytest.mark.parametrize("robot", ROBOTS)
def test_real_robot_builds_with_matching_structure_mass_and_kinematics(robot: str) -> None:
    model = read_robot(robot)
    options = ImportOptions()
    mm, names, data = _build(model, options)
    assert (mm.nbody, mm.njnt, mm.nu) == _expected_counts(model, options, names)
    assert mm.nu == len(model.actuated_joints)
    assert mm.body_mass.sum() == pytest.approx(_expected_mass(model, names), rel=1e-9)
    for q in [{}, *random_configurations(model, 20, seed=7)]:
        assert_fk_matches(model, mm, names, data, q)


@pytest.mark.parametrize("robot", ROBOTS[:2])
def test_real_robot_without_merging_keeps_every_link_a_body(robot: str) -> None:
    model = read_robot(robot)
    options = ImportOptions(merge_fixed_joints=False, fix_base=True)
    mm, names, data = _build(model, options)
    assert names.site == {} and mm.nbody == len(model.links) + (model.root.name != "world")
    for q in random_configurations(model, 3, seed=8):
        assert_fk_matches(model, mm, names, data, q)


# ----------------------------------------------------------------------------- self-collision filter


def _self_contacts(mm, data) -> int:  # type: ignore[no-untyped-def]
    bodies = mm.geom_bodyid[data.contact.geom[: data.ncon]]
    return int(np.sum((bodies[:, 0] != 0) & (bodies[:, 1] != 0))) if data.ncon else 0


@pytest.mark.parametrize("which", ["iCubGenova04", "iCubGazeboV2_7"])
def test_self_collision_excludes_the_colliders_touching_at_rest(which: str) -> None:
    from humanoid_twin.model.collisions import touching_links
    from humanoid_twin.model.kinematics import rest_pose

    model = read_robot(which)
    options = ImportOptions(self_collision=True)
    pairs = touching_links(model, options)
    assert pairs, "these iCubs have colliders of non-adjacent links touching at the zero pose"
    mm, names, data = _build(model, options)
    excluded = {frozenset((e.bodyname1, e.bodyname2)) for e in build_spec(model, options).excludes}

    def host(link: str) -> str:
        body = names.body[link] if link in names.body else int(mm.site_bodyid[names.site[link]])
        return str(mm.body(body).name)

    hosts = {frozenset((host(a), host(b))) for a, b in pairs if host(a) != host(b)}
    rest = rest_pose(model)  # zero moved into the limits (MuJoCo's qpos0 ignores them)
    for joint, adr in names.qpos_adr.items():
        data.qpos[adr] = rest[joint]
    mujoco.mj_forward(mm, data)
    assert _self_contacts(mm, data) == 0  # the robot starts free of self-contacts
    # without the filter, the same model starts with those contacts (what made it collapse)
    bare = build_spec(model, options)
    for e in list(bare.excludes):
        bare.delete(e)
    bm = bare.compile()
    bd = mujoco.MjData(bm)
    bd.qpos[:] = data.qpos
    mujoco.mj_forward(bm, bd)
    assert _self_contacts(bm, bd) > 0
    assert hosts <= excluded


def test_touching_agrees_with_mujoco_geom_distance() -> None:
    """The GJK test on random pairs of boxes, capsules, cylinders, spheres and a mesh hull against
    MuJoCo's own ``mj_geomDistance`` (1 mm margin; pairs within 0.2 mm of it are not judged)."""
    from humanoid_twin.meshes import TriangleMesh
    from humanoid_twin.model import Capsule, Cylinder, Mesh, Sphere
    from humanoid_twin.model.collisions import touching_links
    from humanoid_twin.model.transforms import matrix_to_quat

    rng = np.random.default_rng(5)
    corners = np.array([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float)
    faces = [(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
             (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)]  # fmt: skip
    hull = TriangleMesh(
        vertices=corners * (0.08, 0.05, 0.1) + rng.normal(scale=0.01, size=(8, 3)), faces=faces
    )
    shapes = [
        Box((0.2, 0.1, 0.3)),
        Capsule(0.05, 0.2),
        Cylinder(0.06, 0.2),
        Sphere(0.08),
        Mesh("file<m>", None, data=hull),
    ]
    judged = 0
    for i in range(150):
        geoms = []
        for k in range(2):
            rot = quat_to_matrix(tuple(rng.normal(size=4) / 1.0))  # type: ignore[arg-type]
            t = np.eye(4)
            t[:3, :3] = rot / np.cbrt(np.linalg.det(rot))
            t[:3, 3] = rng.uniform(-0.1, 0.1, 3) if k == 0 else rng.uniform(-0.3, 0.3, 3)
            geoms.append(
                (shapes[(i + 2 * k) % 5 if k else i % 5], Pose(tuple(t[:3, 3]), matrix_to_quat(t[:3, :3])))
            )
        links = (
            Link("a", _inertial(1.0), collisions=(Collision("", geoms[0][1], geoms[0][0]),)),
            Link("m", _inertial(1.0)),
            Link("b", _inertial(1.0), collisions=(Collision("", geoms[1][1], geoms[1][0]),)),
        )
        joints = (
            Joint("j1", JointType.FIXED, "a", "m"),
            Joint("j2", JointType.FIXED, "m", "b"),
        )
        model = RobotModel("pair", links, joints)
        options = ImportOptions(merge_fixed_joints=False, fix_base=True)
        mm = build_model(model, options, floor=False)
        data = mujoco.MjData(mm)
        mujoco.mj_forward(mm, data)
        ga, gb = (int(np.flatnonzero(mm.geom_bodyid == mm.body(n).id)[0]) for n in ("a", "b"))
        dist = mujoco.mj_geomDistance(mm, data, ga, gb, 1.0, None)
        if abs(dist - 1e-3) < 2e-4:
            continue
        judged += 1
        assert bool(touching_links(model, options)) == (dist <= 1e-3), (
            i,
            type(geoms[0][0]),
            type(geoms[1][0]),
            dist,
        )
    assert judged > 120
