"""Life formulas, thermal model and inverse-Gaussian quantiles against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from humanoid_twin.maintenance import (
    LoadCollective,
    ThermalModel,
    bearing_l10,
    bearing_l10h,
    harmonic_drive_l10,
    harmonic_drive_l50,
    inverse_gaussian_quantile,
)


def test_iso281_ball_and_roller() -> None:
    assert bearing_l10(20000.0, 2000.0, 3.0) == pytest.approx(1000.0)  # (10)^3 Mrev
    assert bearing_l10(20000.0, 2000.0, 10.0 / 3.0) == pytest.approx(10 ** (10 / 3))
    # L10h = 1e6 / (60 · 100 rpm) · 1000 Mrev = 166 666.7 h
    assert bearing_l10h(20000.0, 2000.0, 100.0, 3.0) == pytest.approx(1e9 / 6000.0)
    assert bearing_l10h(20000.0, 2000.0, 0.0) == math.inf


def test_harmonic_drive_rated_life() -> None:
    # Ln 35 000 h · (2000/1000) · (100/50)^3 = 560 000 h; L10 = L50 / 5
    assert harmonic_drive_l50(35000.0, 2000.0, 100.0, 1000.0, 50.0) == pytest.approx(560000.0)
    assert harmonic_drive_l10(35000.0, 2000.0, 100.0, 1000.0, 50.0) == pytest.approx(112000.0)


def test_collective_equivalent_torque() -> None:
    c = LoadCollective(np.array([100.0]), bins=10)
    c.add(np.array([15.0]), np.array([1.0]), 3.0)  # bin 10–20 N·m, 3 rad at 15 N·m
    c.add(np.array([35.0]), np.array([1.0]), 0.5)  # bin 30–40 N·m: 0.5 rad at 35 N·m
    c.add(np.array([-39.0]), np.array([-1.0]), 0.5)  # and 0.5 rad at 39 N·m
    s = c.summary(0, 100.0, 10.0, 3.0)
    # each bin stands for the angle-weighted mean torque that fell into it (15 and 37 N·m), not its
    # upper edge (20 and 40 N·m gave 28.0 N·m instead of 24.8); the cubic mean stays below the peak
    assert s.torque_cubic_mean == pytest.approx(((3 * 15**3 + 1 * 37**3) / 4) ** (1 / 3))
    assert s.torque_cubic_mean < 39.0
    assert s.revolutions == pytest.approx(4.0 / (2 * math.pi))
    assert s.bearing_load == pytest.approx(((3 * 250**3 + 470**3) / 4) ** (1 / 3))
    assert s.mean_speed == pytest.approx(s.revolutions / (4.0 / 60.0))


def test_thermal_steady_state_is_ambient_plus_p_rth() -> None:
    m = ThermalModel(*(np.array([v]) for v in (0.1, 100.0, 0.8, 0.3, 0.0, 1.5, 300.0, 25.0)))
    tau = np.array([40.0])  # i = 40 / 8 = 5 A → P = 7.5 W → ΔT = 11.25 K
    for _ in range(200):
        m.step(tau, 60.0)
    assert m.temperature[0] == pytest.approx(25.0 + 7.5 * 1.5, rel=1e-6)
    # with the copper tempco the steady state solves T = T_amb + i²R(T)·R_th
    m2 = ThermalModel(*(np.array([v]) for v in (0.1, 100.0, 0.8, 0.3, 0.00393, 1.5, 300.0, 25.0)))
    for _ in range(400):
        m2.step(tau, 60.0)
    t = m2.temperature[0]
    assert t == pytest.approx(25.0 + float(m2.power(tau)[0]) * 1.5, rel=1e-6)
    assert t > 25.0 + 7.5 * 1.5


def test_inverse_gaussian_quantiles() -> None:
    mean, shape = 100.0, 400.0
    rng = np.random.default_rng(1)
    # Wiener first passage by simulation: μ = 1, σ² = D²/shape with D = 100
    draws = rng.wald(mean, shape, 200_000)
    for q in (0.05, 0.5, 0.95):
        assert inverse_gaussian_quantile(q, mean, shape) == pytest.approx(np.quantile(draws, q), rel=0.02)
    assert inverse_gaussian_quantile(0.5, math.inf, 1.0) == math.inf
