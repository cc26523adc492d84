"""Which texture image files may be used: the rule shared by URDF ``<texture>`` and mesh files' own
materials (COLLADA ``<image>``, OBJ ``map_Kd``).

A texture is copied into the USD asset it is used by, so it is read like any input file: a regular
file of an image format USD's renderers read, of bounded size. A mesh file's own texture must also
lie in that mesh file's folder (or below): a mesh is data from elsewhere, and what it names outside
its folder is never read, as for an OBJ's ``.mtl``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..model._robot import Material

__all__ = ["MAX_TEXTURE_BYTES", "TEXTURE_SUFFIXES", "mesh_texture", "texture_problem"]

_log = logging.getLogger(__name__)

TEXTURE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".tga", ".tif", ".tiff", ".exr", ".hdr")
"""Image formats a texture may have (what OpenUSD's Hio image plugins and Omniverse RTX read)."""

MAX_TEXTURE_BYTES = 64 * 2**20
"""[bytes] a robot part's texture is a few MB; a larger file is refused (it is copied into the asset)."""


def texture_problem(path: Path) -> str | None:
    """Why the image file ``path`` cannot be a texture (None: it can)."""
    if path.suffix.lower() not in TEXTURE_SUFFIXES:
        formats = ", ".join(TEXTURE_SUFFIXES)
        return f"{path.suffix or '(no extension)'!r} is not an image format USD reads ({formats})"
    try:
        if not path.exists():
            return "it does not exist"
        if not path.is_file():
            return "it is not a regular file"
        if path.stat().st_size > MAX_TEXTURE_BYTES:
            return f"it is larger than {MAX_TEXTURE_BYTES // 2**20} MiB"
    except OSError as err:
        return f"it cannot be read ({err.strerror or err})"
    return None


def mesh_texture(material: Material, mesh_file: Path, *, relative_to: Path | None = None) -> Material:
    """``material`` with :attr:`~Material.texture_file` set when its texture (a name relative to
    ``relative_to``, default the mesh file's folder, or a ``file:`` URI) is a usable image inside the
    mesh file's folder; otherwise unchanged, with a warning saying why."""
    name = material.texture
    if name is None:
        return material
    parts = urlsplit(name)
    candidate: Path | None = None
    if parts.scheme and parts.scheme != "file" and len(parts.scheme) > 1:  # "C:" is a drive letter
        why: str | None = f"its URI scheme {parts.scheme!r} is not a local file"
    else:
        base = relative_to or mesh_file.parent
        if parts.scheme == "file":
            candidate = (base / unquote(parts.path)).resolve()
        else:  # a plain path, or a percent-encoded URI reference (COLLADA's <init_from>)
            candidate = (base / name).resolve()
            if not candidate.exists():
                candidate = (base / unquote(name)).resolve()
        if not candidate.is_relative_to(mesh_file.parent.resolve()):
            why = "it lies outside the mesh file's folder"
        else:
            why = texture_problem(candidate)
    if why is not None or candidate is None:
        _log.warning(
            "%s: texture %r of material %r is not used (%s); the material keeps its name only",
            mesh_file,
            name,
            material.name,
            why,
        )
        return material
    return Material(material.name, material.rgba, material.texture, candidate)
