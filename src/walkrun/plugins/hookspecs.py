"""Every hook a walkrun plugin can implement.

Plugins are modules (or objects) with functions decorated ``@walkrun.hookimpl``
whose names match the specs below. Readers, writers and protocols are
*registered* through a callback, llm/hatch style: the core checks each one
(unique ``name``, required attributes) and reports a broken plugin by name.
The core calls each hook once through ``pm.hook``, so ``tryfirst``,
``trylast`` and hook wrappers work; an implementation that raises or returns a
value is reported in one line and its plugin withdrawn (``walkrun.plugins.host``).
Each hook's documentation lives in ``docs/plugins.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from walkrun.domain.protocol import Protocol
    from walkrun.plugins.readers import Reader
    from walkrun.plugins.writers import Writer

PROJECT = "walkrun"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_readers(register: Callable[[type[Reader]], None]) -> None:
    """Register reader classes that turn watch files into activities.

    :param register: call once per :class:`walkrun.plugins.readers.Reader` subclass.
    """


@hookspec
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    """Register writer classes that deliver a plan (calendar, watch, document).

    :param register: call once per :class:`walkrun.plugins.writers.Writer` subclass.
    """


@hookspec
def register_protocols(register: Callable[[Protocol | Path], None]) -> None:
    """Register rehab protocols, as validated objects or TOML file paths.

    :param register: call with a :class:`walkrun.domain.protocol.Protocol` or a ``Path``
        to a protocol TOML file; files are validated when registered.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``walkrun`` command line.

    :param cli: the root click group; use ``@cli.command()`` to add commands.
    """
