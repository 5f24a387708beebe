"""Every output of a real demo store, read the way people read it (issue 10, items 3 and 4).

The demo is built in a temporary folder (so its imported files have a known
absolute path) and exported with every registered writer: every output file is
scanned for machine paths, the calendar and the JSON must describe the same
days, and the HTML is laid out and printed by headless Chromium (skipped
without it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest

from walkrun.builtin.writers.ics import event_uid
from walkrun.plugins.writers import display_source, file_label, source_name

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium): browser checks skipped"
)

DEMO = "demo-runner"
DEMO_TODAY = "2026-05-18"
# An absolute POSIX path under a usual root, or a Windows drive path.
ABSOLUTE = re.compile(rb"(?<![\w.:/])/(?:home|tmp|Users|var|root|private|mnt|opt|work)/|\b[A-Za-z]:\\\\")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The demo store and every file the demo and a full ``walkrun export`` wrote."""
    from walkrun.cli.root import main
    from walkrun.plugins.manager import make_plugin_manager

    root = tmp_path_factory.mktemp("leaks")
    home = root / "home"
    _run(main, ["--home", str(home), "demo"])
    formats = ",".join(make_plugin_manager().writers)
    out = root / "out"
    args = ["--home", str(home), "--athlete", DEMO, "--today", DEMO_TODAY, "export", "--format", formats]
    _run(main, [*args, "--out", str(out)])
    _run(main, [*args, "--out", str(root / "out-all-day"), "--all-day", "--alarm", "30"])
    _run(main, [*args, "--out", str(root / "out-year"), "--weeks", "52"])
    # Default formats, as a user runs it.
    _run(main, ["--home", str(home), "--athlete", DEMO, "--today", DEMO_TODAY, "export", "--out", str(root / "dflt")])
    files = [p for p in root.rglob("*") if p.is_file() and "sample-data" not in p.parts and p.suffix != ".sqlite"]
    files = [p for p in files if home / "sample-data" not in p.parents and not p.name.startswith("walkrun.")]
    return root, sorted(files)


def _run(main, args: list[str]) -> None:
    try:
        main(args)
    except SystemExit as exc:
        assert not exc.code, f"walkrun {' '.join(args)} failed with {exc.code}"


def test_every_output_format_was_scanned(exported):
    _, files = exported
    suffixes = {p.suffix for p in files}
    assert {".ics", ".fit", ".json", ".html"} <= suffixes
    # export writes the one-page summary by default, next to the long plan.
    assert {p.name for p in files if p.parent.name == "dflt"} >= {f"{DEMO}-summary.html", f"{DEMO}-plan.html"}


def test_no_output_holds_an_absolute_path(exported):
    root, files = exported
    needles = {str(root).encode(), str(Path.home()).encode()} - {b"/"}
    leaks = {}
    for path in files:
        data = path.read_bytes()
        found = [n.decode() for n in needles if n in data] + [m.decode() for m in ABSOLUTE.findall(data)]
        if found:
            leaks[path.name] = sorted(set(found))
    assert not leaks, leaks


def test_imported_files_show_by_name_in_the_html_from_column(exported):
    _, files = exported
    html = next(p for p in files if p.name == f"{DEMO}-plan.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td data-label="From"[^>]*><span class="from">([^<]*)</span>', html)
    assert cells, "the done table has a From column"
    assert any(re.fullmatch(r"\d+\.(fit|gpx|tcx)(\.gz)?", c) for c in cells), cells
    assert all("/" not in c and "import:" not in c for c in cells), cells


def test_json_past_sessions_name_files_not_folders(exported):
    _, files = exported
    doc = json.loads(next(p for p in files if p.name == f"{DEMO}-plan.json").read_text(encoding="utf-8"))
    sources = [s for day in doc["past"] for s in day["sources"]]
    assert sources
    assert all("/" not in s and "\\" not in s for s in sources), sources


def test_no_output_cites_a_repository_path(exported):
    _, files = exported
    hits = {p.name for p in files if b"shared/seeds" in p.read_bytes() or b"DESIGN.md" in p.read_bytes()}
    assert not hits, sorted(hits)


@pytest.mark.parametrize(
    ("source", "data", "shown"),
    [
        ("import:/home/ann/exports/strava.zip!activities/123.fit.gz", "import:123.fit.gz", "123.fit.gz"),
        ("import:C:\\Users\\ann\\Downloads\\walk.gpx", "import:walk.gpx", "walk.gpx"),
        ("import:/a/outer.zip!inner.zip!x/y.tcx.gz+log", "import:y.tcx.gz+log", "y.tcx.gz, logged"),
        ("import:/h/strava.zip!activities.csv#1234", "import:activities.csv#1234", "activities.csv#1234"),
        ("diary", "diary", "pain diary"),
        ("import:123.fit", "import:123.fit", "123.fit"),
    ],
)
def test_source_names(source: str, data: str, shown: str):
    assert source_name(source) == data
    assert display_source(source) == shown
    assert "/" not in file_label(source)


def _one(files: list[Path], folder: str, name: str) -> Path:
    return next(p for p in files if p.parent.name == folder and p.name == name)


def test_calendar_and_json_describe_the_same_days(exported):
    _, files = exported
    doc = json.loads(_one(files, "out", f"{DEMO}-plan.json").read_text(encoding="utf-8"))
    cal = icalendar.Calendar.from_ical(_one(files, "out", f"{DEMO}.ics").read_bytes())
    shown = {str(e["UID"]) for e in cal.walk("VEVENT") if e.get("STATUS") is None}
    days = [d["planned"] for d in doc["past"]] + doc["plan"]["sessions"]
    assert doc["past"], "the demo has recent days the calendar shows"
    assert all(d["date"] < doc["plan"]["today"] for d in doc["past"])
    # The calendar leaves out rest days by default; everything else is in both.
    assert {event_uid(DEMO, d["slot"]) for d in days if d["kind"] != "rest"} == shown
    assert str(cal["X-WR-TIMEZONE"]) == doc["athlete"]["timezone"]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    return subprocess.run(
        [CHROMIUM, *flags, "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def pdf_pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


@needs_chromium
def test_a_year_long_plan_prints_on_few_pages(exported, tmp_path):
    _, files = exported
    page = _one(files, "out-year", f"{DEMO}-plan.html")
    assert page.read_text(encoding="utf-8").count('class="week') >= 52
    pdf = tmp_path / "plan.pdf"
    result = _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.is_file(), result.stderr[-2000:]
    # Before: 35 A4 pages (one to two weeks a page). Now the first weeks in full, then a week a line.
    assert 3 <= pdf_pages(pdf) <= 10
    # On paper each decision cites a numbered source, listed once below the table.
    text = page.read_text(encoding="utf-8")
    sources = re.findall(r'<span class="src">([^<]*)</span><span class="print-ref">\[(\d+)\]</span>', text)
    refs = re.search(r'<ol class="refs">(.*?)</ol>', text, re.S)
    assert sources and refs is not None
    listed = re.findall(r"<li>([^<]*)</li>", refs.group(1))
    assert {(src, listed[int(n) - 1]) for src, n in sources} == {(src, src) for src, _ in sources}


MEASURE = """<script>
window.addEventListener("load", () => {
  const out = [];
  for (const el of document.querySelectorAll(".phone-legend li, .print-grid, .chart-svg .legend")) {
    const r = el.getBoundingClientRect();
    out.push([el.className || el.tagName, Math.round(r.left), Math.round(r.right), r.width > 0]);
  }
  parent.postMessage(JSON.stringify([window.innerWidth, out]), "*");
});
</script>"""
# Headless Chromium will not make a window narrower than 500 px, so the page runs in a
# 390-px frame (an iPhone's width) and reports its layout to the host page.
HOST = """<!doctype html><html><body><iframe src="measured.html" style="width:390px;height:844px;border:0">
</iframe><script>window.addEventListener("message", (e) => document.body.setAttribute("data-measured", e.data));
</script></body></html>"""


@needs_chromium
def test_chart_legends_fit_a_390_px_phone(exported, tmp_path):
    _, files = exported
    page = tmp_path / "measured.html"
    text = _one(files, "out", f"{DEMO}-plan.html").read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    host = tmp_path / "host.html"
    host.write_text(HOST, encoding="utf-8")
    result = _chromium(tmp_path, "--window-size=800,900", "--virtual-time-budget=5000", "--dump-dom", host.as_uri())
    found = re.search(r'data-measured="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    width, boxes = json.loads(found.group(1).replace("&quot;", '"'))
    assert width == 390
    visible = [b for b in boxes if b[3]]
    legend_items = [b for b in visible if b[0] == "LI"]
    assert len(legend_items) >= 7  # five weekly entries and two ratio entries, all laid out
    assert all(left >= 0 and right <= width for _, left, right, _ in legend_items), legend_items
    # The in-chart legends (which scroll away with the chart) and the paper-only grid are hidden.
    assert not [b for b in visible if b[0] != "LI"], visible


@needs_chromium
@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_summary_prints_on_exactly_one_page(exported, tmp_path, paper):
    _, files = exported
    page = tmp_path / "summary.html"
    text = _one(files, "dflt", f"{DEMO}-summary.html").read_text(encoding="utf-8")
    page.write_text(text.replace("</style>", f"@page {{ size: {paper}; }}</style>"), encoding="utf-8")
    pdf = tmp_path / "summary.pdf"
    result = _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.is_file(), result.stderr[-2000:]
    assert pdf_pages(pdf) == 1
