"""Life and wear models: ISO 281 bearing life, harmonic-drive rated life, first-order winding
temperature, load collectives (torque spectra) and the inverse-Gaussian first-passage time.

Pure numpy/math; vectorised over joints where it matters (one call per sample for all joints).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model.transforms import FloatArray

__all__ = [
    "LoadCollective",
    "ThermalModel",
    "bearing_l10",
    "bearing_l10h",
    "harmonic_drive_l10",
    "harmonic_drive_l50",
    "inverse_gaussian_quantile",
    "weibull_life_quantile",
]


REV = 2.0 * math.pi


def bearing_l10(capacity: float, load: float, exponent: float = 3.0) -> float:
    """ISO 281 basic rating life L10 = (C/P)^p [million revolutions]; inf for P = 0."""
    if load <= 0.0:
        return math.inf
    return float((capacity / load) ** exponent)


def bearing_l10h(capacity: float, load: float, speed_rpm: float, exponent: float = 3.0) -> float:
    """L10h = 10^6 / (60 n) · L10 [h] at a mean speed ``speed_rpm`` [rev/min]; inf when n = 0."""
    if speed_rpm <= 0.0:
        return math.inf
    return 1e6 / (60.0 * speed_rpm) * bearing_l10(capacity, load, exponent)


def harmonic_drive_l50(
    rated_life: float, rated_speed: float, rated_torque: float, avg_speed: float, avg_torque: float
) -> float:
    """Wave-generator life L50 = L_n · (n_N / n_av) · (T_N / T_av)^3 [h] (speeds at the input [rpm])."""
    if avg_speed <= 0.0 or avg_torque <= 0.0:
        return math.inf
    return rated_life * (rated_speed / avg_speed) * (rated_torque / avg_torque) ** 3


def harmonic_drive_l10(
    rated_life: float, rated_speed: float, rated_torque: float, avg_speed: float, avg_torque: float
) -> float:
    """L10 ≈ L50 / 5 [h]."""
    return harmonic_drive_l50(rated_life, rated_speed, rated_torque, avg_speed, avg_torque) / 5.0


WEIBULL_SLOPE = 1.5
"""Weibull slope of rolling-bearing and wave-generator life scatter (ISO 281 uses 3/2)."""


def weibull_life_quantile(l10: float, q: float, slope: float = WEIBULL_SLOPE) -> float:
    """The life by which a fraction ``q`` has failed, given L10 (same unit), for a Weibull scatter."""
    if not math.isfinite(l10):
        return math.inf
    return float(l10 * (math.log(1.0 / (1.0 - q)) / math.log(1.0 / 0.9)) ** (1.0 / slope))


class ThermalModel:
    """First-order winding temperature, per joint: C_th dT/dt = i²R(T) − (T − T_amb)/R_th.

    i = |τ| / (k_t · N · η), R(T) = R_20 · (1 + α (T − 20 °C)). Integrated exactly for the linear
    part over each step (stable for any step), with R evaluated at the start of the step.
    """

    def __init__(
        self,
        torque_constant: FloatArray,
        gear_ratio: FloatArray,
        efficiency: FloatArray,
        resistance: FloatArray,
        tempco: FloatArray,
        r_th: FloatArray,
        c_th: FloatArray,
        ambient: FloatArray,
    ) -> None:
        self.k = np.asarray(torque_constant * gear_ratio * efficiency, dtype=float)
        self.r20 = np.asarray(resistance, dtype=float)
        self.alpha = np.asarray(tempco, dtype=float)
        self.r_th = np.asarray(r_th, dtype=float)
        self.c_th = np.asarray(c_th, dtype=float)
        self.ambient = np.asarray(ambient, dtype=float)
        self.temperature = self.ambient.copy()
        """Current winding temperature [°C]."""
        self.peak = self.temperature.copy()
        """Highest temperature so far [°C]."""

    def power(self, torque: FloatArray, temperature: FloatArray | None = None) -> FloatArray:
        """Copper loss i²R(T) [W] at joint torque ``torque`` [N·m]."""
        t = self.temperature if temperature is None else temperature
        i = np.abs(torque) / self.k
        return np.asarray(i * i * self.r20 * (1.0 + self.alpha * (t - 20.0)))

    def step(self, torque: FloatArray, dt: float) -> FloatArray:
        """Advance ``dt`` [s] with ``torque`` [N·m] held; returns the temperature [°C]."""
        if dt <= 0.0:
            return self.temperature
        steady = self.ambient + self.power(torque) * self.r_th
        decay = np.exp(-dt / (self.r_th * self.c_th))
        self.temperature = steady + (self.temperature - steady) * decay
        np.maximum(self.peak, self.temperature, out=self.peak)
        return self.temperature


@dataclass(frozen=True)
class CollectiveSummary:
    """Equivalent values of a load collective (at the joint/output side)."""

    hours: float
    """Time covered [h]."""
    revolutions: float
    """Output revolutions [rev]."""
    mean_speed: float
    """n_av at the output [rpm] (revolutions / time)."""
    torque_cubic_mean: float
    """T_av = (Σ n_i t_i |T_i|³ / Σ n_i t_i)^(1/3) [N·m] (harmonic-drive catalogue)."""
    bearing_load: float
    """Equivalent dynamic bearing load P = (Σ rev_i P_i^p / Σ rev_i)^(1/p) [N]."""


class LoadCollective:
    """Time and angle spent at each torque level (a torque spectrum), per joint.

    Bins are |τ| from 0 to ``limit`` (the joint's effort limit) in ``bins`` equal steps; torques
    above the limit go to the last bin. A bin's representative torque is the mean |τ| of what fell
    into it, weighted by the angle travelled (its upper edge when nothing moved in it), so the
    equivalent loads stay within the torques that occurred (the upper edge read up to a bin, 5 % of
    the limit, high: a cubic-mean torque above the peak).
    """

    def __init__(self, limits: FloatArray, bins: int = 20) -> None:
        self.limits = np.asarray(limits, dtype=float)
        self.bins = bins
        n = len(self.limits)
        self.time = np.zeros((n, bins))
        """[s] per joint and torque bin."""
        self.angle = np.zeros((n, bins))
        """[rad] travelled per joint and torque bin."""
        self.moment = np.zeros((n, bins))
        """[N·m·rad] Σ |τ|·angle per joint and torque bin (the angle-weighted mean torque × angle)."""
        self._rows = np.arange(n)

    def levels(self, i: int) -> FloatArray:
        """Representative |τ| of each bin of joint ``i`` [N·m] (see the class docstring)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self.moment[i] / self.angle[i]
        return np.where(self.angle[i] > 0, mean, self.edges[i])

    @property
    def edges(self) -> FloatArray:
        """Upper bin edges per joint [N·m], shape (n, bins)."""
        return np.asarray(self.limits[:, None] * np.arange(1, self.bins + 1)[None, :] / self.bins)

    def add(self, torque: FloatArray, speed: FloatArray, dt: float) -> None:
        """Account ``dt`` [s] at ``torque`` [N·m] and joint ``speed`` [rad/s] (all joints)."""
        b = np.minimum((np.abs(torque) / self.limits * self.bins).astype(np.intp), self.bins - 1)
        self.time[self._rows, b] += dt
        da = np.abs(speed) * dt
        self.angle[self._rows, b] += da
        self.moment[self._rows, b] += da * np.abs(torque)

    def merge(self, other: LoadCollective) -> LoadCollective:
        """A new collective with both contents (same limits and bins)."""
        out = LoadCollective(self.limits, self.bins)
        out.time = self.time + other.time
        out.angle = self.angle + other.angle
        out.moment = self.moment + other.moment
        return out

    def scaled(self, factor: float) -> LoadCollective:
        """The same spectrum repeated ``factor`` times (e.g. one measured hour → a planned duty)."""
        out = LoadCollective(self.limits, self.bins)
        out.time = self.time * factor
        out.angle = self.angle * factor
        out.moment = self.moment * factor
        return out

    def summary(
        self, i: int, bearing_static: float, bearing_per_torque: float, p: float
    ) -> CollectiveSummary:
        """Equivalent load and speed of joint ``i``."""
        t = float(self.time[i].sum())
        ang = self.angle[i]
        rev = float(ang.sum()) / REV
        levels = self.levels(i)
        if rev > 0:
            t_av = float((np.sum(ang * levels**3) / ang.sum()) ** (1.0 / 3.0))
            loads = bearing_static + bearing_per_torque * levels
            p_eq = float((np.sum(ang * loads**p) / ang.sum()) ** (1.0 / p))
        else:
            t_av, p_eq = 0.0, bearing_static
        return CollectiveSummary(
            hours=t / 3600.0,
            revolutions=rev,
            mean_speed=rev / (t / 60.0) if t > 0 else 0.0,
            torque_cubic_mean=t_av,
            bearing_load=p_eq,
        )


def _norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _log_norm_sf(x: float) -> float:
    """log(1 − Φ(x)), accurate for large x."""
    if x < 8.0:
        return math.log(max(0.5 * math.erfc(x / math.sqrt(2.0)), 1e-300))
    return -0.5 * x * x - math.log(x * math.sqrt(2.0 * math.pi)) + math.log1p(-1.0 / (x * x))


def _ig_cdf(t: float, mean: float, shape: float) -> float:
    if t <= 0.0:
        return 0.0
    s = math.sqrt(shape / t)
    a = _norm_cdf(s * (t / mean - 1.0))
    log_b = 2.0 * shape / mean + _log_norm_sf(s * (t / mean + 1.0))
    return min(1.0, a + (math.exp(log_b) if log_b < 700 else 0.0))


def inverse_gaussian_quantile(q: float, mean: float, shape: float) -> float:
    """Quantile of the inverse-Gaussian first-passage time.

    For a Wiener degradation X(t) = μ t + σ B(t) and a distance D to the threshold, the time to
    cross is IG(mean = D/μ, shape = D²/σ²). Solved by bisection on the closed-form CDF.
    """
    if not (0.0 < q < 1.0):
        raise ValueError(f"quantile must be in (0, 1), got {q!r}")
    if not (math.isfinite(mean) and mean > 0 and shape > 0):
        return math.inf
    lo, hi = 0.0, mean
    while _ig_cdf(hi, mean, shape) < q:
        hi *= 2.0
        if hi > 1e12 * mean:
            return math.inf
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _ig_cdf(mid, mean, shape) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * hi:
            break
    return 0.5 * (lo + hi)
