"""Wavefront OBJ reader: ``v`` and ``f`` records, and the ``mtllib``/``usemtl`` materials.

Faces with more than three corners are triangulated as fans around their first corner. Indices are
1-based; negative indices count back from the last vertex (or ``vt``) defined before the face.
Texture coordinates (``vt u v``, a face corner's ``v/vt``) are kept per corner; normals, groups,
lines and points are ignored.

Materials: ``usemtl NAME`` gives the faces after it the material ``NAME`` of the ``.mtl`` files named
by ``mtllib`` (relative to the OBJ file): its diffuse colour ``Kd``, opacity ``d`` and diffuse
texture ``map_Kd`` (the file name, and the file when it passes
:func:`~humanoid_twin.meshes._texture.mesh_texture`'s rule, relative to the ``.mtl``). ``Tr`` is
ignored: exporters disagree on its sense (MeshLab writes ``Tr 1`` on opaque materials, others mean
``1 - d``). A missing ``.mtl`` file or an unknown material name is logged as a warning and leaves
those faces without a material.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..errors import MeshError
from ..model._robot import Material
from ..model.transforms import FloatArray
from ._mesh import TriangleMesh
from ._texture import mesh_texture

__all__ = ["parse_obj"]

_log = logging.getLogger(__name__)


def parse_obj(data: bytes, file: Path) -> TriangleMesh:
    """Parse OBJ bytes into a triangle mesh [file units]."""
    text = data.decode("utf-8", errors="replace")
    vertex_rows: list[list[str]] = []
    uv_rows: list[list[str]] = []
    corner_index: list[int] = []  # 0-based vertex index of every triangle corner
    corner_uv: list[tuple[str, int]] = []  # every triangle corner's vt reference ('' without) and
    # the vt count when its face was read (a negative reference counts back from there)
    libraries: list[tuple[str, int]] = []  # mtllib file names and their line
    runs: list[tuple[int, str, int]] = []  # (first triangle, usemtl name, line) in file order
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("v ") or line.startswith("v\t"):
            parts = line.split()
            if len(parts) < 4:
                raise MeshError(
                    f"vertex record {line!r} has fewer than 3 coordinates", file=file, line=lineno
                )
            vertex_rows.append(parts[1:4])
        elif line.startswith("vt ") or line.startswith("vt\t"):
            parts = line.split()  # "vt u [v [w]]"; one without u is not finite (coordinates ignored)
            uv_rows.append([*parts[1:3], "0"][:2] if len(parts) > 1 else ["nan", "nan"])
        elif line.startswith("f ") or line.startswith("f\t"):
            refs = line.split()[1:]
            if len(refs) < 3:
                raise MeshError(f"face record {line!r} has fewer than 3 corners", file=file, line=lineno)
            polygon: list[int] = []
            polygon_uv: list[tuple[str, int]] = []
            for ref in refs:
                fields = ref.split("/")
                polygon.append(_vertex(fields[0], len(vertex_rows), ref, file, lineno))
                polygon_uv.append((fields[1] if len(fields) > 1 else "", len(uv_rows)))
            for i in range(1, len(polygon) - 1):
                corner_index.extend((polygon[0], polygon[i], polygon[i + 1]))
                corner_uv.extend((polygon_uv[0], polygon_uv[i], polygon_uv[i + 1]))
        elif line.startswith("usemtl"):
            runs.append((len(corner_index) // 3, line[6:].strip(), lineno))
        elif line.startswith("mtllib"):
            libraries.extend((name, lineno) for name in line[6:].split())
    if not vertex_rows:
        raise MeshError("the OBJ file has no 'v' vertex records", file=file)
    if not corner_index:
        raise MeshError("the OBJ file has no 'f' face records", file=file)
    try:
        vertices = np.array(vertex_rows, dtype=np.float64)
    except ValueError as err:
        row = next(r for r in vertex_rows if not all(_is_number(x) for x in r))
        raise MeshError(f"vertex coordinates {' '.join(row)!r} are not numbers", file=file) from err
    if not np.all(np.isfinite(vertices)):
        bad = int(np.argwhere(~np.isfinite(vertices))[0, 0])
        raise MeshError(
            f"vertex {bad + 1} has a non-finite coordinate {' '.join(vertex_rows[bad])!r}", file=file
        )
    faces = np.asarray(corner_index, dtype=np.int32).reshape(-1, 3)
    uvs = _corner_uvs(uv_rows, corner_uv, file)
    if not runs:
        return TriangleMesh(vertices, faces, uvs=uvs)
    face_materials, materials = _face_materials(runs, len(faces), _read_libraries(libraries, file), file)
    return TriangleMesh(vertices, faces, face_materials, materials, uvs)


def _vertex(text: str, count: int, ref: str, file: Path, lineno: int) -> int:
    """A face corner's 0-based vertex index from its 1-based (or negative) reference."""
    try:
        k = int(text)
    except ValueError:
        raise MeshError(f"face corner {ref!r} is not a vertex index", file=file, line=lineno) from None
    index = k - 1 if k > 0 else count + k
    if k == 0 or not 0 <= index < count:
        raise MeshError(
            f"face corner {ref!r} refers to vertex {k}, but {count} vertices are defined before this face",
            file=file,
            line=lineno,
        )
    return index


def _corner_uvs(rows: list[list[str]], corners: list[tuple[str, int]], file: Path) -> FloatArray | None:
    """(u, v) of every triangle corner, shape (M, 3, 2); (0, 0) for corners without; None when no
    corner has one, or, with a warning, when they cannot be read: a mesh is not refused for its
    texture coordinates (a reference may also name a ``vt`` defined after its face)."""
    if all(not text for text, _ in corners):
        return None
    try:
        table = np.array(rows, dtype=np.float64).reshape(-1, 2)
        if not np.all(np.isfinite(table)):
            raise ValueError("a 'vt' record is not finite")
        texts = np.array([text for text, _ in corners])
        has = texts != ""
        k = texts[has].astype(np.int64)
        counts = np.array([count for _, count in corners], dtype=np.int64)[has]
        index = np.where(k > 0, k - 1, counts + k)
        bad = (k == 0) | (index < 0) | (index >= len(table))
        if bad.any():
            raise ValueError(f"a face corner names vt {int(k[bad][0])}, but there are {len(table)}")
    except ValueError as err:  # also numpy's "could not convert string to float: 'a'"
        _log.warning("%s: texture coordinates ignored (%s); the mesh is drawn without a texture", file, err)
        return None
    full = np.full(len(corners), len(table), dtype=np.int64)  # row len(table): (0, 0)
    full[has] = index
    return np.vstack([table, np.zeros((1, 2))])[full].reshape(-1, 3, 2)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _face_materials(
    runs: list[tuple[int, str, int]], face_count: int, library: dict[str, Material], file: Path
) -> tuple[NDArray[np.int32], tuple[Material, ...]]:
    """Per-face palette indices from the ``usemtl`` runs; the palette holds the materials used."""
    palette: dict[str, int] = {}
    index = np.full(face_count, -1, dtype=np.int32)
    for k, (first, name, lineno) in enumerate(runs):
        end = runs[k + 1][0] if k + 1 < len(runs) else face_count
        if end <= first:
            continue
        if name not in library:
            _log.warning(
                "%s:%d: usemtl %r names no material of its mtllib files; faces left grey", file, lineno, name
            )
            continue
        index[first:end] = palette.setdefault(name, len(palette))
    if not palette:
        return index, ()
    by_index = {i: library[name] for name, i in palette.items()}
    return index, tuple(by_index[i] for i in range(len(palette)))


_MAX_MTL_BYTES = 16 * 2**20
"""A material library is a few kB of text; a larger file is not one."""


def _read_libraries(libraries: list[tuple[str, int]], file: Path) -> dict[str, Material]:
    materials: dict[str, Material] = {}
    folder = file.parent.resolve()
    for name, lineno in libraries:
        mtl = (file.parent / name).resolve()
        why = None
        if not mtl.is_relative_to(folder):
            why = "it lies outside the OBJ file's folder"  # never read what a mesh file points at elsewhere
        elif mtl.is_file() and mtl.stat().st_size > _MAX_MTL_BYTES:
            why = f"it is larger than {_MAX_MTL_BYTES // 2**20} MiB"
        elif mtl.exists() and not mtl.is_file():
            why = "it is not a regular file"
        if why is not None:
            _log.warning(
                "%s:%d: material library %r is not read (%s); its materials are left grey",
                file,
                lineno,
                name,
                why,
            )
            continue
        try:
            text = mtl.read_bytes().decode("utf-8", errors="replace")
        except OSError as err:
            _log.warning(
                "%s:%d: material library %r cannot be read (%s); its materials are left grey",
                file,
                lineno,
                name,
                err.strerror or err,
            )
            continue
        for mat in _parse_mtl(text, mtl):
            materials.setdefault(mat.name, mesh_texture(mat, file, relative_to=mtl.parent))
    return materials


def _parse_mtl(text: str, file: Path) -> list[Material]:
    """The materials of an ``.mtl`` file: ``newmtl``, ``Kd``, ``d`` and ``map_Kd``."""
    out: list[Material] = []
    name: str | None = None
    kd: tuple[float, float, float] | None = None
    alpha = 1.0
    texture: str | None = None

    def close() -> None:
        if name is not None:
            out.append(Material(name, (*kd, alpha) if kd is not None else None, texture))

    for lineno, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        key = parts[0]
        if key == "newmtl":
            close()
            name, kd, alpha, texture = " ".join(parts[1:]), None, 1.0, None
        elif key in ("Kd", "d"):
            count = 3 if key == "Kd" else 1
            try:
                values = [float(x) for x in parts[1 : 1 + count]]
            except ValueError:
                values = []
            if len(values) != count or not all(math.isfinite(x) for x in values):
                raise MeshError(
                    f"{key} record {raw.strip()!r} does not hold {count} numbers", file=file, line=lineno
                )
            clipped = [min(max(x, 0.0), 1.0) for x in values]
            if key == "Kd":
                kd = (clipped[0], clipped[1], clipped[2])
            else:
                alpha = clipped[0]
        elif key == "map_Kd" and len(parts) > 1:
            rest = raw.split(None, 1)[1].strip()  # a file name may hold spaces; options start with '-'
            texture = parts[-1] if rest.startswith("-") else rest
    close()
    return out
