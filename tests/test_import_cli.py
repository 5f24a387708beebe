"""`walkrun import`/`activities`/`diary`: the script contract, idempotency and evidence."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED_SAMPLES
from walkrun.app import samplegen
from walkrun.domain.activities import Activity, Sample
from walkrun.domain.errors import UsageError
from walkrun.domain.models import Preferences
from walkrun.evidence.classify import Motion, classify
from walkrun.evidence.sessions import pain_from_text, read_pain_diary

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ARCHIVE = SAMPLES / samplegen.ARCHIVE_NAME
DIARY = SAMPLES / samplegen.DIARY_NAME


def _init(run_cli: Any) -> None:
    r = run_cli("--today", "2026-04-20", "init", "--athlete", "ann", "--condition", "femoral-neck-bsi",
                "--injury-date", str(samplegen.INJURY), "--timezone", samplegen.TIMEZONE)  # fmt: skip
    assert r.exit_code == 0, r.stderr


def _json(run_cli: Any, *args: str) -> dict[str, Any]:
    r = run_cli("--athlete", "ann", "--today", "2026-04-20", *args, "--json")
    assert r.exit_code == 0, r.stderr
    return dict(json.loads(r.stdout))


def test_import_is_idempotent_and_activities_follow_the_contract(run_cli: Any) -> None:
    _init(run_cli)
    first = _json(run_cli, "import", str(ARCHIVE))
    walks = samplegen.walk_schedule()
    assert first["imported"] == len(walks) + 1 and first["errors"] == 0
    again = _json(run_cli, "import", str(ARCHIVE))
    assert again["imported"] == 0 and again["duplicates"] == first["imported"]
    acts = _json(run_cli, "activities")["activities"]
    assert len(acts) == first["imported"]
    required = {"id", "source", "start", "sport", "moving_s", "distance_m", "brisk_walk_s", "longest_brisk_walk_s",
                "run_s", "pain", "warnings"}  # fmt: skip
    for a in acts:
        assert required <= set(a)
    by_day = {a["date"]: a for a in acts if a["sport"] == "walking"}
    jog = by_day["2026-04-01"]
    assert 3 * 60 <= jog["run_s"] <= 5 * 60 and any("running inside a walk" in w for w in jog["warnings"])
    stop = by_day["2026-03-18"]
    assert stop["longest_brisk_walk_s"] < stop["brisk_walk_s"] - 5 * 60, "a 4-min stop splits the walk"
    slow = by_day["2026-03-25"]
    assert slow["brisk_walk_s"] == 0 and slow["moving_s"] > 40 * 60
    assert by_day["2026-03-20"]["pain"]["during"] == 2
    untagged = by_day["2026-04-03"]
    assert untagged["pain"] is None, "no tag and no diary yet: pain unknown, not pain-free"
    swim = next(a for a in acts if a["sport"] == "swimming")
    assert swim["brisk_walk_s"] == 0 and swim["rpe"] == 3 and swim["pain"] is None


def test_diary_fills_pain_and_status_shows_the_weekly_table(run_cli: Any) -> None:
    _init(run_cli)
    _json(run_cli, "import", str(ARCHIVE))
    _json(run_cli, "diary", str(DIARY))
    acts = {a["date"]: a for a in _json(run_cli, "activities")["activities"] if a["sport"] == "walking"}
    assert acts["2026-04-03"]["pain"]["source"] == "diary"
    status = _json(run_cli, "status")
    weeks = status["weekly_evidence"]
    assert weeks[-2]["brisk_sessions"] == 4 and weeks[-2]["pain_free"] == 4
    assert any(w["kind"] == "running-before-gate" for w in status["warnings"])
    walk_crit = next(c for c in status["gate"]["criteria"] if "brisk walks" in c["name"])
    assert walk_crit["met"]


def test_bad_files_are_reported_and_stored_without_stopping(run_cli: Any, tmp_path: Path) -> None:
    _init(run_cli)
    folder = tmp_path / "mixed"
    folder.mkdir()
    with zipfile.ZipFile(ARCHIVE) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".gpx"))
        (folder / "good.gpx").write_bytes(zf.read(name))
    (folder / "broken.fit").write_bytes(b"\x0e\x10\x00\x00" + b"\x00" * 20)
    (folder / "notes.txt").write_text("hello")
    summary = _json(run_cli, "import", str(folder))
    assert summary["imported"] == 1 and summary["errors"] == 1
    problems = _json(run_cli, "import", "--errors")["problems"]
    broken = next(p for p in problems if p["source"].endswith("broken.fit"))
    assert broken["status"] == "error" and broken["reason"] and "broken.fit" not in broken["reason"]


def test_real_device_files_import_without_tracebacks(run_cli: Any) -> None:
    if not SHARED_SAMPLES.is_dir():
        pytest.skip(f"shared samples not present: {SHARED_SAMPLES}")
    _init(run_cli)
    r = run_cli("--athlete", "ann", "--today", "2026-04-20", "import", str(SHARED_SAMPLES / "fit"), "--json")
    assert r.exit_code == 0 and "Traceback" not in r.stderr
    data = json.loads(r.stdout)
    assert data["imported"] > 10 and data["errors"] == 0  # damaged FIT files give what they hold (issue 9)
    walk = next(
        a for a in _json(run_cli, "activities")["activities"] if a["source"].endswith("garmin-fenix-5-walk.fit")
    )
    assert walk["sport"] == "walking" and walk["moving_s"] > 0


def _activity(points: list[tuple[float, float | None, float | None]], sport: str = "walking") -> Activity:
    return Activity(
        source="t",
        sport=sport,
        start_utc=dt.datetime(2026, 3, 1, 7, tzinfo=dt.UTC),
        elapsed_s=points[-1][0],
        samples=[Sample(t_s=t, speed_mps=v, cadence_spm=c) for t, v, c in points],
    )


def test_classification_prefers_cadence_and_falls_back_to_speed() -> None:
    prefs = Preferences()
    by_cadence = classify(_activity([(t, 1.2, 112.0) for t in range(0, 601)]), prefs)
    assert by_cadence.method == "cadence" and by_cadence.brisk_walk_s == 600
    slow = classify(_activity([(t, 1.6, 90.0) for t in range(0, 601)]), prefs)
    assert slow.brisk_walk_s == 0 and slow.slow_walk_s == 600
    by_speed = classify(_activity([(t, 1.5, None) for t in range(0, 601)]), prefs)
    assert by_speed.method == "speed" and by_speed.brisk_walk_s == 600
    paused = classify(
        _activity([(t, 1.5, 110.0) for t in range(0, 301)] + [(t, 1.5, 110.0) for t in range(900, 1201)]), prefs
    )
    assert paused.moving_s == 600 and paused.longest_brisk_walk_s == 300, "a 10-min pause is neither moving nor walking"
    smart = classify(_activity([(t, 1.5, 110.0) for t in range(0, 601, 10)]), prefs)
    assert smart.moving_s == 600, "10-s smart-recording gaps are still walking"
    jog = classify(
        _activity([(t, 1.5, 112.0) for t in range(0, 300)] + [(t, 2.7, 160.0) for t in range(300, 421)]), prefs
    )
    assert jog.run_s >= 110 and jog.warnings
    bike = classify(_activity([(t, 6.0, 85.0) for t in range(0, 601)], sport="cycling"), prefs)
    assert bike.method == "not-on-foot" and bike.brisk_walk_s == 0
    assert {s.kind for s in jog.segments} <= set(Motion)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Morning walk pain:0", (0, 0, None, False)),
        ("pain 2/10 after the hill", (2, 2, None, False)),
        ("morning pain 1", (None, None, 1, False)),
        ("pain during 3, pain after 1", (3, 1, None, False)),
        ("pain-free walk", (0, 0, None, False)),
        ("night pain again", (None, None, None, True)),
        ("Easy walk 12 km", None),
    ],
)
def test_pain_tags(text: str, expected: tuple[Any, ...] | None) -> None:
    c = pain_from_text(text, dt.date(2026, 3, 1))
    got = None if c is None else (c.pain_during, c.pain_after, c.pain_next_morning, c.night_pain)
    assert got == expected


def test_pain_diary_errors_name_the_line() -> None:
    with pytest.raises(UsageError, match="line 3, column pain_during: '12' is not a pain score: expected a whole"):
        read_pain_diary("date,pain_during\n2026-03-01,0\n2026-03-02,12\n", "d.csv")
    with pytest.raises(UsageError, match="line 2, column pain_after: 'x' is not a pain score"):
        read_pain_diary("date,pain_after\n2026-03-01,x\n", "d.csv")
    with pytest.raises(UsageError, match="line 2, column walk_min: 'ten' is not a number of minutes"):
        read_pain_diary("date,walk_min\n2026-03-01,ten\n", "d.csv")
    with pytest.raises(UsageError, match="unknown column"):
        read_pain_diary("date,rpe\n2026-03-01,4\n", "d.csv")
