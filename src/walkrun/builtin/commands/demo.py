"""``walkrun demo``: the whole flow on built-in sample data, printed step by step.

1. a femoral-neck runner's profile; 2. their Strava export (FIT, GPX and TCX
walks) and pain diary imported; 3. clinical tests passed, so the gate opens;
4. four weeks of walk-run sessions logged by hand (one with pain, which drops
the plan back); 5. status; 6. the plan exported to every writer.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from walkrun.app import samplegen
from walkrun.app.athlete import plan_for
from walkrun.app.export import export_plan
from walkrun.app.importing import import_paths
from walkrun.app.revisions import store_revision
from walkrun.app.views import dumps, status_view
from walkrun.domain.errors import UsageError
from walkrun.domain.models import AthleteProfile, ClinicalTestResult, Condition
from walkrun.domain.vocab import WarningKind
from walkrun.engine.simulate import follow_plan
from walkrun.evidence.sessions import read_pain_diary
from walkrun.store import Store

if TYPE_CHECKING:
    from walkrun.app.export import Exported
    from walkrun.app.importing import ImportSummary
    from walkrun.cli.core import Ctx
    from walkrun.domain.models import CheckIn
    from walkrun.domain.plan import GateStatus, Plan
    from walkrun.domain.protocol import Protocol
    from walkrun.plugins.manager import Registry

DEMO_ATHLETE = "demo-runner"
TESTS_ON = dt.date(2026, 4, 21)
DEMO_TODAY = dt.date(2026, 5, 18)
PAIN_DAY = dt.date(2026, 5, 8)


@dataclass
class DemoRun:
    """What the demo did, for the story it prints (or the JSON)."""

    home: Path
    today: dt.date
    profile: AthleteProfile
    protocol: Protocol
    archive: Path
    diary_path: Path
    diary_rows: int
    summary: ImportSummary
    gate_before: GateStatus
    logged: list[CheckIn]
    plan: Plan
    exported: list[Exported]


def run_demo(c: Ctx, *, as_json: bool = False) -> None:
    home = c.home if c.home_given else Path(tempfile.mkdtemp(prefix="walkrun-demo-"))
    today = c.today_opt or DEMO_TODAY
    if today <= TESTS_ON:
        raise UsageError(f"walkrun demo needs --today after {TESTS_ON}")
    run = _run(home, today, c.registry)
    if as_json:
        print(
            dumps(
                {
                    "home": str(home),
                    "import": run.summary.as_dict(),
                    "status": status_view(run.plan),
                    "exports": {e.writer: [str(p) for p in e.paths] for e in run.exported},
                }
            ),
            end="",
        )
        return
    _print_history(run)
    _print_outcome(run)


def _run(home: Path, today: dt.date, registry: Registry) -> DemoRun:
    """Steps 1-6 on a store in ``home``: profile, import, diary, clinical tests, sessions logged, export."""
    inputs = home / "sample-data"
    inputs.mkdir(parents=True, exist_ok=True)
    archive = inputs / samplegen.ARCHIVE_NAME
    archive.write_bytes(samplegen.build_archive())
    diary_path = inputs / samplegen.DIARY_NAME
    diary_path.write_text(samplegen.build_diary(), encoding="utf-8")
    profile = AthleteProfile(
        athlete_id=DEMO_ATHLETE,
        name="Demo Runner",
        condition=Condition.FEMORAL_NECK_BSI,
        injury_date=samplegen.INJURY,
        full_weight_bearing_date=samplegen.FIRST_WALK,
        preferences={"timezone": samplegen.TIMEZONE},
    )
    protocol = registry.protocol_for(profile.condition)
    with Store(home) as store:
        store.delete_athlete(DEMO_ATHLETE)  # the demo always starts from the same history
        store.save_profile(profile)
        summary = import_paths(store, DEMO_ATHLETE, [archive], registry.readers)
        diary = read_pain_diary(diary_path.read_text(encoding="utf-8"), str(diary_path))
        for row in diary:
            store.add_checkin(DEMO_ATHLETE, row)
        gate_before = plan_for(store, registry, DEMO_ATHLETE, TESTS_ON - dt.timedelta(days=1), 7).plan.gate
        for test in protocol.gate.required_tests:
            store.add_clinical(DEMO_ATHLETE, ClinicalTestResult(test=test, date=TESTS_ON, passed=True))
        # After the gate: the runner logs each planned session by hand, one of them painful.
        ap = plan_for(store, registry, DEMO_ATHLETE, TESTS_ON, 1)
        logged, _ = follow_plan(
            profile,
            protocol,
            TESTS_ON + dt.timedelta(days=1),
            today,
            pain={PAIN_DAY: {"pain_during": 2, "pain_after": 1, "pain_next_morning": 0}},
            history=ap.history,
        )
        for ci in logged:
            store.add_checkin(DEMO_ATHLETE, ci)
        ap, exported = export_plan(
            store, registry, DEMO_ATHLETE, today, list(registry.writers), home / "export", horizon_days=12 * 7
        )
        store_revision(store, registry, DEMO_ATHLETE, today, "demo: sample history imported and sessions logged")
    return DemoRun(
        home, today, profile, protocol, archive, diary_path, len(diary), summary, gate_before, logged, ap.plan, exported
    )


def _print_history(run: DemoRun) -> None:
    """Steps 1-4: the athlete, the import, the gate before the tests, the sessions logged."""
    from walkrun.cli.core import out

    profile, summary = run.profile, run.summary
    out.print(f"[bold]walkrun demo[/] — store: {run.home}")
    out.print(
        f"1. Athlete {DEMO_ATHLETE}: {profile.condition.label}, injured {profile.injury_date}, "
        f"full weight-bearing {profile.full_weight_bearing_date}; protocol {run.protocol.id}"
    )
    out.print(
        f"2. Imported {run.archive} (Strava-style export): {summary.imported} activities from {summary.files} files, "
        f"{summary.non_activity} skipped, {summary.errors} errors; pain diary {run.diary_path.name}: "
        f"{run.diary_rows} rows"
    )
    unmet = [cr.name for cr in run.gate_before.criteria if not cr.met]
    out.print(f"3. Gate on {TESTS_ON - dt.timedelta(days=1)}: closed ({'; '.join(unmet)})")
    out.print(f"   Recorded {len(run.protocol.gate.required_tests)} passed clinical tests on {TESTS_ON}")
    runs = [ci for ci in run.logged if ci.run_min]
    out.print(f"4. Logged {len(runs)} walk-run sessions by hand up to {run.today}, one with pain on {PAIN_DAY}")


def _print_outcome(run: DemoRun) -> None:
    """Steps 5-6: where the plan stands today, why, what comes next, and what was exported."""
    from walkrun.cli.core import out

    plan, gate, today = run.plan, run.plan.gate, run.today
    out.print(
        f"5. Today {today}: phase [bold]{plan.phase.value}[/], level [bold]{plan.level}[/], "
        f"gate {'open since ' + str(gate.opened_on) if gate.open else 'closed'}"
    )
    for crit in gate.criteria:
        out.print(f"     {'✔' if crit.met else '✘'} {crit.name}")
    for w in plan.warnings:
        if w.kind in (WarningKind.RUNNING_BEFORE_GATE, WarningKind.ACTIVITY):
            out.print(f"     warning {w.date}: {w.message}")
    out.print("   Decisions since the gate:")
    for d in [d for d in plan.decisions if not d.projected and d.date >= TESTS_ON and d.action != "hold"]:
        out.print(f"     {d.date} {d.action} {d.level_from or ''}→{d.level_to or ''} ({d.rule}): {d.evidence[:80]}")
    out.print("   Next sessions:")
    for s in [s for s in plan.sessions if s.kind.value != "rest"][:5]:
        out.print(f"     {s.date} {s.date.strftime('%a')}  {s.title}")
    out.print("6. Exported the next 12 weeks:")
    labels = {"ics": "calendar", "fit": "watch workouts", "json": "plan JSON", "html": "printable plan"}
    for e in run.exported:
        shown = e.paths[0].parent if e.writer == "fit" and e.paths else (e.paths[0] if e.paths else "-")
        out.print(f"     {labels.get(e.writer, e.writer):>15}: {shown}")
    explore = f"walkrun --home {run.home} --athlete {DEMO_ATHLETE} --today {today}"
    out.print(f"next: explore it with `{explore} status` (or plan, explain)", soft_wrap=True, markup=False)
