"""The plugin contract and host: hook specifications, the reader and writer contracts, and the
pluggy manager that loads built-ins and third-party plugins and keeps one plugin's mistake from
harming the rest. Only the manager names the built-in plugins.

``walkrun.plugins`` was one module before the layers had packages; its public names are still
reachable here, imported on first use so the contracts stay cheap to import.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("_"):
        raise AttributeError(name)
    manager = importlib.import_module("walkrun.plugins.manager")
    try:
        return getattr(manager, name)
    except AttributeError:
        raise AttributeError(f"module 'walkrun.plugins' has no attribute {name!r}") from None
