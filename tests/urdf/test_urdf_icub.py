"""Every icub-models URDF loads, with its meshes resolved through the ``iCub`` package folder.

The iCub URDFs reference meshes as ``package://iCub/meshes/...``; the installed data folder
``<prefix>/share/iCub`` (``icub_models.get_models_path().parent``) is that package, so it is the one
search path to pass.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from humanoid_twin.model import Mesh, RobotModel
from humanoid_twin.urdf import read_urdf, read_urdf_string, write_urdf

icub_models = pytest.importorskip("icub_models")

NAMES = sorted(icub_models.get_robot_names())


def test_there_are_icub_models() -> None:
    assert len(NAMES) >= 10


@pytest.mark.parametrize("name", NAMES)
def test_icub_model_loads(name: str, icub_share: Path) -> None:
    path = Path(icub_models.get_model_file(name))
    model = read_urdf(path, package_paths=[icub_share], use_ros_package_path=False)
    root = ET.parse(path).getroot()  # the icub files are trusted: an independent count
    assert len(model.links) == len(root.findall("link"))
    assert len(model.joints) == len(root.findall("joint"))
    assert [lk.name for lk in model.links] == [el.get("name") for el in root.findall("link")]
    assert math.isfinite(model.total_mass) and model.total_mass > 0
    meshes = [
        g
        for lk in model.links
        for g in (*(v.geometry for v in lk.visuals), *(c.geometry for c in lk.collisions))
    ]
    for mesh in meshes:
        if isinstance(mesh, Mesh):
            assert mesh.uri.startswith("package://iCub/")
            assert (
                mesh.path is not None
                and mesh.path.is_file()
                and mesh.path.is_relative_to(icub_share.resolve())
            )
    assert all(w.endswith(".") and "\n" not in w for w in model.warnings)


def test_icub_round_trip_through_urdf_text(
    icub_share: Path, assert_models_close: Callable[[RobotModel, RobotModel], None]
) -> None:
    path = Path(icub_models.get_model_file("iCubGazeboV2_7"))
    first = read_urdf(path, package_paths=[icub_share], use_ros_package_path=False)
    text = write_urdf(first)
    second = read_urdf_string(
        text, base_dir=path.parent, package_paths=[icub_share], use_ros_package_path=False
    )
    assert_models_close(first, second)
    assert second.warnings == ()  # extensions were dropped, nothing left to warn about
