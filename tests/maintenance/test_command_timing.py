"""Commands act on the shadow at their stamps: joint states that arrive before the command acting
before them (separate ROS topics), and a servo-target stream that loses messages, give the friction
estimates of the in-order, lossless stream (a command one 2 ms sample late reads as ≈ 1 N·m of
friction through kp 1000)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from humanoid_twin.emulator import EmulatedRobot, typical_config
from humanoid_twin.maintenance import HealthMonitor, _monitor
from humanoid_twin.maintenance._exercise import run_exercise

SECONDS = 30.0  # past the 5 s warm-up and the 20 s baseline


class _Recorder:
    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []

    def on_command(self, cmd: Any) -> None:
        self.log.append(("c", cmd))

    def on_joint_state(self, js: Any) -> None:
        self.log.append(("s", js))


@pytest.fixture(scope="module")
def stream() -> list[tuple[str, Any]]:
    rec = _Recorder()
    run_exercise(EmulatedRobot(typical_config(21)), rec, SECONDS)  # command, then the state after it
    return rec.log


def _feed(log: list[tuple[str, Any]]) -> HealthMonitor:
    monitor = HealthMonitor()
    for kind, item in log:
        (monitor.on_command if kind == "c" else monitor.on_joint_state)(item)
    monitor.report()  # processes what still waits
    return monitor


def _swapped_and_lossy(log: list[tuple[str, Any]], loss: float, seed: int = 0) -> list[tuple[str, Any]]:
    """Each state arrives before the command acting before it; ``loss`` of the pairs lose one message."""
    rng = np.random.default_rng(seed)
    out: list[tuple[str, Any]] = []
    for k in range(0, len(log) - 1, 2):
        cmd, state = log[k], log[k + 1]
        if rng.random() < loss:
            out.append(cmd if rng.random() < 0.5 else state)
        else:
            out += [state, cmd]
    return out


def test_out_of_order_and_lost_commands_give_the_in_order_estimates(stream: list[tuple[str, Any]]) -> None:
    ref = _feed(stream)
    assert ref._mu0 is not None and ref._monitored.all()
    late = _feed(_swapped_and_lossy(stream, 0.0))
    np.testing.assert_allclose(late._friction, ref._friction, atol=1e-9)  # reordering is exact
    lossy = _feed(_swapped_and_lossy(stream, 0.1))
    assert lossy._filled > 0.03 * SECONDS * 500  # the lost targets were interpolated
    assert lossy.samples < 0.97 * ref.samples
    assert lossy._monitored.all()
    # the estimates stay within a window's noise of the lossless ones (holding the last target
    # instead moved them by up to 0.1 N·m and tripled their spread)
    assert np.max(np.abs(lossy._friction - ref._friction)) < 3 * float(np.max(ref._friction_std))
    assert np.max(lossy._friction_std) < 1.3 * np.max(ref._friction_std)


def test_a_sparse_command_stream_holds_each_target() -> None:
    """Commands at 10 Hz are held until the next (zero-order hold), never interpolated."""
    rec = _Recorder()
    run_exercise(EmulatedRobot(typical_config(21)), rec, 2.0)
    states = [x for k, x in rec.log if k == "s"]
    cmds = [x for k, x in rec.log if k == "c"][::50]  # every 0.1 s
    log = sorted([("c", c) for c in cmds] + [("s", s) for s in states], key=lambda e: e[1].stamp)
    monitor = _feed(log)
    assert monitor._filled == 0 and monitor.samples == len(states)


def _without_commands(log: list[tuple[str, Any]], start: float, length: float) -> list[tuple[str, Any]]:
    """The servo targets stamped in [start, start + length) lost; every joint state kept."""
    return [(k, x) for k, x in log if k == "s" or not start <= x.stamp < start + length]


def test_a_command_outage_is_interpolated_and_the_settling_left_out(
    stream: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 ms of servo targets lost in the monitored phase (shorter than a joint state waits for its
    command): interpolated through, and the samples while the shadow settles (100 · 0.04² s) not used,
    the estimates stay those of the whole stream. Holding the last target through it, and using every
    sample, moves them by many σ."""
    ref = _feed(stream)
    lossy = _without_commands(stream, 27.0, 0.04)
    kept = _feed(lossy)
    assert kept._filled == 20 and 80 <= kept.off_path <= 100  # 0.18 s after the gap
    assert kept.alarms == [] and kept._monitored.all()
    sigma = float(np.max(ref._friction_std))
    assert np.max(np.abs(kept._friction - ref._friction)) < 2 * sigma

    monkeypatch.setattr(_monitor, "FILL_LIMIT", 0.0)  # hold the target through the gap
    monkeypatch.setattr(_monitor, "MAX_SETTLE", 0.0)  # and use every sample
    held = _feed(lossy)
    assert held.off_path == 0
    assert np.max(np.abs(held._friction - ref._friction)) > 5 * sigma


def test_a_twin_that_falls_behind_reports_the_samples_it_could_not_use(
    stream: list[tuple[str, Any]],
) -> None:
    """Bursts of lost messages on both topics (a twin process that cannot keep up with 500 Hz): the
    monitor leaves the unusable samples out, judges no joint on what is left, raises no alarm, and
    says why in each joint's note and in the report."""
    rng = np.random.default_rng(5)
    lost: list[tuple[float, float]] = []
    t = 1.0
    while t < SECONDS:
        length = float(rng.uniform(0.02, 0.15))
        lost.append((t, t + length))
        t += length + float(rng.exponential(0.25))
    starts = np.array([a for a, _ in lost])
    ends = np.array([b for _, b in lost])

    def gone(stamp: float) -> bool:
        i = int(np.searchsorted(starts, stamp, side="right")) - 1
        return i >= 0 and stamp < ends[i]

    monitor = _feed([(k, x) for k, x in stream if not gone(x.stamp)])
    report = monitor.report()
    assert report.off_path_fraction > 0.3
    assert report.alarms == ()
    unjudged = [j for j in report.joints if not j.monitored]
    assert unjudged and all("commands were lost or late" in j.note for j in unjudged)
    assert report.warning is not None and report.warning in report.to_markdown()


def test_joint_states_without_any_command_say_what_is_missing(stream: list[tuple[str, Any]]) -> None:
    """A session that forgot the robot's servo targets: nothing is judged, nothing alarms, and the
    report says which topic to add instead of blaming the motion."""
    monitor = _feed([(k, x) for k, x in stream if k == "s"])
    report = monitor.report()
    assert report.commands == 0 and report.alarms == ()
    assert report.warning is not None and "servo_targets" in report.warning
    assert all(not j.monitored and report.warning in j.note for j in report.joints)
    assert _feed(stream).report().warning is None


def test_a_stream_shorter_than_the_baseline_says_nothing_was_judged(stream: list[tuple[str, Any]]) -> None:
    """6 s of a good stream (commands and all) end before the 5 s warm-up + 20 s baseline: the report
    says nothing was judged and why, instead of "nothing is due"."""
    short = [(k, x) for k, x in stream if x.stamp < 6.0]
    report = _feed(short).report()
    assert report.commands > 0 and not report.judged
    assert report.warning is not None and report.warning.endswith("than the 25 s of motion they need")
    assert all(not j.monitored and j.note.startswith("not judged: the stream ended") for j in report.joints)
    assert report.to_dict()["warning"] == report.warning
