"""The ``walkrun`` command line. Thin: parse, call the core, print."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from walkrun import __version__
from walkrun.athlete import plan_for
from walkrun.errors import UsageError, WalkrunError
from walkrun.evidence import WeekEvidence, weekly_evidence
from walkrun.models import AthleteProfile, CheckIn, ClinicalTestResult, Condition, Side, Weekday
from walkrun.plugins import PLUGINS_DIR_ENV, Registry, get_registry
from walkrun.progression import CLINICIAN_REVIEW
from walkrun.store import HOME_ENV, Store, default_home
from walkrun.views import decision_view, dumps, plan_view, protocol_view, status_view

# Piped output (files, CI logs) gets a fixed, roomy width instead of rich's 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class DateType(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"bad date {value!r}: use YYYY-MM-DD", param, ctx)


DATE = DateType()
PAIN = click.IntRange(0, 10)


@dataclass
class Ctx:
    home: Path
    athlete: str | None
    today_opt: dt.date | None
    plugins_dir: Path | None
    home_given: bool = False
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.home)
        return self._store

    @property
    def registry(self) -> Registry:
        return get_registry(self.plugins_dir)

    def athlete_id(self) -> str:
        if self.athlete:
            return self.athlete
        ids = self.store.athlete_ids()
        if len(ids) == 1:
            return ids[0]
        raise UsageError("say which athlete with --athlete ID" + (f" (known: {', '.join(ids)})" if ids else ""))

    def today(self, athlete_id: str | None = None) -> dt.date:
        if self.today_opt:
            return self.today_opt
        zone = "UTC"
        if athlete_id:
            profile = self.store.find_profile(athlete_id)
            zone = profile.preferences.timezone if profile else zone
        return dt.datetime.now(ZoneInfo(zone)).date()


def fail(message: str) -> NoReturn:
    raise UsageError(message)


def emit_json(data: Any) -> None:
    click.echo(dumps(data), nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="walkrun")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=HOME_ENV,
    help=f"Data folder (default: your user data dir; or ${HOME_ENV}).",
)
@click.option("--athlete", "athlete", metavar="ID", help="Athlete to act on (optional when the store has one).")
@click.option("--today", "today", type=DATE, help="Evaluate as of this date, for reproducible runs.")
@click.option(
    "--plugins-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar=PLUGINS_DIR_ENV,
    help="Also load one-file plugins (*.py) from this folder.",
)
@click.pass_context
def cli(
    ctx: click.Context, home: Path | None, athlete: str | None, today: dt.date | None, plugins_dir: Path | None
) -> None:
    """walkrun: a safe return-to-run plan after a hip injury.

    \b
    Typical session:
      walkrun init --athlete ann --condition femoral-neck-bsi --injury-date 2026-01-05
      walkrun --athlete ann log --walk-min 45 --pain-during 0 --pain-after 0
      walkrun --athlete ann clinical --test single-leg-squat --result pass
      walkrun --athlete ann status
      walkrun --athlete ann plan --weeks 4
      walkrun --athlete ann explain
    """
    ctx.obj = Ctx(home or default_home(), athlete, today, plugins_dir, home_given=home is not None)
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)


# ---- init -------------------------------------------------------------------
CLEARANCE_FLAGS = {
    "imaging-healing": "imaging_shows_healing",
    "hop-tests": "hop_tests_allowed",
    "surgeon-cleared": "surgeon_cleared_running",
}


def _weekdays(value: str | None) -> list[Weekday] | None:
    if value is None:
        return None
    try:
        return [Weekday(v.strip().lower()[:3]) for v in value.split(",") if v.strip()]
    except ValueError:
        fail(f"bad weekday list {value!r}: use e.g. mon,wed,fri,sun")


@cli.command()
@click.option("--athlete", "athlete_opt", metavar="ID", help="Athlete id (letters, digits, - _ .).")
@click.option("--name", help="Display name.")
@click.option("--condition", type=click.Choice([c.value for c in Condition]), help="Diagnosis.")
@click.option("--injury-date", type=DATE, help="Date of injury or diagnosis.")
@click.option("--side", type=click.Choice([s.value for s in Side]))
@click.option("--grade", type=click.IntRange(1, 4), help="MRI grade, if known.")
@click.option("--surgery/--no-surgery", default=None, help="Was the injury treated surgically?")
@click.option("--full-weight-bearing", "fwb", type=DATE, help="Date full weight-bearing was allowed.")
@click.option("--protocol", "protocol_id", help="Protocol id (default: the condition's default).")
@click.option("--timezone", help="IANA time zone, e.g. Europe/London.")
@click.option("--session-days", help="Walk/run weekdays, e.g. mon,wed,fri,sun.")
@click.option("--strength-days", help="Strength weekdays, e.g. tue,thu.")
@click.option("--session-time", help="Usual session time HH:MM.")
@click.option("--goal-run-min", type=click.IntRange(20, 240), help="Continuous easy running goal (minutes).")
@click.option(
    "--clearance",
    "clearances",
    multiple=True,
    type=click.Choice(sorted(CLEARANCE_FLAGS)),
    help="Record a clinician clearance (repeatable).",
)
@click.option("--revoke", multiple=True, type=click.Choice(sorted(CLEARANCE_FLAGS)), help="Withdraw a clearance.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored profile as JSON.")
@click.pass_obj
def init(c: Ctx, /, athlete_opt: str | None, as_json: bool, **flags: Any) -> None:
    """Create an athlete profile, or update the given fields of an existing one."""
    athlete_id = athlete_opt or c.athlete
    if not athlete_id:
        fail("init needs --athlete ID")
    existing = c.store.find_profile(athlete_id)
    data: dict[str, Any] = existing.model_dump() if existing else {"athlete_id": athlete_id}
    prefs: dict[str, Any] = data.get("preferences") or {}
    simple = {
        "name": "name",
        "condition": "condition",
        "injury_date": "injury_date",
        "side": "side",
        "grade": "grade",
        "surgery": "surgery",
        "fwb": "full_weight_bearing_date",
        "protocol_id": "protocol_id",
    }
    for flag, key in simple.items():
        if flags[flag] is not None:
            data[key] = flags[flag]
    if flags["timezone"]:
        prefs["timezone"] = flags["timezone"]
    for flag, key in (("session_days", "session_weekdays"), ("strength_days", "strength_weekdays")):
        days = _weekdays(flags[flag])
        if days is not None:
            prefs[key] = days
    if flags["session_time"]:
        try:
            prefs["session_time"] = dt.time.fromisoformat(flags["session_time"])
        except ValueError:
            fail(f"bad --session-time {flags['session_time']!r}: use HH:MM")
    if flags["goal_run_min"]:
        prefs["goal_run_min"] = flags["goal_run_min"]
    data["preferences"] = prefs
    clear = dict(data.get("clearances") or {})
    for name in flags["clearances"]:
        clear[CLEARANCE_FLAGS[name]] = True
    for name in flags["revoke"]:
        clear[CLEARANCE_FLAGS[name]] = False
    data["clearances"] = clear
    if existing is None:
        missing = [f"--{k.replace('_', '-')}" for k in ("condition", "injury_date") if k not in data]
        if missing:
            fail(f"a new athlete needs {' and '.join(missing)}")
    try:
        profile = AthleteProfile.model_validate(data)
    except ValidationError as exc:
        fail(_first_error(exc))
    protocol = c.registry.protocol_for(profile.condition, profile.protocol_id)
    created = c.store.save_profile(profile)
    _save_revision(c, profile.athlete_id, "profile created" if created else "profile updated")
    if as_json:
        emit_json(profile.model_dump(mode="json"))
        return
    verb = "Created" if created else "Updated"
    out.print(
        f"{verb} athlete [bold]{profile.athlete_id}[/]: {profile.condition.label}, injured {profile.injury_date}, "
        f"protocol [bold]{protocol.id}[/] (store: {c.home})"
    )


def _first_error(exc: ValidationError) -> str:
    e = exc.errors()[0]
    where = ".".join(str(p) for p in e["loc"])
    return f"{where}: {e['msg']}" if where else str(e["msg"])


def _save_revision(c: Ctx, athlete_id: str, reason: str) -> int | None:
    from walkrun.revisions import store_revision

    rev = store_revision(c.store, c.registry, athlete_id, c.today(athlete_id), reason)["revision"]
    return int(rev) if rev is not None else None


# ---- log / clinical -------------------------------------------------------------
@cli.command()
@click.option("--date", "day", type=DATE, help="Day of the session or check-in (default: today).")
@click.option("--walk-min", type=click.FloatRange(0, 600), help="Minutes of brisk walking done.")
@click.option("--run-min", type=click.FloatRange(0, 600), help="Minutes of running done.")
@click.option("--pain-during", type=PAIN, help="Pain during, 0-10.")
@click.option("--pain-after", type=PAIN, help="Pain after, 0-10.")
@click.option("--pain-next-morning", type=PAIN, help="Pain the next morning, 0-10 (can be added the next day).")
@click.option("--night-pain", is_flag=True, help="Pain woke you or kept you up at night.")
@click.option("--note", default="", help="Free text.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored check-in and today's session as JSON.")
@click.pass_obj
def log(c: Ctx, /, day: dt.date | None, as_json: bool, note: str, night_pain: bool, **values: Any) -> None:
    """Record a check-in: pain scores, and optionally a session done by hand.

    Logging the same date again fills in what was missing (e.g. the next-morning score).
    """
    athlete_id = c.athlete_id()
    profile = c.store.profile(athlete_id)
    today = c.today(athlete_id)
    day = day or today
    if day > today:
        fail(f"--date {day} is in the future (today is {today})")
    if day < profile.injury_date:
        fail(f"--date {day} is before the injury date {profile.injury_date}")
    if all(v is None for v in values.values()) and not night_pain and not note:
        fail("nothing to log: give pain scores, --night-pain, --walk-min/--run-min or --note")
    checkin = CheckIn(date=day, night_pain=night_pain, note=note, **values)
    c.store.add_checkin(athlete_id, checkin)
    rev = _save_revision(c, athlete_id, f"check-in {day} logged")
    ap = plan_for(c.store, c.registry, athlete_id, today)
    if as_json:
        emit_json({"checkin": checkin.model_dump(mode="json"), "revision": rev, "status": status_view(ap.plan)})
        return
    out.print(f"Logged {day} for {athlete_id}: {_describe(checkin)}")
    if checkin.has_session and checkin.pain_during is None and checkin.pain_after is None:
        err.print("[yellow]Note:[/] no pain scores given, so this session cannot count as pain-free.")
    new = [d for d in ap.plan.decisions if d.date == day and not d.projected]
    for d in new:
        out.print(f"  → {d.action}: {d.rule} — {d.evidence}")
    _print_next(ap.plan.sessions[:3])


def _describe(c: CheckIn) -> str:
    parts = []
    if c.walk_min:
        parts.append(f"walk {c.walk_min:g} min")
    if c.run_min:
        parts.append(f"run {c.run_min:g} min")
    for label, value in (("during", c.pain_during), ("after", c.pain_after), ("next morning", c.pain_next_morning)):
        if value is not None:
            parts.append(f"pain {label} {value}/10")
    if c.night_pain:
        parts.append("night pain")
    if c.note:
        parts.append(f"note: {c.note}")
    return ", ".join(parts)


@cli.command()
@click.option("--date", "day", type=DATE, help="Day of the test (default: today).")
@click.option("--test", "test_id", required=True, metavar="TEST-NAME", help="Test id (see walkrun protocols).")
@click.option("--result", type=click.Choice(["pass", "fail"]), required=True)
@click.option("--note", default="")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def clinical(c: Ctx, day: dt.date | None, test_id: str, result: str, note: str, as_json: bool) -> None:
    """Record a clinical test or clearance-drill result (pass/fail)."""
    athlete_id = c.athlete_id()
    profile = c.store.profile(athlete_id)
    protocol = c.registry.protocol_for(profile.condition, profile.protocol_id)
    today = c.today(athlete_id)
    day = day or today
    if day > today:
        fail(f"--date {day} is in the future (today is {today})")
    test = protocol.test(test_id)
    if test is None and test_id != CLINICIAN_REVIEW:
        known = ", ".join([t.id for t in protocol.clinical_tests] + [CLINICIAN_REVIEW])
        fail(f"unknown test {test_id!r} for protocol {protocol.id}; known: {known}")
    if test is not None and test.hop and protocol.is_bone and not profile.clearances.hop_tests_allowed:
        fail(
            f"{test_id} is a hop test: not offered for {profile.condition.label} until a clinician enables it "
            f"(walkrun init --athlete {athlete_id} --clearance hop-tests)"
        )
    record = ClinicalTestResult(test=test_id, date=day, passed=result == "pass", note=note)
    c.store.add_clinical(athlete_id, record)
    rev = _save_revision(c, athlete_id, f"clinical test {test_id} {result} on {day}")
    if as_json:
        emit_json({"clinical_test": record.model_dump(mode="json"), "revision": rev})
        return
    out.print(f"Recorded {test_id}: {result} on {day} for {athlete_id}")


# ---- read commands --------------------------------------------------------------------
def _weeks_option(f: Any) -> Any:
    return click.option("--weeks", type=click.IntRange(1, 104), default=4, show_default=True, help="Plan horizon.")(f)


@cli.command()
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
    table = Table(title=f"Gate to running: {state}", show_lines=False, expand=False)
    table.add_column("", width=3)
    table.add_column("criterion")
    table.add_column("evidence")
    for crit in gate.criteria:
        table.add_row("[green]✔[/]" if crit.met else "[red]✘[/]", crit.name, crit.evidence)
    out.print(table)
    _print_weeks(weeks)
    for w in plan.warnings[-5:]:
        out.print(f"[yellow]warning[/] {w.date} {w.kind}: {w.message}")
    _print_next([s for s in plan.sessions if s.kind.value != "rest"][:5])


def _print_weeks(weeks: list[WeekEvidence]) -> None:
    if not any(w.brisk_sessions or w.run_s for w in weeks):
        return
    table = Table(title="Brisk-walk evidence by week")
    for col in ("week of", "walks", "brisk min", "longest", "pain-free", "pain?", "pain", "run min", "warnings"):
        table.add_column(col)
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


def _print_next(sessions: list[Any]) -> None:
    if not sessions:
        return
    out.print("Next sessions:")
    for s in sessions:
        out.print(f"  {s.date} {s.date.strftime('%a')}  {s.title}")


@cli.command()
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
        from walkrun.cli_export import DEFAULT_FORMATS
        from walkrun.export import export_plan, parse_formats

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
    table = Table(title=f"{athlete_id}: plan from {today} ({weeks} weeks, {ap.protocol.id})")
    for col in ("date", "", "session", "run", "walk", "why"):
        table.add_column(col)
    for s in ap.plan.sessions:
        table.add_row(
            s.date.isoformat(),
            s.date.strftime("%a"),
            s.title,
            f"{s.run_s // 60}′" if s.run_s else "",
            f"{s.walk_s // 60}′" if s.walk_s else "",
            (s.reason[:70] + "…") if len(s.reason) > 71 else s.reason,
        )
    out.print(table)
    out.print("Sessions after today are provisional: each step up needs the sessions before it to stay pain-free.")


@cli.command()
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
        from walkrun.cli_coach import _print_diff, explain_diff

        diff = explain_diff(c, athlete_id, from_rev, to_rev)
        if as_json:
            emit_json(diff)
            return
        out.print(
            f"{athlete_id}: revision {diff['from_revision']} (as of {diff['from_today']}) → "
            f"revision {diff['to_revision']} (as of {diff['to_today']})"
        )
        _print_diff(diff)
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def protocols(c: Ctx, as_json: bool) -> None:
    """List the available rehab protocols."""
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def plugins(c: Ctx, as_json: bool) -> None:
    """List loaded plugins and what each registered."""
    reg = c.registry
    items = [info.as_dict() for info in reg.plugins.values()]
    if as_json:
        emit_json({"plugins": items})
        return
    for p in items:
        what = "; ".join(f"{k}: {', '.join(v)}" for k, v in p["registered"].items()) or "-"
        line = f"[bold]{p['name']}[/] ({p['origin']}{', ' + p['distribution'] if p['distribution'] else ''}) {what}"
        out.print(line)
        if p["error"]:
            out.print(f"  [red]error:[/] {p['error']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def athletes(c: Ctx, as_json: bool) -> None:
    """List the athletes in this store."""
    rows = []
    for athlete_id in c.store.athlete_ids():
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the demo's final status as JSON.")
@click.pass_obj
def demo(c: Ctx, as_json: bool) -> None:
    """Run walkrun end to end on built-in sample data (a fresh demo store)."""
    from walkrun.demo import run_demo

    run_demo(c, as_json=as_json)


from walkrun import cli_coach, cli_export, cli_import, cli_serve  # noqa: E402,F401  (they register their commands)


def _plugins_dir_arg(argv: list[str]) -> Path | None:
    """--plugins-dir must be known before click parses, since plugins add commands."""
    found: str | None = os.environ.get(PLUGINS_DIR_ENV) or None
    for i, arg in enumerate(argv):
        if arg == "--plugins-dir" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--plugins-dir="):
            found = arg.split("=", 1)[1]
    if found is None or not Path(found).is_dir():
        return None  # click reports a bad path itself
    return Path(found)


_commands_added = False


def _prepare_cli(argv: list[str]) -> None:
    global _commands_added
    if not _commands_added:
        get_registry(_plugins_dir_arg(argv)).add_commands(cli)
        _commands_added = True


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _prepare_cli(args)
        for failure in get_registry(_plugins_dir_arg(args)).failures:
            err.print(f"[yellow]plugin skipped:[/] {failure.name}: {failure.error}")
        cli.main(args=args, prog_name="walkrun", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        err.print(f"walkrun: error: {exc.format_message()}", markup=False)
        sys.exit(exc.exit_code)
    except WalkrunError as exc:
        err.print(f"walkrun: error: {exc}", markup=False)
        sys.exit(1)
    except ValidationError as exc:
        err.print(f"walkrun: error: {_first_error(exc)}", markup=False)
        sys.exit(1)
