"""The maintenance config: per-joint actuator parameters, detection and prognosis settings (TOML).

Layout (every table optional; ``data/maintenance.toml`` is the documented default)::

    [detection]            # DetectionConfig
    [prognosis]            # PrognosisConfig
    [defaults]             # JointParams for every joint
    [joints."*_knee"]      # overrides for the joints matching an fnmatch pattern (or an exact name),
                           # applied in file order on top of [defaults]

A pattern or name that matches no actuated joint of the robot is a one-line :class:`ConfigError`.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from .._toml import build_dataclass, check_number, check_tables, read_toml
from ..errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DetectionConfig",
    "JointParams",
    "MaintenanceConfig",
    "PrognosisConfig",
    "load_maintenance_config",
]

DEFAULT_CONFIG_PATH: Path = Path(__file__).resolve().parents[2] / "data" / "maintenance.toml"
"""The shipped defaults for the bundled humanoid's actuators."""


_check = check_number


@dataclass(frozen=True)
class JointParams:
    """One actuator: motor, harmonic drive, output bearing and friction compensation."""

    gear_ratio: float = 100.0
    """Reduction ratio N [-] (motor speed = N × joint speed)."""
    torque_constant: float = 0.1
    """Motor torque constant k_t [N·m/A]; current i = τ / (k_t · N · efficiency)."""
    efficiency: float = 0.8
    """Gear efficiency [-] used to convert joint torque to motor current."""
    winding_resistance: float = 0.3
    """Winding resistance R at 20 °C [Ω]."""
    resistance_tempco: float = 0.00393
    """Temperature coefficient of R [1/K] (copper: 0.00393)."""
    thermal_resistance: float = 1.5
    """Winding-to-ambient thermal resistance R_th [K/W]."""
    thermal_capacity: float = 300.0
    """Winding thermal capacity C_th [J/K]."""
    ambient_temperature: float = 25.0
    """T_amb [°C]; also the initial winding temperature."""
    max_temperature: float = 120.0
    """Winding temperature limit [°C] (insulation class); the schedule warns above 85 % of it."""
    hd_rated_torque: float = 100.0
    """Harmonic drive rated torque T_N [N·m] (catalogue, at the rated input speed)."""
    hd_rated_speed: float = 2000.0
    """Harmonic drive rated input speed n_N [rpm]."""
    hd_rated_life: float = 35000.0
    """Harmonic drive rated life L_n [h] (L50 of the wave generator at T_N, n_N)."""
    bearing_capacity: float = 20000.0
    """Output bearing basic dynamic load rating C [N]."""
    bearing_type: Literal["ball", "roller"] = "roller"
    """``ball`` (life exponent p = 3) or ``roller`` (p = 10/3), ISO 281."""
    bearing_static_load: float = 300.0
    """Load the bearing carries whatever the torque (weight, preload) [N]."""
    bearing_load_per_torque: float = 10.0
    """Bearing load per N·m of joint torque [N/(N·m)] (1 / effective lever arm)."""
    friction_temperature_coeff: float = -0.004
    """Relative change of friction per kelvin of winding temperature above the reference [1/K]
    (grease thins when warm); the estimator divides it out."""
    friction_load_coeff: float = 0.1
    """Relative friction increase at rated torque (gear friction grows with load) [-]; divided out."""
    reference_temperature: float = 40.0
    """Temperature the compensated friction is reported at [°C]."""

    def __post_init__(self) -> None:
        for name in (
            "gear_ratio",
            "torque_constant",
            "efficiency",
            "winding_resistance",
            "thermal_resistance",
            "thermal_capacity",
            "hd_rated_torque",
            "hd_rated_speed",
            "hd_rated_life",
            "bearing_capacity",
        ):
            _check(name, getattr(self, name), positive=True)
        _check("efficiency", self.efficiency, high=1.0)
        _check("hd_rated_life", self.hd_rated_life, high=1e7)  # [h]: over 1000 years
        _check("bearing_capacity", self.bearing_capacity, high=1e7)  # [N]: a ship's bearing
        _check("resistance_tempco", self.resistance_tempco, low=0.0, high=0.01)
        _check("ambient_temperature", self.ambient_temperature, low=-50.0, high=100.0)
        _check("max_temperature", self.max_temperature, low=self.ambient_temperature + 1.0, high=250.0)
        _check("bearing_static_load", self.bearing_static_load, low=0.0)
        _check("bearing_load_per_torque", self.bearing_load_per_torque, low=0.0)
        _check("friction_temperature_coeff", self.friction_temperature_coeff, low=-0.05, high=0.05)
        _check("friction_load_coeff", self.friction_load_coeff, low=0.0, high=5.0)
        _check("reference_temperature", self.reference_temperature, low=-50.0, high=250.0)
        if self.bearing_type not in ("ball", "roller"):
            raise ConfigError(f"bearing_type must be 'ball' or 'roller', got {self.bearing_type!r}")

    @property
    def bearing_exponent(self) -> float:
        """ISO 281 life exponent p: 3 (ball), 10/3 (roller)."""
        return 3.0 if self.bearing_type == "ball" else 10.0 / 3.0


@dataclass(frozen=True)
class DetectionConfig:
    """Friction-drift estimation and the CUSUM/EWMA alarms."""

    window: float = 4.0
    """Length of the sliding least-squares window of the friction estimate [s]; best a whole number
    of motion periods (the periodic model error then averages out)."""
    velocity_threshold: float = 0.05
    """Samples with |joint velocity| below this are skipped (stiction, sign unknown) [rad/s]."""
    warmup: float = 5.0
    """Start of the baseline after the first sample [s] (start-up transients ignored)."""
    baseline: float = 20.0
    """Length of the healthy baseline the drift is measured from [s]."""
    rate: float = 1.0
    """Rate the friction is estimated and the statistics are evaluated at [Hz] (one window bin each)."""
    cusum_k: float = 3.0
    """CUSUM allowance k, in standard deviations of the friction estimate [-]."""
    cusum_h: float = 15.0
    """CUSUM decision threshold h [-] (same unit)."""
    ewma_lambda: float = 0.2
    """EWMA smoothing factor λ (0 < λ ≤ 1) [-]."""
    ewma_limit: float = 7.0
    """EWMA alarm limit L, in standard deviations [-]."""
    z_limit: float = 5.5
    """Shewhart limit: one window estimate (``window`` or ``long_window``) this many standard deviations
    above the reference alarms at once. CUSUM with allowance k needs z well above k for h / (z − k)
    ticks; a step of 5–7 σ is caught here in 4–6 s instead. 0 = off [-]."""
    long_window: float = 8.0
    """A second friction estimate over this longer window [s] (a whole number of motion periods, like
    ``window``), judged against ``z_limit`` only: on a small step its z grows by √(long/window).
    0 = off."""
    min_rise: float = 0.1
    """An alarm also needs the friction to have risen by this fraction of its baseline [-]."""
    sigma_floor: float = 0.002
    """Lower bound of the standard deviation of the friction estimate [N·m]."""
    min_motion: float = 1.0
    """A window judges a joint only if it moved (|v| above the threshold) for at least this long in
    each direction [s]; otherwise the joint is not excited and its statistics hold."""
    min_samples: float = 0.8
    """A joint is monitored only if at least this fraction of its baseline windows judged it [-]."""
    memory: float = 600.0
    """The reference the statistics compare with keeps averaging healthy estimates (|z| small, no
    alarm) after the baseline, with this memory [s]; 0 = the baseline only."""
    track_limit: float = 2.5
    """Only estimates with z below this update the reference [-]."""
    max_model_spread: float = 0.1
    """A joint whose model-error spread (σ_model, from the baseline) exceeds this fraction of its
    reference friction is not monitored: a rise of that order could not be told from it [-]."""
    resync_period: float = 0.1
    """With base odometry (a walking robot), the shadow model is reset to the measured state this
    often [s] (base from odometry, joints by their mean offset since the last resync); 0 = never."""
    resync_mask: float = 0.02
    """Samples this soon after a resync are not used (the shadow's servos settle) [s]."""
    isolation: float = 0.8
    """In the closed leg chain (double support) an alarm needs a rise of at least this fraction of
    the chain's largest rise; smaller rises are cross-talk of that joint's friction [-]."""

    @property
    def judged_after(self) -> float:
        """[s] of motion before anything is judged: the warm-up, then the healthy baseline."""
        return self.warmup + self.baseline

    @property
    def detection_time(self) -> float:
        """[s] after a friction step's onset within which a step of a joint's ``detectable_rise``
        alarms: the long window's length (it then holds the step) with the Shewhart rule; without that
        rule, the window plus the ticks CUSUM needs at z = ``cusum_k`` + 1 (it gains one per tick and
        alarms above ``cusum_h``: ⌊h⌋ + 1 ticks)."""
        if self.z_limit > 0:
            return max(self.window, self.long_window)
        return self.window + (math.floor(self.cusum_h) + 1) / self.rate

    def __post_init__(self) -> None:
        for name in (
            "window",
            "velocity_threshold",
            "baseline",
            "rate",
            "cusum_h",
            "ewma_limit",
            "sigma_floor",
            "track_limit",
        ):
            _check(name, getattr(self, name), positive=True)
        _check("warmup", self.warmup, low=0.0, high=3600.0)
        # every window, baseline and trend bin is kept per joint: bounded so the arrays stay small
        _check("rate", self.rate, high=10.0)
        _check("window", self.window, high=600.0)
        _check("baseline", self.baseline, high=3600.0)
        _check("cusum_k", self.cusum_k, low=0.0)
        _check("ewma_lambda", self.ewma_lambda, positive=True, high=1.0)
        _check("z_limit", self.z_limit, low=0.0)
        _check("long_window", self.long_window, low=0.0, high=3600.0)
        _check("min_rise", self.min_rise, low=0.0)
        _check("min_motion", self.min_motion, low=0.0)
        _check("min_samples", self.min_samples, low=0.0, high=1.0)
        _check("memory", self.memory, low=0.0)
        _check("isolation", self.isolation, low=0.0, high=1.0)
        _check("resync_period", self.resync_period, low=0.0)
        _check("max_model_spread", self.max_model_spread, positive=True)
        _check("resync_mask", self.resync_mask, low=0.0)
        if self.window * self.rate < 1.0:  # a window holds whole bins of 1 / rate seconds
            raise ConfigError(
                f"window = {self.window!r} [s] is shorter than one bin at rate = {self.rate!r} [Hz] "
                f"({1.0 / self.rate:g} s): raise rate or window"
            )
        if self.baseline < self.window:
            _check("baseline", self.baseline, low=self.window)


@dataclass(frozen=True)
class PrognosisConfig:
    """Remaining useful life and the schedule."""

    friction_limit: float = 1.0
    """Relative friction rise over the baseline at which the joint is due for service [-] (1 = doubled)."""
    trend_window: float = 600.0
    """Recent history the friction trend (Wiener drift) is fitted on [s]."""
    confidence: float = 0.9
    """Width of the RUL band: the band is the (1−c)/2 … (1+c)/2 quantiles [-]."""
    horizon_hours: float = 2000.0
    """Life-model items are scheduled when the L10 remaining life is below this [h]."""
    alarm_due_hours: float = 8.0
    """An alarmed joint is due for inspection within this many operating hours at most [h]."""

    def __post_init__(self) -> None:
        _check("friction_limit", self.friction_limit, positive=True)
        _check("trend_window", self.trend_window, positive=True, high=86400.0)
        _check("confidence", self.confidence, positive=True, high=0.999)
        _check("horizon_hours", self.horizon_hours, positive=True)
        _check("alarm_due_hours", self.alarm_due_hours, positive=True)


@dataclass(frozen=True)
class MaintenanceConfig:
    """Everything the health monitor needs; ``joints`` maps a joint name to its parameters."""

    detection: DetectionConfig = field(default_factory=DetectionConfig)
    prognosis: PrognosisConfig = field(default_factory=PrognosisConfig)
    defaults: JointParams = field(default_factory=JointParams)
    joints: Mapping[str, JointParams] = field(default_factory=lambda: MappingProxyType({}))
    """Resolved per-joint parameters (joints not listed use ``defaults``)."""
    source: str = "<defaults>"

    def params(self, joint: str) -> JointParams:
        """The parameters of ``joint``."""
        return self.joints.get(joint, self.defaults)

    def for_walking(self) -> MaintenanceConfig:
        """The same config with the detection settings for a walking robot (docs/maintenance.md):
        ``warmup`` ≥ 10 s (the gait's start), ``baseline`` ≥ 120 s (the walking model error wanders
        over minutes; its spread is measured in the baseline), ``min_motion`` ≤ 0.5 s (hip and
        ankle pitch move one way for only ≈ 0.2 s per 1 s stride), ``cusum_k`` ≥ 4 (the walking
        model error also wanders over minutes, beyond the baseline's spread) and no Shewhart limit
        (``z_limit`` 0: over four nominal walking hours single windows reached z 6.2)."""
        d = self.detection
        walking = replace(
            d,
            warmup=max(d.warmup, 10.0),
            baseline=max(d.baseline, 120.0),
            min_motion=min(d.min_motion, 0.5),
            cusum_k=max(d.cusum_k, 4.0),
            z_limit=0.0,
        )
        return replace(self, detection=walking)


_TOP = ("detection", "prognosis", "defaults", "joints")


def load_maintenance_config(
    path: str | Path | None = None, joint_names: Sequence[str] | None = None
) -> MaintenanceConfig:
    """Read a maintenance TOML (default :data:`DEFAULT_CONFIG_PATH`) and resolve it for ``joint_names``.

    ``joint_names`` default: the bundled humanoid's joints. Raises :class:`ConfigError` (one line)
    on an unknown key or table, a bad value, or a joint pattern that matches no joint.
    """
    p = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    return config_from_dict(read_toml(p), joint_names, file=str(p))


def config_from_dict(
    data: Mapping[str, Any], joint_names: Sequence[str] | None = None, *, file: str = "<config>"
) -> MaintenanceConfig:
    """:func:`load_maintenance_config` from an already parsed mapping."""
    if joint_names is None:
        from ..robots.humanoid import JOINT_NAMES

        joint_names = JOINT_NAMES
    check_tables(data, _TOP, file)
    detection = build_dataclass(DetectionConfig, data.get("detection", {}), "detection", file)
    prognosis = build_dataclass(PrognosisConfig, data.get("prognosis", {}), "prognosis", file)
    base = data.get("defaults", {})
    defaults = build_dataclass(JointParams, base, "defaults", file)
    joints_table = data.get("joints", {})
    if not isinstance(joints_table, dict):
        raise ConfigError(f"{file}: [joints] must be a table of joint names or patterns")
    merged: dict[str, dict[str, Any]] = {}
    for pattern, table in joints_table.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{file}: [joints.{pattern}] must be a table, got {table!r}")
        matches = [n for n in joint_names if fnmatch.fnmatchcase(n, pattern)]
        if not matches:
            shipped = Path(file).resolve() == DEFAULT_CONFIG_PATH  # names the bundled humanoid's joints
            raise ConfigError(
                f"{file}: [joints.{pattern!r}] matches no joint of the robot"
                + (
                    " (these shipped defaults are the bundled humanoid's: copy the file, put in your "
                    "robot's joint names and datasheet values, and pass it as the maintenance config, "
                    "--config)"
                    if shipped
                    else ""
                )
                + f"; joints are: {', '.join(joint_names)}"
            )
        # checked as written first, so that an error names the pattern, not a joint it matched
        build_dataclass(JointParams, {**base, **table}, f"joints.{pattern!r}", file)
        for n in matches:
            merged.setdefault(n, dict(base)).update(table)
    joints = {n: build_dataclass(JointParams, table, f"joints.{n}", file) for n, table in merged.items()}
    return MaintenanceConfig(detection, prognosis, defaults, MappingProxyType(joints), file)
