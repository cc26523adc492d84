"""The one robot description type: an immutable, typed tree of links and joints.

Every importer (URDF, xacro, USD) produces a :class:`RobotModel`; every writer (USD) and physics
backend (MuJoCo) consumes one. A value the source has and the model drops is lost everywhere, so the
model keeps every URDF concept, including the ones no simulator uses (calibration, safety
controller). Units are SI: metres, radians, kilograms, seconds, newtons.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelError
from .transforms import IDENTITY_QUAT, FloatArray, QuatWXYZ, Vec3, canonical_quat, quat_to_matrix, rpy_to_quat

if TYPE_CHECKING:
    from ..meshes import TriangleMesh

__all__ = [
    "Box",
    "Calibration",
    "Capsule",
    "Collision",
    "Cylinder",
    "Drive",
    "Dynamics",
    "Geometry",
    "Inertial",
    "Joint",
    "JointLimit",
    "JointType",
    "Link",
    "Material",
    "Mesh",
    "Mimic",
    "Pose",
    "RobotModel",
    "SafetyController",
    "Sphere",
    "Visual",
]


def _finite(name: str, values: tuple[float, ...]) -> None:
    for v in values:
        if not math.isfinite(v):
            raise ModelError(f"{name} has a non-finite value {values!r}")


@dataclass(frozen=True)
class Pose:
    """A rigid transform ``parent_T_child``: position [m] and unit quaternion ``(w, x, y, z)``."""

    position: Vec3 = (0.0, 0.0, 0.0)
    """Translation of the child frame's origin in the parent frame [m]."""
    quat: QuatWXYZ = IDENTITY_QUAT
    """Orientation of the child frame in the parent frame, scalar first ``(w, x, y, z)``."""

    def __post_init__(self) -> None:
        _finite("pose position", self.position)
        _finite("pose quaternion", self.quat)
        n = math.sqrt(sum(q * q for q in self.quat))
        if abs(n - 1.0) > 1e-6:
            raise ModelError(f"pose quaternion {self.quat!r} is not unit length (norm {n:.6g})")

    @classmethod
    def from_xyz_rpy(cls, xyz: Vec3 = (0.0, 0.0, 0.0), rpy: Vec3 = (0.0, 0.0, 0.0)) -> Pose:
        """Build from URDF ``<origin xyz rpy>`` [m, rad]."""
        return cls(tuple(float(v) for v in xyz), rpy_to_quat(rpy))  # type: ignore[arg-type]

    @classmethod
    def from_matrix(cls, m: FloatArray) -> Pose:
        """Build from a 4×4 homogeneous matrix."""
        from .transforms import matrix_to_quat

        p = m[:3, 3]
        return cls((float(p[0]), float(p[1]), float(p[2])), matrix_to_quat(m[:3, :3]))

    def matrix(self) -> FloatArray:
        """4×4 homogeneous matrix of this transform."""
        t = np.eye(4)
        t[:3, :3] = quat_to_matrix(self.quat)
        t[:3, 3] = self.position
        return t

    @property
    def is_identity(self) -> bool:
        return self.position == (0.0, 0.0, 0.0) and canonical_quat(self.quat) == IDENTITY_QUAT


# ---------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Box:
    """Axis-aligned box centred on its frame."""

    size: Vec3
    """Full edge lengths along x, y, z [m]."""


@dataclass(frozen=True)
class Cylinder:
    """Cylinder centred on its frame, axis along +Z."""

    radius: float
    """[m]"""
    length: float
    """Full length along Z [m]."""


@dataclass(frozen=True)
class Capsule:
    """Capsule centred on its frame, axis along +Z (not in URDF; used by importers' options)."""

    radius: float
    """[m]"""
    length: float
    """Length of the cylindrical part along Z, without the caps [m]."""


@dataclass(frozen=True)
class Sphere:
    """Sphere centred on its frame."""

    radius: float
    """[m]"""


@dataclass(frozen=True)
class Mesh:
    """A triangle mesh kept by reference to its file (or, from a USD that holds it, with its triangles)."""

    uri: str
    """The URI exactly as written in the source (``package://pkg/meshes/x.stl``; ``file<prim>`` for a
    mesh held inside a USD)."""
    path: Path | None
    """The resolved local file (for a robot read from our USD: the file it was imported from, as
    recorded), or None when the source carried the mesh inline only (another tool's USD)."""
    scale: Vec3 = (1.0, 1.0, 1.0)
    """Per-axis scale applied to the file's vertices."""
    data: TriangleMesh | None = field(default=None, compare=False, repr=False)
    """The triangles of a mesh held inside a USD: when set, what the writers and MuJoCo use, not the
    file (which may have changed or be gone since); not part of equality (``uri`` and ``path`` name
    it). :func:`humanoid_twin.meshes.mesh_triangles` applies the rule."""

    @property
    def source(self) -> str:
        """What the mesh is read from: its file, or the ``file<prim>`` URI of a mesh held inside a USD
        (a key for "the same mesh")."""
        return str(self.path) if self.path is not None else self.uri

    @property
    def stem(self) -> str:
        """A short name: the file's stem, or the prim's name of a mesh held inside a USD."""
        if self.path is not None:
            return self.path.stem
        return self.uri.rstrip(">").rsplit("/", 1)[-1].rsplit("<", 1)[-1]


Geometry = Box | Cylinder | Capsule | Sphere | Mesh


@dataclass(frozen=True)
class Material:
    """A visual material."""

    name: str
    """Material name ('' for an anonymous inline material)."""
    rgba: tuple[float, float, float, float] | None = None
    """Colour, each channel in [0, 1]; None when only a texture is given."""
    texture: str | None = None
    """Texture file URI as written in the source, if any."""
    texture_file: Path | None = field(default=None, compare=False)
    """The texture's local image file when it was found and may be read (inside the search roots for
    a URDF ``<texture>``, inside the mesh file's folder for a mesh file's own material; an image of a
    supported format, see :data:`humanoid_twin.meshes.TEXTURE_SUFFIXES`); None: kept by URI only.
    Where the image is read from, not part of equality (``texture`` names it): an asset read back
    points at its own copy."""


@dataclass(frozen=True)
class Visual:
    name: str
    """Element name ('' when unnamed)."""
    origin: Pose
    """``link_T_visual``."""
    geometry: Geometry
    material: Material | None = None


@dataclass(frozen=True)
class Collision:
    name: str
    """Element name ('' when unnamed)."""
    origin: Pose
    """``link_T_collision``."""
    geometry: Geometry


@dataclass(frozen=True)
class Inertial:
    """Mass properties of a link."""

    mass: float
    """[kg], ≥ 0."""
    origin: Pose
    """``link_T_inertial``: the centre of mass and the frame ``inertia`` is expressed in."""
    inertia: tuple[float, float, float, float, float, float]
    """``(ixx, ixy, ixz, iyy, iyz, izz)`` about the centre of mass, in the inertial frame [kg·m²]."""
    repaired: str = field(default="", compare=False)
    """What the reader's inertia policy changed in the written tensor ('' when it is as written)."""

    def __post_init__(self) -> None:
        _finite("mass", (self.mass,))
        _finite("inertia", self.inertia)
        if self.mass < 0:
            raise ModelError(f"mass {self.mass!r} is negative")

    def tensor(self) -> FloatArray:
        """3×3 inertia tensor in the inertial frame [kg·m²]."""
        ixx, ixy, ixz, iyy, iyz, izz = self.inertia
        return np.array([[ixx, ixy, ixz], [ixy, iyy, iyz], [ixz, iyz, izz]])

    def principal(self) -> tuple[Vec3, QuatWXYZ]:
        """Principal moments [kg·m²] and ``link_T_principal`` orientation ``(w, x, y, z)``.

        The principal frame is the inertial origin rotated so the tensor is diagonal; the result
        is what UsdPhysics ``diagonalInertia`` / ``principalAxes`` and MuJoCo ``fullinertia`` need.
        """
        from .transforms import matrix_to_quat, quat_multiply

        vals, vecs = np.linalg.eigh(self.tensor())
        if np.linalg.det(vecs) < 0:
            vecs[:, 2] = -vecs[:, 2]
        q_local = matrix_to_quat(vecs)
        q = canonical_quat(quat_multiply(self.origin.quat, q_local))
        return (float(vals[0]), float(vals[1]), float(vals[2])), q


# ---------------------------------------------------------------- joints


class JointType(enum.StrEnum):
    """URDF joint types."""

    REVOLUTE = "revolute"
    CONTINUOUS = "continuous"
    PRISMATIC = "prismatic"
    FIXED = "fixed"
    FLOATING = "floating"
    PLANAR = "planar"

    @property
    def dof(self) -> int:
        return {"fixed": 0, "revolute": 1, "continuous": 1, "prismatic": 1, "planar": 3, "floating": 6}[
            self.value
        ]

    @property
    def is_actuated_1dof(self) -> bool:
        return self in (JointType.REVOLUTE, JointType.CONTINUOUS, JointType.PRISMATIC)

    @property
    def is_angular(self) -> bool:
        return self in (JointType.REVOLUTE, JointType.CONTINUOUS)


@dataclass(frozen=True)
class JointLimit:
    """URDF ``<limit>``; None means the source did not give the value."""

    lower: float | None = None
    """[rad] or [m]"""
    upper: float | None = None
    """[rad] or [m]"""
    effort: float | None = None
    """Maximum effort [N·m] or [N]."""
    velocity: float | None = None
    """Maximum speed [rad/s] or [m/s]."""


@dataclass(frozen=True)
class Dynamics:
    """URDF ``<dynamics>``."""

    damping: float = 0.0
    """Viscous damping [N·m·s/rad] or [N·s/m]."""
    friction: float = 0.0
    """Static (Coulomb) friction [N·m] or [N]."""


@dataclass(frozen=True)
class Mimic:
    """URDF ``<mimic>``: ``q = multiplier · q_leader + offset``."""

    joint: str
    """The leader joint's name."""
    multiplier: float = 1.0
    offset: float = 0.0
    """[rad] or [m]"""


@dataclass(frozen=True)
class SafetyController:
    """URDF ``<safety_controller>``."""

    k_velocity: float
    soft_lower_limit: float | None = None
    soft_upper_limit: float | None = None
    k_position: float | None = None


@dataclass(frozen=True)
class Calibration:
    """URDF ``<calibration>``: reference positions [rad] or [m]."""

    rising: float | None = None
    falling: float | None = None


@dataclass(frozen=True)
class Drive:
    """A joint's position drive (PD servo), as UsdPhysics DriveAPI and MuJoCo actuators model it.

    Importers from URDF leave it None (URDF has no drives) and the writers fill it from their
    import options; USD carries it, so a USD round trip keeps the gains.
    """

    stiffness: float
    """Position gain [N·m/rad] or [N/m]."""
    damping: float
    """Velocity gain [N·m·s/rad] or [N·s/m]."""
    max_force: float | None = None
    """Force limit [N·m] or [N]; None means unlimited."""
    kind: str = "force"
    """UsdPhysics drive type: 'force' or 'acceleration'."""
    armature: float = 0.0
    """Reflected rotor inertia [kg·m²] or [kg] added on the joint."""


@dataclass(frozen=True)
class Joint:
    name: str
    type: JointType
    parent: str
    """Parent link name."""
    child: str
    """Child link name."""
    origin: Pose = field(default_factory=Pose)
    """``parent_T_joint``; the child link frame coincides with the joint frame at q = 0."""
    axis: Vec3 = (1.0, 0.0, 0.0)
    """Unit axis in the joint frame (URDF default (1, 0, 0))."""
    limit: JointLimit | None = None
    dynamics: Dynamics | None = None
    mimic: Mimic | None = None
    safety_controller: SafetyController | None = None
    calibration: Calibration | None = None
    drive: Drive | None = None
    dont_collapse: bool = False
    """URDF extension honoured by importers that merge fixed joints: keep this joint and link."""

    def __post_init__(self) -> None:
        _finite(f"joint {self.name!r} axis", self.axis)
        n = math.sqrt(sum(a * a for a in self.axis))
        if self.type not in (JointType.FIXED, JointType.FLOATING) and n < 1e-9:
            raise ModelError(f"joint {self.name!r} has a zero axis")
        if abs(n - 1.0) > 1e-9 and n > 1e-9:
            object.__setattr__(self, "axis", tuple(a / n for a in self.axis))
        lim = self.limit
        if lim is not None and lim.lower is not None and lim.upper is not None and lim.lower > lim.upper:
            raise ModelError(f"joint {self.name!r} has lower limit {lim.lower!r} > upper {lim.upper!r}")

    @property
    def lower(self) -> float:
        """Lower position limit, −inf when unlimited."""
        if self.type is JointType.CONTINUOUS or self.limit is None or self.limit.lower is None:
            return -math.inf
        return self.limit.lower

    @property
    def upper(self) -> float:
        """Upper position limit, +inf when unlimited."""
        if self.type is JointType.CONTINUOUS or self.limit is None or self.limit.upper is None:
            return math.inf
        return self.limit.upper


@dataclass(frozen=True)
class Link:
    name: str
    inertial: Inertial | None = None
    visuals: tuple[Visual, ...] = ()
    collisions: tuple[Collision, ...] = ()

    @property
    def mass(self) -> float:
        return self.inertial.mass if self.inertial is not None else 0.0

    @property
    def is_frame(self) -> bool:
        """A massless link without geometry: a named reference frame (sole, hand, trunk)."""
        return self.mass == 0.0 and not self.visuals and not self.collisions


# ---------------------------------------------------------------- the robot


@dataclass(frozen=True)
class RobotModel:
    """A robot as a tree of links connected by joints.

    Invariants (checked on construction): unique link and joint names, every joint references
    existing links, every link but one (the root) is the child of exactly one joint, no cycles,
    mimic leaders exist.
    """

    name: str
    links: tuple[Link, ...]
    joints: tuple[Joint, ...]
    materials: tuple[Material, ...] = ()
    """Named materials declared at the robot level."""
    source: str | None = field(default=None, compare=False)
    """The file the model was read from, for messages (not part of equality)."""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """What the importer repaired or ignored, one sentence each."""

    def __post_init__(self) -> None:
        if not self.links:
            raise ModelError(f"robot {self.name!r} has no links")
        seen: set[str] = set()
        for link in self.links:
            if link.name in seen:
                raise ModelError(f"duplicate link name {link.name!r}")
            seen.add(link.name)
        jseen: set[str] = set()
        children: set[str] = set()
        for j in self.joints:
            if j.name in jseen:
                raise ModelError(f"duplicate joint name {j.name!r}")
            jseen.add(j.name)
            for role, ref in (("parent", j.parent), ("child", j.child)):
                if ref not in seen:
                    raise ModelError(f"joint {j.name!r} names {role} link {ref!r}, which does not exist")
            if j.child in children:
                raise ModelError(f"link {j.child!r} is the child of more than one joint")
            children.add(j.child)
        roots = [lk.name for lk in self.links if lk.name not in children]
        if len(roots) != 1:
            if not roots:
                raise ModelError("the joints form a cycle: no link is free of a parent joint")
            raise ModelError(f"the robot has {len(roots)} root links {roots!r}; connect them with joints")
        # cycles: with one root and n-1 joints each with a unique child, reachability decides
        reached = {roots[0]}
        stack = [roots[0]]
        kids = self._children_map
        while stack:
            for j in kids.get(stack.pop(), ()):
                if j.child not in reached:
                    reached.add(j.child)
                    stack.append(j.child)
        if len(reached) != len(self.links):
            missing = sorted(seen - reached)
            raise ModelError(f"the joints form a cycle through links {missing!r}")
        for j in self.joints:
            if j.mimic is not None and j.mimic.joint not in jseen:
                raise ModelError(f"joint {j.name!r} mimics joint {j.mimic.joint!r}, which does not exist")

    # --------------------------------------------------------- lookup

    @cached_property
    def _children_map(self) -> dict[str, tuple[Joint, ...]]:
        out: dict[str, list[Joint]] = {}
        for j in self.joints:
            out.setdefault(j.parent, []).append(j)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _link_index(self) -> dict[str, Link]:
        return {lk.name: lk for lk in self.links}

    @cached_property
    def _joint_index(self) -> dict[str, Joint]:
        return {j.name: j for j in self.joints}

    @cached_property
    def _parent_joint(self) -> dict[str, Joint]:
        return {j.child: j for j in self.joints}

    @property
    def root(self) -> Link:
        """The link that is no joint's child."""
        return next(lk for lk in self.links if lk.name not in self._parent_joint)

    def link(self, name: str) -> Link:
        try:
            return self._link_index[name]
        except KeyError:
            raise ModelError(f"robot {self.name!r} has no link {name!r}") from None

    def joint(self, name: str) -> Joint:
        try:
            return self._joint_index[name]
        except KeyError:
            raise ModelError(f"robot {self.name!r} has no joint {name!r}") from None

    def has_link(self, name: str) -> bool:
        return name in self._link_index

    def has_joint(self, name: str) -> bool:
        return name in self._joint_index

    def parent_joint(self, link: str) -> Joint | None:
        """The joint whose child is ``link`` (None for the root)."""
        return self._parent_joint.get(link)

    def child_joints(self, link: str) -> tuple[Joint, ...]:
        """Joints whose parent is ``link``, in source order."""
        return self._children_map.get(link, ())

    def walk(self) -> Iterator[Joint]:
        """Joints in depth-first order from the root (parents before children, source order)."""
        stack = list(reversed(self.child_joints(self.root.name)))
        while stack:
            j = stack.pop()
            yield j
            stack.extend(reversed(self.child_joints(j.child)))

    # --------------------------------------------------------- summaries

    @property
    def actuated_joints(self) -> tuple[Joint, ...]:
        """1-DoF joints (revolute, continuous, prismatic) that are not mimics, in tree order."""
        return tuple(j for j in self.walk() if j.type.is_actuated_1dof and j.mimic is None)

    @property
    def dof(self) -> int:
        """Degrees of freedom of the joints (mimic joints excluded; floating base excluded)."""
        return sum(j.type.dof for j in self.joints if j.mimic is None)

    @property
    def total_mass(self) -> float:
        """[kg]"""
        return float(sum(lk.mass for lk in self.links))

    def materials_by_name(self) -> Mapping[str, Material]:
        return {m.name: m for m in self.materials}

    def replace(self, **changes: object) -> RobotModel:
        """A copy with fields replaced (the model is immutable)."""
        import dataclasses

        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
