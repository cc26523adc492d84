"""Wavefront OBJ reader: ``v`` and ``f`` records only.

Faces with more than three corners are triangulated as fans around their first corner. Indices are
1-based; negative indices count back from the last vertex defined before the face. Texture
coordinates, normals, groups, materials, lines and points are ignored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import MeshError
from ._mesh import TriangleMesh

__all__ = ["parse_obj"]


def parse_obj(data: bytes, file: Path) -> TriangleMesh:
    """Parse OBJ bytes into a triangle mesh [file units]."""
    text = data.decode("utf-8", errors="replace")
    vertex_rows: list[list[str]] = []
    corner_index: list[int] = []  # 0-based vertex index of every triangle corner
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("v ") or line.startswith("v\t"):
            parts = line.split()
            if len(parts) < 4:
                raise MeshError(
                    f"vertex record {line!r} has fewer than 3 coordinates", file=file, line=lineno
                )
            vertex_rows.append(parts[1:4])
        elif line.startswith("f ") or line.startswith("f\t"):
            refs = line.split()[1:]
            if len(refs) < 3:
                raise MeshError(f"face record {line!r} has fewer than 3 corners", file=file, line=lineno)
            count = len(vertex_rows)
            polygon: list[int] = []
            for ref in refs:
                head = ref.split("/", 1)[0]
                try:
                    k = int(head)
                except ValueError:
                    raise MeshError(
                        f"face corner {ref!r} is not a vertex index", file=file, line=lineno
                    ) from None
                index = k - 1 if k > 0 else count + k
                if k == 0 or not 0 <= index < count:
                    raise MeshError(
                        f"face corner {ref!r} refers to vertex {k}, but {count} vertices are defined "
                        "before this face",
                        file=file,
                        line=lineno,
                    )
                polygon.append(index)
            for i in range(1, len(polygon) - 1):
                corner_index.extend((polygon[0], polygon[i], polygon[i + 1]))
    if not vertex_rows:
        raise MeshError("the OBJ file has no 'v' vertex records", file=file)
    if not corner_index:
        raise MeshError("the OBJ file has no 'f' face records", file=file)
    try:
        vertices = np.array(vertex_rows, dtype=np.float64)
    except ValueError as err:
        for row in vertex_rows:
            try:
                [float(x) for x in row]
            except ValueError:
                raise MeshError(f"vertex coordinates {' '.join(row)!r} are not numbers", file=file) from err
        raise MeshError("vertex coordinates are not numbers", file=file) from err
    if not np.all(np.isfinite(vertices)):
        bad = int(np.argwhere(~np.isfinite(vertices))[0, 0])
        raise MeshError(
            f"vertex {bad + 1} has a non-finite coordinate {' '.join(vertex_rows[bad])!r}", file=file
        )
    faces = np.asarray(corner_index, dtype=np.int32).reshape(-1, 3)
    return TriangleMesh(vertices, faces)
