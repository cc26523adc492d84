"""Colours stored in mesh files reach the USD asset as materialBind GeomSubsets; a URDF material wins."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdShade

from humanoid_twin.meshes import TriangleMesh, clear_mesh_cache, load_mesh
from humanoid_twin.model import Link, Mesh, Pose, RobotModel, Visual
from humanoid_twin.urdf import read_urdf
from humanoid_twin.usd import read_usd, validate_stage, write_usd

DATA = Path(__file__).resolve().parents[1] / "data" / "mesh_colours"
RED = (0.8, 0.1, 0.1, 1.0)
BLUE = (0.1, 0.2, 0.9, 1.0)
ORANGE = (0.9, 0.5, 0.1, 1.0)


def _rgba(material: UsdShade.Material) -> tuple[float, ...]:
    shader = material.ComputeSurfaceSource()[0]
    c = shader.GetInput("diffuseColor").Get()
    return (*(round(float(x), 6) for x in c), round(float(shader.GetInput("opacity").Get()), 6))


def _subset_colours(stage: Usd.Stage, path: str) -> dict[tuple[float, ...], list[int]]:
    """Colour of each materialBind subset of a visual → its face indices."""
    prim = stage.GetPrimAtPath(path)
    out: dict[tuple[float, ...], list[int]] = {}
    for subset in UsdGeom.Subset.GetGeomSubsets(UsdGeom.Imageable(prim), "face", "materialBind"):
        bound, _ = UsdShade.MaterialBindingAPI(subset.GetPrim()).ComputeBoundMaterial()
        out[_rgba(bound)] = sorted(subset.GetIndicesAttr().Get())
    return out


@pytest.fixture
def asset_and_model(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> tuple[Path, RobotModel, str]:
    model = read_urdf(DATA / "mesh_colours.urdf")
    clear_mesh_cache()  # a cached mesh is not read again: the .mtl warning comes with the first read
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.meshes"):
        asset = write_usd(model, tmp_path / "out" / "mesh_colours.usda")
    return asset.path, model, caplog.text


def test_file_colours_are_bound_per_face(asset_and_model: tuple[Path, RobotModel, str]) -> None:
    path, _, _ = asset_and_model
    stage = Usd.Stage.Open(str(path))
    assert _subset_colours(stage, "/mesh_colours/base/visuals/plate") == {RED: [1, 2], BLUE: [0]}
    assert _subset_colours(stage, "/mesh_colours/base/visuals/tetra") == {ORANGE: [0, 1, 2, 3]}
    plate = UsdGeom.Mesh(stage.GetPrimAtPath("/mesh_colours/base/visuals/plate"))
    assert UsdGeom.Subset.GetFamilyType(plate, "materialBind") == UsdGeom.Tokens.partition
    assert validate_stage(path, include_warnings=True) == []


def test_urdf_material_wins(asset_and_model: tuple[Path, RobotModel, str]) -> None:
    path, _, _ = asset_and_model
    stage = Usd.Stage.Open(str(path))
    prim = stage.GetPrimAtPath("/mesh_colours/base/visuals/green_plate")
    bound, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
    assert _rgba(bound) == (0.0, 0.8, 0.0, 1.0)
    subsets = UsdGeom.Subset.GetGeomSubsets(UsdGeom.Imageable(prim), "face", "materialBind")
    assert len(subsets) == 2  # the prototype's parts are there, but bound to nothing of their own
    for subset in subsets:
        assert not UsdShade.MaterialBindingAPI(subset.GetPrim()).GetDirectBinding().GetMaterial()
        assert _rgba(UsdShade.MaterialBindingAPI(subset.GetPrim()).ComputeBoundMaterial()[0])[1] == 0.8


def test_missing_mtl_is_a_warning_and_grey(asset_and_model: tuple[Path, RobotModel, str]) -> None:
    path, _, log = asset_and_model
    assert "nowhere.mtl" in log and "warning_missing_mtl.obj" in log
    stage = Usd.Stage.Open(str(path))
    prim = stage.GetPrimAtPath("/mesh_colours/arm/visuals/grey")
    assert len(prim.GetAttribute("faceVertexIndices").Get()) == 12
    assert not UsdGeom.Subset.GetGeomSubsets(UsdGeom.Imageable(prim))
    assert not UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()[0]


def test_round_trip_keeps_the_model_and_the_colours(
    asset_and_model: tuple[Path, RobotModel, str], tmp_path: Path
) -> None:
    path, model, _ = asset_and_model
    back = read_usd(path)
    assert back.replace(source=None) == model.replace(source=None)
    again = write_usd(back, tmp_path / "again" / "mesh_colours.usda")
    assert read_usd(again.path).replace(source=None) == model.replace(source=None)
    stage = Usd.Stage.Open(str(again.path))
    assert _subset_colours(stage, "/mesh_colours/base/visuals/plate") == {RED: [1, 2], BLUE: [0]}
    assert validate_stage(again.path) == []


def test_mesh_held_in_the_usd_keeps_its_palette(tmp_path: Path) -> None:
    plate = load_mesh(DATA / "two_materials.dae")
    inline = Mesh("memory<plate>", None, data=plate)
    link = Link("base", None, (Visual("plate", Pose(), inline),), ())
    asset = write_usd(RobotModel("inline", (link,), ()), tmp_path / "inline.usda", layered=False)
    assert validate_stage(asset.path) == []
    (visual,) = read_usd(asset.path).link("base").visuals
    assert visual.material is None
    assert isinstance(visual.geometry, Mesh) and visual.geometry.data is not None
    data: TriangleMesh = visual.geometry.data
    assert data.face_materials is not None
    colours = [data.materials[i].rgba for i in data.face_materials]
    expected = [plate.materials[i].rgba for i in plate.face_materials]  # type: ignore[union-attr]
    np.testing.assert_allclose(colours, expected, atol=1e-6)
    assert [m.name for m in data.materials] == ["blue", "red paint"]
