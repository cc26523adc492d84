"""xacro files: expanded in process with $(find) through the reader's search paths, safely."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from humanoid_twin.errors import DependencyError, DescriptionError, ResolveError
from humanoid_twin.model import Box, Mesh
from humanoid_twin.urdf import read_urdf

pytest.importorskip("xacro")

XACRO_PKG = Path(__file__).resolve().parents[1] / "data" / "urdf_corpus" / "xacro" / "xacro_pkg"
OK = XACRO_PKG / "urdf" / "ok_robot.urdf.xacro"


def test_expands_macros_includes_find_and_expressions() -> None:
    m = read_urdf(OK, use_ros_package_path=False)  # $(find xacro_pkg): the package the file is in
    assert [lk.name for lk in m.links] == ["base", "arm"]
    assert m.link("arm").visuals[0].geometry == Box((0.2, 0.2, 0.2))
    mesh = m.link("base").collisions[0].geometry
    assert isinstance(mesh, Mesh) and mesh.path == (XACRO_PKG / "meshes/tet.stl").resolve()
    assert mesh.scale == (0.5, 0.5, 0.5)
    shoulder = m.joint("shoulder")
    assert shoulder.limit is not None and shoulder.limit.upper == pytest.approx(math.pi / 2)
    assert shoulder.origin.position == (0.0, 0.0, 0.25)
    inertial = m.link("base").inertial
    assert inertial is not None and inertial.inertia[0] == pytest.approx(4 * 0.25 / 6)
    assert m.source == str(OK)
    assert m.warnings == ()


def test_xacro_args_and_package_paths(tmp_path: Path) -> None:
    m = read_urdf(
        OK, package_paths=[XACRO_PKG.parent], use_ros_package_path=False, xacro_args={"arm_size": "0.3"}
    )
    assert m.link("arm").visuals[0].geometry == Box((0.3, 0.3, 0.3))


def test_expansion_failure_says_how_to_expand_by_hand() -> None:
    path = XACRO_PKG / "urdf" / "error_undefined_property.urdf.xacro"
    with pytest.raises(DescriptionError) as info:
        read_urdf(path, use_ros_package_path=False)
    message = str(info.value)
    assert "xacro could not expand the file" in message and "undefined_radius" in message
    assert "`xacro error_undefined_property.urdf.xacro > error_undefined_property.urdf`" in message
    assert info.value.__cause__ is not None


def test_a_long_reason_keeps_its_end_where_the_missing_file_is_named(tmp_path: Path) -> None:
    # xacro has no package:// in includes (hector's quadrotor_base.xacro in example-robot-data does it)
    folder = tmp_path / ("a_rather_long_folder_name_" * 4)
    folder.mkdir()
    path = folder / "robot.urdf.xacro"
    path.write_text(
        '<robot name="r" xmlns:xacro="http://www.ros.org/wiki/xacro">'
        '<xacro:include filename="package://some_pkg/urdf/the_missing_part.urdf.xacro"/></robot>'
    )
    with pytest.raises(DescriptionError, match="xacro could not expand the file") as info:
        read_urdf(path, use_ros_package_path=False)
    message = str(info.value)
    assert "the_missing_part.urdf.xacro" in message and "No such file" in message and "\n" not in message


def test_included_file_with_a_dtd_is_refused() -> None:
    path = XACRO_PKG / "urdf" / "error_include_with_dtd.urdf.xacro"
    with pytest.raises(DescriptionError, match="never expanded or read") as info:
        read_urdf(path, use_ros_package_path=False)
    assert info.value.file is not None and info.value.file.endswith("bomb.xacro")


def test_unknown_find_package() -> None:
    path = XACRO_PKG / "urdf" / "error_unknown_find.urdf.xacro"
    with pytest.raises(ResolveError, match=r"\$\(find no_such_pkg\)"):
        read_urdf(path, use_ros_package_path=False)


def test_xacro_module_state_is_restored() -> None:
    import xacro
    from xacro import substitution_args

    before = (xacro.parse, substitution_args._eval_find, substitution_args._eval_dict["find"])
    read_urdf(OK, use_ros_package_path=False)
    with pytest.raises(DescriptionError):
        read_urdf(XACRO_PKG / "urdf" / "error_undefined_property.urdf.xacro", use_ros_package_path=False)
    assert (xacro.parse, substitution_args._eval_find, substitution_args._eval_dict["find"]) == before


def test_errors_in_expanded_urdf_name_the_xacro_output(tmp_path: Path) -> None:
    path = tmp_path / "bad.urdf.xacro"
    path.write_text(
        '<robot name="r" xmlns:xacro="http://www.ros.org/wiki/xacro"><link name="a"/><link name="a"/></robot>'
    )
    with pytest.raises(DescriptionError, match="duplicate link name") as info:
        read_urdf(path, use_ros_package_path=False)
    assert info.value.file == f"{path} (xacro output)"


def test_missing_xacro_is_a_dependency_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xacro", None)
    with pytest.raises(DependencyError, match=r"humanoid-twin\[xacro\]"):
        read_urdf(OK, use_ros_package_path=False)


def test_xacro_args_on_plain_urdf_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.urdf"
    path.write_text('<robot name="r"><link name="a"/></robot>')
    with pytest.raises(DescriptionError, match=r"not a \.xacro file"):
        read_urdf(path, xacro_args={"x": "1"})


def test_a_warning_repeated_by_every_macro_use_is_one_line_with_its_count(tmp_path: Path) -> None:
    """xacro prints a warning with "when instantiating macro" / "in file" context lines for every
    use of a macro: one model warning, naming the macro, counted."""
    path = tmp_path / "arm.urdf.xacro"
    path.write_text(
        """<?xml version="1.0"?>
<robot name="arm" xmlns:xacro="http://www.ros.org/wiki/xacro">
  <xacro:macro name="segment" params="n">
    <xacro:property name="len" value="0.3"/>
    <link name="l${n}"><inertial><mass value="1"/>
      <inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial></link>
  </xacro:macro>
  <link name="base"><inertial><mass value="1"/>
    <inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial></link>
  <xacro:segment n="1"/>
  <xacro:segment n="2"/>
  <xacro:segment n="3"/>
  <joint name="j1" type="fixed"><parent link="base"/><child link="l1"/></joint>
  <joint name="j2" type="fixed"><parent link="l1"/><child link="l2"/></joint>
  <joint name="j3" type="fixed"><parent link="l2"/><child link="l3"/></joint>
</robot>
""",
        encoding="utf-8",
    )
    warnings = [w for w in read_urdf(path).warnings if w.startswith("xacro:")]
    assert warnings == ["xacro: warning: redefining global symbol: len (in macro segment) (3×)."]
