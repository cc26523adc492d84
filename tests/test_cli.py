"""The command line, run as a user runs it: a real process, real files, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "urdf_corpus"


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "humanoid_twin", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_import_humanoid_writes_layered_asset(tmp_path: Path) -> None:
    out = tmp_path / "humanoid.usda"
    r = cli("import", "urdf/humanoid.urdf", "-o", str(out), "--mjcf", str(tmp_path / "humanoid.xml"))
    assert r.returncode == 0, r.stderr
    assert "27" in r.stdout and "62.800 kg" in r.stdout
    assert out.is_file()
    assert (tmp_path / "configuration" / "humanoid_physics.usda").is_file()
    assert "<mujoco" in (tmp_path / "humanoid.xml").read_text()
    # the MJCF opens on its own, the robot standing on the floor (not started through it)
    import mujoco

    mm = mujoco.MjModel.from_xml_path(str(tmp_path / "humanoid.xml"))
    d = mujoco.MjData(mm)
    mujoco.mj_forward(mm, d)
    assert d.ncon > 0 and min(d.contact.dist[: d.ncon]) > -1e-6


_INERTIAL = (
    '<inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial>'
)
_PLANAR_MIMIC = f"""<robot name="m">
  <link name="base">{_INERTIAL}</link>
  <link name="a">{_INERTIAL}</link>
  <link name="b">{_INERTIAL}</link>
  <joint name="p" type="planar"><parent link="base"/><child link="a"/><axis xyz="0 0 1"/></joint>
  <joint name="r" type="revolute"><parent link="a"/><child link="b"/><axis xyz="0 0 1"/>
    <limit lower="-1" upper="1" effort="1" velocity="1"/><mimic joint="p"/></joint>
</robot>
"""


def test_import_writes_nothing_when_the_mjcf_cannot_be_built(tmp_path: Path) -> None:
    """USD can hold a mimic of a planar joint, MuJoCo cannot: the MJCF is built first, so a refused
    MJCF leaves no USD behind either."""
    (tmp_path / "m.urdf").write_text(_PLANAR_MIMIC)
    out = tmp_path / "out"
    r = cli("import", str(tmp_path / "m.urdf"), "-o", str(out / "m.usda"), "--mjcf", str(out / "m.xml"))
    assert r.returncode == 1 and "MuJoCo supports mimic only between" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_inspect_usd_validates(tmp_path: Path) -> None:
    out = tmp_path / "h.usda"
    assert cli("import", "urdf/humanoid.urdf", "-o", str(out), "--flat").returncode == 0
    r = cli("inspect", str(out))
    assert r.returncode == 0, r.stderr
    assert "USD validation: no errors" in r.stdout
    assert "left_knee" in r.stdout
    assert "imported with ImportOptions(fix_base=False" in " ".join(r.stdout.split())  # what it runs with


@pytest.mark.parametrize(
    "name", ["error_duplicate_joint_name.urdf", "error_truncated_xml.urdf", "error_external_entity.urdf"]
)
def test_bad_urdf_is_one_line_error(name: str, tmp_path: Path) -> None:
    path = CORPUS / name
    if not path.is_file():
        candidates = sorted(p.name for p in CORPUS.glob("error_*.urdf"))
        pytest.fail(f"{name} not in the corpus; have {candidates[:50]}")
    r = cli("import", str(path), "-o", str(tmp_path / "x.usda"))
    assert r.returncode == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:") and name in lines[0]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x.usda").exists()


def test_debug_shows_traceback(tmp_path: Path) -> None:
    r = cli(
        "--debug", "import", str(CORPUS / "error_duplicate_joint_name.urdf"), "-o", str(tmp_path / "x.usda")
    )
    assert r.returncode != 0
    assert "Traceback" in r.stderr


def test_missing_file_and_bad_option(tmp_path: Path) -> None:
    r = cli("import", "nope.urdf", "-o", str(tmp_path / "x.usda"))
    assert r.returncode == 1 and "nope.urdf" in r.stderr and "Traceback" not in r.stderr
    r = cli("import", "urdf/humanoid.urdf", "-o", str(tmp_path / "x.usda"), "--drive-type", "torque")
    assert r.returncode == 1 and "--drive-type 'torque' is not one of" in r.stderr  # the flag, not the field
    r = cli("import", "urdf/humanoid.urdf", "-o", str(tmp_path / "x.obj"))
    assert r.returncode == 2 and ".usda" in r.stderr


def test_an_output_that_cannot_be_written_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir()
    r = cli(
        "import",
        "urdf/humanoid.urdf",
        "-o",
        str(tmp_path / "out" / "x.usda"),
        "--mjcf",
        str(tmp_path / "adir"),
    )
    assert r.returncode == 1 and "cannot write the MJCF (Is a directory)" in r.stderr
    assert not (tmp_path / "out").exists()  # the USD is not written either
    r = cli("import", "urdf/humanoid.urdf", "-o", str(tmp_path / "afile" / "x.usda"))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"(Not a directory); check that '{tmp_path / 'afile'}' is a folder" in r.stderr
    assert ".x.usda." not in r.stderr  # no temporary file's name
    r = cli("maintenance", str(tmp_path / "rec.mcap"), "--duration", "5")
    assert r.returncode == 2 and "--duration and --predictions apply to --live only" in r.stderr


def test_bad_session_config_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "twin.toml"
    cfg.write_text("[twin]\nstale_after = 'soon'\n")
    r = cli("replay", str(tmp_path / "missing.mcap"), "--config", str(cfg))
    assert r.returncode == 1
    assert "stale_after" in r.stderr and "Traceback" not in r.stderr


def _domain(key: str) -> str:
    return str(1 + int(hashlib.sha1(key.encode()).hexdigest(), 16) % 101)


@pytest.mark.ros
def test_demo_records_and_replays_deterministically(tmp_path: Path) -> None:
    """The README's live demo end to end: emulator process + twin + recording, then two replays."""
    env = {
        "ROS_DOMAIN_ID": _domain("test_demo" + str(os.getpid())),
        "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST",
    }
    out = tmp_path / "demo"
    r = cli("demo", "--duration", "6", "--out", str(out), env=env, timeout=180)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    metrics = summary["metrics"]
    assert metrics["accepted"] > 1000  # ~500 Hz for 6 s
    assert metrics["bridge.commands_published"] > 100
    assert metrics["bridge.recorded"] > 1000
    truth = json.loads((out / "truth.json").read_text())
    # the README's robot: off the nominal model, with sensor noise and latency
    assert truth["noise"]["effort"] > 0 and truth["latency"]["mean"] > 0
    assert any(j["friction_offset"] > 0 for j in truth["joints"].values())

    from mcap.reader import make_reader

    with (out / "demo.mcap").open("rb") as f:
        topics = {ch.topic for _, ch, _ in make_reader(f).iter_messages()}
    assert {"/joint_states", "/joint_command"} <= topics

    runs = []
    for i in range(2):
        s = tmp_path / f"replay{i}.json"
        r = cli("replay", str(out / "demo.mcap"), "--summary", str(s))
        assert r.returncode == 0, r.stderr
        runs.append(json.loads(s.read_text()))

    # what the twin saw and predicted is identical; wall-clock measures (latency, rates) are not
    def seen(m: dict[str, float]) -> dict[str, float]:
        keep = ("accepted", "received", "rejected", "dropped", "predictions", "prediction_error")
        return {k: v for k, v in m.items() if k.startswith(keep)}

    assert seen(runs[0]) == seen(runs[1])
    assert runs[0]["accepted"] > 1000
    assert runs[0]["prediction_error.count.0.5s"] > 0

    # a what-if forked from the recorded robot at t = 3 s
    r = cli("whatif", "shelf_reach", "--from", f"{out / 'demo.mcap'}@3.0", "--out", str(tmp_path / "wi"))
    assert r.returncode == 0, r.stderr
    assert "demo.mcap@3" in r.stdout and "answer:" in r.stdout
    # no odometry in the recording: the base is assumed with the feet flat, so the standing baseline
    # keeps its CoM over the feet (placed upright it started on toe/heel edges: margin −11.5 cm)
    baseline = json.loads((tmp_path / "wi" / "result.json").read_text())["variants"][0]
    assert baseline["name"] == "baseline" and not baseline["fell"] and baseline["min_support_margin"] > 0.02

    # joint health and a maintenance schedule from the same recording
    r = cli("maintenance", str(out / "demo.mcap"), "--out", str(tmp_path / "maint"))
    assert r.returncode == 0, r.stderr
    schedule = json.loads((tmp_path / "maint" / "maintenance_schedule.json").read_text())
    assert {j["joint"] for j in schedule["joints"]} >= {"left_knee", "right_knee"}
    # the walking settings: 20 s is shorter than their warm-up + baseline, so nothing is judged yet
    r = cli("maintenance", str(out / "demo.mcap"), "--walking", "--out", str(tmp_path / "maint_walk"))
    assert r.returncode == 0, r.stderr
    walk = json.loads((tmp_path / "maint_walk" / "maintenance_schedule.json").read_text())
    assert not any(j["monitored"] for j in walk["joints"])


def test_whatif_ready_scenario_writes_report(tmp_path: Path) -> None:
    r = cli("whatif", "shelf_reach", "--out", str(tmp_path / "wi"))
    assert r.returncode == 0, r.stderr
    assert "answer:" in r.stdout and "baseline: yes" in r.stdout
    assert (tmp_path / "wi" / "report.html").is_file()


def test_whatif_unknown_scenario_lists_ready_ones(tmp_path: Path) -> None:
    r = cli("whatif", "fly_to_the_moon")
    assert r.returncode == 1
    assert "shelf_reach" in r.stderr and "Traceback" not in r.stderr


def test_emulate_walks_one_way_only() -> None:
    r = cli("emulate", "--walk", "--walk-straight")
    assert r.returncode == 2 and "--walk, --walk-straight and --exercise exclude each other" in r.stderr
    assert "Traceback" not in r.stderr


def test_emulate_says_running_only_once_it_runs(tmp_path: Path) -> None:
    """A motion the robot cannot do is refused before the emulator starts: one line, no 'running'."""
    session = tmp_path / "s.toml"
    session.write_text(f'[robot]\nurdf = "{(CORPUS / "ok_all_joint_types.urdf").as_posix()}"\n')
    r = cli("emulate", "--exercise", "--session-config", str(session), "--duration", "1")
    assert r.returncode == 1 and "the bundled humanoid's routine" in r.stderr and "Traceback" not in r.stderr
    assert "emulator running" not in r.stdout


def test_maintenance_needs_one_source(tmp_path: Path) -> None:
    r = cli("maintenance")
    assert r.returncode == 2 and "either a recording or --live" in r.stderr
    r = cli("maintenance", str(tmp_path / "none.mcap"), "--out", str(tmp_path / "m"))
    assert r.returncode == 1 and "none.mcap" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m").exists()
    # an --out that cannot be written is refused before the analysis, and leaves no folder behind
    (tmp_path / "afile").write_text("x")
    r = cli("maintenance", str(tmp_path / "none.mcap"), "--out", str(tmp_path / "afile" / "sub"))
    assert r.returncode == 2 and "cannot write there" in r.stderr and "none.mcap" not in r.stderr
    r = cli("maintenance", str(tmp_path / "none.mcap"), "--out", str(tmp_path / "new" / "deep"))
    assert r.returncode == 1 and not (tmp_path / "new").exists()


def test_run_refuses_a_duration_that_is_no_time() -> None:
    for bad in ("-3", "0", "nan"):
        r = cli("run", "--duration", bad)
        assert r.returncode == 2 and "--duration must be seconds > 0" in r.stderr, r.stderr


def test_version_alone() -> None:
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("humanoid-twin ")


def test_brackets_in_help_and_messages_are_printed_as_written(tmp_path: Path) -> None:
    """Units like [kg·m²] and TOML tables like [robot] are text, not rich markup to swallow."""
    r = cli("import", "--help")
    assert r.returncode == 0 and "[kg·m²]" in r.stdout and "[kg/m³]" in r.stdout
    assert "[robot]" in cli("run", "--help").stdout
    assert "Session TOML whose [robot]" in " ".join(cli("emulate", "--help").stdout.split())
    r = cli("whatif", "no[such]scenario")
    assert r.returncode == 1 and "no[such]scenario" in r.stderr


def test_whatif_wait_is_checked_and_only_for_live() -> None:
    r = cli("whatif", "shelf_reach", "--wait", "3")
    assert r.returncode == 2 and "--wait applies to --from live only" in r.stderr
    r = cli("whatif", "shelf_reach", "--from", "live", "--wait", "nan")
    assert r.returncode == 2 and "--wait must be a number of seconds > 0, got nan" in r.stderr


def _inertial(mass: float, z: float, i: float) -> str:
    return (
        f'<inertial><origin xyz="0 0 {z}"/><mass value="{mass}"/>'
        f'<inertia ixx="{i}" ixy="0" ixz="0" iyy="{i}" iyz="0" izz="{i}"/></inertial>'
    )


def _leg(side: str, y: float) -> str:
    return (
        f'<link name="{side}_leg">{_inertial(1.0, -0.2, 0.01)}<collision><origin xyz="0 0 -0.2"/>'
        '<geometry><box size="0.05 0.05 0.4"/></geometry></collision></link>'
        f'<joint name="{side}_hip_joint" type="revolute"><parent link="body"/><child link="{side}_leg"/>'
        f'<origin xyz="0 {y} -0.1"/><axis xyz="0 1 0"/>'
        '<limit lower="-1" upper="1" effort="20" velocity="5"/></joint>'
    )


_TWO_LEGS = (
    f'<robot name="two_legs"><link name="body">{_inertial(5.0, 0.0, 0.1)}'
    '<collision><geometry><box size="0.2 0.3 0.2"/></geometry></collision></link>'
    f"{_leg('left', 0.1)}{_leg('right', -0.1)}</robot>"
)
"""A robot other than the bundled humanoid, with joint names the shipped maintenance defaults lack."""


def _two_legs_session(tmp_path: Path) -> tuple[Path, Path]:
    """A session TOML for :data:`_TWO_LEGS` and a 2 s recording of its joint states (500 Hz, with effort)."""
    pytest.importorskip("rclpy")
    import numpy as np

    from humanoid_twin.ros.convert import joint_state_to_msg
    from humanoid_twin.ros.record import McapRecorder
    from humanoid_twin.twin import JointState

    (tmp_path / "two_legs.urdf").write_text(_TWO_LEGS)
    session = tmp_path / "session.toml"
    session.write_text('[robot]\nurdf = "two_legs.urdf"\n')
    rec = tmp_path / "rec.mcap"
    names = ("left_hip_joint", "right_hip_joint")
    with McapRecorder(rec) as r:
        r.add_topic("joint_states", "sensor_msgs/msg/JointState")
        for i in range(1000):
            t = i * 0.002
            q = 0.2 * np.sin(2 * np.pi * t) * np.ones(2)
            js = JointState(t, names, q, velocity=np.zeros(2), effort=np.ones(2))
            r.write_message("joint_states", joint_state_to_msg(js), round(t * 1e9))
    return session, rec


def test_maintenance_of_another_robot_walking_resolves_its_config_for_that_robot(tmp_path: Path) -> None:
    """--walking on a recording resolves the maintenance config for the recorded robot's joints
    (it used to resolve it for the bundled humanoid's, so a config for the robot was refused)."""
    session, rec = _two_legs_session(tmp_path)
    maint = tmp_path / "maint.toml"
    maint.write_text('[joints."*_hip_joint"]\ngear_ratio = 50\n')
    args = ("maintenance", str(rec), "--config", str(maint), "--session-config", str(session))
    r = cli(*args, "--walking", "--out", str(tmp_path / "m"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "m" / "maintenance_schedule.json").is_file()


def test_maintenance_of_another_robot_without_its_config_says_what_to_do(tmp_path: Path) -> None:
    session, rec = _two_legs_session(tmp_path)
    r = cli("maintenance", str(rec), "--session-config", str(session), "--out", str(tmp_path / "m"))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "shipped defaults are the bundled humanoid's: copy the file, put in your robot's joint" in r.stderr
    assert "left_hip_joint" in r.stderr and not (tmp_path / "m").exists()


def test_live_commands_check_their_arguments_first(tmp_path: Path) -> None:
    """Mistakes found before anything runs: an existing recording is never overwritten, replay's
    speed and horizon are checked, and a folder named like a ready scenario does not hide it."""
    existing = tmp_path / "session.mcap"
    existing.write_bytes(b"a recording of yesterday")
    session = tmp_path / "twin.toml"
    session.write_text(f"[ros]\ndomain_id = {_domain('record')}\n[prometheus]\nport = 0\n")
    r = cli("run", "--config", str(session), "--record", str(existing), "--duration", "1")
    assert r.returncode == 2 and "the recording exists" in r.stderr
    assert existing.read_bytes() == b"a recording of yesterday"
    r = cli("replay", str(existing), "--speed", "-1")
    assert r.returncode == 2 and "--speed must be 0 (as fast as possible) or a factor > 0" in r.stderr
    r = cli("replay", str(existing), "--horizon", "20")
    assert r.returncode == 2 and "--horizon must be within (0, 10] s, got 20" in r.stderr
    (tmp_path / "walk_faster").mkdir()  # e.g. an earlier --out walk_faster
    r = subprocess.run(
        [sys.executable, "-m", "humanoid_twin", "whatif", "walk_faster", "--from", "nope.mcap@1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode != 0 and "no such scenario file" not in r.stderr and "nope.mcap" in r.stderr


def test_errors_a_config_file_caused_name_it(tmp_path: Path) -> None:
    """Found only when the robot is built or the scenario forked, they still name the file and table."""
    emu = tmp_path / "emu.toml"
    emu.write_text("[hidden.joints.left_kne]\nfriction = 0.1\n")
    r = cli("emulate", "--config", str(emu), "--duration", "1")
    assert r.returncode == 1 and f"{emu}: [hidden.joints] names 'left_kne'" in r.stderr
    session = tmp_path / "twin.toml"
    session.write_text(f'[robot]\nurdf = "nope.urdf"\n[ros]\ndomain_id = {_domain("names")}\n')
    r = cli("run", "--config", str(session), "--duration", "1")
    assert r.returncode == 1 and f"{session}: [robot] {tmp_path / 'nope.urdf'}: file not found" in r.stderr
    scenario = tmp_path / "fork.toml"
    scenario.write_text(
        '[scenario]\nname = "x"\nkind = "stand"\nduration = 1.0\n'
        '[fork]\norigin = "recording"\nrecording = "nope.mcap"\ntime = 1.0\n'
    )
    r = cli("whatif", str(scenario), "--out", str(tmp_path / "wi"))
    assert r.returncode == 1 and f"{scenario}: [fork] cannot fork: " in r.stderr and "nope.mcap" in r.stderr
    assert not (tmp_path / "wi").exists()
