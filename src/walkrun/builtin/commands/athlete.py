"""``walkrun init``: create an athlete, or change the details of one."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import click

from walkrun.cli.core import (
    DATE,
    LOG_EXAMPLE,
    Ctx,
    LazyChoice,
    check_zone,
    emit_json,
    fail,
    out,
    plain_error,
    save_revision,
)

if TYPE_CHECKING:
    from walkrun.domain.models import AthleteProfile, Weekday

ATHLETE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _conditions() -> list[str]:
    from walkrun.domain.models import Condition

    return [c.value for c in Condition]


def _sides() -> list[str]:
    from walkrun.domain.models import Side

    return [s.value for s in Side]


CLEARANCE_FLAGS = {
    "imaging-healing": "imaging_shows_healing",
    "hop-tests": "hop_tests_allowed",
    "surgeon-cleared": "surgeon_cleared_running",
}


def _weekdays(value: str | None) -> list[Weekday] | None:
    from walkrun.domain.models import Weekday

    if value is None:
        return None
    try:
        return [Weekday(v.strip().lower()[:3]) for v in value.split(",") if v.strip()]
    except ValueError:
        fail(f"bad weekday list {value!r}: use e.g. mon,wed,fri,sun")


@click.command()
@click.option("--athlete", "athlete_opt", metavar="ID", help="Athlete id (letters, digits, - _ .).")
@click.option("--name", help="Display name.")
@click.option("--condition", type=LazyChoice(_conditions), help="Diagnosis.")
@click.option("--injury-date", type=DATE, help="Date of injury or diagnosis.")
@click.option("--side", type=LazyChoice(_sides))
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
    profile = _new_profile(c, athlete_id, flags)
    protocol = c.registry.protocol_for(profile.condition, profile.protocol_id)
    created = c.create_store().save_profile(profile)
    save_revision(c, profile.athlete_id, "profile created" if created else "profile updated")
    if as_json:
        emit_json(profile.model_dump(mode="json"))
        return
    verb = "Created" if created else "Updated"
    out.print(
        f"{verb} athlete [bold]{profile.athlete_id}[/]: {profile.condition.label}, injured {profile.injury_date}, "
        f"protocol [bold]{protocol.id}[/] (store: {c.home})"
    )
    _print_floors(profile)
    if created:
        c.hint(f"import your watch files: {c.command('import FOLDER-OR-ZIP', athlete=profile.athlete_id)}")
        c.hint(f"or log today's walk: {c.command(LOG_EXAMPLE, athlete=profile.athlete_id)}")


def _new_profile(c: Ctx, athlete_id: str, flags: dict[str, Any]) -> AthleteProfile:
    """The stored profile with the options applied, validated: a bad value is one line naming its option."""
    from pydantic import ValidationError

    from walkrun.domain.models import AthleteProfile

    _check_init_values(athlete_id, flags)
    existing = c.find_profile(athlete_id)
    data = _profile_data(existing.model_dump() if existing else {"athlete_id": athlete_id}, flags)
    if existing is None:
        missing = [f"--{k.replace('_', '-')}" for k in ("condition", "injury_date") if k not in data]
        if missing:
            fail(f"a new athlete needs {' and '.join(missing)}")
    try:
        profile = AthleteProfile.model_validate(data)
    except ValidationError as exc:
        fail(plain_error(exc))
    _refuse_future_injury(c, profile, flags)
    return profile


def _profile_data(data: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """The stored profile's fields with the options given to ``init`` applied."""
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
    return data


def _print_floors(profile: AthleteProfile) -> None:
    from walkrun.engine.floors import describe

    floors = describe(profile.condition)
    if floors:
        out.print(f"Safety floors for {profile.condition.label} (no protocol can relax them):")
        for line in floors:
            out.print(f"  - {line}")


def _check_init_values(athlete_id: str, flags: dict[str, Any]) -> None:
    """Plain words before the models' own validation gets to speak in library terms."""
    if not ATHLETE_ID_RE.match(athlete_id):
        fail(f"athlete id may use letters, digits, - and _ (got {athlete_id!r})")
    if flags.get("timezone"):
        check_zone(flags["timezone"])


def _refuse_future_injury(c: Ctx, profile: AthleteProfile, flags: dict[str, Any]) -> None:
    today = c.now(profile.preferences.timezone)
    if flags.get("injury_date") is not None and profile.injury_date > today:
        fail(f"--injury-date {profile.injury_date} is in the future (today is {today}): give the day it happened")
