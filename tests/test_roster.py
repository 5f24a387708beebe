"""The coach's roster: who needs attention first, compliance colours, CSV, and a broken athlete as a row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from walkrun.domain.models import AthleteProfile
from walkrun.store import Store

TODAY = "2026-04-20"
COLUMNS = "date,pain_during,pain_after,pain_next_morning,night_pain,walk_min,run_min,note"


def ok(r: Any) -> Any:
    assert r.exit_code == 0, r.stderr
    return r


def _athlete(run_cli: Any, tmp_path: Path, athlete: str, rows: list[str]) -> None:
    g = ("--athlete", athlete, "--today", TODAY)
    ok(run_cli(*g, "init", "--condition", "gluteal-tendinopathy", "--injury-date", "2026-02-01"))
    if rows:
        diary = tmp_path / f"{athlete}.csv"
        diary.write_text("\n".join([COLUMNS, *rows]) + "\n", encoding="utf-8")
        ok(run_cli(*g, "diary", str(diary)))


def _walks(days: range, minutes: int, pain: str = "0,0,0,no") -> list[str]:
    start = dt.date.fromisoformat(TODAY)
    return [f"{start - dt.timedelta(days=d)},{pain},{minutes},," for d in days]


def test_roster_puts_who_needs_attention_first_and_colours_compliance(run_cli: Any, tmp_path: Path) -> None:
    _athlete(run_cli, tmp_path, "calm", _walks(range(1, 14, 2), 30))
    _athlete(run_cli, tmp_path, "night", [*_walks(range(2, 14, 2), 30), f"{TODAY},0,0,0,yes,30,,"])
    _athlete(run_cli, tmp_path, "idle", [])
    data = json.loads(ok(run_cli("--today", TODAY, "coach", "--json")).stdout)
    order = [r["athlete"] for r in data["athletes"]]
    assert order[0] == "night", order  # a red flag beats a missing check-in
    assert order.index("idle") < order.index("calm"), order
    by = {r["athlete"]: r for r in data["athletes"]}
    assert by["calm"]["gate_total"] >= 2 and 0 <= by["calm"]["gate_met"] <= by["calm"]["gate_total"]
    assert by["calm"]["compliance"] in ("green", "yellow", "red", "grey") and by["calm"]["compliance_pct"] is not None
    assert by["idle"]["compliance"] in ("red", "none")
    assert by["calm"]["weeks_since_injury"] == round((dt.date(2026, 4, 20) - dt.date(2026, 2, 1)).days / 7, 1)
    assert by["calm"]["next_session"]


def test_roster_as_csv(run_cli: Any, tmp_path: Path) -> None:
    _athlete(run_cli, tmp_path, "calm", _walks(range(1, 14, 2), 30))
    rows = list(csv.DictReader(io.StringIO(ok(run_cli("--today", TODAY, "coach", "--csv")).stdout)))
    assert [r["athlete"] for r in rows] == ["calm"]
    assert rows[0]["condition"] == "gluteal-tendinopathy" and rows[0]["compliance"]


def test_an_athlete_whose_protocol_is_missing_is_a_row_that_says_so(run_cli: Any, home: Path, tmp_path: Path) -> None:
    _athlete(run_cli, tmp_path, "calm", _walks(range(1, 14, 2), 30))
    with Store(home) as store:
        profile = AthleteProfile(
            athlete_id="lost", condition="low-risk-bsi", injury_date=dt.date(2026, 1, 1), protocol_id="gone-plugin"
        )
        store.save_profile(profile)
    r = ok(run_cli("--today", TODAY, "coach", "--json"))
    rows = {x["athlete"]: x for x in json.loads(r.stdout)["athletes"]}
    assert "gone-plugin" in rows["lost"]["problem"] and rows["calm"]["problem"] is None
    assert "gone-plugin" in ok(run_cli("--today", TODAY, "coach")).stdout
