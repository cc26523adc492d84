"""RobotModel → UsdPhysics stage (flat file or Isaac-Sim-style layered asset).

Everything is authored with the ``Sdf`` layer API inside one ``Sdf.ChangeBlock``: no ``UsdStage`` is
open while writing, which keeps the per-prim cost low. Layout (custom attribute names in :mod:`._tokens`)::

    /<robot>                 Xform, kind=component, defaultPrim
        /<link>              Xform + PhysicsRigidBodyAPI + PhysicsMassAPI, world pose at q = 0 (flat)
            /visuals/<v>     Gprim (Cube/Sphere/Cylinder/Capsule/Mesh) with a UsdPreviewSurface
                /<subset>    ``over`` binding a mesh file's own material to the prototype's subset
            /collisions/<c>  Gprim + PhysicsCollisionAPI, purpose = guide
            /<frame>         Xform: a massless link merged with its fixed joint
        /joints/<joint>      PhysicsRevoluteJoint / PhysicsPrismaticJoint / PhysicsFixedJoint / PhysicsJoint
        /Looks/<material>    Material + UsdPreviewSurface shader (a texture: + UsdUVTexture reading
                             ``primvars:st``, the image copied to ``<stem>_textures/`` beside the
                             geometry layer)
        /meshes/<mesh>       ``class`` Mesh prototypes, written once, referenced by the Gprims
            /<subset>        GeomSubset (familyName materialBind): the faces of one file material
    /physicsScene            PhysicsScene (not under the robot: referencing the asset brings no scene)

Layered (default): ``OUT`` holds the stage metadata, the robot prim (kind, payloads) and the scene;
``configuration/<stem>_physics`` every UsdPhysics opinion (APIs on the bodies and colliders, joints,
articulation root); ``configuration/<stem>_base`` geometry, materials and transforms;
``configuration/<stem>_meshes.usdc`` the mesh prototypes (``/meshes/<mesh>``, crate format).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .._files import temp_beside
from .._version import __version__
from ..errors import MeshError, TwinError, UsdError
from ..model import (
    Box,
    Capsule,
    Collision,
    Cylinder,
    Geometry,
    ImportOptions,
    Joint,
    JointType,
    Link,
    Material,
    Mesh,
    RobotModel,
    Sphere,
    Visual,
    forward_kinematics,
)
from ..model.collisions import touching_links
from ..model.drives import joint_armature, resolve_drive
from ..model.transforms import FloatArray, matrix_to_quat
from . import _tokens as T
from ._names import NameTable
from ._pxr import Gf, Sdf, Tf, Vt

__all__ = ["UsdAsset", "write_usd"]

_log = logging.getLogger(__name__)

_DEG = 180.0 / math.pi
_RESERVED = ("joints", "Looks", "meshes", "visuals", "collisions")

V = Sdf.ValueTypeNames
_UNIFORM = Sdf.VariabilityUniform
_VARYING = Sdf.VariabilityVarying


@dataclass(frozen=True)
class UsdAsset:
    """What :func:`write_usd` wrote."""

    path: Path
    """The file to open: the interface layer (layered) or the only file."""
    files: tuple[Path, ...]
    """Every file written, the interface layer first."""
    prim_path: str
    """The robot prim (the stage's defaultPrim), e.g. ``/iCub``."""
    link_names: Mapping[str, str] = field(default_factory=dict)
    """URDF link name → USD prim name."""
    joint_names: Mapping[str, str] = field(default_factory=dict)
    """URDF joint name → USD prim name (joints with a prim only; merged and floating joints have none)."""
    link_paths: Mapping[str, str] = field(default_factory=dict)
    """URDF link name → full prim path (merged links are nested under their body)."""
    textures: tuple[Path, ...] = ()
    """The asset's copies of its materials' texture images (``<stem>_textures/`` beside the geometry
    layer)."""


# ------------------------------------------------------------------ Sdf helpers


def _prim(parent: Any, name: str, type_name: str = "", specifier: Any = Sdf.SpecifierDef) -> Any:
    return Sdf.PrimSpec(parent, name, specifier, type_name)


def _attr(
    spec: Any, name: str, type_name: Any, value: Any, *, uniform: bool = False, custom: bool = False
) -> Any:
    a = Sdf.AttributeSpec(spec, name, type_name, _UNIFORM if uniform else _VARYING, custom)
    if value is not None:
        a.default = value
    return a


_GREY = (0.5, 0.5, 0.5, 1.0)
"""The colour a texture that cannot be read falls back to when its material has none."""


def _key(material: Material) -> tuple[Material, Path | None]:
    """A material and its texture file (not part of a material's equality: two files can share a name)."""
    return material, material.texture_file


def _connect(attr: Any, source: str) -> None:
    attr.connectionPathList.explicitItems = [Sdf.Path(source)]


def _raw(spec: Any, name: str, type_name: Any, value: Any) -> None:
    _attr(spec, name, type_name, value, custom=True)


def _rel(spec: Any, name: str, targets: list[str], *, custom: bool = False) -> None:
    r = Sdf.RelationshipSpec(spec, name, custom)
    r.targetPathList.explicitItems = [Sdf.Path(t) for t in targets]


def _apply(spec: Any, *schemas: str) -> None:
    items: list[str] = []
    if spec.HasInfo("apiSchemas"):
        items = list(spec.GetInfo("apiSchemas").prependedItems)
    items += [s for s in schemas if s not in items]
    spec.SetInfo("apiSchemas", Sdf.TokenListOp.Create(prependedItems=items))


def _quatd(q: tuple[float, float, float, float]) -> Any:
    return Gf.Quatd(q[0], q[1], q[2], q[3])


def _quatf(q: tuple[float, float, float, float]) -> Any:
    return Gf.Quatf(q[0], q[1], q[2], q[3])


def _xform(spec: Any, position: tuple[float, ...], quat: tuple[float, ...] | None, scale: Any = None) -> None:
    order: list[str] = []
    if any(v != 0.0 for v in position):
        _attr(spec, "xformOp:translate", V.Double3, Gf.Vec3d(*position))
        order.append("xformOp:translate")
    if quat is not None and tuple(quat) != (1.0, 0.0, 0.0, 0.0):
        _attr(spec, "xformOp:orient", V.Quatd, _quatd(quat))  # type: ignore[arg-type]
        order.append("xformOp:orient")
    if scale is not None and tuple(scale) != (1.0, 1.0, 1.0):
        _attr(spec, "xformOp:scale", V.Double3, Gf.Vec3d(*scale))
        order.append("xformOp:scale")
    if order:
        _attr(spec, "xformOpOrder", V.TokenArray, Vt.TokenArray(order), uniform=True)


def _pose_of(m: FloatArray) -> tuple[tuple[float, float, float], tuple[float, float, float, float]]:
    """Position and quaternion of a 4×4 matrix; round-off below 1e-14 is snapped to 0."""
    p = np.where(np.abs(m[:3, 3]) < 1e-14, 0.0, m[:3, 3])
    q = np.asarray(matrix_to_quat(m[:3, :3]))
    q = np.where(np.abs(q) < 1e-14, 0.0, q)
    return (float(p[0]), float(p[1]), float(p[2])), (float(q[0]), float(q[1]), float(q[2]), float(q[3]))


def _rotation_taking(u: FloatArray, a: FloatArray) -> FloatArray:
    """The smallest rotation R with ``R @ u = a`` (unit vectors)."""
    c = float(np.dot(u, a))
    if c > 1.0 - 1e-12:
        return np.eye(3)
    if c < -1.0 + 1e-12:  # half turn about any axis perpendicular to u
        p = np.cross(u, np.array([0.0, 0.0, 1.0]) if abs(u[2]) < 0.9 else np.array([1.0, 0.0, 0.0]))
        p = p / np.linalg.norm(p)
        return 2.0 * np.outer(p, p) - np.eye(3)
    v = np.cross(u, a)
    k = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    r: FloatArray = np.eye(3) + k + k @ k * (1.0 / (1.0 + c))
    return r


_EX = np.array([1.0, 0.0, 0.0])
_EZ = np.array([0.0, 0.0, 1.0])


def joint_frame_rotation(joint: Joint) -> FloatArray:
    """``joint_T_usdjoint`` rotation: turns the URDF axis onto USD's X (Z for a planar normal)."""
    if joint.type in (JointType.FIXED, JointType.FLOATING):
        return np.eye(3)
    a = np.asarray(joint.axis, dtype=np.float64)
    return _rotation_taking(_EZ if joint.type is JointType.PLANAR else _EX, a)


# ------------------------------------------------------------------ the writer


MeshLoader = Callable[[Path], Any]


def _default_mesh_loader(path: Path) -> Any:
    from ..meshes import load_mesh

    return load_mesh(path)


@dataclass
class _MeshProto:
    path: str
    """Prim path of the prototype."""
    asset: str
    """The layer holding it, relative to the geometry layer ('' for the same layer)."""
    subsets: tuple[tuple[str, Material], ...] = ()
    """The mesh file's own materials: (GeomSubset prim name, material) per palette entry used."""


class _Writer:
    def __init__(self, model: RobotModel, options: ImportOptions, mesh_loader: MeshLoader) -> None:
        self.model = model
        self.options = options
        self.load = mesh_loader
        # q = 0 for every joint, mimic followers included (forward_kinematics would put a follower at
        # its offset): USD bodies are authored at the joints' zero, as MuJoCo's are.
        self.fk = forward_kinematics(model, {j.name: 0.0 for j in model.joints})
        # A root link named "world" is the world (URDF convention), as in the MuJoCo builder.
        self.world_root = model.root.name == "world"
        self.kind: dict[str, str] = {}  # link → "body" | "world" | "merged"
        for lk in model.links:
            self.kind[lk.name] = self._classify(lk)
        # names
        robot_names = NameTable(("physicsScene",))
        self.robot_name = robot_names.take(model.name, "robot")
        self.robot_path = "/" + self.robot_name
        link_table = NameTable(_RESERVED)
        self.link_names = {lk.name: link_table.take(lk.name, "link") for lk in model.links}
        self.link_paths: dict[str, str] = {}
        for lk in model.links:
            self.link_paths[lk.name] = self._link_path(lk.name)
        joint_table = NameTable()
        self.joint_names: dict[str, str] = {}
        for j in model.joints:
            if self._has_joint_prim(j):
                self.joint_names[j.name] = joint_table.take(j.name, "joint")
        self.root_joint_name: str | None = None
        if options.fix_base and not self.world_root:
            self.root_joint_name = joint_table.take("root_joint")
        self.meshes: dict[str, _MeshProto] = {}
        self.mesh_stems: dict[str, str] = {}
        """Mesh key (file or ``file<prim>``) → the name its prototype is given."""
        self.mesh_names = NameTable()
        self.materials: dict[tuple[Material, Path | None], str] = {}
        """(material, its texture file: not part of a material's equality) → its prim path."""
        self.material_names = NameTable()
        self.textures: dict[Path, str] = {}
        """Image file → its copy's name in :attr:`texture_folder` beside the geometry layer."""
        self.texture_data: dict[str, bytes] = {}
        """Copy's name → the bytes read (and hashed) once: what is written is what was checked."""
        self.texture_digests: dict[str, str] = {}
        """SHA-256 of an image's bytes → its copy's name (one copy per image)."""

    geometry_dir: Path | None = None
    """Folder of the layer the geometry is written to: mesh files are recorded relative to it, texture
    images go beside it."""
    texture_folder = "textures"
    """The folder beside the geometry layer for the asset's texture images (``<stem>_textures``:
    two assets written to one folder keep their own)."""

    def _relative(self, path: Path) -> str:
        """The mesh file relative to the geometry layer's folder (a string, not an asset path: the
        asset holds the mesh, so the file is no dependency, and the text does not depend on where the
        asset was built)."""
        if self.geometry_dir is None:
            return str(path)
        try:
            return os.path.relpath(Path(path).resolve(), self.geometry_dir.resolve())
        except ValueError:  # other drive (Windows)
            return str(path)

    # ---- classification

    def _classify(self, link: Link) -> str:
        pj = self.model.parent_joint(link.name)
        if pj is None:
            return "world" if self.world_root else "body"
        if (
            self.options.merge_fixed_joints
            and link.is_frame
            and pj.type is JointType.FIXED
            and not pj.dont_collapse
        ):
            return "merged"
        return "body"

    def _has_joint_prim(self, j: Joint) -> bool:
        return self.kind[j.child] == "body" and j.type is not JointType.FLOATING

    def _link_path(self, name: str) -> str:
        if self.kind[name] == "merged":
            pj = self.model.parent_joint(name)
            assert pj is not None
            return self._link_path(pj.parent) + "/" + self.link_names[name]
        return self.robot_path + "/" + self.link_names[name]

    def body_of(self, link: str) -> str | None:
        """The link whose rigid body carries ``link`` (None: the world)."""
        k = self.kind[link]
        if k == "body":
            return link
        if k == "world":
            return None
        pj = self.model.parent_joint(link)
        assert pj is not None
        return self.body_of(pj.parent)

    # ---- meshes (loaded before anything is written)

    def prepare_meshes(self) -> dict[str, Any]:
        """Load every distinct mesh file once, on a small thread pool (the numpy work in the
        loaders releases the GIL, so two cores load two meshes at once)."""
        paths: dict[str, Path] = {}
        inline: dict[str, Any] = {}  # meshes held inside a USD the robot was read from
        for lk in self.model.links:
            for g in [v.geometry for v in lk.visuals] + [c.geometry for c in lk.collisions]:
                if isinstance(g, Mesh):
                    if g.data is not None:  # read from a USD: its triangles, not a file's
                        inline.setdefault(g.source, g.data)
                    elif g.path is None:
                        raise MeshError(
                            f"link {lk.name!r} has a mesh with no file on disk and no triangles "
                            f"({g.uri!r}): read the robot with its package paths",
                            file=self.model.source,
                        )
                    else:
                        paths.setdefault(g.source, g.path)
                    self.mesh_stems.setdefault(g.source, g.stem)
        if len(paths) < 4:
            return {**{key: self.load(p) for key, p in paths.items()}, **inline}
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            return {**dict(zip(paths, pool.map(self.load, paths.values()), strict=True)), **inline}

    # ---- authoring

    def write(
        self, geo: Any, phys: Any, meshes: dict[str, Any], mesh_layer: Any = None, mesh_asset: str = ""
    ) -> None:
        """Author the robot: geometry in ``geo``, physics in ``phys``, mesh data in ``mesh_layer``.

        Without ``mesh_layer`` the mesh prototypes go into ``geo`` under a ``class`` scope.
        """
        m = self.model
        robot = geo.GetPrimAtPath(self.robot_path)
        robot = robot if robot else _prim(geo.pseudoRoot, self.robot_name, "Xform")
        robot.SetInfo("kind", "component")
        _raw(robot, T.NAME, V.String, m.name)
        _raw(robot, T.LINK_ORDER, V.StringArray, Vt.StringArray([lk.name for lk in m.links]))
        _raw(robot, T.JOINT_ORDER, V.StringArray, Vt.StringArray([j.name for j in m.joints]))
        _raw(robot, T.TWIN_VERSION, V.String, __version__)
        _raw(robot, T.TWIN_OPTIONS, V.String, repr(self.options))
        # mesh prototypes and materials first: gprims refer to them
        if meshes:
            if mesh_layer is None:
                scope = _prim(robot, "meshes", "Scope", Sdf.SpecifierClass)
            else:
                scope = _prim(mesh_layer.pseudoRoot, "meshes", "Scope")
                mesh_layer.defaultPrim = "meshes"
            for key, mesh in meshes.items():
                self.meshes[key] = self._mesh_proto(scope, self.mesh_stems[key], mesh, mesh_asset)
        looks = None
        robot_materials: list[str] = []
        for mat in m.materials:
            looks = looks or _prim(robot, "Looks", "Scope")
            robot_materials.append(self._material(looks, mat))
        if robot_materials:
            _rel(robot, T.ROBOT_MATERIALS, robot_materials, custom=True)
        for lk in m.links:
            for v in lk.visuals:
                if v.material is not None and _key(v.material) not in self.materials:
                    looks = looks or _prim(robot, "Looks", "Scope")
                    self._material(looks, v.material)
        for lk in m.links:  # the mesh files' own materials, for visuals without a URDF material
            for v in lk.visuals:
                if v.material is None and isinstance(v.geometry, Mesh):
                    for _, mat in self.meshes[v.geometry.source].subsets:
                        if _key(mat) not in self.materials:
                            looks = looks or _prim(robot, "Looks", "Scope")
                            self._material(looks, mat)
        # links in tree order so that merged frames find their parent prim
        order = [m.root.name] + [j.child for j in m.walk()]
        for name in order:
            self._link(geo, phys, m.link(name))
        # joints
        jscope = None
        art_root: str | None = None
        for j in m.joints:
            if j.name in self.joint_names:
                if jscope is None:
                    jscope = self._over_or_def(phys, self.robot_path + "/joints", "Scope")
                path = self._joint(jscope, j)
                if art_root is None and self.world_root and j.parent == m.root.name:
                    art_root = path
        if self.root_joint_name is not None:
            jscope = jscope or self._over_or_def(phys, self.robot_path + "/joints", "Scope")
            art_root = self._root_joint(jscope)
        if art_root is None and m.joints:
            first_body = m.root.name
            if self.world_root:  # only a floating joint leaves the world: its child is the free base
                first_body = next((j.child for j in m.child_joints(m.root.name)), m.root.name)
            if self.kind[first_body] == "body":
                art_root = self.link_paths[first_body]
        if self.options.self_collision:
            self._filter_rest_contacts(phys)
        if art_root is not None:
            spec = Sdf.CreatePrimInLayer(phys, art_root)
            _apply(spec, "PhysicsArticulationRootAPI", "NewtonArticulationRootAPI", "PhysxArticulationAPI")
            _attr(spec, "newton:selfCollisionEnabled", V.Bool, self.options.self_collision)
            _attr(spec, T.PHYSX_SELF_COLLISION, V.Bool, self.options.self_collision, custom=True)

    def _filter_rest_contacts(self, phys: Any) -> None:
        """Bodies whose colliders touch at the rest pose never collide (``FilteredPairsAPI`` on the
        first of each pair): with self-collision they would push each other apart at the first step."""
        targets: dict[str, list[str]] = {}
        for a, b in touching_links(self.model, self.options):
            body_a, body_b = self.body_of(a), self.body_of(b)
            if body_a is None or body_b is None or body_a == body_b:
                continue  # the world does not collide with the robot it carries; one body: no pair
            first, second = sorted((body_a, body_b))
            paths = targets.setdefault(first, [])
            if self.link_paths[second] not in paths:
                paths.append(self.link_paths[second])
        for body, paths in targets.items():
            spec = Sdf.CreatePrimInLayer(phys, self.link_paths[body])
            _apply(spec, "PhysicsFilteredPairsAPI")
            _rel(spec, "physics:filteredPairs", paths)

    def _over_or_def(self, layer: Any, path: str, type_name: str) -> Any:
        spec = layer.GetPrimAtPath(path)
        if spec:
            return spec
        parent = Sdf.CreatePrimInLayer(layer, Sdf.Path(path).GetParentPath())
        return _prim(parent, Sdf.Path(path).name, type_name)

    def _mesh_proto(self, scope: Any, stem: str, mesh: Any, asset: str) -> _MeshProto:
        name = self.mesh_names.take(stem, "mesh")
        spec = _prim(scope, name, "Mesh")
        vertices = np.ascontiguousarray(np.asarray(mesh.vertices, dtype=np.float32))
        faces = np.asarray(mesh.faces, dtype=np.int32)
        _attr(spec, "points", V.Point3fArray, Vt.Vec3fArray.FromNumpy(vertices))
        _attr(spec, "faceVertexCounts", V.IntArray, Vt.IntArray.FromNumpy(np.full(len(faces), 3, np.int32)))
        _attr(
            spec, "faceVertexIndices", V.IntArray, Vt.IntArray.FromNumpy(np.ascontiguousarray(faces.ravel()))
        )
        _attr(spec, "subdivisionScheme", V.Token, "none", uniform=True)
        uvs = getattr(mesh, "uvs", None)
        if uvs is not None:
            st = np.ascontiguousarray(np.asarray(uvs, dtype=np.float32).reshape(-1, 2))
            _attr(spec, "primvars:st", V.TexCoord2fArray, Vt.Vec2fArray.FromNumpy(st)).SetInfo(
                "interpolation", "faceVarying"
            )
        if len(vertices):
            lo, hi = vertices.min(axis=0), vertices.max(axis=0)
            extent = Vt.Vec3fArray([Gf.Vec3f(*lo.tolist()), Gf.Vec3f(*hi.tolist())])
        else:
            extent = Vt.Vec3fArray([Gf.Vec3f(0.0), Gf.Vec3f(0.0)])
        _attr(spec, "extent", V.Float3Array, extent)
        return _MeshProto(str(spec.path), asset, self._subsets(spec, mesh))

    def _subsets(self, spec: Any, mesh: Any) -> tuple[tuple[str, Material], ...]:
        """One ``GeomSubset`` per file material the faces use (a loader without materials: none)."""
        face_materials = getattr(mesh, "face_materials", None)
        palette: tuple[Material, ...] = getattr(mesh, "materials", ())
        if face_materials is None or not palette:
            return ()
        names = NameTable()
        out: list[tuple[str, Material]] = []
        order = np.argsort(face_materials, kind="stable")
        sorted_ids = face_materials[order]
        bounds = np.searchsorted(sorted_ids, np.arange(len(palette) + 1))
        for i, mat in enumerate(palette):
            faces = order[bounds[i] : bounds[i + 1]].astype(np.int32)
            if not len(faces):
                continue
            name = names.take(mat.name, "material")
            sub = _prim(spec, name, "GeomSubset")
            _attr(sub, "elementType", V.Token, "face", uniform=True)
            _attr(sub, "familyName", V.Token, "materialBind", uniform=True)
            _attr(sub, "indices", V.IntArray, Vt.IntArray.FromNumpy(np.sort(faces)))
            out.append((name, mat))
        if out:
            every = bool((face_materials >= 0).all())
            _attr(
                spec,
                "subsetFamily:materialBind:familyType",
                V.Token,
                "partition" if every else "nonOverlapping",
                uniform=True,
            )
        return tuple(out)

    def _material(self, looks: Any, mat: Material) -> str:
        existing = self.materials.get(_key(mat))
        if existing is not None:
            return existing
        name = self.material_names.take(mat.name, "material")
        spec = _prim(looks, name, "Material")
        path = str(spec.path)
        self.materials[_key(mat)] = path
        _raw(spec, T.NAME, V.String, mat.name)
        shader = _prim(spec, "Shader", "Shader")
        _attr(shader, "info:id", V.Token, "UsdPreviewSurface", uniform=True)
        if mat.rgba is not None:
            r, g, b, a = mat.rgba
            _raw(spec, T.MATERIAL_RGBA, V.Double4, Gf.Vec4d(r, g, b, a))
            _attr(shader, "inputs:diffuseColor", V.Color3f, Gf.Vec3f(r, g, b))
            _attr(shader, "inputs:opacity", V.Float, a)
        if mat.texture is not None:
            _raw(spec, T.MATERIAL_TEXTURE, V.String, mat.texture)
        if mat.texture_file is not None:
            self._texture_network(spec, shader, mat.texture_file, mat.rgba or _GREY)
        _attr(shader, "outputs:surface", V.Token, None)
        _connect(_attr(spec, "outputs:surface", V.Token, None), path + "/Shader.outputs:surface")
        return path

    def _texture_network(
        self, material: Any, surface: Any, image: Path, fallback: tuple[float, float, float, float]
    ) -> None:
        """``surface``'s diffuse colour from ``image`` (copied into the asset) at the mesh's ``st``."""
        name = self.textures.get(image)
        if name is None:
            name = self._texture_name(image)
            self.textures[image] = name
        base = str(material.path)
        reader = _prim(material, "TexCoordReader", "Shader")
        _attr(reader, "info:id", V.Token, "UsdPrimvarReader_float2", uniform=True)
        _attr(reader, "inputs:varname", V.String, "st")
        _attr(reader, "outputs:result", V.Float2, None)
        texture = _prim(material, "DiffuseTexture", "Shader")
        _attr(texture, "info:id", V.Token, "UsdUVTexture", uniform=True)
        _attr(texture, "inputs:file", V.Asset, Sdf.AssetPath(f"./{self.texture_folder}/{name}"))
        _attr(texture, "inputs:sourceColorSpace", V.Token, "auto")
        r, g, b, a = fallback  # an image that cannot be read shows the material's colour, not black
        _attr(texture, "inputs:fallback", V.Float4, Gf.Vec4f(r, g, b, a))
        _attr(texture, "inputs:wrapS", V.Token, "repeat")
        _attr(texture, "inputs:wrapT", V.Token, "repeat")
        _connect(_attr(texture, "inputs:st", V.Float2, None), base + "/TexCoordReader.outputs:result")
        _attr(texture, "outputs:rgb", V.Float3, None)
        diffuse = surface.attributes.get("inputs:diffuseColor") or _attr(
            surface, "inputs:diffuseColor", V.Color3f, None
        )
        _connect(diffuse, base + "/DiffuseTexture.outputs:rgb")

    def _texture_name(self, image: Path) -> str:
        """The name of ``image``'s copy: its own (made a valid identifier, unique ignoring case, as
        file systems on macOS and Windows compare names), or that of an earlier image with the same
        bytes (one copy each)."""
        from ..meshes import read_texture

        try:
            data = read_texture(image)
        except OSError as err:
            raise UsdError(f"cannot read the texture {str(image)!r}: {err.strerror or err}") from err
        digest = hashlib.sha256(data).hexdigest()
        name = self.texture_digests.get(digest)
        if name is None:
            taken = {n.lower() for n in self.texture_data}
            base = Tf.MakeValidIdentifier(image.stem) if image.stem else "texture"
            name, i = base + image.suffix.lower(), 0
            while name.lower() in taken:
                i += 1
                name = f"{base}_{i}{image.suffix.lower()}"
            self.texture_digests[digest] = name
            self.texture_data[name] = data
        return name

    def _link(self, geo: Any, phys: Any, lk: Link) -> None:
        kind = self.kind[lk.name]
        path = Sdf.Path(self.link_paths[lk.name])
        parent = geo.GetPrimAtPath(path.GetParentPath())
        spec = _prim(parent, path.name, "Xform")
        _raw(spec, T.NAME, V.String, lk.name)
        pj = self.model.parent_joint(lk.name)
        if kind == "merged":
            assert pj is not None
            _xform(spec, pj.origin.position, pj.origin.quat)
            _raw(spec, T.MERGED, V.Bool, True)
            _joint_raw(spec, pj, T.JOINT_PREFIX)
        else:
            position, quat = _pose_of(self.fk[lk.name])
            _xform(spec, position, quat)
            if kind == "world":
                _raw(spec, T.WORLD_LINK, V.Bool, True)
            elif pj is not None and pj.type is JointType.FLOATING:
                _joint_raw(spec, pj, T.JOINT_PREFIX)
        if lk.inertial is not None:
            ine = lk.inertial
            _raw(spec, T.INERTIAL_MASS, V.Double, ine.mass)
            _raw(spec, T.INERTIAL_XYZ, V.Double3, Gf.Vec3d(*ine.origin.position))
            _raw(spec, T.INERTIAL_QUAT, V.Quatd, _quatd(ine.origin.quat))
            _raw(spec, T.INERTIAL_INERTIA, V.DoubleArray, Vt.DoubleArray(list(ine.inertia)))
            if ine.repaired:
                _raw(spec, T.INERTIAL_REPAIRED, V.String, ine.repaired)
        if kind != "body":
            return
        # visuals
        if lk.visuals:
            vscope = _prim(spec, "visuals", "Xform")
            names = NameTable()
            for v in lk.visuals:
                self._visual(vscope, names, v)
        colliders: list[tuple[Collision, bool]] = [(c, False) for c in lk.collisions]
        if not colliders and self.options.collision_from_visuals:
            colliders = [(Collision(v.name, v.origin, v.geometry), True) for v in lk.visuals]
        collider_paths: list[tuple[str, bool]] = []
        if colliders:
            cscope = _prim(spec, "collisions", "Xform")
            names = NameTable()
            for c, generated in colliders:
                collider_paths.append(self._collision(cscope, names, c, generated))
        # physics
        pspec = Sdf.CreatePrimInLayer(phys, path)
        _apply(pspec, "PhysicsRigidBodyAPI")
        if (lk.inertial is not None and lk.inertial.mass > 0) or lk.visuals or lk.collisions:
            _apply(pspec, "PhysicsMassAPI")
        body_inertial = lk.inertial
        if body_inertial is not None and body_inertial.mass > 0:
            moments, axes = body_inertial.principal()
            _attr(pspec, "physics:mass", V.Float, body_inertial.mass)
            _attr(pspec, "physics:centerOfMass", V.Point3f, Gf.Vec3f(*body_inertial.origin.position))
            if min(moments) > 0:  # UsdPhysics: both or neither, and only positive moments
                _attr(pspec, "physics:diagonalInertia", V.Float3, Gf.Vec3f(*moments))
                _attr(pspec, "physics:principalAxes", V.Quatf, _quatf(axes))
        elif lk.visuals or lk.collisions:  # no (or a zero) mass: the engine integrates the colliders
            _attr(pspec, "physics:density", V.Float, self.options.density)
        for cpath, is_mesh in collider_paths:
            cspec = Sdf.CreatePrimInLayer(phys, cpath)
            if is_mesh:
                _apply(cspec, "PhysicsCollisionAPI", "PhysicsMeshCollisionAPI")
                _attr(cspec, "physics:approximation", V.Token, "convexHull", uniform=True)
            else:
                _apply(cspec, "PhysicsCollisionAPI")

    def _gprim(self, scope: Any, name: str, origin: Any, g: Geometry, *, capsule: bool = False) -> Any:
        """Author one geometry prim; returns its spec."""
        scale: Any = None
        if isinstance(g, Box):
            spec = _prim(scope, name, "Cube")
            _attr(spec, "size", V.Double, 1.0)
            _attr(spec, "extent", V.Float3Array, Vt.Vec3fArray([Gf.Vec3f(-0.5), Gf.Vec3f(0.5)]))
            scale = g.size
        elif isinstance(g, Sphere):
            spec = _prim(scope, name, "Sphere")
            _attr(spec, "radius", V.Double, g.radius)
            r = g.radius
            _attr(spec, "extent", V.Float3Array, Vt.Vec3fArray([Gf.Vec3f(-r), Gf.Vec3f(r)]))
        elif isinstance(g, Cylinder) and capsule:
            spec = _prim(scope, name, "Capsule")
            r, h = g.radius, max(g.length - 2.0 * g.radius, 0.0)
            _attr(spec, "radius", V.Double, r)
            _attr(spec, "height", V.Double, h)
            _attr(spec, "axis", V.Token, "Z", uniform=True)
            _attr(
                spec,
                "extent",
                V.Float3Array,
                Vt.Vec3fArray([Gf.Vec3f(-r, -r, -h / 2 - r), Gf.Vec3f(r, r, h / 2 + r)]),
            )
            _raw(spec, T.CYLINDER, V.Double2, Gf.Vec2d(g.radius, g.length))
        elif isinstance(g, Cylinder | Capsule):
            spec = _prim(scope, name, "Cylinder" if isinstance(g, Cylinder) else "Capsule")
            r, h = g.radius, g.length
            _attr(spec, "radius", V.Double, r)
            _attr(spec, "height", V.Double, h)
            _attr(spec, "axis", V.Token, "Z", uniform=True)
            zc = h / 2 + (r if isinstance(g, Capsule) else 0.0)
            _attr(spec, "extent", V.Float3Array, Vt.Vec3fArray([Gf.Vec3f(-r, -r, -zc), Gf.Vec3f(r, r, zc)]))
        elif isinstance(g, Mesh):
            spec = _prim(scope, name, "Mesh")
            proto = self.meshes[g.source]
            spec.referenceList.Prepend(Sdf.Reference(proto.asset, Sdf.Path(proto.path)))
            _raw(spec, T.MESH_URI, V.String, g.uri)
            if g.path is not None:  # a mesh from inside a USD has only its triangles, written here
                _raw(spec, T.MESH_PATH, V.String, self._relative(g.path))  # provenance: the asset holds it
            scale = g.scale
        else:  # pragma: no cover - the model's Geometry union is closed
            raise UsdError(f"unsupported geometry {g!r}")
        _xform(spec, origin.position, origin.quat, scale)
        return spec

    def _visual(self, scope: Any, names: NameTable, v: Visual) -> None:
        spec = self._gprim(scope, names.take(v.name, "visual"), v.origin, v.geometry)
        _raw(spec, T.NAME, V.String, v.name)
        mat = v.material
        if mat is not None:
            if mat.rgba is not None:
                r, g, b, a = mat.rgba
                c = _attr(spec, "primvars:displayColor", V.Color3fArray, Vt.Vec3fArray([Gf.Vec3f(r, g, b)]))
                c.SetInfo("interpolation", "constant")
                o = _attr(spec, "primvars:displayOpacity", V.FloatArray, Vt.FloatArray([a]))
                o.SetInfo("interpolation", "constant")
            _apply(spec, "MaterialBindingAPI")
            _rel(spec, "material:binding", [self.materials[_key(mat)]])
        elif isinstance(v.geometry, Mesh):  # no URDF material: the mesh file's own, per subset
            for name, file_mat in self.meshes[v.geometry.source].subsets:
                sub = _prim(spec, name, "", Sdf.SpecifierOver)
                _apply(sub, "MaterialBindingAPI")
                _rel(sub, "material:binding", [self.materials[_key(file_mat)]])

    def _collision(self, scope: Any, names: NameTable, c: Collision, generated: bool) -> tuple[str, bool]:
        capsule = self.options.replace_cylinders_with_capsules and isinstance(c.geometry, Cylinder)
        spec = self._gprim(scope, names.take(c.name, "collision"), c.origin, c.geometry, capsule=capsule)
        _raw(spec, T.NAME, V.String, c.name)
        _attr(spec, "purpose", V.Token, "guide", uniform=True)
        if generated:
            _raw(spec, T.GENERATED, V.Bool, True)
        return str(spec.path), isinstance(c.geometry, Mesh)

    # ---- joints

    def _joint(self, scope: Any, j: Joint) -> str:
        type_name = {
            JointType.REVOLUTE: "PhysicsRevoluteJoint",
            JointType.CONTINUOUS: "PhysicsRevoluteJoint",
            JointType.PRISMATIC: "PhysicsPrismaticJoint",
            JointType.FIXED: "PhysicsFixedJoint",
            JointType.PLANAR: "PhysicsJoint",
        }[j.type]
        spec = scope.nameChildren.get(self.joint_names[j.name])
        if spec is None:
            spec = _prim(scope, self.joint_names[j.name], type_name)
        _joint_raw(spec, j, "urdf:")
        b0 = self.body_of(j.parent)
        b1 = j.child
        rot = np.eye(4)
        rot[:3, :3] = joint_frame_rotation(j)
        frame = self.fk[j.parent] @ j.origin.matrix() @ rot  # world_T_usdjoint at q = 0
        local0 = frame if b0 is None else np.linalg.inv(self.fk[b0]) @ frame
        local1 = np.linalg.inv(self.fk[b1]) @ frame
        if b0 is not None:
            _rel(spec, "physics:body0", [self.link_paths[b0]])
        _rel(spec, "physics:body1", [self.link_paths[b1]])
        p0, q0 = _pose_of(local0)
        p1, q1 = _pose_of(local1)
        _attr(spec, "physics:localPos0", V.Point3f, Gf.Vec3f(*p0))
        _attr(spec, "physics:localRot0", V.Quatf, _quatf(q0))
        _attr(spec, "physics:localPos1", V.Point3f, Gf.Vec3f(*p1))
        _attr(spec, "physics:localRot1", V.Quatf, _quatf(q1))
        if j.type is JointType.PLANAR:
            for dof in ("transZ", "rotX", "rotY"):
                _apply(spec, f"PhysicsLimitAPI:{dof}")
                _attr(spec, f"limit:{dof}:physics:low", V.Float, 1.0)  # low > high: the DoF is locked
                _attr(spec, f"limit:{dof}:physics:high", V.Float, -1.0)
            return str(spec.path)
        if not j.type.is_actuated_1dof:
            return str(spec.path)
        angular = j.type.is_angular
        unit = _DEG if angular else 1.0
        _attr(spec, "physics:axis", V.Token, "X", uniform=True)
        if j.type is not JointType.CONTINUOUS and j.limit is not None:
            if j.limit.lower is not None:
                _attr(spec, "physics:lowerLimit", V.Float, j.limit.lower * unit)
            if j.limit.upper is not None:
                _attr(spec, "physics:upperLimit", V.Float, j.limit.upper * unit)
        self._joint_dynamics(spec, j, angular)
        return str(spec.path)

    def _joint_dynamics(self, spec: Any, j: Joint, angular: bool) -> None:
        per = math.pi / 180.0 if angular else 1.0  # per-radian gain → per-degree gain
        unit = _DEG if angular else 1.0
        instance = "angular" if angular else "linear"
        drive = resolve_drive(j, self.options)
        armature = joint_armature(j, self.options) if j.mimic is None else 0.0
        if j.drive is not None:  # the model's own gains: keep them so read_usd restores Joint.drive
            _raw(spec, T.DRIVE_STIFFNESS, V.Double, j.drive.stiffness)
            _raw(spec, T.DRIVE_DAMPING, V.Double, j.drive.damping)
            if j.drive.max_force is not None:
                _raw(spec, T.DRIVE_MAX_FORCE, V.Double, j.drive.max_force)
            _raw(spec, T.DRIVE_KIND, V.Token, j.drive.kind)
            _raw(spec, T.DRIVE_ARMATURE, V.Double, j.drive.armature)
        if j.mimic is None:
            if drive is not None:
                pre = f"drive:{instance}:physics:"
                _apply(spec, f"PhysicsDriveAPI:{instance}")
                _attr(spec, pre + "type", V.Token, drive.kind, uniform=True)
                _attr(spec, pre + "stiffness", V.Float, drive.stiffness * per)
                _attr(spec, pre + "damping", V.Float, drive.damping * per)
                if drive.target == "velocity":
                    _attr(spec, pre + "targetVelocity", V.Float, 0.0)
                else:
                    _attr(spec, pre + "targetPosition", V.Float, 0.0)
                if drive.max_force is not None:
                    _attr(spec, pre + "maxForce", V.Float, drive.max_force)
        else:
            self._mimic(spec, j, angular)
        friction = j.dynamics.friction if j.dynamics is not None else 0.0
        damping = j.dynamics.damping if j.dynamics is not None else 0.0
        velocity = j.limit.velocity if j.limit is not None else None
        _apply(spec, "NewtonJointAPI", "PhysxJointAPI")
        _attr(spec, "newton:armature", V.Float, armature)
        _attr(spec, "newton:friction", V.Float, friction)
        _attr(spec, "newton:damping", V.Float, damping * per)
        _attr(spec, T.PHYSX_ARMATURE, V.Float, armature, custom=True)
        _attr(spec, T.PHYSX_FRICTION, V.Float, friction, custom=True)
        if velocity is not None and velocity > 0:
            _attr(spec, "newton:velocityLimit", V.Float, velocity * unit)
            _attr(spec, T.PHYSX_MAX_VELOCITY, V.Float, velocity * unit, custom=True)

    def _mimic(self, spec: Any, j: Joint, angular: bool) -> None:
        assert j.mimic is not None
        leader = self.joint_names.get(j.mimic.joint)
        if leader is None:
            _log.warning(
                "joint %r mimics %r, which has no joint prim; mimic kept only as urdf:mimic:*",
                j.name,
                j.mimic.joint,
            )
            return
        leader_path = self.robot_path + "/joints/" + leader
        unit = _DEG if angular else 1.0
        _apply(spec, "NewtonMimicAPI")
        _rel(spec, "newton:mimicJoint", [leader_path])
        _attr(spec, "newton:mimicCoef0", V.Float, j.mimic.offset * unit)
        _attr(spec, "newton:mimicCoef1", V.Float, j.mimic.multiplier)
        if angular:  # Isaac Sim 4.5/5.x PhysxMimicJointAPI (PhysxSchema is not in usd-core: names only)
            _apply(spec, "PhysxMimicJointAPI:rotX")
            _attr(spec, "physxMimicJoint:rotX:gearing", V.Float, -j.mimic.multiplier, custom=True)
            # PhysX: q + gearing · q_leader + offset = 0, so gearing = −multiplier, offset = −offset, in
            # degrees like every USD angle (omni.physx converts it to radians for an angular axis)
            _attr(spec, "physxMimicJoint:rotX:offset", V.Float, -j.mimic.offset * unit, custom=True)
            _rel(spec, "physxMimicJoint:rotX:referenceJoint", [leader_path], custom=True)

    def _root_joint(self, scope: Any) -> str:
        assert self.root_joint_name is not None
        spec = _prim(scope, self.root_joint_name, "PhysicsFixedJoint")
        _raw(spec, T.GENERATED, V.Bool, True)
        root = self.model.root.name
        _rel(spec, "physics:body1", [self.link_paths[root]])
        _attr(spec, "physics:localPos0", V.Point3f, Gf.Vec3f(0.0))
        _attr(spec, "physics:localRot0", V.Quatf, Gf.Quatf(1.0))
        _attr(spec, "physics:localPos1", V.Point3f, Gf.Vec3f(0.0))
        _attr(spec, "physics:localRot1", V.Quatf, Gf.Quatf(1.0))
        return str(spec.path)


def _joint_raw(spec: Any, j: Joint, prefix: str) -> None:
    """Every URDF value of ``j`` in double precision (``read_usd`` restores the joint from these)."""

    def put(name: str, type_name: Any, value: Any) -> None:
        _raw(spec, prefix + name, type_name, value)

    put(T.J_NAME, V.String, j.name)
    put(T.J_TYPE, V.Token, j.type.value)
    put(T.J_PARENT, V.String, j.parent)
    put(T.J_CHILD, V.String, j.child)
    put(T.J_XYZ, V.Double3, Gf.Vec3d(*j.origin.position))
    put(T.J_QUAT, V.Quatd, _quatd(j.origin.quat))
    put(T.J_AXIS, V.Double3, Gf.Vec3d(*j.axis))
    present: list[str] = []
    fields: list[tuple[str, float | None]] = []
    if j.limit is not None:
        present.append("limit")
        lim = j.limit
        fields += [
            (T.J_LOWER, lim.lower),
            (T.J_UPPER, lim.upper),
            (T.J_EFFORT, lim.effort),
            (T.J_VELOCITY, lim.velocity),
        ]
    if j.dynamics is not None:
        present.append("dynamics")
        fields += [(T.J_DAMPING, j.dynamics.damping), (T.J_FRICTION, j.dynamics.friction)]
    if j.mimic is not None:
        present.append("mimic")
        put(T.J_MIMIC_JOINT, V.String, j.mimic.joint)
        fields += [(T.J_MIMIC_MULT, j.mimic.multiplier), (T.J_MIMIC_OFFSET, j.mimic.offset)]
    if j.safety_controller is not None:
        present.append("safety_controller")
        sc = j.safety_controller
        fields += [
            (T.J_SC_KVEL, sc.k_velocity),
            (T.J_SC_KPOS, sc.k_position),
            (T.J_SC_LOWER, sc.soft_lower_limit),
            (T.J_SC_UPPER, sc.soft_upper_limit),
        ]
    if j.calibration is not None:
        present.append("calibration")
        fields += [(T.J_CAL_RISING, j.calibration.rising), (T.J_CAL_FALLING, j.calibration.falling)]
    for name, value in fields:
        if value is not None:
            put(name, V.Double, value)
    put(T.J_ELEMENTS, V.TokenArray, Vt.TokenArray(present))
    if j.dont_collapse:
        put(T.J_DONT_COLLAPSE, V.Bool, True)


# ------------------------------------------------------------------ layers and files


def _stage_metadata(layer: Any, default_prim: str) -> None:
    root = layer.pseudoRoot
    root.SetInfo("upAxis", "Z")
    root.SetInfo("metersPerUnit", 1.0)
    root.SetInfo("kilogramsPerUnit", 1.0)
    layer.defaultPrim = default_prim


def _scene(layer: Any) -> None:
    spec = _prim(layer.pseudoRoot, "physicsScene", "PhysicsScene")
    _attr(spec, "physics:gravityDirection", V.Vector3f, Gf.Vec3f(0.0, 0.0, -1.0))
    _attr(spec, "physics:gravityMagnitude", V.Float, 9.81)


def write_usd(
    model: RobotModel,
    path: str | Path,
    options: ImportOptions = ImportOptions(),  # noqa: B008 - frozen, immutable default
    *,
    layered: bool = True,
    mesh_loader: MeshLoader | None = None,
) -> UsdAsset:
    """Write ``model`` as a UsdPhysics asset.

    Args:
        model: the robot.
        path: the file to write (``.usda``, ``.usdc`` or ``.usd``). With ``layered`` the geometry and
            the physics go to ``configuration/<name>_base<ext>`` and ``configuration/<name>_physics<ext>``
            next to it, and ``path`` is the interface layer that payloads both.
        options: import options (fixed base, merging, drives, colliders…).
        layered: write the Isaac Sim 4.5 layout (three files) instead of one file.
        mesh_loader: reads a mesh file into an object with ``vertices`` (N, 3) and ``faces`` (M, 3),
            and optionally the file's materials (``face_materials``, ``materials``, as
            :class:`~humanoid_twin.meshes.TriangleMesh`);
            default :func:`humanoid_twin.meshes.load_mesh`.

    Every file is written to a temporary name first and renamed at the end: when anything fails
    (a mesh that does not load, a disk error) no file at the destination is created or changed.

    Raises:
        MeshError: a mesh cannot be read.
        UsdError: the file cannot be written.
    """
    out = Path(path)
    ext = out.suffix.lower()
    if ext not in (".usda", ".usdc", ".usd"):
        raise UsdError(f"cannot write USD to {str(out)!r}: the file name must end in .usda, .usdc or .usd")
    writer = _Writer(model, options, mesh_loader or _default_mesh_loader)
    try:
        meshes = writer.prepare_meshes()
    except TwinError:
        raise
    except (OSError, ValueError) as err:
        raise MeshError(f"cannot load a mesh of robot {model.name!r}: {err}", file=model.source) from err

    stem = out.stem
    writer.texture_folder = f"{stem}_textures"
    main = Sdf.Layer.CreateAnonymous(ext)
    files: dict[Path, Any] = {out: main}
    with Sdf.ChangeBlock():
        _stage_metadata(main, writer.robot_name)
        if layered:
            cfg = out.parent / "configuration"
            base_path = cfg / f"{stem}_base{ext}"
            phys_path = cfg / f"{stem}_physics{ext}"
            base = Sdf.Layer.CreateAnonymous(ext)
            phys = Sdf.Layer.CreateAnonymous(ext)
            for layer in (base, phys):
                _stage_metadata(layer, writer.robot_name)
            mesh_layer = None
            mesh_path = cfg / f"{stem}_meshes.usdc"
            if meshes:  # bulk data in crate format: 4× faster to write and 3× smaller than text
                mesh_layer = Sdf.Layer.CreateAnonymous(".usdc")
                _stage_metadata(mesh_layer, "meshes")
            writer.geometry_dir = cfg
            writer.write(base, phys, meshes, mesh_layer, f"./{mesh_path.name}")
            phys_robot = phys.GetPrimAtPath(writer.robot_path)
            if phys_robot:
                phys_robot.specifier = Sdf.SpecifierDef
                phys_robot.typeName = "Xform"
            else:
                _prim(phys.pseudoRoot, writer.robot_name, "Xform")
            robot = _prim(main.pseudoRoot, writer.robot_name, "Xform")
            robot.SetInfo("kind", "component")
            robot.payloadList.Prepend(
                Sdf.Payload(f"./configuration/{phys_path.name}", Sdf.Path(writer.robot_path))
            )
            robot.payloadList.Append(
                Sdf.Payload(f"./configuration/{base_path.name}", Sdf.Path(writer.robot_path))
            )
            files[base_path] = base
            files[phys_path] = phys
            if mesh_layer is not None:
                files[mesh_path] = mesh_layer
        else:
            writer.geometry_dir = out.parent
            writer.write(main, main, meshes)
        _scene(main)
        main.documentation = f"{model.name} written by humanoid_twin {__version__}"
    texture_dir = (writer.geometry_dir or out.parent) / writer.texture_folder
    textures = {texture_dir / name: data for name, data in writer.texture_data.items()}
    _commit(files, textures)
    return UsdAsset(
        path=out,
        files=tuple(files),
        prim_path=writer.robot_path,
        link_names=MappingProxyType(dict(writer.link_names)),
        joint_names=MappingProxyType(dict(writer.joint_names)),
        link_paths=MappingProxyType(dict(writer.link_paths)),
        textures=tuple(textures),
    )


def _commit(files: dict[Path, Any], blobs: Mapping[Path, bytes]) -> None:
    """Export every layer and write every file of ``blobs`` (target → bytes) to a temporary file
    beside its target, then rename them all."""
    temps: list[tuple[Path, Path]] = []
    made: list[Path] = []
    done = False

    def temp_for(target: Path) -> Path:
        for folder in reversed(target.parents):
            if not folder.exists():
                folder.mkdir()
                made.append(folder)
        tmp = temp_beside(target, suffix=target.suffix)  # the suffix picks the USD format
        temps.append((tmp, target))
        return tmp

    try:
        for target, layer in files.items():
            tmp = temp_for(target)
            args = {"format": "usdc"} if target.suffix == ".usd" else {}
            if not layer.Export(str(tmp), args=args):
                raise UsdError(f"cannot write USD layer {str(target)!r}")
        for target, data in blobs.items():
            temp_for(target).write_bytes(data)
        for tmp, target in temps:
            os.replace(tmp, target)
        done = True
    except OSError as err:
        first = next(iter(files))
        raise UsdError(
            f"cannot write {str(first)!r} ({err.strerror or err}); check that {str(first.parent)!r} is a "
            "folder you can write to"
        ) from err
    except Exception as err:  # pxr raises Tf.ErrorException (a RuntimeError)
        if isinstance(err, TwinError):
            raise
        raise UsdError(f"cannot write {str(next(iter(files)))!r}: {err}") from err
    finally:
        for tmp, _ in temps:
            if tmp.exists():
                tmp.unlink()
        if not done:
            for d in reversed(made):
                if d.exists() and not any(d.iterdir()):
                    d.rmdir()
