"""EmulatorConfig: defaults, the documented TOML example, and one-line errors for bad values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.emulator import (
    EmulatorConfig,
    Fault,
    HiddenParameters,
    Latency,
    SensorNoise,
    Spread,
    load_emulator_config,
)
from humanoid_twin.errors import ConfigError

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"


def _doc_example() -> str:
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "docs/emulator.md should hold exactly one TOML example"
    return blocks[0]


def test_defaults_are_a_nominal_noise_free_robot() -> None:
    c = EmulatorConfig()
    assert (c.rate, c.timestep, c.speed, c.clock, c.seed) == (500.0, 0.002, 1.0, "wall", 0)
    assert c.faults == () and c.truth_file is None and not c.publish_base and not c.publish_targets
    with pytest.raises(ConfigError, match="publish_targets must be true or false, got 'yes'"):
        EmulatorConfig(publish_targets="yes")  # type: ignore[arg-type]
    assert c.noise == SensorNoise(0.0, 0.0, 0.0) and c.latency == Latency(0.0, 0.0, 0.0)
    for name in ("friction", "damping"):
        assert getattr(c.hidden, name).bounds == (0.0, 0.0)
    for name in ("armature_scale", "mass_scale", "strength_scale"):
        assert getattr(c.hidden, name).bounds == (1.0, 1.0)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "emu.toml"
    path.write_text(_doc_example(), encoding="utf-8")
    c = load_emulator_config(path)
    assert c.seed == 7 and c.rate == 500.0 and c.truth_file == tmp_path / "truth.json"
    assert c.hidden.friction == Spread("uniform", 0.0, 0.3)
    assert c.hidden.mass_scale == Spread("normal", 1.0, 0.03)
    assert c.hidden.joints["left_knee"] == {"friction": 0.6, "strength_scale": 0.85}
    assert c.hidden.links["torso"] == {"mass_scale": 1.1}
    assert c.noise == SensorNoise(0.0005, 0.01, 0.2)
    assert c.latency == Latency(0.002, 0.0005, 0.01)
    assert [f.kind for f in c.faults] == ["friction_growth", "encoder_bias", "motor_weakening"]
    assert c.faults[2] == Fault("motor_weakening", "left_hip_pitch", 5.0, 0.3, ramp=1.0, duration=3.0)


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ("rate = 100.0", r"rate \[Hz\] must be ≥ 200"),
        ("rate = 1000", r"rate \[Hz\] must be ≤ 500"),
        ('rate = "fast"', r"rate \[Hz\] must be a finite number, got 'fast'"),
        ("timestep = 0.005", "longer than the publish period"),
        ("speed = 2.0", "needs clock = 'sim'"),
        ('clock = "gps"', "clock 'gps' is not one of"),
        ("seed = -1", "seed must be an integer"),
        ("colour = 3", "unknown key 'colour'"),
        ("[noise]\nposition = -0.1", r"\[noise\] position must be ≥ 0"),
        ("[noise]\nacceleration = 0.1", r"\[noise\] has unknown key 'acceleration'"),
        ("[latency]\ndrop = 1.0", "drop must be < 1"),
        ("[latency]\njitter = nan", "jitter must be a finite number"),
        ("[hidden]\nfriction = { uniform = [0.5, 0.1] }", "friction: uniform spread needs low ≤ high"),
        ("[hidden]\nfriction = { gamma = [1, 2] }", r"\[hidden\] friction must be a number"),
        ("[hidden]\nmass_scale = { normal = [1.0, 0.5] }", "mass_scale can draw -0.5"),
        ("[hidden.joints.left_knee]\nstiffness = 2.0", "unknown key 'stiffness'"),
        ("[hidden.joints.left_knee]\nstrength_scale = 0.0", "strength_scale must be > 0"),
        ("[[faults]]\nkind = 'rust'\njoint = 'a'\nstart = 0\nmagnitude = 1", "fault kind 'rust'"),
        ("[[faults]]\nkind = 'encoder_bias'\njoint = 'a'\nstart = 0", "misses magnitude"),
        (
            "[[faults]]\nkind = 'motor_weakening'\njoint = 'a'\nstart = 0\nmagnitude = 1.5",
            r"fraction of strength lost\) must be ≤ 1",
        ),
        (
            "[[faults]]\nkind = 'friction_growth'\njoint = 'a'\nstart = 1\nramp = 2\nduration = 1\n"
            "magnitude = 1",
            "shorter than ramp",
        ),
        ("rate = [", "not valid TOML"),
    ],
)
def test_bad_values_are_one_line_config_errors(tmp_path: Path, toml: str, match: str) -> None:
    path = tmp_path / "emu.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as info:
        load_emulator_config(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the emulator config"):
        load_emulator_config(tmp_path / "nope.toml")


def test_fault_level_ramps_holds_and_ends() -> None:
    f = Fault("friction_growth", "left_knee", start=2.0, magnitude=0.8, ramp=4.0, duration=10.0)
    assert [f.level(t) for t in (0.0, 1.999, 2.0, 4.0, 6.0, 11.999, 12.0)] == [0, 0, 0, 0.5, 1, 1, 0]
    assert f.value(3.0) == pytest.approx(0.2)
    step = Fault("encoder_bias", "left_knee", start=1.0, magnitude=-0.1)
    assert (step.level(0.99), step.level(1.0), step.level(1e6)) == (0.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "spread", [Spread("uniform", -0.2, 0.3), Spread("normal", 1.0, 0.1), Spread("constant", 0.4)]
)
def test_spread_draws_stay_in_bounds_and_repeat_with_the_seed(spread: Spread) -> None:
    a = spread.draw(np.random.default_rng(3), 2000)
    b = spread.draw(np.random.default_rng(3), 2000)
    lo, hi = spread.bounds
    assert np.array_equal(a, b) and lo <= a.min() and a.max() <= hi
    if spread.kind != "constant":
        assert a.std() > 0.5 * (spread.b if spread.kind == "normal" else (hi - lo) / np.sqrt(12))


def test_hidden_parameters_freeze_their_tables() -> None:
    joints = {"left_knee": {"friction": 0.1}}
    h = HiddenParameters(joints=joints)
    joints["left_knee"]["friction"] = 9.0
    assert h.joints["left_knee"]["friction"] == 0.1
    with pytest.raises(TypeError):
        h.joints["left_knee"]["friction"] = 1.0  # type: ignore[index]
