"""The reader contract: bytes of one watch file in, activities out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from walkrun.domain.activities import Activity
from walkrun.domain.errors import ReadError


class Reader(ABC):
    """Base class for reader plugins.

    A reader is registered through the ``register_readers`` hook. ``name`` must
    be unique across all plugins. Readers are chosen by *content*: ``sniff``
    looks at the first bytes (already decompressed), so a GPX file named
    ``.fit`` still reaches the GPX reader.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    extensions: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abstractmethod
    def sniff(cls, head: bytes) -> bool:
        """True when ``head`` (the first 4 KiB) looks like this reader's format."""

    @abstractmethod
    def read(self, data: bytes, source: str) -> list[Activity]:
        """Decode a whole file; raise ``ReadError``/``NotAnActivityError`` with a reason."""


class SniffError(ReadError):
    """No reader claimed a file and at least one reader's ``sniff`` raised: the file may be that reader's.

    Reported as the file's error (never as "not an activity file"), naming the
    reader and where it is defined, so a broken plugin is visible.
    """
