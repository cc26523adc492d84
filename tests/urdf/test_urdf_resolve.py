"""PackageResolver: package:// lookup conventions, root confinement, refused schemes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from humanoid_twin.errors import MeshError, ResolveError
from humanoid_twin.urdf import PackageResolver, read_urdf


def _pkg(folder: Path, name: str | None = None, files: tuple[str, ...] = ("meshes/a.stl",)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if name is not None:
        (folder / "package.xml").write_text(f"<package format='3'><name>{name}</name></package>")
    for f in files:
        (folder / f).parent.mkdir(parents=True, exist_ok=True)
        (folder / f).write_text("solid a\nendsolid a\n")
    return folder


def _resolve(r: PackageResolver, uri: str, relative_to: Path | None = None) -> Path:
    return r.resolve(uri, relative_to=relative_to, file="robot.urdf", line=7)


def test_search_dir_that_is_the_package_by_basename(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "robot_description")
    r = PackageResolver([pkg], use_ros_package_path=False)
    assert _resolve(r, "package://robot_description/meshes/a.stl") == (pkg / "meshes/a.stl").resolve()


def test_search_dir_that_is_the_package_by_package_xml(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "checkout-v2", name="robot_description")
    r = PackageResolver([pkg], use_ros_package_path=False)
    assert _resolve(r, "package://robot_description/meshes/a.stl") == (pkg / "meshes/a.stl").resolve()


def test_search_dir_containing_packages(tmp_path: Path) -> None:
    _pkg(tmp_path / "ws/src/robot_description")
    nested = _pkg(tmp_path / "ws/src/group/renamed_folder", name="arm_description")
    r = PackageResolver([tmp_path / "ws/src"], use_ros_package_path=False)
    assert _resolve(r, "package://robot_description/meshes/a.stl").is_file()
    assert _resolve(r, "package://arm_description/meshes/a.stl") == (nested / "meshes/a.stl").resolve()


def test_first_search_path_wins(tmp_path: Path) -> None:
    first = _pkg(tmp_path / "one/pkg")
    _pkg(tmp_path / "two/pkg")
    r = PackageResolver([tmp_path / "one", tmp_path / "two"], use_ros_package_path=False)
    assert _resolve(r, "package://pkg/meshes/a.stl") == (first / "meshes/a.stl").resolve()


def test_ros_package_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pkg(tmp_path / "a/pkg_a")
    _pkg(tmp_path / "b/pkg_b")
    monkeypatch.setenv("ROS_PACKAGE_PATH", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    r = PackageResolver([])
    assert _resolve(r, "package://pkg_b/meshes/a.stl").is_file()
    assert r.search_paths == ((tmp_path / "a").resolve(), (tmp_path / "b").resolve())
    off = PackageResolver([], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="package 'pkg_b' is not found"):
        _resolve(off, "package://pkg_b/meshes/a.stl")


def test_package_of_the_urdf_itself(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "my_robot", name="my_robot", files=("meshes/a.stl", "urdf/r.urdf"))
    r = PackageResolver([], use_ros_package_path=False)
    got = _resolve(r, "package://my_robot/meshes/a.stl", relative_to=pkg / "urdf")
    assert got == (pkg / "meshes/a.stl").resolve()
    # and relative URIs may reach the rest of that package
    assert _resolve(r, "../meshes/a.stl", relative_to=pkg / "urdf") == got


def test_unknown_package_lists_the_search_paths(tmp_path: Path) -> None:
    r = PackageResolver([tmp_path], use_ros_package_path=False)
    with pytest.raises(ResolveError, match=r"package 'ghost' is not found in the search paths \(") as info:
        _resolve(r, "package://ghost/a.stl")
    assert info.value.line == 7 and info.value.file == "robot.urdf"


@pytest.mark.parametrize("uri", ["package://", "package://pkg", "package://pkg/"])
def test_malformed_package_uri(tmp_path: Path, uri: str) -> None:
    r = PackageResolver([tmp_path], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="must be package://<package>/<path"):
        _resolve(r, uri)


def test_package_uri_with_three_slashes_says_the_package_is_missing(tmp_path: Path) -> None:
    r = PackageResolver([_pkg(tmp_path / "pkg", files=("a.stl",))], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="names no package") as info:
        r.resolve("package:///pkg/a.stl", relative_to=None, file="robot.urdf", line=7, element="mesh")
    assert str(info.value).startswith("robot.urdf:7: <mesh>: URI 'package:///pkg/a.stl'")


def test_dotdot_cannot_leave_a_package(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "pkg")
    (tmp_path / "secret.stl").write_text("x")
    r = PackageResolver([pkg], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="leaves the folder of package 'pkg'"):
        _resolve(r, "package://pkg/meshes/../../secret.stl")
    assert _resolve(r, "package://pkg/meshes/../meshes/a.stl").is_file()  # staying inside is fine


def test_symlink_cannot_leave_a_package(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "pkg")
    outside = tmp_path / "outside.stl"
    outside.write_text("x")
    (pkg / "meshes/link.stl").symlink_to(outside)
    r = PackageResolver([pkg], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="leaves the folder"):
        _resolve(r, "package://pkg/meshes/link.stl")


def test_symlink_cannot_leave_the_urdf_folder(tmp_path: Path) -> None:
    robot = tmp_path / "robot"
    robot.mkdir()
    outside = tmp_path / "outside.stl"
    outside.write_text("x")
    (robot / "m.stl").symlink_to(outside)
    r = PackageResolver([], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="outside the search roots"):
        _resolve(r, "m.stl", relative_to=robot)


def test_file_uris(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "pkg")
    r = PackageResolver([pkg], use_ros_package_path=False)
    inside = (pkg / "meshes/a.stl").resolve()
    assert _resolve(r, inside.as_uri()) == inside
    assert _resolve(r, str(inside)) == inside  # a bare absolute path
    with pytest.raises(ResolveError, match="outside the search roots"):
        _resolve(r, "file:///etc/hostname")
    with pytest.raises(ResolveError, match="naming a host"):
        _resolve(r, "file://fileserver/share/a.stl")


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize(
    "uri",
    ["http://x.org/a.stl", "HTTPS://x.org/a.stl", "ftp://x.org/a.stl", "s3://bucket/a.stl", "sftp://h/a.stl"],
)
def test_network_uris_are_refused(tmp_path: Path, uri: str) -> None:
    r = PackageResolver([tmp_path], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="are refused and nothing is fetched"):
        _resolve(r, uri, relative_to=tmp_path)


def test_other_schemes_are_refused(tmp_path: Path) -> None:
    r = PackageResolver([tmp_path], use_ros_package_path=False)
    with pytest.raises(ResolveError, match="scheme 'model' is not supported"):
        _resolve(r, "model://arm/a.stl", relative_to=tmp_path)


def test_read_urdf_with_package_paths_and_mesh_checks(tmp_path: Path) -> None:
    pkg = _pkg(tmp_path / "share/robot_pkg", files=("meshes/a.stl", "meshes/b.STL", "meshes/c.ply"))
    urdf = tmp_path / "elsewhere/robot.urdf"
    urdf.parent.mkdir()

    def write(uri: str) -> Path:
        urdf.write_text(
            f'<robot name="r"><link name="a"><collision><geometry><mesh filename="{uri}"/></geometry>'
            "</collision></link></robot>"
        )
        return urdf

    m = read_urdf(
        write("package://robot_pkg/meshes/b.STL"),
        package_paths=[tmp_path / "share"],
        use_ros_package_path=False,
    )
    assert m.links[0].collisions[0].geometry.path == (pkg / "meshes/b.STL").resolve()  # type: ignore[union-attr]
    with pytest.raises(MeshError, match=r"unsupported format '\.ply'"):
        read_urdf(
            write("package://robot_pkg/meshes/c.ply"),
            package_paths=[tmp_path / "share"],
            use_ros_package_path=False,
        )
    with pytest.raises(MeshError, match="does not exist"):
        read_urdf(
            write("package://robot_pkg/meshes/zz.obj"),
            package_paths=[tmp_path / "share"],
            use_ros_package_path=False,
        )
