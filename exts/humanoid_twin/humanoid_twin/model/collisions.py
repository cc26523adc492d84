"""Which links' colliders touch at the robot's rest pose (for self-collision filtering).

A robot imported with self-collision on must not start with colliders of non-adjacent links
overlapping: the solver pushes them apart at the first step and the robot collapses (Talos, Romeo,
iCub and Alex from example-robot-data start with 54–64 such contacts). Such pairs are what MoveIt's
setup assistant calls "in collision by default"; :func:`touching_links` finds them and both writers
filter them (USD ``FilteredPairsAPI``, MuJoCo ``<exclude>``).

Every collider is treated as the convex shape the simulators collide: boxes, spheres, cylinders and
capsules exactly, meshes as the convex hull of their vertices (what PhysX's and MuJoCo's default mesh
colliders are). Two colliders touch when their distance is at most ``margin``; the test is GJK on the
Minkowski difference (Gilbert–Johnson–Keerthi), in plain numpy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ._robot import Box, Capsule, Cylinder, Geometry, Link, Mesh, Pose, RobotModel, Sphere
from .kinematics import forward_kinematics, rest_pose
from .options import ImportOptions
from .transforms import FloatArray

__all__ = ["REST_CONTACT_MARGIN", "colliders", "touching_links"]

REST_CONTACT_MARGIN = 1e-3
"""[m] colliders closer than this at the rest pose count as touching (simulators start contacts
within a margin of this order: PhysX's contact offset, MuJoCo's ``margin``)."""

_GJK_ITERATIONS = 64

Support = Callable[[FloatArray], FloatArray]
"""A convex shape's support map: the shape's farthest point along a direction (world frame)."""


def colliders(link: Link, options: ImportOptions) -> tuple[tuple[Geometry, Pose], ...]:
    """The link's colliders as the writers build them: its ``<collision>`` elements, or its visuals
    when it has none and ``options.collision_from_visuals`` is set."""
    if link.collisions:
        return tuple((c.geometry, c.origin) for c in link.collisions)
    if options.collision_from_visuals:
        return tuple((v.geometry, v.origin) for v in link.visuals)
    return ()


@dataclass(frozen=True)
class _Shape:
    link: str
    support: Support
    lower: FloatArray
    """Axis-aligned bounds (world), a cheap first test."""
    upper: FloatArray


def touching_links(
    model: RobotModel,
    options: ImportOptions,
    *,
    q: Mapping[str, float] | None = None,
    margin: float = REST_CONTACT_MARGIN,
) -> tuple[tuple[str, str], ...]:
    """Pairs of links (names, each pair sorted, the list sorted) with colliders that touch at the
    pose ``q`` (default :func:`rest_pose`), excluding pairs joined by a joint (those never collide).

    Mesh colliders are read with :func:`humanoid_twin.meshes.load_mesh` (cached), or taken from the
    mesh's own triangles when the source held them.
    """
    poses = forward_kinematics(model, rest_pose(model) if q is None else q)
    shapes = [
        shape
        for link in model.links
        for geometry, origin in colliders(link, options)
        if (shape := _shape(link.name, geometry, poses[link.name] @ origin.matrix())) is not None
    ]
    adjacent = {frozenset((j.parent, j.child)) for j in model.joints}
    found: set[tuple[str, str]] = set()
    for a, b in itertools.combinations(shapes, 2):
        pair = tuple(sorted((a.link, b.link)))
        if a.link == b.link or pair in found or frozenset(pair) in adjacent:
            continue
        if np.any(a.lower > b.upper + margin) or np.any(b.lower > a.upper + margin):
            continue
        if _touch(a.support, b.support, margin):
            found.add((pair[0], pair[1]))
    return tuple(sorted(found))


# ----------------------------------------------------------------------------- shapes


def _shape(link: str, geometry: Geometry, world_t_geom: FloatArray) -> _Shape | None:
    r, p = world_t_geom[:3, :3], world_t_geom[:3, 3]
    if isinstance(geometry, Sphere):
        rad = geometry.radius
        return _Shape(link, lambda d: p + rad * _unit(d), p - rad, p + rad)
    if isinstance(geometry, Box):
        half = 0.5 * np.asarray(geometry.size, dtype=np.float64)
        corners = np.array(list(itertools.product(*((-h, h) for h in half)))) @ r.T + p
        return _points(link, corners)
    if isinstance(geometry, Capsule | Cylinder):
        rad, axis = geometry.radius, r[:, 2]
        ends = (p - 0.5 * geometry.length * axis, p + 0.5 * geometry.length * axis)
        if isinstance(geometry, Capsule):

            def capsule(d: FloatArray) -> FloatArray:
                return ends[1] + rad * _unit(d) if d @ axis >= 0 else ends[0] + rad * _unit(d)

            lower = np.minimum(*ends) - rad
            return _Shape(link, capsule, lower, np.maximum(*ends) + rad)

        def cylinder(d: FloatArray) -> FloatArray:
            radial = d - (d @ axis) * axis
            return (ends[1] if d @ axis >= 0 else ends[0]) + rad * _unit(radial)

        reach = rad * np.sqrt(np.maximum(0.0, 1.0 - axis**2))  # the rim's extent per world axis
        return _Shape(link, cylinder, np.minimum(*ends) - reach, np.maximum(*ends) + reach)
    if isinstance(geometry, Mesh):
        if geometry.data is None and geometry.path is None:
            return None
        from ..meshes import mesh_triangles

        tm = mesh_triangles(geometry)
        if len(tm.vertices) == 0:
            return None
        v = np.asarray(tm.vertices) * np.asarray(geometry.scale, dtype=np.float64)
        return _points(link, v @ r.T + p)
    return None


def _points(link: str, pts: FloatArray) -> _Shape:
    """The convex hull of ``pts`` (its support map needs no hull: the farthest vertex is on it)."""
    return _Shape(link, lambda d: pts[int(np.argmax(pts @ d))], pts.min(axis=0), pts.max(axis=0))


def _unit(d: FloatArray) -> FloatArray:
    n = float(np.linalg.norm(d))
    return d / n if n > 0 else np.array([0.0, 0.0, 1.0])


# ----------------------------------------------------------------------------- GJK


def _touch(sa: Support, sb: Support, margin: float) -> bool:
    """Whether the convex shapes are within ``margin`` of each other: GJK distance on A − B, stopped
    as soon as the origin is inside a simplex or the distance bound proves it farther than ``margin``."""

    def support(d: FloatArray) -> FloatArray:
        return sa(d) - sb(-d)

    d = np.array([1.0, 0.0, 0.0])
    simplex = [support(d)]
    closest = simplex[0]
    for _ in range(_GJK_ITERATIONS):
        dist = float(np.linalg.norm(closest))
        if dist <= 1e-12:
            return True  # the origin is in the simplex: overlap
        d = -closest / dist
        w = support(d)
        # the plane through w normal to d separates the origin from A − B by at least -(w · d)
        gap = -float(w @ d)
        if gap > margin:
            return False
        # converged when w is no farther along d than the closest point: the distance is dist
        if dist - gap <= 1e-9 * max(1.0, dist):
            return dist <= margin
        simplex.append(w)
        closest, simplex = _closest(simplex)
    return float(np.linalg.norm(closest)) <= margin


def _closest(simplex: list[FloatArray]) -> tuple[FloatArray, list[FloatArray]]:
    """The point of the simplex's convex hull nearest the origin, and the smallest sub-simplex holding
    it (1–4 points)."""
    best: tuple[float, FloatArray, list[FloatArray]] | None = None
    n = len(simplex)
    if n == 4:
        if _inside_tetrahedron(simplex):
            return np.zeros(3), simplex
    for k in range(1, min(n, 3) + 1):
        for sub in itertools.combinations(simplex, k):
            point = _closest_on(list(sub))
            if point is None:
                continue
            dist = float(point @ point)
            if best is None or dist < best[0] - 1e-18:
                best = (dist, point, list(sub))
    assert best is not None
    return best[1], best[2]


def _closest_on(points: list[FloatArray]) -> FloatArray | None:
    """The origin's projection onto the affine hull of ``points`` if it lies inside their convex hull."""
    if len(points) == 1:
        return points[0]
    base = points[0]
    e = np.array([p - base for p in points[1:]])  # (k-1) × 3
    gram = e @ e.T
    if abs(float(np.linalg.det(gram))) < 1e-24:
        return None
    lam = np.linalg.solve(gram, -(e @ base))
    if np.any(lam < -1e-12) or float(lam.sum()) > 1 + 1e-12:
        return None
    point: FloatArray = base + lam @ e
    return point


def _inside_tetrahedron(pts: list[FloatArray]) -> bool:
    a, b, c, d = pts
    m = np.column_stack((b - a, c - a, d - a))
    if abs(float(np.linalg.det(m))) < 1e-24:
        return False
    lam = np.linalg.solve(m, -a)
    return bool(np.all(lam >= -1e-12) and float(lam.sum()) <= 1 + 1e-12)
