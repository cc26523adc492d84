"""Bad input is counted and rejected without touching the state; metrics are right on known data."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from humanoid_twin.twin import METRIC_SERIES, DigitalTwin, JointState, RejectReason, TwinConfig

from .conftest import RampBackend, js, make_twin, nominal

N = 27


def _bad_messages(names):
    q = nominal(names)
    nan_q = q.copy()
    nan_q[3] = math.nan
    inf_v = np.zeros(N)
    inf_v[5] = math.inf
    return {
        "nan position": (JointState(2.0, names, nan_q), RejectReason.NON_FINITE),
        "inf velocity": (JointState(2.0, names, q, velocity=inf_v), RejectReason.NON_FINITE),
        "unknown name": (JointState(2.0, (*names[:-1], "tail"), q), RejectReason.UNKNOWN_NAME),
        "short position": (JointState(2.0, names, q[:-1]), RejectReason.WRONG_LENGTH),
        "long velocity": (JointState(2.0, names, q, velocity=np.zeros(N + 1)), RejectReason.WRONG_LENGTH),
        "no names": (JointState(2.0, (), np.zeros(0)), RejectReason.WRONG_LENGTH),
        "duplicate name": (JointState(2.0, (*names[:-1], names[0]), q), RejectReason.DUPLICATE_NAME),
        "nan stamp": (JointState(math.nan, names, q), RejectReason.BAD_STAMP),
        "duplicate stamp": (JointState(1.0, names, q + 0.1), RejectReason.DUPLICATE),
        "out of order": (JointState(0.5, names, q + 0.1), RejectReason.OUT_OF_ORDER),
    }


@pytest.mark.parametrize("case", sorted(_bad_messages(tuple(f"j{i}" for i in range(N)))))
def test_bad_message_is_counted_and_rejected(case):
    twin = make_twin()
    twin.update(js(twin, 1.0))
    before = twin.get_state()
    msg, reason = _bad_messages(twin.joint_names)[case]
    r = twin.update(msg)
    assert not r.accepted and r.reason is reason and r.detail
    after = twin.get_state()
    assert after.stamp == before.stamp
    np.testing.assert_array_equal(after.q, before.q)
    np.testing.assert_array_equal(after.qd, before.qd)
    m = twin.metrics
    assert m.received == 2 and m.accepted == 1 and m.rejected[reason.value] == 1 and m.rejected_total == 1
    assert m.invalid == (1 if reason.invalid else 0)
    assert m.as_dict()[f"rejected.{reason.value}"] == 1.0


def test_unknown_joints_can_be_ignored():
    twin = make_twin(ignore_unknown_joints=True)
    r = twin.update(JointState(1.0, ("left_knee", "finger"), np.array([0.9, 0.1])))
    assert r.accepted and r.joints == 1
    assert twin.get_state().q[twin.joint_names.index("left_knee")] == 0.9
    assert twin.metrics.unknown_entries == 1


def test_clock_jump_rejected_then_adopted():
    twin = make_twin(clock_jump_confirm=3, max_clock_jump=0.5)
    t0 = 100.0
    for k in range(10):
        assert twin.update(js(twin, 50.0 + 0.01 * k, received=t0 + 0.01 * k)).accepted
    q_before = twin.get_state().q
    # The stamp clock jumps back 40 s (e.g. a simulator reset) while the receive clock runs on.
    results = []
    for k in range(5):
        q = nominal(twin.joint_names) + 0.2
        results.append(twin.update(js(twin, 10.0 + 0.01 * k, q, received=t0 + 0.1 + 0.01 * k)))
        if k < 3:
            np.testing.assert_array_equal(twin.get_state().q, q_before)
    assert [r.reason for r in results[:3]] == [RejectReason.CLOCK_JUMP] * 3
    assert results[3].accepted and results[4].accepted
    m = twin.metrics
    assert m.rejected["clock_jump"] == 3 and m.clock_resets == 1
    assert twin.get_state().stamp == pytest.approx(10.04)
    # A single forward jump is rejected and leaves the state alone.
    before = twin.get_state()
    r = twin.update(js(twin, 20.0, received=t0 + 0.16))
    assert r.reason is RejectReason.CLOCK_JUMP and twin.get_state() == before


def test_pause_is_not_a_clock_jump():
    """A paused simulator (or a stalled receiver): stamps fall behind the receive clock but never go
    backwards. Every message is applied; no clock reset."""
    twin = make_twin(clock_jump_confirm=3, max_clock_jump=0.5)
    for k in range(10):
        assert twin.update(js(twin, 50.0 + 0.01 * k, received=100.0 + 0.01 * k)).accepted
    for k in range(5):  # 2 s pause of the stamp clock, then it resumes where it was
        assert twin.update(js(twin, 50.1 + 0.01 * k, received=102.1 + 0.01 * k)).accepted
    assert twin.metrics.clock_resets == 0 and twin.metrics.rejected_total == 0


def test_staleness_and_recovery():
    twin = make_twin(stale_after=0.05)
    assert twin.is_stale() and twin.staleness() == math.inf
    twin.update(js(twin, 1.0))
    assert not twin.is_stale()
    assert twin.staleness(now=1.02) == pytest.approx(0.02) and twin.is_stale(now=1.2)
    time.sleep(0.08)
    assert twin.is_stale() and twin.metrics.stale
    twin.update(js(twin, 1.1))
    assert not twin.is_stale()


def test_dropped_inferred_from_stamps():
    twin = make_twin(stale_after=0.1)
    stamps = [0.002 * k for k in range(1, 400)]
    lost = {100, 101, 102, 250}  # three in a row, then one
    for k, t in enumerate(stamps):
        if k not in lost:
            twin.update(js(twin, t))
    twin.update(js(twin, stamps[-1] + 0.5))  # a 0.5 s silence is an outage, not drops
    m = twin.metrics
    assert m.dropped == 4 and m.outages == 1


def test_bursty_stamps_infer_no_drops():
    """Stamps taken when batches were logged (ten messages 10 µs apart, then a 20 ms pause): the
    median interval is not the stream's period, and no message was lost."""
    twin = make_twin(stale_after=0.1)
    t, sent = 1.0, 0
    for _ in range(40):
        for _ in range(10):
            t += 1e-5
            twin.update(js(twin, t))
            sent += 1
        t += 0.02
    m = twin.metrics
    assert m.received == sent and m.dropped == 0


def test_latency_and_rate():
    clock = [10.0]
    twin = DigitalTwin(
        _ramp_model(), backend=_ramp(), config=TwinConfig(base="fixed", window=5.0), clock=lambda: clock[0]
    )
    now = time.monotonic()
    for k in range(50):
        clock[0] = 1.0 + 0.01 * k + 0.003  # applied 3 ms after the stamp on the twin clock
        twin.update(JointState(1.0 + 0.01 * k, ("a", "b"), np.zeros(2), received=now))
    m = twin.metrics
    assert m.latency_stamp_p50 == pytest.approx(0.003) and m.latency_stamp_max == pytest.approx(0.003)
    assert 0 <= m.latency_receive_p50 < 1.0
    assert m.receive_rate == pytest.approx(50 / 5.0)


def _ramp_model():
    from humanoid_twin.model import Joint, JointLimit, JointType, Link, RobotModel

    links = (Link("base"), Link("l1"), Link("l2"))
    joints = (
        Joint("a", JointType.REVOLUTE, "base", "l1", limit=JointLimit(-1, 1, 1, 1)),
        Joint("b", JointType.REVOLUTE, "l1", "l2", limit=JointLimit(-1, 1, 1, 1)),
    )
    return RobotModel("ramp", links, joints)


def _ramp(slope=(0.0, 0.0)):
    return RampBackend(("a", "b"), np.array(slope, dtype=float))


def test_prediction_error_against_a_known_trajectory():
    """Measured q(t) = 0.5·t (both joints); the stub predicts slopes 0.6 and 0.5, so the error of
    joint a at horizon h is exactly 0.1·h and joint b's is 0. Samples (every 7 ms) never fall on the
    due times, so interpolation is exercised."""
    twin = DigitalTwin(
        _ramp_model(),
        backend=_ramp((0.6, 0.5)),
        config=TwinConfig(base="fixed", error_horizons=(0.1, 0.5), error_window=100.0),
    )
    starts = 0
    t = 0.0
    next_predict = 0.2
    while t < 3.0:
        t = round(t + 0.007, 9)
        twin.update(JointState(t, ("a", "b"), np.array([0.5 * t, 0.5 * t]), velocity=np.zeros(2)))
        if t >= next_predict and t < 2.0:
            twin.predict(None, 0.6, dt=0.01)
            starts += 1
            next_predict += 0.1
    m = twin.metrics
    assert list(m.error_count) == [starts, starts]
    np.testing.assert_allclose(m.error_rms[:, 0], [0.01, 0.05], rtol=1e-6)
    np.testing.assert_allclose(m.error_max[:, 0], [0.01, 0.05], rtol=1e-6)
    np.testing.assert_allclose(m.error_rms[:, 1], [0.0, 0.0], atol=1e-12)
    d = m.as_dict()
    assert d["prediction_error.rms.0.5s.a"] == pytest.approx(0.05)
    assert d["prediction_error.count.0.1s"] == starts
    rows = {(n, tuple(sorted(lab.items()))): v for n, lab, v in m.series()}
    assert rows[("twin_prediction_error_rms", (("horizon", "0.5"), ("joint", "a")))] == pytest.approx(0.05)
    # every series has its type and help for an exporter, and nothing is described that is not yielded
    assert {n for n, _ in rows} == set(METRIC_SERIES)
    assert all(len(help_text) > 10 for _, help_text in METRIC_SERIES.values())
    assert METRIC_SERIES["twin_received"][0] and not METRIC_SERIES["twin_staleness_s"][0]


def test_untracked_and_horizon_beyond_prediction_are_not_scored():
    twin = DigitalTwin(
        _ramp_model(), backend=_ramp((1.0, 1.0)), config=TwinConfig(base="fixed", error_horizons=(0.1, 1.0))
    )
    twin.update(JointState(0.0, ("a", "b"), np.zeros(2)))
    twin.predict(None, 0.2, dt=0.01)  # covers 0.1 only
    twin.predict(None, 2.0, dt=0.01, track=False)
    for k in range(1, 200):
        twin.update(JointState(0.01 * k, ("a", "b"), np.zeros(2)))
    m = twin.metrics
    assert list(m.error_count) == [1, 0]
    assert math.isnan(m.error_rms[1, 0])
    assert m.error_rms[0, 0] == pytest.approx(0.1)


def test_metrics_snapshot_is_immutable_and_flat(twin):
    twin.update(js(twin, 1.0))
    m = twin.metrics
    with pytest.raises(ValueError):
        m.error_rms[0, 0] = 1.0
    d = m.as_dict()
    assert all(isinstance(v, float) for v in d.values())
    assert {"received", "accepted", "dropped", "staleness_s", "receive_rate_hz"} <= d.keys()
    assert f"prediction_error.rms.1s.{twin.joint_names[0]}" in d
