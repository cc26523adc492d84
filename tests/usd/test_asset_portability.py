"""An asset stands on its own: moved, packed or with its source meshes changed, it is the same robot;
with one of its layers missing it is an error, not a robot without meshes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.errors import UsdError
from humanoid_twin.model import Mesh
from humanoid_twin.urdf import read_urdf
from humanoid_twin.usd import read_usd, validate_stage, write_usd

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def asset(tmp_path: Path) -> Path:
    """The bundled humanoid imported from a copy of its URDF and meshes (the copy can be changed)."""
    shutil.copytree(ROOT / "urdf", tmp_path / "src")
    return write_usd(read_urdf(tmp_path / "src" / "humanoid.urdf"), tmp_path / "out" / "humanoid.usda").path


def _meshes(path: Path) -> dict[str, np.ndarray]:
    model = read_usd(path)
    return {
        f"{lk.name}/{v.name}": np.asarray(v.geometry.data.vertices)
        for lk in model.links
        for v in lk.visuals
        if isinstance(v.geometry, Mesh) and v.geometry.data is not None
    }


def test_a_moved_asset_validates_and_holds_the_same_meshes(asset: Path, tmp_path: Path) -> None:
    before = _meshes(asset)
    assert before  # the pelvis at least
    moved = tmp_path / "deeper" / "still" / "out"
    moved.parent.mkdir(parents=True)
    shutil.move(asset.parent, moved)
    shutil.rmtree(tmp_path / "src")  # the source meshes are gone too
    assert validate_stage(moved / "humanoid.usda") == []  # no dependency on the source files
    after = _meshes(moved / "humanoid.usda")
    assert after.keys() == before.keys()
    for key, vertices in before.items():
        np.testing.assert_array_equal(after[key], vertices)


def test_a_changed_source_mesh_does_not_change_the_asset(asset: Path, tmp_path: Path) -> None:
    before = _meshes(asset)
    pelvis = tmp_path / "src" / "meshes" / "pelvis.stl"
    pelvis.write_bytes(b"solid empty\nendsolid empty\n")  # edited after the import
    after = _meshes(asset)
    for key, vertices in before.items():
        np.testing.assert_array_equal(after[key], vertices)


@pytest.mark.parametrize("layer", ["humanoid_meshes.usdc", "humanoid_physics.usda"])
def test_a_missing_layer_is_an_error(asset: Path, layer: str) -> None:
    (asset.parent / "configuration" / layer).unlink()
    with pytest.raises(UsdError, match=rf"does not compose: Could not open asset @.*{layer}@.*restore"):
        read_usd(asset)


def test_a_layer_of_an_asset_or_a_misnamed_file_is_named_as_such(asset: Path) -> None:
    with pytest.raises(UsdError, match=r"is one layer \(physics\) of a layered asset, not a robot; open"):
        read_usd(asset.parent / "configuration" / "humanoid_physics.usda")
    renamed = asset.parent / "crate.usda"
    shutil.copyfile(asset.parent / "configuration" / "humanoid_meshes.usdc", renamed)
    with pytest.raises(UsdError, match=r"is a binary \(crate\) USD file named .usda; rename it .usdc"):
        read_usd(renamed)
    truncated = asset.parent / "truncated.usda"
    truncated.write_text(asset.read_text()[:200])
    with pytest.raises(UsdError, match=r"truncated\.usda:\d+:\d+: parse error: not valid USDA text"):
        read_usd(truncated)
