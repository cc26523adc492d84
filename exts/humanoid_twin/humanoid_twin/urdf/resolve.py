"""Pass 2: mesh and texture URIs → local files, inside the search roots only; nothing is fetched.

URIs a URDF may use, and how they resolve:

* ``package://pkg/rest`` — ``rest`` inside the folder of package ``pkg``. Packages are looked up in
  the search paths, in order: the explicit ``package_paths``, then ``ROS_PACKAGE_PATH``
  (``os.pathsep``-separated) when it is set and ``use_ros_package_path`` is true. A search folder is
  package ``pkg`` itself when its basename or its ``package.xml`` ``<name>`` is ``pkg``; otherwise the
  packages inside it (a ``pkg`` subfolder, or a ``package.xml`` naming ``pkg`` at most three levels
  down) are candidates. The first match wins, as in ROS. Last, the ROS package enclosing the URDF
  file (the nearest folder above it with a ``package.xml``) answers for its own name.
* a relative path — relative to the URDF file's folder.
* ``file:///abs/path`` or a bare absolute path — used as is.

Refused with :class:`~humanoid_twin.errors.ResolveError`: a ``package://`` path leaving its package,
a relative or ``file://`` path outside the roots (the URDF's folder, the ROS package enclosing it,
and the search paths), compared as real paths so symlinks cannot escape; every network scheme
(``http``, ``https``, ``ftp``, …) and every other scheme (``model://``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import MeshError, ResolveError
from ..meshes import texture_problem
from ._context import ReadContext, XmlElement, short

__all__ = ["MESH_SUFFIXES", "PackageResolver", "resolve_pass"]

MESH_SUFFIXES = (".stl", ".obj", ".dae")
"""Mesh formats the reader accepts (checked on the URI's file name, case-insensitively)."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_NETWORK_SCHEMES = frozenset(
    {
        "http",
        "https",
        "ftp",
        "ftps",
        "sftp",
        "ssh",
        "scp",
        "s3",
        "gs",
        "ws",
        "wss",
        "smb",
        "nfs",
        "git",
        "rsync",
    }
)
_PACKAGE_SEARCH_DEPTH = 3
_PACKAGE_XML_MAX_BYTES = 1 << 20
_PACKAGE_NAME = re.compile(r"<name>\s*([^<\s]+)\s*</name>")


def _package_xml_name(folder: Path) -> str | None:
    """The ``<name>`` of ``folder/package.xml``, or None (read only if small; never parsed as a DTD)."""
    pxml = folder / "package.xml"
    try:
        if not pxml.is_file() or pxml.stat().st_size > _PACKAGE_XML_MAX_BYTES:
            return None
        m = _PACKAGE_NAME.search(pxml.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return m.group(1) if m else None


def _within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def enclosing_package(folder: Path, max_up: int = 6) -> Path | None:
    """The nearest folder at or above ``folder`` holding a ``package.xml`` (at most ``max_up`` up)."""
    current = folder
    for _ in range(max_up + 1):
        if (current / "package.xml").is_file():
            return current
        if current.parent == current:
            break
        current = current.parent
    return None


class PackageResolver:
    """Resolves URDF URIs to local files inside an explicit set of search roots.

    ``search_paths`` are folders that are packages or contain packages; ``ROS_PACKAGE_PATH`` is
    appended (read once, here) when set and ``use_ros_package_path`` is true.
    """

    def __init__(self, search_paths: Sequence[str | Path] = (), *, use_ros_package_path: bool = True) -> None:
        paths = [Path(p).expanduser() for p in search_paths]
        if use_ros_package_path:
            env = os.environ.get("ROS_PACKAGE_PATH", "")
            paths.extend(Path(p).expanduser() for p in env.split(os.pathsep) if p.strip())
        seen: set[Path] = set()
        self.search_paths: tuple[Path, ...] = ()
        """The folders searched, in order, as real paths (folders that do not exist are dropped)."""
        for p in paths:
            real = p.resolve()
            if real.is_dir() and real not in seen:
                seen.add(real)
                self.search_paths += (real,)
        self._found: dict[str, Path | None] = {}

    # ------------------------------------------------------------------ packages

    def find_package(self, name: str, *, near: Path | None = None) -> Path | None:
        """The folder of package ``name`` (a real path), or None when no search path has it.

        When the search paths do not have it and ``near`` (the description's folder) lies inside a
        ROS package of that name (a folder with a ``package.xml``), that package is used.
        """
        if name not in self._found:
            found: Path | None = None
            for base in self.search_paths:
                found = self._find_in(base, name)
                if found is not None:
                    break
            self._found[name] = found
        if self._found[name] is None and near is not None:
            own = enclosing_package(near.resolve())
            if own is not None and (own.name == name or _package_xml_name(own) == name):
                return own
        return self._found[name]

    def _find_in(self, base: Path, name: str) -> Path | None:
        if base.name == name or _package_xml_name(base) == name:
            return base
        child = base / name
        if child.is_dir():
            return child.resolve()
        level = [base]
        for _ in range(_PACKAGE_SEARCH_DEPTH):
            nxt: list[Path] = []
            for folder in level:
                try:
                    subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
                except OSError:
                    continue
                for sub in subs:
                    if _package_xml_name(sub) == name:
                        return sub.resolve()
                    if not (sub / "package.xml").is_file():  # do not descend into other packages
                        nxt.append(sub)
            level = nxt
        return None

    # ------------------------------------------------------------------ URIs

    def roots(self, relative_to: Path | None) -> tuple[Path, ...]:
        """Folders a relative or ``file://`` URI may point into (real paths)."""
        out: list[Path] = []
        if relative_to is not None:
            here = relative_to.resolve()
            out.append(here)
            pkg = enclosing_package(here)
            if pkg is not None:
                out.append(pkg)
        out.extend(self.search_paths)
        return tuple(out)

    def resolve(
        self, uri: str, *, relative_to: Path | None, file: str, line: int | None, element: str | None = None
    ) -> Path:
        """The local file ``uri`` names (a real path; it may not exist), or :class:`ResolveError`.

        ``relative_to`` is the folder relative URIs start from (the URDF's folder); ``file``, ``line``
        and ``element`` (the tag holding the URI) say where the URI was written, for messages.
        """

        def fail(message: str) -> ResolveError:
            return ResolveError(f"URI {short(uri)}: {message}", file=file, line=line, element=element)

        text = uri.strip()
        if not text:
            raise fail("is empty; give a package://, relative or file:// path")
        m = _SCHEME.match(text)
        scheme = m.group(1).lower() if m and not (os.name == "nt" and len(m.group(1)) == 1) else ""
        if scheme == "package":
            return self._resolve_package(text, relative_to, fail)
        if scheme in _NETWORK_SCHEMES:
            raise fail(
                f"network URIs ({scheme}:) are refused and nothing is fetched; download the file and "
                "reference it with package:// or a relative path"
            )
        if scheme == "file":
            parts = urlsplit(text)
            if parts.netloc not in ("", "localhost"):
                raise fail(
                    f"file:// URIs naming a host ({short(parts.netloc)}) are refused; use a local path"
                )
            target = Path(unquote(parts.path))
        elif scheme:
            raise fail(
                f"the URI scheme {scheme!r} is not supported; use package://, a relative path or file://"
            )
        else:
            target = Path(text)
        if not target.is_absolute():
            if relative_to is None:
                raise fail("is relative but the description has no folder to resolve it from; pass base_dir")
            target = relative_to / target
        real = target.resolve()
        roots = self.roots(relative_to)
        if not any(_within(real, r) for r in roots):
            raise fail(
                "points outside the search roots (the URDF's folder and the package paths); "
                "move the file inside them or add its folder to the package paths (--package-path)"
            )
        return real

    def _resolve_package(
        self, text: str, relative_to: Path | None, fail: Callable[[str], ResolveError]
    ) -> Path:
        rest = text[len("package://") :] if text[:10].lower() == "package://" else ""
        pkg, _, sub = rest.partition("/")
        if not pkg and sub:
            raise fail(
                "names no package (three slashes after 'package:'); write "
                "package://<package>/<path inside the package>"
            )
        if not pkg or not sub:
            raise fail("must be package://<package>/<path inside the package>")
        folder = self.find_package(pkg, near=relative_to)
        if folder is None:
            where = ", ".join(str(p) for p in self.search_paths[:4]) or "none"
            if len(self.search_paths) > 4:
                where += ", ..."
            raise fail(
                f"package {pkg!r} is not found in the search paths ({where}); pass its folder (or the "
                "folder containing it) to the package paths (--package-path), or set ROS_PACKAGE_PATH"
            )
        real = (folder / unquote(sub)).resolve()
        if not _within(real, folder.resolve()):
            raise fail(f"leaves the folder of package {pkg!r}; '..' and symlinks may not escape a package")
        return real


def _geometry_meshes(node: XmlElement) -> list[XmlElement]:
    out: list[XmlElement] = []
    for part in node.findall("visual") + node.findall("collision"):
        for geometry in part.findall("geometry"):
            out.extend(geometry.findall("mesh"))
    return out


def _textures(root: XmlElement) -> list[XmlElement]:
    out: list[XmlElement] = []
    materials = list(root.findall("material"))
    for link in root.findall("link"):
        for visual in link.findall("visual"):
            materials.extend(visual.findall("material"))
    for material in materials:
        out.extend(material.findall("texture"))
    return out


def resolve_pass(ctx: ReadContext) -> None:
    """Fill ``ctx.mesh_paths`` and ``ctx.texture_paths``; check every mesh exists with a supported
    format; warn on textures that cannot be used."""
    root = ctx.document
    for link in root.findall("link"):
        for mesh in _geometry_meshes(link):
            uri = mesh.get("filename")
            if uri is None:
                continue  # the validate pass reports it
            path = ctx.resolver.resolve(
                uri, relative_to=ctx.base_dir, file=ctx.display, line=mesh.line, element="mesh"
            )
            suffix = Path(urlsplit(uri).path if "://" in uri else uri).suffix.lower()
            if suffix not in MESH_SUFFIXES:
                raise MeshError(
                    f"mesh {short(uri)} has the unsupported format {suffix or '(no extension)'!r}; "
                    "use STL (.stl), Wavefront OBJ (.obj) or COLLADA (.dae)",
                    file=ctx.display,
                    line=mesh.line,
                    element="mesh",
                )
            if not path.is_file():
                raise MeshError(
                    f"mesh file {short(uri)} does not exist (looked for {str(path)!r}); check the "
                    "path or the package paths (--package-path)",
                    file=ctx.display,
                    line=mesh.line,
                    element="mesh",
                )
            ctx.mesh_paths[mesh] = path
    for texture in _textures(root):
        uri = texture.get("filename")
        if uri is None or not uri.strip():
            continue
        path = ctx.resolver.resolve(
            uri, relative_to=ctx.base_dir, file=ctx.display, line=texture.line, element="texture"
        )
        why = texture_problem(path)
        if why is None:
            ctx.texture_paths[texture] = path
        else:
            ctx.warn(
                f"Texture {short(uri)} (line {texture.line}) is not used ({why}); the material keeps its "
                "URI only."
            )
