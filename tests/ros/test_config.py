"""The bridge's TOML configuration: defaults, the example file, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.ros

from humanoid_twin.errors import ConfigError  # noqa: E402
from humanoid_twin.ros.config import BridgeConfig, load_bridge_config  # noqa: E402

EXAMPLE = Path(__file__).parents[2] / "docs" / "twin.example.toml"


def test_example_file_is_the_defaults() -> None:
    cfg = load_bridge_config(EXAMPLE)
    assert cfg.source == str(EXAMPLE)
    defaults = BridgeConfig()
    for section in ("ros", "topics", "qos", "rates", "sync", "prometheus"):
        assert getattr(cfg, section) == getattr(defaults, section), section


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[rates]\nprediction = 500\n", r"\[rates\] prediction 500.0 Hz must be 0 \(off\) or within 10–100"),
        (
            "[qos.joint_state]\ndepth = 5\n",
            r"unknown key 'joint_state' in \[qos\]; valid keys: joint_states, ",
        ),
        ("[qos.joint_states]\ndepth = 'x'\n", r"depth = 'x' has the wrong type; expected integer"),
        ("[qos.joint_states]\nreliability = 'best'\n", r"'best' is not one of 'reliable' \| 'best_effort'"),
        ("[prometheus]\nhost = '0.0.0.0'\n", r"must be a loopback address"),
        ("[topic]\n", r"unknown top-level key 'topic'; valid keys: ros, topics"),
        ("[ros\n", r"not valid TOML"),
        # ROS names rclpy would refuse at start-up with an exception (an internal error before)
        ("[ros]\nnode_name = 'humanoid twin!'\n", r"\[ros\] node_name: 'humanoid twin!' is not a ROS node"),
        ("[ros]\nnamespace = 'robot 1'\n", r"\[ros\] namespace: 'robot 1' is not a ROS namespace"),
        ("[topics]\njoint_states = 'joint states'\n", r"\[topics\] joint_states: 'joint states' is not"),
        ("[topics]\npredictions = 'twin/1pred'\n", r"predictions: 'twin/1pred' is not a ROS topic name"),
        ("[topics]\njoint_states = ''\n", r"joint_states: '' is not a ROS topic name"),
    ],
)
def test_malformed_config_is_one_line(tmp_path: Path, text: str, match: str) -> None:
    f = tmp_path / "twin.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        load_bridge_config(f)
    assert "\n" not in str(info.value) and str(f) in str(info.value)


def test_other_sections_are_left_alone_and_recording_path_is_relative(tmp_path: Path) -> None:
    f = tmp_path / "twin.toml"
    f.write_text("[twin]\nwhatever = 1\n[recording]\npath = 'rec/a.mcap'\n[sync]\nstale_after = 0.02\n")
    cfg = load_bridge_config(f)
    assert cfg.recording.path == str(tmp_path / "rec" / "a.mcap")
    assert cfg.sync.stale_after == 0.02
