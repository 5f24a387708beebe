"""The one-page summary for a physio (issue 10, item 5): what it says, and that it stays one page."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from walkrun.app.athlete import AthletePlan, plan_for
from walkrun.app.export import export_plan
from walkrun.app.roster import red_flags
from walkrun.builtin.writers.summary_html import MAX_FLAGS, SummaryWriter, render_summary, weeks_back
from walkrun.engine.simulate import follow_plan
from walkrun.plugins.writers import ExportContext
from walkrun.store import Store

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FWB = dt.date(2026, 3, 2)
TESTS_ON = dt.date(2026, 3, 31)
TODAY = dt.date(2026, 5, 4)
PAIN_DAY = dt.date(2026, 4, 22)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A runner through the gate, one painful session, and a long name: the page's worst realistic case."""
    from walkrun.domain.models import AthleteProfile
    from walkrun.plugins.manager import make_plugin_manager

    registry = make_plugin_manager(load_entrypoints=False, env={})
    profile = AthleteProfile(
        athlete_id="a" * 60,
        name="Maximiliane Théodora Featherstonehaugh-Wolfeschlegelsteinhausen",
        condition="femoral-neck-bsi",
        injury_date=dt.date(2026, 1, 5),
        full_weight_bearing_date=FWB,
        preferences={"timezone": "Europe/London"},
    )
    protocol = registry.protocol("femoral-neck-bsi")
    pain = {
        PAIN_DAY: {"pain_during": 3, "pain_after": 2, "pain_next_morning": 1, "night_pain": True},
        PAIN_DAY + dt.timedelta(days=9): {"pain_during": 6, "pain_after": 0, "pain_next_morning": 0},
    }
    checkins, clinical = follow_plan(profile, protocol, FWB, TODAY - dt.timedelta(days=1), tests_on=TESTS_ON, pain=pain)
    s = Store(tmp_path_factory.mktemp("summary"))
    s.save_profile(profile)
    for c in checkins:
        s.add_checkin(profile.athlete_id, c)
    for r in clinical:
        s.add_clinical(profile.athlete_id, r)
    return s


@pytest.fixture(scope="module")
def ap(store: Store) -> AthletePlan:
    from walkrun.plugins.manager import make_plugin_manager

    registry = make_plugin_manager(load_entrypoints=False, env={})
    return plan_for(store, registry, "a" * 60, TODAY, 28, lookback_days=SummaryWriter.lookback_days)


def _page(ap: AthletePlan) -> str:
    return render_summary(ap.plan, ExportContext(profile=ap.profile, protocol=ap.protocol, history=ap.history))


def test_page_says_who_what_when_and_where_they_are(ap):
    page = _page(ap)
    assert html.escape(ap.profile.name) in page
    assert "femoral-neck bone stress injury" in page
    assert f"({(TODAY - ap.profile.injury_date).days / 7:.1f} weeks ago)" in page
    assert f"level {ap.plan.level}" in page and ap.plan.phase.value in page
    for criterion in ap.plan.gate.criteria:
        assert html.escape(criterion.name) in page
    assert "<script" not in page and "http" not in page  # self-contained, prints offline


def test_red_flags_are_the_rosters(ap):
    page = _page(ap)
    flags = red_flags(ap)
    assert any("night pain" in f for f in flags) and any("5/10 or more" in f for f in flags)
    section = re.search(r'<section class="flags">(.*?)</section>', page, re.S)
    assert section is not None
    shown = re.findall(r"<li>(.*?)</li>", section.group(1))
    assert [html.unescape(x) for x in shown] == flags[:MAX_FLAGS]


def test_last_four_weeks_count_sessions_and_worst_pain(ap):
    weeks = weeks_back(ap.plan, ap.history.checkins)
    assert [w.start for w in weeks] == [TODAY - dt.timedelta(days=7 * n) for n in (4, 3, 2, 1)]
    painful = next(w for w in weeks if w.start <= PAIN_DAY <= w.end)
    assert painful.worst == (3, 2, 1) and painful.night_pain == 1
    second = next(w for w in weeks if w.start <= PAIN_DAY + dt.timedelta(days=9) <= w.end)
    assert second.worst[0] == 6
    # The simulated runner did every walk and run: all done, none missed.
    assert all(w.planned > 0 and w.done == w.planned and w.missed == 0 for w in weeks)
    done = [p for p in ap.plan.past if TODAY - dt.timedelta(days=28) <= p.session.date]
    assert sum(w.run_done_s for w in weeks) == sum(p.done_run_s for p in done) > 0


def test_next_two_weeks_are_fourteen_dated_cells(ap):
    page = _page(ap)
    ahead = re.search(r'<table class="ahead">(.*?)</table>', page, re.S)
    assert ahead is not None
    days = re.findall(r'<span class="d">([^<]+)</span>', ahead.group(1))
    assert len(days) == 14 and days[0] == "Mon 4 May" and days[-1] == "Sun 17 May"


def test_export_writes_it_with_four_weeks_of_past(store, tmp_path):
    from walkrun.plugins.manager import make_plugin_manager

    registry = make_plugin_manager(load_entrypoints=False, env={})
    _, exported = export_plan(store, registry, "a" * 60, TODAY, ["summary", "json"], tmp_path, horizon_days=28)
    paths = {e.writer: e.paths for e in exported}
    assert [p.name for p in paths["summary"]] == [f"{'a' * 60}-summary.html"]
    page = paths["summary"][0].read_text(encoding="utf-8")
    assert page.count("<tr><th scope='row'>") == 4
    # The JSON (and calendar) keep their own two weeks of past days.
    assert '"past"' in paths["json"][0].read_text(encoding="utf-8")
    assert paths["json"][0].read_text(encoding="utf-8").count('"status"') <= 14


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_worst_case_still_prints_on_one_page(ap, tmp_path, paper):
    page = tmp_path / "s.html"
    page.write_text(_page(ap).replace("</style>", f"@page {{ size: {paper}; }}</style>"), encoding="utf-8")
    pdf = tmp_path / "s.pdf"
    assert CHROMIUM is not None
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}",
         "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, timeout=180, check=False,
    )  # fmt: skip
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes())) == 1
