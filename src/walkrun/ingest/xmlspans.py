"""A fast path for the long, regular part of a GPX or TCX file: its runs of track points.

A track segment written by a watch is thousands of points in one fixed
layout. Handing each of their elements to Python is what a streaming read
costs; a compiled pattern per point reads them in C instead. The pattern is
narrow on purpose, so the fast path may decline but never reads differently:

* the document must be in an ASCII-compatible encoding and hold no comment,
  CDATA section, processing instruction or DTD after its declaration, so
  every ``<`` in it is markup and the spans found on the bytes are exactly
  the elements the stream will see;
* a span (the content of one ``<trkseg>`` or ``<Track>``) is taken only when
  its whole content matches the point pattern. The pattern admits only
  well-formed XML: literal element names, values of short printable ASCII
  without references (``&``) or ``>``, a few attributes in fixed forms, and
  namespace prefixes the root element declares. So a value read here is the
  text the stream would have read, and cutting the span out cannot hide a
  fault.

Everything else stays in the document, which the streaming parser then
reads, judging its well-formedness, with the taken spans emptied; the stream
asks for a span's points when it opens that element
(:meth:`XmlStream.take_block`), so all structure, counting and bounds stay
in one place. Should that parse fail, the caller reads the untouched
document again without the fast path, so a refusal names the true position.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from operator import methodcaller

__all__ = [
    "ATTR",
    "ATTRIBUTES",
    "PREFIX",
    "TEXT",
    "VALUE",
    "WS",
    "Block",
    "Cut",
    "PointTexts",
    "SpanGrammar",
    "cut_spans",
    "leaf",
]

# Quantifiers are possessive ("*+", "?+"): every element of a point begins with its own tag,
# so giving back what one matched never lets a match succeed, and not recording the chance
# makes the C matcher about a quarter faster.
WS = rb"[ \t\r\n]*+"
# A value the fast path reads: at most 64 printable ASCII characters, no markup ('<'), no
# reference ('&') and no '>' (so never the ']]>' XML forbids in text).
VALUE = rb"[\t\n\r\x20-\x25\x27-\x3b\x3d\x3f-\x7e]{0,64}+"
# Text of an element the fast path skips: the same characters, longer.
TEXT = rb"[\t\n\r\x20-\x25\x27-\x3b\x3d\x3f-\x7e]{0,1000}+"
# The same inside a quoted attribute (no quote of either kind).
ATTR = rb"[\t\n\r\x20\x21\x23-\x25\x28-\x3b\x3d-\x7e]{0,64}+"
# Attributes an extension element may carry, each at most once and in this order (so never a
# repeated attribute, which XML forbids): Garmin's default-namespace declaration, an xsi:type
# (xsi must then be declared on the root, as prefixes are) and TPX's CadenceSensor.
ATTRIBUTES = (
    rb'(?:[ \t\r\n]+xmlns="http://www\.garmin\.com/xmlschemas/[A-Za-z0-9/._-]{0,100}")?'
    rb'(?:[ \t\r\n]+xsi:type="[A-Za-z0-9_.:-]{1,64}")?'
    rb'(?:[ \t\r\n]+CadenceSensor="[A-Za-z]{1,16}")?[ \t\r\n]*'
)
# Any namespace prefix, colon included, or none.
PREFIX = rb"(?:[A-Za-z_][\w.-]*+:)?+"


def leaf(name: bytes, key: str | None = None, prefix_group: str | None = None) -> bytes:
    """An optional leaf element ``<name>value</name>``; its value is captured as ``key`` when given."""
    value = rb"(?P<%s>%s)" % (key.encode(), VALUE) if key else VALUE
    prefix = rb"(?P=%s)" % prefix_group.encode() if prefix_group else b""
    return rb"(?:<%s%s>%s</%s%s>%s)?+" % (prefix, name, value, prefix, name, WS)


@dataclass(frozen=True)
class SpanGrammar:
    """Which element's content may be cut, and the pattern of one point inside it.

    Every group of ``point`` is named: a name starting with ``_`` is structure
    (``_p...`` a namespace prefix, which the root must declare; others an
    ignored element's name or a quote), any other is the record key its value
    fills, with ``__2`` and so on for the same key in an alternative layout.
    """

    name: bytes  # local name of the span element (b"trkseg", b"Track")
    point: bytes  # one point, followed by its whitespace

    @functools.cached_property
    def compiled(self) -> re.Pattern[bytes]:
        pattern = re.compile(self.point)
        if pattern.groups != len(pattern.groupindex):
            raise ValueError("every group of a span grammar must be named")
        return pattern

    @functools.cached_property
    def keys(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """Each record key with the columns (in a split) of the groups that fill it.

        A key may have several groups, one per alternative layout (``lat`` and
        ``lat__2``); at most one of them matches in any point.
        """
        columns: dict[str, list[int]] = {}
        for name, index in sorted(self.compiled.groupindex.items(), key=lambda item: item[1]):
            if not name.startswith("_"):
                columns.setdefault(name.partition("__")[0], []).append(index - 1)
        return tuple((key, tuple(indexes)) for key, indexes in columns.items())

    @functools.cached_property
    def prefix_columns(self) -> tuple[int, ...]:
        """Columns of the groups that capture a namespace prefix (named ``_p...``)."""
        return tuple(index - 1 for name, index in self.compiled.groupindex.items() if name.startswith("_p"))

    @functools.cached_property
    def names(self) -> re.Pattern[bytes]:
        """The span's name followed by what ends a tag name (a literal first: a fast C search)."""
        return re.compile(re.escape(self.name) + rb"(?=[\s/>])")

    def read(self, data: bytes, begin: int, end: int) -> Block | None:
        """The points of ``data[begin:end]`` when nothing but points and whitespace fills it.

        ``split`` does the work in C: it returns the text before, between and
        after the matches (each must be empty or, before the first, blank)
        with every group's value in between, so a column is a slice.
        """
        pieces = self.compiled.split(data[begin:end])
        stride = self.compiled.groups + 1
        if pieces[0].strip(b" \t\r\n") or any(pieces[stride::stride]):
            return None
        size = (len(pieces) - 1) // stride
        columns: dict[str, list[str | None]] = {}
        for key, indexes in self.keys:
            # A group whose layout no point used is None throughout; usually one layout is left.
            alternatives = [alt for index in indexes if (alt := pieces[1 + index :: stride]).count(None) < size]
            if not alternatives:
                continue
            raw: list[bytes] = alternatives[0]
            if len(alternatives) > 1:  # one layout matched per point: the others are None or empty
                raw = [b"".join(filter(None, values)) for values in zip(*alternatives, strict=True)]
            elif None in raw:  # an optional element the point does not have
                raw = [value or b"" for value in raw]
            if raw.count(b"") == size:
                continue
            # One decode for the column (the grammar admits ASCII only, never NUL); "" is an absent value.
            texts: list[str | None] = b"\x00".join(raw).decode("ascii").split("\x00")  # type: ignore[assignment]
            columns[key] = [t or None for t in texts] if b"" in raw else texts
        prefixes: set[bytes] = set()
        for index in self.prefix_columns:
            prefixes.update(pieces[1 + index :: stride])
        prefixes.difference_update((None, b""))
        return Block(size, columns, frozenset(prefixes))


_MAX_PREFIX = 256
_TAG_START = re.compile(rb"<(/?)([^\s<>/=!?]*:)?")


def _span_tags(data: bytes, grammar: SpanGrammar) -> list[tuple[bool, bool, int, int]]:
    """Every start or end tag with the span's local name: (is end, has prefix, start, end of name)."""
    out = []
    for hit in grammar.names.finditer(data):
        # A tag's '<' is within a short prefix of its name; looking further back for it would
        # make a long text that mentions the name often cost its length squared. A tag with a
        # longer prefix is missed here, the stream then counts one more span than this scan,
        # and the caller reads the document again without the fast path.
        lt = data.rfind(b"<", max(0, hit.start() - _MAX_PREFIX), hit.start())
        head = _TAG_START.fullmatch(data, lt, hit.start()) if lt >= 0 else None
        if head is not None:
            out.append((bool(head.group(1)), head.group(2) is not None, lt, hit.end()))
    return out


@dataclass(frozen=True, slots=True)
class Block:
    """The points of one cut span: their texts by key (None where a point has no value)."""

    size: int
    columns: dict[str, list[str | None]]
    prefixes: frozenset[bytes] = frozenset()  # namespace prefixes its elements use ("ns3:")


@dataclass(frozen=True, slots=True)
class Cut:
    skeleton: bytes  # the document with the taken spans emptied
    blocks: dict[int, Block]  # by the span element's ordinal (1-based, document order)
    opens: int  # how many span elements the document has, taken or not


_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _root_tag(data: bytes) -> bytes | None:
    """The root's start tag when every ``<`` after the declaration is a tag and ASCII means ASCII.

    None for UTF-16 (NUL bytes), an encoding in which ASCII bytes mean other
    characters, or any comment, CDATA, processing instruction or DTD.
    """
    start = 0
    if data.startswith(b"<?xml"):
        start = data.find(b"?>") + 2
        m = _DECLARED_ENCODING.match(data[:start])
        if m and not _ascii_compatible(m.group(1).decode("ascii")):
            return None
    if b"\x00" in data or _markup_after(data, b"!", start) or _markup_after(data, b"?", start):
        return None
    lt = data.find(b"<", start)
    gt = data.find(b">", lt)
    return data[lt:gt] if 0 <= lt < gt else None


def _markup_after(data: bytes, mark: bytes, start: int) -> bool:
    """Whether ``<`` followed by ``mark`` occurs from ``start`` on.

    Searching for the rare single byte runs at memchr speed; searching for the
    pair is several times slower, because '<' is everywhere in XML.
    """
    pos = data.find(mark, start)
    while pos >= 0:
        if data[pos - 1 : pos] == b"<":
            return True
        pos = data.find(mark, pos + 1)
    return False


@functools.cache
def _ascii_compatible(encoding: str) -> bool:
    try:
        return "<trkseg a='x'>".encode(encoding) == b"<trkseg a='x'>"
    except (LookupError, UnicodeError):
        return False


def _declared(root: bytes, content: bytes, prefixes: frozenset[bytes]) -> bool:
    """Every prefix the span uses (and xsi, for xsi:type) is declared on the root element."""
    if b"xsi:" in content:
        prefixes |= {b"xsi:"}
    return all(re.search(rb"[ \t\r\n]xmlns:%s=" % re.escape(p[:-1]), root) for p in prefixes)


def cut_spans(data: bytes, grammar: SpanGrammar) -> Cut | None:
    """The document with every span the grammar reads taken out; None when the fast path declines."""
    root = _root_tag(data) if grammar.name in data else None
    if root is None:
        return None
    tags = _span_tags(data, grammar)
    pieces: list[bytes] = []
    blocks: dict[int, Block] = {}
    kept = opens = 0
    for i, (closing, prefixed, _, name_end) in enumerate(tags):
        if closing:
            continue
        opens += 1
        after = tags[i + 1] if i + 1 < len(tags) else None
        # Only a bare <name> directly followed by a bare </name>: the content between is the span's own.
        if prefixed or data[name_end] != ord(">") or after is None or not after[0] or after[1]:
            continue
        begin, end = name_end + 1, after[2]
        if data[after[3] : after[3] + 1] != b">" or (block := grammar.read(data, begin, end)) is None:
            continue
        if block.prefixes and not _declared(root, data[begin:end], block.prefixes):
            continue
        blocks[opens] = block
        pieces.append(data[kept:begin])
        kept = end
    if not blocks:
        return None
    pieces.append(data[kept:])
    return Cut(b"".join(pieces), blocks, opens)


class PointTexts:
    """Raw point texts by key in document order, from streamed records and cut blocks alike.

    Each point also carries a tag (its GPX segment or TCX track number), so a
    change of tag between neighbours marks a pause.
    """

    __slots__ = ("_records", "columns", "keys", "tags")

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = tuple(keys)
        self.columns: dict[str, list[str | None]] = {key: [] for key in self.keys}
        self.tags: list[int] = []
        self._records: list[dict[str, str]] = []

    def __len__(self) -> int:
        return len(self.tags)

    def add_record(self, record: dict[str, str], tag: int) -> None:
        self._records.append(record)
        self.tags.append(tag)

    def add_block(self, block: Block, tag: int) -> None:
        self._flush()
        for key in self.keys:
            column = block.columns.get(key)
            self.columns[key].extend(column if column is not None else [None] * block.size)
        self.tags.extend([tag] * block.size)

    def finish(self) -> dict[str, list[str | None]]:
        """The columns, every streamed record included."""
        self._flush()
        return self.columns

    def _flush(self) -> None:
        records = self._records
        if records:
            for key in self.keys:
                self.columns[key].extend(map(methodcaller("get", key), records))
            records.clear()
