"""``walkrun db``: the store's schema revision and upgrading it, for operators.

Every command upgrades the store it opens anyway; these let an operator see where a shared
store is and upgrade it at a chosen moment (before new server instances start, say).
"""

from __future__ import annotations

import click

from walkrun.cli.core import Ctx, emit_json

NEEDS_UPGRADE = "needs an upgrade: `walkrun db upgrade` (any command that opens the store does it too)"


def _label(revision: str | None) -> str:
    from walkrun.store.migrate import FIRST_RELEASE

    if revision is None:
        return "none (empty store)"
    return f"{revision} (first release, before migrations)" if revision == FIRST_RELEASE else revision


@click.group()
def db() -> None:
    """The store's database schema: which revision it has, and upgrading it."""


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def current(c: Ctx, as_json: bool) -> None:
    """Show the store's schema revision and the newest this walkrun knows, changing nothing."""
    from walkrun.store import migrate
    from walkrun.store.db import open_database

    if not c.has_store:
        state, where = migrate.SchemaState(None, migrate.head_revision()), str(c.home)
    else:
        database = open_database(c.home, c.database_url)
        try:
            state, where = migrate.state(database), database.describe()
        finally:
            database.dispose()
    newer = state.current is not None and not migrate.is_known(state.current)
    verdict = "up to date" if state.up_to_date else ("written by a newer walkrun" if newer else NEEDS_UPGRADE)
    if state.current is None:
        verdict = "no store yet: `walkrun init` (or `walkrun db upgrade`) creates it"
    if as_json:
        emit_json({"store": where, "current": state.current, "head": state.head, "up_to_date": state.up_to_date})
        return
    click.echo(f"store: {where}\nschema: {_label(state.current)}\nnewest known: {state.head}\n{verdict}")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def upgrade(c: Ctx, as_json: bool) -> None:
    """Upgrade the store's schema to the newest this walkrun knows (one transaction)."""
    from walkrun.store import migrate
    from walkrun.store.db import open_database

    database = open_database(c.home, c.database_url)
    try:
        before = migrate.upgrade(database)
    finally:
        database.dispose()
    if as_json:
        emit_json({"store": database.describe(), "from": before.current, "to": before.head})
    elif before.up_to_date:
        click.echo(f"{database.describe()}: already at schema {before.head}")
    else:
        click.echo(f"{database.describe()}: upgraded from schema {_label(before.current)} to {before.head}")
