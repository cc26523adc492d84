"""DigitalTwin: mirroring, prediction without disturbing the mirror, threads, determinism, base modes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from humanoid_twin.errors import ConfigError
from humanoid_twin.robots.humanoid import STANDING_OPTIONS
from humanoid_twin.twin import (
    BASE_ASSUMED,
    BASE_ASSUMED_UPRIGHT,
    BASE_FIXED,
    BASE_MIRRORED,
    BaseState,
    DigitalTwin,
    JointCommand,
    JointState,
    TwinConfig,
)

from .conftest import RampBackend, humanoid_model, js, make_twin, nominal


def test_update_mirrors_the_state(twin):
    q = nominal(twin.joint_names) + 0.01
    qd = np.linspace(-1, 1, len(q))
    r = twin.update(js(twin, 1.0, q, velocity=qd))
    assert r.accepted and r.joints == len(q) and r.reason is None
    s = twin.get_state()
    assert s.stamp == 1.0
    np.testing.assert_array_equal(s.q, q)
    np.testing.assert_array_equal(s.qd, qd)
    np.testing.assert_array_equal(twin.backend.get_state().q, q)


def test_partial_update_touches_only_named_joints(twin):
    q0 = nominal(twin.joint_names)
    twin.update(js(twin, 1.0, q0))
    r = twin.update(JointState(1.01, ("left_knee", "neck_yaw"), np.array([1.0, 0.2])))
    assert r.accepted and r.joints == 2
    s = twin.get_state()
    expect = q0.copy()
    expect[twin.joint_names.index("left_knee")] = 1.0
    expect[twin.joint_names.index("neck_yaw")] = 0.2
    np.testing.assert_array_equal(s.q, expect)
    # Velocity of the named joints is estimated by finite differences, the others keep theirs.
    k = twin.joint_names.index("left_knee")
    assert s.qd[k] == pytest.approx((1.0 - 0.6) / 0.01)
    assert s.qd[0] == 0.0


def test_predict_does_not_disturb_the_mirror(twin):
    twin.update(js(twin, 1.0, velocity=np.full(27, 0.1)))
    before = twin.get_state()
    live = twin.backend.get_state()
    p = twin.predict(JointCommand(1.0, ("left_knee",), position=np.array([1.2])), 0.3)
    assert p.start == 1.0 and p.times[-1] == pytest.approx(1.3)
    assert p.q[-1][twin.joint_names.index("left_knee")] > 0.7  # the command acted in the prediction
    after = twin.get_state()
    assert after is before or (np.array_equal(after.q, before.q) and np.array_equal(after.qd, before.qd))
    now = twin.backend.get_state()
    np.testing.assert_array_equal(now.q, live.q)
    np.testing.assert_array_equal(now.qd, live.qd)
    assert now.stamp == live.stamp


def test_predict_is_deterministic():
    a, b = make_twin(), make_twin()
    rng = np.random.default_rng(3)
    for k in range(20):
        msg = js(a, 0.002 * (k + 1), nominal(a.joint_names) + rng.normal(0, 0.01, 27))
        a.update(msg)
        b.update(msg)
    cmd = JointCommand(0.0, ("right_hip_pitch",), position=np.array([-0.6]))
    pa, pb = a.predict(cmd, 0.4, dt=0.01), b.predict(cmd, 0.4, dt=0.01)
    np.testing.assert_array_equal(pa.q, pb.q)
    np.testing.assert_array_equal(pa.base_position, pb.base_position)
    np.testing.assert_array_equal(a.predict(cmd, 0.4, dt=0.01).q, pa.q)


def test_batch_equals_sequential(twin):
    twin.update(js(twin, 1.0))
    cmds = [JointCommand(0.0, ("left_elbow",), position=np.array([-0.3 - 0.2 * k])) for k in range(4)]
    batch = twin.predict_batch(cmds, 0.2, dt=0.01)
    for c, p in zip(cmds, batch, strict=True):
        np.testing.assert_array_equal(p.q, twin.predict(c, 0.2, dt=0.01, track=False).q)


def test_note_command_sets_held_targets(twin):
    twin.update(js(twin, 1.0))
    twin.note_command(JointCommand(1.0, ("left_elbow",), position=np.array([-1.0])))
    s = twin.get_state()
    i = twin.joint_names.index("left_elbow")
    assert s.targets is not None and s.targets[i] == -1.0
    assert s.targets[0] == s.q[0]
    p = twin.predict(None, 0.5)
    assert p.q[-1][i] == pytest.approx(-1.0, abs=0.05)


def test_threads_update_while_predicting(twin):
    """One thread streams states whose joints all equal c_k; another predicts: no exception, and every
    prediction starts from exactly one whole message (never a torn mix)."""
    n = len(twin.joint_names)
    values = {round(0.001 * k, 6) for k in range(400)}
    errors: list[BaseException] = []
    starts: list[np.ndarray] = []

    def feed():
        try:
            for k in range(400):
                twin.update(JointState(0.002 * (k + 1), twin.joint_names, np.full(n, 0.001 * k)))
        except BaseException as err:
            errors.append(err)

    def predict():
        try:
            for _ in range(15):
                starts.append(np.array(twin.predict(None, 0.05, track=False).q[0]))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=feed), threading.Thread(target=predict)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for q0 in starts:
        assert np.all(q0 == q0[0]) and round(float(q0[0]), 6) in values | {0.0}
    s = twin.get_state()
    assert s.stamp == pytest.approx(0.8) and np.all(s.q == 0.399)
    assert twin.metrics.accepted == 400


def test_base_modes():
    model = humanoid_model()
    floating = make_twin()
    assert floating.base_mode == BASE_ASSUMED
    # a robot without the foot frames is kept upright, and says so (it claimed "feet flat")
    footless = model.replace(
        links=tuple(lk for lk in model.links if lk.name not in ("left_foot", "right_foot")),
        joints=tuple(j for j in model.joints if j.child not in ("left_foot", "right_foot")),
    )
    assert DigitalTwin(footless, options=STANDING_OPTIONS).base_mode == BASE_ASSUMED_UPRIGHT
    floating.update(js(floating, 1.0))
    s = floating.get_state()
    assert s.base is not None and s.base.quat == pytest.approx((1.0, 0.0, 0.0, 0.0), abs=1e-12)  # upright
    assert s.base.position[2] == pytest.approx(floating.backend.rest_height(s.q))
    base = BaseState(1.0, (0.5, 0.1, 0.85), (1.0, 0.0, 0.0, 0.0), (0.2, 0.0, 0.0))
    assert floating.update(js(floating, 1.01), base).accepted
    assert floating.base_mode == BASE_MIRRORED and floating.get_state().base == base
    bad = BaseState(2.0, (float("nan"), 0.0, 0.0), (1.0, 0.0, 0.0, 0.0))
    assert not floating.update_base(bad).accepted
    assert floating.get_state().base == base and floating.metrics.base_rejected == 1

    fixed = DigitalTwin(model, config=TwinConfig(base="fixed", nthread=0))
    assert fixed.base_mode == BASE_FIXED and fixed.get_state().base is None
    assert not fixed.update_base(base).accepted
    p = fixed.predict(None, 0.1)
    assert p.base_position is None


def test_assumed_base_puts_the_feet_flat():
    """Without odometry, a crouch whose legs pitch the pelvis (hips 0.5 rad, knees 0.6, ankles 0.2,
    not summing to 0) is placed with the soles as at the zero pose and the lowest collider on the
    floor — a base kept upright would stand on the soles' toe or heel edges."""
    from humanoid_twin.model import Pose
    from humanoid_twin.model.kinematics import forward_kinematics

    model = humanoid_model()
    twin = make_twin()
    q = nominal(twin.joint_names)
    crouch = {"hip_pitch": -0.5, "knee": 0.6, "ankle_pitch": -0.2}
    for i, n in enumerate(twin.joint_names):
        q[i] = next((v for k, v in crouch.items() if n.endswith(k)), q[i])
    twin.update(js(twin, 1.0, q))
    base = twin.get_state().base
    assert base is not None and abs(base.quat[2]) > 0.04  # pitched by 0.1 rad: sin(0.05)
    pose = dict(zip(twin.joint_names, q.tolist(), strict=True))
    world = forward_kinematics(model, pose, base=Pose(base.position, base.quat))
    zero = forward_kinematics(model)
    for foot in ("left_foot", "right_foot"):
        assert np.allclose(world[foot][:3, :3], zero[foot][:3, :3], atol=1e-9)
    assert base.position[2] == pytest.approx(twin.backend.rest_height(q, base.quat))
    assert twin.backend.rest_height(q, base.quat) != pytest.approx(twin.backend.rest_height(q), abs=1e-3)


def test_assumed_base_lays_another_robot_s_named_soles_flat():
    """A robot whose soles are not called left_foot/right_foot names them in ``TwinConfig.feet``; its
    assumed base is then laid flat like the humanoid's (it stayed upright: a G1 forked from a 0.5°
    lean stood on its toes or heels, support margin −6.8 cm instead of +7.4 cm)."""
    import dataclasses

    model = humanoid_model()
    rename = {"left_foot": "l_sole", "right_foot": "r_sole"}
    other = model.replace(
        links=tuple(dataclasses.replace(lk, name=rename.get(lk.name, lk.name)) for lk in model.links),
        joints=tuple(dataclasses.replace(j, child=rename.get(j.child, j.child)) for j in model.joints),
    )
    twin = make_twin()
    q = nominal(twin.joint_names)
    q[[i for i, n in enumerate(twin.joint_names) if n.endswith("knee")]] += 0.3  # pitches the pelvis
    twin.update(js(twin, 1.0, q))
    flat = twin.get_state().base
    assert flat is not None and abs(flat.quat[2]) > 0.04
    upright = DigitalTwin(other, options=STANDING_OPTIONS, config=TwinConfig(nthread=0))
    assert upright.base_mode == BASE_ASSUMED_UPRIGHT and "[twin] feet" in upright.base_mode
    named = DigitalTwin(
        other, options=STANDING_OPTIONS, config=TwinConfig(nthread=0, feet=("l_sole", "r_sole"))
    )
    assert named.base_mode == BASE_ASSUMED
    named.update(js(named, 1.0, q))
    base = named.get_state().base
    assert base is not None and base.quat == pytest.approx(flat.quat, abs=1e-12)
    with pytest.raises(ConfigError, match=r"twin feet: robot 'humanoid' has no link 'l_foot'.*r_sole"):
        DigitalTwin(other, options=STANDING_OPTIONS, config=TwinConfig(feet=("l_foot", "r_sole")))
    with pytest.raises(ConfigError, match="twin feet must be a non-empty list of link names"):
        TwinConfig(feet=())


def test_config_validation():
    with pytest.raises(ConfigError, match="stale_after"):
        TwinConfig(stale_after=0)
    with pytest.raises(ConfigError, match="error_horizons"):
        TwinConfig(error_horizons=(0.5, 0.1))
    with pytest.raises(ConfigError, match="base"):
        TwinConfig(base="hovering")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="backend's base"):
        DigitalTwin(humanoid_model(), backend=RampBackend(("a",), np.zeros(1)))
