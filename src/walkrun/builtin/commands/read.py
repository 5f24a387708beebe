"""Read commands: ``status``, ``plan``, ``explain``, ``protocols``, ``plugins``, ``athletes``.

Imported only when one of them runs (see ``walkrun.builtin.commands``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from walkrun.app.athlete import plan_for
from walkrun.app.views import decision_view, plan_view, protocol_view, status_view
from walkrun.builtin.commands.note import print_notes
from walkrun.cli.core import Ctx, complete_protocol_ids, emit_json, err, out, print_diff, print_next
from walkrun.evidence.sessions import WeekEvidence, weekly_evidence

# "(shared/seeds/001_7a7af401252b9963.txt)": a source's file, too long a word for an 80-column table.
FILE_REF = re.compile(r"\s*\([\w./-]+\.(?:txt|md|toml)\)")


def new_table(title: str, *columns: str) -> Table:
    """A table that reads at 80 columns: light rules, no outer padding, words wrap whole."""
    t = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, title_justify="left")
    for col in columns:
        t.add_column(col, overflow="fold")
    return t


def _weeks_option(f: Any) -> Any:
    return click.option("--weeks", type=click.IntRange(1, 104), default=4, show_default=True, help="Plan horizon.")(f)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(c: Ctx, as_json: bool) -> None:
    """Phase, gate checklist with evidence, warnings and the next sessions."""
    athlete_id = c.athlete_id()
    ap = plan_for(c.store, c.registry, athlete_id, c.today(athlete_id), 14)
    plan = ap.plan
    weeks = weekly_evidence(ap.history.sessions, plan.today, policy=ap.protocol.pain)
    if as_json:
        emit_json({**status_view(plan), "weekly_evidence": [w.as_dict() for w in weeks]})
        return
    out.print(
        f"[bold]{athlete_id}[/] — {ap.profile.condition.label}, injured {ap.profile.injury_date} "
        f"({(plan.today - ap.profile.injury_date).days // 7} weeks ago)"
    )
    out.print(
        f"Protocol: {ap.protocol.name}   Today: {plan.today}   Phase: [bold]{plan.phase.value}[/]"
        + (f"   Level: [bold]{plan.level}[/]" if plan.level else "")
    )
    gate = plan.gate
    state = f"OPEN since {gate.opened_on}" if gate.open and gate.opened_on else ("OPEN" if gate.open else "CLOSED")
    table = new_table(f"Gate to running: {state}", "", "criterion", "evidence")
    for crit in gate.criteria:
        table.add_row("[green]✔[/]" if crit.met else "[red]✘[/]", crit.name, crit.evidence)
    out.print(table)
    _print_weeks(weeks)
    for w in plan.warnings[-5:]:
        out.print(f"[yellow]warning[/] {w.date} {w.kind}: {w.message}")
    print_next([s for s in plan.sessions if s.kind.value != "rest"][:5])


def _print_weeks(weeks: list[WeekEvidence]) -> None:
    if not any(w.brisk_sessions or w.run_s for w in weeks):
        return
    cols = ("week of", "walks", "brisk min", "longest", "pain-free", "pain?", "pain", "run min", "warnings")
    table = new_table("Brisk-walk evidence by week (pain? = sessions without pain scores)", *cols)
    for w in weeks:
        table.add_row(
            w.week_start.isoformat(),
            str(w.brisk_sessions),
            str(w.brisk_walk_s // 60),
            f"{w.longest_brisk_walk_s // 60}′",
            str(w.pain_free),
            str(w.pain_unknown) if w.pain_unknown else "",
            f"[red]{w.with_pain}[/]" if w.with_pain else "",
            str(w.run_s // 60) if w.run_s else "",
            "; ".join(sorted({x.split(":")[0] for x in w.warnings})),
        )
    out.print(table)


@click.command()
@_weeks_option
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the plan in every format (ics, fit, json, html) to this folder.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def plan(c: Ctx, /, weeks: int, export_dir: Path | None, as_json: bool) -> None:
    """Upcoming dated sessions (later ones assume earlier ones go pain-free)."""
    athlete_id = c.athlete_id()
    today = c.today(athlete_id)
    if export_dir is not None:
        from walkrun.app.export import export_plan, parse_formats
        from walkrun.builtin.commands.export import DEFAULT_FORMATS

        _, exported = export_plan(
            c.store, c.registry, athlete_id, today, parse_formats(DEFAULT_FORMATS, c.registry), export_dir,
            horizon_days=weeks * 7,
        )  # fmt: skip
        for e in exported:
            err.print(f"wrote {e.writer}: {', '.join(str(p) for p in e.paths[:2])}{' …' if len(e.paths) > 2 else ''}")
    ap = plan_for(c.store, c.registry, athlete_id, today, weeks * 7)
    if as_json:
        emit_json(plan_view(ap.plan))
        return
    table = new_table(f"{athlete_id}: plan from {today} ({weeks} weeks, {ap.protocol.id})",
                      "date", "", "session", "run", "walk", "why")  # fmt: skip
    for s in ap.plan.sessions:
        table.add_row(
            s.date.isoformat(),
            s.date.strftime("%a"),
            s.title,
            f"{s.run_s // 60}′" if s.run_s else "",
            f"{s.walk_s // 60}′" if s.walk_s else "",
            FILE_REF.sub("", s.reason),
        )
    out.print(table)
    out.print("Sessions after today are provisional: each step up needs the sessions before it to stay pain-free.")
    c.hint(f"the sources behind each step: {c.command('explain', athlete=athlete_id)}")


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include projected decisions.")
@click.option("--diff", "show_diff", is_flag=True, help="What changed between the last two plan revisions, and why.")
@click.option("--from-rev", type=click.IntRange(1), help="With --diff: the older revision.")
@click.option("--to-rev", type=click.IntRange(1), help="With --diff: the newer revision.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def explain(
    c: Ctx, /, show_all: bool, show_diff: bool, from_rev: int | None, to_rev: int | None, as_json: bool
) -> None:
    """The decision log: every rule that fired, its evidence and its source."""
    athlete_id = c.athlete_id()
    if show_diff or from_rev or to_rev:
        from walkrun.builtin.commands.coach import explain_diff

        diff = explain_diff(c, athlete_id, from_rev, to_rev)
        if as_json:
            emit_json(diff)
            return
        out.print(
            f"{athlete_id}: revision {diff['from_revision']} (as of {diff['from_today']}) → "
            f"revision {diff['to_revision']} (as of {diff['to_today']})"
        )
        print_diff(diff)
        return
    ap = plan_for(c.store, c.registry, athlete_id, c.today(athlete_id), 28)
    decisions = [d for d in ap.plan.decisions if show_all or not d.projected]
    if as_json:
        emit_json(
            {
                "athlete": athlete_id,
                "today": ap.plan.today.isoformat(),
                "phase": ap.plan.phase.value,
                "level": ap.plan.level,
                "decisions": [decision_view(d) for d in ap.plan.decisions],
                "coach_notes": [n.as_dict() for n in c.store.notes(athlete_id)],
            }
        )
        return
    if not decisions:
        out.print("No decisions yet.")
    for d in decisions:
        move = f" {d.level_from or ''}→{d.level_to}" if d.level_to and d.level_to != d.level_from else ""
        tag = " (projected)" if d.projected else ""
        out.print(f"[bold]{d.date}[/] {d.action}{move} [cyan]{d.rule}[/]{tag}")
        out.print(f"    evidence: {d.evidence}")
        out.print(f"    source:   {d.source}")
    print_notes(c.store.notes(athlete_id))


@click.command()
@click.option("--show", "show_id", metavar="ID", shell_complete=complete_protocol_ids, help="One protocol in full.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def protocols(c: Ctx, show_id: str | None, as_json: bool) -> None:
    """List the available rehab protocols (--show ID for one in full)."""
    if show_id is not None:
        from walkrun.builtin.commands.help import show_protocol

        show_protocol(c, show_id, as_json=as_json)
        return
    items = [protocol_view(p) for _, p in sorted(c.registry.protocols.items())]
    if as_json:
        emit_json({"protocols": items})
        return
    for p in items:
        out.print(f"[bold]{p['id']}[/] — {p['name']} ({p['tissue']})")
        out.print(f"  conditions: {', '.join(p['conditions'])}; default for: {', '.join(p['default_for']) or '-'}")
        out.print(
            f"  levels: {', '.join(lv['id'] + ' ' + lv['name'] for lv in p['levels'])}; "
            f"then continuous {p['continuous_min'][0]}→{p['continuous_min'][-1]} min"
        )
        if p["required_clinical_tests"]:
            out.print(f"  required tests: {', '.join(p['required_clinical_tests'])}")
    c.hint("how to do each clinical test: walkrun tests --protocol ID (or walkrun protocols --show ID)")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def plugins(c: Ctx, as_json: bool) -> None:
    """List loaded plugins and what each registered."""
    from walkrun.cli.core import add_plugin_commands

    reg = c.registry.load_all()
    root = click.get_current_context().find_root().command
    if isinstance(root, click.Group):
        add_plugin_commands(root, c.plugins_dir)
    items = [info.as_dict() for info in reg.plugins.values()]
    if as_json:
        emit_json({"plugins": items})
        return
    for p in items:
        registered = {**p["registered"], **({"commands": p["commands"]} if p["commands"] else {})}
        what = "; ".join(f"{k}: {', '.join(v)}" for k, v in registered.items()) or "-"
        line = f"[bold]{p['name']}[/] ({p['origin']}{', ' + p['distribution'] if p['distribution'] else ''}) {what}"
        out.print(line)
        if p["error"]:
            out.print(f"  [red]error:[/] {p['error']}")


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def athletes(c: Ctx, as_json: bool) -> None:
    """List the athletes in this store."""
    rows = []
    ids = c.store.athlete_ids() if c.has_store else []
    if not ids and not as_json:
        out.print(f"The store {c.home} is empty: {c.no_athlete()}", soft_wrap=True, markup=False)
        return
    for athlete_id in ids:
        p = c.store.profile(athlete_id)
        rows.append(
            {
                "athlete": athlete_id,
                "name": p.name,
                "condition": p.condition.value,
                "injury_date": p.injury_date.isoformat(),
            }
        )
    if as_json:
        emit_json({"athletes": rows})
        return
    for r in rows:
        out.print(f"{r['athlete']}  {r['condition']}  injured {r['injury_date']}  {r['name']}")
