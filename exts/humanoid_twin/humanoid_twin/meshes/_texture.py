"""Which texture image files may be used: the rule shared by URDF ``<texture>``, mesh files' own
materials (COLLADA ``<image>``, OBJ ``map_Kd``) and USD ``UsdUVTexture`` files.

A texture is copied into the USD asset it is used by, so it is read like any input file: a regular
file of an image format USD's renderers read, of bounded size. A texture that a data file names (a
mesh file, a USD) must also lie inside that file's package: the nearest folder above it holding a
ROS ``package.xml`` or a Gazebo ``model.config`` (``meshes/x.dae`` may use
``../materials/textures/x.png``), else the file's own folder (or below). What a file names outside
is never read, so an asset built from downloaded files cannot carry ``/etc/passwd`` or someone's
photos away, as for an OBJ's ``.mtl``.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..model._robot import Material

__all__ = [
    "MAX_TEXTURE_BYTES",
    "TEXTURE_SUFFIXES",
    "local_texture",
    "mesh_texture",
    "package_folder",
    "read_texture",
    "texture_problem",
]

_log = logging.getLogger(__name__)

TEXTURE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".tga", ".exr", ".hdr")
"""Image formats a texture may have (what OpenUSD's own Hio image plugins and Omniverse RTX read)."""

MAX_TEXTURE_BYTES = 64 * 2**20
"""[bytes] a robot part's texture is a few MB; a larger file is refused (it is copied into the asset)."""

_PACKAGE_MARKERS = ("package.xml", "model.config")
_PACKAGE_DEPTH = 8
"""Folders searched above a file for its package's marker."""


def texture_problem(path: Path) -> str | None:
    """Why the image file ``path`` cannot be a texture (None: it can)."""
    if path.suffix.lower() not in TEXTURE_SUFFIXES:
        formats = ", ".join(TEXTURE_SUFFIXES)
        return f"{path.suffix or '(no extension)'!r} is not an image format USD reads ({formats})"
    try:
        info = path.stat()
    except FileNotFoundError:
        return "it does not exist"
    except OSError as err:
        return f"it cannot be read ({err.strerror or err})"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_size > MAX_TEXTURE_BYTES:
        return f"it is larger than {MAX_TEXTURE_BYTES // 2**20} MiB"
    return None


def read_texture(path: Path) -> bytes:
    """The bytes of the image ``path`` after checking it again (it may have changed since it was
    chosen), reading at most :data:`MAX_TEXTURE_BYTES`.

    Raises:
        OSError: it is gone, not an image file, too large or unreadable (the message says which).
    """
    why = texture_problem(path)
    if why is not None:
        raise OSError(f"texture {str(path)!r} cannot be used: {why}")
    with path.open("rb") as f:
        data = f.read(MAX_TEXTURE_BYTES + 1)
    if len(data) > MAX_TEXTURE_BYTES:
        raise OSError(f"texture {str(path)!r} grew beyond {MAX_TEXTURE_BYTES // 2**20} MiB")
    return data


def package_folder(file: Path) -> Path:
    """The folder a data file's textures must lie in: its package (the nearest folder above it with
    a ``package.xml`` or ``model.config``), else its own folder; resolved."""
    folder = file.resolve().parent
    for candidate in [folder, *folder.parents][:_PACKAGE_DEPTH]:
        if any((candidate / marker).is_file() for marker in _PACKAGE_MARKERS):
            return candidate
    return folder


def local_texture(
    name: str, file: Path, *, relative_to: Path | None = None
) -> tuple[Path | None, str | None]:
    """The image ``name`` (a path or ``file:`` URI, relative to ``relative_to``, default ``file``'s
    folder) names, and why it cannot be used (None: it can): it must be a usable image inside
    :func:`package_folder` of ``file``."""
    parts = urlsplit(name)
    if parts.scheme and parts.scheme != "file" and len(parts.scheme) > 1:  # "C:" is a drive letter
        return None, f"its URI scheme {parts.scheme!r} is not a local file"
    if parts.scheme == "file" and parts.netloc not in ("", "localhost"):
        return None, f"its URI names the host {parts.netloc!r}; only local files are read"
    base = relative_to or file.parent
    if parts.scheme == "file":
        candidate = (base / unquote(parts.path)).resolve()
    else:  # a plain path, or a percent-encoded URI reference (COLLADA's <init_from>)
        text = name.replace("\\", "/")  # written on Windows
        candidate = (base / text).resolve()
        if not candidate.exists():
            candidate = (base / unquote(text)).resolve()
    if not candidate.is_relative_to(package_folder(file)):
        return candidate, "it lies outside the folder (or ROS/Gazebo package) of the file naming it"
    return candidate, texture_problem(candidate)


def mesh_texture(material: Material, mesh_file: Path, *, relative_to: Path | None = None) -> Material:
    """``material`` with :attr:`~Material.texture_file` set when its texture is usable by
    :func:`local_texture`'s rule; otherwise unchanged, with a warning saying why."""
    name = material.texture
    if name is None:
        return material
    candidate, why = local_texture(name, mesh_file, relative_to=relative_to)
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
