"""Safe XML handling shared by the GPX and TCX readers.

Watch files come from strangers (archives, e-mail, shared folders), so XML is
refused when it carries a document type declaration: that is the only place
entity declarations ("billion laughs") and external DTD/entity references can
live. Parsing goes through defusedxml, which raises on exactly those.
"""

from __future__ import annotations

import codecs
import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, TypeVar
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree as DET

from walkrun.domain.errors import ReadError
from walkrun.ingest.xmlspans import Block, SpanGrammar, cut_spans

__all__ = [
    "Leaf",
    "XmlLimits",
    "XmlStream",
    "check_xml",
    "local_name",
    "parse_xml",
    "read_document",
    "root_element_name",
    "strip_xml_noise",
    "xml_text",
]

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_WHITESPACE = b" \t\r\n"
_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_DECL_TEXT = re.compile(r"^<\?xml[^>]*\?>")
_FEED_BYTES = 64 * 1024


def strip_xml_noise(data: bytes) -> bytes:
    """Drop a UTF-8 byte-order mark and whitespace before the first ``<``.

    Strava writes whitespace before ``<?xml``, which expat rejects ("XML or text
    declaration not at start of entity"); some Windows tools add a BOM.
    UTF-16 documents are left alone because their BOM tells expat the encoding.
    """
    if data.startswith(_UTF16_BOMS):
        return data
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    return data.lstrip(_WHITESPACE)


def local_name(tag: str) -> str:
    """``{namespace}name`` or ``prefix:name`` -> ``name``."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def root_element_name(head: bytes) -> str | None:
    """Local name of the root element, judged from the first bytes only.

    Used for sniffing, so it never raises and never parses the whole file. A
    DOCTYPE names the root too, which lets a hostile GPX still reach the GPX
    reader and be refused there with a precise reason.
    """
    text = _decode_head(strip_xml_noise(head))
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
            if end < 0:
                return None
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            if end < 0:
                return None
            pos = end + 3
        elif text.startswith("<!DOCTYPE", pos):
            m = re.match(r"<!DOCTYPE\s+([^\s\[>]+)", text[pos:])
            return local_name(m.group(1)) if m else None
        elif text.startswith("<", pos):
            m = re.match(r"<([^\s/>!?]+)", text[pos:])
            return local_name(m.group(1)) if m else None
        else:
            return None


def _decode_head(head: bytes) -> str:
    if head.startswith(_UTF16_BOMS):
        return head.decode("utf-16", errors="replace")
    # latin-1 maps every byte, and markup is ASCII in every encoding we accept.
    return head.decode("latin-1")


class _RootSeen(Exception):
    """Raised from the parser target to stop once the prolog is behind us."""


class _StopAtRoot:
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootSeen

    def close(self) -> None:
        return None


def expat_ready(data: bytes, source: str) -> bytes:
    """The document re-encoded as UTF-8 when it declares a multi-byte encoding expat cannot read.

    Expat reads UTF-8, UTF-16 and single-byte encodings itself; Shift_JIS, GBK,
    Big5 and friends raise "multi-byte encodings are not supported", so those
    are decoded by Python and handed over as UTF-8 without the declaration.
    """
    if data.startswith(_UTF16_BOMS):
        return data
    m = _DECL_ENCODING.match(data[:512])
    if not m:
        return data
    try:
        name = codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return data  # the parser names the unknown encoding in its error
    if name.startswith("utf-16") or name == "utf-8" or len("\u4e2d".encode(name, errors="replace")) == 1:
        return data
    return xml_text(data, source).encode("utf-8")


def check_xml(data: bytes, source: str) -> None:
    """Refuse XML with a DTD (entity declarations, external DTDs or entities).

    Only the prolog is parsed: a DOCTYPE must come before the root element, so
    once the root starts nothing dangerous can follow. Well-formedness of the
    rest is left to the format parser, which reports its own errors.
    """
    data = expat_ready(strip_xml_noise(data), source)
    if not data:
        raise ReadError(source, "empty XML document")
    parser = DET.XMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        for offset in range(0, len(data), _FEED_BYTES):
            parser.feed(data[offset : offset + _FEED_BYTES])
        parser.close()
    except _RootSeen:
        return
    except defusedxml.DefusedXmlException as exc:
        raise ReadError(source, _refusal(exc)) from None
    except ET.ParseError as exc:
        raise ReadError(source, f"not well-formed XML ({exc})") from None
    except LookupError as exc:  # expat looks up the declared encoding itself
        raise ReadError(source, f"unknown XML encoding ({exc})") from None
    raise ReadError(source, "XML document has no root element")


def parse_xml(data: bytes, source: str) -> Element:
    """Parse a whole document safely and return its root element."""
    data = strip_xml_noise(data)
    if not data:
        raise ReadError(source, "empty XML document")
    try:
        root: Element = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise ReadError(source, _refusal(exc)) from None
    except ET.ParseError as exc:
        raise ReadError(source, f"not well-formed XML ({exc})") from None
    except LookupError as exc:
        raise ReadError(source, f"unknown XML encoding ({exc})") from None
    return root


def xml_text(data: bytes, source: str) -> str:
    """The document as text, decoded per its BOM or XML declaration, declaration removed.

    Text parsers that receive ``str`` (gpxpy) then never disagree with the
    declared encoding, whichever XML backend they picked.
    """
    if data.startswith(_UTF16_BOMS):
        encoding = "utf-16"
    else:
        data = strip_xml_noise(data)
        m = _DECL_ENCODING.match(data[:512])
        encoding = m.group(1).decode("ascii") if m else "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ReadError(source, f"unknown XML encoding {encoding!r}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(source, f"not valid {encoding} text (byte {exc.start})") from None
    return _XML_DECL_TEXT.sub("", text.lstrip("\ufeff \t\r\n"), count=1)


@dataclass(frozen=True)
class XmlLimits:
    """Bounds that keep a hostile document from costing unbounded time, memory or stack.

    Real GPX and TCX nest about ten deep; a day of one-second points is a few
    million elements; no attribute a watch writes is longer than a timestamp.
    """

    max_depth: int = 64
    max_elements: int = 20_000_000
    max_attribute_chars: int = 4096
    max_text_chars: int = 1_000_000


DEFAULT_LIMITS = XmlLimits()


@dataclass(frozen=True, slots=True)
class Leaf:
    """Where a leaf element's text goes in the open record (a track point), by its local name.

    ``child_key`` is used when the leaf is a direct child of the record,
    ``deep_key`` when it sits deeper (extension blocks); ``parent``, when
    set, is the local name the leaf's parent must have. The first value of
    each key in a record wins (several extension blocks per point).
    """

    child_key: str | None
    deep_key: str | None
    parent: str | None = None


class _Tag(NamedTuple):
    name: str  # local name
    opens: bool  # call opened()
    closes: bool  # call closed()
    leaf: Leaf | None


class XmlStream:
    """Streaming ElementTree parse that keeps no tree: memory is bounded by the depth.

    The C parser calls :meth:`start`, :meth:`data` and :meth:`end` as it
    reads; each distinct tag is judged once (local name, whether a hook
    wants it, whether it is a record leaf) and remembered. A leaf's text goes
    straight into ``self.record`` (the open track point, a dict) without a
    further Python call; :meth:`opened` and :meth:`closed` hear only about
    the names a subclass lists. Per-element Python work is what dominated the
    profile, so elements a reader ignores cost two dict lookups and nothing
    more. Building no ``Element`` objects at all keeps memory flat.

    Safety: :func:`check_xml` (defusedxml) runs first and refuses any DTD, the
    only place entities and external references can be declared, and a DTD
    cannot follow the root element; depth, element count, attribute and text
    sizes are bounded here, each refusal one :class:`ReadError` line naming
    ``kind`` (GPX, TCX).
    """

    # Subclasses say which local names reach the hooks.
    open_names: frozenset[str] = frozenset()
    close_names: frozenset[str] = frozenset()
    # Runs of points a compiled pattern may read instead (see walkrun.ingest.xmlspans); the
    # span's local name must be in ``open_names`` and ``opened`` must call ``take_block``.
    spans: SpanGrammar | None = None

    def __init__(self, source: str, kind: str, limits: XmlLimits = DEFAULT_LIMITS) -> None:
        self.source = source
        self.kind = kind
        self.limits = limits
        self.path: list[str] = []
        self.record: dict[str, str] | None = None
        self.record_depth = 0  # len(self.path) of the record element while it is open
        self._tags: dict[str, _Tag] = {}
        self._text: list[str] = []
        self._count = 0
        self._max_depth = limits.max_depth
        self._max_elements = limits.max_elements
        self._max_text = limits.max_text_chars
        # The parser looks ``data`` up once; a bound list.append collects text without a Python frame.
        self.data: Callable[[str], None] = self._text.append
        self._span_name = self.spans.name.decode() if self.spans is not None else None
        self._span_opens = 0
        self._blocks: dict[int, Block] = {}

    # Hooks for subclasses -----------------------------------------------------

    def leaf(self, name: str) -> Leaf | None:
        """How a leaf with this local name fills the record; None when it does not."""
        return None

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        """An element in ``open_names`` started; ``self.path[-1] == name``."""

    def closed(self, name: str, text: str) -> None:
        """An element in ``close_names`` ended (still on ``self.path``); ``text`` is what it held."""

    def take_block(self) -> Block | None:
        """The points a pattern read from the span element just opened; None when it is streamed."""
        return self._blocks.pop(self._span_opens, None)

    # ElementTree target protocol ----------------------------------------------

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        """Every bound checked per element: used when the cheap whole-document checks cannot vouch."""
        self._count += 1
        if len(self.path) >= self._max_depth or self._count > self._max_elements or attrib:
            self._bounds(attrib)
        self._open(tag, attrib)

    def _start_lean(self, tag: str, attrib: dict[str, str]) -> None:
        """Depth checked per element; element count and attribute sizes were vouched for by :meth:`run`."""
        path = self.path
        if len(path) >= self._max_depth:
            self._bounds(attrib)
        known = self._tags.get(tag) or self._learn(tag)
        path.append(known[0])
        self._text.clear()
        if known[1]:
            if known[0] == self._span_name:
                self._span_opens += 1
            self.opened(known[0], attrib)

    def _open(self, tag: str, attrib: dict[str, str]) -> None:
        known = self._tags.get(tag) or self._learn(tag)
        self.path.append(known[0])
        self._text.clear()
        if known[1]:
            if known[0] == self._span_name:
                self._span_opens += 1
            self.opened(known[0], attrib)

    def _learn(self, tag: str) -> _Tag:
        name = local_name(tag)
        known = self._tags[tag] = _Tag(name, name in self.open_names, name in self.close_names, self.leaf(name))
        return known

    def _bounds(self, attrib: dict[str, str]) -> None:
        limits = self.limits
        if len(self.path) >= limits.max_depth:
            raise ReadError(self.source, f"{self.kind} nests elements more than {limits.max_depth} deep; refused")
        if self._count > limits.max_elements:
            raise ReadError(self.source, f"{self.kind} has more than {limits.max_elements:,} elements; refused")
        if any(len(v) > limits.max_attribute_chars for v in attrib.values()):
            raise ReadError(self.source, f"{self.kind} has an attribute over {limits.max_attribute_chars:,} characters")

    def end(self, tag: str) -> None:
        known = self._tags[tag]
        parts = self._text
        text = (parts[0] if len(parts) == 1 else "".join(parts)) if parts else ""
        parts.clear()
        if len(text) > self._max_text:
            raise ReadError(self.source, f"{self.kind} has a text over {self._max_text:,} characters; refused")
        path = self.path
        leaf = known[3]
        if leaf is not None and text:
            record = self.record
            if record is not None:
                # Inline on purpose: this runs for every value of every point.
                key = leaf.child_key if len(path) == self.record_depth + 1 else leaf.deep_key
                if key is not None and key not in record and (leaf.parent is None or path[-2] == leaf.parent):
                    record[key] = text
        if known[2]:
            self.closed(known[0], text)
        path.pop()

    def close(self) -> None:
        return None

    def run(self, data: bytes, fast: bool = True, checked: bool = False) -> bool:
        """Check the prolog (unless ``checked``: the caller ran :func:`check_xml`), then stream the document.

        With ``fast`` and a span grammar, the spans it reads are cut out first
        and handed over by :meth:`take_block`. False asks the caller to read
        again on a fresh stream with ``fast=False``: the emptied document was
        not well-formed (so the refusal can name the true position), or the
        stream counted span elements differently from the byte scan (never
        expected).

        Two bounds are vouched for on the raw bytes when they can be, in C:
        a document with no more ``<`` than the element limit cannot exceed
        it, and one where no ``="`` or ``='`` is followed by a long unquoted
        run has no long attribute value (a value cannot contain its own
        quote). Then only depth is checked per element; otherwise every bound is.
        """
        if not checked:
            check_xml(data, self.source)
        data = expat_ready(strip_xml_noise(data), self.source)
        cut = cut_spans(data, self.spans) if fast and self.spans is not None else None
        if cut is not None:
            data, self._blocks = cut.skeleton, dict(cut.blocks)
        limits = self.limits
        # The byte checks hold for ASCII-compatible encodings; UTF-16 (NUL bytes) is checked per element.
        ascii_compatible = b"\x00" not in data
        if ascii_compatible and data.count(b"<") <= limits.max_elements and not _long_attribute(limits).search(data):
            self.start = self._start_lean  # type: ignore[method-assign]
        parser = ET.XMLParser(target=self)
        try:
            for offset in range(0, len(data), _FEED_BYTES):
                parser.feed(data[offset : offset + _FEED_BYTES])
            parser.close()
        except ET.ParseError as exc:
            if cut is not None:
                return False  # positions in the emptied document mean nothing: read the original again
            raise ReadError(self.source, f"{self.kind} is cut off or not well-formed XML ({_where(exc)})") from None
        except LookupError as exc:
            raise ReadError(self.source, f"unknown XML encoding ({exc})") from None
        except RecursionError:
            raise ReadError(self.source, f"{self.kind} nests elements too deep; refused") from None
        return cut is None or self._span_opens == cut.opens


S = TypeVar("S", bound=XmlStream)


def read_document(data: bytes, source: str, root: str, make: Callable[[], S], fast: bool = True) -> S:
    """A fresh stream from ``make`` that has read a whole ``root`` document (GPX, TCX).

    A DTD is refused before anything else is judged, then the root element's
    name. When the fast path asks for it (see :meth:`XmlStream.run`), the
    document is read again on a new stream with every element streamed.
    """
    check_xml(data, source)
    found = root_element_name(data[:4096])
    if found != root:
        kind = make().kind
        raise ReadError(source, f"XML root element is <{found}>, not <{root}>" if found else f"not a {kind} document")
    stream = make()
    if not stream.run(data, fast, checked=True):
        stream = make()
        stream.run(data, fast=False, checked=True)
    return stream


@functools.cache
def _long_attribute(limits: XmlLimits) -> re.Pattern[bytes]:
    """Any attribute value longer than the limit matches (rarely anything else: then bounds run per element)."""
    n = limits.max_attribute_chars + 1
    return re.compile(rb"=\s*(?:\"[^\"]{%d}|'[^']{%d})" % (n, n))


def _where(exc: ET.ParseError) -> str:
    line, column = getattr(exc, "position", (0, 0))
    reason = str(exc).split(":")[0].strip() or "parse error"
    return f"{reason} at line {line}, column {column + 1}"


def _refusal(exc: Exception) -> str:
    if isinstance(exc, defusedxml.DTDForbidden):
        return "XML has a document type declaration (<!DOCTYPE>); refused because DTDs can expand or fetch entities"
    if isinstance(exc, defusedxml.EntitiesForbidden):
        return "XML declares entities; refused (entity expansion)"
    if isinstance(exc, defusedxml.ExternalReferenceForbidden):
        return "XML references an external resource; refused"
    return f"XML refused for safety ({exc})"
