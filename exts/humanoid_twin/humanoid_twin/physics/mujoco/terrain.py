"""Static terrain for walking scenarios: stairs, slopes and friction patches as MuJoCo geoms.

:class:`Terrain` is a plain frozen description (no mujoco needed to build one);
:func:`add_terrain` adds it to a ``mujoco.MjSpec`` built by :func:`~.build_spec`.

Contact with the robot works exactly as the floor's: every terrain geom has ``contype = 2`` and
``conaffinity = 1`` (the floor's bits, see :mod:`._builder`), so the robot's colliders touch it and
terrain geoms never touch each other. Every terrain geom has ``priority = 1`` (the robot's geoms
have 0), so a contact between the robot and the terrain uses the terrain's friction, not MuJoCo's
default "maximum of the two geoms" mixing: a low-friction step is slippery even under a foot of
friction 1.

Coordinates: world frame, x forward, y left, z up; heights [m] from the floor plane z = 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._toml import check_number
from ...errors import ConfigError
from ._builder import import_mujoco

__all__ = ["Patch", "Slope", "Stairs", "Terrain", "add_terrain"]

TERRAIN_CONTYPE = 2
"""``contype`` of terrain geoms (the floor's)."""
TERRAIN_CONAFFINITY = 1
"""``conaffinity`` of terrain geoms (the floor's)."""
TERRAIN_PRIORITY = 1
"""Contact priority of terrain geoms: their friction wins over the robot's."""
_RGBA = (0.55, 0.55, 0.5, 1.0)
_SLIPPERY_RGBA = (0.3, 0.6, 0.9, 1.0)


_check = check_number


@dataclass(frozen=True)
class Stairs:
    """A flight of ``n`` solid steps going up along the direction ``yaw``.

    Step ``k`` (1-based) is a box from the floor to height ``k · rise`` whose front edge (riser) is
    ``(k − 1) · tread`` past the first riser; the top step is ``top_length`` deep.
    """

    n: int
    """Number of steps (≥ 1)."""
    rise: float
    """Height of each step [m]."""
    tread: float
    """Depth of each step [m]."""
    start_x: float
    """x of the first riser's centre [m]."""
    width: float = 1.0
    """Width of the steps across the walking direction [m]."""
    friction: float | tuple[float, ...] = 1.0
    """Sliding friction coefficient of every step, or one per step (length ``n``)."""
    start_y: float = 0.0
    """y of the first riser's centre [m]."""
    yaw: float = 0.0
    """Direction the stairs go up [rad] (0 = +x)."""
    top_length: float | None = None
    """Depth of the top step [m]; None = ``tread``."""

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ConfigError(f"stairs n must be an integer ≥ 1, got {self.n!r}")
        _check("stairs rise [m]", self.rise, positive=True)
        _check("stairs tread [m]", self.tread, positive=True)
        _check("stairs start_x [m]", self.start_x)
        _check("stairs start_y [m]", self.start_y)
        _check("stairs yaw [rad]", self.yaw)
        _check("stairs width [m]", self.width, positive=True)
        if self.top_length is not None:
            _check("stairs top_length [m]", self.top_length, positive=True)
        fr = self.friction
        if isinstance(fr, Sequence) and not isinstance(fr, str):
            if len(fr) != self.n:
                raise ConfigError(
                    f"stairs friction has {len(fr)} values for {self.n} steps; give one per step"
                )
            object.__setattr__(
                self, "friction", tuple(_check("stairs friction", v, positive=True) for v in fr)
            )
        else:
            _check("stairs friction", fr, positive=True)

    def step_friction(self, k: int) -> float:
        """Friction coefficient of step ``k`` (1-based)."""
        fr = self.friction
        return float(fr[k - 1]) if isinstance(fr, tuple) else float(fr)

    @property
    def height(self) -> float:
        """Height of the top step [m]."""
        return self.n * self.rise


@dataclass(frozen=True)
class Slope:
    """A ramp rising along +x from ``start_x`` over ``length`` (horizontal), then a flat top."""

    angle: float
    """Inclination [rad], in (0, π/4]."""
    start_x: float
    """x where the ramp leaves the floor [m]."""
    length: float
    """Horizontal length of the ramp [m]."""
    width: float = 2.0
    """Width across the walking direction [m], centred on ``y``."""
    top_length: float = 1.0
    """Depth of the flat top after the ramp [m] (0: none)."""
    friction: float = 1.0
    """Sliding friction coefficient."""
    y: float = 0.0
    """y of the centre line [m]."""

    def __post_init__(self) -> None:
        _check("slope angle [rad]", self.angle, positive=True)
        if self.angle > math.pi / 4:
            raise ConfigError(f"slope angle must be ≤ π/4 rad (45°), got {self.angle!r}")
        _check("slope start_x [m]", self.start_x)
        _check("slope length [m]", self.length, positive=True)
        _check("slope width [m]", self.width, positive=True)
        _check("slope top_length [m]", self.top_length, low=0.0)
        _check("slope friction", self.friction, positive=True)
        _check("slope y [m]", self.y)

    @property
    def height(self) -> float:
        """Height of the top [m]."""
        return self.length * math.tan(self.angle)


@dataclass(frozen=True)
class Patch:
    """A thin mat of another friction on the floor: the rectangle ``[x_min, x_max] × [y_min, y_max]``.

    The mat is ``thickness`` thick so feet standing on it do not also touch the floor (whose
    friction would otherwise take part in the contact).
    """

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    friction: float
    """Sliding friction coefficient of the mat."""
    thickness: float = 0.005
    """[m] height of the mat's top above the floor."""
    z: float = 0.0
    """[m] height of the mat's bottom (put a patch on a step: the step's height)."""

    def __post_init__(self) -> None:
        for name in ("x_min", "x_max", "y_min", "y_max", "z"):
            _check(f"patch {name} [m]", getattr(self, name))
        if not (self.x_max > self.x_min and self.y_max > self.y_min):
            raise ConfigError(
                f"patch rectangle x [{self.x_min!r}, {self.x_max!r}] × y [{self.y_min!r}, {self.y_max!r}] "
                "is empty; give x_min < x_max and y_min < y_max"
            )
        _check("patch friction", self.friction, positive=True)
        _check("patch thickness [m]", self.thickness, positive=True)


@dataclass(frozen=True)
class Terrain:
    """Everything static on the floor besides the floor itself (empty: flat ground)."""

    stairs: tuple[Stairs, ...] = field(default=())
    slopes: tuple[Slope, ...] = field(default=())
    patches: tuple[Patch, ...] = field(default=())

    def __post_init__(self) -> None:
        for name, kind in (("stairs", Stairs), ("slopes", Slope), ("patches", Patch)):
            items = tuple(getattr(self, name))
            for it in items:
                if not isinstance(it, kind):
                    raise ConfigError(f"terrain {name} holds {it!r}, not a {kind.__name__}")
            object.__setattr__(self, name, items)

    @property
    def empty(self) -> bool:
        """True when the terrain adds nothing (flat floor)."""
        return not (self.stairs or self.slopes or self.patches)

    def with_(self, *items: Stairs | Slope | Patch) -> Terrain:
        """A copy with ``items`` added."""
        return Terrain(
            stairs=self.stairs + tuple(i for i in items if isinstance(i, Stairs)),
            slopes=self.slopes + tuple(i for i in items if isinstance(i, Slope)),
            patches=self.patches + tuple(i for i in items if isinstance(i, Patch)),
        )


def _yaw_quat(yaw: float) -> list[float]:
    return [math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)]


def add_terrain(spec: Any, terrain: Terrain) -> None:
    """Add ``terrain``'s geoms (static, on the world body) to ``spec`` (a ``mujoco.MjSpec``).

    Geoms are named ``terrain_stairs{i}_step{k}``, ``terrain_slope{i}``, ``terrain_slope{i}_top``,
    ``terrain_patch{i}``; they collide with the robot like the floor does (see the module doc).

    Raises:
        DependencyError: mujoco is not installed.
    """
    mj = import_mujoco()
    world = spec.worldbody
    box = mj.mjtGeom.mjGEOM_BOX

    def geom(name: str, pos: list[float], half: list[float], quat: list[float], friction: float) -> None:
        world.add_geom(
            name=name,
            type=box,
            pos=pos,
            quat=quat,
            size=half,
            friction=[friction, 0.005, 0.0001],
            contype=TERRAIN_CONTYPE,
            conaffinity=TERRAIN_CONAFFINITY,
            priority=TERRAIN_PRIORITY,
            group=0,
            rgba=list(_RGBA if friction >= 0.5 else _SLIPPERY_RGBA),
        )

    for i, st in enumerate(terrain.stairs):
        c, s = math.cos(st.yaw), math.sin(st.yaw)
        for k in range(1, st.n + 1):
            depth = st.tread if k < st.n or st.top_length is None else st.top_length
            along = (k - 1) * st.tread + depth / 2
            h = k * st.rise
            geom(
                f"terrain_stairs{i}_step{k}",
                [st.start_x + c * along, st.start_y + s * along, h / 2],
                [depth / 2, st.width / 2, h / 2],
                _yaw_quat(st.yaw),
                st.step_friction(k),
            )
    for i, sl in enumerate(terrain.slopes):
        # A thin slab lying on the ramp: its top face passes through (start_x, 0) and the top edge.
        t = 0.05
        hyp = sl.length / math.cos(sl.angle)
        cx = sl.start_x + sl.length / 2 + math.sin(sl.angle) * t / 2
        cz = sl.height / 2 - math.cos(sl.angle) * t / 2
        q = [math.cos(-sl.angle / 2), 0.0, math.sin(-sl.angle / 2), 0.0]
        geom(f"terrain_slope{i}", [cx, sl.y, cz], [hyp / 2, sl.width / 2, t / 2], q, sl.friction)
        if sl.top_length > 0:
            geom(
                f"terrain_slope{i}_top",
                [sl.start_x + sl.length + sl.top_length / 2, sl.y, sl.height / 2],
                [sl.top_length / 2, sl.width / 2, sl.height / 2],
                [1.0, 0.0, 0.0, 0.0],
                sl.friction,
            )
    for i, p in enumerate(terrain.patches):
        geom(
            f"terrain_patch{i}",
            [(p.x_min + p.x_max) / 2, (p.y_min + p.y_max) / 2, p.z + p.thickness / 2],
            [(p.x_max - p.x_min) / 2, (p.y_max - p.y_min) / 2, p.thickness / 2],
            [1.0, 0.0, 0.0, 0.0],
            p.friction,
        )
