"""STL reader (binary and ASCII), vectorised with numpy.

STL stores every triangle with its own three corners, so shared corners repeat; the reader merges
bit-identical corners into one vertex (``np.unique`` on rows) and drops triangles that collapse to
a line or a point after merging.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ..errors import MeshError
from ..model.transforms import FloatArray
from ._mesh import TriangleMesh

__all__ = ["parse_stl", "write_binary_stl"]

_HEADER = 80
_BINARY_TRIANGLE = np.dtype(
    [("normal", "<f4", (3,)), ("corners", "<f4", (3, 3)), ("attribute", "<u2")]
)  # 50 bytes, little-endian, packed

_ASCII_VERTEX = re.compile(rb"vertex\s+(\S+)\s+(\S+)\s+(\S+)")
_ASCII_FACET = re.compile(rb"\bfacet\b")


def parse_stl(data: bytes, file: Path) -> TriangleMesh:
    """Parse STL bytes (binary or ASCII) into a merged triangle mesh [file units]."""
    if not data.strip():
        raise MeshError("the STL file is empty", file=file)
    size = len(data)
    declared = int(np.frombuffer(data, "<u4", count=1, offset=_HEADER)[0]) if size >= _HEADER + 4 else -1
    if declared >= 0 and size == _HEADER + 4 + _BINARY_TRIANGLE.itemsize * declared:
        corners = _binary_corners(data, declared, file)
    elif data.lstrip()[:5].lower() == b"solid":
        corners = _ascii_corners(data, file)
    elif declared < 0:
        raise MeshError(f"the STL file is {size} bytes, shorter than the 84-byte binary header", file=file)
    else:
        expected = _HEADER + 4 + _BINARY_TRIANGLE.itemsize * declared
        raise MeshError(
            f"binary STL declares {declared} triangles ({expected} bytes) but the file has {size} bytes; "
            "it is truncated or corrupt: re-export it",
            file=file,
        )
    return _merge(corners, file)


def _binary_corners(data: bytes, count: int, file: Path) -> FloatArray:
    if count == 0:
        raise MeshError("the binary STL file declares 0 triangles", file=file)
    records = np.frombuffer(data, _BINARY_TRIANGLE, count=count, offset=_HEADER + 4)
    return records["corners"].astype(np.float64).reshape(-1, 3)


def _ascii_corners(data: bytes, file: Path) -> FloatArray:
    found = _ASCII_VERTEX.findall(data)
    facets = len(_ASCII_FACET.findall(data))
    if not found:
        raise MeshError(
            "the file starts with 'solid' but has no ASCII 'vertex' lines; "
            "if it is a binary STL, it is truncated",
            file=file,
        )
    if len(found) != 3 * facets:
        raise MeshError(
            f"the ASCII STL file has {facets} facets but {len(found)} vertices (expected {3 * facets}); "
            "it is truncated or malformed",
            file=file,
        )
    try:
        return np.array(found, dtype=np.bytes_).astype(np.float64)
    except ValueError as err:
        bad = next(row for row in found if not _all_floats(row))
        text = b" ".join(bad).decode("ascii", "replace")
        raise MeshError(
            f"the ASCII STL file has a vertex with a non-numeric coordinate {text!r}", file=file
        ) from err


def _all_floats(row: tuple[bytes, ...]) -> bool:
    try:
        for value in row:
            float(value)
    except ValueError:
        return False
    return True


def _merge(corners: FloatArray, file: Path) -> TriangleMesh:
    if not np.all(np.isfinite(corners)):
        bad = int(np.argwhere(~np.isfinite(corners))[0, 0]) // 3
        raise MeshError(f"triangle {bad} has a non-finite (NaN or inf) coordinate", file=file)
    corners = corners + 0.0  # -0.0 → +0.0 so both spellings of zero merge
    # Same result as np.unique(corners, axis=0, return_inverse=True), ~4× faster: one lexsort over
    # the three columns instead of a sort of row views (the hot spot of importing iCub).
    order = np.lexsort((corners[:, 2], corners[:, 1], corners[:, 0]))
    ordered = corners[order]
    new = np.empty(len(ordered), dtype=bool)
    new[:1] = True
    np.any(ordered[1:] != ordered[:-1], axis=1, out=new[1:])
    inverse = np.empty(len(corners), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    vertices = ordered[new]
    faces = inverse.reshape(-1, 3)
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    faces = faces[keep]
    if len(faces) == 0:
        raise MeshError("every triangle of the STL file is degenerate (repeated corners)", file=file)
    used = np.zeros(len(vertices), dtype=bool)
    used[faces.ravel()] = True
    if not used.all():  # corners only degenerate triangles used
        remap = np.cumsum(used) - 1
        vertices, faces = vertices[used], remap[faces]
    return TriangleMesh(vertices, faces.astype(np.int32))


def write_binary_stl(path: str | Path, vertices: ArrayLike, faces: ArrayLike, header: bytes = b"") -> None:
    """Write a binary STL file (little-endian, float32, facet normals from the right-hand rule).

    The output depends only on the inputs (the header is padded with zeros), so writing the same
    mesh twice gives byte-identical files.

    Args:
        path: output file.
        vertices: (N, 3) positions [m].
        faces: (M, 3) vertex indices, counter-clockwise seen from outside.
        header: up to 80 bytes of text; must not start with ``solid`` (that marks ASCII STL).
    """
    if header[:5].lower() == b"solid":
        raise ValueError("a binary STL header must not start with 'solid'")
    if len(header) > _HEADER:
        raise ValueError(f"the STL header is {len(header)} bytes; at most {_HEADER} fit")
    v = np.asarray(vertices, dtype=np.float64)
    f = np.asarray(faces, dtype=np.int64)
    tri = v[f]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.divide(n, length, out=np.zeros_like(n), where=length > 0)
    records = np.zeros(len(f), dtype=_BINARY_TRIANGLE)
    records["normal"] = n
    records["corners"] = tri
    with open(path, "wb") as out:
        out.write(header.ljust(_HEADER, b"\0"))
        out.write(np.array([len(f)], dtype="<u4").tobytes())
        out.write(records.tobytes())
