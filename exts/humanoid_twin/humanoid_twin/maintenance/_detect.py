"""Online friction identification (recursive least squares) and change detection (CUSUM, EWMA).

All classes are vectorised over joints: one call per sample updates every joint.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["Cusum", "Ewma", "FrictionRLS"]

FloatArray = NDArray[np.float64]
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
