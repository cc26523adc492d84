"""Colliders touching at the rest pose (model.collisions): exact distances for every collider shape."""

from __future__ import annotations

import math

import numpy as np
import pytest

from humanoid_twin.meshes import TriangleMesh
from humanoid_twin.model import (
    Box,
    Capsule,
    Collision,
    Cylinder,
    Geometry,
    ImportOptions,
    Inertial,
    Joint,
    JointLimit,
    JointType,
    Link,
    Mesh,
    Pose,
    RobotModel,
    Sphere,
    Visual,
)
from humanoid_twin.model.collisions import colliders, touching_links
from humanoid_twin.model.kinematics import rest_pose
from humanoid_twin.model.transforms import axis_angle_to_quat

_INERTIAL = Inertial(1.0, Pose(), (0.01, 0.0, 0.0, 0.01, 0.0, 0.01))
_CUBE = TriangleMesh(
    vertices=[(x, y, z) for x in (-0.1, 0.1) for y in (-0.1, 0.1) for z in (-0.1, 0.1)],
    faces=[(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
           (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)],
)  # fmt: skip


def _chain(tip: Geometry, tip_origin: Pose, *, limit: JointLimit | None = None) -> RobotModel:
    """base (a 0.1 m sphere at the origin) → mid (no collider, far away) → tip (``tip`` at
    ``tip_origin`` in the world): base and tip are not joined by a joint."""
    limit = limit or JointLimit(-1.0, 1.0, 10.0, 1.0)
    far = Pose((5.0, 0.0, 0.0))
    back = Pose((-5.0 + tip_origin.position[0], tip_origin.position[1], tip_origin.position[2]))
    return RobotModel(
        name="chain",
        links=(
            Link("base", _INERTIAL, collisions=(Collision("c", Pose(), Sphere(0.1)),)),
            Link("mid", _INERTIAL),
            Link("tip", _INERTIAL, collisions=(Collision("c", Pose((0.0, 0.0, 0.0), tip_origin.quat), tip),)),
        ),
        joints=(
            Joint("j1", JointType.REVOLUTE, "base", "mid", far, (0.0, 0.0, 1.0), limit),
            Joint("j2", JointType.REVOLUTE, "mid", "tip", back, (0.0, 1.0, 0.0), limit),
        ),
    )


_SHAPES = {
    "sphere": (Sphere(0.1), 0.1, Pose().quat),
    "box": (Box((0.2, 0.2, 0.2)), 0.1, Pose().quat),
    "box turned 45°": (Box((0.2, 0.2, 0.2)), 0.1 * math.sqrt(2), axis_angle_to_quat((0, 0, 1), math.pi / 4)),
    "cylinder side": (Cylinder(0.1, 0.4), 0.1, Pose().quat),
    "cylinder end": (Cylinder(0.1, 0.4), 0.2, axis_angle_to_quat((0, 1, 0), math.pi / 2)),
    "capsule end": (Capsule(0.1, 0.4), 0.3, axis_angle_to_quat((0, 1, 0), math.pi / 2)),
    "mesh": (Mesh("file<cube>", None, data=_CUBE), 0.1, Pose().quat),
    "mesh scaled": (Mesh("file<cube>", None, (2.0, 1.0, 1.0), data=_CUBE), 0.2, Pose().quat),
}  # fmt: skip


@pytest.mark.parametrize("shape", list(_SHAPES))
@pytest.mark.parametrize(
    ("gap", "touching"), [(-0.02, True), (0.0, True), (0.0009, True), (0.0011, False), (0.05, False)]
)
def test_touching_at_exact_distances(shape: str, gap: float, touching: bool) -> None:
    geometry, extent, quat = _SHAPES[shape]
    # the tip's collider faces the base's sphere (radius 0.1) along +x, ``gap`` away
    model = _chain(geometry, Pose((0.1 + extent + gap, 0.0, 0.0), quat))
    found = touching_links(model, ImportOptions())  # margin 1 mm
    assert found == ((("base", "tip"),) if touching else ())


def test_pairs_joined_by_a_joint_never_count() -> None:
    model = _chain(Sphere(0.1), Pose((0.15, 0.0, 0.0)))
    mid = model.links[1]
    # give mid a collider overlapping both neighbours: it is joined to both, so no pair
    mid = Link(mid.name, mid.inertial, collisions=(Collision("c", Pose((-4.95, 0, 0)), Sphere(0.1)),))
    model = RobotModel(model.name, (model.links[0], mid, model.links[2]), model.joints)
    assert touching_links(model, ImportOptions()) == (("base", "tip"),)


def test_rest_pose_moves_zero_into_the_limits() -> None:
    model = _chain(Sphere(0.1), Pose((1.0, 0.0, 0.0)), limit=JointLimit(0.3, 1.0, 10.0, 1.0))
    assert rest_pose(model) == {"j1": 0.3, "j2": 0.3}
    # at the rest pose the tip swings away from where it is at zero: j1 turns mid (5 m out) about z
    assert touching_links(model, ImportOptions()) == ()
    assert touching_links(model, ImportOptions(), q={"j1": 0.0, "j2": 0.0}) == ()
    near = _chain(Sphere(0.1), Pose((0.2, 0.0, 0.0)), limit=JointLimit(0.3, 1.0, 10.0, 1.0))
    assert touching_links(near, ImportOptions(), q={"j1": 0.0, "j2": 0.0}) == (("base", "tip"),)
    assert touching_links(near, ImportOptions()) == ()


def test_visuals_stand_in_for_missing_colliders_only_when_asked() -> None:
    link = Link("l", _INERTIAL, visuals=(Visual("v", Pose(), Sphere(0.1)),))
    assert colliders(link, ImportOptions()) == ()
    assert colliders(link, ImportOptions(collision_from_visuals=True)) == ((Sphere(0.1), Pose()),)
    with_collider = Link(
        "l", _INERTIAL, visuals=link.visuals, collisions=(Collision("c", Pose(), Box((1, 1, 1))),)
    )
    assert colliders(with_collider, ImportOptions(collision_from_visuals=True)) == ((Box((1, 1, 1)), Pose()),)


def test_mesh_without_vertices_is_skipped() -> None:
    empty = TriangleMesh(vertices=np.zeros((0, 3)), faces=np.zeros((0, 3), dtype=np.int32))
    model = _chain(Mesh("file<empty>", None, data=empty), Pose((0.1, 0.0, 0.0)))
    assert touching_links(model, ImportOptions()) == ()
