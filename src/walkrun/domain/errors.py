"""Errors walkrun raises on purpose; the CLI prints them as one line."""

from __future__ import annotations


class WalkrunError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class UsageError(WalkrunError):
    """A bad value on the command line or in a file the user gave us."""


class UnknownAthleteError(WalkrunError):
    """The athlete id is not in the store."""


class ProtocolError(WalkrunError):
    """A protocol file is missing, malformed or unknown."""


class PluginError(WalkrunError):
    """A plugin registered something invalid (duplicate name, missing attribute)."""


class StoreError(WalkrunError):
    """The store could not be opened or written."""


class ReadError(WalkrunError):
    """A watch file could not be read; carries the file name."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NotAnActivityError(ReadError):
    """The file is valid but holds no activity (settings, monitoring, workout...)."""
