"""Pass 0 (xacro files only): expand ``*.xacro`` into URDF text with the ``xacro`` package, in process.

The expansion runs offline and in this process, under a lock (the ``xacro`` module keeps its state
in module globals). While it runs:

* ``$(find pkg)`` resolves through the reader's :class:`~.resolve.PackageResolver` (the search
  paths and ``ROS_PACKAGE_PATH``), not through ``ament_index``;
* every file xacro opens (the document and its ``<xacro:include>`` files) first passes the same
  safety checks as a URDF (size, binary, DTD/entities refused);
* xacro's own warnings, which it prints to stderr, are captured into the model's warnings.

xacro evaluates ``${...}`` expressions (a restricted Python ``eval``): expand trusted files only.
When xacro fails, the error says how to expand by hand: ``xacro robot.urdf.xacro > robot.urdf``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import DependencyError, DescriptionError, ResolveError
from ._context import short
from .parse import parse_xml, read_document
from .resolve import PackageResolver

__all__ = ["expand_xacro", "is_xacro"]

_LOCK = threading.Lock()
_MESSAGE_MAX = 160


def is_xacro(path: Path) -> bool:
    """True for ``*.xacro`` (including ``*.urdf.xacro``)."""
    return path.suffix.lower() == ".xacro"


def _hint(path: Path) -> str:
    stem = path.name[: -len(".xacro")] if path.name.lower().endswith(".xacro") else path.stem
    if not stem.lower().endswith(".urdf"):
        stem += ".urdf"
    return f"expand it first with `xacro {path.name} > {stem}` and read the .urdf"


@contextlib.contextmanager
def _patched(xacro: Any, subst: Any, resolver: PackageResolver, path: Path, display: str) -> Iterator[None]:
    original_parse = xacro.parse
    original_find = subst._eval_find
    original_eval_find = subst._eval_dict.get("find")

    def find(pkg: str) -> str:
        folder = resolver.find_package(pkg, near=path.parent)
        if folder is None:
            where = ", ".join(str(p) for p in resolver.search_paths[:4]) or "none"
            raise ResolveError(
                f"$(find {pkg}): package {pkg!r} is not in the search paths ({where}); pass its folder in "
                "package_paths or set ROS_PACKAGE_PATH",
                file=display,
            )
        return str(folder)

    def safe_parse(inp: Any, filename: str | None = None) -> Any:
        if inp is None and filename is not None:
            path = Path(os.path.join(xacro.root_dir, filename))
            if path.is_file():
                parse_xml(read_document(path, str(path)), str(path))  # refuses unsafe files
        return original_parse(inp, filename)

    xacro.parse = safe_parse
    subst._eval_find = find
    subst._eval_dict["find"] = find
    try:
        yield
    finally:
        xacro.parse = original_parse
        subst._eval_find = original_find
        if original_eval_find is not None:
            subst._eval_dict["find"] = original_eval_find
        xacro.all_includes.clear()


def _own_error(err: BaseException) -> DescriptionError | None:
    """Our own error (a refused include, an unknown package) that xacro wrapped, if any."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, DescriptionError):
            return e
        stack.extend([getattr(e, "exc", None), e.__cause__, e.__context__])
    return None


def expand_xacro(
    path: Path,
    resolver: PackageResolver,
    *,
    display: str,
    mappings: Mapping[str, str] | None = None,
) -> tuple[str, list[str]]:
    """Expand the xacro file at ``path``; returns the URDF text and xacro's warnings (one sentence each).

    ``mappings`` are xacro arguments (``name:=value`` on the command line).
    """
    try:
        import xacro
        from xacro import substitution_args
    except ImportError as err:
        raise DependencyError.missing("xacro", "xacro") from err
    stderr = io.StringIO()
    with _LOCK, _patched(xacro, substitution_args, resolver, path, display):
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                doc = xacro.process_file(str(path.resolve()), mappings=dict(mappings or {}), verbosity=1)
                text = str(doc.toprettyxml(indent="  "))
        except DescriptionError:
            raise
        except Exception as err:  # xacro raises many types (XacroException, ExpatError, NameError, ...)
            ours = _own_error(err)
            if ours is not None:
                raise ours from err
            reason = str(err).strip().splitlines()[0].strip() if str(err).strip() else type(err).__name__
            if len(reason) > _MESSAGE_MAX:  # keep both ends: a missing file's name is at the end
                head = _MESSAGE_MAX // 3
                reason = reason[:head] + "..." + reason[len(reason) - (_MESSAGE_MAX - head - 3) :]
            raise DescriptionError(
                f"xacro could not expand the file ({type(err).__name__}: {reason}); {_hint(path)}",
                file=display,
            ) from err
    return text, _xacro_warnings(stderr.getvalue())


def _xacro_warnings(text: str) -> list[str]:
    """xacro's stderr, one warning per message: its "when instantiating macro: NAME (file)" and "in
    file: …" lines belong to the message before (the macro is named, the file is the one imported);
    a message repeated by every use of a macro is listed once with its count."""
    messages: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        macro = re.match(r"when instantiating macro:\s*(\S+)", line)
        if messages and macro is not None:
            messages[-1] += f" (in macro {macro.group(1)})"
        elif not (messages and line.startswith(("in file:", "included from:"))):
            messages.append(line)
    counts = Counter(messages)  # first-seen order
    return [f"xacro: {short(m)[1:-1]}" + (f" ({n}×)" if n > 1 else "") + "." for m, n in counts.items()]
