"""``walkrun note add/list``: per-athlete coach notes (shown in the roster, summary page and ``explain``)."""

from __future__ import annotations

import click
from rich import box
from rich.table import Table

from walkrun.cli.core import Ctx, emit_json, out
from walkrun.domain.notes import CoachNote, default_author, new_note, short

EXPLAIN_NOTES = 3  # the newest few; `walkrun note list` has them all


@click.group()
def note() -> None:
    """Coach notes about an athlete: what to remember before the next session or visit."""


@note.command("add")
@click.argument("text")
@click.option("--author", metavar="NAME", help="Who wrote it (default: your login name).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def note_add(c: Ctx, /, text: str, author: str | None, as_json: bool) -> None:
    """Add a note to the athlete (--athlete ID when the store has several)."""
    athlete_id = c.athlete_id()
    added = new_note(athlete_id, text, author if author is not None else default_author())
    c.store.add_note(added)
    if as_json:
        emit_json(added.as_dict())
        return
    out.print(f"Note added to {athlete_id} by {added.author}.", markup=False)


@note.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (full text).")
@click.pass_obj
def note_list(c: Ctx, /, as_json: bool) -> None:
    """Notes, oldest first (--athlete: one athlete's)."""
    if c.athlete:
        c.store.profile(c.athlete)  # an unknown athlete is an error, not "no notes"
    notes = c.store.notes(c.athlete) if c.has_store else []
    if as_json:
        emit_json({"athlete": c.athlete, "notes": [n.as_dict() for n in notes]})
        return
    if not notes:
        out.print("No notes yet: walkrun note add TEXT --athlete ID", markup=False)
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for col in ("athlete", "written (UTC)", "by", "note"):
        table.add_column(col, overflow="fold")
    for n in notes:
        table.add_row(n.athlete, n.created_utc.strftime("%Y-%m-%d %H:%M"), n.author, n.text)
    out.print(table, markup=False)


def print_notes(notes: list[CoachNote]) -> None:
    """The newest few notes under another command's output (``explain``)."""
    if not notes:
        return
    out.print("[bold]Coach notes[/] (newest first):")
    for n in reversed(notes[-EXPLAIN_NOTES:]):
        out.print(f"  {n.heading()}: {short(n.text, 200)}", markup=False, highlight=False)
    if len(notes) > EXPLAIN_NOTES:
        out.print(f"  and {len(notes) - EXPLAIN_NOTES} older: walkrun note list", markup=False)
