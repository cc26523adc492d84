"""The reader on hand-written inputs: every URDF feature lands in the model, and the input checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import humanoid_twin.urdf as urdf_pkg
from humanoid_twin.errors import DescriptionError, ModelError, ResolveError
from humanoid_twin.model import (
    Box,
    Capsule,
    Cylinder,
    JointType,
    Material,
    Mesh,
    Pose,
    Sphere,
)
from humanoid_twin.model.transforms import rpy_to_quat
from humanoid_twin.urdf import read_urdf, read_urdf_string
from humanoid_twin.urdf._context import MAX_FILE_BYTES, ReadContext
from humanoid_twin.urdf.build import build_pass
from humanoid_twin.urdf.parse import parse_pass
from humanoid_twin.urdf.resolve import PackageResolver

CORPUS = Path(__file__).resolve().parents[1] / "data" / "urdf_corpus"


def _read_everything(text: str):  # type: ignore[no-untyped-def]
    return read_urdf_string(
        text,
        source="everything.urdf",
        base_dir=CORPUS,
        package_paths=[CORPUS / "packages"],
        use_ros_package_path=False,
    )


def test_public_api_is_exported() -> None:
    for name in urdf_pkg.__all__:
        assert getattr(urdf_pkg, name) is not None
    assert {"read_urdf", "read_urdf_string", "PackageResolver", "write_urdf"} <= set(urdf_pkg.__all__)


def test_every_field_lands_in_the_model(everything_urdf: str) -> None:
    m = _read_everything(everything_urdf)
    assert m.name == "every feature"
    assert m.source == "everything.urdf"
    assert [lk.name for lk in m.links] == ["world", "base", "l1", "l2", "l3", "l4", "l5", "l6"]
    assert m.root.name == "world"  # a link named world is kept as a link
    assert m.materials == (
        Material("red", (1.0, 0.0, 0.0, 1.0)),
        Material("skin", None, "meshes/skin.png"),
    )

    base = m.link("base")
    assert base.inertial is not None
    assert base.inertial.mass == 2.5
    assert base.inertial.inertia == (0.3, 0.01, -0.02, 0.4, 0.03, 0.5)
    assert base.inertial.origin == Pose.from_xyz_rpy((0.01, 0.02, 0.03), (0.1, 0.2, 0.3))

    v0, v1, v2 = base.visuals
    assert v0.name == "body" and v1.name == "" and v2.name == ""
    assert v0.origin.position == (1.0, 2.0, 3.0)
    assert v0.origin.quat == pytest.approx(rpy_to_quat((0.0, 0.0, math.pi / 2)))
    assert v0.geometry == Box((0.1, 0.2, 0.3))
    assert v0.material == Material("red", (1.0, 0.0, 0.0, 1.0))
    assert v1.geometry == Cylinder(0.05, 0.4)
    assert v1.material == Material("blue", (0.0, 0.0, 1.0, 0.5))
    assert isinstance(v2.geometry, Mesh)
    assert v2.geometry.uri == "meshes/tet.stl"
    assert v2.geometry.path == (CORPUS / "meshes" / "tet.stl").resolve()
    assert v2.geometry.scale == (0.001, 0.002, 0.003)
    assert v2.material == Material("skin", None, "meshes/skin.png")
    assert v2.material.texture_file == (CORPUS / "meshes" / "skin.png").resolve()  # an image: to be copied

    c0, c1, c2 = base.collisions
    assert c0.name == "hull" and c0.origin == Pose((0.0, 0.0, 0.1))
    assert c0.geometry == Sphere(0.25)
    assert c1.geometry == Capsule(0.02, 0.3)
    assert isinstance(c2.geometry, Mesh)
    assert c2.geometry.path == (CORPUS / "packages" / "corpus_pkg" / "meshes" / "tet.dae").resolve()
    assert c2.geometry.scale == (1.0, 1.0, 1.0)

    anchor = m.joint("anchor")
    assert anchor.type is JointType.FIXED and anchor.dont_collapse
    assert (anchor.parent, anchor.child) == ("world", "base")

    rev = m.joint("rev")
    assert rev.type is JointType.REVOLUTE and not rev.dont_collapse
    assert rev.origin == Pose.from_xyz_rpy((0.0, 0.0, 0.5), (0.5, -0.25, 1.0))
    assert rev.axis == (0.0, 0.0, 1.0)  # normalised
    assert rev.limit is not None
    assert (rev.limit.lower, rev.limit.upper, rev.limit.effort, rev.limit.velocity) == (-1.5, 1.25, 30.0, 4.0)
    assert rev.dynamics is not None and (rev.dynamics.damping, rev.dynamics.friction) == (0.7, 0.2)
    sc = rev.safety_controller
    assert sc is not None
    assert (sc.soft_lower_limit, sc.soft_upper_limit, sc.k_position, sc.k_velocity) == (-1.4, 1.2, 15.0, 10.0)
    assert rev.calibration is not None and (rev.calibration.rising, rev.calibration.falling) == (0.1, -0.1)

    cont = m.joint("cont")
    assert cont.type is JointType.CONTINUOUS and cont.lower == -math.inf and cont.upper == math.inf
    assert cont.limit is not None and (cont.limit.effort, cont.limit.velocity) == (5.0, 9.0)
    assert cont.dynamics is None and cont.mimic is None

    slide = m.joint("slide")
    assert slide.type is JointType.PRISMATIC and slide.axis == (0.0, 1.0, 0.0)
    assert slide.mimic is not None
    assert (slide.mimic.joint, slide.mimic.multiplier, slide.mimic.offset) == ("rev", -0.5, 0.01)

    assert m.joint("free").type is JointType.FLOATING
    assert m.joint("free").axis == (1.0, 0.0, 0.0)  # the URDF default
    assert m.joint("plane").type is JointType.PLANAR
    assert m.joint("tip").origin == Pose((0.0, 0.0, -0.1))

    assert m.total_mass == 3.5
    assert len(m.warnings) == 1 and "<gazebo>" in m.warnings[0]


def test_names_are_kept_as_written() -> None:
    text = '<robot name="r"><link name="bras gauche/é"/><link name="1-x"/>' + (
        '<joint name="j 1" type="fixed"><parent link="bras gauche/é"/><child link="1-x"/></joint></robot>'
    )
    m = read_urdf_string(text, use_ros_package_path=False)
    assert [lk.name for lk in m.links] == ["bras gauche/é", "1-x"]
    assert m.joints[0].name == "j 1"


def _visual_link(name: str, material: str) -> str:
    return f'<link name="{name}"><visual><geometry><sphere radius="1"/></geometry>{material}</visual></link>'


def test_a_material_defined_in_a_visual_colours_later_visuals_by_name() -> None:
    # as urdfdom: the first definition of a name (robot level first) answers later name-only references
    text = (
        '<robot name="r"><material name="red"><color rgba="1 0 0 1"/></material>'
        + _visual_link("a", '<material name="grey"><color rgba="0.5 0.5 0.5 1"/></material>')
        + _visual_link("b", '<material name="grey"><color rgba="0 0 1 1"/></material>')
        + _visual_link("c", '<material name="grey"/>')
        + _visual_link("d", '<material name="red"/>')
        + _visual_link("e", '<material name="chrome"/>')
        + "".join(
            f'<joint name="j{c}" type="fixed"><parent link="a"/><child link="{c}"/></joint>' for c in "bcde"
        )
        + "</robot>"
    )
    m = read_urdf_string(text, use_ros_package_path=False)
    colour = {lk.name: lk.visuals[0].material for lk in m.links}
    assert colour["b"] == Material("grey", (0.0, 0.0, 1.0, 1.0))  # an inline colour stays its own
    assert colour["c"] == Material("grey", (0.5, 0.5, 0.5, 1.0))
    assert colour["d"] == Material("red", (1.0, 0.0, 0.0, 1.0))
    assert colour["e"] == Material("chrome")  # defined nowhere: no colour, one warning
    assert [w for w in m.warnings if "Material" in w] == [
        "Material 'chrome' is used but not defined (no <color> or <texture> under <robot> or in an "
        "earlier <visual>); its visuals have no colour."
    ]
    assert m.materials == (Material("red", (1.0, 0.0, 0.0, 1.0)),)  # robot-level materials only


def test_a_mimic_on_a_fixed_joint_is_dropped() -> None:
    m = read_urdf(CORPUS / "warning_mimic_on_fixed_joint.urdf", use_ros_package_path=False)
    assert m.joint("locked").mimic is None and m.joint("locked").type is JointType.FIXED
    assert [j.name for j in m.actuated_joints] == ["drive"] and m.dof == 1


def test_limit_without_bounds_reads_as_zero() -> None:
    text = (
        '<robot name="r"><link name="a"/><link name="b"/><joint name="j" type="revolute">'
        '<parent link="a"/><child link="b"/><limit effort="1" velocity="1"/></joint></robot>'
    )
    m = read_urdf_string(text, use_ros_package_path=False)
    lim = m.joint("j").limit
    assert lim is not None and (lim.lower, lim.upper) == (0.0, 0.0)
    assert any("missing bound as 0" in w for w in m.warnings)


@pytest.mark.parametrize(
    ("inertia", "mass"),
    [
        ((0.1, 0.0, 0.0, 0.1, 0.0, 1.0), 1.0),  # I1 + I2 < I3
        ((0.0, 0.0, 0.0, 0.0, 0.0, 0.0), 3.0),  # point mass
        ((1e-3, 0.0, 0.0, 1e-3, 0.0, 0.0), 0.5),  # a rod: one zero moment
        ((0.2, 0.05, 0.0, 0.2, 0.0, 0.02), 1.0),  # rotated, triangle violated off-axis
    ],
)
def test_inertia_repair_gives_a_physical_tensor(inertia: tuple[float, ...], mass: float) -> None:
    attrs = " ".join(
        f'{n}="{v}"' for n, v in zip(("ixx", "ixy", "ixz", "iyy", "iyz", "izz"), inertia, strict=True)
    )
    text = (
        f'<robot name="r"><link name="a"><inertial><mass value="{mass}"/><inertia {attrs}/></inertial>'
        "</link></robot>"
    )
    m = read_urdf_string(text, use_ros_package_path=False)
    assert any("Repaired the inertia of link 'a'" in w for w in m.warnings), m.warnings
    inertial = m.link("a").inertial
    assert inertial is not None
    moments = np.linalg.eigvalsh(inertial.tensor())
    assert moments.min() > 0
    assert moments[0] + moments[1] >= moments[2] * (1 - 1e-12)
    # the repair raises the smaller moments only: the largest one stays as written
    largest = float(np.linalg.eigvalsh(np.array(_tensor(inertia))).max())
    if largest > 0:
        assert moments.max() == pytest.approx(largest, rel=1e-6)


def test_inertia_repairs_are_one_warning_and_kept_on_each_link() -> None:
    """Five links with a point-mass tensor: one warning naming the first three, each link's repair on
    its Inertial (what `inspect` marks)."""
    links = "".join(
        f'<link name="l{i}"><inertial><mass value="1"/><inertia ixx="0" ixy="0" ixz="0" iyy="0" iyz="0" '
        'izz="0"/></inertial></link>'
        for i in range(5)
    )
    joints = "".join(
        f'<joint name="j{i}" type="fixed"><parent link="l{i - 1}"/><child link="l{i}"/></joint>'
        for i in range(1, 5)
    )
    m = read_urdf_string(f'<robot name="r">{links}{joints}</robot>', use_ros_package_path=False)
    repaired = [w for w in m.warnings if "Repaired the inertia" in w]
    assert len(repaired) == 1, m.warnings
    assert repaired[0].startswith("Repaired the inertia of 5 links: 'l0' (raised zero principal moments")
    assert repaired[0].endswith("and 2 more.") and "'l3'" not in repaired[0]
    for i in range(5):
        inertial = m.link(f"l{i}").inertial
        assert inertial is not None and inertial.repaired.startswith("raised zero principal moments")


def _tensor(i: tuple[float, ...]) -> list[list[float]]:
    ixx, ixy, ixz, iyy, iyz, izz = i
    return [[ixx, ixy, ixz], [ixy, iyy, iyz], [ixz, iyz, izz]]


def test_valid_inertia_is_kept_exactly() -> None:
    text = (
        '<robot name="r"><link name="a"><inertial><mass value="1"/>'
        '<inertia ixx="0.2" ixy="0.01" ixz="0" iyy="0.3" iyz="0" izz="0.4"/></inertial></link></robot>'
    )
    m = read_urdf_string(text, use_ros_package_path=False)
    assert m.warnings == ()
    inertial = m.link("a").inertial
    assert inertial is not None and inertial.inertia == (0.2, 0.01, 0.0, 0.3, 0.0, 0.4)


def test_massless_geometry_free_link_is_a_frame_without_warning() -> None:
    m = read_urdf_string('<robot name="r"><link name="frame"/></robot>', use_ros_package_path=False)
    assert m.link("frame").is_frame and m.link("frame").inertial is None and m.warnings == ()


def test_relative_mesh_in_a_string_needs_base_dir() -> None:
    text = (
        '<robot name="r"><link name="a"><visual><geometry><mesh filename="meshes/tet.stl"/></geometry>'
        "</visual></link></robot>"
    )
    with pytest.raises(ResolveError, match="pass base_dir"):
        read_urdf_string(text, use_ros_package_path=False)
    m = read_urdf_string(text, base_dir=CORPUS, use_ros_package_path=False)
    geometry = m.link("a").visuals[0].geometry
    assert isinstance(geometry, Mesh) and geometry.path is not None and geometry.path.is_file()


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DescriptionError, match="does not exist"):
        read_urdf(tmp_path / "nope.urdf")
    with pytest.raises(DescriptionError, match="is a folder"):
        read_urdf(tmp_path)


def test_oversized_file_is_refused_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.urdf"
    with big.open("wb") as f:  # sparse: no 64 MiB written
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(DescriptionError, match="over the 64 MiB limit"):
        read_urdf(big)


def test_encodings(tmp_path: Path) -> None:
    body = '<robot name="bras"><link name="épaule"/></robot>'
    utf16 = tmp_path / "utf16.urdf"
    utf16.write_bytes(body.encode("utf-16"))  # with a BOM; NUL bytes but not binary
    assert read_urdf(utf16, use_ros_package_path=False).links[0].name == "épaule"
    latin = tmp_path / "latin.urdf"
    latin.write_bytes(('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + body).encode("latin-1"))
    assert read_urdf(latin, use_ros_package_path=False).links[0].name == "épaule"
    bad = tmp_path / "bad.urdf"
    bad.write_bytes(b'<robot name="\xff\xfe\xfa"><link name="a"/></robot>')
    with pytest.raises(DescriptionError, match="undecodable byte 0xff at offset 13"):
        read_urdf(bad, use_ros_package_path=False)


def test_whitespace_only_string_is_empty() -> None:
    with pytest.raises(DescriptionError, match="empty"):
        read_urdf_string("  \n\t ", use_ros_package_path=False)


def test_long_values_are_shortened_in_messages() -> None:
    value = "x" * 5000
    text = (
        f'<robot name="r"><link name="a"><visual><origin xyz="{value}"/>'
        '<geometry><sphere radius="1"/></geometry></visual></link></robot>'
    )
    with pytest.raises(DescriptionError) as info:
        read_urdf_string(text, use_ros_package_path=False)
    assert len(str(info.value)) < 200 and "..." in str(info.value)


def test_model_error_is_translated_with_its_cause() -> None:
    # bypass the validate pass: the model's own checks are the last line of defence
    ctx = ReadContext(
        source="dup.urdf",
        display="dup.urdf",
        base_dir=None,
        resolver=PackageResolver((), use_ros_package_path=False),
        text='<robot name="r"><link name="a"/><link name="a"/></robot>',
    )
    parse_pass(ctx)
    with pytest.raises(DescriptionError, match="duplicate link name") as info:
        build_pass(ctx)
    assert isinstance(info.value.__cause__, ModelError)


def test_ignored_mimics_are_summarised_like_other_ignored_elements() -> None:
    """Talos' grippers keep 12 <mimic> on fixed joints: one warning naming three and 'and N more'
    (it ended ', ...' after four, unlike the reader's other summaries)."""
    inertia = '<inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/>'
    inertial = f'<inertial><mass value="1"/>{inertia}</inertial>'
    links = "".join(f'<link name="l{i}">{inertial}</link>' for i in range(7))
    lead = (
        '<joint name="j1" type="revolute"><parent link="l0"/><child link="l1"/>'
        '<limit lower="-1" upper="1" effort="1" velocity="1"/></joint>'
    )
    fixed = "".join(
        f'<joint name="f{i}" type="fixed"><parent link="l0"/><child link="l{i}"/><mimic joint="j1"/></joint>'
        for i in range(2, 7)
    )
    m = read_urdf_string(f'<robot name="r">{links}{lead}{fixed}</robot>', use_ros_package_path=False)
    mimic = [w for w in m.warnings if "<mimic>" in w]
    assert mimic == [
        "Ignored the <mimic> of 5 joint(s) that are not revolute, continuous or prismatic ('f2', 'f3', 'f4' "
        "and 2 more); only those joint types have a position to couple."
    ]
