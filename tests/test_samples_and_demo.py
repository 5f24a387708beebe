"""The generated sample history and the demo that imports it."""

from __future__ import annotations

import json
from pathlib import Path

from walkrun.app import samplegen

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_committed_samples_match_the_generator() -> None:
    assert (SAMPLES / samplegen.ARCHIVE_NAME).read_bytes() == samplegen.build_archive(), (
        "samples/ is stale: run python samples/generate.py"
    )
    assert (SAMPLES / samplegen.DIARY_NAME).read_text(encoding="utf-8") == samplegen.build_diary()


def test_sample_history_is_realistic() -> None:
    walks = samplegen.walk_schedule()
    weeks = (walks[-1].day - walks[0].day).days / 7
    assert 9 <= weeks <= 14
    assert walks[0].minutes == 15 and max(w.minutes for w in walks) == 45
    assert {w.fmt for w in walks} == {"fit", "gpx", "tcx"}
    kinds = [w.kind for w in walks]
    assert kinds.count("slow") >= 2 and kinds.count("interrupted") == 1 and kinds.count("jog") == 1
    assert sum(1 for w in walks if w.pain_tag.startswith("pain 2")) == 1


def test_demo_runs_end_to_end(run_cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("demo", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["import"]["imported"] == len(samplegen.walk_schedule()) + 1  # + the manual swim
    assert data["import"]["errors"] == 0
    status = data["status"]
    assert status["gate"]["open"] and status["phase"] == "walk-run"
    assert any(w["kind"] == "running-before-gate" for w in status["warnings"])
    for writer in ("ics", "fit", "json", "html"):
        assert data["exports"][writer] and all(Path(p).exists() for p in data["exports"][writer])
    again = run_cli("demo", "--json")
    assert json.loads(again.stdout)["status"] == status, "the demo is repeatable in the same home"
