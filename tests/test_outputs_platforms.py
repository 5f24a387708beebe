"""intervals.icu and Zwift/treadmill files (issue 10, item 8): files only, stable ids, real durations."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from defusedxml import ElementTree

from walkrun.builtin.writers.platforms import IntervalsWriter, ZwoWriter
from walkrun.domain.history import History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Plan
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan
from walkrun.plugins.writers import ExportContext

TODAY = dt.date(2026, 4, 20)


@pytest.fixture(scope="module")
def setup(femoral_runner: tuple[AthleteProfile, Protocol, History]) -> tuple[AthleteProfile, Protocol, History, Plan]:
    profile, protocol, history = femoral_runner
    return profile, protocol, history, build_plan(profile, protocol, history, TODAY, horizon_days=42)


def _context(setup, **options: str) -> ExportContext:
    profile, protocol, history, _ = setup
    return ExportContext(profile=profile, protocol=protocol, history=history, options=options)


def _seconds(token: str) -> int:
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", token)
    assert parts and token, token
    h, m, s = (int(x or 0) for x in parts.groups())
    return 3600 * h + 60 * m + s


def _text_seconds(text: str) -> int:
    """Total time of an intervals.icu workout text, repeats expanded (an independent reading)."""
    total, repeat = 0, 1
    for line in text.splitlines():
        header = re.search(r"(\d+)x$", line.strip())
        if not line.strip():
            repeat = 1
        elif header and not line.startswith("-"):
            repeat = int(header.group(1))
        elif line.startswith("- "):
            token = next(t for t in line.split() if re.fullmatch(r"(\d+h)?(\d+m)?(\d+s)?", t) and t)
            total += repeat * _seconds(token)
    return total


def test_intervals_events_have_stable_ids_and_the_sessions_time(setup, tmp_path):
    plan = setup[3]
    paths = IntervalsWriter().write(plan, _context(setup, max_hr="190"), tmp_path)
    events = json.loads(paths[0].read_text(encoding="utf-8"))
    sessions = {s.slot: s for s in plan.sessions if s.kind.value in ("brisk_walk", "walk_run", "run")}
    assert events and len({e["external_id"] for e in events}) == len(events)
    for event in events:
        slot = event["external_id"].removeprefix("walkrun-ann-")
        session = sessions[slot]
        assert event["category"] == "WORKOUT" and event["type"] in ("Run", "Walk")
        assert event["start_date_local"] == f"{session.date.isoformat()}T07:00:00"
        assert event["moving_time"] == session.total_s == _text_seconds(event["description"])
    runs = [e for e in events if e["type"] == "Run"]
    assert runs and all("Main set" in e["description"] and "% HR" in e["description"] for e in runs)
    # Same plan, same bytes: an upload with upsert=true updates the same events.
    again = IntervalsWriter().write(plan, _context(setup, max_hr="190"), tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    later = build_plan(setup[0], setup[1], setup[2], TODAY + dt.timedelta(days=2), horizon_days=40)
    moved = IntervalsWriter().write(later, _context(setup), tmp_path / "later")
    later_ids = {e["external_id"] for e in json.loads(moved[0].read_text(encoding="utf-8"))}
    assert later_ids & {e["external_id"] for e in events}, "the same days keep their ids across re-plans"


def test_zwo_treadmill_workouts_last_their_sessions(setup, tmp_path):
    plan = setup[3]
    paths = ZwoWriter().write(plan, _context(setup), tmp_path)
    assert paths
    by_name = {}
    for path in paths:
        root = ElementTree.fromstring(path.read_bytes())
        assert root.tag == "workout_file" and root.findtext("sportType") == "run"
        total = 0
        for block in root.find("workout"):
            if block.tag == "IntervalsT":
                total += int(block.get("Repeat")) * (int(block.get("OnDuration")) + int(block.get("OffDuration")))
                assert float(block.get("OnPower")) > float(block.get("OffPower"))  # run easy, walk brisk
            else:
                total += int(block.get("Duration"))
        by_name[root.findtext("name")] = total
    shown = {s.title for s in plan.sessions}
    assert len(by_name) == len(paths) and shown
    walk_run = next(s for s in plan.sessions if s.kind.value == "walk_run")
    assert walk_run.total_s in by_name.values()
