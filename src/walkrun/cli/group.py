"""The root command group: every command arrives through the ``register_commands`` hook.

Built-in commands are registered by :mod:`walkrun.builtin.commands`
exactly as a third-party plugin registers its own, but as :class:`LazyCommand`
placeholders (a name, a one-line help and where the command lives), so
``walkrun --help`` lists them without importing the engine, and a command's
module is imported only when that command runs. Global options typed after the
command name are moved in front of it here too, since click expects them there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import click

from walkrun.domain.paths import default_home

# Global options a user may also type after the command (`walkrun log --athlete ann ...`).
GLOBAL_VALUE_OPTIONS = ("--home", "--athlete", "--today", "--plugins-dir", "--database-url")


class LazyCommand(click.Command):
    """A registered command that is not imported yet: ``target`` is ``"module:attribute"``."""

    def __init__(self, name: str, target: str, short_help: str) -> None:
        super().__init__(name, short_help=short_help)
        self.target = target

    def load(self) -> click.Command:
        """Import the real command; it keeps this one-line help, so ``--help`` reads the same before and after."""
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        command.short_help = command.short_help or self.short_help
        return command


class LazyGroup(click.Group):
    """Asks ``load_commands`` for its commands on first use and imports a placeholder only when it runs.

    ``walkrun --version`` exits while its options are parsed, before any
    command is asked for, so it loads nothing.
    """

    def __init__(self, *args: Any, load_commands: Callable[[click.Group], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.load_commands = load_commands
        self._commands_loaded = False

    def ensure_commands(self) -> None:
        if not self._commands_loaded:
            self._commands_loaded = True
            if self.load_commands is not None:
                self.load_commands(self)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, hoist_global_options(args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.ensure_commands()
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self.ensure_commands()
        cmd = self.commands.get(cmd_name)
        if isinstance(cmd, LazyCommand):
            cmd = self.commands[cmd_name] = cmd.load()
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """One line per command from what was registered: listing them imports none."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        rows = [(name, cmd.get_short_help_str(limit)) for name in names if not (cmd := self.commands[name]).hidden]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        formatter.write_paragraph()
        formatter.write_text("Plugins may add commands: `walkrun plugins` lists them.")
        formatter.write_paragraph()
        formatter.write_text(f"Data folder (store): {default_home()}  (change with --home or $WALKRUN_HOME)")


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options typed after the command name in front of it, where click expects them."""
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        i += 2 if args[i] in GLOBAL_VALUE_OPTIONS else 1
    if i >= len(args) or args[i] == "--":
        return args
    moved: list[str] = []
    kept: list[str] = []
    rest = args[i + 1 :]
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            kept += rest[j:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_VALUE_OPTIONS and ("=" in arg or j + 1 < len(rest)):
            take = 1 if "=" in arg else 2
            moved += rest[j : j + take]
            j += take
            continue
        kept.append(arg)
        j += 1
    return [*args[:i], *moved, args[i], *kept]


def command_word(args: list[str]) -> str | None:
    """The command the user asked for (None for ``--help``, ``--version`` or nothing)."""
    hoisted = hoist_global_options(args)
    i = 0
    while i < len(hoisted) and hoisted[i].startswith("-") and hoisted[i] != "--":
        i += 2 if hoisted[i] in ("--home", "--athlete", "--today", "--plugins-dir") else 1
    return hoisted[i] if i < len(hoisted) and hoisted[i] != "--" else None
