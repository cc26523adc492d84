"""Scenario files (TOML) → a typed, validated :class:`ScenarioConfig`.

A scenario says where to fork from, what to command (stand, walk, reach), which variants to compare
with the unchanged baseline (each a set of :class:`Changes`, listed or as a grid), for how long, and
what to measure. Every mistake is a one-line :class:`~humanoid_twin.errors.ConfigError` naming the
file, the table, the key and the valid keys or values. Names of joints and links are checked against
a robot with :meth:`ScenarioConfig.check_names` (done by :func:`~humanoid_twin.scenarios.run_scenario`
before anything runs or is written). See ``docs/scenarios.md`` for the format.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from .._toml import build_dataclass, check_tables, read_toml, wrong_value
from ..control.walk import MAX_STAIRS
from ..errors import ConfigError
from ..model import RobotModel
from ..model.kinematics import FEET

__all__ = [
    "Changes",
    "ForkConfig",
    "MeasuresConfig",
    "PatchConfig",
    "PushConfig",
    "ReachConfig",
    "ScenarioConfig",
    "ScenarioInfo",
    "ShelfConfig",
    "SlopeConfig",
    "StairsConfig",
    "TerrainConfig",
    "Variant",
    "WalkConfig",
    "load_scenario",
    "parse_scenario",
]

Kind = Literal["stand", "walk", "reach"]
MEASURES: tuple[str, ...] = ("fall", "support_margin", "torque", "velocity", "limits", "slip", "energy")
"""Measures ``[measures] report`` can list (all are computed; the list picks the table columns)."""
GRID_MAX = 64
"""Largest number of variants a grid may expand to."""


def _positive(name: str, value: float | None, *, zero: bool = False) -> None:
    if value is None:
        return
    ok = math.isfinite(value) and (value >= 0 if zero else value > 0)
    if not ok:
        raise ConfigError(f"{name} = {value!r} must be a finite number {'≥' if zero else '>'} 0")


def _vec(name: str, value: tuple[float, ...] | None, n: int) -> None:
    if value is not None and len(value) != n:
        raise ConfigError(f"{name} = {list(value)!r} must have {n} numbers")


READY_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "scenarios"
"""Where the ready scenarios (walk_faster, stairs_slip, shelf_reach) live."""
MAX_DURATION = 600.0
"""[s] the longest rollout a scenario may ask for (every physics step of every variant is kept)."""


@dataclass(frozen=True)
class ScenarioInfo:
    """``[scenario]``: what the scenario is."""

    name: str
    """Short name (also the report's title and the output folder's stem)."""
    question: str = ""
    """The question the scenario answers, shown in the report."""
    kind: Kind = "stand"
    """'stand': hold the forked posture; 'walk': walk with :class:`WalkConfig`; 'reach': IK reachability
    (:class:`ReachConfig`) verified by a standing rollout."""
    duration: float | None = None
    """Simulated time [s]; None: the walk's duration + ``walk.settle`` (walk), 3 s (stand), ``reach.verify``
    (reach)."""
    timestep: float | None = None
    """Physics step [s]; None: the walking controller's step (walk) or 2 ms."""
    sample_dt: float = 0.01
    """Spacing of the measured samples (contacts, support margin, plots) [s]; torques, velocities and
    energy use every physics step."""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("name must not be empty")
        if self.kind not in ("stand", "walk", "reach"):
            raise ConfigError(f"kind {self.kind!r} is not one of 'stand', 'walk', 'reach'")
        _positive("duration", self.duration)
        _positive("timestep", self.timestep)
        _positive("sample_dt", self.sample_dt)
        if self.duration is not None and self.duration > MAX_DURATION:
            raise ConfigError(
                f"duration = {self.duration!r} [s]: give at most {MAX_DURATION:g} s per rollout"
            )
        if self.timestep is not None and not 1e-4 <= self.timestep <= 0.01:
            raise ConfigError(
                f"timestep = {self.timestep!r} [s] must be within 0.0001–0.01 s (contacts of a walking "
                "humanoid need ≤ 10 ms; 2 ms is the default)"
            )


@dataclass(frozen=True)
class ForkConfig:
    """``[fork]``: the state the scenario starts from (the ``source`` argument of ``run_scenario`` wins)."""

    origin: Literal["nominal", "live", "recording"] = "nominal"
    """'nominal': standing at the robot's nominal pose on flat ground; 'live': the twin's current state;
    'recording': the state a replay of ``recording`` reaches at ``time``."""
    recording: str | None = None
    """MCAP file or rosbag2 folder (relative to the scenario file) for origin = 'recording'."""
    time: float | None = None
    """[s] after the recording's first message."""

    def __post_init__(self) -> None:
        if self.origin not in ("nominal", "live", "recording"):
            raise ConfigError(f"origin {self.origin!r} is not one of 'nominal', 'live', 'recording'")
        if self.origin == "recording" and (self.recording is None or self.time is None):
            raise ConfigError("origin = 'recording' needs recording = '<file.mcap>' and time = <seconds>")
        _positive("time", self.time, zero=True)


@dataclass(frozen=True)
class WalkConfig:
    """``[walk]``: the walking command (None: the controller's default for that parameter)."""

    distance: float = 2.0
    """Distance to walk straight ahead [m]; with ``[terrain.stairs]``, before climbing them (0: at once)."""
    step_length: float | None = None
    """[m]"""
    single_support: float | None = None
    """Single-support duration [s]."""
    double_support_ratio: float | None = None
    """Double-support duration ÷ single-support duration."""
    step_height: float | None = None
    """Swing-foot lift [m]."""
    com_height: float | None = None
    """[m]"""
    settle: float = 1.0
    """Time standing after the last step before the rollout ends [s] (when ``duration`` is None)."""

    def __post_init__(self) -> None:
        _positive("distance", self.distance, zero=True)
        for f in ("step_length", "single_support", "step_height", "com_height"):
            _positive(f, getattr(self, f))
        _positive("double_support_ratio", self.double_support_ratio, zero=True)
        _positive("settle", self.settle, zero=True)


@dataclass(frozen=True)
class StairsConfig:
    """``[terrain.stairs]``: a flight of steps going up along +x."""

    count: int = 3
    rise: float = 0.1
    """Step height [m]."""
    tread: float = 0.3
    """Step depth [m]."""
    start: float = 0.5
    """x of the first riser [m]."""
    width: float = 1.2
    """[m]"""

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_STAIRS:
            raise ConfigError(f"count = {self.count!r} must be 1–{MAX_STAIRS}")
        for f in ("rise", "tread", "width"):
            _positive(f, getattr(self, f))


@dataclass(frozen=True)
class PatchConfig:
    """``[[terrain.patches]]`` / ``[[variants.patches]]``: a rectangle of the ground with another friction,
    or (with ``step``) a whole stair step with another friction."""

    friction: float
    """Sliding friction coefficient."""
    center: tuple[float, ...] | None = None
    """(x, y) [m] of a ground patch."""
    size: tuple[float, ...] | None = None
    """(length x, width y) [m] of a ground patch."""
    step: int | None = None
    """Stair step (1 = lowest) that gets ``friction`` instead of a ground rectangle."""

    def __post_init__(self) -> None:
        if self.step is None and (self.center is None or self.size is None):
            raise ConfigError("a patch needs center = [x, y] and size = [length, width] [m], or step = <n>")
        if self.step is not None and (self.center is not None or self.size is not None):
            raise ConfigError(
                "a patch takes either step = <n> (a whole stair step) or center and size, not both"
            )
        _vec("center", self.center, 2)
        _vec("size", self.size, 2)
        for i, v in enumerate(self.size or ()):
            _positive(f"size[{i}]", v)
        _positive("friction", self.friction)
        if self.step is not None and self.step < 1:
            raise ConfigError(f"step = {self.step!r} must be ≥ 1 (1 is the lowest step)")


@dataclass(frozen=True)
class SlopeConfig:
    """``[terrain.slope]``: a ramp rising along +x, then a flat top."""

    angle: float
    """Inclination [deg], in (0, 45]."""
    start: float = 0.5
    """x where the ramp leaves the floor [m]."""
    length: float = 2.0
    """Horizontal length of the ramp [m]."""
    width: float = 2.0
    """[m]"""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.angle) and 0 < self.angle <= 45):
            raise ConfigError(f"angle = {self.angle!r} [deg] must be in (0, 45]")
        _positive("length", self.length)
        _positive("width", self.width)


@dataclass(frozen=True)
class TerrainConfig:
    """``[terrain]``: the ground of the baseline (variants may add patches)."""

    slope: SlopeConfig | None = None
    stairs: StairsConfig | None = None
    patches: tuple[PatchConfig, ...] = ()

    def __post_init__(self) -> None:
        for p in self.patches:
            if p.step is not None and (self.stairs is None or p.step > self.stairs.count):
                count = 0 if self.stairs is None else self.stairs.count
                raise ConfigError(f"patch on step {p.step!r}, but the terrain has {count} stair steps")


@dataclass(frozen=True)
class PushConfig:
    """``[[variants.pushes]]``: an external force on a link."""

    link: str
    """Link (or frame) the force acts on, at its origin."""
    force: tuple[float, ...]
    """(fx, fy, fz) in the world frame [N]."""
    time: float
    """Start [s] after the fork."""
    duration: float = 0.1
    """[s]"""

    def __post_init__(self) -> None:
        _vec("force", self.force, 3)
        _positive("time", self.time, zero=True)
        _positive("duration", self.duration)


@dataclass(frozen=True)
class ShelfConfig:
    """``[reach.shelf]``: a box standing in the scene that the robot must not penetrate."""

    center: tuple[float, ...]
    """Box centre (x, y, z) [m]."""
    size: tuple[float, ...]
    """Full box size (x, y, z) [m]."""

    def __post_init__(self) -> None:
        _vec("center", self.center, 3)
        _vec("size", self.size, 3)
        for i, v in enumerate(self.size):
            _positive(f"size[{i}]", v)


@dataclass(frozen=True)
class ReachConfig:
    """``[reach]``: can ``hand`` reach ``target`` standing (feet planted, CoM over the feet)?"""

    target: tuple[float, ...]
    """(x, y, z) world position [m] (the robot stands at the origin facing +x)."""
    hand: str = "right_hand"
    """Link or frame that must reach the target."""
    shelf: ShelfConfig | None = None
    tolerance: float = 0.02
    """Position error [m] under which the target counts as reached."""
    balance_margin: float = 0.02
    """Distance [m] the CoM projection must stay inside the feet's support polygon."""
    allow_stepping: bool = False
    """Let the robot first step (move its stance, feet side by side) up to ``max_step`` towards the target."""
    max_step: float = 0.6
    """[m]"""
    clearance: float = 0.01
    """Minimum distance [m] between the robot's colliders (each other, and the shelf) in the posture."""
    verify: float = 2.0
    """Time [s] the posture must stand under PD control in MuJoCo."""

    def __post_init__(self) -> None:
        _vec("target", self.target, 3)
        for f in ("tolerance", "balance_margin", "max_step", "clearance"):
            _positive(f, getattr(self, f), zero=True)
        _positive("verify", self.verify)


@dataclass(frozen=True)
class MeasuresConfig:
    """``[measures]``: what to measure and show."""

    report: tuple[str, ...] = MEASURES
    """Measures shown in the comparison table, from: fall, support_margin, torque, velocity, limits, slip,
    energy (all are computed)."""
    feet: tuple[str, ...] | None = None
    """Links or frames whose ground contacts form the support polygon (and whose slip is measured);
    None: the robot's sole links (a session's ``[twin] feet``, see :func:`run_scenario`), else
    ``left_foot``/``right_foot``."""
    fall_tilt: float = 45.0
    """The robot has fallen when its root tilts more than this [deg] from its starting orientation
    (a reach posture may start bent over) …"""
    fall_height: float = 0.5
    """… or when its root sinks below this fraction of its starting height above the feet."""
    limit_margin: float = 0.01
    """A joint hits its limit when it comes closer than this [rad] or [m]."""

    @property
    def soles(self) -> tuple[str, ...]:
        """The feet measured: :attr:`feet`, else ``left_foot``/``right_foot``."""
        return self.feet or FEET

    def __post_init__(self) -> None:
        bad = [m for m in self.report if m not in MEASURES]
        if bad:
            raise ConfigError(f"unknown measure {bad[0]!r} in report; valid: {', '.join(MEASURES)}")
        if self.feet is not None and not self.feet:
            raise ConfigError("feet must name at least one link")
        if not (0 < self.fall_tilt < 180):
            raise ConfigError(f"fall_tilt = {self.fall_tilt!r} [deg] must be between 0 and 180")
        if not (0 < self.fall_height < 1):
            raise ConfigError(f"fall_height = {self.fall_height!r} must be a fraction between 0 and 1")
        _positive("limit_margin", self.limit_margin, zero=True)


@dataclass(frozen=True)
class Changes:
    """What a variant changes relative to the baseline (everything defaults to "unchanged")."""

    speed_scale: float = 1.0
    """Walking speed factor (walk: ``WalkParams.scaled``); 1.2 = 20 % faster."""
    latency: float = 0.0
    """Extra delay of every joint command [s] (MuJoCo actuator delay)."""
    friction: tuple[tuple[str, float], ...] = ()
    """(link or 'ground', sliding friction coefficient) of the link's colliders / the floor and terrain."""
    joint_friction: tuple[tuple[str, float], ...] = ()
    """(joint or '*', dry friction torque [N·m] or force [N]) replacing the joint's frictionloss."""
    payload: tuple[tuple[str, float], ...] = ()
    """(link or frame, added point mass [kg] at its origin)."""
    motor_strength: tuple[tuple[str, float], ...] = ()
    """(joint or '*', factor) on the actuator's torque: gains and force limit (0.8 = 20 % weaker)."""
    pushes: tuple[PushConfig, ...] = ()
    patches: tuple[PatchConfig, ...] = ()
    """Friction patches added to the scenario's terrain."""
    target: tuple[float, ...] | None = None
    """Reach target (x, y, z) [m] replacing ``reach.target`` (reach scenarios)."""

    def __post_init__(self) -> None:
        _positive("speed_scale", self.speed_scale)
        _positive("latency", self.latency, zero=True)
        if self.latency > 1.0:
            raise ConfigError(f"latency = {self.latency!r} [s] is implausible; give at most 1 s")
        for what, pairs, zero in (
            ("friction", self.friction, True),
            ("joint_friction", self.joint_friction, True),
            ("payload", self.payload, True),
            ("motor_strength", self.motor_strength, False),  # 0: no motor at all, not a weaker one
        ):
            for name, value in pairs:
                _positive(f"{what}.{name}", value, zero=zero)
        _vec("target", self.target, 3)

    @property
    def is_baseline(self) -> bool:
        return self == Changes()

    def describe(self) -> dict[str, Any]:
        """The non-default changes as a JSON-ready dict."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v == f.default:
                continue
            if f.name in ("friction", "joint_friction", "payload", "motor_strength"):
                out[f.name] = dict(v)
            elif f.name in ("pushes", "patches"):
                out[f.name] = [{g.name: getattr(p, g.name) for g in fields(p)} for p in v]
            else:
                out[f.name] = v
        return out


@dataclass(frozen=True)
class Variant:
    """A named set of changes."""

    name: str
    changes: Changes = field(default_factory=Changes)


@dataclass(frozen=True)
class ScenarioConfig:
    """A whole scenario file."""

    info: ScenarioInfo
    fork: ForkConfig = field(default_factory=ForkConfig)
    walk: WalkConfig | None = None
    terrain: TerrainConfig = field(default_factory=TerrainConfig)
    reach: ReachConfig | None = None
    measures: MeasuresConfig = field(default_factory=MeasuresConfig)
    variants: tuple[Variant, ...] = ()
    """The variants compared with the baseline (the scenario with no changes), grid points included."""
    file: str = "<scenario>"
    """Where it was read from (for messages and relative paths)."""

    def __post_init__(self) -> None:
        kind = self.info.kind
        if kind == "reach" and self.reach is None:
            raise ConfigError(f"{self.file}: kind = 'reach' needs a [reach] table with target = [x, y, z]")
        if kind != "reach" and self.reach is not None:
            raise ConfigError(f"{self.file}: [reach] is only valid with kind = 'reach' (kind is {kind!r})")
        if kind != "walk" and self.walk is not None:
            raise ConfigError(f"{self.file}: [walk] is only valid with kind = 'walk' (kind is {kind!r})")
        if self.walk is not None and self.walk.distance == 0 and self.terrain.stairs is None:
            raise ConfigError(
                f"{self.file}: [walk] distance = 0 walks nowhere; give distance > 0 [m] or stairs"
            )
        names = [v.name for v in self.variants]
        if "baseline" in names:
            raise ConfigError(
                f"{self.file}: a variant is named 'baseline', the name of the unchanged run; rename it"
            )
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ConfigError(f"{self.file}: variant name {dup[0]!r} is used twice; names must differ")
        for v in self.variants:
            c = v.changes
            for push in c.pushes:
                if self.info.duration is not None and push.time >= self.info.duration:
                    raise ConfigError(
                        f"{self.file}: variant {v.name!r}: a push at {push.time:g} s comes after the "
                        f"rollout ends ({self.info.duration:g} s)"
                    )
            if c.speed_scale != 1.0 and kind != "walk":
                raise ConfigError(f"{self.file}: variant {v.name!r}: speed_scale needs kind = 'walk'")
            if c.target is not None and kind != "reach":
                raise ConfigError(f"{self.file}: variant {v.name!r}: target needs kind = 'reach'")
            if kind == "reach" and (c.pushes or c.latency or c.speed_scale != 1.0):
                raise ConfigError(
                    f"{self.file}: variant {v.name!r}: a reach scenario takes only payload, friction, "
                    "joint_friction, motor_strength, patches and target changes"
                )
            stairs = self.terrain.stairs
            for p in c.patches:
                if p.step is not None and (stairs is None or p.step > stairs.count):
                    count = 0 if stairs is None else stairs.count
                    raise ConfigError(
                        f"{self.file}: variant {v.name!r}: patch on step {p.step!r}, but the terrain has "
                        f"{count} stair steps"
                    )

    @property
    def duration(self) -> float | None:
        return self.info.duration

    def check_names(self, model: RobotModel) -> None:
        """Check every joint and link the scenario names against ``model`` (and payloads against its mass).

        Raises:
            ConfigError: an unknown joint or link, with the valid names; a payload over twice the robot's
                mass.
        """
        links = [lk.name for lk in model.links]
        joints = [j.name for j in model.actuated_joints]
        # a ready scenario names the bundled humanoid's links: say so before the names of another robot
        ready = Path(self.file).resolve().parent == READY_DIR and model.name != "humanoid"
        where_from = (
            f"{self.file} (a ready scenario, written for the bundled humanoid: copy it and put in the "
            f"names of robot {model.name!r})"
            if ready
            else self.file
        )

        def listing(names: Sequence[str]) -> str:
            if len(names) <= 40:
                return ", ".join(names)
            return (
                f"{', '.join(names[:40])}, … and {len(names) - 40} more (`humanoid-twin inspect` lists them)"
            )

        def link(name: str, where: str, extra: Sequence[str] = ()) -> None:
            if name not in links and name not in extra:
                raise ConfigError(
                    f"{where_from}: {where}: unknown link {name!r}; valid: {listing([*extra, *links])}"
                )

        def joint(name: str, where: str) -> None:
            if name != "*" and name not in joints:
                raise ConfigError(
                    f"{where_from}: {where}: unknown joint {name!r}; valid: {listing(['*', *joints])}"
                )

        for foot in self.measures.feet or ():  # None: run_scenario names the robot's and checks them
            link(foot, "[measures] feet")
        if self.reach is not None:
            link(self.reach.hand, "[reach] hand")
        for v in self.variants:
            where = f"variant {v.name!r}"
            c = v.changes
            for name, _ in c.friction:
                link(name, f"{where} friction", ("ground",))
            for name, kg in c.payload:
                link(name, f"{where} payload")
                if kg > 2.0 * model.total_mass:
                    raise ConfigError(
                        f"{self.file}: {where} payload.{name} = {kg:g} kg is more than twice the robot's "
                        f"{model.total_mass:.1f} kg; give a mass it could carry"
                    )
            for name, _ in c.joint_friction:
                joint(name, f"{where} joint_friction")
            for name, _ in c.motor_strength:
                joint(name, f"{where} motor_strength")
            for p in c.pushes:
                link(p.link, f"{where} pushes")

    def resolve(self, path: str) -> Path:
        """``path`` relative to the scenario file's folder (absolute paths unchanged)."""
        p = Path(path)
        if p.is_absolute() or self.file.startswith("<"):
            return p
        return Path(self.file).parent / p


# ---------------------------------------------------------------- parsing

_TOP = ("scenario", "fork", "walk", "terrain", "reach", "measures", "variants", "grid")
_MAPPINGS = ("friction", "joint_friction", "payload", "motor_strength")


def _table_list(value: Any, where: str, file: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{file}: {where} must be an array of tables ([[{where}]]), got {value!r}")
    return value


def _mapping(value: Any, where: str, file: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{file}: [{where}] must be a table of name = number, got {value!r}")
    out = []
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise wrong_value(file, where, str(k), v, "number")
        out.append((str(k), float(v)))
    return tuple(out)


def _patches(value: Any, where: str, file: str) -> tuple[PatchConfig, ...]:
    return tuple(
        build_dataclass(PatchConfig, t, f"{where}[{i}]", file)
        for i, t in enumerate(_table_list(value, where, file))
    )


def _changes(table: dict[str, Any], where: str, file: str) -> Changes:
    table = dict(table)
    kw: dict[str, Any] = {}
    for key in _MAPPINGS:
        if key in table:
            kw[key] = _mapping(table.pop(key), f"{where}.{key}", file)
    if "pushes" in table:
        kw["pushes"] = tuple(
            build_dataclass(PushConfig, t, f"{where}.pushes[{i}]", file)
            for i, t in enumerate(_table_list(table.pop("pushes"), f"{where}.pushes", file))
        )
    if "patches" in table:
        kw["patches"] = _patches(table.pop("patches"), f"{where}.patches", file)
    base: Changes = build_dataclass(Changes, table, where, file)
    try:
        return replace(base, **kw)
    except ConfigError as err:
        raise ConfigError(f"{file}: [{where}] {err}") from err


def _set_path(table: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        table[head] = value
        return
    sub = table.setdefault(head, {})
    if not isinstance(sub, dict):
        raise ConfigError(f"key {path!r}: {head!r} takes a value, not a table of {rest!r}")
    sub = dict(sub)
    table[head] = sub
    _set_path(sub, rest, value)


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_label(v) for v in value) + "]"
    return str(value)


def _grid(table: Any, file: str) -> list[Variant]:
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{file}: [grid] must be a table of change = [values …], got {table!r}")
    valid = [f.name for f in fields(Changes)]
    keys = list(table)
    for k in keys:
        head = k.split(".")[0]
        if head not in valid:
            raise ConfigError(f"{file}: unknown key {k!r} in [grid]; valid keys: {', '.join(valid)}")
        if not isinstance(table[k], list) or not table[k]:
            raise ConfigError(f"{file}: [grid] {k} = {table[k]!r} must be a non-empty list of values")
    total = math.prod(len(table[k]) for k in keys)
    if total > GRID_MAX:
        raise ConfigError(f"{file}: [grid] expands to {total} variants; at most {GRID_MAX} are allowed")
    out = []
    for combo in itertools.product(*(table[k] for k in keys)):
        t: dict[str, Any] = {}
        for k, v in zip(keys, combo, strict=True):
            try:
                _set_path(t, k, v)
            except ConfigError as err:
                raise ConfigError(f"{file}: [grid] {err}") from err
        name = ", ".join(f"{k}={_label(v)}" for k, v in zip(keys, combo, strict=True))
        out.append(Variant(name, _changes(t, f"grid {name}", file)))
    return out


def parse_scenario(data: Mapping[str, Any], file: str = "<scenario>") -> ScenarioConfig:
    """Build a :class:`ScenarioConfig` from an already parsed TOML document.

    Raises:
        ConfigError: a bad key, type or value (one line: file, table, key, valid keys).
    """
    check_tables(data, _TOP, file)
    if "scenario" not in data:
        raise ConfigError(
            f"{file}: missing [scenario] table (with name = '...' and kind = 'stand|walk|reach')"
        )
    sc = data["scenario"]
    if isinstance(sc, dict) and "name" not in sc:
        raise ConfigError(f"{file}: [scenario] needs name = '...'")
    info = build_dataclass(ScenarioInfo, sc, "scenario", file)
    fork = build_dataclass(ForkConfig, data.get("fork", {}), "fork", file)
    walk = build_dataclass(WalkConfig, data["walk"], "walk", file) if "walk" in data else None
    if info.kind == "walk" and walk is None:
        walk = WalkConfig()
    terrain = TerrainConfig()
    if "terrain" in data:
        t = data["terrain"]
        if not isinstance(t, dict):
            raise ConfigError(f"{file}: [terrain] must be a table, got {t!r}")
        t = dict(t)
        patches = _patches(t.pop("patches"), "terrain.patches", file) if "patches" in t else ()
        terrain = build_dataclass(TerrainConfig, t, "terrain", file)
        try:
            terrain = replace(terrain, patches=patches)
        except ConfigError as err:
            raise ConfigError(f"{file}: [terrain] {err}") from err
    reach = None
    if "reach" in data:
        r = data["reach"]
        if isinstance(r, dict) and "target" not in r:
            raise ConfigError(f"{file}: [reach] needs target = [x, y, z] [m]")
        reach = build_dataclass(ReachConfig, r, "reach", file)
    measures = build_dataclass(MeasuresConfig, data.get("measures", {}), "measures", file)
    variants: list[Variant] = []
    if "variants" in data:
        for i, t in enumerate(_table_list(data["variants"], "variants", file)):
            t = dict(t)
            name = t.pop("name", None)
            if not isinstance(name, str) or not name.strip():
                raise ConfigError(f"{file}: [[variants]] #{i + 1} needs name = '...'")
            variants.append(Variant(name, _changes(t, f"variants.{name}", file)))
    if "grid" in data:
        variants += _grid(data["grid"], file)
    return ScenarioConfig(
        info=info,
        fork=fork,
        walk=walk,
        terrain=terrain,
        reach=reach,
        measures=measures,
        variants=tuple(variants),
        file=file,
    )


def load_scenario(path: str | Path, model: RobotModel | None = None) -> ScenarioConfig:
    """Read and validate a scenario file; with ``model``, also check its joint and link names.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or has a bad key, type, value or name.
    """
    p = Path(path)
    cfg = parse_scenario(read_toml(p), str(p))
    if model is not None:
        cfg.check_names(model)
    return cfg
