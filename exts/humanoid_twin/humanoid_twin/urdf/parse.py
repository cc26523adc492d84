"""Pass 1: bytes → text → an element tree with line numbers, refusing unsafe or non-XML input.

Safety: the XML parser is :mod:`defusedxml`'s with DTDs forbidden, so a document type declaration
(and with it every entity declaration: "billion laughs" bombs, external entities such as
``<!ENTITY x SYSTEM "file:///etc/passwd">``) is refused before anything is expanded or read. Files
over :data:`~._context.MAX_FILE_BYTES`, empty files and binary files are refused before parsing.
Messages name the problem and the line, never the file's content.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ..errors import DescriptionError
from ._context import MAX_FILE_BYTES, ReadContext, XmlElement, short

__all__ = ["check_size", "decode_document", "parse_pass", "read_document"]

_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# expat error codes that mean the text stopped before the document was complete
_TRUNCATION_CODES = {
    expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION],
    expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
}


def check_size(size: int, display: str) -> None:
    """Refuse a document of ``size`` [bytes] that is empty or over the limit."""
    if size > MAX_FILE_BYTES:
        raise DescriptionError(
            f"the description is {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit for a "
            "robot description; refused before parsing",
            file=display,
        )
    if size == 0:
        raise DescriptionError("the file is empty; a URDF needs a <robot> element", file=display)


def read_document(path: Path, display: str) -> str:
    """Read and decode a description file after checking its size; never reads an oversized file."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise DescriptionError(f"cannot read the file: {err.strerror}", file=display) from err
    check_size(size, display)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DescriptionError(f"cannot read the file: {err.strerror}", file=display) from err
    return decode_document(data, display)


def decode_document(data: bytes, display: str) -> str:
    """Bytes → text: honours a BOM or the XML declaration's encoding (default UTF-8).

    Refuses empty input, binary input (NUL bytes) and bytes the encoding cannot decode.
    """
    check_size(len(data), display)
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        if b"\x00" in data:
            raise DescriptionError(
                "the file is binary (it contains NUL bytes), not URDF text; pass the .urdf XML file",
                file=display,
            )
        m = _DECLARED_ENCODING.match(data[:512])
        encoding = m.group(1).decode("ascii") if m else "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError as err:
            raise DescriptionError(
                f"the XML declaration names the unknown encoding {short(encoding)}; save the file as UTF-8",
                file=display,
            ) from err
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        raise DescriptionError(
            f"the file is not {encoding} text (undecodable byte 0x{data[err.start]:02x} at offset "
            f"{err.start}); it looks binary or is saved in another encoding: save it as UTF-8",
            file=display,
        ) from err
    return check_text(text, display)


def check_text(text: str, display: str) -> str:
    """Refuse text that is empty, over the size limit or binary; returns it unchanged."""
    if 4 * len(text) > MAX_FILE_BYTES:  # a UTF-8 character takes at most 4 bytes
        check_size(len(text.encode("utf-8", "surrogatepass")), display)
    if not text.strip():
        raise DescriptionError("the file is empty; a URDF needs a <robot> element", file=display)
    if "\x00" in text:
        raise DescriptionError("the text is binary (it contains NUL characters), not URDF XML", file=display)
    return text


class _LineTreeBuilder:
    """A parser target that builds :class:`XmlElement` nodes carrying their start-tag line."""

    def __init__(self) -> None:
        self.parser: Any = None
        self._stack: list[XmlElement] = []
        self._root: XmlElement | None = None
        self._root_ns: str | None = None

    def _local(self, tag: str) -> str:
        # URDF elements are in no namespace, or in the root element's default namespace
        if self._root_ns is not None and tag.startswith(self._root_ns):
            return tag[len(self._root_ns) :]
        return tag

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self._root is None and tag.startswith("{"):
            self._root_ns = tag[: tag.index("}") + 1]
        line = int(self.parser.parser.CurrentLineNumber)
        node = XmlElement(self._local(tag), dict(attrib), line)
        if self._stack:
            self._stack[-1].children.append(node)
        elif self._root is None:
            self._root = node
        self._stack.append(node)

    def end(self, tag: str) -> None:
        self._stack.pop()

    def data(self, data: str) -> None:
        if self._stack:
            self._stack[-1].text += data

    def close(self) -> XmlElement | None:
        return self._root


def parse_xml(text: str, display: str) -> XmlElement:
    """Parse ``text`` safely into an :class:`XmlElement` tree; DTDs and entities are refused."""
    target = _LineTreeBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    target.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException as err:
        line = int(parser.parser.CurrentLineNumber)
        name = getattr(err, "name", None)
        what = f"<!DOCTYPE {name}>" if isinstance(name, str) and name else "a DTD or entity declaration"
        raise DescriptionError(
            f"refused: the document contains {what}; DTDs, entity declarations and external entities "
            "are never expanded or read (XML bomb / file disclosure protection): remove them",
            file=display,
            line=line,
        ) from err
    except ParseError as err:
        line, column = err.position
        reason = expat.ErrorString(err.code)
        if err.code in _TRUNCATION_CODES:
            message = f"malformed XML, the document ends early (truncated file?): {reason} at column {column}"
        else:
            message = f"malformed XML: {reason} at column {column}"
        raise DescriptionError(message, file=display, line=line) from err
    if not isinstance(root, XmlElement):
        raise DescriptionError("malformed XML: no root element", file=display)
    return root


def parse_pass(ctx: ReadContext) -> None:
    """Fill ``ctx.root`` from ``ctx.text``."""
    ctx.root = parse_xml(check_text(ctx.text, ctx.display), ctx.display)
