"""The ``walkrun`` command line's frame: the root group, the context every command gets, consoles,
hints and the glossary. Commands themselves live in ``walkrun.builtin.commands`` and register
through the ``register_commands`` hook like any plugin's.

``walkrun.cli:main`` (the old entry point) still works: ``main`` is imported from
``walkrun.cli.root`` on first use.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in {"main", "cli"}:
        from walkrun.cli import root

        return getattr(root, name)
    raise AttributeError(f"module 'walkrun.cli' has no attribute {name!r}")
