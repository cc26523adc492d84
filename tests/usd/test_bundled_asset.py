"""data/usd/humanoid.usda is what the README's main job writes: committed, and kept up to date."""

from __future__ import annotations

import shutil
from pathlib import Path

from humanoid_twin.model import ImportOptions
from humanoid_twin.robots.humanoid import PACKAGE_PATH
from humanoid_twin.urdf import read_urdf
from humanoid_twin.usd import validate_stage, write_usd

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "data" / "usd"


def test_committed_asset_is_current(tmp_path: Path) -> None:
    # same layout as the repository, so the relative mesh asset paths come out the same
    shutil.copytree(PACKAGE_PATH, tmp_path / "urdf")
    out = tmp_path / "data" / "usd"
    asset = write_usd(read_urdf(tmp_path / "urdf" / "humanoid.urdf"), out / "humanoid.usda", ImportOptions())
    for written in asset.files:
        rel = Path(written).relative_to(out)
        committed = COMMITTED / rel
        assert committed.is_file(), f"{committed} missing: run the README's main job"
        assert committed.read_bytes() == Path(written).read_bytes(), (
            f"{committed} is stale: run `humanoid-twin import urdf/humanoid.urdf -o data/usd/humanoid.usda`"
        )
    assert validate_stage(COMMITTED / "humanoid.usda") == []
