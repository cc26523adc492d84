"""Build a MuJoCo model from a :class:`RobotModel` with ``mujoco.MjSpec`` (never via MuJoCo's URDF parser).

The layout (which link becomes a body or a site, joint names) is decided in :mod:`._plan`; this
module turns it into spec elements. Conventions: quaternions ``(w, x, y, z)`` in MuJoCo and in the
model; SI units; angles in radians (``compiler.degree`` is off); gravity −Z.

Collision filtering (``contype``/``conaffinity`` bits): robot colliders have ``contype = 1`` and
``conaffinity = 2`` (or ``3`` with self-collision, so robot geoms collide with each other); the
floor has ``contype = 2, conaffinity = 1``. Anything else that should touch the robot sets bit 2 in
its ``contype``. Visual geoms are group 2 and never collide; colliders are group 3 and are the
only geoms used to infer inertia (for links without ``<inertial>``). With self-collision, a joint's
two bodies never touch, as in USD: MuJoCo filters parent and child, except when the parent is welded
to the world (a fixed base), where the builder adds the ``exclude`` pair itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import DependencyError, PhysicsError
from ...model import (
    Box,
    Capsule,
    Cylinder,
    Geometry,
    ImportOptions,
    Link,
    Mesh,
    Pose,
    RobotModel,
    Sphere,
)
from ...model.collisions import touching_links
from ...model.drives import joint_armature, resolve_drive
from ...model.transforms import FloatArray, matrix_to_quat
from ._plan import PLACEHOLDER_INERTIA, PLACEHOLDER_MASS, Plan, plan, unique_name

if TYPE_CHECKING:
    import mujoco

__all__ = [
    "COLLISION_GROUP",
    "DEFAULT_RGBA",
    "FLOOR_NAME",
    "VISUAL_GROUP",
    "build_model",
    "build_spec",
    "import_mujoco",
]

_log = logging.getLogger(__name__)

VISUAL_GROUP = 2
"""MuJoCo geom group of visual geoms."""
COLLISION_GROUP = 3
"""MuJoCo geom group of collision geoms (hidden by MuJoCo's viewer by default)."""
FLOOR_NAME = "floor"
"""Name of the floor geom (made unique against the robot's geom names)."""
DEFAULT_RGBA = (0.7, 0.7, 0.7, 1.0)
"""Colour of visual geoms without a material colour."""
_COLLISION_RGBA = (0.9, 0.4, 0.1, 0.5)
_FLOOR_FRICTION = (1.0, 0.005, 0.0001)
_ROBOT_CONTYPE = 1
_FLOOR_CONTYPE = 2


def import_mujoco() -> Any:
    """The ``mujoco`` module, or :class:`DependencyError` naming the extra to install."""
    try:
        import mujoco
    except ImportError as err:
        raise DependencyError.missing("mujoco", "mujoco") from err
    return mujoco


def _pose(m: FloatArray) -> tuple[list[float], list[float]]:
    return [float(v) for v in m[:3, 3]], list(matrix_to_quat(m[:3, :3]))


class _Builder:
    def __init__(self, mj: Any, model: RobotModel, options: ImportOptions, layout: Plan) -> None:
        self.mj = mj
        self.model = model
        self.options = options
        self.plan = layout
        self.spec: Any = mj.MjSpec()
        self.bodies: dict[str, Any] = {}
        self.mesh_names: dict[tuple[str, tuple[float, float, float]], str] = {}
        self.taken_meshes: set[str] = set()
        self.taken_geoms: set[str] = set()
        self.excluded: set[frozenset[str]] = set()
        self.materials = model.materials_by_name()

    # ------------------------------------------------------------ setup

    def configure(self, timestep: float) -> None:
        s, mj = self.spec, self.mj
        s.modelname = self.model.name
        s.compiler.degree = False
        s.compiler.fusestatic = False
        s.compiler.alignfree = False
        s.compiler.autolimits = False
        s.compiler.balanceinertia = False
        s.compiler.inertiafromgeom = mj.mjtInertiaFromGeom.mjINERTIAFROMGEOM_AUTO
        s.compiler.inertiagrouprange = [COLLISION_GROUP, COLLISION_GROUP]
        s.option.timestep = timestep
        s.option.integrator = mj.mjtIntegrator.mjINT_IMPLICITFAST
        s.option.gravity = [0.0, 0.0, -9.81]

    # ------------------------------------------------------------ bodies

    def add_bodies(self) -> None:
        model, layout = self.model, self.plan
        root = model.root
        if layout.world_root:
            self.bodies[root.name] = self.spec.worldbody
        else:
            body = self.spec.worldbody.add_body(name=root.name)
            self.bodies[root.name] = body
            self._inertial(body, root)
            if layout.free_joint is not None:
                body.add_freejoint(name=layout.free_joint, align=self.mj.mjtAlignFree.mjALIGNFREE_FALSE)
        self._geoms(root, np.eye(4))
        welded = {root.name} if layout.free_joint is None else set()  # bodies that cannot move
        for j in model.walk():
            child = model.link(j.child)
            host = self.bodies[layout.host[j.parent]]
            if j.child in layout.sites:
                pos, quat = _pose(layout.offset[j.child])
                host.add_site(name=j.child, pos=pos, quat=quat)
                continue
            parent_offset = layout.offset[j.parent]
            if np.array_equal(parent_offset, np.eye(4)):
                pos, quat = list(j.origin.position), list(j.origin.quat)
            else:
                pos, quat = _pose(parent_offset @ j.origin.matrix())
            body = host.add_body(name=j.child, pos=pos, quat=quat)
            self.bodies[j.child] = body
            self._inertial(body, child)
            self._joints(body, j.name)
            self._geoms(child, np.eye(4))
            if layout.host[j.parent] in welded:
                if not layout.joints[j.name].mj_joints:
                    welded.add(j.child)
                elif self.options.self_collision:
                    # MuJoCo's parent filter skips bodies welded to the world; a joint in USD
                    # disables its two bodies' contacts whatever the base
                    self._exclude(host.name, body.name)
        if self.options.self_collision:
            # colliders touching at the rest pose would push their bodies apart at the first step
            for a, b in touching_links(model, self.options):
                host_a, host_b = layout.host[a], layout.host[b]
                if host_a != host_b:
                    self._exclude(self.bodies[host_a].name, self.bodies[host_b].name)

    def _exclude(self, body1: str, body2: str) -> None:
        """One ``<exclude>`` per body pair (MuJoCo refuses none twice, but the MJCF stays tidy)."""
        key = frozenset((body1, body2))
        if key not in self.excluded:
            self.excluded.add(key)
            self.spec.add_exclude(bodyname1=body1, bodyname2=body2)

    def _inertial(self, body: Any, link: Link) -> None:
        inertial = link.inertial
        placeholder = link.name in self.plan.placeholders
        if inertial is None and not placeholder:
            return  # MuJoCo infers mass from the colliders (group 3), or the body is massless
        body.explicitinertial = True
        if inertial is None:
            body.mass = PLACEHOLDER_MASS
            body.inertia = [PLACEHOLDER_INERTIA] * 3
            body.ipos = [0.0, 0.0, 0.0]  # MjSpec.to_xml writes no <inertial> while ipos is undefined
            body.iquat = [1.0, 0.0, 0.0, 0.0]
            return
        moments, iquat = inertial.principal()
        mass = inertial.mass
        if placeholder:
            mass = max(mass, PLACEHOLDER_MASS)
            moments = tuple(max(v, PLACEHOLDER_INERTIA) for v in moments)  # type: ignore[assignment]
            _log.info("link %r moves but has no mass: given %g kg for MuJoCo", link.name, mass)
        body.mass = mass
        body.ipos = list(inertial.origin.position)
        body.iquat = list(iquat)
        body.inertia = [max(float(v), 0.0) for v in moments]

    def _joints(self, body: Any, joint_name: str) -> None:
        mj = self.mj
        j = self.model.joint(joint_name)
        for mjj in self.plan.joints[joint_name].mj_joints:
            if mjj.kind == "free":
                body.add_freejoint(name=mjj.name, align=mj.mjtAlignFree.mjALIGNFREE_FALSE)
                continue
            if mjj.kind == "ball":
                body.add_joint(name=mjj.name, type=mj.mjtJoint.mjJNT_BALL)
                continue
            jt = body.add_joint(
                name=mjj.name,
                type=mj.mjtJoint.mjJNT_HINGE if mjj.kind == "hinge" else mj.mjtJoint.mjJNT_SLIDE,
                axis=list(mjj.axis),
            )
            if not j.type.is_actuated_1dof:
                jt.limited = mj.mjtLimited.mjLIMITED_FALSE
                continue
            lower, upper = j.lower, j.upper
            if np.isfinite(lower) and np.isfinite(upper):
                if upper - lower < 1e-9:
                    _log.warning(
                        "joint %r has equal limits %r; MuJoCo needs a range: widened by 1e-9", j.name, lower
                    )
                    lower, upper = lower - 5e-10, upper + 5e-10
                jt.limited = mj.mjtLimited.mjLIMITED_TRUE
                jt.range = [lower, upper]
            else:
                jt.limited = mj.mjtLimited.mjLIMITED_FALSE
            if j.dynamics is not None:
                jt.damping[0] = j.dynamics.damping
                jt.frictionloss = j.dynamics.friction
            if j.mimic is None:  # mimic joints are not actuated: no rotor inertia (as in USD)
                jt.armature = joint_armature(j, self.options)

    # ------------------------------------------------------------ geometry

    def _geoms(self, link: Link, host_t_link: FloatArray) -> None:
        body = self.bodies[self.plan.host[link.name]]
        for i, vis in enumerate(link.visuals):
            rgba = None
            if vis.material is not None:
                rgba = vis.material.rgba
                if rgba is None and vis.material.name in self.materials:
                    rgba = self.materials[vis.material.name].rgba
            elif isinstance(vis.geometry, Mesh):
                rgba = self._file_rgba(vis.geometry)
            self._geom(
                body,
                vis.name or f"{link.name}_visual_{i}",
                vis.geometry,
                host_t_link @ vis.origin.matrix(),
                collider=False,
                rgba=rgba or DEFAULT_RGBA,
            )
        colliders: list[tuple[str, Geometry, Pose]] = [
            (c.name or f"{link.name}_collision_{i}", c.geometry, c.origin)
            for i, c in enumerate(link.collisions)
        ]
        if not colliders and self.options.collision_from_visuals:
            colliders = [
                (f"{link.name}_collision_{i}", v.geometry, v.origin) for i, v in enumerate(link.visuals)
            ]
        for name, geometry, origin in colliders:
            self._geom(
                body, name, geometry, host_t_link @ origin.matrix(), collider=True, rgba=_COLLISION_RGBA
            )

    def _geom(
        self,
        body: Any,
        name: str,
        geometry: Geometry,
        pose: FloatArray,
        *,
        collider: bool,
        rgba: tuple[float, float, float, float],
    ) -> None:
        mj = self.mj
        gt = mj.mjtGeom
        kwargs: dict[str, Any] = {}
        if isinstance(geometry, Box):
            kwargs.update(type=gt.mjGEOM_BOX, size=[0.5 * v for v in geometry.size])
        elif isinstance(geometry, Cylinder):
            if collider and self.options.replace_cylinders_with_capsules:
                half = 0.5 * geometry.length - geometry.radius
                if half > 0:
                    kwargs.update(type=gt.mjGEOM_CAPSULE, size=[geometry.radius, half, 0.0])
                else:
                    kwargs.update(type=gt.mjGEOM_SPHERE, size=[geometry.radius, 0.0, 0.0])
            else:
                kwargs.update(type=gt.mjGEOM_CYLINDER, size=[geometry.radius, 0.5 * geometry.length, 0.0])
        elif isinstance(geometry, Capsule):
            kwargs.update(type=gt.mjGEOM_CAPSULE, size=[geometry.radius, 0.5 * geometry.length, 0.0])
        elif isinstance(geometry, Sphere):
            kwargs.update(type=gt.mjGEOM_SPHERE, size=[geometry.radius, 0.0, 0.0])
        elif isinstance(geometry, Mesh):
            mesh = self._mesh(geometry)
            if mesh is None:
                return
            kwargs.update(type=gt.mjGEOM_MESH, meshname=mesh)
        else:  # pragma: no cover - Geometry is a closed union
            raise PhysicsError(f"unsupported geometry {geometry!r}")
        pos, quat = _pose(pose)
        if collider:
            kwargs.update(
                group=COLLISION_GROUP,
                contype=_ROBOT_CONTYPE,
                conaffinity=_FLOOR_CONTYPE | (_ROBOT_CONTYPE if self.options.self_collision else 0),
                density=self.options.density,
            )
        else:
            kwargs.update(group=VISUAL_GROUP, contype=0, conaffinity=0, density=0.0)
        body.add_geom(name=unique_name(name, self.taken_geoms), pos=pos, quat=quat, rgba=list(rgba), **kwargs)

    def _file_rgba(self, geometry: Mesh) -> tuple[float, float, float, float] | None:
        """The colour of the mesh file's own material covering most of its surface (MuJoCo has one
        rgba per geom); None when the file has no coloured material."""
        if geometry.path is None and geometry.data is None:
            return None  # _mesh reports it
        from ...meshes import mesh_triangles

        dominant = mesh_triangles(geometry).dominant_material()
        return dominant.rgba if dominant is not None else None

    def _mesh(self, geometry: Mesh) -> str | None:
        if geometry.path is None and geometry.data is None:
            raise PhysicsError(
                f"mesh {geometry.uri!r} has no local file; MuJoCo needs the mesh file (read the robot "
                "from its URDF, or resolve its package:// paths)"
            )
        source = geometry.source
        key = (source, geometry.scale)
        if key in self.mesh_names:
            return self.mesh_names[key]
        from ...meshes import mesh_triangles

        tm = mesh_triangles(geometry)
        if tm.face_count == 0:
            _log.warning("mesh %s has no triangles; skipped in MuJoCo", source)
            return None
        name = unique_name(geometry.stem, self.taken_meshes)
        self.spec.add_mesh(
            name=name,
            uservert=np.asarray(tm.vertices, dtype=np.float32).ravel().tolist(),
            userface=np.asarray(tm.faces, dtype=np.int32).ravel().tolist(),
            scale=list(geometry.scale),
        )
        self.mesh_names[key] = name
        return name

    # ------------------------------------------------------------ constraints and actuators

    def add_mimics(self) -> None:
        mj = self.mj
        for j in self.model.walk():
            if j.mimic is None:
                continue
            leader = self.model.joint(j.mimic.joint)
            if not (j.type.is_actuated_1dof and leader.type.is_actuated_1dof):
                raise PhysicsError(
                    f"joint {j.name!r} mimics joint {leader.name!r}; MuJoCo supports mimic only between "
                    "revolute, continuous and prismatic joints"
                )
            eq = self.spec.add_equality(
                name=j.name,
                type=mj.mjtEq.mjEQ_JOINT,
                objtype=mj.mjtObj.mjOBJ_JOINT,
                name1=j.name,
                name2=leader.name,
            )
            data = np.zeros(len(eq.data))
            data[0], data[1] = j.mimic.offset, j.mimic.multiplier
            eq.data = data

    def add_actuators(self) -> None:
        mj = self.mj
        for j in self.model.actuated_joints:
            drive = resolve_drive(j, self.options)
            if drive is None:
                continue
            act = self.spec.add_actuator(name=j.name, target=j.name, trntype=mj.mjtTrn.mjTRN_JOINT)
            if drive.target == "position":
                act.set_to_position(kp=drive.stiffness, kv=drive.damping)
                if np.isfinite(j.lower) and np.isfinite(j.upper) and j.upper > j.lower:
                    act.ctrllimited = mj.mjtLimited.mjLIMITED_TRUE
                    act.ctrlrange = [j.lower, j.upper]
                else:
                    act.ctrllimited = mj.mjtLimited.mjLIMITED_FALSE
            else:
                act.set_to_velocity(kv=drive.damping)
                vmax = j.limit.velocity if j.limit is not None else None
                if vmax is not None and vmax > 0:
                    act.ctrllimited = mj.mjtLimited.mjLIMITED_TRUE
                    act.ctrlrange = [-vmax, vmax]
                else:
                    act.ctrllimited = mj.mjtLimited.mjLIMITED_FALSE
            if drive.max_force is not None:
                act.forcelimited = mj.mjtLimited.mjLIMITED_TRUE
                act.forcerange = [-drive.max_force, drive.max_force]
            else:
                act.forcelimited = mj.mjtLimited.mjLIMITED_FALSE
            if drive.kind == "acceleration":
                _log.info("joint %r: acceleration drive modelled as a force servo in MuJoCo", j.name)

    def add_floor(self) -> None:
        self.spec.worldbody.add_geom(
            name=unique_name(FLOOR_NAME, self.taken_geoms),
            type=self.mj.mjtGeom.mjGEOM_PLANE,
            size=[0.0, 0.0, 0.05],
            friction=list(_FLOOR_FRICTION),
            contype=_FLOOR_CONTYPE,
            conaffinity=_ROBOT_CONTYPE,
            group=0,
            rgba=[0.35, 0.4, 0.45, 1.0],
        )


def build_spec(
    model: RobotModel,
    options: ImportOptions = ImportOptions(),  # noqa: B008 - frozen dataclass, safe default
    *,
    floor: bool = True,
    timestep: float = 0.002,
) -> mujoco.MjSpec:
    """The MuJoCo spec of ``model``, built element by element with ``MjSpec``.

    Args:
        model: the robot.
        options: the import options shared with the USD writer (base, merging, drives, collisions).
        floor: add an infinite floor plane (friction 1.0) at z = 0; never under a robot its file welds
            to the world (root link ``world``): that root sits at the origin, nothing stands on a floor,
            and the legs of a welded humanoid would be inside it.
        timestep: simulation step [s].

    Raises:
        DependencyError: mujoco is not installed.
        PhysicsError: the model uses something MuJoCo cannot represent (mesh without a file, a mimic
            between multi-DoF joints).
        MeshError: a mesh file cannot be read.
    """
    if not (timestep > 0 and np.isfinite(timestep)):
        raise PhysicsError(f"timestep must be a finite number > 0 [s], got {timestep!r}")
    mj = import_mujoco()
    b = _Builder(mj, model, options, plan(model, options))
    b.configure(timestep)
    b.add_bodies()
    b.add_mimics()
    b.add_actuators()
    if floor and not b.plan.world_root:
        b.add_floor()
    return b.spec


def build_model(
    model: RobotModel,
    options: ImportOptions = ImportOptions(),  # noqa: B008 - frozen dataclass, safe default
    *,
    floor: bool = True,
    timestep: float = 0.002,
) -> mujoco.MjModel:
    """Build (:func:`build_spec`) and compile ``model`` into a ``mujoco.MjModel``.

    Raises:
        PhysicsError: MuJoCo refused to compile the model; the message is MuJoCo's.
    """
    spec = build_spec(model, options, floor=floor, timestep=timestep)
    try:
        return spec.compile()
    except ValueError as err:
        msg = " ".join(str(err).split())
        raise PhysicsError(f"MuJoCo cannot compile robot {model.name!r}: {msg}") from err
