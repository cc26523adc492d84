"""``humanoid-twin maintenance --live`` end to end, each side in its own process: the emulator runs the
diagnostic routine (``motion = "exercise"``) with the typical hidden offsets and sensor noise, publishes
its joint states and the servo targets it applies on the simulated clock, and steps up one joint's
friction by 20 % after the monitor's baseline. The CLI's monitor must publish its metrics on
/diagnostics, judge every joint, lose no sample for want of its command, alarm on that joint only
and, stopped with Ctrl-C, rank it first in the schedule it writes.

(With the twin's predictions also running, this 2-core machine fell behind the 500 Hz stream: the
lost servo targets threw the shadow off the robot's path and every estimate spread; the CLI now runs
the monitor without predictions unless asked, and reports samples it could not use.)"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ros, pytest.mark.slow]

from ros_helpers import Procs  # noqa: E402

from humanoid_twin.emulator import TYPICAL_CONFIG_PATH  # noqa: E402
from humanoid_twin.maintenance._exercise import START_DELAY  # noqa: E402

BASELINE_DONE = START_DELAY + 5.0 + 20.0  # hold, warm-up, baseline (emulator time ≈ real time)
ONSET = BASELINE_DONE + 2.0
SECONDS = ONSET + 9.0  # the bench finds a knee step in 3–4 s
JOINT, STEP = "right_knee", 0.05  # ≈ 20 % of its true friction [N·m]


def _foreground() -> None:
    """Ctrl-C reaches the CLI as in a terminal (a shell's background job, e.g. CI under ``&``,
    starts its children with SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_live_maintenance_stops_on_sigterm_and_writes_the_schedule(
    tmp_path: Path, ros_domain: int, procs: Procs
) -> None:
    """A service manager stops the monitor with SIGTERM: it stops as on Ctrl-C and writes its files."""
    session = tmp_path / "session.toml"
    topics = f'[topics]\njoint_states = "t{ros_domain}/js"\n'
    session.write_text(f"[ros]\ndomain_id = {ros_domain}\n[prometheus]\nport = 0\n{topics}", encoding="utf-8")
    out = tmp_path / "out"
    live = ("maintenance", "--live", "--session-config", str(session), "--out", str(out))
    cli = subprocess.Popen([sys.executable, "-m", "humanoid_twin", *live], stdout=subprocess.PIPE, text=True)
    procs.procs.append(cli)
    procs.wait_line(cli, "monitoring joint health", timeout=60.0)
    cli.send_signal(signal.SIGTERM)
    assert cli.wait(timeout=30.0) == 0
    schedule = json.loads((out / "maintenance_schedule.json").read_text(encoding="utf-8"))
    assert schedule["samples"] == 0 and "no joint states arrived" in schedule["warning"]


def test_live_maintenance_finds_a_friction_step_on_the_exercising_robot(
    tmp_path: Path, ros_domain: int, procs: Procs
) -> None:
    tag = f"m{ros_domain}"
    topics = {
        "joint_states": f"{tag}/joint_states",
        "joint_targets": f"{tag}/joint_targets",
        "joint_command": f"{tag}/joint_command",
    }
    emu_toml = tmp_path / "emu.toml"
    emu_toml.write_text(
        'seed = 3\nclock = "sim"\nmotion = "exercise"\npublish_targets = true\n'
        + TYPICAL_CONFIG_PATH.read_text(encoding="utf-8")
        + f'\n[[faults]]\nkind = "friction_growth"\njoint = "{JOINT}"\nstart = {ONSET}\nmagnitude = {STEP}\n'
        + "[topics]\n"
        + "".join(f'{k} = "{v}"\n' for k, v in topics.items()),
        encoding="utf-8",
    )
    session = tmp_path / "session.toml"
    session.write_text(
        f"[ros]\ndomain_id = {ros_domain}\nuse_sim_time = true\n[prometheus]\nport = 0\n"
        f'[topics]\njoint_states = "{topics["joint_states"]}"\nservo_targets = "{topics["joint_targets"]}"\n'
        f'joint_command = "{topics["joint_command"]}"\ndiagnostics = "{tag}/diagnostics"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    live = ("maintenance", "--live", "--session-config", str(session), "--out", str(out))
    cli = subprocess.Popen(
        [sys.executable, "-m", "humanoid_twin", *live, "--duration", str(SECONDS + 120.0)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_foreground,
    )
    procs.procs.append(cli)
    procs.wait_line(cli, "monitoring joint health", timeout=60.0)
    # the health metrics go out on /diagnostics (1 Hz) from the start
    diag = procs.start("ros_subscriber.py", f"{tag}/diagnostics", "diagnostic_msgs/msg/DiagnosticArray")
    procs.wait_line(diag, "READY")
    assert "maintenance.samples" in procs.wait_line(diag, "MSG", timeout=10.0)
    emulate = ("--config", str(emu_toml), "--duration", str(SECONDS))
    emu = subprocess.run(
        [sys.executable, "-m", "humanoid_twin.emulator", *emulate],
        capture_output=True,
        text=True,
        timeout=SECONDS + 60.0,
    )
    assert emu.returncode == 0, emu.stderr[-2000:]
    time.sleep(1.0)  # the last messages in flight
    cli.send_signal(signal.SIGINT)  # Ctrl-C: the schedule is written
    try:
        printed, err = cli.communicate(timeout=60.0)
    except subprocess.TimeoutExpired:
        masks = [x for x in Path(f"/proc/{cli.pid}/status").read_text().splitlines() if x.startswith("Sig")]
        cli.kill()
        pytest.fail(f"maintenance --live kept running 60 s after Ctrl-C; {masks}")
    assert cli.returncode == 0, err[-2000:]
    report = json.loads((out / "maintenance_schedule.json").read_text(encoding="utf-8"))

    assert report["samples"] > 0.9 * SECONDS * 500  # the 500 Hz stream, less discovery
    assert report["off_path"] == 0  # every sample had its command
    unjudged = {j["joint"]: j["note"] for j in report["joints"] if not j["monitored"]}
    assert unjudged == {}
    alarms = report["alarms"]
    assert {a["joint"] for a in alarms} == {JOINT}
    assert min(a["time"] for a in alarms) - ONSET < 10.0  # stamps are emulator time
    assert report["schedule"][0]["joint"] == JOINT
    # what the monitor could find: the report says it, per joint and in one line on the console
    assert report["detection_time"] == 8.0 and all(j["detectable_rise"] > 0 for j in report["joints"])
    assert "friction rises found within 8 s: +" in printed
