"""The CLI's live commands against real ROS 2 processes: `run` and `demo` stop on SIGTERM (what systemd,
docker and ros2 launch send) as on Ctrl-C — exit 0, the final output, a recording closed with its
summary — and `whatif --from live` forks from the robot it mirrors."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ros

from ros_helpers import Procs  # noqa: E402


def _closed(recording: Path) -> bool:
    from mcap.reader import make_reader

    with recording.open("rb") as f:
        return make_reader(f).get_summary() is not None


def _stopped_by_sigterm(procs: Procs, args: list[str], ready: str, timeout: float) -> str:
    """Run ``humanoid-twin ARGS``, send SIGTERM once it printed a line starting with ``ready``;
    its stdout, after checking it exited 0."""
    cli = subprocess.Popen([sys.executable, "-m", "humanoid_twin", *args], stdout=subprocess.PIPE, text=True)
    procs.procs.append(cli)
    procs.wait_line(cli, ready, timeout=timeout)
    cli.send_signal(signal.SIGTERM)
    out, _ = cli.communicate(timeout=60.0)
    assert cli.returncode == 0
    return out


def test_run_stops_on_sigterm_and_closes_its_recording(tmp_path: Path, ros_domain: int, procs: Procs) -> None:
    session = tmp_path / "twin.toml"
    topics = f'[topics]\njoint_states = "t{ros_domain}/js"\n'
    session.write_text(f"[ros]\ndomain_id = {ros_domain}\n[prometheus]\nport = 0\n{topics}", encoding="utf-8")
    recording = tmp_path / "run.mcap"
    args = ["run", "--config", str(session), "--record", str(recording)]
    # the hint comes while it runs (after 5 s without a joint state): it is what the stop waits for
    out = _stopped_by_sigterm(procs, args, "warning: no joint states arrived", timeout=60.0)
    assert "recorded" in out and _closed(recording)
    # nobody published: the end says where it listened (it ended on "0 / 0" alone)
    said = " ".join(out.split())
    assert f"no joint states arrived on 't{ros_domain}/js' (ROS_DOMAIN_ID={ros_domain})" in said
    assert "name its topic in --config [topics] joint_states" in said  # the table is text, not markup


def test_demo_stops_on_sigterm_with_its_emulator(tmp_path: Path, ros_domain: int, procs: Procs) -> None:
    out_dir = tmp_path / "demo"
    args = ["demo", "--duration", "120", "--out", str(out_dir), "--domain-id", str(ros_domain)]
    out = _stopped_by_sigterm(procs, args, "emulator and twin up", timeout=90.0)
    assert "demo summary" in out and _closed(out_dir / "demo.mcap")
    assert (out_dir / "summary.json").is_file()


def test_demo_killed_by_sigkill_takes_its_emulator_along(
    tmp_path: Path, ros_domain: int, procs: Procs
) -> None:
    """SIGKILL runs no cleanup in the demo; its emulator is told by the kernel (PDEATHSIG) and stops,
    instead of publishing on the domain for ever."""
    import time

    out_dir = tmp_path / "dk9"
    args = ["demo", "--duration", "0", "--out", str(out_dir), "--domain-id", str(ros_domain)]
    cli = subprocess.Popen([sys.executable, "-m", "humanoid_twin", *args], stdout=subprocess.PIPE, text=True)
    procs.procs.append(cli)
    procs.wait_line(cli, "emulator and twin up", timeout=90.0)
    marker = str(out_dir / "emulator.toml")

    def emulators() -> list[int]:
        found = []
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                with contextlib.suppress(OSError):
                    if marker in (d / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                        found.append(int(d.name))
        return found

    assert emulators(), "the emulator should be running"
    cli.kill()
    cli.wait(10)
    deadline = time.monotonic() + 20.0
    while emulators() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = emulators()
    for pid in left:  # do not leave it publishing if the test fails
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert left == []


def test_demo_exercise_records_what_maintenance_needs(tmp_path: Path, ros_domain: int) -> None:
    """The README's maintenance journey: `demo --exercise` records the diagnostic routine with its
    servo targets, and `maintenance` on that recording judges every joint (the waving demo moves 4)."""
    import json

    out_dir = tmp_path / "demo"
    demo = ["demo", "--exercise", "--duration", "45", "--out", str(out_dir), "--domain-id", str(ros_domain)]
    r = subprocess.run(
        [sys.executable, "-m", "humanoid_twin", *demo], capture_output=True, text=True, timeout=240
    )
    assert r.returncode == 0, r.stderr[-2000:]
    m = tmp_path / "m"
    r = subprocess.run(
        [sys.executable, "-m", "humanoid_twin", "maintenance", str(out_dir / "demo.mcap"), "--out", str(m)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads((m / "maintenance_schedule.json").read_text(encoding="utf-8"))
    assert report["commands"] > 0 and report["warning"] is None
    assert [j["joint"] for j in report["joints"] if not j["monitored"]] == []


def test_whatif_forks_from_the_live_robot(
    tmp_path: Path, ros_domain: int, procs: Procs, request: pytest.FixtureRequest
) -> None:
    """`whatif --from live`: the CLI's twin mirrors the robot (the emulator, its own process) until
    its joint states arrive, then forks the scenario from that state; with no robot, one line."""
    import json

    session = tmp_path / "twin.toml"  # the default Prometheus port, held by another twin: a what-if
    session.write_text(f"[ros]\ndomain_id = {ros_domain}\n", encoding="utf-8")  # serves no metrics
    held = socket.socket()
    with contextlib.suppress(OSError):  # already held by something else: as good
        held.bind(("127.0.0.1", 9108))
        held.listen()
    request.addfinalizer(held.close)
    ask = [sys.executable, "-m", "humanoid_twin", "whatif", "shelf_reach", "--from", "live"]
    ask += ["--session-config", str(session)]
    alone = subprocess.run([*ask, "--wait", "2"], capture_output=True, text=True, timeout=120)
    assert alone.returncode == 1 and "no joint states arrived on 'joint_states' within 2 s" in alone.stderr
    assert "--session-config [topics] joint_states" in " ".join(alone.stderr.split())
    assert "Traceback" not in alone.stderr
    robot = [sys.executable, "-m", "humanoid_twin.emulator", "--duration", "120"]
    procs.procs.append(subprocess.Popen(robot, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    # a robot already standing, as a user's is: the emulator's first half second is its robot settling
    # onto the floor, and a fork from then read a baseline margin anywhere within ±6 cm (1 in 3 runs < 0)
    watch = procs.start("ros_subscriber.py", "joint_states", "sensor_msgs/msg/JointState", "--seconds", "1.5")
    assert int(procs.wait_line(watch, "COUNT", timeout=60).split()[1]) > 100
    out = tmp_path / "wi"
    r = subprocess.run([*ask, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "from live;" in r.stdout and "answer:" in r.stdout
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    baseline = result["variants"][0]
    assert result["source"] == "live" and not baseline["fell"] and baseline["min_support_margin"] > 0.02


def test_emulate_ends_with_its_summary_on_ctrl_c(ros_domain: int, procs: Procs) -> None:
    """The first Ctrl-C ends the emulator's run as its duration would: exit 0 and the summary."""

    def foreground() -> None:  # Ctrl-C reaches it as in a terminal (not as a background job)
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    args = [sys.executable, "-m", "humanoid_twin", "emulate", "--duration", "120"]
    cli = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, preexec_fn=foreground)
    procs.procs.append(cli)
    procs.wait_line(cli, "emulator running for 120 s", timeout=60.0)
    cli.send_signal(signal.SIGINT)
    out, _ = cli.communicate(timeout=60.0)
    assert cli.returncode == 0 and "emulated" in out and "published" in out
