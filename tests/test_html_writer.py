"""The ``html`` writer: one self-contained, printable page that escapes user text."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from walkrun.builtin.writers import html_page as html_writer
from walkrun.builtin.writers.html_page import HtmlWriter, ratio_points, render_html, weekly_totals
from walkrun.domain.errors import UsageError
from walkrun.domain.history import history_from_log
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Plan
from walkrun.engine.progression import build_plan
from walkrun.engine.simulate import follow_plan
from walkrun.plugins.manager import make_plugin_manager
from walkrun.plugins.writers import ExportContext

INJURY = dt.date(2026, 1, 5)
EVIL_NAME = "<script>alert(1)</script> & Co"
EVIL_NOTE = 'sore <b>hip</b> on "hills" <img src=x onerror=alert(2)>'
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _scenario(kind: str) -> tuple[Plan, ExportContext]:
    """Real plans from the engine: walk-run after a pain drop, or still walking with the gate closed."""
    protocol = make_plugin_manager(load_entrypoints=False, env={}).protocol("femoral-neck-bsi")
    profile = AthleteProfile.model_validate(
        {
            "athlete_id": "ann",
            "name": EVIL_NAME,
            "condition": "femoral-neck-bsi",
            "injury_date": INJURY,
            "full_weight_bearing_date": dt.date(2026, 3, 2),
        }
    )
    if kind == "walk-run":
        pain_day = {"pain_during": 2, "pain_after": 1, "pain_next_morning": 0, "note": EVIL_NOTE}
        checkins, clinical = follow_plan(
            profile,
            protocol,
            dt.date(2026, 3, 2),
            dt.date(2026, 4, 20),
            pain={dt.date(2026, 4, 15): pain_day},
            tests_on=dt.date(2026, 3, 31),
        )
        history = history_from_log(checkins, clinical)
        plan = build_plan(profile, protocol, history, dt.date(2026, 4, 20), horizon_days=180)
    else:
        history = history_from_log([], [])
        plan = build_plan(profile, protocol, history, dt.date(2026, 3, 2), horizon_days=28)
    return plan, ExportContext(profile=profile, protocol=protocol, history=history)


@pytest.fixture(scope="module")
def walk_run() -> tuple[Plan, ExportContext]:
    return _scenario("walk-run")


@pytest.fixture(scope="module")
def gate_closed() -> tuple[Plan, ExportContext]:
    return _scenario("gate-closed")


@pytest.fixture(scope="module", params=["walk-run", "gate-closed"])
def scenario(
    request: pytest.FixtureRequest, walk_run: tuple[Plan, ExportContext], gate_closed: tuple[Plan, ExportContext]
) -> tuple[Plan, ExportContext]:
    return walk_run if request.param == "walk-run" else gate_closed


@pytest.fixture(scope="module")
def page_file(walk_run: tuple[Plan, ExportContext], tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan, context = walk_run
    out = tmp_path_factory.mktemp("html")
    paths = HtmlWriter().write(plan, context, out)
    assert paths == [out / "ann-plan.html"]
    return paths[0]


@pytest.fixture(scope="module")
def page(page_file: Path) -> str:
    return page_file.read_text(encoding="utf-8")


class _StrictParser(HTMLParser):
    """html.parser never raises, so check nesting ourselves: every element closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.svg_text: list[str] = []
        self.in_svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.in_svg += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element </{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()
        if tag == "svg":
            self.in_svg -= 1

    def handle_data(self, data: str) -> None:
        if self.in_svg:
            self.svg_text.append(data)


def _parse(text: str) -> _StrictParser:
    parser = _StrictParser()
    parser.feed(text)
    parser.close()
    return parser


def test_page_parses_with_balanced_tags(scenario: tuple[Plan, ExportContext]) -> None:
    page = render_html(*scenario)
    parser = _parse(page)
    assert parser.errors == []
    assert parser.stack == []
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')


def test_page_is_self_contained(scenario: tuple[Plan, ExportContext]) -> None:
    page = render_html(*scenario)
    lowered = page.lower()
    # Nothing to run and nothing to fetch: no scripts, stylesheets, images or frames by reference.
    for tag in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "<audio", "<video", "@import"):
        assert tag not in lowered, tag
    external_attr = re.compile(r"""\b(?:src|href|srcset|xlink:href|action|poster)\s*=\s*["']?\s*(?:[a-z]+:)?//""", re.I)
    external_url = re.compile(r"""url\(\s*["']?\s*(?:[a-z]+:)?//""", re.I)
    assert external_attr.findall(page) == []
    assert external_url.findall(page) == []
    assert "http://" not in page and "https://" not in page
    # Internal links only point inside the page, and each target exists.
    for target in re.findall(r'href="([^"]*)"', page):
        assert target.startswith("#"), target
        assert f'id="{target[1:]}"' in page, target


def test_user_text_is_escaped(page: str) -> None:
    assert "<script" not in page.lower()
    assert html.escape(EVIL_NAME) in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert html.escape(EVIL_NOTE) in page
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None and html.escape(EVIL_NAME) in title.group(1)


def test_charts_are_inline_svg_with_every_series(page: str) -> None:
    svgs = re.findall(r'<svg\b[^>]*class="chart-svg".*?</svg>', page, re.S)
    assert len(svgs) == 2
    weekly, ratio = svgs
    for series in ("brisk-walk", "running"):
        assert f'data-series="{series}"' in weekly
    assert 'data-series="run-walk-ratio"' in ratio
    for svg in svgs:
        assert 'role="img"' in svg and "aria-labelledby=" in svg
        assert re.search(r"<title id=\"[a-z-]+\">[^<]+</title>", svg)
        assert "<desc id=" in svg
        assert "<rect" in svg or "<circle" in svg
    # Bars for done and planned weeks, a legend, axis labels and the today marker.
    assert "brisk walk, done" in weekly and "running, planned" in weekly
    assert "minutes per week" in weekly and "today" in weekly
    assert weekly.count("min done</title>") > 0 and weekly.count("min planned</title>") > 0
    assert "<polyline" in ratio and "1:1" in ratio


def test_weekly_totals_add_up(walk_run: tuple[Plan, ExportContext]) -> None:
    plan, context = walk_run
    weeks = weekly_totals(plan, context.history)
    starts = [w.week_start for w in weeks]
    assert all(d.weekday() == 0 for d in starts)
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all((b - a).days == 7 for a, b in itertools.pairwise(starts))
    done = context.history.sessions
    done_days = {s.date for s in done}
    assert sum(w.run_done_s for w in weeks) == sum(s.run_s for s in done)
    assert sum(w.brisk_done_s for w in weeks) == sum(s.brisk_walk_s for s in done)
    # A day already done is not counted again as planned.
    assert sum(w.run_planned_s for w in weeks) == sum(s.run_s for s in plan.sessions if s.date not in done_days)
    assert sum(w.run_planned_s for w in weeks) > 0
    points = ratio_points(plan, context.history)
    assert points and all(0 < p.run_share <= 1 for p in points)
    assert [p.date for p in points] == sorted(p.date for p in points)


def test_page_lists_every_session_criterion_and_decision(scenario: tuple[Plan, ExportContext]) -> None:
    plan, context = scenario
    page = render_html(plan, context)
    for s in plan.sessions:
        assert f'<span id="day-{s.date.isoformat()}"><time datetime="{s.date.isoformat()}">' in page
        assert html.escape(s.title) in page
    for c in plan.gate.criteria:
        assert html.escape(c.name) in page
        assert html.escape(c.evidence) in page
        assert html.escape(c.source) in page
    for d in plan.decisions:
        assert html.escape(d.evidence) in page
        assert html.escape(d.rule) in page
    assert page.count('class="badge b-projected"') == sum(d.projected for d in plan.decisions)
    assert page.count('class="badge b-provisional"') == sum(s.provisional for s in plan.sessions)
    met = sum(c.met for c in plan.gate.criteria)
    assert page.count("✓ met") == met and page.count("✗ not met") == len(plan.gate.criteria) - met
    assert f'Plan as of <time datetime="{plan.today.isoformat()}">' in page


def test_repeats_and_phase_are_shown(walk_run: tuple[Plan, ExportContext]) -> None:
    plan, context = walk_run
    page = render_html(plan, context)
    first_run = next(s for s in plan.sessions if s.run_s > 0)
    repeat = next(st for st in first_run.steps if st.kind.value == "repeat")
    assert f"{repeat.repeat_count} × (run 1 min + walk 4 min)" in page
    assert "Walk-run" in page and f">{plan.level}<" in page
    assert "Open since" in page
    assert "pain:pain-during-drop" in page  # the drop after the reported pain, with its rule


def test_gate_closed_page_says_so(gate_closed: tuple[Plan, ExportContext]) -> None:
    plan, context = gate_closed
    page = render_html(plan, context)
    assert not plan.gate.open
    assert "Closed:" in page and "✗ not met" in page
    assert "No running planned yet" in page
    assert "No sessions recorded in this period." in page


def test_print_and_phone_styles_and_accessibility(page: str) -> None:
    assert re.search(r'<html lang="en">', page)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media print" in page and "break-inside: avoid" in page
    assert "@media (max-width: 600px)" in page
    assert page.count("<h1>") == 1
    assert '<th scope="col">' in page


def test_output_is_byte_identical_when_regenerated(walk_run: tuple[Plan, ExportContext], tmp_path: Path) -> None:
    plan, context = walk_run
    first = HtmlWriter().write(plan, context, tmp_path / "a")[0].read_bytes()
    second = HtmlWriter().write(plan, context, tmp_path / "b")[0].read_bytes()
    assert first == second


def test_history_days_option(walk_run: tuple[Plan, ExportContext]) -> None:
    plan, context = walk_run
    short = render_html(plan, context.model_copy(update={"options": {"history_days": "3"}}))
    assert "Done in the last 3 days" in short
    assert html.escape(EVIL_NOTE) not in short  # 15 Apr is outside the last 3 days
    with pytest.raises(UsageError, match="history_days"):
        render_html(plan, context.model_copy(update={"options": {"history_days": "lots"}}))


def test_registered_as_a_writer_plugin() -> None:
    registry = make_plugin_manager(load_entrypoints=False, env={}, extra=[html_writer])
    assert registry.writer("html") is HtmlWriter
    assert HtmlWriter.extension == ".html"


# --------------------------------------------------------------------------- real browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium) - headless render check skipped"
)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # Any lookup fails, so a page that needed the network would render broken.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _png_summary(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the pixel data) without an imaging library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@needs_chromium
def test_renders_in_headless_chromium(page_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "p.png"
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page_file.as_uri())
    assert shot.is_file(), result.stderr[-2000:]
    data = shot.read_bytes()
    width, height, distinct = _png_summary(data)
    assert (width, height) == (1200, 2000)
    # A blank or error page compresses to almost nothing and has few distinct values.
    assert len(data) > 50_000
    assert distinct > 100


@needs_chromium
def test_prints_to_pdf_in_headless_chromium(page_file: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "p.pdf"
    result = _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page_file.as_uri())
    assert pdf.is_file(), result.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
