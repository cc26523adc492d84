"""What-if scenarios: file validation, batch = one by one, measures on constructed cases, reach, report."""

from __future__ import annotations

import dataclasses
import importlib.util
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.errors import ConfigError
from humanoid_twin.robots.humanoid import STANDING_OPTIONS, STANDING_TIMESTEP, load_humanoid
from humanoid_twin.scenarios import load_scenario, parse_scenario, run_scenario

DATA = Path(__file__).resolve().parents[2] / "exts" / "humanoid_twin" / "data" / "scenarios"
HAS_WALK = importlib.util.find_spec("placo") is not None
HAS_MINK = importlib.util.find_spec("mink") is not None


@pytest.fixture(scope="module")
def robot():  # type: ignore[no-untyped-def]
    return load_humanoid()


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


STAND = """
[scenario]
name = "stand"
kind = "stand"
duration = {duration}
"""


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "[scenario]\nname='x'\ncolour=1\n",
            r"unknown key 'colour' in \[scenario\]; valid keys: name, question, kind",
        ),
        ("[scenario]\nname='x'\n[wheels]\n", r"unknown table 'wheels'; valid tables: scenario"),
        ("colour = 'red'\n[scenario]\nname='x'\n", r"unknown key outside any table 'colour'; valid tables"),
        (
            "[scenario]\nname='x'\nkind='fly'\n",
            r"kind = 'fly' is not one of 'stand' \| 'walk' \| 'reach'",
        ),
        ("[scenario]\nname='x'\nduration=-1\n", r"duration = -1.0 must be a finite number > 0"),
        ("[scenario]\nname='x'\n[[variants]]\nname='a'\nlatency=-0.1\n", r"latency = -0.1 must be"),
        (
            "[scenario]\nname='x'\n[[variants]]\nname='a'\nspeed_scale=1.2\n",
            r"speed_scale needs kind = 'walk'",
        ),
        (
            "[scenario]\nname='x'\n[[variants]]\nname='a'\nbogus=1\n",
            r"unknown key 'bogus' in \[variants.a\]; valid keys: speed_scale",
        ),
        (
            "[scenario]\nname='x'\n[[variants]]\nname='a'\npushes=[{link='torso', force=[1,2], time=0}]\n",
            r"force = \[1.0, 2.0\] must have 3 numbers",
        ),
        ("[scenario]\nname='x'\nkind='reach'\n", r"kind = 'reach' needs a \[reach\] table"),
        ("[scenario]\nname='x'\n[grid]\nspeed=[1,2]\n", r"unknown key 'speed' in \[grid\]"),
        ("[scenario]\nname='x'\n[fork]\norigin='recording'\n", r"needs recording = '<file.mcap>' and time"),
        (
            "[scenario]\nname='x'\n[[variants]]\nname='a'\npatches=[{step=2, friction=0.1}]\n",
            r"0 stair steps",
        ),
        # impossible values: refused before anything runs (they ran, or ran out of memory, before)
        ("[scenario]\nname='x'\n[[variants]]\nname='baseline'\n", r"a variant is named 'baseline'"),
        (
            "[scenario]\nname='x'\n[grid]\n'latency.x'=[1]\n",
            r"\[grid latency.x=1\] latency = \{'x': 1\} has the wrong type",
        ),
        ("[scenario]\nname='x'\nduration=nan\n", r"\[scenario\] duration = nan must be a finite number$"),
        ("[scenario]\nname='x'\nduration=true\n", r"duration = true has the wrong type; expected number$"),
        (
            "[scenario]\nname='x'\n[[variants]]\nname='v'\npayload={torso=inf}\n",
            r"torso = inf must be a finite",
        ),
        ("[scenario]\nname='x'\ntimestep=0.5\n", r"timestep = 0.5 \[s\] must be within 0.0001–0.01 s"),
        ("[scenario]\nname='x'\nduration=1e9\n", r"give at most 600 s per rollout"),
        ("[scenario]\nname='x'\n[terrain.stairs]\ncount=100000000\n", r"count = 100000000 must be 1–50"),
        (
            "[scenario]\nname='x'\n[[variants]]\nname='a'\nmotor_strength={'*'=0.0}\n",
            r"must be a finite number > 0",
        ),
        (
            "[scenario]\nname='x'\nduration=1\n[[variants]]\nname='a'\n"
            "pushes=[{link='torso', force=[1,0,0], time=50}]\n",
            r"a push at 50 s comes after the rollout ends \(1 s\)",
        ),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        load_scenario(_write(tmp_path, text))
    assert "\n" not in str(info.value)
    assert str(tmp_path / "s.toml") in str(info.value)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ("motor_strength = { left_kneee = 0.5 }", r"unknown joint 'left_kneee'; valid: \*, left_hip_yaw"),
        ("payload = { hand = 1.0 }", r"unknown link 'hand'; valid: base_link"),
        ("friction = { left_sole = 0.1 }", r"unknown link 'left_sole'; valid: ground, base_link"),
        ("pushes = [{ link = 'chest', force = [1, 0, 0], time = 0.05 }]", r"unknown link 'chest'"),
    ],
)
def test_unknown_names_fail_before_anything_is_written(tmp_path: Path, change: str, match: str) -> None:
    path = _write(tmp_path, STAND.format(duration=0.1) + f"[[variants]]\nname = 'v'\n{change}\n")
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=match) as info:
        run_scenario(path, out_dir=out)
    assert "\n" not in str(info.value)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_output_folder_must_be_new_or_empty(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("keep")
    with pytest.raises(ConfigError, match="exists and is not empty"):
        run_scenario(_write(tmp_path, STAND.format(duration=0.1)), out_dir=tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["x"]


def test_a_payload_the_robot_could_not_carry_is_refused(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "[scenario]\nname='x'\n[[variants]]\nname='a'\npayload={torso=1e12}\n")
    with pytest.raises(ConfigError, match=r"payload.torso = 1e\+12 kg is more than twice the robot's"):
        load_scenario(path, robot)


def test_bad_source_is_a_one_line_error(tmp_path: Path) -> None:
    path = _write(tmp_path, STAND.format(duration=0.1))
    with pytest.raises(ConfigError, match="no such recording"):
        run_scenario(path, source=str(tmp_path / "missing.mcap@1.0"))
    with pytest.raises(ConfigError, match="needs the running twin"):
        run_scenario(path, source="live")


def test_fork_before_the_first_joint_state_names_when_it_comes(tmp_path: Path) -> None:
    """T counts from the recording's first message (any topic); a fork before the first joint state
    says when that one comes."""
    pytest.importorskip("rclpy", reason="needs the [ros] extra")
    from humanoid_twin.robots.humanoid import JOINT_NAMES
    from humanoid_twin.ros.convert import joint_state_to_msg
    from humanoid_twin.ros.record import McapRecorder
    from humanoid_twin.twin import JointState

    rec_path = tmp_path / "late.mcap"
    names = tuple(JOINT_NAMES)
    with McapRecorder(rec_path) as rec:
        rec.add_topic("/other", "sensor_msgs/msg/JointState")
        rec.add_topic("/joint_states", "sensor_msgs/msg/JointState")
        rec.write_message("/other", joint_state_to_msg(JointState(0.0, ("a",), np.zeros(1))), 0)
        for i in range(20):
            t = 2.0 + 0.01 * i
            msg = joint_state_to_msg(JointState(t, names, np.zeros(len(names))))
            rec.write_message("/joint_states", msg, round(t * 1e9))
    path = _write(tmp_path, STAND.format(duration=0.1))
    with pytest.raises(ConfigError, match=r"no joint state before 1 s .*\(the first is at 2.00 s"):
        run_scenario(path, source=f"{rec_path}@1")


def test_fork_from_states_the_twin_rejects_and_from_a_session_s_topic(tmp_path: Path) -> None:
    """Joint states that do not fit the robot are named as such (not "pick a later time"), and a
    recording on another topic is found through the session's [topics]."""
    pytest.importorskip("rclpy", reason="needs the [ros] extra")
    from humanoid_twin.robots.humanoid import JOINT_NAMES
    from humanoid_twin.ros.config import BridgeConfig
    from humanoid_twin.ros.convert import joint_state_to_msg
    from humanoid_twin.ros.record import McapRecorder
    from humanoid_twin.twin import JointState, TwinConfig

    def record(path: Path, topic: str, names: tuple[str, ...], stamped: bool = True) -> Path:
        with McapRecorder(path) as rec:
            rec.add_topic(topic, "sensor_msgs/msg/JointState")
            for i in range(20):
                stamp = 0.01 * i if stamped else 0.0
                msg = joint_state_to_msg(JointState(stamp, names, np.zeros(len(names))))
                rec.write_message(topic, msg, round(0.01 * i * 1e9))
        return path

    scenario = _write(tmp_path, STAND.format(duration=0.1))
    renamed = record(tmp_path / "renamed.mcap", "/joint_states", ("elbow_x", *JOINT_NAMES[1:]))
    with pytest.raises(
        ConfigError,
        match=r"cannot fork: .*rejected all 11 joint states \(unknown_name 11\): they name joints robot "
        r"'humanoid' has not \(elbow_x\)",
    ):
        run_scenario(scenario, source=f"{renamed}@0.1")
    # the session's [twin] is the twin the recording is replayed into
    ignoring = TwinConfig(ignore_unknown_joints=True)
    assert run_scenario(scenario, source=f"{renamed}@0.1", twin_config=ignoring).source == f"{renamed}@0.1"
    moved = record(tmp_path / "moved.mcap", "/robot/joint_states", tuple(JOINT_NAMES))
    with pytest.raises(
        ConfigError, match=r"cannot fork: .*moved.mcap: no messages on 'joint_states'.*in the session TOML"
    ):
        run_scenario(scenario, source=f"{moved}@0.1")
    topics = BridgeConfig().with_overrides(topics={"joint_states": "/robot/joint_states"})
    result = run_scenario(scenario, source=f"{moved}@0.1", topics=topics)
    assert result.source == f"{moved}@0.1"
    # only the twin's own predictions recorded: no robot state to fork from, and not "use those"
    predicted = record(tmp_path / "predicted.mcap", "/twin/predicted_joint_states", tuple(JOINT_NAMES))
    with pytest.raises(ConfigError, match=r"no robot joint states in the recording \(topics: "):
        run_scenario(scenario, source=f"{predicted}@0.1")
    zeroed = record(tmp_path / "zeroed.mcap", "/joint_states", tuple(JOINT_NAMES), stamped=False)
    with pytest.raises(ConfigError, match=r"cannot fork at 0.1 s: the twin accepted only 1 of the 11"):
        run_scenario(scenario, source=f"{zeroed}@0.1")  # it would fork from the first state


def test_output_folder_parents_are_made_and_a_file_in_the_way_is_named(tmp_path: Path) -> None:
    from humanoid_twin.scenarios._report import check_out_dir

    assert check_out_dir(tmp_path / "a" / "b" / "out") == tmp_path / "a" / "b" / "out"
    assert not (tmp_path / "a").exists()  # made only when the report is written
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match=r"'f'|f' is a file"):
        check_out_dir(tmp_path / "f" / "out")
    with pytest.raises(ConfigError, match="is a file; choose another --out"):
        check_out_dir(tmp_path / "f")


def test_grid_expands_to_the_product() -> None:
    cfg = parse_scenario(
        {
            "scenario": {"name": "g", "kind": "walk"},
            "grid": {"speed_scale": [1.0, 1.2], "motor_strength.*": [1.0, 0.8, 0.6]},
        }
    )
    assert len(cfg.variants) == 6
    assert cfg.variants[-1].name == "speed_scale=1.2, motor_strength.*=0.6"
    assert cfg.variants[-1].changes.motor_strength == (("*", 0.6),)


def test_ready_scenarios_validate(robot) -> None:  # type: ignore[no-untyped-def]
    names = sorted(p.name for p in DATA.glob("*.toml"))
    assert names == ["shelf_reach.toml", "stairs_slip.toml", "walk_faster.toml"]
    for p in DATA.glob("*.toml"):
        cfg = load_scenario(p, robot)
        assert cfg.info.question.endswith("?")
        assert cfg.variants


# ---------------------------------------------------------------- batch and measures

PUSHES = (
    STAND.format(duration=1.5)
    + """
[[variants]]
name = "hard push"
pushes = [{ link = "torso", force = [700.0, 0.0, 0.0], time = 0.3, duration = 0.2 }]

[[variants]]
name = "weak, loaded, late"
motor_strength = { "*" = 0.7 }
payload = { right_hand = 3.0 }
latency = 0.02
friction = { left_foot = 0.3 }
joint_friction = { left_knee = 2.0 }
"""
)


def test_hard_push_falls_and_baseline_stands(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    r = run_scenario(_write(tmp_path, PUSHES), robot=robot)
    base, push, weak = r.all
    assert not base.fell and base.min_support_margin > 0.03
    # the margin starts with the first simulated sample: the fork's own (placed) state is not measured
    margins = np.asarray(base.series.support_margin)
    assert np.isnan(margins[0]) and base.min_support_margin == np.nanmin(margins[1:])
    assert push.fell and push.fall_time is not None and 0.3 < push.fall_time < 1.5
    assert push.distance > base.distance + 0.1
    assert push.energy > 3 * base.energy  # counted up to the fall, as every measure
    assert push.series.times[-1] == pytest.approx(push.fall_time) and base.series.times[-1] == pytest.approx(
        1.5
    )
    assert weak.peak_torque_ratio <= 0.7 + 1e-9  # the weakened motors saturate at 70 % of the limit
    assert base.changes == {} and "latency" in weak.changes
    assert r.rows()[1]["fell"].startswith("yes at")


def test_limits_checked_against_the_rollout_s_real_length(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """Without [scenario] duration a stand lasts 3 s: a push at 5 s is refused, not silently dropped;
    a walk whose steps would take over 600 s is refused before it is planned."""
    late = '[scenario]\nname = "s"\nkind = "stand"\n[[variants]]\nname = "late"\n'
    late += 'pushes = [{ link = "torso", force = [100.0, 0.0, 0.0], time = 5.0 }]\n'
    with pytest.raises(ConfigError, match=r"a push at 5 s comes after the rollout ends \(3 s\)"):
        run_scenario(_write(tmp_path, late), robot=robot)
    slow = '[scenario]\nname = "w"\nkind = "walk"\n[walk]\nsingle_support = 100.0\n'
    with pytest.raises(ConfigError, match=r"this walk would take about \d+ s .*at most 600 s"):
        run_scenario(_write(tmp_path, slow, "w.toml"), robot=robot)


def test_the_table_shows_the_scenario_s_columns_and_why_it_fell(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    text = STAND.format(duration=1.5) + '[measures]\nreport = ["fall"]\n'
    text += '[[variants]]\nname = "hard push"\n'
    text += 'pushes = [{ link = "torso", force = [700.0, 0.0, 0.0], time = 0.3, duration = 0.2 }]\n'
    r = run_scenario(_write(tmp_path, text), robot=robot)
    assert list(r.rows()[0]) == ["variant", "fell", "distance [m]"]
    push = r.variants[0]
    assert push.fell and push.fall_reason is not None
    assert push.fall_reason in r.rows()[1]["fell"] and push.fall_reason in r.answer()
    assert r.baseline.fall_reason is None and r.warning is None


def test_a_baseline_that_falls_is_said_to(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """Terrain under the robot's feet: the baseline falls at once, and the result says why and that
    nothing is answered by comparing with it."""
    text = STAND.format(duration=0.5) + "[terrain.stairs]\ncount = 2\nstart = 0.0\n"
    r = run_scenario(_write(tmp_path, text), robot=robot, out_dir=tmp_path / "out")
    assert r.baseline.fell and r.warning is not None
    assert r.warning.startswith("the baseline itself fell at 0.00 s (") and "touched the ground" in r.warning
    assert "Warning:" in (tmp_path / "out" / "report.html").read_text()


def test_latency_delays_the_fork_s_targets_not_zeros(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """A delayed actuator has been acting on the fork's targets: standing still with 0.3 s of latency
    is standing still (its history buffer started at zero targets and drove the joints to 0)."""
    text = STAND.format(duration=1.0) + '[[variants]]\nname = "late"\nlatency = 0.3\n'
    base, late = run_scenario(_write(tmp_path, text), robot=robot).all
    assert late.limit_hits == 0 and not late.fell
    assert late.peak_torque_ratio == pytest.approx(base.peak_torque_ratio, abs=0.02)
    assert late.energy == pytest.approx(base.energy, rel=0.1, abs=0.5)


def test_ground_friction_is_the_floor_s(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """`friction = { ground = μ }` sets the floor's friction whatever the robot's colliders have
    (MuJoCo takes the larger of two equal-priority frictions: 0.05 changed nothing before)."""
    push = 'pushes = [{ link = "torso", force = [0.0, 120.0, 0.0], time = 0.2, duration = 0.3 }]\n'
    text = STAND.format(duration=1.0) + f'[[variants]]\nname = "push"\n{push}'
    text += f'[[variants]]\nname = "push on ice"\n{push}friction = {{ ground = 0.05 }}\n'
    _, dry, ice = run_scenario(_write(tmp_path, text), robot=robot).all
    assert ice.slip > dry.slip + 0.01


def test_batch_equals_variants_one_by_one(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    cfg = load_scenario(_write(tmp_path, PUSHES.replace("latency = 0.02\n", "")))
    batch = run_scenario(cfg, robot=robot, nthread=2)
    for v in cfg.variants:
        alone = run_scenario(dataclasses.replace(cfg, variants=(v,)), robot=robot, nthread=0).variants[0]
        got = next(x for x in batch.variants if x.name == v.name)
        assert got.energy == alone.energy
        assert got.torque_ratio == alone.torque_ratio
        np.testing.assert_array_equal(got.series.base_xy, alone.series.base_xy)


def test_torque_ratio_matches_actuator_forces(robot) -> None:  # type: ignore[no-untyped-def]
    import mujoco

    from humanoid_twin.physics.mujoco import MujocoNames, build_model
    from humanoid_twin.scenarios._config import Changes, MeasuresConfig, TerrainConfig
    from humanoid_twin.scenarios._fork import nominal_state
    from humanoid_twin.scenarios._measures import measure
    from humanoid_twin.scenarios._sim import build_variant, initial_state, run_batch

    dt = STANDING_TIMESTEP
    nominal = build_model(robot, STANDING_OPTIONS, timestep=dt)
    names = MujocoNames.of(robot, nominal, STANDING_OPTIONS)
    vm = build_variant(
        robot,
        STANDING_OPTIONS,
        dt,
        TerrainConfig(),
        Changes(),
        nominal=nominal,
        nominal_names=names,
        feet=("left_foot", "right_foot"),
    )
    state = nominal_state(robot, STANDING_OPTIONS, dt)
    init = initial_state(vm, state)
    m = vm.mj_model
    n = 100
    ctrl = np.zeros((n, m.nu + 6 * m.nbody))
    target = np.asarray(state.q) + 0.3  # a step in every target: large torques
    ctrl[:, vm.act] = target
    (batch,) = run_batch([vm], [init], [ctrl], nthread=0)
    meas = measure(robot, vm, init, batch, MeasuresConfig(), 0.01)
    # the same steps with mj_step, reading MjData.actuator_force
    d = mujoco.MjData(m)
    mujoco.mj_setState(m, d, init, mujoco.mjtState.mjSTATE_FULLPHYSICS)
    forces = []
    for k in range(n):
        d.ctrl[:] = ctrl[k, : m.nu]
        mujoco.mj_step(m, d)
        forces.append(np.array(d.actuator_force))
    peak = np.abs(np.array(forces)).max(axis=0)
    for i, name in enumerate(vm.joint_names):
        limit = robot.joint(name).limit.effort
        assert meas.torque_ratio[name] == pytest.approx(peak[vm.act[i]] / limit, rel=1e-9)
    assert max(meas.torque_ratio.values()) == pytest.approx(1.0)  # saturated at the effort limit


# ---------------------------------------------------------------- reach


REACH = """
[scenario]
name = "reach"
kind = "reach"

[reach]
target = [0.45, -0.2, 1.15]
shelf = {{ center = [0.65, -0.2, 0.55], size = [0.4, 0.6, 1.1] }}
verify = 1.0

[[variants]]
name = "too far"
target = [{far}, -0.2, 1.15]
"""


@pytest.mark.skipif(not HAS_MINK, reason="mink (the [scenarios] extra) is not installed")
def test_shelf_reachable_and_unreachable(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    r = run_scenario(_write(tmp_path, REACH.format(far=1.6)), robot=robot, out_dir=tmp_path / "out")
    yes, no = r.baseline.reach, r.variants[0].reach
    assert yes is not None and no is not None
    assert yes.reachable and yes.distance_left <= 0.02 and yes.spare_reach > 0
    assert yes.com_margin >= 0.02 and yes.stood and yes.within_limits and yes.clearance >= 0.009
    for name, q in yes.posture.items():
        j = robot.joint(name)
        assert j.lower - 1e-6 <= q <= j.upper + 1e-6
    assert not r.baseline.fell and r.baseline.min_support_margin > 0
    assert not no.reachable and no.distance_left > 0.3 and no.spare_reach == 0
    assert "from the target" in no.reason
    # the report: one self-contained HTML page with the plots embedded
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(r.plots) == 3
    assert "too far" in html and "reachable" in html
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(not HAS_MINK, reason="mink (the [scenarios] extra) is not installed")
def test_a_low_target_bent_over_is_no_fall(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """The fall test measures the tilt from the start: a posture that bends the pelvis more than
    `fall_tilt` to reach low is where the robot starts, not a fall at 0 s."""
    text = (
        '[scenario]\nname = "low"\nkind = "reach"\n[reach]\nhand = "right_hand"\ntarget = [0.35, -0.2, 0.3]\n'
    )
    r = run_scenario(_write(tmp_path, text), robot=robot)
    assert r.baseline.reach is not None and r.baseline.reach.reachable, r.baseline.reach
    assert not r.baseline.fell


# ---------------------------------------------------------------- walking


@pytest.mark.skipif(not HAS_WALK, reason="placo (the [walk] extra) is not installed")
def test_walk_faster_walks_further_per_second(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    cfg = load_scenario(DATA / "walk_faster.toml")
    short = dataclasses.replace(
        cfg, walk=dataclasses.replace(cfg.walk, distance=1.0), variants=cfg.variants[:1]
    )
    r = run_scenario(short, robot=robot)
    base, fast = r.all
    assert not base.fell and not fast.fell
    assert base.distance > 0.4 and fast.distance > 0.4
    assert fast.duration == base.duration  # every variant runs as long as the longest
    assert fast.peak_velocity_ratio > base.peak_velocity_ratio


def test_yaml_and_byte_order_marks_get_a_hint(tmp_path: Path) -> None:
    yaml = _write(tmp_path, "scenario:\n  name: x\n", name="s.yaml")
    with pytest.raises(ConfigError, match=r"not valid TOML: .*; these files are TOML \(.yaml is not read\)"):
        load_scenario(yaml)
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf[scenario]\nname = 'x'\n")
    with pytest.raises(ConfigError, match="starts with a byte-order mark: save it as UTF-8 without BOM"):
        load_scenario(bom)


def test_nominal_state_of_another_robot_is_within_its_limits(tmp_path: Path) -> None:
    """A robot without a known standing pose starts at zeros moved into the limits (iCub's elbows
    start at 0.26 rad: at zero every what-if counted limit hits on them)."""
    from humanoid_twin.model import ImportOptions
    from humanoid_twin.scenarios._fork import nominal_state
    from humanoid_twin.urdf import read_urdf

    box = '<collision><geometry><box size="0.1 0.1 0.1"/></geometry></collision>'
    inertia = '<inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/>'
    inertial = f'<inertial><mass value="1"/>{inertia}</inertial>'
    urdf = _write(
        tmp_path,
        f'<robot name="arm"><link name="a">{inertial}{box}</link><link name="b">{inertial}{box}</link>'
        '<joint name="elbow" type="revolute"><parent link="a"/><child link="b"/><axis xyz="0 1 0"/>'
        '<origin xyz="0 0 0.3"/><limit lower="0.26" upper="2" effort="10" velocity="1"/></joint></robot>',
        name="arm.urdf",
    )
    state = nominal_state(read_urdf(urdf), ImportOptions(), 0.002)
    assert state.q.tolist() == [0.26] and state.targets is not None and state.targets.tolist() == [0.26]


def test_a_ready_scenario_on_another_robot_says_what_to_do(tmp_path: Path) -> None:
    """The ready scenarios name the humanoid's links: on another robot the error says so and keeps the
    list of valid names short (it listed all 214 iCub links, 3.7 kB on one line)."""
    from humanoid_twin.model import Joint, JointType, Link, RobotModel
    from humanoid_twin.scenarios._config import READY_DIR

    links = tuple(Link(f"link_{i}") for i in range(60))
    joints = tuple(Joint(f"j{i}", JointType.FIXED, "link_0", f"link_{i}") for i in range(1, 60))
    other = RobotModel("other", links, joints)
    with pytest.raises(ConfigError) as info:
        load_scenario(READY_DIR / "walk_faster.toml", other)
    text = str(info.value)
    assert (
        "a ready scenario, written for the bundled humanoid: copy it and put in the names of robot 'other'"
        in text
    )
    assert "link_39, … and 20 more (`humanoid-twin inspect` lists them)" in text and "link_45" not in text


def test_stand_uses_the_robot_s_drives(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """A stand scenario runs the robot with its own drives — the session's ``[robot.options]``, or the
    live twin's — not always the bundled humanoid's standing gains (a robot too soft to hold its pose
    was reported standing)."""
    from humanoid_twin.model import ImportOptions
    from humanoid_twin.robots.humanoid import NOMINAL_POSE
    from humanoid_twin.twin import DigitalTwin, JointState

    scenario = _write(tmp_path, STAND.format(duration=2.0))
    soft = ImportOptions(drive_stiffness=30.0, drive_damping=2.0, armature=0.05)
    assert not run_scenario(scenario, robot=robot).baseline.fell
    assert run_scenario(scenario, robot=robot, options=soft).baseline.fell
    names = tuple(NOMINAL_POSE)
    pose = np.array([NOMINAL_POSE[n] for n in names])
    for options, falls in ((STANDING_OPTIONS, False), (soft, True)):
        twin = DigitalTwin(robot, options=options)
        assert twin.options is not None and twin.options.drive_stiffness == options.drive_stiffness
        twin.update(JointState(1.0, names, pose, velocity=np.zeros(len(names))))
        assert run_scenario(scenario, source="live", twin=twin).baseline.fell is falls


def test_feet_named_by_sole_links_with_a_mass_of_their_own(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """A sole link with a mass (Talos' ``left_sole_link``, 10 g) is a MuJoCo body without colliders
    welded to the foot that has them: its contacts are the foot's (every stand of Talos 'fell at
    0.09 s', its feet's contacts counted as another body on the ground, and no support margin)."""
    from humanoid_twin.model import Inertial, Joint, JointType, Link, Pose

    tiny = Inertial(0.01, Pose(), (1e-6, 0.0, 0.0, 1e-6, 0.0, 1e-6))
    soles = tuple(Link(f"{side}_sole", tiny) for side in ("left", "right"))
    welds = tuple(
        Joint(f"{side}_sole_joint", JointType.FIXED, f"{side}_foot", f"{side}_sole")
        for side in ("left", "right")
    )
    with_soles = dataclasses.replace(robot, links=robot.links + soles, joints=robot.joints + welds)
    icy = '[[variants]]\nname = "icy soles"\nfriction = {{ left_{0} = 0.05, right_{0} = 0.05 }}\n'
    text = (
        STAND.format(duration=1.0) + '[measures]\nfeet = ["left_sole", "right_sole"]\n' + icy.format("sole")
    )
    result = run_scenario(_write(tmp_path, text), robot=with_soles)
    plain = run_scenario(
        _write(tmp_path, STAND.format(duration=1.0) + icy.format("foot_link"), "p.toml"), robot=robot
    )
    assert not result.baseline.fell and result.baseline.min_support_margin > 0.05
    for v, same in zip(result.all, plain.all, strict=True):
        assert (v.fell, v.fall_time) == (same.fell, same.fall_time)
        assert v.min_support_margin == pytest.approx(same.min_support_margin, abs=1e-3)
        assert v.slip == pytest.approx(same.slip, abs=1e-3)


def _with_mesh_feet(robot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The humanoid with its foot boxes (0.22 × 0.1 × 0.04 m) as collider meshes of the same box."""
    from humanoid_twin.model import Box, Collision, Mesh

    hx, hy, hz = 0.11, 0.05, 0.02
    corners = [(x, y, z) for x in (-hx, hx) for y in (-hy, hy) for z in (-hz, hz)]
    faces = [(1, 2, 4, 3), (5, 7, 8, 6), (1, 5, 6, 2), (3, 4, 8, 7), (1, 3, 7, 5), (2, 6, 8, 4)]
    obj = tmp_path / "foot.obj"
    obj.write_text(
        "".join(f"v {x} {y} {z}\n" for x, y, z in corners)
        + "".join(f"f {a} {b} {c}\nf {a} {c} {d}\n" for a, b, c, d in faces)
    )

    def meshed(c: Collision) -> Collision:
        if isinstance(c.geometry, Box):
            return dataclasses.replace(c, geometry=Mesh(uri=str(obj), path=obj))
        return c

    links = tuple(
        dataclasses.replace(lk, collisions=tuple(meshed(c) for c in lk.collisions))
        if lk.name.endswith("_foot_link")
        else lk
        for lk in robot.links
    )
    assert any(isinstance(c.geometry, Mesh) for lk in links for c in lk.collisions)
    return dataclasses.replace(robot, links=links)


@pytest.mark.skipif(not HAS_MINK, reason="mink (the [scenarios] extra) is not installed")
def test_reach_balance_uses_mesh_feet_s_vertices(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """Feet whose colliders are meshes (Talos') support the CoM over their whole sole, as box feet do:
    the reach's support polygon took a mesh's centre only, two points a line apart, and every Talos
    reach read 'no, 0.0 cm short (CoM margin -0.0 cm)'."""
    scenario = _write(tmp_path, REACH.format(far=1.6))
    boxes = run_scenario(scenario, robot=robot).baseline.reach
    meshes = run_scenario(scenario, robot=_with_mesh_feet(robot, tmp_path)).baseline.reach
    assert boxes is not None and meshes is not None
    assert meshes.reachable and meshes.com_margin == pytest.approx(boxes.com_margin, abs=5e-3)


_CMEEL_SHARE = Path(sysconfig.get_paths()["purelib"]) / "cmeel.prefix" / "share"
_TALOS = _CMEEL_SHARE / "example-robot-data" / "robots" / "talos_data" / "robots" / "talos_reduced.urdf"


@pytest.mark.skipif(not _TALOS.is_file(), reason="needs the example-robot-data package (PAL Talos URDF)")
def test_talos_stands_with_its_whole_soles_under_it(tmp_path: Path) -> None:
    """Talos (mesh feet, 10 g sole links) standing still: MuJoCo keeps 3 of a mesh foot's contacts with
    the floor, a different 3 from sample to sample, and the minimum support margin read -5.6 cm
    (+5.6 cm most of the time, about +10 cm over its whole soles). A touching collider's points as
    low as its contacts support it too."""
    from humanoid_twin.description import read_robot

    talos = read_robot(_TALOS, [_CMEEL_SHARE])
    feet = '[measures]\nfeet = ["left_sole_link", "right_sole_link"]\n'
    stand = run_scenario(
        _write(tmp_path, STAND.format(duration=2.0) + feet), robot=talos, options=STANDING_OPTIONS
    )
    assert not stand.baseline.fell
    assert 0.08 < stand.baseline.min_support_margin < 0.12


def test_a_scenario_without_feet_measures_the_session_s_soles(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """A file whose ``[measures]`` names no feet measures the robot's soles the session names (``[twin]
    feet``, ``run_scenario(feet=…)``, a live twin's): a Talos user had to name them twice, and the
    error for the default ``left_foot`` listed 40 of Talos' links, not its soles."""
    rename = {"left_foot": "left_sole", "right_foot": "right_sole"}
    links = tuple(dataclasses.replace(lk, name=rename.get(lk.name, lk.name)) for lk in robot.links)
    joints = tuple(dataclasses.replace(j, child=rename.get(j.child, j.child)) for j in robot.joints)
    soles = dataclasses.replace(robot, links=links, joints=joints)
    scenario = _write(tmp_path, STAND.format(duration=1.0))
    with pytest.raises(ConfigError, match=r"\[measures\] feet: unknown link 'left_foot'"):
        run_scenario(scenario, robot=soles)
    named = run_scenario(scenario, robot=soles, feet=("left_sole", "right_sole")).baseline
    plain = run_scenario(scenario, robot=robot).baseline
    assert not named.fell and named.min_support_margin == pytest.approx(plain.min_support_margin, abs=1e-6)
    explicit = _write(tmp_path, STAND.format(duration=1.0) + '[measures]\nfeet = ["left_foot"]\n', "e.toml")
    with pytest.raises(ConfigError, match="unknown link 'left_foot'"):  # the file's own feet win
        run_scenario(explicit, robot=soles, feet=("left_sole", "right_sole"))


def test_a_joint_resting_at_its_limit_from_the_fork_is_no_limit_hit(tmp_path: Path, robot) -> None:  # type: ignore[no-untyped-def]
    """Talos stands at its zero pose with straight knees, arms and grippers at their stops: every stand
    variant, the baseline too, read '8 limit hits' while nothing moved. A joint starting at its limit
    rests there; a hit is an entry into the band during the rollout."""
    from humanoid_twin.model import JointLimit

    def stop_at_nominal(j):  # type: ignore[no-untyped-def]
        if j.name.endswith("_elbow") and j.limit is not None:
            return dataclasses.replace(j, limit=dataclasses.replace(j.limit, upper=-0.3))
        return j

    stopped = dataclasses.replace(robot, joints=tuple(stop_at_nominal(j) for j in robot.joints))
    assert (
        isinstance(stopped.joint("left_elbow").limit, JointLimit)
        and stopped.joint("left_elbow").upper == -0.3
    )
    # a hand pushed forward bends the elbow off its stop, and it comes back: that is a hit
    text = STAND.format(duration=1.0) + '[[variants]]\nname = "pushed"\n'
    text += 'pushes = [{ link = "left_hand", force = [60.0, 0.0, 0.0], time = 0.2, duration = 0.2 }]\n'
    result = run_scenario(_write(tmp_path, text), robot=stopped)
    assert result.baseline.limit_hits == 0 and not result.baseline.fell
    assert result.variants[0].limit_hit_joints == ("left_elbow",)
