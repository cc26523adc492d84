"""Mesh loading: STL, OBJ and COLLADA files into immutable :class:`TriangleMesh` values, with the
files' own materials per face (COLLADA effects, OBJ ``.mtl``).

Pure numpy; no runtime (pxr, mujoco) is imported here.
"""

from ._loader import SUPPORTED_EXTENSIONS, clear_mesh_cache, load_mesh, mesh_cache_info, mesh_triangles
from ._mesh import TriangleMesh
from ._stl import write_binary_stl
from ._texture import MAX_TEXTURE_BYTES, TEXTURE_SUFFIXES, local_texture, read_texture, texture_problem

__all__ = [
    "MAX_TEXTURE_BYTES",
    "SUPPORTED_EXTENSIONS",
    "TEXTURE_SUFFIXES",
    "TriangleMesh",
    "clear_mesh_cache",
    "load_mesh",
    "local_texture",
    "mesh_cache_info",
    "mesh_triangles",
    "read_texture",
    "texture_problem",
    "write_binary_stl",
]
