"""The bundled humanoid (urdf/humanoid.urdf): generated deterministically, physically sane, and it stands."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from humanoid_twin.errors import DescriptionError
from humanoid_twin.meshes import load_mesh
from humanoid_twin.model import Box, Cylinder, JointType, Mesh, RobotModel, Sphere, forward_kinematics
from humanoid_twin.robots import humanoid
from humanoid_twin.robots.humanoid import (
    FEET,
    FRAMES,
    HANDS,
    JOINT_NAMES,
    NOMINAL_POSE,
    STANDING_OPTIONS,
    STANDING_TIMESTEP,
    URDF_PATH,
    load_humanoid,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model() -> RobotModel:
    return load_humanoid()


def _generator(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_humanoid", REPO / "scripts" / "make_humanoid.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_humanoid", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ the files


def test_urdf_path_points_at_the_repo_copy() -> None:
    assert URDF_PATH == REPO / "urdf" / "humanoid.urdf"
    assert humanoid.urdf_path().is_file()


def test_missing_urdf_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(humanoid, "URDF_PATH", tmp_path / "humanoid.urdf")
    with pytest.raises(DescriptionError, match=r"make_humanoid\.py"):
        humanoid.urdf_path()


def test_generator_is_deterministic_and_the_committed_files_are_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = _generator(monkeypatch)
    first = gen.write(tmp_path / "a")
    second = gen.write(tmp_path / "b")
    assert len(first) == len(second) >= 5
    for a, b in zip(first, second, strict=True):
        rel = a.relative_to(tmp_path / "a")
        assert b.relative_to(tmp_path / "b") == rel
        assert a.read_bytes() == b.read_bytes(), f"{rel} differs between two runs"
        committed = REPO / "urdf" / rel
        assert committed.read_bytes() == a.read_bytes(), f"urdf/{rel} is stale: run scripts/make_humanoid.py"


def test_package_xml_names_the_package() -> None:
    assert "<name>humanoid_description</name>" in (REPO / "urdf" / "package.xml").read_text()


# ------------------------------------------------------------------ structure


def test_joints_and_root(model: RobotModel) -> None:
    assert model.name == "humanoid"
    assert model.root.name == "base_link"
    actuated = [j.name for j in model.actuated_joints]
    assert len(actuated) >= 25
    assert set(actuated) == set(JOINT_NAMES)
    assert len(JOINT_NAMES) == len(set(JOINT_NAMES))
    for side in ("left", "right"):
        for j in ("hip_yaw", "hip_roll", "hip_pitch", "knee", "ankle_pitch", "ankle_roll"):
            assert model.joint(f"{side}_{j}").type is JointType.REVOLUTE
        for j in ("shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow", "wrist_yaw"):
            assert model.has_joint(f"{side}_{j}")
    for j in ("torso_yaw", "neck_yaw", "neck_pitch"):
        assert model.has_joint(j)
    assert not model.warnings


def test_meshes(model: RobotModel) -> None:
    (pelvis,) = model.root.visuals
    assert isinstance(pelvis.geometry, Mesh)
    assert pelvis.geometry.uri == "package://humanoid_description/meshes/pelvis.stl"
    assert pelvis.geometry.path == REPO / "urdf" / "meshes" / "pelvis.stl"
    meshes = {v.geometry.path for lk in model.links for v in lk.visuals if isinstance(v.geometry, Mesh)}
    assert len(meshes) >= 3
    for path in meshes:
        assert path is not None
        mesh = load_mesh(path)
        assert mesh.volume() > 0  # closed and outward-facing
        assert 0.0005 < mesh.volume() < 0.05


def test_mass_is_realistic(model: RobotModel) -> None:
    assert 50.0 <= model.total_mass <= 70.0
    mass = {lk.name: lk.mass for lk in model.links}
    legs = sum(
        m
        for n, m in mass.items()
        if n.startswith(("left_hip", "left_thigh", "left_shank", "left_ankle", "left_foot"))
    )
    assert 0.15 * model.total_mass < legs < 0.25 * model.total_mass  # one leg: ~16–20 % of a human
    assert mass["torso"] + mass["base_link"] > 0.3 * model.total_mass


def _z_extent(world_t_geom: np.ndarray, geometry: object) -> tuple[float, float]:
    r, p = world_t_geom[:3, :3], world_t_geom[:3, 3]
    if isinstance(geometry, Mesh):
        assert geometry.path is not None
        z = (load_mesh(geometry.path).scaled(geometry.scale).vertices @ r.T + p)[:, 2]
        return float(z.min()), float(z.max())
    if isinstance(geometry, Box):
        half = np.abs(r[2]) @ (np.asarray(geometry.size) / 2)
        return p[2] - half, p[2] + half
    if isinstance(geometry, Sphere):
        return p[2] - geometry.radius, p[2] + geometry.radius
    assert isinstance(geometry, Cylinder)
    az = abs(r[2, 2])
    half = az * geometry.length / 2 + geometry.radius * math.sqrt(max(0.0, 1 - az * az))
    return p[2] - half, p[2] + half


def test_height_at_zero_pose(model: RobotModel) -> None:
    fk = forward_kinematics(model)
    lows, highs = [], []
    for link in model.links:
        for v in link.visuals:
            lo, hi = _z_extent(fk[link.name] @ v.origin.matrix(), v.geometry)
            lows.append(lo)
            highs.append(hi)
    sole = fk["left_foot"][2, 3]
    assert min(lows) == pytest.approx(sole, abs=1e-9)
    assert 1.5 <= max(highs) - sole <= 1.7


def test_inertials_are_physical(model: RobotModel) -> None:
    for link in model.links:
        if link.is_frame:
            continue
        assert link.inertial is not None, link.name
        assert link.mass > 0
        principal = np.linalg.eigvalsh(link.inertial.tensor())
        assert principal.min() > 0, link.name
        a, b, c = principal
        assert a + b >= c * (1 - 1e-9), f"{link.name} violates the triangle inequality {principal}"
        # the centre of mass lies inside the link's collision or visual shape's neighbourhood
        assert np.linalg.norm(link.inertial.origin.position) < 0.3


def test_limits_efforts_velocities_dynamics(model: RobotModel) -> None:
    for j in model.actuated_joints:
        assert j.limit is not None and j.dynamics is not None, j.name
        assert j.limit.lower is not None and j.limit.upper is not None
        assert j.limit.lower < j.limit.upper
        assert -math.pi <= j.limit.lower and j.limit.upper <= math.pi
        assert j.limit.velocity is not None and 3.0 <= j.limit.velocity <= 15.0
        assert j.dynamics.damping > 0 and j.dynamics.friction >= 0
        effort = j.limit.effort
        assert effort is not None
        if j.name.startswith(
            ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
        ):
            assert 100 <= effort <= 300, j.name
        elif j.name.startswith(("left_", "right_")):
            assert 30 <= effort <= 80, j.name
        elif j.name.startswith("neck"):
            assert 10 <= effort <= 20, j.name
    # human-like ranges where the sign convention matters
    assert model.joint("left_knee").lower == 0.0 and model.joint("left_knee").upper > 2.0
    assert model.joint("left_hip_pitch").lower < -1.5  # flexion is negative
    assert model.joint("left_elbow").lower < -2.0 and model.joint("left_elbow").upper == 0.0
    for name in ("hip_roll", "shoulder_roll"):  # roll ranges mirror between the sides
        left, right = model.joint(f"left_{name}"), model.joint(f"right_{name}")
        assert (left.lower, left.upper) == (-right.upper, -right.lower)


def test_collisions_are_primitives_and_feet_are_boxes(model: RobotModel) -> None:
    for link in model.links:
        for c in link.collisions:
            assert not isinstance(c.geometry, Mesh), link.name
    for side in ("left", "right"):
        (sole,) = model.link(f"{side}_foot_link").collisions
        assert isinstance(sole.geometry, Box)
        assert sole.origin.is_identity or sole.origin.quat == (1.0, 0.0, 0.0, 0.0)  # flat sole


def test_materials(model: RobotModel) -> None:
    named = model.materials_by_name()
    assert len(named) >= 2 and all(m.rgba is not None for m in named.values())
    used = [v.material for lk in model.links for v in lk.visuals if v.material is not None]
    assert any(m.name not in named and m.rgba is not None for m in used), "one inline material"
    assert any(m.name in named for m in used)


def test_frames_are_massless_and_the_feet_sit_at_the_soles(model: RobotModel) -> None:
    assert set(FRAMES) == {"trunk", "head", *FEET, *HANDS}
    for name in FRAMES:
        link = model.link(name)
        assert link.is_frame, name
        joint = model.parent_joint(name)
        assert joint is not None and joint.type is JointType.FIXED
    fk = forward_kinematics(model)
    for frame in FEET:
        joint = model.parent_joint(frame)
        assert joint is not None
        foot = model.link(joint.parent)
        (box,) = foot.collisions
        assert isinstance(box.geometry, Box)
        bottom = box.origin.position[2] - box.geometry.size[2] / 2
        assert joint.origin.position[2] == pytest.approx(bottom, abs=1e-12)
        assert joint.origin.quat == (1.0, 0.0, 0.0, 0.0)
        # at the zero pose the sole is the lowest point of every collider
        lows = [
            _z_extent(fk[lk.name] @ c.origin.matrix(), c.geometry)[0]
            for lk in model.links
            for c in lk.collisions
        ]
        assert min(lows) == pytest.approx(fk[frame][2, 3], abs=1e-9)
    assert fk["left_foot"][2, 3] == pytest.approx(fk["right_foot"][2, 3])
    assert fk["head"][2, 3] > fk["trunk"][2, 3] + 0.5
    assert fk["left_hand"][1, 3] > 0 > fk["right_hand"][1, 3]


def test_nominal_pose(model: RobotModel) -> None:
    for name, q in NOMINAL_POSE.items():
        j = model.joint(name)
        assert j.lower < q < j.upper, name
    fk = forward_kinematics(model, NOMINAL_POSE)
    for frame in FEET:
        np.testing.assert_allclose(fk[frame][:3, :3], np.eye(3), atol=1e-12)  # soles flat
    np.testing.assert_allclose(fk["left_foot"][:2, 3], [0.0, 0.09], atol=1e-9)  # pelvis above the ankles
    assert fk["left_foot"][2, 3] == pytest.approx(fk["right_foot"][2, 3])
    assert fk["left_foot"][2, 3] > forward_kinematics(model)["left_foot"][2, 3]  # knees bent: sole higher


# ------------------------------------------------------------------ it stands


def test_stands_for_ten_seconds_under_pd_control(model: RobotModel) -> None:
    mujoco = pytest.importorskip("mujoco")
    from humanoid_twin.physics.mujoco import MujocoNames, build_model

    mj_model = build_model(model, STANDING_OPTIONS, timestep=STANDING_TIMESTEP)
    names = MujocoNames.of(model, mj_model, STANDING_OPTIONS)
    data = mujoco.MjData(mj_model)
    assert names.free_qpos_adr is not None
    standing_height = -forward_kinematics(model, NOMINAL_POSE)["left_foot"][2, 3]
    base = names.free_qpos_adr
    data.qpos[base : base + 7] = [0.0, 0.0, standing_height + 0.002, 1.0, 0.0, 0.0, 0.0]
    for joint in model.actuated_joints:
        q = NOMINAL_POSE.get(joint.name, 0.0)
        data.qpos[names.qpos_adr[joint.name]] = q
        data.ctrl[names.actuator[joint.name]] = q
    mujoco.mj_forward(mj_model, data)
    trunk = names.site["trunk"]
    feet = [names.site[f] for f in FEET]
    feet_start = np.array([data.site_xpos[f] for f in feet])
    heights, tilts = [], []
    for _ in range(round(10.0 / STANDING_TIMESTEP)):
        mujoco.mj_step(mj_model, data)
        heights.append(float(data.site_xpos[trunk][2]))
        up = data.site_xmat[trunk].reshape(3, 3)[:, 2]
        tilts.append(math.degrees(math.acos(min(1.0, float(up[2])))))
    assert standing_height - 0.03 < min(heights) and max(heights) < standing_height + 0.01
    assert max(tilts) < 15.0
    assert abs(heights[-1] - heights[-500]) < 1e-3  # settled, not sinking
    feet_end = np.array([data.site_xpos[f] for f in feet])
    assert np.abs(feet_end - feet_start)[:, :2].max() < 0.01  # the feet did not slide
