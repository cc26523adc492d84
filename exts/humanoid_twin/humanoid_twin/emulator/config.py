"""The emulator's configuration: frozen dataclasses, loadable from TOML.

Every value is validated when the dataclass is built; a bad value raises
:class:`~humanoid_twin.errors.ConfigError` with a one-line message naming the key and the value.
Joint and link names are checked later, against the robot, by
:class:`~humanoid_twin.emulator.EmulatedRobot`. The TOML layout is documented in ``docs/emulator.md``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

import numpy as np

from .._rosnames import name_problem
from .._toml import check_number
from ..errors import ConfigError

__all__ = [
    "FAULT_KINDS",
    "JOINT_PARAMETERS",
    "EmulatorConfig",
    "Fault",
    "FaultKind",
    "HiddenParameters",
    "Latency",
    "SensorNoise",
    "Spread",
    "Topics",
    "load_emulator_config",
]

FaultKind = Literal["friction_growth", "encoder_bias", "motor_weakening"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
JOINT_PARAMETERS: tuple[str, ...] = ("friction", "damping", "armature_scale", "strength_scale")
"""Hidden parameters that are per joint (``mass_scale`` is per link)."""
_SCALES = ("armature_scale", "mass_scale", "strength_scale")
_NORMAL_CLIP = 3.0  # normal draws are clipped to mean ± 3 std
Motion = Literal["stand", "walk", "walk_straight", "exercise"]
MOTIONS: tuple[str, ...] = get_args(Motion)
"""What an emulated robot can do on its own (``EmulatorConfig.motion``)."""


_finite = check_number


@dataclass(frozen=True)
class Spread:
    """How one hidden parameter is drawn, per joint or per link, from the emulator's seed.

    In TOML: a number (``constant``), ``{ uniform = [low, high] }`` or ``{ normal = [mean, std] }``.
    """

    kind: Literal["constant", "uniform", "normal"] = "constant"
    """``constant``: every joint/link gets ``a``; ``uniform``: drawn in ``[a, b]``; ``normal``: drawn
    with mean ``a`` and standard deviation ``b``, clipped to ``a ± 3 b``."""
    a: float = 0.0
    """The constant, the lower bound, or the mean (units of the parameter)."""
    b: float = 0.0
    """The upper bound or the standard deviation; unused for ``constant``."""

    def __post_init__(self) -> None:
        if self.kind not in ("constant", "uniform", "normal"):
            raise ConfigError(f"spread kind {self.kind!r} is not one of 'constant', 'uniform', 'normal'")
        _finite("spread a", self.a)
        _finite("spread b", self.b)
        if self.kind == "uniform" and self.b < self.a:
            raise ConfigError(f"uniform spread needs low ≤ high, got [{self.a!r}, {self.b!r}]")
        if self.kind == "normal" and self.b < 0:
            raise ConfigError(f"normal spread needs std ≥ 0, got {self.b!r}")

    @property
    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take."""
        if self.kind == "constant":
            return self.a, self.a
        if self.kind == "uniform":
            return self.a, self.b
        return self.a - _NORMAL_CLIP * self.b, self.a + _NORMAL_CLIP * self.b

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` values (always consumes ``n`` draws from ``rng``, so layouts stay reproducible)."""
        u = rng.standard_normal(n) if self.kind == "normal" else rng.random(n)
        if self.kind == "constant":
            return np.full(n, self.a)
        if self.kind == "uniform":
            return self.a + (self.b - self.a) * u
        lo, hi = self.bounds
        return np.clip(self.a + self.b * u, lo, hi)

    @classmethod
    def parse(cls, where: str, value: object) -> Spread:
        """A spread from its TOML form; ``where`` names the key in errors."""
        if isinstance(value, Spread):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return cls("constant", _finite(where, value))
        if isinstance(value, Mapping) and len(value) == 1:
            ((kind, pair),) = value.items()
            if kind in ("uniform", "normal"):
                if not (isinstance(pair, list | tuple) and len(pair) == 2):
                    raise ConfigError(f"{where}.{kind} must be a pair [a, b], got {pair!r}")
                a = _finite(f"{where}.{kind}[0]", pair[0])
                b = _finite(f"{where}.{kind}[1]", pair[1])
                try:
                    return cls(kind, a, b)
                except ConfigError as err:
                    raise ConfigError(f"{where}: {err}") from None
        raise ConfigError(
            f"{where} must be a number, {{ uniform = [low, high] }} or {{ normal = [mean, std] }}, "
            f"got {value!r}"
        )


def _default_scale() -> Spread:
    return Spread("constant", 1.0)


@dataclass(frozen=True)
class HiddenParameters:
    """The physical robot's parameters relative to the nominal model (what the twin must discover).

    Offsets are added, scales multiply the nominal value. Added friction and damping are clipped so
    the resulting value is ≥ 0; the truth file records the offset actually applied.
    """

    friction: Spread = field(default_factory=Spread)
    """Added joint friction (MuJoCo ``frictionloss``) [N·m] or [N]; default 0."""
    damping: Spread = field(default_factory=Spread)
    """Added joint damping [N·m·s/rad] or [N·s/m]; default 0."""
    armature_scale: Spread = field(default_factory=_default_scale)
    """Factor on the rotor inertia (``armature``) [-]; default 1."""
    mass_scale: Spread = field(default_factory=_default_scale)
    """Factor on each link's mass and inertia tensor (centre of mass unchanged) [-]; default 1."""
    strength_scale: Spread = field(default_factory=_default_scale)
    """Factor on each motor's torque: the position servo's stiffness, damping and force limit [-];
    default 1."""
    joints: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: MappingProxyType({}))
    """Explicit values per joint, winning over the draws: joint name → {parameter → value} with
    parameters among ``friction``, ``damping``, ``armature_scale``, ``strength_scale``."""
    links: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: MappingProxyType({}))
    """Explicit values per link: link name → ``{mass_scale = value}``."""

    def __post_init__(self) -> None:
        for name in _SCALES:
            lo, _ = getattr(self, name).bounds
            if lo <= 0:
                raise ConfigError(f"[hidden] {name} can draw {lo:g}; scale factors must stay > 0")
        joints: dict[str, Mapping[str, float]] = {}
        for joint, values in self.joints.items():
            joints[joint] = MappingProxyType(
                self._explicit(f"[hidden.joints.{joint}]", values, JOINT_PARAMETERS)
            )
        links: dict[str, Mapping[str, float]] = {}
        for link, values in self.links.items():
            links[link] = MappingProxyType(self._explicit(f"[hidden.links.{link}]", values, ("mass_scale",)))
        object.__setattr__(self, "joints", MappingProxyType(joints))
        object.__setattr__(self, "links", MappingProxyType(links))

    @staticmethod
    def _explicit(where: str, values: object, allowed: tuple[str, ...]) -> dict[str, float]:
        if not isinstance(values, Mapping):
            raise ConfigError(f"{where} must be a table of {', '.join(allowed)}, got {values!r}")
        out: dict[str, float] = {}
        for key, value in values.items():
            if key not in allowed:
                raise ConfigError(f"{where} has unknown key {key!r}; valid: {', '.join(allowed)}")
            v = _finite(f"{where} {key}", value)
            if key in _SCALES and v <= 0:
                raise ConfigError(f"{where} {key} must be > 0, got {value!r}")
            out[key] = v
        return out


@dataclass(frozen=True)
class SensorNoise:
    """Zero-mean Gaussian noise added to every measured sample (standard deviations)."""

    position: float = 0.0
    """[rad] or [m]; default 0."""
    velocity: float = 0.0
    """[rad/s] or [m/s]; default 0."""
    effort: float = 0.0
    """[N·m] or [N]; default 0."""

    def __post_init__(self) -> None:
        for f in fields(self):
            _finite(f"[noise] {f.name}", getattr(self, f.name), low=0.0)


@dataclass(frozen=True)
class Latency:
    """The network between the robot and its listeners, applied to published ``joint_states``.

    A message's publish time is its measurement time plus a delay drawn from a normal distribution
    (``mean``, ``jitter``) clipped at 0. Messages leave in stamp order (a late message holds back the
    ones after it, as a single link does). Dropped messages are measured but never published.
    """

    mean: float = 0.0
    """Mean delay [s]; default 0."""
    jitter: float = 0.0
    """Standard deviation of the delay [s]; default 0."""
    drop: float = 0.0
    """Probability that a message is dropped [-], in [0, 1); default 0."""

    def __post_init__(self) -> None:
        _finite("[latency] mean", self.mean, low=0.0, high=1.0)
        _finite("[latency] jitter", self.jitter, low=0.0, high=1.0)
        _finite("[latency] drop", self.drop, low=0.0)
        if self.drop >= 1.0:
            raise ConfigError(f"[latency] drop must be < 1 (a probability), got {self.drop!r}")


@dataclass(frozen=True)
class Fault:
    """One injected fault: it starts at ``start``, grows linearly over ``ramp`` to ``magnitude`` and,
    when ``duration`` is set, disappears ``duration`` after ``start``."""

    kind: FaultKind
    """``friction_growth``: joint friction grows by ``magnitude`` [N·m]; ``encoder_bias``: the measured
    position (only) is offset by ``magnitude`` [rad]; ``motor_weakening``: the motor loses the fraction
    ``magnitude`` [-] of its strength (stiffness, damping and force limit)."""
    joint: str
    """The joint it affects."""
    start: float
    """Emulator time it begins [s] (0 = the emulator's start)."""
    magnitude: float
    """Full size, in the kind's unit: [N·m] (≥ 0), [rad] or a fraction in [0, 1]."""
    ramp: float = 0.0
    """Time to grow from 0 to ``magnitude`` [s]; 0 = a step."""
    duration: float | None = None
    """How long it lasts from ``start`` [s]; None = until the end."""

    def __post_init__(self) -> None:
        where = f"fault {self.kind!r} on {self.joint!r}"
        if self.kind not in FAULT_KINDS:
            raise ConfigError(f"fault kind {self.kind!r} is not one of {', '.join(map(repr, FAULT_KINDS))}")
        if not isinstance(self.joint, str) or not self.joint:
            raise ConfigError(f"fault joint must be a joint name, got {self.joint!r}")
        _finite(f"{where}: start", self.start, low=0.0)
        _finite(f"{where}: ramp", self.ramp, low=0.0)
        if self.duration is not None:
            _finite(f"{where}: duration", self.duration, low=0.0)
            if self.duration < self.ramp:
                raise ConfigError(f"{where}: duration {self.duration!r} is shorter than ramp {self.ramp!r}")
        if self.kind == "friction_growth":
            _finite(f"{where}: magnitude [N·m]", self.magnitude, low=0.0)
        elif self.kind == "motor_weakening":
            _finite(f"{where}: magnitude (fraction of strength lost)", self.magnitude, low=0.0, high=1.0)
        else:
            _finite(f"{where}: magnitude [rad]", self.magnitude)

    def level(self, t: float) -> float:
        """Fraction of ``magnitude`` in effect at emulator time ``t`` [s], in [0, 1]."""
        if t < self.start or (self.duration is not None and t >= self.start + self.duration):
            return 0.0
        if self.ramp <= 0.0:
            return 1.0
        return min(1.0, (t - self.start) / self.ramp)

    def value(self, t: float) -> float:
        """The fault's size at time ``t`` [s] (``magnitude · level(t)``)."""
        return self.magnitude * self.level(t)


@dataclass(frozen=True)
class Topics:
    """ROS 2 topic names (relative names resolve in the node's namespace)."""

    joint_states: str = "joint_states"
    """Published ``sensor_msgs/JointState`` (measured state)."""
    joint_command: str = "joint_command"
    """Subscribed ``sensor_msgs/JointState`` (position targets by name)."""
    base_pose: str = "base_pose"
    """Published base pose when :attr:`EmulatorConfig.publish_base` is on."""
    joint_targets: str = "joint_targets"
    """Published ``sensor_msgs/JointState`` (the servo position targets the robot applies: its own
    gait with balance feedback and the commands) when :attr:`EmulatorConfig.publish_targets` is on."""
    clock: str = "/clock"
    """Published ``rosgraph_msgs/Clock`` when :attr:`EmulatorConfig.clock` is ``sim``."""

    def __post_init__(self) -> None:
        for f in fields(self):
            why = name_problem(getattr(self, f.name))
            if why is not None:
                raise ConfigError(f"[topics] {f.name}: {why}")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything the robot emulator needs. All defaults give a nominal, noise-free robot."""

    seed: int = 0
    """Seed of every random draw (hidden parameters, sensor noise, latency, drops); default 0."""
    rate: float = 500.0
    """``joint_states`` publish rate [Hz], 200–500; default 500."""
    timestep: float = 0.002
    """Physics step [s]; default 0.002 (the humanoid's standing step). At most ``1 / rate``."""
    speed: float = 1.0
    """Emulator seconds per wall second; default 1 (real time). Other than 1 needs ``clock = "sim"``."""
    clock: Literal["wall", "sim"] = "wall"
    """Stamps: ``wall`` = wall-clock ROS time; ``sim`` = emulator time from 0, published on ``/clock``
    (listeners set ``use_sim_time``); default ``wall``."""
    motion: Motion = "stand"
    """What the robot does on its own: ``stand`` (hold the nominal pose; default), ``walk`` (walk a
    closed lap, 2 m out and back, for ever) or ``walk_straight`` (walk straight ahead for ever, one
    stride repeating: the endurance motion), with :mod:`humanoid_twin.control`'s gait and walking
    gains — needs the ``[walk]`` extra; or ``exercise`` (the maintenance diagnostic routine, feet
    planted, period 4 s: docs/maintenance.md). Commands on ``joint_command`` are applied on top."""
    publish_base: bool = False
    """Also publish the floating base pose (odometry) on :attr:`Topics.base_pose`; default off."""
    publish_targets: bool = False
    """Also publish the servo targets it applies on :attr:`Topics.joint_targets`, stamped with the
    time they take effect (a robot walking on its own: the twin's shadow needs them); default off."""
    truth_file: Path | None = None
    """Where to write the truth JSON at start; None = do not write it."""
    domain_id: int | None = None
    """ROS domain id; None = ``ROS_DOMAIN_ID`` from the environment (0 when unset)."""
    node_name: str = "humanoid_emulator"
    """ROS node name."""
    topics: Topics = field(default_factory=Topics)
    hidden: HiddenParameters = field(default_factory=HiddenParameters)
    noise: SensorNoise = field(default_factory=SensorNoise)
    latency: Latency = field(default_factory=Latency)
    faults: tuple[Fault, ...] = ()
    """The fault schedule."""

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be an integer ≥ 0, got {self.seed!r}")
        _finite("rate [Hz]", self.rate, low=200.0, high=500.0)
        _finite("timestep [s]", self.timestep, low=1e-5, high=0.01)
        if self.timestep > 1.0 / self.rate + 1e-12:
            raise ConfigError(
                f"timestep {self.timestep!r} s is longer than the publish period 1/{self.rate:g} Hz; lower it"
            )
        _finite("speed", self.speed, low=0.01, high=1000.0)
        if self.motion not in MOTIONS:
            raise ConfigError(f"motion {self.motion!r} is not one of {', '.join(map(repr, MOTIONS))}")
        if self.clock not in ("wall", "sim"):
            raise ConfigError(f"clock {self.clock!r} is not one of 'wall', 'sim'")
        if self.speed != 1.0 and self.clock != "sim":
            raise ConfigError(f"speed {self.speed!r} ≠ 1 needs clock = 'sim' (stamps from /clock)")
        for flag in ("publish_base", "publish_targets"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(f"{flag} must be true or false, got {getattr(self, flag)!r}")
        if self.truth_file is not None:
            object.__setattr__(self, "truth_file", Path(self.truth_file))
        if self.domain_id is not None and (
            isinstance(self.domain_id, bool)
            or not isinstance(self.domain_id, int)
            or not 0 <= self.domain_id <= 232
        ):
            raise ConfigError(f"domain_id must be an integer in 0..232, got {self.domain_id!r}")
        why = name_problem(self.node_name, "node")
        if why is not None:
            raise ConfigError(f"node_name: {why}")
        object.__setattr__(self, "faults", tuple(self.faults))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "config") -> EmulatorConfig:
        """Build from a TOML-shaped mapping (see ``docs/emulator.md``); ``source`` prefixes errors."""
        try:
            return _from_dict(data)
        except ConfigError as err:
            raise ConfigError(f"{source}: {err}") from None

    @classmethod
    def from_toml(cls, path: str | Path) -> EmulatorConfig:
        """Read a TOML file; relative ``truth_file`` paths resolve against the file's folder."""
        return load_emulator_config(path)


TYPICAL_CONFIG_PATH: Path = Path(__file__).resolve().parents[2] / "data" / "emulator_typical.toml"
"""Hidden offsets and sensor noise of a robot a little off its datasheet (the maintenance bench's)."""


def typical_config(seed: int = 0, faults: Sequence[Mapping[str, Any]] = ()) -> EmulatorConfig:
    """:data:`TYPICAL_CONFIG_PATH` with ``seed`` (which picks the hidden draws and the noise) and a
    fault schedule (``[[faults]]`` tables as dicts)."""
    base = load_emulator_config(TYPICAL_CONFIG_PATH)
    return dataclasses.replace(
        base, seed=seed, faults=EmulatorConfig.from_dict({"faults": list(faults)}, source="faults").faults
    )


def load_emulator_config(path: str | Path) -> EmulatorConfig:
    """Read an :class:`EmulatorConfig` from a TOML file.

    Raises:
        ConfigError: the file is missing, is not TOML, or holds a bad key or value.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{p}: cannot read the emulator config: {err.strerror}") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{p}: not valid TOML: {err}") from err
    truth = data.get("truth_file")
    if isinstance(truth, str) and not Path(truth).is_absolute():
        data["truth_file"] = str(p.parent / truth)
    return EmulatorConfig.from_dict(data, source=str(p))


def _table(where: str, value: object, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table, got {value!r}")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ConfigError(f"{where} has unknown key {unknown[0]!r}; valid: {', '.join(allowed)}")
    return dict(value)


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _from_dict(data: Mapping[str, Any]) -> EmulatorConfig:
    top = _table("the emulator config", data, _names(EmulatorConfig))
    kwargs: dict[str, Any] = {}
    for key, value in top.items():
        if key == "topics":
            kwargs[key] = Topics(**_table("[topics]", value, _names(Topics)))
        elif key == "noise":
            kwargs[key] = SensorNoise(**_table("[noise]", value, _names(SensorNoise)))
        elif key == "latency":
            kwargs[key] = Latency(**_table("[latency]", value, _names(Latency)))
        elif key == "hidden":
            h = _table("[hidden]", value, _names(HiddenParameters))
            for name in ("friction", "damping", *_SCALES):
                if name in h:
                    h[name] = Spread.parse(f"[hidden] {name}", h[name])
            kwargs[key] = HiddenParameters(**h)
        elif key == "faults":
            if not isinstance(value, list):
                raise ConfigError(f"faults must be an array of tables ([[faults]]), got {value!r}")
            faults = []
            for i, f in enumerate(value):
                t = _table(f"[[faults]] #{i + 1}", f, _names(Fault))
                missing = [k for k in ("kind", "joint", "start", "magnitude") if k not in t]
                if missing:
                    raise ConfigError(f"[[faults]] #{i + 1} misses {', '.join(missing)}")
                faults.append(Fault(**t))
            kwargs[key] = tuple(faults)
        else:
            kwargs[key] = value
    return EmulatorConfig(**kwargs)
