"""walkrun's built-in commands, registered through ``register_commands`` like any plugin's.

Each command lives in a ``walkrun.cli_*`` module as a plain ``@click.command()``
that imports nothing of the CLI's root group. This plugin adds each one to the
group as a placeholder (name, one-line help, ``module:attribute``), so
``walkrun --help`` lists them all without importing any, and a command's module
is imported only when it runs. A third-party plugin may register its commands
the same way (or simply with ``@cli.command()``); the host refuses one that
reuses a built-in name unless the user allows it (``WALKRUN_ALLOW_OVERRIDE``).

A new built-in command module needs one line per command in ``COMMANDS``.
"""

from __future__ import annotations

import click

from walkrun.cli.group import LazyCommand
from walkrun.plugins.hookspecs import hookimpl

# name: ("module:attribute", one-line help shown by `walkrun --help`).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("walkrun.builtin.commands.athlete:init", "Create an athlete (or change their details)."),
    "log": ("walkrun.builtin.commands.log:log", "Record a check-in: pain scores, a session done by hand."),
    "clinical": ("walkrun.builtin.commands.log:clinical", "Record a clinical test result (pass/fail)."),
    "demo": ("walkrun.builtin.commands.help:demo", "Run everything on built-in sample data."),
    "status": ("walkrun.builtin.commands.read:status", "Phase, gate checklist, warnings and the next sessions."),
    "plan": ("walkrun.builtin.commands.read:plan", "Upcoming dated sessions and why each was chosen."),
    "explain": ("walkrun.builtin.commands.read:explain", "Every decision: the rule, its evidence and its source."),
    "protocols": ("walkrun.builtin.commands.read:protocols", "The rehab protocols (--show ID for one in full)."),
    "plugins": ("walkrun.builtin.commands.read:plugins", "Loaded plugins and what each added."),
    "athletes": ("walkrun.builtin.commands.read:athletes", "The athletes in this store."),
    "import": (
        "walkrun.builtin.commands.importing:import_command",
        "Import watch files, folders and zip exports (FIT/GPX/TCX).",
    ),
    "activities": ("walkrun.builtin.commands.importing:activities", "Imported activities: walk/run minutes and pain."),
    "diary": ("walkrun.builtin.commands.importing:diary", "Import a CSV pain diary."),
    "sync": ("walkrun.builtin.commands.coach:sync", "Import new files, compare with the plan and re-plan."),
    "done": ("walkrun.builtin.commands.coach:done", "Mark a planned session done as prescribed (no file)."),
    "revisions": ("walkrun.builtin.commands.coach:revisions", "Stored plan revisions and why each was made."),
    "coach": ("walkrun.builtin.commands.coach:coach", "Every athlete at a glance: phase, pain, red flags."),
    "note": ("walkrun.builtin.commands.note:note", "Coach notes about an athlete: add, list."),
    "export": ("walkrun.builtin.commands.export:export", "Write the plan as calendar, watch workouts, JSON, HTML."),
    "feed-url": ("walkrun.builtin.commands.serve:feed_url", "The secret URL of a live calendar feed."),
    "serve": ("walkrun.builtin.commands.serve:serve", "Serve live calendar feeds and the coach's page."),
    "home": ("walkrun.builtin.commands.help:home", "Print the data folder (store) walkrun uses."),
    "db": ("walkrun.builtin.commands.db:db", "The store's schema: its revision (current), upgrading it."),
    "explain-term": ("walkrun.builtin.commands.help:explain_term", "Explain a word: gate, W30, L3, C20, referral..."),
    "glossary": ("walkrun.builtin.commands.help:glossary", "Every word walkrun prints, explained."),
    "tests": ("walkrun.builtin.commands.help:tests", "How to perform each clinical test."),
}


@hookimpl
def register_commands(cli: click.Group) -> None:
    for name, (target, short_help) in COMMANDS.items():
        cli.add_command(LazyCommand(name, target, short_help), name)
