"""``load_mesh``: dispatch on the file extension, with a cache keyed on the file's identity."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from ..errors import MeshError
from ..model._robot import Mesh
from ._dae import parse_dae
from ._mesh import TriangleMesh
from ._obj import parse_obj
from ._stl import parse_stl

__all__ = ["SUPPORTED_EXTENSIONS", "clear_mesh_cache", "load_mesh", "mesh_cache_info", "mesh_triangles"]

SUPPORTED_EXTENSIONS: tuple[str, ...] = (".stl", ".obj", ".dae")
"""File extensions :func:`load_mesh` reads (case-insensitive)."""

_CACHE_SIZE = 512
_CacheKey = tuple[str, int, int, bool]
_cache: OrderedDict[_CacheKey, TriangleMesh] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def load_mesh(path: str | Path, *, apply_up_axis: bool = False) -> TriangleMesh:
    """Read a triangle mesh from an STL (binary or ASCII), OBJ or COLLADA file.

    Vertices are in the file's frame; COLLADA files are converted to metres with their
    ``<unit meter>``, STL and OBJ have no unit and are returned as stored (URDF ``scale`` applies
    on top). STL corners are merged into shared vertices. Vertices no triangle uses are dropped:
    exporters leave them (COLLADA geometries that share one position array, stray OBJ ``v``
    lines), and bounds, USD extents and MuJoCo's collision hulls would count them. Results are
    cached by (resolved path, modification time, size), so a mesh referenced by many links is read
    once; the returned mesh is immutable and may be shared. COLLADA and OBJ files also give their own
    materials, per face (:attr:`TriangleMesh.face_materials` into :attr:`TriangleMesh.materials`);
    an OBJ's ``.mtl`` files are read with it (the cache key is the OBJ's alone).

    Args:
        path: the mesh file.
        apply_up_axis: COLLADA only: rotate ``Y_UP``/``X_UP`` files to Z up. Default False, as
            RViz, MoveIt and Gazebo ignore ``<up_axis>``, which ROS robot meshes rely on.

    Raises:
        MeshError: the file is missing, has an unsupported extension, or is empty or malformed.
    """
    file = Path(path).expanduser()
    try:
        resolved = file.resolve(strict=True)
        stat = resolved.stat()
    except FileNotFoundError:
        raise MeshError(
            "mesh file not found; check the path or the package:// search roots", file=file
        ) from None
    except OSError as err:
        raise MeshError(f"cannot access the mesh file: {err.strerror or err}", file=file) from err
    if not resolved.is_file():
        raise MeshError("the mesh path is not a regular file", file=file)
    suffix = resolved.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise MeshError(
            f"unsupported mesh format {resolved.suffix or '(no extension)'!r}; supported: "
            f"{', '.join(SUPPORTED_EXTENSIONS)}",
            file=file,
        )
    key: _CacheKey = (str(resolved), stat.st_mtime_ns, stat.st_size, apply_up_axis and suffix == ".dae")
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            _stats["hits"] += 1
            return cached
    try:
        data = resolved.read_bytes()
    except OSError as err:
        raise MeshError(f"cannot read the mesh file: {err.strerror or err}", file=file) from err
    try:
        if suffix == ".stl":
            mesh = parse_stl(data, file)
        elif suffix == ".obj":
            mesh = parse_obj(data, file)
        else:
            mesh = parse_dae(data, file, apply_up_axis=apply_up_axis)
        mesh = mesh.compacted()
    except ValueError as err:  # TriangleMesh invariants
        raise MeshError(f"malformed mesh: {err}", file=file) from err
    with _lock:
        _stats["misses"] += 1
        _cache[key] = mesh
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return mesh


def mesh_triangles(geometry: Mesh) -> TriangleMesh:
    """A model mesh's triangles: those it holds (a robot read from a USD holds them), else its
    file's, through :func:`load_mesh`.

    Raises:
        MeshError: it holds none and has no file, or the file cannot be read.
    """
    if geometry.data is not None:
        return geometry.data
    if geometry.path is None:
        raise MeshError(f"mesh {geometry.uri!r} has no local file and no triangles; resolve its package path")
    return load_mesh(geometry.path)


def clear_mesh_cache() -> None:
    """Forget every cached mesh (files changed in place keep a new mtime, so this is rarely needed)."""
    with _lock:
        _cache.clear()
        _stats["hits"] = _stats["misses"] = 0


def mesh_cache_info() -> dict[str, int]:
    """Cache statistics: ``hits``, ``misses`` and current ``size``."""
    with _lock:
        return {"hits": _stats["hits"], "misses": _stats["misses"], "size": len(_cache)}
