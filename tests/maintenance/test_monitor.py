"""The health monitor on the emulator, config errors, schedule writing, recordings."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from humanoid_twin.emulator import EmulatedRobot, typical_config
from humanoid_twin.errors import ConfigError
from humanoid_twin.maintenance import (
    HealthMonitor,
    MaintenanceError,
    load_maintenance_config,
    write_schedule,
)
from humanoid_twin.maintenance._exercise import exercise_targets, run_exercise
from humanoid_twin.maintenance._monitor import _Shadow
from humanoid_twin.maintenance._report import (
    NO_COMMANDS,
    NO_SAMPLES,
    NONE_MONITORED,
    REPORT_FILE,
    SCHEDULE_FILE,
    stream_warning,
)

FAULTY = "right_knee"
ONSET = 30.0  # after the baseline (5 s warm-up + 20 s)


@pytest.fixture(scope="module")
def faulty_run() -> tuple[HealthMonitor, EmulatedRobot]:
    friction = EmulatedRobot(typical_config(3)).truth().joints[FAULTY].friction
    fault = {"kind": "friction_growth", "joint": FAULTY, "start": ONSET, "magnitude": 0.2 * friction}
    robot = EmulatedRobot(typical_config(3, [fault]))
    monitor = HealthMonitor()
    run_exercise(robot, monitor, ONSET + 12.0)
    return monitor, robot


def test_friction_rise_detected_within_10_s_on_that_joint_only(
    faulty_run: tuple[HealthMonitor, EmulatedRobot],
) -> None:
    monitor, robot = faulty_run
    onset = robot.truth().faults[0].start
    assert monitor.alarmed_joints == (FAULTY,), monitor.alarms
    first = min(a.time for a in monitor.alarms)
    assert onset < first <= onset + 10.0
    a = monitor.alarms[0]
    # a 0.05 N·m step is ≈ 12 σ of one window: the Shewhart limit catches it before CUSUM accumulates
    assert a.friction > a.baseline and a.statistic == "shewhart"
    assert a.value > monitor.config.detection.z_limit
    assert {x.statistic for x in monitor.alarms} == {"shewhart", "cusum", "ewma"}
    # the estimated change is the true step (0.2 × friction) within 3 standard deviations
    i = monitor.joint_names.index(FAULTY)
    step = 0.2 * robot.truth().joints[FAULTY].friction
    assert abs((monitor._friction[i] - monitor._mu[i]) - step) < 3 * monitor._friction_std[i] + 0.005


def test_shewhart_limit_catches_a_small_step_cusum_is_slow_on() -> None:
    """right_wrist_pitch: a +20 % step is 0.022 N·m, ≈ 5 σ of one window. CUSUM (k 3, h 15) needs
    15 s for it; one window beyond ``z_limit`` (or the 8 s window) alarms within 10 s. With the
    Shewhart rule off, nothing alarms within 10 s."""
    from dataclasses import replace

    joint, seed, onset = "right_wrist_pitch", 124, 30.0
    friction = EmulatedRobot(typical_config(seed)).truth().joints[joint].friction
    fault = {"kind": "friction_growth", "joint": joint, "start": onset, "magnitude": 0.2 * friction}
    base = load_maintenance_config()
    off = replace(base, detection=replace(base.detection, z_limit=0.0))
    first = {}
    for name, cfg in (("on", base), ("off", off)):
        robot = EmulatedRobot(typical_config(seed, [fault]))
        monitor = HealthMonitor(config=cfg)
        run_exercise(robot, monitor, onset + 10.5)
        assert {a.joint for a in monitor.alarms} <= {joint}
        first[name] = min((a for a in monitor.alarms), key=lambda a: a.time, default=None)
    assert first["on"] is not None and first["on"].statistic == "shewhart"
    assert onset < first["on"].time <= onset + 10.0
    assert first["off"] is None


def test_cross_talk_in_the_leg_chain_is_not_alarmed(faulty_run: tuple[HealthMonitor, EmulatedRobot]) -> None:
    monitor, _ = faulty_run
    other = monitor.joint_names.index("left_knee")
    own = monitor.joint_names.index(FAULTY)
    # the other knee carries part of the extra friction (closed chain in double support) ...
    rise_other = monitor._friction[other] - monitor._mu[other]
    rise_own = monitor._friction[own] - monitor._mu[own]
    assert 0.2 * rise_own < rise_other < monitor.config.detection.isolation * rise_own
    # ... but is not alarmed (see test above: only the faulty joint alarms)
    assert not monitor._any_alarm()[other]


def test_every_joint_of_the_routine_is_monitored(faulty_run: tuple[HealthMonitor, EmulatedRobot]) -> None:
    monitor, _ = faulty_run
    report = monitor.report()
    assert all(j.monitored and j.note == "" for j in report.joints), [
        j.joint for j in report.joints if not j.monitored
    ]


def test_the_report_says_how_large_a_rise_each_joint_finds(
    faulty_run: tuple[HealthMonitor, EmulatedRobot],
) -> None:
    """The monitor's own sensitivity figure: the knee's 20 % step is above it (and was found); a neck
    joint's 20 % step (0.013 N·m, ≈ 3 σ of one window at 0.2 N·m effort noise) is below it."""
    monitor, robot = faulty_run
    report = monitor.report()
    assert report.detection_time == monitor.config.detection.long_window == 8.0
    truth = robot.truth().joints
    knee, neck = report.joint(FAULTY), report.joint("neck_yaw")
    assert knee.detectable_rise is not None and neck.detectable_rise is not None
    assert knee.friction_baseline is not None and neck.friction_baseline is not None
    assert knee.detectable_rise * knee.friction_baseline < 0.2 * truth[FAULTY].friction
    assert neck.detectable_rise * neck.friction_baseline > 0.2 * truth["neck_yaw"].friction
    # never below the rise an alarm needs anyway
    d = monitor.config.detection
    assert min(j.detectable_rise or 1.0 for j in report.joints) >= d.min_rise
    assert monitor.values()["maintenance.neck_yaw.detectable_rise"] == pytest.approx(neck.detectable_rise)
    assert "finds a rise ≥ (within 8 s)" in report.to_markdown()
    line = report.sensitivity
    assert line is not None and line.startswith("friction rises found within 8 s: +")
    assert "neck_yaw +" in line and "left_knee" not in line  # the necks need > 2× the median
    data = report.to_dict()
    assert data["detection_time"] == 8.0 and data["joints"][0]["detectable_rise"] > 0
    # without the Shewhart rule: CUSUM at z = k + 1 crosses h in h ticks after the window
    walk = load_maintenance_config().for_walking().detection
    assert walk.detection_time == walk.window + (walk.cusum_h + 1) / walk.rate  # g must exceed h = 15


def test_an_alarm_names_the_chain_joints_that_share_its_rise() -> None:
    """Both ankle pitches move together in the squat, so a step on one shows ≈ 80 % in the other and
    both alarm; each schedule item names the other joint to inspect too."""
    joint, other, seed, onset = "left_ankle_pitch", "right_ankle_pitch", 104, 30.0
    friction = EmulatedRobot(typical_config(seed)).truth().joints[joint].friction
    fault = {"kind": "friction_growth", "joint": joint, "start": onset, "magnitude": 0.2 * friction}
    monitor = HealthMonitor()
    run_exercise(EmulatedRobot(typical_config(seed, [fault])), monitor, onset + 10.0)
    report = monitor.report()
    assert report.schedule[0].joint == joint
    assert report.joint(joint).shares_with == (other,)
    assert f"{other} (+" in report.schedule[0].reason and "rose too" in report.schedule[0].reason
    assert "inspect it too" in report.schedule[0].reason
    # both ways: the other alarmed joint names the first, whichever rose more
    second = report.joint(other)
    if second.alarm:
        assert second.shares_with == (joint,)
    # a joint outside the leg chain, or without an alarm, names none
    assert report.joint("left_elbow").shares_with == ()


class _Nobody:
    def on_command(self, cmd: object) -> None: ...

    def on_joint_state(self, js: object) -> None: ...


def test_a_monitor_started_in_the_middle_of_the_squat_judges_every_joint() -> None:
    """Started 2.9 s into the routine (pelvis pitched ≈ 2°, legs moving), the shadow lands with its
    feet flat and follows the same closed leg chain as the robot: every joint judged, no model-error
    spread. (Started upright, the knees and ankle pitches spread by 0.035 N·m: not monitored.)"""
    robot = EmulatedRobot(typical_config(3))
    run_exercise(robot, _Nobody(), 2.9)
    monitor = HealthMonitor()
    run_exercise(robot, monitor, 26.0)  # past the baseline
    report = monitor.report()
    assert [j.joint for j in report.joints if not j.monitored] == []
    assert float(np.max(monitor._sigma_model)) < 0.01


def test_joints_that_do_not_move_are_reported_as_not_monitored() -> None:
    def neck_still(t: float) -> dict[str, float]:
        return {**exercise_targets(t), "neck_yaw": 0.0}

    monitor = HealthMonitor()
    run_exercise(EmulatedRobot(typical_config(3)), monitor, 26.0, motion=neck_still)  # past the baseline
    report = monitor.report()
    yaw = report.joint("neck_yaw")
    assert not yaw.monitored and yaw.friction is None and "not monitored" in yaw.note
    assert report.joint("neck_pitch").monitored and report.joint("neck_pitch").note == ""
    assert "not excited" in report.to_markdown()


def test_a_robot_that_stands_still_is_not_said_to_be_fine() -> None:
    """No joint moves, so none is monitored: the report says friction was not judged, not merely
    that nothing is due."""
    still = exercise_targets(0.0)
    monitor = HealthMonitor()
    run_exercise(EmulatedRobot(typical_config(3)), monitor, 26.0, motion=lambda t: still)
    report = monitor.report()
    assert report.judged and report.monitored == 0 and not report.schedule
    assert report.warning is not None and report.warning.startswith("no joint moved enough")
    assert report.nothing_due.endswith("(friction was not judged: see the warning).")
    assert report.nothing_due in report.to_markdown()


def test_stream_warning_gives_every_reason_that_applies() -> None:
    few = stream_warning(100, 10, 0, monitored=4, joints=27)
    assert few is not None and few.startswith("only 4 of 27 joints moved enough")
    assert stream_warning(100, 10, 0, monitored=14, joints=27) is None
    late = stream_warning(100, 10, 0, judged=False, needed=130.0)
    assert late is not None and late.endswith("than the 130 s of motion they need")
    assert stream_warning(100, 10, 0) is None
    assert stream_warning(100, 10, 0, monitored=3) is None
    both = stream_warning(100, 10, 60, judged=False)
    assert both is not None and both.startswith("the stream ended before the warm-up")
    assert "; also 60% of the samples could not be used for friction" in both
    assert stream_warning(100, 10, 0, monitored=0) == NONE_MONITORED
    assert stream_warning(100, 0, 60) == NO_COMMANDS  # nothing else can be said without commands
    assert stream_warning(0, 0, 0) == NO_SAMPLES


def test_report_ranks_the_faulty_joint_first_and_writes_atomically(
    faulty_run: tuple[HealthMonitor, EmulatedRobot], tmp_path: Path
) -> None:
    monitor, _ = faulty_run
    report = monitor.report()
    assert report.schedule[0].joint == FAULTY and report.schedule[0].severity == "alarm"
    knee = report.joint(FAULTY)
    assert knee.alarm and knee.revolutions > 0 and knee.cycles > 20 and knee.temperature > 25.0
    values = monitor.values()
    assert values[f"maintenance.{FAULTY}.alarm"] == 1.0 and values["maintenance.alarms"] >= 1
    assert values[f"maintenance.{FAULTY}.drift_z"] > 3.0 > abs(values["maintenance.left_elbow.drift_z"])
    out = tmp_path / "out"
    js, md = write_schedule(report, out)
    data = json.loads(js.read_text())
    assert data["schedule"][0]["joint"] == FAULTY and "## Schedule" in md.read_text()
    assert sorted(p.name for p in out.iterdir()) == sorted([SCHEDULE_FILE, REPORT_FILE])
    # readable as any file the user writes (0o666 less the umask), not the temporary file's 0o600
    mask = os.umask(0)
    os.umask(mask)
    assert {stat.S_IMODE(p.stat().st_mode) for p in (js, md)} == {0o666 & ~mask}
    # a failing write leaves nothing behind: the target folder is a file
    blocker = tmp_path / "blocked"
    blocker.write_text("x")
    with pytest.raises(MaintenanceError, match="cannot write the maintenance schedule"):
        write_schedule(report, blocker / "sub")
    # a folder in the way of either file: refused before anything is written
    for name in (SCHEDULE_FILE, REPORT_FILE):
        bad = tmp_path / f"bad-{name}"
        (bad / name).mkdir(parents=True)
        with pytest.raises(MaintenanceError, match=rf"{name}: a folder is in the way"):
            write_schedule(report, bad)
        assert [p.name for p in bad.iterdir()] == [name]


def test_default_config_resolves_patterns() -> None:
    cfg = load_maintenance_config()
    assert cfg.params("left_knee").hd_rated_torque == 140.0
    assert cfg.params("right_wrist_yaw").bearing_type == "ball"
    assert cfg.params("left_hip_pitch").hd_rated_torque == 100.0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[joints.left_kne]\ngear_ratio = 50\n", r"\[joints.'left_kne'\] matches no joint of the robot"),
        ("[detection]\nrate = 0.1\n", r"window = 4.0 \[s\] is shorter than one bin at rate = 0.1"),
        ("[defaults]\ngear_ratio = -1\n", r"\[defaults\] gear_ratio must be > 0, got -1"),
        ("[detection]\nwindoww = 2\n", r"unknown key 'windoww' in \[detection\]; valid keys: window"),
        ('[defaults]\nbearing_type = "needle"\n', r"bearing_type = 'needle' is not one of 'ball'"),
        ("[prognosis]\nfriction_limit = 0\n", r"friction_limit must be > 0"),
        ("[detection]\nisolation = 1.5\n", r"isolation must be ≤ 1, got 1.5"),
        ("[detection]\nwindow = 8\nbaseline = 4\n", r"baseline must be ≥ 8, got 4"),
        ("[other]\n", r"unknown table 'other'"),
        ("[detection]\nresync_period = -0.1\n", r"resync_period must be ≥ 0, got -0.1"),
        ("[detection]\nmax_model_spread = 0\n", r"max_model_spread must be > 0, got 0"),
        ("[detection]\nz_limit = -1\n", r"z_limit must be ≥ 0, got -1"),
        # sizes that ran out of memory or overflowed before they were bounded
        ("[detection]\nwindow = 1e12\nbaseline = 1e12\n", r"window must be ≤ 600, got 1000000000000.0"),
        ("[detection]\nrate = 1e9\n", r"rate must be ≤ 10, got 1000000000.0"),
        ("[defaults]\nhd_rated_life = 1e308\n", r"hd_rated_life must be ≤ 1e\+07"),
        ("[defaults]\nbearing_capacity = 1e308\n", r"bearing_capacity must be ≤ 1e\+07"),
        ('[joints."*_knee"]\ngear_ratoi = 5\n', r"unknown key 'gear_ratoi' in \[joints.'\*_knee'\]"),
    ],
)
def test_bad_config_is_one_line_error(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "maint.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        load_maintenance_config(p)
    assert "\n" not in str(info.value) and str(p) in str(info.value)


def test_recording_without_joint_states_is_one_line_error(tmp_path: Path) -> None:
    pytest.importorskip("rclpy")
    from humanoid_twin.maintenance import analyze_recording
    from humanoid_twin.ros.convert import joint_state_to_msg
    from humanoid_twin.ros.record import McapRecorder
    from humanoid_twin.twin import JointState

    f = tmp_path / "rec.mcap"
    with McapRecorder(f) as rec:
        rec.add_topic("/other", "sensor_msgs/msg/JointState")
        rec.write_message("/other", joint_state_to_msg(JointState(0.0, ("a",), np.zeros(1))), 0)
    with pytest.raises(
        MaintenanceError, match=r"no messages on 'joint_states'.*set \[topics\] joint_states"
    ) as info:
        analyze_recording(f)
    assert "\n" not in str(info.value)


def test_walking_settings_keep_the_rest() -> None:
    base = load_maintenance_config()
    walk = base.for_walking()
    d = walk.detection
    assert (d.warmup, d.baseline, d.min_motion, d.cusum_k, d.z_limit) == (10.0, 120.0, 0.5, 4.0, 0.0)
    assert walk.detection.window == base.detection.window and walk.joints == base.joints


def _walk(odometry: bool, seconds: float) -> tuple[HealthMonitor, EmulatedRobot]:
    """The emulated robot (hidden offsets, noise) walking straight with its balance feedback."""
    from dataclasses import replace

    from humanoid_twin.control import WALK_OPTIONS
    from humanoid_twin.control.emulator_motion import EmulatorWalk, walk_targets

    robot = EmulatedRobot(typical_config(21), options=WALK_OPTIONS)
    targets = walk_targets(EmulatorWalk(straight=True), initial=dict(robot.pose))

    def motion(t: float) -> dict[str, float]:
        names, q = targets(t, robot.base_state())
        return dict(zip(names, q.tolist(), strict=True))

    cfg = load_maintenance_config().for_walking()
    cfg = replace(cfg, detection=replace(cfg.detection, warmup=8.0, baseline=16.0))
    monitor = HealthMonitor(config=cfg, options=WALK_OPTIONS)
    run_exercise(robot, monitor, seconds, motion=motion, odometry=odometry)
    return monitor, robot


@pytest.mark.slow
def test_walking_robot_with_odometry_keeps_the_shadow_on_it() -> None:
    """Walking straight with hidden offsets and noise: with odometry the shadow is resynchronised and
    stays on the robot; the model error's spread is measured in the baseline (σ_model), and a
    nominal walk raises no alarm. Without odometry the open-loop shadow drifts away."""
    pytest.importorskip("placo")
    gaps = {}
    for odometry in (True, False):
        monitor, robot = _walk(odometry, 36.0)
        shadow = monitor._shadow
        assert shadow is not None and shadow.names.free_qpos_adr is not None
        a = shadow.names.free_qpos_adr
        base = robot.base_state()
        assert base is not None and base.position[2] > 0.6  # walked, upright
        gaps[odometry] = float(np.hypot(*(shadow.data.qpos[a : a + 2] - np.array(base.position[:2]))))
        if odometry:
            assert monitor.alarms == []
            legs = [i for i, n in enumerate(monitor.joint_names) if n.endswith(("knee", "ankle_roll"))]
            assert all(monitor._monitored[i] for i in legs)
            # walking model error spreads the hip estimates well beyond the effort noise, by more
            # than max_model_spread of their friction: not monitored, and the report says why
            hips = [monitor.joint_names.index(f"{side}_hip_pitch") for side in ("left", "right")]
            assert all(monitor._sigma_model[i] > 2 * monitor._sigma0[i] for i in hips)
            assert not any(monitor._monitored[i] for i in hips)
            assert "model error moves its friction estimate" in monitor.report().joint("left_hip_pitch").note
    assert gaps[True] < 0.02 < gaps[False], gaps


def test_the_shadow_lays_another_robot_s_named_soles_flat() -> None:
    """A robot whose soles are not called left_foot/right_foot names them (a session's [twin] feet):
    the shadow starts with them flat and the legs between them are the closed chain of double support
    (without the names the chain was empty and the shadow started upright)."""
    import dataclasses

    from humanoid_twin.model.transforms import quat_to_matrix
    from humanoid_twin.robots.humanoid import NOMINAL_POSE, load_humanoid

    humanoid = load_humanoid()
    rename = {"left_foot": "l_sole", "right_foot": "r_sole"}
    other = humanoid.replace(
        links=tuple(dataclasses.replace(lk, name=rename.get(lk.name, lk.name)) for lk in humanoid.links),
        joints=tuple(dataclasses.replace(j, child=rename.get(j.child, j.child)) for j in humanoid.joints),
    )
    reference = HealthMonitor(humanoid)
    unnamed = HealthMonitor(other)
    named = HealthMonitor(other, feet=("l_sole", "r_sole"))
    assert not unnamed._loop.any()
    assert np.array_equal(named._loop, reference._loop) and named._loop.sum() == 12
    pose = {**NOMINAL_POSE, "left_knee": 0.9, "right_knee": 0.9}  # pitches the pelvis
    q = np.array([pose.get(n, 0.0) for n in named.joint_names])
    tilts = []
    for mon in (reference, named, unnamed):
        shadow = _Shadow(mon.robot, mon.options, mon.joint_names, mon.timestep, mon.feet)
        shadow.robot_joint_names = mon.joint_names
        shadow.start(q)
        a = shadow.names.free_qpos_adr
        assert a is not None
        tilts.append(float(quat_to_matrix(tuple(shadow.data.qpos[a + 3 : a + 7]))[2, 2]))
    assert tilts[1] == pytest.approx(tilts[0], abs=1e-12) and tilts[1] < 0.999 and tilts[2] == 1.0


def test_a_friction_trend_is_projected_only_when_the_noise_does_not_explain_it() -> None:
    """A rise history whose small positive drift the noise explains gives no service date; a real ramp
    under the same noise does. Any positive fitted slope used to be projected: healthy robots
    monitored for 60 s had 12–15 joints "due" within minutes."""
    mon = HealthMonitor()
    rng = np.random.default_rng(5)
    t = np.arange(0.0, 40.0)
    n = len(mon.joint_names)
    noise = 0.03 * rng.standard_normal(t.size)
    for slope, projected in ((0.001, False), (0.01, True)):  # fitted: +0.0005 /s and +0.0095 /s
        mon._history.clear()
        for k, tk in enumerate(t):
            mon._history.append((float(tk), np.full(n, slope * tk + noise[k])))
        rul = mon._rul_friction(0)
        assert (rul is not None) is projected
        if rul is not None:  # from ≈ +40 % at 40 s to +100 % at 0.01 /s: ≈ 60 s
            assert 40.0 < rul.median * 3600.0 < 90.0


def test_a_healthy_robot_monitored_briefly_has_nothing_due() -> None:
    monitor = HealthMonitor()
    run_exercise(EmulatedRobot(typical_config(21)), monitor, 60.0)
    report = monitor.report()
    assert report.judged and not report.alarms
    assert [item.reason for item in report.schedule if "friction rising" in item.reason] == []


def test_a_recording_with_servo_targets_feeds_them_alone_to_the_shadow(tmp_path: Path) -> None:
    """The servo targets are what the servos applied, the commands sent on joint_command included:
    a recording of both fed two command streams to the shadow, and every sample fell off its path."""
    pytest.importorskip("rclpy")
    from humanoid_twin.maintenance import analyze_recording
    from humanoid_twin.robots.humanoid import JOINT_NAMES, NOMINAL_POSE
    from humanoid_twin.ros.convert import joint_state_to_msg
    from humanoid_twin.ros.record import McapRecorder
    from humanoid_twin.twin import JointState

    names = tuple(JOINT_NAMES)
    pose = np.array([NOMINAL_POSE.get(n, 0.0) for n in names])
    zero = np.zeros(len(names))
    f = tmp_path / "rec.mcap"
    with McapRecorder(f) as rec:
        for topic in ("joint_states", "joint_targets", "joint_command"):
            rec.add_topic(topic, "sensor_msgs/msg/JointState")
        for k in range(1000):  # 2 s at 500 Hz; a controller commands the elbows at 50 Hz, sent 10 ms early
            t = 0.002 * k
            ns = round(t * 1e9)
            rec.write_message("joint_targets", joint_state_to_msg(JointState(t, names, pose)), ns)
            rec.write_message("joint_states", joint_state_to_msg(JointState(t, names, pose, zero, zero)), ns)
            if k % 10 == 0:
                cmd = JointState(t + 0.01, ("left_elbow",), np.array([pose[names.index("left_elbow")]]))
                rec.write_message("joint_command", joint_state_to_msg(cmd), ns)
    report = analyze_recording(f)
    assert report.commands == 1000 and report.off_path == 0
