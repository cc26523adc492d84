"""The session file: one TOML for robot, twin and bridge; the documented example is the defaults."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from humanoid_twin.errors import ConfigError
from humanoid_twin.session import SessionConfig, load_session_config

ROOT = Path(__file__).resolve().parents[1]


def test_example_is_the_defaults() -> None:
    cfg = load_session_config(ROOT / "docs" / "twin.example.toml")
    default = SessionConfig()
    assert cfg.twin == default.twin
    assert cfg.robot == default.robot


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[twin]\nstale_after = 'soon'\n", "stale_after"),
        ("[twin]\nbogus = 1\n", "unknown key 'bogus' in [twin]; valid keys"),
        ("[robot]\nurdf = 3\n", "urdf"),
        ("[robot.options]\ndrive_type = 'torque'\n", "drive_type = 'torque' is not one of"),
        ("[twin\n", "not valid TOML"),
    ],
)
def test_bad_session_files(tmp_path: Path, text: str, fragment: str) -> None:
    p = tmp_path / "twin.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[").replace("]", r"\]")) as info:
        load_session_config(p)
    assert str(p) in str(info.value)
    assert "\n" not in str(info.value)


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    p = tmp_path / "twin.toml"
    p.write_text("[robot]\nurdf = 'robots/r.urdf'\npackage_paths = ['pkgs']\n")
    cfg = load_session_config(p)
    assert cfg.robot.urdf == str(tmp_path / "robots" / "r.urdf")
    assert cfg.robot.package_paths == (str(tmp_path / "pkgs"),)


def test_error_horizons_beyond_the_predictions_are_not_scored() -> None:
    """The default 1 s error horizon against the default 0.5 s predictions would stay NaN for ever on
    /diagnostics and Prometheus: a session leaves it out; horizons within the predictions stay."""
    from humanoid_twin.ros.config import BridgeConfig
    from humanoid_twin.session import scored_twin_config
    from humanoid_twin.twin import TwinConfig

    bridge = BridgeConfig()
    assert bridge.sync.prediction_horizon == 0.5 and TwinConfig().error_horizons == (0.1, 0.5, 1.0)
    assert scored_twin_config(TwinConfig(), bridge.sync.prediction_horizon).error_horizons == (0.1, 0.5)
    assert scored_twin_config(TwinConfig(), 2.0) == TwinConfig()


def test_robot_fix_base_fixes_the_twin_base_and_a_contradiction_is_an_error(tmp_path: Path) -> None:
    """[robot.options] fix_base = true was overridden by the twin's default floating base."""
    p = tmp_path / "s.toml"
    p.write_text("[robot.options]\nfix_base = true\n")
    assert load_session_config(p).twin.base == "fixed"
    p.write_text("[robot.options]\nfix_base = true\n[twin]\nbase = 'floating'\n")
    contradiction = r"fix_base = true \(\[robot.options\].* but \[twin\] base = 'floating'"
    with pytest.raises(ConfigError, match=contradiction):
        load_session_config(p)


_CMEEL_SHARE = Path(sysconfig.get_paths()["purelib"]) / "cmeel.prefix" / "share"
_G1 = _CMEEL_SHARE / "example-robot-data" / "robots" / "g1_description" / "urdf" / "g1_29dof_rev_1_0.urdf"


@pytest.mark.skipif(not _G1.is_file(), reason="needs the example-robot-data package (Unitree G1 URDF)")
def test_another_robot_s_default_drives_hold_it_still_at_rest(tmp_path: Path) -> None:
    """A session without [robot.options] gives another robot the standing options too: with
    ImportOptions() (armature 0, kd 100) the G1's light links chattered at rest in the twin (0.026 rad/s
    RMS joint speed in the last second of a 3 s prediction, 2.2 cm of base drift)."""
    import time

    import numpy as np

    from humanoid_twin.robots.humanoid import STANDING_OPTIONS
    from humanoid_twin.session import load_robot
    from humanoid_twin.twin import DigitalTwin, JointCommand, JointState

    p = tmp_path / "g1.toml"
    p.write_text(f'[robot]\nurdf = "{_G1}"\npackage_paths = ["{_CMEEL_SHARE}"]\n')
    model, options = load_robot(load_session_config(p).robot)
    assert options == STANDING_OPTIONS
    twin = DigitalTwin(model, options=options)
    names = twin.joint_names
    zero = np.zeros(len(names))
    now = time.time()
    assert twin.update(JointState(now, names, zero, velocity=zero)).accepted
    pred = twin.predict(JointCommand(now, names, zero), horizon=3.0)
    last = np.asarray(pred.qd)[-500:]
    assert float(np.sqrt(np.mean(last**2))) < 0.005
    drift = np.asarray(pred.base_position)[-1, :2] - np.asarray(pred.base_position)[0, :2]
    assert float(np.linalg.norm(drift)) < 0.01


def test_robot_options_left_out_keep_the_standing_values(tmp_path: Path) -> None:
    """[robot.options] drive_stiffness = 150 changes only the stiffness: the armature and damping it
    leaves out kept ImportOptions()'s 0 and 100 (the values that made a G1 chatter), not the standing
    options' documented as the default."""
    import dataclasses

    from humanoid_twin.robots.humanoid import STANDING_OPTIONS

    p = tmp_path / "s.toml"
    p.write_text("[robot.options]\ndrive_stiffness = 150.0\n")
    options = load_session_config(p).robot.options
    assert options == dataclasses.replace(STANDING_OPTIONS, drive_stiffness=150.0)
    p.write_text("[robot.options]\ndrive_stifness = 150.0\n")
    with pytest.raises(ConfigError, match="drive_stifness"):
        load_session_config(p)
