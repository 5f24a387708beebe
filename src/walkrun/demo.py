"""``walkrun demo``: a complete run on built-in sample data, printed step by step."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from walkrun.athlete import plan_for
from walkrun.models import AthleteProfile, Condition
from walkrun.simulate import follow_plan
from walkrun.store import Store
from walkrun.views import dumps, status_view

if TYPE_CHECKING:
    from walkrun.cli import Ctx

DEMO_ATHLETE = "demo-runner"
INJURY = dt.date(2026, 1, 5)
DEMO_TODAY = dt.date(2026, 5, 4)


def run_demo(c: Ctx, *, as_json: bool = False) -> None:
    from walkrun.cli import out

    home = c.home if c.home_given else Path(tempfile.mkdtemp(prefix="walkrun-demo-"))
    today = c.today_opt or DEMO_TODAY
    registry = c.registry
    profile = AthleteProfile(
        athlete_id=DEMO_ATHLETE,
        name="Demo Runner",
        condition=Condition.FEMORAL_NECK_BSI,
        injury_date=INJURY,
        full_weight_bearing_date=INJURY + dt.timedelta(weeks=8),
    )
    protocol = registry.protocol_for(profile.condition)
    pain_day = dt.date(2026, 4, 22)
    checkins, clinical = follow_plan(
        profile,
        protocol,
        profile.full_weight_bearing_date or INJURY,
        today,
        pain={pain_day: {"pain_during": 2, "pain_after": 1, "pain_next_morning": 0}},
        tests_on=INJURY + dt.timedelta(weeks=12, days=1),
    )
    with Store(home) as store:
        store.delete_athlete(DEMO_ATHLETE)  # the demo always starts from the same history
        store.save_profile(profile)
        for ci in checkins:
            store.add_checkin(DEMO_ATHLETE, ci)
        for t in clinical:
            store.add_clinical(DEMO_ATHLETE, t)
        ap = plan_for(store, registry, DEMO_ATHLETE, today, 28)
    plan = ap.plan
    if as_json:
        print(dumps({"home": str(home), "status": status_view(plan)}), end="")
        return
    out.print(f"[bold]walkrun demo[/] — store: {home}")
    out.print(
        f"1. Created athlete {DEMO_ATHLETE}: {profile.condition.label}, injured {INJURY}, "
        f"full weight-bearing {profile.full_weight_bearing_date}, protocol {protocol.id}"
    )
    walks = [c for c in checkins if c.walk_min and not c.run_min]
    runs = [c for c in checkins if c.run_min]
    out.print(
        f"2. Logged {len(checkins)} check-ins by following the plan: {len(walks)} brisk walks "
        f"({min(c.walk_min or 0 for c in walks):.0f}→{max(c.walk_min or 0 for c in walks):.0f} min), "
        f"{len(runs)} walk-run sessions, one with pain on {pain_day}"
    )
    out.print(f"3. Recorded {len(clinical)} passed clinical tests on {clinical[0].date if clinical else '-'}")
    gate = plan.gate
    out.print(
        f"4. Today {today}: phase [bold]{plan.phase.value}[/], level [bold]{plan.level}[/], "
        f"gate {'open since ' + str(gate.opened_on) if gate.open else 'closed'}"
    )
    for crit in gate.criteria:
        out.print(f"     {'✔' if crit.met else '✘'} {crit.name}")
    out.print("5. Key decisions:")
    for d in [d for d in plan.decisions if not d.projected and d.action in ("gate-open", "advance", "drop", "rest")][
        -6:
    ]:
        out.print(f"     {d.date} {d.action} {d.level_from or ''}→{d.level_to or ''} ({d.rule}): {d.evidence[:90]}")
    out.print("6. Next sessions:")
    for s in [s for s in plan.sessions if s.kind.value != "rest"][:6]:
        out.print(f"     {s.date} {s.date.strftime('%a')}  {s.title}")
    out.print(f"Try: walkrun --home {home} --athlete {DEMO_ATHLETE} --today {today} explain")
