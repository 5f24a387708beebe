"""The writer contract: a plan in, files out."""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from walkrun.models import AthleteProfile
from walkrun.plan import Plan
from walkrun.protocol import Protocol


class ExportContext(BaseModel):
    """Everything a writer may need besides the plan itself."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    profile: AthleteProfile
    protocol: Protocol
    options: dict[str, str] = Field(default_factory=dict)
    state: dict[str, str] = Field(
        default_factory=dict, description="what this writer stored last time (e.g. content hashes)"
    )


class Writer(ABC):
    """Base class for writer plugins, registered through ``register_writers``.

    ``name`` is what ``walkrun export --format`` accepts and must be unique.
    ``write`` returns the paths it wrote inside ``out_dir``; use
    :func:`atomic_write` so a crash never leaves half a file.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    extension: ClassVar[str] = ""

    @abstractmethod
    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path]:
        """Write the plan under ``out_dir`` and return the written paths."""


def atomic_write(path: Path, data: bytes) -> Path:
    """Write via a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
