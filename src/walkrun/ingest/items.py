"""What an import produces and remembers: items, progress events, limits, the re-import cache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.activities import Activity

__all__ = [
    "ImportCache",
    "ImportItem",
    "ImportLimits",
    "ImportStatus",
    "KnownContent",
    "ProgressEvent",
    "UnsafeNameError",
    "safe_member_name",
]

# "known": the same bytes were imported before (unchanged file, or a copy/move of one): not read again.
ImportStatus = Literal["imported", "known", "non_activity", "error"]
MIB = 1024 * 1024


class ImportLimits(BaseModel):
    """Bounds that keep a hostile or broken archive from exhausting memory or time."""

    model_config = ConfigDict(frozen=True)

    max_members: int = Field(20_000, gt=0, description="entries in one archive")
    max_member_bytes: int = Field(64 * MIB, gt=0, description="one file, decompressed")
    max_total_bytes: int = Field(2048 * MIB, gt=0, description="one top-level archive, decompressed")
    max_depth: int = Field(3, ge=1, description="archives in a chain; the outermost is 1")


class ImportItem(BaseModel):
    """The outcome for one file (or one Strava row without a file).

    ``file_key``/``file_size``/``file_stamp`` identify the file on disk or the
    archive member (stamp: mtime in ns, or the member's CRC-32) so a re-import
    can map it to ``content_hash`` without opening it.
    """

    source: str
    status: ImportStatus
    reason: str = ""
    size_bytes: int = Field(0, ge=0)
    content_hash: str = Field("", description="sha256 of the decompressed bytes")
    activities: list[Activity] = Field(default_factory=list)
    classifications: list[str] = Field(default_factory=list, description="JSON, one per activity; may be empty")
    blobs: list[bytes] = Field(default_factory=list, description="compressed activity JSON, one per activity")
    known_activities: int = Field(0, ge=0, description="for 'known': activities the content held")
    file_key: bytes = b""
    file_size: int = 0
    file_stamp: int = 0


@dataclass(frozen=True)
class KnownContent:
    """What reading some bytes gave before: imported (with how many activities), or why not."""

    status: Literal["imported", "non_activity", "error"]
    reason: str = ""
    activities: int = 0


@dataclass(frozen=True)
class ImportCache:
    """What the store remembers: file identity -> content hash, content hash -> outcome."""

    files: Mapping[bytes, tuple[int, int, str]] = field(default_factory=dict)  # key -> (size, stamp, hash)
    contents: Mapping[str, KnownContent] = field(default_factory=dict)

    def hash_for(self, key: bytes, size: int, stamp: int) -> str | None:
        seen = self.files.get(key)
        if seen is None or seen[0] != size or seen[1] != stamp:
            return None
        return seen[2]

    def known(self, digest: str | None) -> KnownContent | None:
        return self.contents.get(digest) if digest else None


@dataclass(frozen=True)
class ProgressEvent:
    """``total`` when the expected work changes (up front, when a nested archive opens); ``file`` per file.

    Bytes are file sizes on disk for plain files and decompressed sizes for
    archive members, so a progress bar moves evenly through a zip.
    """

    kind: Literal["total", "file"]
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    source: str = ""
    size_bytes: int = 0


class UnsafeNameError(ValueError):
    """An archive member name that could point outside the archive root."""


def safe_member_name(name: str) -> str:
    """``name`` as a clean relative '/' path inside the archive, or ``UnsafeNameError``.

    We never write members to disk, but member names become sources and are
    matched against Strava paths, so anything that could climb out of the
    archive root is refused rather than "cleaned" into a different file.
    """
    if not name:
        raise UnsafeNameError("empty member name")
    if "\\" in name:
        raise UnsafeNameError("backslash in member name")
    if "\x00" in name:
        raise UnsafeNameError("NUL byte in member name")
    if name.startswith("/"):
        raise UnsafeNameError("absolute member name")
    if name[1:2] == ":":  # Windows path functions take any "X:" prefix as a drive
        raise UnsafeNameError("drive letter in member name")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    # Windows drops trailing dots and spaces, so "..", ". ." and "..." all climb.
    if any(p.strip(" .") == "" for p in parts):
        raise UnsafeNameError("'..' in member name")
    if not parts:
        raise UnsafeNameError("empty member name")
    return "/".join(parts)
