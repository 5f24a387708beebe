"""Where walkrun keeps its data and how it writes files, without importing anything heavy (``--help`` shows it)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

HOME_ENV = "WALKRUN_HOME"
PLUGINS_DIR_ENV = "WALKRUN_PLUGINS_DIR"
DB_NAME = "walkrun.sqlite3"


def default_home() -> Path:
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env)
    import platformdirs  # only when no WALKRUN_HOME: it is the one import this module needs

    return Path(platformdirs.user_data_dir("walkrun", appauthor=False))


def atomic_write(path: Path, data: bytes) -> Path:
    """Write via a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); exports are meant to be shared like any new file.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
