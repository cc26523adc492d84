"""An asset stands on its own: moved, packed or with its source meshes changed, it is the same robot;
with one of its layers missing it is an error, not a robot without meshes."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.errors import UsdError
from humanoid_twin.model import Mesh
from humanoid_twin.urdf import read_urdf
from humanoid_twin.usd import read_usd, recorded_options, validate_stage, write_usd

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
def test_a_missing_layer_is_an_error(asset: Path, layer: str, capfd: pytest.CaptureFixture[str]) -> None:
    (asset.parent / "configuration" / layer).unlink()
    with pytest.raises(UsdError, match=rf"does not compose: Could not open asset @.*{layer}@.*restore"):
        read_usd(asset)
    # the one-line error is all: OpenUSD's own warning for the same fault is not printed raw before it
    assert "_ReportErrors" not in capfd.readouterr().err


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


def test_an_asset_keeps_the_options_it_was_imported_with(tmp_path: Path) -> None:
    """A re-export, and a session whose robot is the asset, use the drives, armature and base Isaac
    Sim sees; options given again on the command line win."""
    from humanoid_twin.session import load_robot, load_session_config

    flags = ["--drive-stiffness", "300", "--armature", "0.2", "--fix-base"]
    made = _cli("import", str(ROOT / "urdf" / "humanoid.urdf"), "-o", str(tmp_path / "a.usda"), *flags)
    assert made.returncode == 0, made.stderr
    recorded = recorded_options(tmp_path / "a.usda")
    assert recorded is not None and (recorded.drive_stiffness, recorded.armature, recorded.fix_base) == (
        300.0,
        0.2,
        True,
    )
    again = _cli("import", str(tmp_path / "a.usda"), "-o", str(tmp_path / "b.usda"), "--floating-base")
    assert again.returncode == 0, again.stderr
    assert recorded_options(tmp_path / "b.usda") == dataclasses.replace(recorded, fix_base=False)
    session = tmp_path / "twin.toml"
    session.write_text('[robot]\nurdf = "a.usda"\n')
    config = load_session_config(session)
    _, options = load_robot(config.robot, source=config.source)
    assert options == recorded and config.twin.base == "fixed"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "humanoid_twin", *args], capture_output=True, text=True, timeout=300
    )


def test_a_flat_asset_in_a_folder_named_configuration_is_a_robot(tmp_path: Path) -> None:
    """Only a layer whose asset is beside its folder is "one layer of a layered asset"."""
    robot = read_urdf(ROOT / "urdf" / "humanoid.urdf")
    flat = write_usd(robot, tmp_path / "configuration" / "x_base.usda", layered=False)
    assert read_usd(flat.path).name == "humanoid"


def test_recorded_options_of_the_wrong_type_are_not_used(
    asset: Path, caplog: pytest.LogCaptureFixture
) -> None:
    layer = asset.parent / "configuration" / "humanoid_base.usda"
    layer.write_text(layer.read_text().replace("fix_base=False", "fix_base='no'"))
    with caplog.at_level(logging.WARNING, logger="humanoid_twin.usd"):
        assert recorded_options(asset) is None
    assert "recorded import options are not read" in caplog.text and "fix_base" in caplog.text
