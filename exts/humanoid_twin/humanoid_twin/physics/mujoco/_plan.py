"""How a :class:`RobotModel` maps onto MuJoCo elements, decided without importing mujoco.

The builder realises this plan with ``MjSpec`` and :class:`MujocoNames` reads it back against the
compiled model, so both agree on every name by construction.

Rules (see docs/concept_mapping.md):

- every link is a MuJoCo body named like the link, except
  - a root link literally named ``world``, which *is* the worldbody (name ``"world"``), and
  - a frame (:attr:`Link.is_frame`) on a fixed joint when ``merge_fixed_joints`` is on and the
    joint is not ``dont_collapse``: it becomes a site named like the link on the nearest body
    above it (its *host*);
- the root body gets a free joint named :data:`FREE_JOINT_NAME` unless the base is fixed;
- revolute/continuous → hinge, prismatic → slide (URDF name); fixed → nothing; floating → a free
  joint (URDF name) on a top-level body, else slides ``<name>_x/_y/_z`` + ball ``<name>``;
  planar → slides ``<name>_x``, ``<name>_y`` + hinge ``<name>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ...model import JointType, RobotModel
from ...model.options import ImportOptions
from ...model.transforms import FloatArray

__all__ = ["FREE_JOINT_NAME", "PLACEHOLDER_INERTIA", "PLACEHOLDER_MASS", "WORLD", "JointPlan", "Plan", "plan"]

WORLD = "world"
"""MuJoCo's name for the worldbody."""
FREE_JOINT_NAME = "floating_base"
"""Name of the free joint of a floating-base robot (made unique against the URDF joint names)."""
PLACEHOLDER_MASS = 1e-6
"""[kg] given to a link that moves on its own joint but has (with what is welded to it) no mass,
which MuJoCo cannot simulate (iCub's ``torso_1``, ``neck_1`` …)."""
PLACEHOLDER_INERTIA = 1e-9
"""[kg·m²] lower bound on the principal moments of such a link."""

MjJointKind = Literal["free", "ball", "hinge", "slide"]


@dataclass(frozen=True)
class MjJoint:
    """One MuJoCo joint: its name, kind and axis in the body frame."""

    name: str
    kind: MjJointKind
    axis: tuple[float, float, float] = (0.0, 0.0, 1.0)


@dataclass(frozen=True)
class JointPlan:
    """The MuJoCo joints that realise one URDF joint (none for a fixed joint)."""

    urdf_name: str
    body: str
    """The MuJoCo body (link name) the joints are on."""
    mj_joints: tuple[MjJoint, ...]


@dataclass(frozen=True)
class Plan:
    """Where every link and joint of a model goes in MuJoCo."""

    world_root: bool
    """The root link is named ``world`` and is the worldbody."""
    host: dict[str, str]
    """link → the link whose MuJoCo body carries it (itself for bodies; ``world`` root: itself)."""
    offset: dict[str, FloatArray]
    """link → ``host_T_link`` (identity for bodies)."""
    sites: tuple[str, ...]
    """Links that became sites, in tree order."""
    bodies: tuple[str, ...]
    """Links that became bodies (not the worldbody), in tree order."""
    joints: dict[str, JointPlan]
    """URDF joint name → its MuJoCo joints (every URDF joint has an entry)."""
    free_joint: str | None
    """Name of the floating-base free joint, None for a fixed base."""
    placeholders: tuple[str, ...] = field(default=())
    """Links given :data:`PLACEHOLDER_MASS` because MuJoCo needs mass on moving bodies."""

    def body_name(self, link: str) -> str:
        """The MuJoCo body name carrying ``link`` (a ``world`` root link is the worldbody)."""
        return self.host[link]


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with underscores appended until it is not in ``taken``; then taken."""
    out = name
    while out in taken:
        out += "_"
    taken.add(out)
    return out


def perpendicular_axes(axis: tuple[float, float, float]) -> tuple[FloatArray, FloatArray]:
    """Two unit vectors ``u, v`` with ``(u, v, axis)`` right-handed orthonormal."""
    n = np.asarray(axis, dtype=np.float64)
    n = n / np.linalg.norm(n)
    e = np.zeros(3)
    e[int(np.argmin(np.abs(n)))] = 1.0
    u = np.asarray(np.cross(e, n), dtype=np.float64)
    u /= np.linalg.norm(u)
    v = np.asarray(np.cross(n, u), dtype=np.float64)
    return u, v


def _vec(a: FloatArray) -> tuple[float, float, float]:
    return (float(a[0]), float(a[1]), float(a[2]))


def plan(model: RobotModel, options: ImportOptions) -> Plan:
    """Decide the MuJoCo layout of ``model`` under ``options``."""
    root = model.root.name
    world_root = root == WORLD
    host: dict[str, str] = {root: root}
    offset: dict[str, FloatArray] = {root: np.eye(4)}
    sites: list[str] = []
    bodies: list[str] = [] if world_root else [root]
    taken = {j.name for j in model.joints}
    joints: dict[str, JointPlan] = {}
    free_joint = None if (world_root or options.fix_base) else unique_name(FREE_JOINT_NAME, taken)

    for j in model.walk():
        child = model.link(j.child)
        merged = (
            j.type is JointType.FIXED
            and options.merge_fixed_joints
            and not j.dont_collapse
            and child.is_frame
        )
        if merged:
            host[j.child] = host[j.parent]
            offset[j.child] = offset[j.parent] @ j.origin.matrix()
            sites.append(j.child)
            joints[j.name] = JointPlan(j.name, host[j.child], ())
            continue
        host[j.child] = j.child
        offset[j.child] = np.eye(4)
        bodies.append(j.child)
        top_level = host[j.parent] == root and world_root
        mj: tuple[MjJoint, ...]
        if j.type is JointType.FIXED:
            mj = ()
        elif j.type.is_angular:
            mj = (MjJoint(j.name, "hinge", j.axis),)
        elif j.type is JointType.PRISMATIC:
            mj = (MjJoint(j.name, "slide", j.axis),)
        elif j.type is JointType.FLOATING:
            if top_level:
                mj = (MjJoint(j.name, "free"),)
            else:
                mj = (
                    MjJoint(unique_name(j.name + "_x", taken), "slide", (1.0, 0.0, 0.0)),
                    MjJoint(unique_name(j.name + "_y", taken), "slide", (0.0, 1.0, 0.0)),
                    MjJoint(unique_name(j.name + "_z", taken), "slide", (0.0, 0.0, 1.0)),
                    MjJoint(j.name, "ball"),
                )
        else:  # planar
            u, v = perpendicular_axes(j.axis)
            mj = (
                MjJoint(unique_name(j.name + "_x", taken), "slide", _vec(u)),
                MjJoint(unique_name(j.name + "_y", taken), "slide", _vec(v)),
                MjJoint(j.name, "hinge", j.axis),
            )
        joints[j.name] = JointPlan(j.name, j.child, mj)

    placeholders = _placeholders(model, options, host, joints, free_joint, root)
    return Plan(world_root, host, offset, tuple(sites), tuple(bodies), joints, free_joint, placeholders)


def _placeholders(
    model: RobotModel,
    options: ImportOptions,
    host: dict[str, str],
    joints: dict[str, JointPlan],
    free_joint: str | None,
    root: str,
) -> tuple[str, ...]:
    """Moving bodies whose weld group (itself + bodies welded below it) has no mass or inertia."""
    moving: list[str] = [root] if free_joint is not None else []
    moving += [p.body for p in joints.values() if p.mj_joints]
    out: list[str] = []
    for body in moving:
        mass = 0.0
        inertia = 0.0
        stack = [body]
        while stack:
            link = model.link(stack.pop())
            if link.inertial is not None:
                mass += link.inertial.mass
                inertia += float(np.trace(link.inertial.tensor())) if link.inertial.mass > 0 else 0.0
            elif link.collisions or (options.collision_from_visuals and link.visuals):
                mass, inertia = math.inf, math.inf  # MuJoCo infers mass from the colliders
            for cj in model.child_joints(link.name):
                if host[cj.child] == cj.child and joints[cj.name].mj_joints:
                    continue  # moves on its own: not welded
                stack.append(cj.child)
        if mass < 1e-12 or inertia < 1e-12:
            out.append(body)
    return tuple(out)
