"""Textures reach the USD asset: images copied beside the geometry, a UsdUVTexture network reading the
mesh's ``primvars:st``, and back again with read_usd."""

from __future__ import annotations

import filecmp
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdShade

from humanoid_twin.errors import UsdError
from humanoid_twin.meshes import clear_mesh_cache, load_mesh
from humanoid_twin.model import Mesh, RobotModel
from humanoid_twin.urdf import read_urdf
from humanoid_twin.usd import read_usd, validate_stage, write_usd

CHECKER = Path(__file__).resolve().parents[1] / "data" / "textures" / "checker.png"

_OBJ = """mtllib plate.mtl
v 0 0 0
v 0.2 0 0
v 0.2 0.1 0
v 0 0.1 0
vt 0 0
vt 1 0
vt 1 1
vt 0 1
usemtl painted
f 1/1 2/2 3/3 4/4
"""
_URDF = """<robot name="textured">
  <material name="skin"><texture filename="package://robot/meshes/checker.png"/></material>
  <link name="base">
    <inertial><mass value="1"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>
    <visual name="plate"><geometry><mesh filename="package://robot/meshes/plate.obj"/></geometry></visual>
    <visual name="other"><geometry><mesh filename="package://robot/meshes/other/plate.obj"/></geometry></visual>
    <visual name="skinned">
      <geometry><mesh filename="package://robot/meshes/plate.obj"/></geometry><material name="skin"/>
    </visual>
  </link>
</robot>
"""


@pytest.fixture
def robot(tmp_path: Path) -> RobotModel:
    """A link with a textured OBJ (its .mtl's map_Kd), a second OBJ whose image has the same name in
    another folder, and the first OBJ again under a URDF material with the same image as a texture."""
    meshes = tmp_path / "robot" / "meshes"
    for folder in (meshes, meshes / "other"):
        folder.mkdir(parents=True)
        (folder / "plate.obj").write_text(_OBJ)
        (folder / "plate.mtl").write_text("newmtl painted\nKd 1 1 1\nmap_Kd checker.png\n")
        shutil.copyfile(CHECKER, folder / "checker.png")
    (meshes / "other" / "checker.png").write_bytes(CHECKER.read_bytes() + b"\0")  # a different file
    (tmp_path / "robot" / "textured.urdf").write_text(_URDF)
    clear_mesh_cache()
    return read_urdf(tmp_path / "robot" / "textured.urdf", package_paths=[tmp_path])


def _texture_of(stage: Usd.Stage, prim: Usd.Prim) -> Path:
    material, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
    surface = material.ComputeSurfaceSource()[0]
    (source,) = surface.GetInput("diffuseColor").GetConnectedSources()[0]
    texture = UsdShade.Shader(source.source.GetPrim())
    assert texture.GetIdAttr().Get() == "UsdUVTexture"
    (reader,) = texture.GetInput("st").GetConnectedSources()[0]
    assert UsdShade.Shader(reader.source.GetPrim()).GetInput("varname").Get() == "st"
    return Path(texture.GetInput("file").Get().resolvedPath)


@pytest.mark.parametrize("layered", [True, False])
def test_textures_are_copied_and_sampled_at_the_mesh_coordinates(
    robot: RobotModel, tmp_path: Path, layered: bool
) -> None:
    asset = write_usd(robot, tmp_path / "out" / "textured.usda", layered=layered)
    folder = tmp_path / "out" / ("configuration/textured_textures" if layered else "textured_textures")
    assert sorted(asset.textures) == [folder / "checker.png", folder / "checker_1.png"]
    meshes = tmp_path / "robot" / "meshes"
    assert filecmp.cmp(folder / "checker.png", meshes / "checker.png", shallow=False)
    assert filecmp.cmp(folder / "checker_1.png", meshes / "other" / "checker.png", shallow=False)
    stage = Usd.Stage.Open(str(asset.path))
    plate = stage.GetPrimAtPath("/textured/base/visuals/plate")
    (subset,) = UsdGeom.Subset.GetGeomSubsets(UsdGeom.Imageable(plate), "face", "materialBind")
    assert _texture_of(stage, subset.GetPrim()) == folder / "checker.png"
    other = stage.GetPrimAtPath("/textured/base/visuals/other")
    (subset,) = UsdGeom.Subset.GetGeomSubsets(UsdGeom.Imageable(other), "face", "materialBind")
    assert _texture_of(stage, subset.GetPrim()) == folder / "checker_1.png"
    assert _texture_of(stage, stage.GetPrimAtPath("/textured/base/visuals/skinned")) == folder / "checker.png"
    st = UsdGeom.PrimvarsAPI(plate).GetPrimvar("st")
    assert st.GetInterpolation() == UsdGeom.Tokens.faceVarying
    mesh = load_mesh(meshes / "plate.obj")
    assert mesh.uvs is not None
    np.testing.assert_allclose(np.array(st.ComputeFlattened()), mesh.uvs.reshape(-1, 2))
    assert validate_stage(asset.path, include_warnings=True) == []


def test_textures_read_back(robot: RobotModel, tmp_path: Path) -> None:
    asset = write_usd(robot, tmp_path / "out" / "textured.usda")
    back = read_usd(asset.path)
    assert back == robot  # a texture file is where an image is read from, not part of equality
    skin = back.link("base").visuals[2].material
    assert skin is not None and skin.texture == "package://robot/meshes/checker.png"
    assert skin.texture_file == tmp_path / "out" / "configuration" / "textured_textures" / "checker.png"
    again = write_usd(back, tmp_path / "again" / "textured.usda")  # skin: from the asset's own copy
    assert sorted(p.name for p in again.textures) == ["checker.png", "checker_1.png"]  # one copy per image
    assert read_usd(again.path) == robot


def test_two_assets_in_one_folder_keep_their_own_textures(robot: RobotModel, tmp_path: Path) -> None:
    first = write_usd(robot, tmp_path / "out" / "first.usda")
    (tmp_path / "robot" / "meshes" / "checker.png").write_bytes(CHECKER.read_bytes() + b"\0\0")
    clear_mesh_cache()
    other = read_urdf(tmp_path / "robot" / "textured.urdf", package_paths=[tmp_path])
    second = write_usd(other, tmp_path / "out" / "second.usda")
    assert {p.parent.name for p in first.textures} == {"first_textures"}
    assert {p.parent.name for p in second.textures} == {"second_textures"}
    kept = tmp_path / "out" / "configuration" / "first_textures" / "checker.png"
    assert kept.read_bytes() == CHECKER.read_bytes()


def test_a_texture_that_vanishes_leaves_no_output(robot: RobotModel, tmp_path: Path) -> None:
    (tmp_path / "robot" / "meshes" / "checker.png").unlink()  # after the URDF's <texture> was found
    with pytest.raises(UsdError, match=r"cannot read the texture .*checker\.png"):
        write_usd(robot, tmp_path / "out" / "textured.usda")
    assert not (tmp_path / "out").exists()


_INLINE = """#usda 1.0
(
    defaultPrim = "r"
    metersPerUnit = 1
    upAxis = "Z"
)

def Xform "r"
{
    def Xform "base" (
        prepend apiSchemas = ["PhysicsRigidBodyAPI", "PhysicsMassAPI"]
    )
    {
        float physics:mass = 1
        def Mesh "card" (
            prepend apiSchemas = ["MaterialBindingAPI"]
        )
        {
            point3f[] points = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)]
            int[] faceVertexCounts = [4]
            int[] faceVertexIndices = [0, 1, 2, 3]
            texCoord2f[] primvars:st = [(0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5)] (interpolation = "INTERP")
            rel material:binding = </r/Looks/card>
        }
    }
    def Scope "Looks"
    {
        def Material "card"
        {
            token outputs:surface.connect = </r/Looks/card/Surface.outputs:surface>
            def Shader "Surface"
            {
                uniform token info:id = "UsdPreviewSurface"
                color3f inputs:diffuseColor.connect = </r/Looks/card/Image.outputs:rgb>
                token outputs:surface
            }
            def Shader "Image"
            {
                uniform token info:id = "UsdUVTexture"
                asset inputs:file = @./card.png@
                float3 outputs:rgb
            }
        }
    }
}
"""


def test_foreign_texture_coordinates_and_image(tmp_path: Path) -> None:
    """Another tool's USD: its mesh's faceVarying st (a quad, split into a fan) and its material's
    image are read; our asset written from it copies the image and samples the same coordinates."""
    shutil.copyfile(CHECKER, tmp_path / "card.png")
    path = tmp_path / "inline.usda"
    path.write_text(_INLINE.replace("INTERP", "faceVarying"))
    back = read_usd(path)
    visual = back.link("base").visuals[0]
    assert isinstance(visual.geometry, Mesh) and visual.geometry.data is not None
    uvs = visual.geometry.data.uvs
    assert uvs is not None
    assert uvs.tolist() == [[[0, 0], [0.5, 0], [0.5, 0.5]], [[0, 0], [0.5, 0.5], [0, 0.5]]]
    assert visual.material is not None and visual.material.texture_file == tmp_path / "card.png"
    asset = write_usd(back, tmp_path / "out" / "ours.usda")
    assert [p.name for p in asset.textures] == ["card.png"]
    again = read_usd(asset.path).link("base").visuals[0]
    assert isinstance(again.geometry, Mesh) and again.geometry.data is not None
    np.testing.assert_array_equal(again.geometry.data.uvs, uvs)
    assert validate_stage(asset.path) == []


def test_foreign_texture_coordinates_of_every_interpolation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """uniform (per polygon) and constant st are expanded to the corners; st that does not fit its
    mesh is left out with a warning (a mesh is not refused for its texture)."""
    path = tmp_path / "inline.usda"
    one_per_polygon = _INLINE.replace("[(0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5)]", "[(0.25, 0.75)]")
    for interpolation in ("uniform", "constant"):
        path.write_text(one_per_polygon.replace("INTERP", interpolation))
        geometry = read_usd(path).link("base").visuals[0].geometry
        assert isinstance(geometry, Mesh) and geometry.data is not None and geometry.data.uvs is not None
        assert geometry.data.uvs.tolist() == [[[0.25, 0.75]] * 3] * 2
    path.write_text(one_per_polygon.replace("INTERP", "faceVarying"))
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.usd"):
        geometry = read_usd(path).link("base").visuals[0].geometry
    assert isinstance(geometry, Mesh) and geometry.data is not None and geometry.data.uvs is None
    assert "primvars:st (faceVarying, 1 values) does not fit the mesh" in caplog.text


def test_foreign_texture_outside_the_usd_folder_is_not_copied(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A USD naming an image elsewhere (or any file) cannot make an import copy it into an asset."""
    shutil.copyfile(CHECKER, tmp_path / "private.png")
    (tmp_path / "robot").mkdir()
    (tmp_path / "robot" / "notes.txt").write_text("not an image")
    os.mkfifo(tmp_path / "robot" / "fifo.png")  # reading it would block for ever
    for name in ("../private.png", "/etc/passwd", "./notes.txt", "./fifo.png"):
        path = tmp_path / "robot" / "inline.usda"
        path.write_text(_INLINE.replace("INTERP", "faceVarying").replace("./card.png", name))
        with caplog.at_level(logging.WARNING, logger="humanoid_twin.usd"):
            back = read_usd(path)
        material = back.link("base").visuals[0].material
        assert material is not None and material.texture_file is None
        assert write_usd(back, tmp_path / "out" / "ours.usda").textures == ()
    assert "outside the folder" in caplog.text and "not an image format" in caplog.text
    assert "not a regular file" in caplog.text
