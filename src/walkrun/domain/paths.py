"""Where walkrun keeps its data, without importing anything heavy (``--help`` shows it)."""

from __future__ import annotations

import os
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
