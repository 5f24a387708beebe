"""Classification safety: running is never hidden as brisk walking; other sports are never walk evidence."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walkrun.domain.activities import Activity, Sample
from walkrun.domain.models import Preferences
from walkrun.evidence.classify import Motion, Thresholds, classify, motion_of
from walkrun.plugins.manager import make_plugin_manager

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
T0 = dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC)
PREFS = Preferences()
TH = Thresholds.from_preferences(PREFS)


def activity(
    rows: list[tuple[float | None, float | None]],
    *,
    sport: str = "walking",
    sub_sport: str | None = None,
    device: str | None = None,
    moving_s: float | None = None,
) -> Activity:
    """One sample a second from (speed m/s, cadence steps/min) rows."""
    samples = []
    dist = 0.0
    for t, (speed, cadence) in enumerate(rows):
        dist += speed or 0.0
        samples.append(
            Sample(t_s=t, speed_mps=speed, cadence_spm=cadence, distance_m=dist if speed is not None else None)
        )
    return Activity(
        source="t",
        sport=sport,
        sub_sport=sub_sport,
        device=device,
        start_utc=T0,
        elapsed_s=len(rows) - 1,
        moving_s=moving_s,
        samples=samples,
    )


def blocks(*parts: tuple[int, float, float | None]) -> list[tuple[float | None, float | None]]:
    """(seconds, speed, cadence) blocks -> per-second rows."""
    return [(speed, cad) for seconds, speed, cad in parts for _ in range(seconds)]


# --- running is never hidden -----------------------------------------------------


def test_jogging_near_140_in_short_blocks_counts_as_running() -> None:
    rng = random.Random(3)
    parts: list[tuple[int, float, float | None]] = [(120, 1.5, 112)]
    for _ in range(20):  # 20 jog pieces of 8-25 s at 142-146 spm, separated by 6-20 s just under 140
        parts.append((rng.randint(8, 25), 2.3, rng.uniform(142, 146)))
        parts.append((rng.randint(6, 20), 2.0, rng.uniform(134, 138)))
    parts.append((120, 1.5, 112))
    rows = blocks(*parts)
    raw_run = sum(1 for speed, cad in rows[1:] if motion_of(speed, cad, TH) is Motion.RUN)
    result = classify(activity(rows), PREFS)
    assert result.run_s >= raw_run  # every second at run cadence still counts as running
    assert any("in doubt it is running" in w for w in result.warnings)
    assert any("running inside a walk" in w for w in result.warnings)


def test_a_real_run_block_shorter_than_30_s_is_running() -> None:
    rows = blocks((300, 1.5, 112), (20, 2.6, 160), (300, 1.5, 112))
    result = classify(activity(rows), PREFS)
    assert result.run_s == 20


def test_a_lone_two_second_spike_is_neither_running_nor_brisk() -> None:
    rows = blocks((300, 1.5, 112), (2, 1.6, 146), (300, 1.5, 112))
    result = classify(activity(rows), PREFS)
    assert result.run_s == 0
    assert result.brisk_walk_s == 599 and result.slow_walk_s == 2
    assert result.longest_brisk_walk_s == 599  # the spike does not break the walk either


SEGMENT = st.tuples(st.integers(1, 40), st.sampled_from(["walk", "brisk", "run", "stop", "slow"]))
MOTIONS = {"walk": (1.2, 95.0), "brisk": (1.5, 112.0), "run": (2.6, 160.0), "stop": (0.0, 0.0), "slow": (1.0, 90.0)}


@settings(max_examples=80, deadline=None)
@given(st.lists(SEGMENT, min_size=1, max_size=30))
def test_smoothing_never_adds_brisk_walking(script: list[tuple[int, str]]) -> None:
    rows = blocks(*[(seconds, *MOTIONS[kind]) for seconds, kind in script])
    if len(rows) < 2:
        return
    raw = [motion_of(speed, cad, TH) for speed, cad in rows[1:]]
    result = classify(activity(rows), PREFS)
    assert result.brisk_walk_s <= raw.count(Motion.BRISK_WALK)
    # Running may only shrink by lone spikes of at most 5 s, which become slow walking.
    assert result.run_s >= raw.count(Motion.RUN) - result.slow_walk_s


# --- other sports are never walk evidence ----------------------------------------


def test_unknown_sport_with_walking_cadence_is_a_walk_and_says_why() -> None:
    result = classify(activity(blocks((900, 1.5, 112)), sport="unknown"), PREFS)
    assert result.brisk_walk_s == 899 and result.run_s == 0
    assert "cadence profile" in result.sport_reason and result.warnings


def test_unknown_sport_without_cadence_is_not_walk_evidence() -> None:
    result = classify(activity(blocks((900, 1.4, None)), sport="other"), PREFS)
    assert (result.brisk_walk_s, result.slow_walk_s, result.run_s) == (0, 0, 0)
    assert result.method == "unknown-sport"
    assert "cannot tell a walk from a paddle" in result.warnings[0]


def test_unknown_sport_without_cadence_still_counts_running_pace() -> None:
    rows = blocks((300, 1.4, None), (600, 2.8, None), (300, 1.4, None))
    result = classify(activity(rows, sport="unknown"), PREFS)
    assert result.run_s >= 599 and result.brisk_walk_s == 0


@pytest.mark.parametrize(
    ("sport", "sub_sport", "device", "rows"),
    [
        ("swimming", "lap_swimming", None, blocks((1800, 0.8, 30))),  # pool swim
        ("generic", "lap_swimming", None, blocks((1800, 0.8, None))),
        ("generic", "stand_up_paddleboarding", None, blocks((1800, 1.3, None))),
        ("cross_country_skiing", None, None, blocks((1800, 3.5, 60))),
        ("generic", None, "garmin fenix2", blocks((1800, 2.2, 0))),  # moving with no steps counted: a ski
        ("unknown", None, None, blocks((1800, 7.0, 170))),  # a ride without a session: pedal rpm x 2
        ("unknown", None, "garmin edge500", blocks((1800, 4.0, None))),  # slow ride on a bike computer
        ("generic", None, None, blocks((1800, 4.5, 120))),  # leisurely ride, 60 rpm counted as 120 "steps"
        ("walking", None, None, blocks((1800, 9.0, None))),  # "walking" at 32 km/h: a vehicle
        ("other", None, None, blocks((1800, 1.0, 40))),  # paddle strokes counted as cadence
    ],
)
def test_other_sports_are_neither_walking_nor_running(
    sport: str, sub_sport: str | None, device: str | None, rows: list[tuple[float | None, float | None]]
) -> None:
    result = classify(activity(rows, sport=sport, sub_sport=sub_sport, device=device), PREFS)
    assert (result.brisk_walk_s, result.slow_walk_s, result.run_s) == (0, 0, 0)
    assert result.sport_reason


def test_unknown_sport_fast_run_is_still_running() -> None:
    # 3.5 m/s at 170 spm: 1.2 m steps, a run whatever the file's sport says.
    result = classify(activity(blocks((1800, 3.5, 170)), sport="generic"), PREFS)
    assert result.run_s == 1799


def test_vehicle_stretch_inside_a_walk_is_not_running() -> None:
    rows = blocks((900, 1.5, None), (300, 12.0, None), (900, 1.5, None))
    result = classify(activity(rows, sport="walking"), PREFS)
    assert result.run_s == 0 and result.brisk_walk_s >= 1790
    assert any("vehicle" in w for w in result.warnings)


# --- moving time and the device timer ----------------------------------------------


def test_heart_rate_only_run_is_moving_and_running() -> None:
    rows: list[tuple[float | None, float | None]] = [(None, None)] * 1800
    result = classify(activity(rows, sport="running", moving_s=1799), PREFS)
    assert result.moving_s == 1799 and result.run_s == 1799
    assert result.timer_s == 1799 and not result.moving_note


def test_device_timer_is_kept_and_a_difference_explained() -> None:
    rows = blocks((600, 1.5, 112), (300, 0.0, 0), (600, 1.5, 112))
    result = classify(activity(rows, moving_s=1499), PREFS)
    assert result.timer_s == 1499
    assert result.moving_s == 1199
    assert "300 s standing still" in result.moving_note and "1499" in result.moving_note


# --- the real files ------------------------------------------------------------------


def _read(folder: str, name: str) -> list[Activity]:
    path = SHARED_SAMPLES / folder / name
    if not path.is_file():
        pytest.skip(f"shared samples not present: {SHARED_SAMPLES}")
    registry = make_plugin_manager(load_entrypoints=False, env={})
    return registry.readers[folder]().read(path.read_bytes(), name)


def test_real_running_leg_keeps_its_running() -> None:
    acts = _read("fit", "activity-large-fenxi2-multisport.fit")
    leg = next(a for a in acts if a.index == 4)
    assert leg.sport == "running"
    assert classify(leg, PREFS).run_s >= 4785  # smoothing once cut this to 2,497 s


def test_real_paddleboard_session_is_not_walking() -> None:
    (sup,) = _read("tcx", "sup_activity_1.tcx")
    result = classify(sup, PREFS)
    assert (result.brisk_walk_s, result.slow_walk_s, result.run_s) == (0, 0, 0)


def test_real_ant_fs_dump_is_not_zero_moving() -> None:
    (act,) = _read("fit", "antfs-dump.63.fit")
    result = classify(act, PREFS)
    assert result.moving_s > 0.9 * act.elapsed_s
