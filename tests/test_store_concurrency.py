"""Two processes importing and logging into one store at the same moment: nothing lost, nothing twice.

On PostgreSQL this is the clinic's case (several server or CLI processes on one database);
on SQLite two commands run at once on one laptop.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from walkrun.store import Store

WALKS = 6
CHECKINS = 15
START = dt.datetime(2026, 2, 2, 7, 0, tzinfo=dt.UTC)

WORKER = """
import datetime as dt, json, sys, time
from pathlib import Path
from walkrun.app.importing import import_paths
from walkrun.domain.models import AthleteProfile, CheckIn
from walkrun.plugins.manager import make_plugin_manager
from walkrun.store import Store

home, url, folder, go, tag = sys.argv[1:6]
registry = make_plugin_manager(load_entrypoints=False, env={})
while not Path(go).exists():
    time.sleep(0.01)
with Store(Path(home), url or None) as store:
    profile = AthleteProfile(athlete_id="ann", condition="femoral-neck-bsi", injury_date=dt.date(2026, 1, 5))
    created = store.save_profile(profile)
    summary = import_paths(store, "ann", [Path(folder)], registry.readers)
    for i in range(int(sys.argv[6])):
        store.add_checkin("ann", CheckIn(date=dt.date(2026, 3, 1 + i % 20), walk_min=30, note=f"{tag}-{i}"))
print(json.dumps({"created": created, "imported": summary.imported, "duplicates": summary.duplicates}))
"""


def _gpx(start: dt.datetime, points: int = 12) -> str:
    trkpts = "".join(
        f'<trkpt lat="{45.0 + i * 0.0004:.5f}" lon="7.0"><ele>35</ele>'
        f"<time>{(start + dt.timedelta(seconds=30 * i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for i in range(points)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="walkrun test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><type>walking</type><trkseg>{trkpts}</trkseg></trk></gpx>"
    )


def _watch_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "watch"
    folder.mkdir()
    for n in range(WALKS):
        (folder / f"walk-{n}.gpx").write_text(_gpx(START + dt.timedelta(days=2 * n)))
    return folder


def test_two_processes_import_and_log_at_once(tmp_path: Path, store_url: str | None) -> None:
    folder, go, home = _watch_folder(tmp_path), tmp_path / "go", tmp_path / "home"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(home), store_url or "", str(folder), str(go), tag, str(CHECKINS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("first", "second")
    ]
    time.sleep(0.5)  # both are waiting on the go file: they start together
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["created"] for r in results) == [False, True], "the athlete was created exactly once"
    assert sum(r["imported"] for r in results) == WALKS, results
    assert sum(r["imported"] + r["duplicates"] for r in results) == 2 * WALKS, results
    with Store(home, store_url) as store:
        assert store.athlete_ids() == ["ann"]
        assert store.activity_count("ann") == WALKS
        starts = [a.start_utc for a in store.activities("ann", with_samples=False)]
        assert starts == [START + dt.timedelta(days=2 * n) for n in range(WALKS)]
        notes = sorted(c.note for c in store.checkins("ann"))
        assert notes == sorted(f"{tag}-{i}" for tag in ("first", "second") for i in range(CHECKINS))
