"""write_urdf: model → URDF text that reads back to the same model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from humanoid_twin.model import Inertial, Link, Pose, RobotModel
from humanoid_twin.urdf import read_urdf, read_urdf_string, write_urdf
from humanoid_twin.urdf.parse import parse_xml

CORPUS = Path(__file__).resolve().parents[1] / "data" / "urdf_corpus"
OK_FILES = sorted(CORPUS.glob("ok_*.urdf")) + sorted(CORPUS.glob("warning_*.urdf"))
Check = Callable[[RobotModel, RobotModel], None]


def _reread(text: str) -> RobotModel:
    return read_urdf_string(
        text, base_dir=CORPUS, package_paths=[CORPUS / "packages"], use_ros_package_path=False
    )


@pytest.mark.parametrize("path", OK_FILES, ids=[p.stem for p in OK_FILES])
def test_round_trip_of_the_corpus(path: Path, assert_models_close: Check) -> None:
    first = read_urdf(path, package_paths=[CORPUS / "packages"], use_ros_package_path=False)
    text = write_urdf(first)
    second = _reread(text)
    assert_models_close(first, second)
    assert write_urdf(second) == write_urdf(_reread(write_urdf(second)))  # stable after one pass


def test_round_trip_of_every_feature(everything_urdf: str, assert_models_close: Check) -> None:
    first = _reread(everything_urdf)
    text = write_urdf(first)
    assert 'dont_collapse="true"' in text and "<safety_controller" in text and "<calibration" in text
    assert "<mimic" in text and "<capsule" in text and 'scale="0.001 0.002 0.003"' in text
    assert "<gazebo" not in text
    assert_models_close(first, _reread(text))


def test_output_is_safe_xml_with_escaped_names() -> None:
    model = RobotModel(
        name='a&b <"c">',
        links=(Link("x<y>&'z'", Inertial(1.0, Pose(), (1.0, 0.0, 0.0, 1.0, 0.0, 1.0))),),
        joints=(),
    )
    text = write_urdf(model)
    root = parse_xml(text, "<written>")
    assert root.attrib["name"] == 'a&b <"c">'
    again = read_urdf_string(text, use_ros_package_path=False)
    assert again.links[0].name == "x<y>&'z'" and again == model.replace(source="<string>")
