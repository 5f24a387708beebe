"""Content detection and decompression for the import pipeline.

Formats are recognised by their bytes, never by file name: Strava archives
hold ``*.fit.gz`` and ``*.tcx.gz``, and people rename files. Each registered
reader's ``sniff`` looks at the first 4 KiB of the decompressed data.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

from walkrun.domain.errors import ReadError
from walkrun.plugins.readers import Reader, SniffError

__all__ = ["GZIP_MAGIC", "SNIFF_BYTES", "decompress", "describe_start", "is_gzip", "pick_reader"]

SNIFF_BYTES = 4096
GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024


def is_gzip(data: bytes) -> bool:
    return data[:2] == GZIP_MAGIC


def decompress(data: bytes, source: str, max_bytes: int) -> bytes:
    """Gunzip ``data`` when it starts with the gzip magic bytes; otherwise return it as is.

    ``max_bytes`` bounds the result either way, so a small gzip bomb cannot
    exhaust memory: output is produced in bounded steps and stops as soon as
    it passes the limit. Concatenated gzip members are joined, as gunzip does.
    """
    if not is_gzip(data):
        if len(data) > max_bytes:
            raise ReadError(source, f"file is larger than {max_bytes} bytes")
        return data
    out = bytearray()
    pending = data
    while pending:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        chunk = pending
        try:
            while chunk:
                out += inflater.decompress(chunk, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise ReadError(source, f"decompresses to more than {max_bytes} bytes")
                chunk = inflater.unconsumed_tail
            out += inflater.flush()
        except zlib.error as exc:
            raise ReadError(source, f"corrupt gzip data ({exc})") from None
        if len(out) > max_bytes:
            raise ReadError(source, f"decompresses to more than {max_bytes} bytes")
        if not inflater.eof:
            raise ReadError(source, "gzip data is truncated")
        pending = inflater.unused_data
        if pending and not is_gzip(pending):
            if not pending.strip(b"\x00"):
                break  # zero padding after the stream, which gunzip also ignores
            raise ReadError(source, "unexpected bytes after the gzip data")
    return bytes(out)


def describe_start(data: bytes, length: int = 16) -> str:
    """The first bytes, printable, for error messages."""
    if not data:
        return "an empty file"
    return repr(bytes(data[:length])) + ("..." if len(data) > length else "")


def pick_reader(readers: Mapping[str, type[Reader]], data: bytes, source: str) -> type[Reader]:
    """The first reader, by name, whose ``sniff`` claims the first 4 KiB of ``data``.

    Sorting by name makes the choice independent of plugin load order. A
    reader whose ``sniff`` raises is passed over, so one broken plugin does not
    stop the import of files another reader claims; when no reader claims the
    file, the failure is its error (:class:`SniffError`), not "not this format".
    """
    head = bytes(data[:SNIFF_BYTES])
    broken: list[str] = []
    for name in sorted(readers):
        reader = readers[name]
        try:
            claimed = bool(reader.sniff(head))
        except Exception as exc:
            broken.append(f"reader {name!r} ({reader.__module__}) failed in sniff: {type(exc).__name__}: {exc}")
            continue
        if claimed:
            return reader
    if broken:
        raise SniffError(source, "; ".join(broken))
    if not data:
        raise ReadError(source, "empty file")
    if is_gzip(data):
        raise ReadError(source, "gzip-compressed data must be decompressed first (was it compressed twice?)")
    known = [name.upper() for name in sorted(readers)]
    listed = " or ".join([", ".join(known[:-1]), known[-1]]) if len(known) > 1 else "".join(known) or "known"
    raise ReadError(source, f"not a {listed} file (starts with {describe_start(data)})")
