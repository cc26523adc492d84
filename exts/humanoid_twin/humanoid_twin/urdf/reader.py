"""The URDF/xacro reader: runs the passes over one :class:`~._context.ReadContext`.

``expand`` (xacro only) → ``parse`` → ``resolve`` → ``validate`` → ``build``. Every problem is a
:class:`~humanoid_twin.errors.DescriptionError` (or its subclasses ``ResolveError``, ``MeshError``)
naming the file and line; what the reader repaired or ignored is in ``RobotModel.warnings``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import DescriptionError
from ..model import RobotModel
from ._context import ReadContext
from .build import build_pass
from .expand import expand_xacro, is_xacro
from .parse import check_text, parse_pass, read_document
from .resolve import PackageResolver, resolve_pass
from .validate import validate_pass

__all__ = ["read_urdf", "read_urdf_string"]

_log = logging.getLogger(__name__)


def _run(ctx: ReadContext) -> RobotModel:
    parse_pass(ctx)
    resolve_pass(ctx)
    validate_pass(ctx)
    model = build_pass(ctx)
    _log.debug(
        "read %s: %d links, %d joints, %d warnings",
        ctx.source,
        len(model.links),
        len(model.joints),
        len(model.warnings),
    )
    return model


def read_urdf(
    path: str | Path,
    *,
    package_paths: Sequence[str | Path] = (),
    use_ros_package_path: bool = True,
    xacro_args: Mapping[str, str] | None = None,
) -> RobotModel:
    """Read a ``.urdf`` file, or a ``.xacro``/``.urdf.xacro`` file expanded with ``xacro`` in process.

    ``package_paths`` are folders that are ROS packages or contain them, searched in order for
    ``package://`` URIs and ``$(find pkg)``; ``ROS_PACKAGE_PATH`` is searched after them when set and
    ``use_ros_package_path`` is true. Relative URIs resolve against the file's folder. ``xacro_args``
    are xacro arguments (``name:=value``). Raises :class:`~humanoid_twin.errors.DescriptionError`.
    """
    p = Path(path).expanduser()
    display = str(p)
    if not p.exists():
        raise DescriptionError("the file does not exist; check the path", file=display)
    if p.is_dir():
        raise DescriptionError("this is a folder; pass the .urdf or .urdf.xacro file inside it", file=display)
    resolver = PackageResolver(package_paths, use_ros_package_path=use_ros_package_path)
    warnings: list[str] = []
    if is_xacro(p):
        read_document(p, display)  # size, empty and binary checks before xacro opens it
        text, warnings = expand_xacro(p, resolver, display=display, mappings=xacro_args)
        display = f"{p} (xacro output)"
    else:
        if xacro_args:
            raise DescriptionError("xacro_args were given but the file is not a .xacro file", file=display)
        text = read_document(p, display)
    ctx = ReadContext(
        source=str(p),
        display=display,
        base_dir=p.resolve().parent,
        resolver=resolver,
        text=text,
        warnings=warnings,
    )
    return _run(ctx)


def read_urdf_string(
    text: str,
    *,
    source: str = "<string>",
    base_dir: str | Path | None = None,
    package_paths: Sequence[str | Path] = (),
    use_ros_package_path: bool = True,
) -> RobotModel:
    """Read URDF XML from a string (no xacro expansion).

    ``source`` names the text in messages and becomes ``RobotModel.source``; ``base_dir`` is the
    folder relative URIs resolve against (without it, relative mesh URIs are an error).
    """
    if not isinstance(text, str):
        raise DescriptionError(f"expected URDF text (str), got {type(text).__name__}", file=source)
    check_text(text, source)
    ctx = ReadContext(
        source=source,
        display=source,
        base_dir=Path(base_dir).expanduser().resolve() if base_dir is not None else None,
        resolver=PackageResolver(package_paths, use_ros_package_path=use_ros_package_path),
        text=text,
    )
    return _run(ctx)
