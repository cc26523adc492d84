"""Online friction identification (recursive least squares) and change detection (CUSUM, EWMA).

All classes are vectorised over joints: one call per sample updates every joint.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..model.transforms import FloatArray

__all__ = ["Cusum", "Ewma", "FrictionRLS", "FrictionWindow"]

BoolArray = NDArray[np.bool_]


class FrictionRLS:
    """Per-joint recursive least squares with exponential forgetting on the torque residual.

    Model: ``r = f_c · s · g + d`` with ``s = sign(v)``, ``g`` the load/temperature compensation
    factor (friction at reference conditions = f_c) and ``d`` a bias (the static model error). The
    estimate is ``θ = (f_c, d)`` per joint; only joints in ``mask`` are updated at a sample. A viscous
    term ``f_v · v`` is deliberately not fitted: in periodic motion ``v`` and ``sign(v)`` are so
    collinear that it triples the variance of ``f_c`` (measured on the emulator); a viscous drift
    shows up in ``f_c`` at the joint's typical speed instead.

    Args:
        n: number of joints.
        forgetting: λ per sample (0 < λ ≤ 1); memory ≈ 1 / (1 − λ) samples.
        p0: initial covariance scale.
    """

    def __init__(self, n: int, forgetting: float, p0: float = 100.0) -> None:
        self.n = n
        self.forgetting = forgetting
        self.theta = np.zeros((n, 2))
        self.P = np.tile(np.eye(2) * p0, (n, 1, 1))
        self.var = np.full(n, 0.04)
        """Running residual variance (same forgetting) [N²·m²]."""
        self.count = np.zeros(n, dtype=np.int64)
        self.p_max = 1e4 * p0

    def update(self, residual: FloatArray, velocity: FloatArray, gain: FloatArray, mask: BoolArray) -> None:
        """One sample: residual torque [N·m], joint velocity [rad/s], compensation factor [-]."""
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        lam = self.forgetting
        v = velocity[idx]
        phi = np.stack([np.sign(v) * gain[idx], np.ones_like(v)], axis=1)
        P = self.P[idx]
        Pphi = np.einsum("nij,nj->ni", P, phi)
        denom = lam + np.einsum("ni,ni->n", phi, Pphi)
        k = Pphi / denom[:, None]
        err = residual[idx] - np.einsum("ni,ni->n", phi, self.theta[idx])
        self.theta[idx] += k * err[:, None]
        P = (P - np.einsum("ni,nj->nij", k, Pphi)) / lam
        # keep P symmetric (the textbook update loses symmetry by rounding, and forgetting amplifies
        # it until the estimate diverges — seen after ~30 000 samples) and bounded
        P = 0.5 * (P + np.swapaxes(P, 1, 2))
        self.P[idx] = P
        tr = P[:, 0, 0] + P[:, 1, 1]
        big = tr > self.p_max
        if big.any():
            self.P[idx[big]] = P[big] * (self.p_max / tr[big])[:, None, None]
        self.var[idx] = lam * self.var[idx] + (1.0 - lam) * err * err
        self.count[idx] += 1

    @property
    def friction(self) -> FloatArray:
        """Identified Coulomb friction offset at reference conditions f_c [N·m], per joint."""
        return np.asarray(self.theta[:, 0].copy())

    @property
    def friction_std(self) -> FloatArray:
        """Standard deviation of :attr:`friction` from the RLS covariance (white-residual model) [N·m]."""
        var = self.P[:, 0, 0] * self.var / (1.0 + self.forgetting)
        return np.asarray(np.sqrt(np.maximum(var, 0.0)))


class FrictionWindow:
    """Per-joint sliding-window least squares of the torque residual on Coulomb friction.

    Model: ``r = f_c · s · g + d`` with ``s = sign(v)``, ``g`` the load/temperature compensation factor
    and ``d`` a bias (the static model error), fitted over the last ``bins`` bins (each bin holds the
    sufficient statistics of its samples; :meth:`close_bin` ends one). Compared with exponential
    forgetting (:class:`FrictionRLS`) the window forgets exactly: nothing older than the window (start-up
    transients, a previous motion) biases the estimate, and a window that spans whole motion periods
    averages the periodic model error out.

    The uncertainty is computed from the *white* part of the residual: its level is estimated from
    differences of consecutive samples (the sensor noise; the model error is smooth and cancels), so
    ``std = σ_noise · sqrt((ΦᵀΦ)⁻¹₀₀)``. On the emulator this matches the spread of the estimates.

    Args:
        n: number of joints.
        bins: window length in bins.
        history: bins kept (≥ ``bins``), so that :meth:`estimate` can also fit a longer window from the
            same samples; default ``bins``.
    """

    # statistics per bin: Σφ², Σφ, Σ1, Σφr, Σr, Σ(Δr)², N_Δ, N(s>0), N(s<0)
    _NSTAT = 9

    def __init__(self, n: int, bins: int, history: int | None = None) -> None:
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        history = bins if history is None else history
        if history < bins:
            raise ValueError(f"history must be >= bins ({bins}), got {history}")
        self.n, self.bins, self.history = n, bins, history
        self._ring = np.zeros((history, self._NSTAT, n))
        self._cur = np.zeros((self._NSTAT, n))
        self._filled = 0
        self._k = 0
        self._last = np.full(n, np.nan)

    def update(self, residual: FloatArray, velocity: FloatArray, gain: FloatArray, mask: BoolArray) -> None:
        """One sample: residual torque [N·m], joint velocity [rad/s], compensation factor [-]; only
        joints in ``mask`` (moving) contribute."""
        m = mask.astype(float)
        s = np.sign(velocity)
        phi = s * gain * m
        r = np.where(mask, residual, 0.0)
        c = self._cur
        c[0] += phi * phi
        c[1] += phi
        c[2] += m
        c[3] += phi * r
        c[4] += r
        d = residual - self._last
        ok = mask & np.isfinite(d)
        c[5] += np.where(ok, d * d, 0.0)
        c[6] += ok
        c[7] += mask & (s > 0)
        c[8] += mask & (s < 0)
        self._last = np.where(mask, residual, np.nan)

    def close_bin(self) -> None:
        """End the current bin: it enters the window, the oldest kept bin leaves."""
        self._ring[self._k] = self._cur
        self._cur = np.zeros_like(self._cur)
        self._k = (self._k + 1) % self.history
        self._filled = min(self._filled + 1, self.history)

    def holds(self, bins: int) -> bool:
        """At least ``bins`` closed bins are kept (a window of that length can be fitted)."""
        return self._filled >= bins

    @property
    def full(self) -> bool:
        """The window holds ``bins`` closed bins."""
        return self.holds(self.bins)

    def estimate(self, bins: int | None = None) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Over the last ``bins`` closed bins (default the window, at most ``history``): friction f_c
        [N·m], its standard deviation [N·m], and the number of moving samples with positive and with
        negative velocity. NaN where the fit is not determined."""
        bins = self.bins if bins is None else bins
        if not 1 <= bins <= self.history:
            raise ValueError(f"bins must be in 1..{self.history}, got {bins}")
        recent = (self._k - 1 - np.arange(bins)) % self.history
        S = self._ring[recent].sum(axis=0)
        det = S[0] * S[2] - S[1] * S[1]
        good = det > 1e-9 * np.maximum(S[2], 1.0) ** 2
        safe = np.where(good, det, 1.0)
        f = np.where(good, (S[2] * S[3] - S[1] * S[4]) / safe, np.nan)
        noise_var = S[5] / np.maximum(2.0 * S[6], 1.0)
        std = np.where(good, np.sqrt(noise_var * S[2] / safe), np.nan)
        return np.asarray(f), np.asarray(std), np.asarray(S[7]), np.asarray(S[8])


class Cusum:
    """One-sided (upward) CUSUM of standardised values: g = max(0, g + z − k); alarm when g > h."""

    def __init__(self, n: int, k: float, h: float) -> None:
        self.k, self.h = k, h
        self.g = np.zeros(n)

    def update(self, z: FloatArray, mask: BoolArray | None = None) -> BoolArray:
        """Add one standardised sample per joint; returns where g > h."""
        g = np.maximum(0.0, self.g + z - self.k)
        if mask is not None:
            g = np.where(mask, g, self.g)
        self.g = g
        return np.asarray(g > self.h)

    def reset(self) -> None:
        self.g[:] = 0.0


class Ewma:
    """EWMA of standardised values: e = λ z + (1 − λ) e; alarm when e > L."""

    def __init__(self, n: int, lam: float, limit: float) -> None:
        self.lam, self.limit = lam, limit
        self.e = np.zeros(n)

    def update(self, z: FloatArray, mask: BoolArray | None = None) -> BoolArray:
        """Add one standardised sample per joint; returns where e > L."""
        e = self.lam * z + (1.0 - self.lam) * self.e
        if mask is not None:
            e = np.where(mask, e, self.e)
        self.e = e
        return np.asarray(e > self.limit)

    def reset(self) -> None:
        self.e[:] = 0.0
