"""EmulatedRobot: hidden offsets applied as the truth says, faults when they should, it stands, it repeats."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.emulator import (
    EmulatedRobot,
    EmulatorConfig,
    Fault,
    HiddenParameters,
    SensorNoise,
    Spread,
    Truth,
)
from humanoid_twin.errors import ConfigError
from humanoid_twin.model.kinematics import forward_kinematics
from humanoid_twin.robots.humanoid import (
    FEET,
    JOINT_NAMES,
    NOMINAL_POSE,
    STANDING_OPTIONS,
    STANDING_TIMESTEP,
    load_humanoid,
)

mujoco = pytest.importorskip("mujoco")

HIDDEN = HiddenParameters(
    friction=Spread("uniform", -0.1, 0.3),
    damping=Spread("uniform", 0.0, 0.5),
    armature_scale=Spread("normal", 1.0, 0.1),
    mass_scale=Spread("normal", 1.0, 0.03),
    strength_scale=Spread("uniform", 0.9, 1.05),
    joints={"left_knee": {"friction": 0.6, "strength_scale": 0.85}, "neck_yaw": {"damping": 0.05}},
    links={"torso": {"mass_scale": 1.1}},
)


@pytest.fixture(scope="module")
def robot_model():  # type: ignore[no-untyped-def]
    return load_humanoid()


def _nominal(robot_model):  # type: ignore[no-untyped-def]
    from humanoid_twin.physics.mujoco import MujocoNames, build_model

    m = build_model(robot_model, STANDING_OPTIONS, timestep=STANDING_TIMESTEP)
    return m, MujocoNames.of(robot_model, m, STANDING_OPTIONS)


def _trunk_height_and_tilt(robot: EmulatedRobot) -> tuple[float, float]:
    site = robot.names.site["trunk"]
    up = robot.data.site_xmat[site].reshape(3, 3)[:, 2]
    return float(robot.data.site_xpos[site][2]), math.degrees(math.acos(min(1.0, float(up[2]))))


def test_zero_offsets_match_a_nominal_mujoco_sim(robot_model) -> None:  # type: ignore[no-untyped-def]
    robot = EmulatedRobot(EmulatorConfig(), robot=robot_model)
    assert robot.joint_names == JOINT_NAMES
    m, names = _nominal(robot_model)
    d = mujoco.MjData(m)
    height = -forward_kinematics(robot_model, NOMINAL_POSE)[FEET[0]][2, 3] + 0.002
    assert names.free_qpos_adr is not None
    d.qpos[names.free_qpos_adr : names.free_qpos_adr + 7] = [0, 0, height, 1, 0, 0, 0]
    for j in JOINT_NAMES:
        d.qpos[names.qpos_adr[j]] = d.ctrl[names.actuator[j]] = NOMINAL_POSE.get(j, 0.0)
    for field in ("dof_frictionloss", "dof_damping", "dof_armature", "body_mass", "body_inertia"):
        assert np.array_equal(getattr(robot.model, field), getattr(m, field)), field
    for field in ("actuator_gainprm", "actuator_biasprm", "actuator_forcerange"):
        assert np.array_equal(getattr(robot.model, field), getattr(m, field)), field
    for _ in range(500):
        mujoco.mj_step(m, d)
    robot.step(500)
    assert robot.time == pytest.approx(1.0)
    np.testing.assert_allclose(robot.data.qpos, d.qpos, atol=1e-9)
    sample = robot.measure()  # no noise configured: the measurement is the truth
    assert sample.stamp == robot.time
    np.testing.assert_array_equal(sample.position, robot.true_joint_state().position)


def test_offsets_are_applied_exactly_as_the_truth_file_says(robot_model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    robot = EmulatedRobot(
        EmulatorConfig(seed=11, hidden=HIDDEN, truth_file=tmp_path / "t" / "truth.json"), robot=robot_model
    )
    path = robot.write_truth()
    assert path == tmp_path / "t" / "truth.json"
    truth = Truth.read(path)
    assert truth == robot.truth()
    m, names = _nominal(robot_model)
    assert set(truth.joints) == set(JOINT_NAMES)
    for j, jt in truth.joints.items():
        dof, act = names.qvel_adr[j], names.actuator[j]
        assert robot.model.dof_frictionloss[dof] == jt.friction
        assert robot.model.dof_damping[dof] == jt.damping
        assert robot.model.dof_armature[dof] == jt.armature
        assert (jt.friction_nominal, jt.damping_nominal, jt.armature_nominal) == (
            m.dof_frictionloss[dof],
            m.dof_damping[dof],
            m.dof_armature[dof],
        )
        assert jt.friction >= 0.0
        assert jt.stiffness == pytest.approx(m.actuator_gainprm[act, 0] * jt.strength_scale)
        assert robot.model.actuator_gainprm[act, 0] == jt.stiffness
        assert robot.model.actuator_biasprm[act, 1] == pytest.approx(-jt.stiffness)
        assert -robot.model.actuator_biasprm[act, 2] == pytest.approx(jt.servo_damping)
        assert jt.servo_damping == pytest.approx(m.actuator_gainprm[act, 0] / 20 * jt.strength_scale)
        assert jt.force_limit == pytest.approx(m.actuator_forcerange[act, 1] * jt.strength_scale)
        assert 0.9 <= jt.strength_scale <= 1.05 or j == "left_knee"
    knee = truth.joints["left_knee"]
    assert knee.strength_scale == 0.85  # explicit values replace the draw: offsets and scales alike
    assert knee.friction_offset == pytest.approx(0.6) and knee.friction == knee.friction_nominal + 0.6
    assert truth.joints["neck_yaw"].damping == pytest.approx(truth.joints["neck_yaw"].damping_nominal + 0.05)
    offsets = np.array([jt.friction_offset for jt in truth.joints.values()])
    assert len(set(offsets.round(9))) > 20  # drawn per joint, not one value for all
    assert truth.links["torso"].mass_scale == 1.1
    for link, lt in truth.links.items():
        b = names.body[link]
        assert lt.mass_nominal == m.body_mass[b] and robot.model.body_mass[b] == lt.mass
        assert lt.mass == pytest.approx(lt.mass_nominal * lt.mass_scale)
        np.testing.assert_allclose(robot.model.body_inertia[b], m.body_inertia[b] * lt.mass_scale)
        np.testing.assert_array_equal(robot.model.body_ipos[b], m.body_ipos[b])
    total = sum(lt.mass for lt in truth.links.values())
    assert robot.model.body_subtreemass[names.body["base_link"]] == pytest.approx(total)


def test_the_seed_decides_everything(robot_model) -> None:  # type: ignore[no-untyped-def]
    noise = SensorNoise(position=0.001, velocity=0.01, effort=0.1)
    a, b, c = (
        EmulatedRobot(EmulatorConfig(seed=s, hidden=HIDDEN, noise=noise), robot=robot_model)
        for s in (3, 3, 4)
    )
    assert a.truth() == b.truth() and a.truth() != c.truth()
    for r in (a, b, c):
        r.command(["left_elbow"], [-0.8])
    samples = {id(r): [] for r in (a, b, c)}  # type: ignore[var-annotated]
    for _ in range(50):
        for r in (a, b, c):
            r.step(2)
            samples[id(r)].append(r.measure())
    for sa, sb, sc in zip(samples[id(a)], samples[id(b)], samples[id(c)], strict=True):
        np.testing.assert_array_equal(sa.position, sb.position)
        np.testing.assert_array_equal(sa.effort, sb.effort)
        assert not np.array_equal(sa.position, sc.position)


def test_same_seed_same_parameters_whatever_the_noise(robot_model) -> None:  # type: ignore[no-untyped-def]
    a = EmulatedRobot(EmulatorConfig(seed=9, hidden=HIDDEN), robot=robot_model)
    b = EmulatedRobot(
        EmulatorConfig(seed=9, hidden=HIDDEN, noise=SensorNoise(0.1, 0.1, 0.1)), robot=robot_model
    )
    assert a.truth().joints == b.truth().joints and a.truth().links == b.truth().links


def test_sensor_noise_has_the_configured_spread(robot_model) -> None:  # type: ignore[no-untyped-def]
    robot = EmulatedRobot(EmulatorConfig(noise=SensorNoise(0.002, 0.05, 0.5)), robot=robot_model)
    true = robot.true_joint_state()
    errors = np.array([robot.measure().position - true.position for _ in range(400)])
    vel = np.array([robot.measure().velocity - true.velocity for _ in range(400)])  # type: ignore[operator]
    assert abs(errors.mean()) < 2e-4 and errors.std() == pytest.approx(0.002, rel=0.05)
    assert vel.std() == pytest.approx(0.05, rel=0.05)


def test_stands_ten_seconds_nominal_and_with_offsets(robot_model) -> None:  # type: ignore[no-untyped-def]
    for config in (EmulatorConfig(), EmulatorConfig(seed=2, hidden=HIDDEN)):
        robot = EmulatedRobot(config, robot=robot_model)
        h0, _ = _trunk_height_and_tilt(robot)
        feet0 = np.array([robot.data.site_xpos[robot.names.site[f]] for f in FEET])
        worst_tilt, heights = 0.0, []
        for _ in range(100):
            robot.step(50)
            h, tilt = _trunk_height_and_tilt(robot)
            heights.append(h)
            worst_tilt = max(worst_tilt, tilt)
        assert robot.time == pytest.approx(10.0)
        assert worst_tilt < 10.0
        assert h0 - 0.04 < min(heights) and max(heights) < h0 + 0.01
        assert abs(heights[-1] - heights[-10]) < 2e-3
        feet = np.array([robot.data.site_xpos[robot.names.site[f]] for f in FEET])
        assert np.abs(feet - feet0)[:, :2].max() < 0.01


def test_commands_move_the_named_joint_and_the_others_hold(robot_model) -> None:  # type: ignore[no-untyped-def]
    robot = EmulatedRobot(EmulatorConfig(), robot=robot_model)
    rejected = robot.command(["left_elbow", "no_such_joint", "right_elbow"], [-1.2, 0.3, float("nan")])
    assert rejected == ("no_such_joint", "right_elbow")
    assert robot.targets["left_elbow"] == -1.2 and robot.targets["right_elbow"] == NOMINAL_POSE["right_elbow"]
    robot.advance_to(1.0)
    q = dict(zip(robot.joint_names, robot.measure().position, strict=True))
    assert q["left_elbow"] == pytest.approx(-1.2, abs=0.03)
    assert q["right_elbow"] == pytest.approx(NOMINAL_POSE["right_elbow"], abs=0.03)
    with pytest.raises(ValueError, match="2 names and 1 positions"):
        robot.command(["left_elbow", "right_elbow"], [0.0])


def test_friction_growth_is_in_the_model_when_it_should_be(robot_model) -> None:  # type: ignore[no-untyped-def]
    fault = Fault("friction_growth", "right_knee", start=0.4, magnitude=0.8, ramp=0.4)
    robot = EmulatedRobot(EmulatorConfig(faults=(fault,)), robot=robot_model)
    dof = robot.names.qvel_adr["right_knee"]
    truth = robot.truth()
    base = truth.joints["right_knee"].friction
    seen = {}
    for t in (0.2, 0.4, 0.6, 0.8, 1.2):
        robot.advance_to(t)
        seen[t] = robot.model.dof_frictionloss[dof]
        # the value in the model is the one used by the last step, which started one step before t
        assert seen[t] == pytest.approx(truth.friction_at("right_knee", robot.time - robot.config.timestep))
    assert seen[0.2] == base and seen[1.2] == pytest.approx(base + 0.8)
    assert seen[0.6] == pytest.approx(base + 0.4 - 0.8 * 0.002 / 0.4, abs=1e-9)
    others = [robot.names.qvel_adr[j] for j in JOINT_NAMES if j != "right_knee"]
    assert np.array_equal(
        robot.model.dof_frictionloss[others],
        [truth.joints[j].friction for j in JOINT_NAMES if j != "right_knee"],
    )
    robot.reset()
    assert robot.model.dof_frictionloss[dof] == base and robot.time == 0.0


def test_encoder_bias_shifts_the_measurement_only(robot_model) -> None:  # type: ignore[no-untyped-def]
    bias = Fault("encoder_bias", "left_ankle_pitch", start=0.5, magnitude=0.02)
    faulty = EmulatedRobot(EmulatorConfig(faults=(bias,)), robot=robot_model)
    clean = EmulatedRobot(EmulatorConfig(), robot=robot_model)
    i = faulty.joint_names.index("left_ankle_pitch")
    for t, expected in ((0.3, 0.0), (0.7, 0.02)):
        faulty.advance_to(t)
        clean.advance_to(t)
        np.testing.assert_array_equal(faulty.data.qpos, clean.data.qpos)  # physics untouched
        diff = faulty.measure().position - faulty.true_joint_state().position
        assert diff[i] == pytest.approx(expected) and np.count_nonzero(diff) == (1 if expected else 0)
        assert faulty.truth().encoder_bias_at("left_ankle_pitch", t) == expected


def test_motor_weakening_scales_the_gains_and_weakens_the_joint(robot_model) -> None:  # type: ignore[no-untyped-def]
    weak = Fault("motor_weakening", "left_knee", start=0.5, magnitude=0.6, ramp=0.5, duration=2.0)
    faulty = EmulatedRobot(EmulatorConfig(faults=(weak,)), robot=robot_model)
    clean = EmulatedRobot(EmulatorConfig(), robot=robot_model)
    a = faulty.names.actuator["left_knee"]
    kp, kv = clean.model.actuator_gainprm[a, 0], -clean.model.actuator_biasprm[a, 2]
    limit = clean.model.actuator_forcerange[a, 1]
    for t, strength in ((0.4, 1.0), (1.5, 0.4), (3.0, 1.0)):
        faulty.advance_to(t)
        clean.advance_to(t)
        s_model = faulty.truth().strength_at("left_knee", faulty.time - faulty.config.timestep)
        assert s_model == pytest.approx(strength)
        assert faulty.model.actuator_gainprm[a, 0] == pytest.approx(kp * strength)
        assert faulty.model.actuator_biasprm[a, 1] == pytest.approx(-kp * strength)
        assert -faulty.model.actuator_biasprm[a, 2] == pytest.approx(kv * strength)
        assert faulty.model.actuator_forcerange[a, 1] == pytest.approx(limit * strength)
        if t == 1.5:  # the weak knee sags further from its target under the body's weight
            i = faulty.joint_names.index("left_knee")
            err_weak = abs(faulty.true_joint_state().position[i] - NOMINAL_POSE["left_knee"])
            err_clean = abs(clean.true_joint_state().position[i] - NOMINAL_POSE["left_knee"])
            assert err_weak > 2.0 * err_clean
    others = [clean.names.actuator[j] for j in JOINT_NAMES if j != "left_knee"]
    assert np.array_equal(faulty.model.actuator_gainprm[others], clean.model.actuator_gainprm[others])


@pytest.mark.parametrize(
    ("config", "match"),
    [
        (EmulatorConfig(hidden=HiddenParameters(joints={"left_kne": {"friction": 0.1}})), "names 'left_kne'"),
        (
            EmulatorConfig(hidden=HiddenParameters(links={"left_foot": {"mass_scale": 2.0}})),
            "'left_foot', not a link",
        ),
        (
            EmulatorConfig(faults=(Fault("encoder_bias", "wrist", 0.0, 0.1),)),
            "joint 'wrist', not an actuated",
        ),
    ],
)
def test_names_are_checked_against_the_robot(robot_model, config: EmulatorConfig, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=match):
        EmulatedRobot(config, robot=robot_model)


def test_truth_file_errors_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="truth format None"):
        Truth.read(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="cannot read the truth file"):
        Truth.read(tmp_path / "missing.json")
    assert dataclasses.is_dataclass(Truth)


def test_another_robot_starts_in_its_limits_on_the_floor(robot_model) -> None:  # type: ignore[no-untyped-def]
    """A robot with other joint names and no left_foot/right_foot frames (as a G1, which
    `humanoid-twin emulate --session-config` emulates) starts at its zero pose moved into its limits,
    upright with its lowest collider just above the floor, and stands there; it needed an explicit
    pose and base height (the default pose named the humanoid's joints)."""
    renamed = {"left_foot": "l_sole", "right_foot": "r_sole"}
    other = robot_model.replace(
        links=tuple(dataclasses.replace(lk, name=renamed.get(lk.name, lk.name)) for lk in robot_model.links),
        joints=tuple(
            dataclasses.replace(
                j,
                name=f"j_{j.name}" if j.type.is_actuated_1dof else j.name,
                child=renamed.get(j.child, j.child),
            )
            for j in robot_model.joints
        ),
    )
    robot = EmulatedRobot(EmulatorConfig(), robot=other)
    limits = {j.name: (j.lower, j.upper) for j in other.actuated_joints}
    assert set(robot.pose) == set(limits)
    for name, q in robot.pose.items():
        lower, upper = limits[name]
        assert q == min(max(0.0, lower if lower is not None else q), upper if upper is not None else q)
    start = robot.base_state()
    assert start.quat == (1.0, 0.0, 0.0, 0.0)
    robot.advance_to(1.0)
    end = robot.base_state()
    assert abs(end.position[2] - start.position[2]) < 0.01  # neither dropped nor pushed out of the floor
    assert end.quat[0] > math.cos(math.radians(2.0) / 2)  # upright within 2°
