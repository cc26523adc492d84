"""The state shared by the reader's passes: one :class:`ReadContext` per file read.

The passes (``parse`` → ``resolve`` → ``validate`` → ``build``) each take the context, read what the
earlier passes left in it and add their own results. Nothing here does any work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DescriptionError

if TYPE_CHECKING:
    from .resolve import PackageResolver

__all__ = ["MAX_FILE_BYTES", "ReadContext", "XmlElement", "display_tag", "short"]

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files larger than this [bytes] are refused before they are read."""

_SHORT = 60


def short(value: str) -> str:
    """``repr`` of a value from the file, cut to about 60 characters so messages never echo a file."""
    if len(value) > _SHORT:
        value = value[: _SHORT - 3] + "..."
    return repr(value)


_KNOWN_PREFIXES = {"http://www.ros.org/wiki/xacro": "xacro", "http://ros.org/wiki/xacro": "xacro"}


def display_tag(tag: str) -> str:
    """A tag as a person writes it: ``xacro:macro`` for ``{http://www.ros.org/wiki/xacro}macro``."""
    if tag.startswith("{") and "}" in tag:
        ns, local = tag[1:].split("}", 1)
        prefix = _KNOWN_PREFIXES.get(ns)
        return f"{prefix}:{local}" if prefix else local
    return tag


@dataclass(eq=False)
class XmlElement:
    """One XML element with the line its start tag is on (compared and hashed by identity)."""

    tag: str
    """Local name for URDF elements; ``{namespace}name`` for elements of another namespace."""
    attrib: dict[str, str]
    line: int
    """1-based line of the start tag in the parsed text."""
    children: list[XmlElement] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> XmlElement | None:
        """First child with this tag."""
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def findall(self, tag: str) -> list[XmlElement]:
        """Children with this tag, in document order."""
        return [c for c in self.children if c.tag == tag]

    def get(self, name: str) -> str | None:
        return self.attrib.get(name)


@dataclass
class ReadContext:
    """What one read of one URDF document knows, filled in pass by pass."""

    source: str
    """Where the document came from (a path or '<string>'); becomes ``RobotModel.source``."""
    display: str
    """How messages name the document (the xacro file plus a note when it was expanded)."""
    base_dir: Path | None
    """Folder relative URIs resolve against (the URDF file's folder); None for a bare string."""
    resolver: PackageResolver
    text: str = ""
    """The decoded document (after xacro expansion)."""
    root: XmlElement | None = None
    """Set by the parse pass."""
    mesh_paths: dict[XmlElement, Path] = field(default_factory=dict)
    """Set by the resolve pass: each ``<mesh>`` element's local file."""
    texture_paths: dict[XmlElement, Path] = field(default_factory=dict)
    """Set by the resolve pass: each usable ``<texture>``'s local image file."""
    robot_mass: float = 0.0
    """Set by the validate pass: the sum of the links' masses [kg] (the inertia policy's scale)."""
    warnings: list[str] = field(default_factory=list)
    """One sentence each; they end up in ``RobotModel.warnings``."""

    def error(
        self, message: str, node: XmlElement | None = None, *, line: int | None = None
    ) -> DescriptionError:
        """A :class:`DescriptionError` at ``node`` (its tag and line) for the caller to raise."""
        return DescriptionError(
            message,
            file=self.display,
            line=node.line if node is not None and line is None else line,
            element=display_tag(node.tag) if node is not None else None,
        )

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def document(self) -> XmlElement:
        """The root element; only valid after the parse pass."""
        assert self.root is not None, "the parse pass has not run"
        return self.root
