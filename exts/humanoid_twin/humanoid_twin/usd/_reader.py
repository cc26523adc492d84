"""UsdPhysics stage → RobotModel.

Assets written by :func:`~humanoid_twin.usd.write_usd` carry every URDF value in ``urdf:*`` attributes
(double precision) and come back exactly. Other UsdPhysics assets are read from the physics schemas
(single precision): a link's frame is then its body's frame moved to the joint's pivot
(``body1 · translate(localPos1)``), so URDF's rule "the child frame is at the joint" holds while the
link keeps the body's orientation; the joint axis is the USD axis token turned by ``localRot1``.
"""

from __future__ import annotations

import ast
import dataclasses
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._text import first_few
from .._toml import build_dataclass
from ..errors import DescriptionError, ModelError, TwinError
from ..meshes import TriangleMesh, local_texture
from ..model import (
    Box,
    Calibration,
    Capsule,
    Collision,
    Cylinder,
    Drive,
    Dynamics,
    Geometry,
    ImportOptions,
    Inertial,
    Joint,
    JointLimit,
    JointType,
    Link,
    Material,
    Mesh,
    Mimic,
    Pose,
    RobotModel,
    SafetyController,
    Sphere,
    Visual,
)
from ..model.inertia import check_inertia, repairs_warning, six
from ..model.transforms import FloatArray, matrix_to_quat, quat_to_matrix
from . import _tokens as T
from ._pxr import Gf, Sdf, stage_modules
from ._validate import open_stage
from ._writer import _rotation_taking

__all__ = ["read_usd"]

_log = logging.getLogger(__name__)

NO_ARTICULATION = (
    "No prim has PhysicsArticulationRootAPI: simulators load the bodies as separate rigid bodies "
    "held by joints, not as one articulation; apply it to the robot (or its root body)"
)
_m = stage_modules()
Usd, UsdGeom, UsdPhysics, UsdShade = _m.Usd, _m.UsdGeom, _m.UsdPhysics, _m.UsdShade

_RAD = math.pi / 180.0
_AXES = {"X": (1.0, 0.0, 0.0), "Y": (0.0, 1.0, 0.0), "Z": (0.0, 0.0, 1.0)}
_DOFS = ("transX", "transY", "transZ", "rotX", "rotY", "rotZ")


def _mesh_file(prim: Any) -> Path | None:
    """The mesh file an ``urdf:mesh:path`` records: where the mesh came from, relative to the layer
    that says so (assets written before 2026-12-07 stored an asset path). Provenance only: the mesh
    read is the one the USD holds, whatever is on disk now."""
    attr = prim.GetAttribute(T.MESH_PATH)
    stored = attr.Get() if attr and attr.HasAuthoredValue() else None
    if stored is None:
        return None
    if isinstance(stored, Sdf.AssetPath):
        if stored.resolvedPath:
            return Path(stored.resolvedPath)
        stored = stored.path  # gone since: relative to the layer, as a string would be
    if not stored:
        return None
    path = Path(str(stored))
    stack = attr.GetPropertyStack()
    if not path.is_absolute() and stack and stack[0].layer.realPath:
        path = (Path(stack[0].layer.realPath).parent / path).resolve()
    return path


def _get(prim: Any, name: str, default: Any = None) -> Any:
    attr = prim.GetAttribute(name)
    if not attr or not attr.HasAuthoredValue():
        return default
    return attr.Get()


def _vec(v: Any) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


def _quat(q: Any) -> tuple[float, float, float, float]:
    im = q.GetImaginary()
    return (float(q.GetReal()), float(im[0]), float(im[1]), float(im[2]))


def _unit_quat(q: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    n = math.sqrt(sum(c * c for c in q))
    if n < 1e-12:
        return (1.0, 0.0, 0.0, 0.0)
    if abs(n - 1.0) < 1e-12:
        return q
    return (q[0] / n, q[1] / n, q[2] / n, q[3] / n)


def _matrix(position: tuple[float, ...], quat: tuple[float, float, float, float]) -> FloatArray:
    m = np.eye(4)
    m[:3, :3] = quat_to_matrix(quat)
    m[:3, 3] = position
    return m


def _np(m: Any) -> FloatArray:
    """Gf.Matrix4d (row-vector convention) → numpy column-vector 4×4."""
    return np.array(m, dtype=np.float64).T


def _pose(m: FloatArray) -> Pose:
    return Pose((float(m[0, 3]), float(m[1, 3]), float(m[2, 3])), matrix_to_quat(m[:3, :3]))


def _local_ops(prim: Any) -> tuple[FloatArray, tuple[float, float, float], Pose | None]:
    """The prim's local transform split into a rigid part and a scale.

    Returns ``(rigid 4×4, scale, exact_pose)``; ``exact_pose`` is the pose read straight from
    translate/orient ops (no matrix round trip) when the op stack is the writer's own.
    """
    xf = UsdGeom.Xformable(prim)
    ops = xf.GetOrderedXformOps()
    kinds = [op.GetOpType() for op in ops]
    allowed = [UsdGeom.XformOp.TypeTranslate, UsdGeom.XformOp.TypeOrient, UsdGeom.XformOp.TypeScale]
    if (
        all(k in allowed for k in kinds)
        and kinds == sorted(kinds, key=allowed.index)
        and len(set(kinds)) == len(kinds)
    ):
        pos = (0.0, 0.0, 0.0)
        quat = (1.0, 0.0, 0.0, 0.0)
        scale = (1.0, 1.0, 1.0)
        for op in ops:
            v = op.Get()
            if op.GetOpType() == UsdGeom.XformOp.TypeTranslate:
                pos = _vec(v)
            elif op.GetOpType() == UsdGeom.XformOp.TypeOrient:
                quat = _unit_quat(_quat(v))
            else:
                scale = _vec(v)
        pose = Pose(pos, quat)
        return pose.matrix(), scale, pose
    m = _np(xf.GetLocalTransformation())
    lin = m[:3, :3]
    s = np.linalg.norm(lin, axis=0)
    s = np.where(s < 1e-15, 1.0, s)
    rot = lin / s
    if np.linalg.det(rot) < 0:
        s[0], rot[:, 0] = -s[0], -rot[:, 0]
    rigid = np.eye(4)
    rigid[:3, :3] = rot
    rigid[:3, 3] = m[:3, 3]
    return rigid, (float(s[0]), float(s[1]), float(s[2])), None


@dataclass
class _LinkData:
    prim: Any
    name: str
    offset: FloatArray = field(default_factory=lambda: np.eye(4))
    """``body_T_link``: identity for humanoid_twin assets; the joint frame for foreign ones."""
    visuals: list[Visual] = field(default_factory=list)
    collisions: list[Collision] = field(default_factory=list)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.stage = open_stage(path)
        self.cache = UsdGeom.XformCache()
        self.materials: dict[str, Material] = {}
        self.pending: list[tuple[str, _LinkData | None, FloatArray]] = []
        """Foreign joints ``(name, parent, body0_T_joint)`` whose origin is computed once every link
        frame (``offset``) is known."""
        self.left_out: list[str] = []
        """Foreign joints not read, each as ``'name' (why)``."""
        self.chain_links: list[Link] = []
        """Massless links between the joints a multi-axis D6 joint becomes."""
        self.link_names: set[str] = set()
        self.repairs: list[tuple[str, str]] = []
        """Links whose inertia the policy repaired on the way in, with what it did."""
        self.robot_mass = 0.0
        """The sum of the links' masses [kg] (the inertia policy's scale)."""

    def error(self, message: str, element: str | None = None) -> DescriptionError:
        return DescriptionError(message, file=self.path, element=element)

    def robot_prim(self) -> Any:
        prim = self.stage.GetDefaultPrim()
        if prim:
            return prim
        for p in self.stage.GetPseudoRoot().GetChildren():
            if any(q.HasAPI(UsdPhysics.RigidBodyAPI) for q in Usd.PrimRange(p)):
                return p
        raise self.error("the stage has no defaultPrim and no prim with rigid bodies")

    def read(self) -> RobotModel:
        robot = self.robot_prim()
        ours = robot.GetAttribute(T.TWIN_VERSION).IsValid()
        links: dict[str, _LinkData] = {}  # prim path → link
        joint_prims: list[Any] = []
        gprims: list[Any] = []
        for prim in Usd.PrimRange(robot):
            if prim == robot:
                continue
            if prim.IsA(UsdPhysics.Joint):
                joint_prims.append(prim)
            elif prim.HasAPI(UsdPhysics.RigidBodyAPI) or _get(prim, T.MERGED) or _get(prim, T.WORLD_LINK):
                links[str(prim.GetPath())] = _LinkData(prim, _get(prim, T.NAME) or prim.GetName())
            elif prim.IsA(UsdGeom.Gprim):
                gprims.append(prim)
        if not links:
            raise self.error(f"robot prim {str(robot.GetPath())!r} has no rigid bodies")
        by_name = {ld.name: ld for ld in links.values()}
        if len(by_name) != len(links):
            names = [ld.name for ld in links.values()]
            twice = next(ld for ld in links.values() if names.count(ld.name) > 1)
            raise self.error(
                f"two link prims carry the name {twice.name!r} ({str(twice.prim.GetPath())!r} is one)"
            )
        self.link_names = set(by_name) | {"world"}
        joints: list[Joint] = []
        extra_links: list[Link] = []
        for prim in joint_prims:
            if _get(prim, T.GENERATED):
                continue
            if _get(prim, "urdf:" + T.J_TYPE) is not None:
                joints.append(self.raw_joint(prim, "urdf:", drive=self.drive(prim, ours)))
            else:
                joints += self.foreign_joint(prim, links)
        for ld in links.values():
            if _get(ld.prim, T.JOINT_PREFIX + T.J_TYPE) is not None:
                joints.append(self.raw_joint(ld.prim, T.JOINT_PREFIX, drive=None))
        extra_links += self.chain_links
        if not ours:
            frame_links, frame_joints = self.foreign_frames(robot, links, {j.name for j in joints})
            extra_links += frame_links
            joints += frame_joints
        if any(j.parent == "world" for j in joints) and "world" not in by_name:
            extra_links.append(Link("world"))
        for prim in gprims:
            self.geometry(prim, links)
        self.robot_mass = sum(self.mass(ld.prim) for ld in links.values())
        model_links = [self.link(ld) for ld in links.values()] + extra_links
        # source order when the asset recorded it
        link_order = _get(robot, T.LINK_ORDER)
        if link_order is not None:
            rank = {n: i for i, n in enumerate(link_order)}
            model_links.sort(key=lambda lk: rank.get(lk.name, len(rank)))
        joint_order = _get(robot, T.JOINT_ORDER)
        if joint_order is not None:
            jrank = {n: i for i, n in enumerate(joint_order)}
            joints.sort(key=lambda j: jrank.get(j.name, len(jrank)))
        robot_materials: list[Material] = []
        rel = robot.GetRelationship(T.ROBOT_MATERIALS)
        if rel:
            for target in rel.GetTargets():
                robot_materials.append(self.material(self.stage.GetPrimAtPath(target)))
        try:
            return RobotModel(
                name=_get(robot, T.NAME) or robot.GetName(),
                links=tuple(model_links),
                joints=tuple(joints),
                materials=tuple(robot_materials),
                source=str(self.path),
                warnings=(
                    *((w,) if (w := repairs_warning(self.repairs)) is not None else ()),
                    *(f"joint {why}: no URDF joint, left out" for why in self.left_out),
                    *(() if joints == [] or self.has_articulation(robot) else (NO_ARTICULATION,)),
                ),
            )
        except ModelError as err:
            more = ""
            if self.left_out:
                more = f" (joints left out, having no URDF counterpart: {first_few(self.left_out)})"
            raise self.error(f"the stage is not a robot tree: {err}{more}") from err

    # ---- links

    def mass(self, prim: Any) -> float:
        """A link prim's mass [kg] as :meth:`link` reads it (0 when it has none)."""
        mass = _get(prim, T.INERTIAL_MASS)
        if mass is None and prim.HasAPI(UsdPhysics.MassAPI):
            mass = _get(prim, "physics:mass")
        return max(float(mass), 0.0) if mass is not None else 0.0

    def link(self, ld: _LinkData) -> Link:
        prim = ld.prim
        inertial: Inertial | None = None
        mass = _get(prim, T.INERTIAL_MASS)
        if mass is not None:
            inertial = Inertial(
                float(mass),
                Pose(_vec(_get(prim, T.INERTIAL_XYZ)), _quat(_get(prim, T.INERTIAL_QUAT))),
                tuple(float(x) for x in _get(prim, T.INERTIAL_INERTIA)),  # type: ignore[arg-type]
                str(_get(prim, T.INERTIAL_REPAIRED, "")),
            )
            if inertial.repaired:  # at import: said again, as the URDF's reading said it
                self.repairs.append((ld.name, inertial.repaired))
        elif prim.HasAPI(UsdPhysics.MassAPI) and _get(prim, "physics:mass") is not None:
            m = float(_get(prim, "physics:mass"))
            com = _vec(_get(prim, "physics:centerOfMass", Gf.Vec3f(0.0)))
            diag = _vec(_get(prim, "physics:diagonalInertia", Gf.Vec3f(0.0)))
            axes = _unit_quat(_quat(_get(prim, "physics:principalAxes", Gf.Quatf(1.0))))
            inv = np.linalg.inv(ld.offset)
            r = inv[:3, :3] @ quat_to_matrix(axes)
            tensor = r @ np.diag(diag) @ r.T
            c = inv @ np.array([*com, 1.0])
            values = six(tensor)
            # the URDF reader's policy (docs/urdf_reader.md) on an authored tensor; an unauthored one
            # (0, 0, 0) means "from the colliders" in UsdPhysics and stays as it is
            check = check_inertia(m, values, self.robot_mass) if any(diag) else check_inertia(0.0, values)
            if check.not_psd:
                raise self.error(
                    f"link {ld.name!r}: physics:diagonalInertia {diag} is not a physical inertia "
                    "(a negative principal moment)",
                    str(prim.GetPath()),
                )
            if check.repaired is not None:
                self.repairs.append((ld.name, check.reason))
                values = check.repaired
            inertial = Inertial(m, Pose((float(c[0]), float(c[1]), float(c[2]))), values, check.reason)
        return Link(ld.name, inertial, tuple(ld.visuals), tuple(ld.collisions))

    def owner(self, prim: Any, links: dict[str, _LinkData]) -> _LinkData | None:
        p = prim.GetParent()
        while p and str(p.GetPath()) not in links:
            p = p.GetParent()
        return links.get(str(p.GetPath())) if p else None

    def geometry(self, prim: Any, links: dict[str, _LinkData]) -> None:
        if _get(prim, T.GENERATED):
            return
        ld = self.owner(prim, links)
        if ld is None:
            return
        collider = prim.HasAPI(UsdPhysics.CollisionAPI)
        purpose = _get(prim, "purpose", "default")
        if not collider and purpose in ("guide", "proxy"):
            return
        rigid, scale, exact = _local_ops(prim)
        # the transform between the link prim and the gprim's parent (identity in our assets)
        parent = prim.GetParent()
        between, _ = self.cache.ComputeRelativeTransform(parent, ld.prim)
        between_np = _np(between)
        if (
            exact is not None
            and np.array_equal(between_np, np.eye(4))
            and np.array_equal(ld.offset, np.eye(4))
        ):
            origin = exact
            frame = exact.matrix()
        else:
            frame = np.linalg.inv(ld.offset) @ between_np @ rigid
            origin = _pose(frame)
        geom: Geometry
        type_name = prim.GetTypeName()
        if type_name == "Cube":
            size = float(_get(prim, "size", 2.0))
            geom = Box((size * abs(scale[0]), size * abs(scale[1]), size * abs(scale[2])))
        elif type_name == "Sphere":
            geom = Sphere(float(_get(prim, "radius", 1.0)) * abs(scale[0]))
        elif type_name in ("Cylinder", "Capsule"):
            r = float(_get(prim, "radius", 1.0)) * abs(scale[0])
            h = float(_get(prim, "height", 2.0)) * abs(scale[2])
            cyl = _get(prim, T.CYLINDER)
            if cyl is not None:
                geom = Cylinder(float(cyl[0]), float(cyl[1]))
            else:
                geom = Cylinder(r, h) if type_name == "Cylinder" else Capsule(r, h)
            axis = str(_get(prim, "axis", "Z"))
            if axis != "Z":
                turn = np.eye(4)
                turn[:3, :3] = _rotation_taking(np.array([0.0, 0.0, 1.0]), np.array(_AXES[axis]))
                origin = _pose(frame @ turn)
        elif type_name == "Mesh":
            uri = _get(prim, T.MESH_URI)
            path = _mesh_file(prim)
            if uri is None:
                uri = f"{self.path.resolve()}<{prim.GetPath()}>"  # a mesh held in the USD
            data = self.mesh_data(prim)
            if data.face_count == 0 and prim.HasAttribute(T.MESH_URI):  # ours: its mesh layer is gone
                raise self.error(
                    f"mesh {str(prim.GetPath())!r} has no triangles: a layer holding the asset's meshes "
                    "is missing or empty; restore it, or import the robot again",
                    str(prim.GetPath()),
                )
            geom = Mesh(str(uri), path, scale, data)
        else:
            return  # other gprims (points, curves…) have no URDF counterpart
        name = _get(prim, T.NAME)
        name = prim.GetName() if name is None else str(name)
        if collider:
            ld.collisions.append(Collision(name, origin, geom))
        else:
            ld.visuals.append(Visual(name, origin, geom, self.visual_material(prim)))

    def mesh_data(self, prim: Any) -> TriangleMesh:
        """The triangles of a ``Mesh`` prim (polygons split into fans), in the prim's own frame."""
        mesh = UsdGeom.Mesh(prim)
        points = mesh.GetPointsAttr().Get()
        counts = mesh.GetFaceVertexCountsAttr().Get()
        indices = mesh.GetFaceVertexIndicesAttr().Get()
        vertices = np.array(points, dtype=np.float64).reshape(-1, 3) if points else np.zeros((0, 3))
        counts_np = np.array(counts, dtype=np.int64) if counts else np.zeros(0, np.int64)
        idx = np.array(indices, dtype=np.int64) if indices else np.zeros(0, np.int64)
        if counts_np.sum() != len(idx) or (counts_np < 3).any():
            raise self.error(
                f"mesh {str(prim.GetPath())!r}: faceVertexCounts do not add up to faceVertexIndices, or a "
                "face has fewer than 3 vertices",
                str(prim.GetPath()),
            )
        starts = np.cumsum(counts_np) - counts_np
        ntri = counts_np - 2  # a fan per polygon: (v0, vk+1, vk+2)
        first = np.repeat(starts, ntri)
        k = np.arange(int(ntri.sum())) - np.repeat(np.cumsum(ntri) - ntri, ntri)
        corners = np.stack([first, first + k + 1, first + k + 2], axis=1)  # face-vertex numbers
        faces = idx[corners]
        face_materials, materials = self.face_materials(prim, counts_np, ntri)
        uvs = self.texture_coordinates(prim, corners, faces, np.repeat(np.arange(len(counts_np)), ntri))
        try:
            return TriangleMesh(vertices, faces, face_materials, materials, uvs)
        except ValueError as err:
            raise self.error(f"mesh {str(prim.GetPath())!r}: {err}", str(prim.GetPath())) from err

    def has_articulation(self, robot: Any) -> bool:
        """Whether the robot, a prim under it or one of its ancestors has ``PhysicsArticulationRootAPI``."""
        if any(p.HasAPI(UsdPhysics.ArticulationRootAPI) for p in Usd.PrimRange(robot)):
            return True
        parent = robot.GetParent()
        while parent and not parent.IsPseudoRoot():
            if parent.HasAPI(UsdPhysics.ArticulationRootAPI):
                return True
            parent = parent.GetParent()
        return False

    def texture_coordinates(
        self, prim: Any, corners: NDArray[np.int64], faces: NDArray[np.int64], polygon: NDArray[np.int64]
    ) -> Any:
        """The texture coordinates per triangle corner, or None: ``primvars:st``, else the first
        ``texCoord2f[]`` primvar (``st0``, ``UVMap``…), by its interpolation (``faceVarying`` per
        face corner, ``vertex``/``varying`` per point, ``uniform`` per polygon, ``constant``).
        ``polygon`` is each triangle's polygon. Coordinates that do not fit are left out, with a
        warning: a mesh is not refused for its texture."""
        api = UsdGeom.PrimvarsAPI(prim)
        primvar = api.GetPrimvar("st")
        if not (primvar and primvar.HasValue()):
            uv_type = Sdf.ValueTypeNames.TexCoord2fArray
            coords = [p for p in api.GetPrimvarsWithValues() if p.GetTypeName() == uv_type]
            primvar = coords[0] if coords else None
        values = primvar.ComputeFlattened() if primvar is not None else None
        if values is None or not len(values):
            return None
        st = np.array(values, dtype=np.float64).reshape(-1, 2)
        interpolation = primvar.GetInterpolation()
        index = {
            UsdGeom.Tokens.faceVarying: corners,
            UsdGeom.Tokens.vertex: faces,
            UsdGeom.Tokens.varying: faces,
            UsdGeom.Tokens.uniform: np.repeat(polygon[:, None], 3, axis=1),
            UsdGeom.Tokens.constant: np.zeros_like(faces),
        }.get(interpolation)
        if index is None or (index.size and int(index.max()) >= len(st)):
            _log.warning(
                "%s: %s %s (%s, %d values) does not fit the mesh; it is drawn without a texture",
                self.path,
                prim.GetPath(),
                primvar.GetName(),
                interpolation,
                len(st),
            )
            return None
        return st[index]

    def texture_file(self, material: Any) -> Path | None:
        """The image file a material's surface takes its diffuse colour from (a ``UsdUVTexture``), as
        the stage resolves it, when it passes the texture rule (an image inside this USD's folder or
        package: :func:`humanoid_twin.meshes.local_texture`); None otherwise, with a warning."""
        surface = UsdShade.Material(material).ComputeSurfaceSource()[0]
        diffuse = surface.GetInput("diffuseColor") if surface else None
        for source in diffuse.GetConnectedSources()[0] if diffuse else ():
            image = UsdShade.Shader(source.source.GetPrim()).GetInput("file")
            value = image.Get() if image else None
            if not isinstance(value, Sdf.AssetPath) or not value.resolvedPath:
                continue
            path, why = local_texture(value.resolvedPath, self.path)
            if why is None:
                return path
            _log.warning(
                "%s: texture %r of %s is not used (%s); the material keeps its colour",
                self.path,
                value.path,
                material.GetPath(),
                why,
            )
        return None

    def face_materials(
        self, prim: Any, counts: NDArray[np.int64], ntri: NDArray[np.int64]
    ) -> tuple[NDArray[np.int32] | None, tuple[Material, ...]]:
        """The palette of a ``Mesh`` prim's ``materialBind`` subsets, per triangle of its fans.

        A subset's own binding gives its material (a gprim's binding, the URDF material, is not
        inherited); a subset without one keeps its faces together under a colourless material named
        after it. Faces in no subset have index -1.
        """
        subsets = UsdGeom.Subset.GetGeomSubsets(UsdGeom.Imageable(prim), "face", "materialBind")
        if not subsets:
            return None, ()
        per_polygon = np.full(len(counts), -1, dtype=np.int32)
        materials: list[Material] = []
        for subset in subsets:
            indices = subset.GetIndicesAttr().Get()
            idx = np.array(indices, dtype=np.int64) if indices else np.zeros(0, np.int64)
            if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= len(counts)):
                raise self.error(
                    f"GeomSubset {str(subset.GetPath())!r}: face indices out of range for "
                    f"{len(counts)} faces",
                    str(subset.GetPath()),
                )
            bound = UsdShade.MaterialBindingAPI(subset.GetPrim()).GetDirectBinding().GetMaterial()
            mat = self.material(bound.GetPrim()) if bound else Material(subset.GetPrim().GetName())
            per_polygon[idx] = len(materials)
            materials.append(mat)
        return np.repeat(per_polygon, ntri), tuple(materials)

    def visual_material(self, prim: Any) -> Material | None:
        bound, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        if bound:
            return self.material(bound.GetPrim())
        color = _get(prim, "primvars:displayColor")
        if color is not None and len(color):
            opacity = _get(prim, "primvars:displayOpacity")
            a = float(opacity[0]) if opacity is not None and len(opacity) else 1.0
            c = color[0]
            return Material("", (float(c[0]), float(c[1]), float(c[2]), a))
        return None

    def material(self, prim: Any) -> Material:
        key = str(prim.GetPath())
        if key in self.materials:
            return self.materials[key]
        name = _get(prim, T.NAME)
        name = prim.GetName() if name is None else str(name)
        rgba = _get(prim, T.MATERIAL_RGBA)
        rgba_t: tuple[float, float, float, float] | None = None
        if rgba is not None:
            rgba_t = (float(rgba[0]), float(rgba[1]), float(rgba[2]), float(rgba[3]))
        elif not prim.GetAttribute(T.MATERIAL_TEXTURE):
            surface = UsdShade.Material(prim).ComputeSurfaceSource()[0]
            if surface:
                c = surface.GetInput("diffuseColor")
                o = surface.GetInput("opacity")
                if c and c.Get() is not None:
                    cv = c.Get()
                    a = float(o.Get()) if o and o.Get() is not None else 1.0
                    rgba_t = (float(cv[0]), float(cv[1]), float(cv[2]), a)
        texture = _get(prim, T.MATERIAL_TEXTURE)
        mat = Material(name, rgba_t, str(texture) if texture is not None else None, self.texture_file(prim))
        self.materials[key] = mat
        return mat

    # ---- joints

    def drive(
        self, prim: Any, ours: bool, instances: tuple[str, ...] = ("angular", "linear")
    ) -> Drive | None:
        stiffness = _get(prim, T.DRIVE_STIFFNESS)
        if stiffness is not None:
            mf = _get(prim, T.DRIVE_MAX_FORCE)
            return Drive(
                float(stiffness),
                float(_get(prim, T.DRIVE_DAMPING, 0.0)),
                float(mf) if mf is not None else None,
                str(_get(prim, T.DRIVE_KIND, "force")),
                float(_get(prim, T.DRIVE_ARMATURE, 0.0)),
            )
        if ours:
            return None  # the drive came from ImportOptions, not from the model
        for instance in instances:
            per = 1.0 if instance in ("linear", "transX", "transY", "transZ") else 180.0 / math.pi
            if prim.HasAPI(UsdPhysics.DriveAPI, instance):
                pre = f"drive:{instance}:physics:"
                mf = _get(prim, pre + "maxForce")
                armature = _get(prim, "newton:armature", _get(prim, T.PHYSX_ARMATURE, 0.0))
                return Drive(
                    float(_get(prim, pre + "stiffness", 0.0)) * per,
                    float(_get(prim, pre + "damping", 0.0)) * per,
                    float(mf) if mf is not None and math.isfinite(mf) and mf < 3e38 else None,
                    str(_get(prim, pre + "type", "force")),
                    float(armature),
                )
        return None

    def raw_joint(self, prim: Any, prefix: str, drive: Drive | None) -> Joint:
        def g(name: str, default: Any = None) -> Any:
            return _get(prim, prefix + name, default)

        def f(name: str) -> float | None:
            v = g(name)
            return None if v is None else float(v)

        elements = set(g(T.J_ELEMENTS, []) or [])
        limit = dynamics = mimic = safety = calibration = None
        if "limit" in elements:
            limit = JointLimit(f(T.J_LOWER), f(T.J_UPPER), f(T.J_EFFORT), f(T.J_VELOCITY))
        if "dynamics" in elements:
            dynamics = Dynamics(f(T.J_DAMPING) or 0.0, f(T.J_FRICTION) or 0.0)
        if "mimic" in elements:
            mult, off = f(T.J_MIMIC_MULT), f(T.J_MIMIC_OFFSET)
            mimic = Mimic(str(g(T.J_MIMIC_JOINT)), 1.0 if mult is None else mult, 0.0 if off is None else off)
        if "safety_controller" in elements:
            safety = SafetyController(f(T.J_SC_KVEL) or 0.0, f(T.J_SC_LOWER), f(T.J_SC_UPPER), f(T.J_SC_KPOS))
        if "calibration" in elements:
            calibration = Calibration(f(T.J_CAL_RISING), f(T.J_CAL_FALLING))
        try:
            jtype = JointType(str(g(T.J_TYPE)))
        except ValueError as err:
            raise self.error(
                f"joint type {g(T.J_TYPE)!r} is not a URDF joint type", str(prim.GetPath())
            ) from err
        return Joint(
            name=str(g(T.J_NAME)),
            type=jtype,
            parent=str(g(T.J_PARENT)),
            child=str(g(T.J_CHILD)),
            origin=Pose(_vec(g(T.J_XYZ)), _quat(g(T.J_QUAT))),
            axis=_vec(g(T.J_AXIS)),
            limit=limit,
            dynamics=dynamics,
            mimic=mimic,
            safety_controller=safety,
            calibration=calibration,
            drive=drive,
            dont_collapse=bool(g(T.J_DONT_COLLAPSE, False)),
        )

    def foreign_joint(self, prim: Any, links: dict[str, _LinkData]) -> list[Joint]:
        """The joint(s) of one UsdPhysics joint prim (assets not written by humanoid_twin).

        A D6 joint (``PhysicsJoint``) free in one axis is a revolute, continuous or prismatic joint;
        free in several (not the planar or floating pattern), a chain of such joints, one per free
        axis in the order transX…rotZ, joined by massless links ``<joint>_<axis>``.
        """
        uj = UsdPhysics.Joint(prim)
        name = prim.GetName()
        if _get(prim, "physics:excludeFromArticulation"):
            self.left_out.append(f"{name!r} (excluded from the articulation: a loop closure)")
            return []
        t0 = uj.GetBody0Rel().GetTargets()
        t1 = uj.GetBody1Rel().GetTargets()
        local0 = _matrix(
            _vec(uj.GetLocalPos0Attr().Get() or Gf.Vec3f(0.0)),
            _unit_quat(_quat(uj.GetLocalRot0Attr().Get() or Gf.Quatf(1.0))),
        )
        local1 = _matrix(
            _vec(uj.GetLocalPos1Attr().Get() or Gf.Vec3f(0.0)),
            _unit_quat(_quat(uj.GetLocalRot1Attr().Get() or Gf.Quatf(1.0))),
        )
        if not t1 and t0 and str(t0[0]) in links:  # only body0: body0 is jointed to the world
            t0, t1, local0, local1 = [], t0, local1, local0
        if not t1 or str(t1[0]) not in links:
            self.left_out.append(f"{name!r} (body1 is not a rigid body of the robot)")
            return []
        child = links[str(t1[0])]
        parent = links.get(str(t0[0])) if t0 else None
        # the child link: body1's orientation at the joint's pivot; the joint frame turns by localRot1
        turn = local1[:3, :3]
        child.offset = np.eye(4)
        child.offset[:3, 3] = local1[:3, 3]
        local0 = local0.copy()
        local0[:3, :3] = local0[:3, :3] @ turn.T  # body0_T_child-link at q = 0
        parent_name = parent.name if parent is not None else "world"
        type_name = prim.GetTypeName()
        if type_name == "PhysicsJoint":
            joints = self.d6_joints(prim, name, parent_name, child, turn)
            # the chain's first joint takes the origin (its name may be the axis's, not the prim's)
            self.pending.append((joints[0].name, parent, local0))
            return joints
        limit: JointLimit | None = None
        axis = _turned(turn, _AXES.get(str(_get(prim, "physics:axis", "X")), (1.0, 0.0, 0.0)))
        if type_name == "PhysicsRevoluteJoint":
            lo, hi = _get(prim, "physics:lowerLimit"), _get(prim, "physics:upperLimit")
            finite = lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi)
            jtype = JointType.REVOLUTE if finite else JointType.CONTINUOUS
            if finite:
                limit = JointLimit(float(lo) * _RAD, float(hi) * _RAD)
        elif type_name == "PhysicsPrismaticJoint":
            jtype = JointType.PRISMATIC
            lo, hi = _get(prim, "physics:lowerLimit"), _get(prim, "physics:upperLimit")
            limit = JointLimit(
                float(lo) if lo is not None and math.isfinite(lo) else None,
                float(hi) if hi is not None and math.isfinite(hi) else None,
            )
        elif type_name == "PhysicsFixedJoint":
            jtype = JointType.FIXED
        else:  # spherical, distance… joints have no URDF counterpart
            self.left_out.append(f"{name!r} ({type_name})")
            return []
        self.pending.append((name, parent, local0))
        unit = _RAD if jtype in (JointType.REVOLUTE, JointType.CONTINUOUS) else 1.0
        # velocity: PhysX's, else Newton's (both per degree for revolute joints); effort: the raw URDF
        # value as urdf-usd-converter keeps it, else the drive's force limit
        vel = _finite_or_none(_get(prim, T.PHYSX_MAX_VELOCITY, _get(prim, "newton:velocityLimit")))
        drive = "angular" if unit != 1.0 else "linear"
        effort = _finite_or_none(
            _get(prim, "urdf:limit:effort", _get(prim, f"drive:{drive}:physics:maxForce"))
        )
        if vel is not None or effort is not None:
            limit = JointLimit(
                limit.lower if limit else None,
                limit.upper if limit else None,
                effort,
                vel * unit if vel is not None else None,
            )
        friction = _get(prim, "newton:friction", _get(prim, T.PHYSX_FRICTION))
        damping = _get(prim, "newton:damping")
        dynamics = None
        if friction or damping:
            dynamics = Dynamics(
                float(damping or 0.0) / unit if unit != 1.0 else float(damping or 0.0), float(friction or 0.0)
            )
        mimic = None
        mrel = prim.GetRelationship("newton:mimicJoint")
        if mrel and mrel.GetTargets():
            leader = self.stage.GetPrimAtPath(mrel.GetTargets()[0])
            mimic = Mimic(
                leader.GetName(),
                float(_get(prim, "newton:mimicCoef1", 1.0)),
                float(_get(prim, "newton:mimicCoef0", 0.0)) * unit,
            )
        return [
            Joint(
                name=name,
                type=jtype,
                parent=parent_name,
                child=child.name,
                axis=axis,
                limit=limit,
                dynamics=dynamics,
                mimic=mimic,
                drive=self.drive(prim, ours=False, instances=(drive,)),
            )
        ]

    def d6_joints(
        self, prim: Any, name: str, parent_name: str, child: _LinkData, turn: FloatArray
    ) -> list[Joint]:
        """A D6 joint: fixed, planar, floating, or one joint per free axis (see :meth:`foreign_joint`)."""
        free: list[tuple[str, float | None, float | None]] = []  # (axis, low, high)
        for dof in _DOFS:
            lo, hi = _get(prim, f"limit:{dof}:physics:low"), _get(prim, f"limit:{dof}:physics:high")
            if not prim.HasAPI(UsdPhysics.LimitAPI, dof) or lo is None or hi is None:
                free.append((dof, None, None))
            elif lo < hi:  # low > high locks an axis; low = high leaves it no room either
                free.append((dof, _finite_or_none(lo), _finite_or_none(hi)))
        shapes = {
            frozenset({"transX", "transY", "rotZ"}): JointType.PLANAR,
            frozenset(_DOFS): JointType.FLOATING,
            frozenset(): JointType.FIXED,
        }
        shape = shapes.get(frozenset(d for d, _, _ in free))
        if shape is not None:
            return [Joint(name, shape, parent_name, child.name, axis=_turned(turn, (0.0, 0.0, 1.0)))]
        joints: list[Joint] = []
        above = parent_name
        for i, (dof, lo, hi) in enumerate(free):
            rotation = dof.startswith("rot")
            jname = name if len(free) == 1 else str(_get(prim, f"mjcf:{dof}:name") or f"{name}_{dof}")
            if i == len(free) - 1:
                below = child.name
            else:
                below = _unique(f"{name}_{dof}", self.link_names)
                self.chain_links.append(Link(below))
            limit = None
            if lo is not None and hi is not None:
                limit = JointLimit(lo * _RAD, hi * _RAD) if rotation else JointLimit(lo, hi)
            elif not rotation:
                limit = JointLimit(lo, hi)
            jtype = JointType.PRISMATIC
            if rotation:
                jtype = JointType.REVOLUTE if limit else JointType.CONTINUOUS
            drive = self.drive(prim, ours=False, instances=(dof,))
            if drive is not None and drive.max_force is not None:
                limit = JointLimit(
                    limit.lower if limit else None, limit.upper if limit else None, drive.max_force
                )
            axis = _turned(turn, _AXES[dof[-1]])
            joints.append(Joint(jname, jtype, above, below, axis=axis, limit=limit, drive=drive))
            above = below
        return joints

    def foreign_frames(
        self, robot: Any, links: dict[str, _LinkData], joint_names: set[str]
    ) -> tuple[list[Link], list[Joint]]:
        """Frames another tool merged into plain Xforms (urdf-usd-converter's soles, hands, head).

        A frame is an ``Xform`` below a body whose subtree holds only such Xforms (no geometry, no
        references, not an instance): it becomes a massless link, named by ``urdf:name`` or the prim,
        on a fixed joint ``<link>_joint`` from the body or frame above it, at its pose (scale dropped).
        """
        frames: dict[str, str] = {}  # prim path → its link name
        out_links: list[Link] = []
        out_joints: list[Joint] = []
        for prim in Usd.PrimRange(robot):
            path = str(prim.GetPath())
            if path in links or not _is_frame_subtree(prim):
                continue
            above = prim.GetParent()
            if str(above.GetPath()) in frames:
                parent_name = frames[str(above.GetPath())]
                parent_world = _rigid(_np(self.cache.GetLocalToWorldTransform(above)))
            else:
                owner = self.owner(prim, links)
                if owner is None:
                    continue
                parent_name, parent_world = owner.name, self.link_world(owner)
            name = _unique(str(_get(prim, T.NAME) or prim.GetName()), self.link_names)
            jname = _unique(f"{name}_joint", joint_names)
            frames[path] = name
            world = _rigid(_np(self.cache.GetLocalToWorldTransform(prim)))
            out_links.append(Link(name))
            out_joints.append(
                Joint(
                    jname,
                    JointType.FIXED,
                    parent_name,
                    name,
                    origin=_pose(np.linalg.inv(parent_world) @ world),
                )
            )
        return out_links, out_joints

    def link_world(self, ld: _LinkData) -> FloatArray:
        return _np(self.cache.GetLocalToWorldTransform(ld.prim)) @ ld.offset


def read_usd(path: str | Path) -> RobotModel:
    """Read a UsdPhysics robot asset (the stage's defaultPrim) back into a :class:`RobotModel`.

    Assets written by :func:`write_usd` come back exactly (every URDF value is stored in double
    precision); other UsdPhysics assets are read from the physics schemas. ``source`` of the result
    is ``path``.

    Raises:
        UsdError: the file cannot be opened.
        DescriptionError: the stage does not describe a tree of rigid bodies and joints.
    """
    reader = _Reader(Path(path))
    try:
        model = reader.read()
    except TwinError:
        raise
    except (ValueError, TypeError, RuntimeError) as err:
        raise DescriptionError(f"cannot read the robot: {err}", file=path) from err
    if reader.pending:
        model = _fix_foreign_origins(reader, model)
    return model


def recorded_options(path: str | Path) -> ImportOptions | None:
    """The import options an asset :func:`write_usd` wrote was made with (``twin:importOptions`` on
    its robot prim), so that the twin and a re-export use the drives, armature and base Isaac Sim
    sees; None for another tool's USD, or when the record cannot be read (a warning says why)."""
    stage = open_stage(path)
    prim = stage.GetDefaultPrim()
    text = _get(prim, T.TWIN_OPTIONS) if prim else None
    if text is None:
        return None
    try:
        call = ast.parse(str(text), mode="eval").body
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            raise ValueError("not an ImportOptions(...) record")
        if call.func.id != "ImportOptions":
            raise ValueError("not an ImportOptions(...) record")
        if call.args or any(kw.arg is None for kw in call.keywords):
            raise ValueError("positional or ** arguments in the record")
        known = {f.name for f in dataclasses.fields(ImportOptions)}
        values = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg is not None}
        unknown = sorted(set(values) - known)
        if unknown:  # written by another version: the rest still applies
            _log.warning("%s: recorded import options %s are not known here; ignored", path, unknown)
        kept = {k: v for k, v in values.items() if k in known}
        options: ImportOptions = build_dataclass(ImportOptions, kept, "twin:importOptions", str(path))
        return options
    except (SyntaxError, ValueError, TypeError, TwinError) as err:
        _log.warning("%s: its recorded import options are not read (%s); defaults apply", path, err)
        return None


def _fix_foreign_origins(reader: _Reader, model: RobotModel) -> RobotModel:
    """Foreign joints: origin = ``parent_link_T_child_link`` at q = 0 from the joint's own
    ``localPose0`` (as the simulators assemble the robot; the bodies' authored xforms may disagree
    slightly), each link's frame being its body's at its joint's pivot (``offset``)."""
    origins: dict[str, Pose] = {}
    for name, parent, local0 in reader.pending:
        origins[name] = _pose(local0 if parent is None else np.linalg.inv(parent.offset) @ local0)
    joints = tuple(
        dataclasses.replace(j, origin=origins[j.name]) if j.name in origins else j for j in model.joints
    )
    return model.replace(joints=joints)


def _is_frame_subtree(prim: Any) -> bool:
    """Only plain Xforms, without references, payloads or instancing, from ``prim`` down."""
    for p in Usd.PrimRange(prim):
        if (
            p.GetTypeName() != "Xform"
            or p.IsInstance()
            or p.HasAuthoredReferences()
            or p.HasAuthoredPayloads()
            or p.HasAPI(UsdPhysics.RigidBodyAPI)
        ):
            return False
    return True


def _turned(turn: FloatArray, axis: tuple[float, float, float]) -> tuple[float, float, float]:
    """``turn · axis`` as a unit vector."""
    v = turn @ np.asarray(axis)
    v = v / np.linalg.norm(v)
    return (float(v[0]), float(v[1]), float(v[2]))


def _rigid(m: FloatArray) -> FloatArray:
    """``m`` with any scale taken out of its rotation columns."""
    out = m.copy()
    out[:3, :3] /= np.linalg.norm(out[:3, :3], axis=0)
    return out


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``… if taken; the result is added to ``taken``."""
    candidate, i = name, 2
    while candidate in taken:
        candidate, i = f"{name}_{i}", i + 1
    taken.add(candidate)
    return candidate


def _finite_or_none(value: object) -> float | None:
    """A limit value from a USD attribute; None when absent, not finite, or FLT_MAX ("no limit")."""
    if value is None:
        return None
    v = float(value)  # type: ignore[arg-type]
    return v if math.isfinite(v) and abs(v) < 3e38 else None
