"""The coach page in a real browser: headless Chromium at a phone's 390 px and a desktop's 1280 px.

The page is fetched from the running app, then shown in an iframe of exactly that width
(headless Chromium will not lay a window out narrower than 500 px, and the page itself runs no
script: its Content-Security-Policy forbids it). The iframe is ``srcdoc``, so the measuring
script outside it may read it: the page must not scroll sideways and every athlete's card must
be there and fit. A screenshot of each width is written for a human to look at. Skipped, with
the reason, where Chromium is not installed.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import INJURY
from test_serve_cache import get
from walkrun.domain.models import AthleteProfile, CheckIn
from walkrun.domain.notes import new_note
from walkrun.plugins.manager import Registry
from walkrun.serve.app import ServeOptions, create_app
from walkrun.serve.http import coach_path
from walkrun.serve.runner import running
from walkrun.store import Store

CHROMIUM = next(filter(None, (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (e.g. apt-get install chromium)"
)

TODAY = INJURY + dt.timedelta(weeks=10)
WIDTHS_PX = (390, 1280)
HEIGHT_PX = 2400
ATHLETES = {
    "ann": "Ann Example",
    "bartholomew-longname": "Bartholomew Maximilian Featherstonehaugh-Cholmondeley",
    "cy": "",
}
# A coach pasting a URL or a long compound word must not push the page sideways on a phone.
UNBROKEN = "https://clinic.example/notes/" + "x" * 90

_MEASURE = """
document.getElementById('page').addEventListener('load', function () {
  var d = this.contentDocument, w = this.contentWindow;
  var cards = Array.prototype.map.call(d.querySelectorAll('section.card'), function (c) {
    var r = c.getBoundingClientRect();
    return {title: c.querySelector('h2').textContent, left: r.left, right: r.right};
  });
  var out = document.createElement('pre');
  out.id = 'metrics';
  out.textContent = JSON.stringify({viewport: w.innerWidth, scroll: d.documentElement.scrollWidth, cards: cards});
  document.body.appendChild(out);
});
"""


@pytest.fixture
def coach_page(tmp_path: Path, registry: Registry) -> Iterator[bytes]:
    home = tmp_path / "home"
    with Store(home) as store:
        for athlete_id, name in ATHLETES.items():
            store.save_profile(
                AthleteProfile.model_validate(
                    {"athlete_id": athlete_id, "name": name, "condition": "femoral-neck-bsi", "injury_date": INJURY}
                )
            )
        # Red flags and a long note: the busiest a card gets.
        store.add_checkin("ann", CheckIn(date=TODAY, walk_min=30, pain_during=6, pain_after=6, night_pain=True))
        store.add_note(new_note("ann", f"See {UNBROKEN} before the visit", "Dr Lee"))
        path = coach_path(store.feed_token(Store.COACH_SCOPE))
    with running(create_app(ServeOptions(home, today=TODAY, log=io.StringIO()), registry)) as base:
        reply = get(base, path)
    assert reply.status == 200
    yield reply.body


def _chromium(tmp_path: Path, window_px: int, *args: str) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--mute-audio",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--window-size={window_px},{HEIGHT_PX}",
        "--virtual-time-budget=5000",  # let the iframe load and the measuring script run
        *args,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _framed(tmp_path: Path, body: bytes, width_px: int) -> Path:
    wrapper = (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<style>body{{margin:0}}iframe{{display:block;border:0;width:{width_px}px;height:{HEIGHT_PX}px}}</style>"
        f'</head><body><iframe id=page srcdoc="{html.escape(body.decode("utf-8"), quote=True)}"></iframe>'
        f"<script>{_MEASURE}</script></body></html>"
    )
    path = tmp_path / f"coach-{width_px}.html"
    path.write_text(wrapper, encoding="utf-8")
    return path


def measure(tmp_path: Path, body: bytes, width_px: int) -> dict[str, Any]:
    """What the browser laid out: viewport and scroll width, and each card's title and edges."""
    page = _framed(tmp_path, body, width_px)
    dom = _chromium(tmp_path, max(width_px, 500), "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="metrics">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run: " + dom[-500:]
    return dict(json.loads(html.unescape(found.group(1))))


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("width_px", WIDTHS_PX)
def test_the_coach_page_fits_the_screen_with_every_athlete(coach_page: bytes, tmp_path: Path, width_px: int) -> None:
    metrics = measure(tmp_path, coach_page, width_px)
    assert metrics["viewport"] == width_px
    assert metrics["scroll"] <= width_px, f"the page scrolls sideways at {width_px} px: {metrics['scroll']} px wide"
    titles = [card["title"] for card in metrics["cards"]]
    for athlete_id in ATHLETES:
        assert sum(f"({athlete_id})" in t or t == athlete_id for t in titles) == 1, (athlete_id, titles)
    for card in metrics["cards"]:
        assert card["left"] >= 0 and card["right"] <= width_px, card
    shot = tmp_path / f"coach-{width_px}.png"
    _chromium(tmp_path, width_px, f"--screenshot={shot}", _framed(tmp_path, coach_page, width_px).as_uri())
    assert _png_size(shot) == (width_px, HEIGHT_PX)


def test_the_measurement_catches_a_page_that_scrolls_sideways(coach_page: bytes, tmp_path: Path) -> None:
    wide = coach_page.replace(b"</main>", b'<div style="width:900px">too wide</div></main>')
    assert measure(tmp_path, wide, 390)["scroll"] > 390
