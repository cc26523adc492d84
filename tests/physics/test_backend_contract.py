"""The contract every physics backend must pass (parametrized over backends; MuJoCo today)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from humanoid_twin.errors import PhysicsError
from humanoid_twin.physics.backend import Backend
from humanoid_twin.robots import humanoid as H
from humanoid_twin.twin import BaseState, JointCommand, RobotState

pytest.importorskip("mujoco")

STEPS = 100  # 0.2 s at 2 ms: short, the suite runs on 2 shared cores


@functools.cache
def _model():
    return H.load_humanoid()


def _mujoco() -> Backend:
    from humanoid_twin.physics.mujoco import MujocoBackend

    return MujocoBackend(_model(), H.STANDING_OPTIONS, timestep=H.STANDING_TIMESTEP, nthread=2)


BACKENDS = {"mujoco": _mujoco}


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def backend(request) -> Backend:
    return BACKENDS[request.param]()


def nominal(b: Backend) -> np.ndarray:
    return np.array([H.NOMINAL_POSE.get(n, 0.0) for n in b.joint_names])


def standing(b: Backend, stamp: float = 1.0, **kw) -> RobotState:
    q = kw.pop("q", nominal(b))
    base = BaseState(stamp, (0.0, 0.0, b.rest_height(q)), (1.0, 0.0, 0.0, 0.0)) if b.floating_base else None
    return RobotState(stamp, b.joint_names, q, kw.pop("qd", np.zeros_like(q)), base, **kw)


def test_is_a_backend(backend):
    assert isinstance(backend, Backend)
    assert backend.joint_names == tuple(j.name for j in _model().actuated_joints)
    assert backend.timestep == pytest.approx(H.STANDING_TIMESTEP)
    assert backend.floating_base


def test_set_get_round_trip(backend):
    rng = np.random.default_rng(1)
    q = nominal(backend) + rng.uniform(-0.05, 0.05, len(backend.joint_names))
    qd = rng.uniform(-0.5, 0.5, len(q))
    targets = q + 0.01
    base = BaseState(
        2.5, (0.1, -0.2, 0.9), (0.9950042, 0.0, 0.0998334, 0.0), (0.1, 0.2, 0.3), (0.4, 0.5, 0.6)
    )
    backend.set_state(RobotState(2.5, backend.joint_names, q, qd, base, targets))
    s = backend.get_state()
    assert s.stamp == 2.5 and s.joint_names == backend.joint_names
    np.testing.assert_allclose(s.q, q)
    np.testing.assert_allclose(s.qd, qd)
    np.testing.assert_allclose(s.targets, targets)
    assert s.base is not None
    np.testing.assert_allclose(s.base.position, base.position)
    np.testing.assert_allclose(s.base.quat, base.quat, atol=1e-6)
    np.testing.assert_allclose(s.base.linear_velocity, base.linear_velocity)
    np.testing.assert_allclose(s.base.angular_velocity, base.angular_velocity)
    # No targets: the drives hold the current position.
    backend.set_state(RobotState(2.5, backend.joint_names, q, qd, base))
    np.testing.assert_allclose(backend.get_state().targets, q)


def test_set_state_rejects_foreign_names(backend):
    s = standing(backend)
    with pytest.raises(PhysicsError, match="joint names"):
        backend.set_state(RobotState(0.0, s.joint_names[::-1], s.q, s.qd))


def test_step_tracks_command_and_holds_others(backend):
    backend.set_state(standing(backend))
    start = backend.get_state()
    i = backend.joint_names.index("left_elbow")
    j = backend.joint_names.index("right_elbow")
    cmd = JointCommand(0.0, ("left_elbow",), position=np.array([-1.0]))
    s = backend.step(cmd, 250)
    assert s.stamp == pytest.approx(start.stamp + 250 * backend.timestep)
    assert s.q[i] == pytest.approx(-1.0, abs=0.05)
    assert s.q[j] == pytest.approx(start.q[j], abs=0.02)
    assert s.targets[i] == -1.0 and s.targets[j] == start.q[j]


def test_unknown_command_joint_is_an_error(backend):
    backend.set_state(standing(backend))
    with pytest.raises(PhysicsError, match="'nope'"):
        backend.step(JointCommand(0.0, ("nope",), position=np.array([0.0])))
    with pytest.raises(PhysicsError, match="values for"):
        backend.step(JointCommand(0.0, ("left_knee",), position=np.array([0.0, 1.0])))


def test_rollout_leaves_live_state_alone(backend):
    backend.set_state(standing(backend, stamp=3.0))
    before = backend.snapshot()
    s = backend.get_state()
    backend.rollout([s, s], JointCommand(0.0, ("left_knee",), position=np.array([1.0])), STEPS)
    after = backend.get_state()
    np.testing.assert_array_equal(after.q, s.q)
    np.testing.assert_array_equal(after.qd, s.qd)
    assert after.stamp == s.stamp
    np.testing.assert_array_equal(backend.snapshot().state, before.state)


def test_rollout_samples(backend):
    s = standing(backend, stamp=5.0)
    (p,) = backend.rollout([s], None, STEPS, every=5)
    assert p.start == 5.0 and p.joint_names == backend.joint_names
    assert p.q.shape == p.qd.shape == (STEPS // 5 + 1, len(s.q))
    np.testing.assert_allclose(p.times, 5.0 + np.arange(STEPS // 5 + 1) * 5 * backend.timestep)
    np.testing.assert_array_equal(p.q[0], s.q)
    assert p.base_position is not None and p.base_position.shape == (STEPS // 5 + 1, 3)
    assert not p.q.flags.writeable
    with pytest.raises(PhysicsError, match="multiple"):
        backend.rollout([s], None, 7, every=5)


def test_rollout_equals_stepping(backend):
    s = standing(backend)
    cmd = JointCommand(0.0, ("left_hip_pitch", "right_elbow"), position=np.array([-0.5, -0.8]))
    (p,) = backend.rollout([s], cmd, STEPS)
    backend.set_state(s)
    stepped = backend.step(cmd, STEPS)
    np.testing.assert_allclose(stepped.q, p.q[-1], atol=1e-9)
    np.testing.assert_allclose(stepped.qd, p.qd[-1], atol=1e-7)


def test_rollout_deterministic_and_batch_equals_sequential(backend):
    rng = np.random.default_rng(7)
    states = [standing(backend, q=nominal(backend) + rng.uniform(-0.05, 0.05, 27)) for _ in range(6)]
    cmds = [
        JointCommand(0.0, ("left_knee",), position=np.array([0.2 * k])) if k % 2 else None for k in range(6)
    ]
    batch = backend.rollout(states, cmds, STEPS, every=10)
    again = backend.rollout(states, cmds, STEPS, every=10)
    for k, (s, c) in enumerate(zip(states, cmds, strict=True)):
        (single,) = backend.rollout([s], [c], STEPS, every=10)
        np.testing.assert_array_equal(batch[k].q, single.q)
        np.testing.assert_array_equal(batch[k].qd, single.qd)
        np.testing.assert_array_equal(batch[k].q, again[k].q)


def test_command_arrays(backend):
    s = standing(backend)
    n = len(s.q)
    held = backend.rollout([s], None, STEPS)[0]
    nan = backend.rollout([s], np.full(n, np.nan), STEPS)[0]
    np.testing.assert_array_equal(held.q, nan.q)
    targets = np.array(s.q)
    targets[backend.joint_names.index("left_knee")] = 1.0
    by_array = backend.rollout([s], targets[None, None, :].repeat(STEPS, axis=1), STEPS)[0]
    by_cmd = backend.rollout([s], JointCommand(0.0, ("left_knee",), position=np.array([1.0])), STEPS)[0]
    np.testing.assert_allclose(by_array.q, by_cmd.q, atol=1e-12)
    with pytest.raises(PhysicsError, match="shape"):
        backend.rollout([s], np.zeros((2, 3)), STEPS)


def test_fork_snapshot_restore(backend):
    backend.set_state(standing(backend))
    snap = backend.snapshot()
    other = backend.fork()
    np.testing.assert_array_equal(other.get_state().q, backend.get_state().q)
    other.step(JointCommand(0.0, ("left_knee",), position=np.array([1.2])), 50)
    assert not np.array_equal(other.get_state().q, backend.get_state().q)
    backend.step(None, 30)
    backend.restore(snap)
    again = backend.get_state()
    backend.set_state(standing(backend))
    np.testing.assert_array_equal(again.q, backend.get_state().q)


def test_rest_height_puts_the_feet_on_the_ground(backend):
    q = nominal(backend)
    h = backend.rest_height(q)
    assert 0.80 < h < 0.90  # the humanoid's pelvis stands 0.849 m above its soles at NOMINAL_POSE
    (p,) = backend.rollout([standing(backend, q=q)], None, STEPS)
    assert p.base_position is not None
    z = p.base_position[:, 2]
    assert abs(z[-1] - h) < 0.01 and z.max() < h + 0.005
