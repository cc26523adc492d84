"""CUSUM/EWMA and the friction estimator on synthetic data."""

from __future__ import annotations

import numpy as np

from humanoid_twin.maintenance import Cusum, Ewma, FrictionRLS


def test_cusum_and_ewma_detect_a_step_and_stay_quiet_on_noise() -> None:
    rng = np.random.default_rng(0)
    n = 20
    cusum, ewma = Cusum(n, k=1.0, h=10.0), Ewma(n, lam=0.2, limit=1.5)
    # 5 minutes at 10 Hz of white noise on 20 channels: no alarm
    for _ in range(3000):
        z = rng.standard_normal(n)
        assert not cusum.update(z).any()
        assert not ewma.update(z).any()
    # a 2 σ step on channel 3 is caught within 3 s by both
    hit_c = hit_e = None
    for k in range(100):
        z = rng.standard_normal(n)
        z[3] += 2.0
        c, e = cusum.update(z), ewma.update(z)
        assert not c[np.arange(n) != 3].any()
        if c[3] and hit_c is None:
            hit_c = k
        if e[3] and hit_e is None:
            hit_e = k
    assert hit_c is not None and hit_c < 30
    assert hit_e is not None and hit_e < 30


def test_friction_rls_converges_and_tracks_a_rise() -> None:
    rng = np.random.default_rng(2)
    n, dt = 3, 0.002
    rls = FrictionRLS(n, np.exp(-dt / 2.0))
    fc = np.array([0.1, 0.3, 0.05])
    bias = np.array([0.5, -1.0, 0.0])
    gain = np.ones(n)
    for k in range(10000):  # 20 s
        t = k * dt
        v = np.array([np.sin(3 * t), np.cos(2 * t), np.sin(5 * t + 1)]) * 1.5
        if k == 5000:
            fc = fc + np.array([0.0, 0.06, 0.0])  # +20 % on joint 1 at 10 s
        r = fc * np.sign(v) + bias + 0.2 * rng.standard_normal(n)
        rls.update(r, v, gain, np.abs(v) > 0.05)
        if k == 4999:
            assert np.allclose(rls.friction, [0.1, 0.3, 0.05], atol=0.02)
    assert np.allclose(rls.friction, [0.1, 0.36, 0.05], atol=0.02)
    assert np.all(rls.friction_std < 0.02)
