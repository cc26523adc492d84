"""The triangle mesh value every mesh reader returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..model._robot import Material
from ..model.transforms import FloatArray

__all__ = ["TriangleMesh"]

IntArray = NDArray[np.int32]


def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class TriangleMesh:
    """An indexed triangle mesh in the file's own frame, in metres.

    The arrays are read-only, so a mesh can be shared (the loader caches them). Construction
    validates shapes, dtypes, finiteness and index range; it raises ``ValueError`` on violation
    (readers translate that into :class:`~humanoid_twin.errors.MeshError` with the file name).
    """

    vertices: FloatArray
    """Vertex positions, shape (N, 3), float64 [m]."""
    faces: IntArray
    """Triangles as vertex indices, shape (M, 3), int32, counter-clockwise seen from outside."""
    face_materials: IntArray | None = None
    """Per-face index into :attr:`materials`, shape (M,), int32; -1 for a face the file gives no
    material. None when the file has no materials (then :attr:`materials` is empty)."""
    materials: tuple[Material, ...] = ()
    """The file's own materials (COLLADA ``<material>``, OBJ ``.mtl``) the faces use: the palette
    :attr:`face_materials` indexes. A URDF ``<material>`` on the visual takes precedence."""
    uvs: FloatArray | None = None
    """Texture coordinates of every face corner, shape (M, 3, 2), float64: (u, v) with v up, as OBJ,
    COLLADA and USD's ``st`` have them. None when the file has none (faces of a file that gives
    some but not all get (0, 0))."""

    def __post_init__(self) -> None:
        v = np.array(self.vertices, dtype=np.float64, copy=True)
        if v.size == 0:
            v = v.reshape(0, 3)
        if v.ndim != 2 or v.shape[1] != 3:
            raise ValueError(f"vertices must have shape (N, 3), got {v.shape!r}")
        f = np.array(self.faces, dtype=np.int64, copy=True)
        if f.size == 0:
            f = f.reshape(0, 3)
        if f.ndim != 2 or f.shape[1] != 3:
            raise ValueError(f"faces must have shape (M, 3), got {f.shape!r}")
        if not np.all(np.isfinite(v)):
            bad = int(np.argwhere(~np.isfinite(v))[0, 0])
            raise ValueError(f"vertex {bad} has a non-finite coordinate {tuple(v[bad].tolist())!r}")
        if f.size and (int(f.min()) < 0 or int(f.max()) >= len(v)):
            raise ValueError(
                f"face indices span [{int(f.min())}, {int(f.max())}] but there are {len(v)} vertices"
            )
        object.__setattr__(self, "vertices", _frozen(v))
        object.__setattr__(self, "faces", _frozen(f.astype(np.int32)))
        object.__setattr__(self, "materials", tuple(self.materials))
        if self.uvs is not None:
            uv = np.array(self.uvs, dtype=np.float64, copy=True)
            if uv.shape != (len(f), 3, 2):
                raise ValueError(f"uvs must have shape ({len(f)}, 3, 2), got {uv.shape!r}")
            if not np.all(np.isfinite(uv)):
                bad = int(np.argwhere(~np.isfinite(uv))[0, 0])
                raise ValueError(f"face {bad} has a non-finite texture coordinate")
            object.__setattr__(self, "uvs", _frozen(uv))
        if self.face_materials is None:
            if self.materials:
                raise ValueError(f"{len(self.materials)} materials given without face_materials")
            return
        fm = np.array(self.face_materials, dtype=np.int64, copy=True).reshape(-1)
        if fm.shape != (len(f),):
            raise ValueError(f"face_materials has {fm.size} entries for {len(f)} faces")
        if fm.size and (int(fm.min()) < -1 or int(fm.max()) >= len(self.materials)):
            raise ValueError(
                f"face material indices span [{int(fm.min())}, {int(fm.max())}] but there are "
                f"{len(self.materials)} materials"
            )
        object.__setattr__(self, "face_materials", _frozen(fm.astype(np.int32)))

    # ------------------------------------------------------------- summaries

    @property
    def vertex_count(self) -> int:
        return int(self.vertices.shape[0])

    @property
    def face_count(self) -> int:
        return int(self.faces.shape[0])

    @property
    def bounds(self) -> FloatArray:
        """Axis-aligned bounds ``[[xmin, ymin, zmin], [xmax, ymax, zmax]]`` [m]."""
        if self.vertex_count == 0:
            return np.zeros((2, 3))
        return np.stack([self.vertices.min(axis=0), self.vertices.max(axis=0)])

    def face_normals(self) -> FloatArray:
        """Unit normal of every face (right-hand rule), shape (M, 3); zero for degenerate faces."""
        tri = self.vertices[self.faces]
        n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        length = np.linalg.norm(n, axis=1, keepdims=True)
        out: FloatArray = np.divide(n, length, out=np.zeros_like(n), where=length > 0)
        return out

    def vertex_normals(self) -> FloatArray:
        """Area-weighted unit normal at every vertex, shape (N, 3); zero for unused vertices."""
        tri = self.vertices[self.faces]
        n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])  # length = 2 × area
        acc = np.zeros_like(self.vertices)
        for k in range(3):
            np.add.at(acc, self.faces[:, k], n)
        length = np.linalg.norm(acc, axis=1, keepdims=True)
        out: FloatArray = np.divide(acc, length, out=np.zeros_like(acc), where=length > 0)
        return out

    def face_areas(self) -> FloatArray:
        """Area of every face, shape (M,) [m²]."""
        tri = self.vertices[self.faces]
        out: FloatArray = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
        return out

    def dominant_material(self) -> Material | None:
        """The file material covering the largest surface area (faces without one do not count);
        None when no face has a material. Ties go to the first material of the palette."""
        if self.face_materials is None:
            return None
        used = self.face_materials >= 0
        if not used.any():
            return None
        area = np.bincount(self.face_materials[used], self.face_areas()[used], minlength=len(self.materials))
        return self.materials[int(np.argmax(area))]

    def area(self) -> float:
        """Total surface area [m²]."""
        return float(self.face_areas().sum())

    def volume(self) -> float:
        """Signed enclosed volume [m³] (divergence theorem); meaningful for closed meshes only."""
        tri = self.vertices[self.faces]
        return float(np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0)

    # ------------------------------------------------------------- new meshes

    def scaled(self, scale: tuple[float, float, float] | float) -> TriangleMesh:
        """A copy with vertices scaled per axis; a negative determinant flips the winding."""
        s = np.broadcast_to(np.asarray(scale, dtype=np.float64), (3,))
        return self._with(self.vertices * s, self.faces, flip=bool(np.prod(s) < 0))

    def transformed(self, matrix: FloatArray) -> TriangleMesh:
        """A copy with the 4×4 homogeneous ``matrix`` applied to the vertices."""
        m = np.asarray(matrix, dtype=np.float64)
        v = self.vertices @ m[:3, :3].T + m[:3, 3]
        return self._with(v, self.faces, flip=bool(np.linalg.det(m[:3, :3]) < 0))

    def compacted(self) -> TriangleMesh:
        """This mesh without the vertices no face uses (order kept); itself when every vertex is used."""
        used = np.zeros(len(self.vertices), dtype=bool)
        used[self.faces.ravel()] = True
        if used.all():
            return self
        new_index = np.cumsum(used) - 1
        return self._with(self.vertices[used], new_index[self.faces])

    def _with(self, vertices: FloatArray, faces: IntArray, *, flip: bool = False) -> TriangleMesh:
        """A mesh with new vertices and faces (same faces in the same order) keeping the per-face
        data; ``flip`` reverses every face's winding, its texture coordinates with it."""
        uvs = self.uvs
        if flip:
            faces = faces[:, ::-1]
            uvs = None if uvs is None else uvs[:, ::-1]
        return TriangleMesh(vertices, faces, self.face_materials, self.materials, uvs)

    def __repr__(self) -> str:
        return (
            f"TriangleMesh(vertices={self.vertex_count}, faces={self.face_count}, "
            f"materials={len(self.materials)})"
        )
