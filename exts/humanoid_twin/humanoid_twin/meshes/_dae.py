"""A small COLLADA (.dae) reader: triangle geometry placed by the visual scene, in metres.

What it reads:

* ``<library_geometries>``: ``<mesh>`` with ``<triangles>``, ``<polylist>``, ``<polygons>``,
  ``<trifans>`` and ``<tristrips>`` primitives; positions come from the ``VERTEX`` input's
  ``POSITION`` source (accessor ``stride``/``offset`` honoured). Polygons are triangulated as fans;
  ``<ph>`` holes are ignored. Texture coordinates come from the primitive's ``TEXCOORD`` input of
  the lowest ``set`` (or the ``<vertices>``' own), its first two values (s, t) per corner. Lines and
  normals are ignored.
* Materials: a primitive's ``material`` symbol is bound by the placing instance's
  ``<bind_material><instance_material symbol target>`` (else the symbol is taken as a ``<material>``
  id); the material's ``<instance_effect>`` gives the ``profile_COMMON`` technique's diffuse
  ``<color>`` (``emission`` for ``<constant>``) or ``<texture>``: the image's file name, and the
  file itself when it passes :func:`~humanoid_twin.meshes._texture.mesh_texture`'s rule.
  Every face gets an index into the mesh's palette (-1 when unbound or unresolvable).
* The scene (``<scene><instance_visual_scene>``, else the first ``<visual_scene>``): nodes are
  walked recursively, composing ``<matrix>``, ``<translate>``, ``<rotate>`` and ``<scale>`` in
  document order; ``<instance_geometry>``, ``<instance_node>`` and ``<instance_controller>`` (the
  skin's source geometry and bind-shape matrix) place geometry. A file without a scene contributes
  each geometry once, untransformed.
* ``<asset><unit meter>``: vertices are scaled to metres.
* ``<asset><up_axis>``: ignored by default, as RViz, MoveIt (geometric_shapes) and Gazebo ignore it,
  so meshes authored for ROS robots (iCub's are tagged ``Y_UP`` but drawn Z-up) load where their
  URDF expects them. ``apply_up_axis=True`` rotates ``Y_UP``/``X_UP`` content to Z up as the COLLADA
  specification intends.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
import numpy as np
from defusedxml import DefusedXmlException
from numpy.typing import NDArray

from ..errors import MeshError
from ..model._robot import Material
from ..model.transforms import FloatArray
from ._mesh import TriangleMesh
from ._texture import mesh_texture

__all__ = ["parse_dae"]

_log = logging.getLogger(__name__)

IntArray = NDArray[np.int64]

_PRIMITIVES = ("triangles", "polylist", "polygons", "trifans", "tristrips")
_SHADINGS = ("phong", "lambert", "blinn", "constant")
_MAX_DEPTH = 64

# ``file_T_zup`` rotations for the up-axis conversion (applied when apply_up_axis=True).
_UP_AXIS_ROTATION: dict[str, FloatArray] = {
    "Z_UP": np.eye(3),
    "Y_UP": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]),  # +90° about X: +Y → +Z
    "X_UP": np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),  # −90° about Y: +X → +Z
}


def parse_dae(data: bytes, file: Path, *, apply_up_axis: bool = False) -> TriangleMesh:
    """Parse COLLADA bytes into one triangle mesh in metres, all scene instances merged."""
    try:
        root = DefusedET.fromstring(data)
    except DefusedXmlException as err:
        raise MeshError(f"the COLLADA file uses a refused XML feature ({err}); remove it", file=file) from err
    except ParseError as err:
        raise MeshError(f"the COLLADA file is not well-formed XML: {err}", file=file) from err
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.rsplit("}", 1)[1]
    if root.tag != "COLLADA":
        raise MeshError(f"the root element is <{root.tag}>, not <COLLADA>", file=file)
    return _Reader(root, file).read(apply_up_axis=apply_up_axis)


@dataclass
class _Reader:
    root: Element
    file: Path
    ids: dict[str, Element] = field(default_factory=dict)
    geometry_cache: dict[str, _Geometry | None] = field(default_factory=dict)
    source_cache: dict[str, FloatArray] = field(default_factory=dict)
    """``<source>`` id and width → its values."""
    palette: dict[str, int] = field(default_factory=dict)
    """``<material>`` id → index into :attr:`materials` (-1: unresolvable)."""
    materials: list[Material] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ids = {el.get("id", ""): el for el in self.root.iter() if el.get("id")}

    def error(self, message: str, element: str | None = None) -> MeshError:
        return MeshError(message, file=self.file, element=element)

    # ----------------------------------------------------------------- top level

    def read(self, *, apply_up_axis: bool) -> TriangleMesh:
        unit, up_axis = self.asset()
        geometries = self.root.findall("library_geometries/geometry")
        if not geometries:
            raise self.error("the COLLADA file has no <geometry> in <library_geometries>")
        instances: list[tuple[FloatArray, Element, Element | None]] = []
        scene = self.scene()
        if scene is None:
            instances = [(np.eye(4), g, None) for g in geometries]
        else:
            for node in scene.findall("node"):
                self.walk(node, np.eye(4), instances, depth=0)
        parts_v: list[FloatArray] = []
        parts_f: list[IntArray] = []
        parts_m: list[NDArray[np.int32]] = []
        parts_uv: list[FloatArray | None] = []
        offset = 0
        for matrix, geometry, instance in instances:
            mesh = self.geometry(geometry)
            if mesh is None:
                continue
            v, f = mesh.positions, mesh.faces
            if mesh.symbols:
                bound = np.array([self.bound_material(sym, instance) for sym in mesh.symbols], np.int32)
                parts_m.append(bound[mesh.face_symbols])
            else:
                parts_m.append(np.full(len(f), -1, np.int32))
            v = v @ matrix[:3, :3].T + matrix[:3, 3]
            uv = mesh.uvs
            if np.linalg.det(matrix[:3, :3]) < 0:  # mirrored instance: keep outward winding
                f = f[:, ::-1]
                uv = None if uv is None else uv[:, ::-1]
            parts_uv.append(uv)
            parts_v.append(v)
            parts_f.append(f + offset)
            offset += len(v)
        if not parts_f or offset == 0 or sum(len(f) for f in parts_f) == 0:
            raise self.error("the COLLADA file has no triangle geometry in its scene")
        vertices = np.concatenate(parts_v) * unit
        if apply_up_axis:
            vertices = vertices @ _UP_AXIS_ROTATION[up_axis].T
        if not np.all(np.isfinite(vertices)):
            raise self.error("the COLLADA geometry has a non-finite (NaN or inf) coordinate", "float_array")
        faces = np.concatenate(parts_f).astype(np.int32)
        uvs = _joined_uvs(parts_uv, [len(f) for f in parts_f])
        if not self.materials:
            return TriangleMesh(vertices, faces, uvs=uvs)
        return TriangleMesh(vertices, faces, np.concatenate(parts_m), tuple(self.materials), uvs)

    def asset(self) -> tuple[float, str]:
        unit = 1.0
        unit_el = self.root.find("asset/unit")
        if unit_el is not None and unit_el.get("meter") is not None:
            text = unit_el.get("meter", "")
            try:
                unit = float(text)
            except ValueError:
                unit = math.nan
            if not (math.isfinite(unit) and unit > 0):
                raise self.error(f"unit meter={text!r} is not a positive number", "unit")
        up_el = self.root.find("asset/up_axis")
        up_axis = (up_el.text or "").strip() if up_el is not None else "Y_UP"
        if up_axis not in _UP_AXIS_ROTATION:
            raise self.error(f"up_axis {up_axis!r} is not one of 'X_UP', 'Y_UP', 'Z_UP'", "up_axis")
        return unit, up_axis

    def scene(self) -> Element | None:
        inst = self.root.find("scene/instance_visual_scene")
        if inst is not None:
            return self.lookup(inst.get("url", ""), "instance_visual_scene")
        return self.root.find("library_visual_scenes/visual_scene")

    def lookup(self, url: str, element: str) -> Element:
        if not url.startswith("#"):
            raise self.error(
                f"url {url!r} is not a local '#id' reference (external files are not supported)", element
            )
        target = self.ids.get(url[1:])
        if target is None:
            raise self.error(f"url {url!r} refers to no element of this file", element)
        return target

    # ----------------------------------------------------------------- scene graph

    def walk(
        self,
        node: Element,
        parent: FloatArray,
        out: list[tuple[FloatArray, Element, Element | None]],
        depth: int,
    ) -> None:
        if depth > _MAX_DEPTH:
            raise self.error(
                f"the node hierarchy is deeper than {_MAX_DEPTH} (a cycle of <instance_node>?)", "node"
            )
        world = parent @ self.node_transform(node)
        for child in node:
            if child.tag == "node":
                self.walk(child, world, out, depth + 1)
            elif child.tag == "instance_node":
                self.walk(self.lookup(child.get("url", ""), "instance_node"), world, out, depth + 1)
            elif child.tag == "instance_geometry":
                out.append((world, self.lookup(child.get("url", ""), "instance_geometry"), child))
            elif child.tag == "instance_controller":
                controller = self.lookup(child.get("url", ""), "instance_controller")
                skin = controller.find("skin")
                if skin is None:
                    _log.debug("%s: controller without <skin> ignored", self.file)
                    continue
                bind = skin.find("bind_shape_matrix")
                bind_m = self.floats(bind, 16).reshape(4, 4) if bind is not None else np.eye(4)
                out.append((world @ bind_m, self.lookup(skin.get("source", ""), "skin"), child))

    def node_transform(self, node: Element) -> FloatArray:
        m = np.eye(4)
        for child in node:
            tag = child.tag
            if tag == "matrix":
                m = m @ self.floats(child, 16).reshape(4, 4)
            elif tag == "translate":
                t = np.eye(4)
                t[:3, 3] = self.floats(child, 3)
                m = m @ t
            elif tag == "rotate":
                x, y, z, angle = self.floats(child, 4)
                m = m @ _rotation(np.array([x, y, z]), math.radians(angle), self)
            elif tag == "scale":
                m = m @ np.diag([*self.floats(child, 3), 1.0])
            elif tag in ("lookat", "skew"):
                _log.debug("%s: <%s> in a node is not supported and is ignored", self.file, tag)
        return m

    def floats(self, el: Element, count: int | None = None) -> FloatArray:
        text = el.text or ""
        try:
            values = np.array(text.split(), dtype=np.float64)
        except ValueError as err:
            raise self.error(f"{_clip(text)!r} is not a list of numbers", el.tag) from err
        if count is not None and values.size != count:
            raise self.error(f"expected {count} numbers, found {values.size}", el.tag)
        return values

    def ints(self, el: Element) -> IntArray:
        text = el.text or ""
        try:
            return np.array(text.split(), dtype=np.int64)
        except ValueError as err:
            raise self.error(f"{_clip(text)!r} is not a list of integers", el.tag) from err

    # ----------------------------------------------------------------- geometry

    def geometry(self, geometry: Element) -> _Geometry | None:
        key = geometry.get("id") or str(id(geometry))
        if key not in self.geometry_cache:
            self.geometry_cache[key] = self.read_geometry(geometry)
        return self.geometry_cache[key]

    def read_geometry(self, geometry: Element) -> _Geometry | None:
        mesh = geometry.find("mesh")
        if mesh is None:
            _log.debug("%s: geometry %r is not a <mesh> and is ignored", self.file, geometry.get("id"))
            return None
        parts: list[tuple[FloatArray, IntArray]] = []
        part_uvs: list[FloatArray | None] = []
        symbols: dict[str, int] = {}
        prim_symbols: list[int] = []
        for prim in mesh:
            if prim.tag in _PRIMITIVES:
                inputs = self.inputs(prim)
                positions = self.positions(inputs.vertices)
                rows, tri = self.corners(prim, inputs.stride)
                faces = self.indices(rows[:, inputs.vertex_offset], len(positions), "vertex", prim.tag)[tri]
                parts.append((positions, faces))
                part_uvs.append(self.texcoords(inputs, rows, tri, prim.tag))
                symbol = prim.get("material")
                prim_symbols.append(-1 if symbol is None else symbols.setdefault(symbol, len(symbols)))
        if not parts:
            return None
        uvs = _joined_uvs(part_uvs, [len(t) for _, t in parts])
        face_symbols = np.repeat(np.array(prim_symbols, np.int64), [len(t) for _, t in parts])
        names = tuple(symbols)
        if names and -1 in prim_symbols:  # faces without a symbol index a trailing "no material"
            face_symbols[face_symbols < 0] = len(names)
            names = (*names, "")
        first = parts[0][0]
        if all(p is first for p, _ in parts):
            return _Geometry(first, np.concatenate([t for _, t in parts]), face_symbols, names, uvs)
        # primitives on different position sources: stack the sources
        bases = np.cumsum([0] + [len(p) for p, _ in parts[:-1]])
        return _Geometry(
            np.concatenate([p for p, _ in parts]),
            np.concatenate([t + base for (_, t), base in zip(parts, bases, strict=True)]),
            face_symbols,
            names,
            uvs,
        )

    # ----------------------------------------------------------------- materials

    def bound_material(self, symbol: str, instance: Element | None) -> int:
        """Palette index of the material ``symbol`` is bound to by ``instance`` (-1: none)."""
        if not symbol:
            return -1
        target = "#" + symbol  # no binding: the symbol is taken as the material's id
        if instance is not None:
            for bind in instance.iterfind("bind_material/technique_common/instance_material"):
                if bind.get("symbol") == symbol:
                    target = bind.get("target", "")
                    break
        key = target[1:] if target.startswith("#") else target
        if key not in self.palette:
            material = self.ids.get(key) if target.startswith("#") else None
            if material is None or material.tag != "material":
                _log.debug(
                    "%s: material %r of symbol %r not found; faces left without", self.file, target, symbol
                )
                self.palette[key] = -1
            else:
                self.palette[key] = len(self.materials)
                self.materials.append(self.material(material))
        return self.palette[key]

    def material(self, material: Element) -> Material:
        name = material.get("name") or material.get("id") or ""
        inst = material.find("instance_effect")
        url = inst.get("url", "") if inst is not None else ""
        effect = self.ids.get(url[1:]) if url.startswith("#") else None  # colours are not worth failing on
        technique = effect.find("profile_COMMON/technique") if effect is not None else None
        shading = None
        if technique is not None:
            shading = next((c for c in technique if c.tag in _SHADINGS), None)
        if effect is None or shading is None:
            _log.debug("%s: material %r has no profile_COMMON effect; no colour", self.file, name)
            return Material(name)
        slot = shading.find("emission" if shading.tag == "constant" else "diffuse")
        if slot is None:
            return Material(name)
        color = slot.find("color")
        if color is not None:
            values = self.floats(color)
            if values.size not in (3, 4) or not np.all(np.isfinite(values)):
                raise self.error(
                    f"material {name!r}: colour {_clip(color.text or '')!r} is not 3 or 4 numbers", "color"
                )
            c = np.clip(values, 0.0, 1.0).tolist() + [1.0] * (4 - values.size)
            return Material(name, (c[0], c[1], c[2], c[3]))
        texture = slot.find("texture")
        if texture is not None:
            image = self.texture_file(effect, texture.get("texture", ""))
            return mesh_texture(Material(name, None, image), self.file)
        return Material(name)

    def texture_file(self, effect: Element, sampler: str) -> str | None:
        """The image file a ``<texture texture=sampler>`` reads: sampler → surface → image."""
        params = {p.get("sid", ""): p for p in effect.iter("newparam")}
        image_id = sampler
        param = params.get(sampler)
        if param is not None:
            source = param.findtext("sampler2D/source")
            surface = params.get((source or "").strip())
            init = surface.findtext("surface/init_from") if surface is not None else None
            image_id = (init or param.findtext("sampler2D/instance_image") or "").strip()
        image = self.ids.get(image_id)
        if image is None or image.tag != "image":
            return None
        ref = image.findtext("init_from/ref") or image.findtext("init_from")
        return ref.strip() if ref else None

    def inputs(self, prim: Element) -> _Inputs:
        """A primitive's ``VERTEX`` input and texture coordinates (lowest ``set``), their offsets in
        each corner's index tuple, and the tuple's length."""
        offsets: list[int] = []
        vertex: tuple[str, int] | None = None
        texcoord: tuple[int, str, int] | None = None  # (set, source, offset)
        for inp in prim.findall("input"):
            try:
                off = int(inp.get("offset", "0"))
                uv_set = int(inp.get("set", "0"))
            except ValueError as err:
                raise self.error(
                    f"input offset {inp.get('offset')!r} or set {inp.get('set')!r} is not an integer", "input"
                ) from err
            offsets.append(off)
            semantic = inp.get("semantic")
            if semantic == "VERTEX":
                vertex = (inp.get("source", ""), off)
            elif semantic == "TEXCOORD" and (texcoord is None or uv_set < texcoord[0]):
                texcoord = (uv_set, inp.get("source", ""), off)
        if vertex is None:
            raise self.error(f"<{prim.tag}> has no VERTEX input", prim.tag)
        if min(offsets) < 0:
            raise self.error(f"<{prim.tag}> has a negative input offset", "input")
        uv = None if texcoord is None else (texcoord[1], texcoord[2])
        return _Inputs(vertex[0], vertex[1], uv, max(offsets) + 1)

    def vertices(self, url: str) -> Element:
        """The ``<source>`` a ``VERTEX``/``POSITION``-style URL names, through ``<vertices>``."""
        target = self.lookup(url, "input")
        if target.tag == "vertices":
            pos = next((i for i in target.findall("input") if i.get("semantic") == "POSITION"), None)
            if pos is None:
                raise self.error(f"<vertices id={target.get('id')!r}> has no POSITION input", "vertices")
            target = self.lookup(pos.get("source", ""), "input")
        return target

    def positions(self, url: str) -> FloatArray:
        return self.source(self.vertices(url), 3, "POSITION")

    def source(self, target: Element, width: int, semantic: str) -> FloatArray:
        """The first ``width`` values of every element of a ``<source>``'s accessor, cached."""
        key = f"{target.get('id', '')}:{width}"
        if key in self.source_cache:
            return self.source_cache[key]
        if target.tag != "source":
            raise self.error(f"{semantic} refers to <{target.tag}>, not a <source>", "input")
        name = target.get("id", "")
        array = target.find("float_array")
        if array is None:
            raise self.error(f"source {name!r} has no <float_array>", "source")
        values = self.floats(array)
        accessor = target.find("technique_common/accessor")
        count, stride, start = values.size // width, width, 0
        if accessor is not None:
            try:
                count = int(accessor.get("count", count))
                stride = int(accessor.get("stride", "1"))
                start = int(accessor.get("offset", "0"))
            except ValueError as err:
                raise self.error("accessor count/stride/offset are not integers", "accessor") from err
        if stride < width or start < 0 or count < 0 or start + count * stride > values.size:
            raise self.error(
                f"accessor of source {name!r} (count {count}, stride {stride}, offset {start}) does not fit "
                f"its {values.size} numbers",
                "accessor",
            )
        out = values[start : start + count * stride].reshape(count, stride)[:, :width]
        self.source_cache[key] = out
        return out

    def texcoords(self, inputs: _Inputs, rows: IntArray, tri: IntArray, tag: str) -> FloatArray | None:
        """(s, t) of every triangle corner, shape (T, 3, 2), or None without texture coordinates or,
        with a warning, when they cannot be read: a mesh is not refused for its texture."""
        try:
            uv = self.read_texcoords(inputs, rows, tri, tag)
        except MeshError as err:
            why = err.reason
        else:
            if uv is None or np.all(np.isfinite(uv)):
                return uv
            why = "not finite"
        _log.warning("%s: texture coordinates ignored (%s); drawn without a texture", self.file, why)
        return None

    def read_texcoords(self, inputs: _Inputs, rows: IntArray, tri: IntArray, tag: str) -> FloatArray | None:
        if inputs.texcoord is not None:
            url, offset = inputs.texcoord
            values = self.source(self.lookup(url, "input"), 2, "TEXCOORD")
            return values[self.indices(rows[:, offset], len(values), "texture coordinate", tag)[tri]]
        vertices = self.lookup(inputs.vertices, "input")  # per-position coordinates in <vertices>
        inp = next((i for i in vertices.findall("input") if i.get("semantic") == "TEXCOORD"), None)
        if vertices.tag != "vertices" or inp is None:
            return None
        values = self.source(self.lookup(inp.get("source", ""), "input"), 2, "TEXCOORD")
        index = self.indices(rows[:, inputs.vertex_offset], len(values), "texture coordinate", tag)
        return values[index[tri]]

    def indices(self, idx: IntArray, count: int, what: str, tag: str) -> IntArray:
        """``idx`` after checking every entry indexes an array of ``count`` elements."""
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= count):
            worst = int(idx.max()) if int(idx.max()) >= count else int(idx.min())
            raise self.error(f"{what} index {worst} is out of range for {count} entries", tag)
        return idx

    def corners(self, prim: Element, stride: int) -> tuple[IntArray, IntArray]:
        """Every corner's index tuple (one row of ``stride`` indices per corner, in file order) and
        the primitive's triangles as row numbers: fans for polygons, alternating strips."""
        tag = prim.tag
        blocks: list[IntArray] = []

        def rows(p: Element) -> IntArray:
            raw = self.ints(p)
            if raw.size % stride:
                raise self.error(f"<p> has {raw.size} indices, not a multiple of the {stride} inputs", tag)
            block = raw.reshape(-1, stride)
            first = sum(len(b) for b in blocks)
            blocks.append(block)
            return np.arange(first, first + len(block), dtype=np.int64)

        def stacked() -> IntArray:
            return np.concatenate(blocks) if blocks else np.zeros((0, stride), dtype=np.int64)

        if tag in ("triangles", "polylist"):
            p = prim.find("p")
            ordinals = rows(p) if p is not None else np.zeros(0, dtype=np.int64)
            if tag == "triangles":
                if ordinals.size % 3:
                    raise self.error(f"<triangles> has {ordinals.size} corners, not a multiple of 3", tag)
                return stacked(), ordinals.reshape(-1, 3)
            vcount_el = prim.find("vcount")
            vcount = self.ints(vcount_el) if vcount_el is not None else np.zeros(0, dtype=np.int64)
            if int(vcount.sum()) != ordinals.size or (vcount.size and int(vcount.min()) < 0):
                raise self.error(
                    f"<vcount> sums to {int(vcount.sum())} corners but <p> has {ordinals.size}", "polylist"
                )
            return stacked(), _fans(ordinals, vcount)
        polygons: list[IntArray] = []
        for child in prim:
            if child.tag == "p":
                polygons.append(rows(child))
            elif child.tag == "ph":
                outer = child.find("p")
                if outer is not None:
                    polygons.append(rows(outer))
        if not polygons:
            return stacked(), np.zeros((0, 3), dtype=np.int64)
        if tag == "tristrips":
            return stacked(), np.concatenate([_strip(p) for p in polygons])
        sizes = np.array([len(p) for p in polygons], dtype=np.int64)
        return stacked(), _fans(np.concatenate(polygons), sizes)


@dataclass(frozen=True)
class _Inputs:
    """Where a primitive's corners find their position and texture coordinates."""

    vertices: str
    """The ``VERTEX`` input's source URL (``#<vertices>`` or ``#<source>``)."""
    vertex_offset: int
    texcoord: tuple[str, int] | None
    """The ``TEXCOORD`` input's source URL and offset, if the primitive has one."""
    stride: int
    """Indices per corner in ``<p>``."""


@dataclass(frozen=True)
class _Geometry:
    """One ``<geometry>``'s triangles and the material symbol of each."""

    positions: FloatArray
    faces: IntArray
    face_symbols: IntArray
    """Index into :attr:`symbols` per face."""
    symbols: tuple[str, ...]
    """The primitives' ``material`` symbols ('' for primitives without one); empty when none has."""
    uvs: FloatArray | None = None
    """(s, t) per triangle corner, shape (T, 3, 2); None when no primitive has texture coordinates."""


def _joined_uvs(parts: list[FloatArray | None], face_counts: list[int]) -> FloatArray | None:
    """Per-corner texture coordinates of consecutive face runs, (0, 0) for runs without; None when
    no run has any."""
    if all(uv is None for uv in parts):
        return None
    return np.concatenate(
        [np.zeros((n, 3, 2)) if uv is None else uv for uv, n in zip(parts, face_counts, strict=True)]
    )


def _fans(idx: IntArray, sizes: IntArray) -> IntArray:
    """Fan-triangulate consecutive polygons of ``sizes`` corners (polygons under 3 corners dropped)."""
    starts = np.cumsum(sizes) - sizes
    ntri = np.maximum(sizes - 2, 0)
    total = int(ntri.sum())
    if total == 0:
        return np.zeros((0, 3), dtype=np.int64)
    poly = np.repeat(np.arange(len(sizes)), ntri)
    k = np.arange(total) - np.repeat(np.cumsum(ntri) - ntri, ntri) + 1
    s = starts[poly]
    return np.stack([idx[s], idx[s + k], idx[s + k + 1]], axis=1)


def _strip(idx: IntArray) -> IntArray:
    """Triangles of a strip, alternating the winding so all face the same way."""
    n = len(idx) - 2
    if n <= 0:
        return np.zeros((0, 3), dtype=np.int64)
    i = np.arange(n)
    tri = np.stack([idx[i], idx[i + 1], idx[i + 2]], axis=1)
    tri[1::2] = tri[1::2][:, [1, 0, 2]]
    return tri


def _rotation(axis: FloatArray, angle: float, reader: _Reader) -> FloatArray:
    n = float(np.linalg.norm(axis))
    m = np.eye(4)
    if n < 1e-12:
        if angle != 0.0:
            raise reader.error(f"rotate has a zero axis {tuple(axis.tolist())!r}", "rotate")
        return m
    x, y, z = axis / n
    c, s = math.cos(angle), math.sin(angle)
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    m[:3, :3] = np.eye(3) + s * k + (1.0 - c) * (k @ k)
    return m


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
