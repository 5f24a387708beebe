"""Where a record came from, without the machine's folders: shared by the engine and every writer.

A source is ``import:<path>`` (several joined with ``+``), ``log``, ``diary``,
``tag`` or ``done``; people and files only ever see the file's own name or
the archive member, never the folder it was imported from.
"""

from __future__ import annotations

import re

__all__ = ["file_label", "source_name"]

_JOINED = re.compile(r"\+(?=(?:import:|log$|log\+|diary|tag|done))")


def file_label(path: str) -> str:
    """A file's own name, or an archive member's name: never the folder it was imported from."""
    member = path.rsplit("!", 1)[-1]  # "archive.zip!activities/123.fit.gz" -> the member
    name, _, row = member.partition("#")  # "activities.csv#123": a manual row of a CSV
    base = re.split(r"[\\/]", name.rstrip("/\\"))[-1] or name
    return f"{base}#{row}" if row else base


def source_name(source: str) -> str:
    """A record's source as data (``import:123.fit.gz``, ``log``), with any machine path removed."""
    parts = []
    for part in _JOINED.split(source):
        kind, sep, where = part.partition(":")
        parts.append(f"{kind}:{file_label(where)}" if sep and where else file_label(part))
    return "+".join(parts)
