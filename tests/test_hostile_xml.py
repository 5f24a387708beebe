"""Hostile and implausible GPX/TCX, generated here: each case is a one-line refusal or a sane activity.

Nothing here is a committed binary; every document is built in the test. The
cases are small, so each is bounded in time by construction (a case that hung
or recursed would show up as a timeout or a crash of the test run itself).
"""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkrun.builtin.readers.gpx import GpxReader
from walkrun.builtin.readers.tcx import TcxReader
from walkrun.domain.activities import Activity
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.domain.models import Preferences
from walkrun.evidence.classify import classify

T0 = dt.datetime(2026, 3, 2, 7, 0, 0, tzinfo=dt.UTC)
DEG_PER_M = 1 / 111_195.0  # degrees of latitude per metre on walkrun's Earth radius


def stamp(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def gpx(points: list[str], *, sport: str = "walking", segments: list[list[str]] | None = None) -> bytes:
    segs = segments if segments is not None else [points]
    body = "".join(f"<trkseg>{''.join(s)}</trkseg>" for s in segs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>t</name><type>{sport}</type>{body}</trk></gpx>"
    ).encode()


def trkpt(sec: float, lat: object, lon: object = 14.5, *, cad: float | None = 57, hr: float | None = 110) -> str:
    ext = ""
    if cad is not None or hr is not None:
        ext = "<extensions><gpxtpx:TrackPointExtension>"
        ext += f"<gpxtpx:hr>{hr}</gpxtpx:hr>" if hr is not None else ""
        ext += f"<gpxtpx:cad>{cad}</gpxtpx:cad>" if cad is not None else ""
        ext += "</gpxtpx:TrackPointExtension></extensions>"
    return f'<trkpt lat="{lat}" lon="{lon}"><time>{stamp(sec)}</time>{ext}</trkpt>'


def walk(seconds: int = 600, speed: float = 1.5, step: int = 1, **kw: float | None) -> list[str]:
    """A straight walk north at ``speed`` m/s: seconds * speed metres."""
    return [trkpt(t, 46.0 + t * speed * DEG_PER_M, **kw) for t in range(0, seconds + 1, step)]  # type: ignore[arg-type]


def read_gpx(data: bytes, name: str = "t.gpx") -> list[Activity]:
    return GpxReader().read(data, name)


def one_line_refusal(exc: ReadError, name: str) -> str:
    text = str(exc)
    assert text.startswith(f"{name}: ") and "\n" not in text and "Traceback" not in text
    return text


# --- XML attacks ---------------------------------------------------------------


def test_deep_nesting_is_refused_in_one_line() -> None:
    # 150k nested extension elements: gpxpy's deepcopy crashed the interpreter on this.
    depth = 150_000
    inner = "<x>" * depth + "1" + "</x>" * depth
    point = f'<trkpt lat="46" lon="14"><time>{stamp(0)}</time><extensions>{inner}</extensions></trkpt>'
    with pytest.raises(ReadError) as info:
        read_gpx(gpx([point, trkpt(10, 46.001)]), "deep.gpx")
    assert "deep" in one_line_refusal(info.value, "deep.gpx")


def test_deep_nesting_in_tcx_is_refused() -> None:
    inner = "<Extensions>" * 10_000 + "</Extensions>" * 10_000
    data = f"<TrainingCenterDatabase><Activities>{inner}</Activities></TrainingCenterDatabase>".encode()
    with pytest.raises(ReadError, match="deep") as info:
        TcxReader().read(data, "deep.tcx")
    one_line_refusal(info.value, "deep.tcx")


def test_huge_attribute_is_refused() -> None:
    point = f'<trkpt lat="{"4" * 2_000_000}" lon="14"><time>{stamp(0)}</time></trkpt>'
    with pytest.raises(ReadError, match="attribute") as info:
        read_gpx(gpx([point, trkpt(10, 46.001)]), "attr.gpx")
    one_line_refusal(info.value, "attr.gpx")


def test_huge_text_is_refused() -> None:
    data = gpx(walk(10)).replace(b"<name>t</name>", b"<name>" + b"a" * 3_000_000 + b"</name>")
    with pytest.raises(ReadError, match="text over") as info:
        read_gpx(data, "text.gpx")
    one_line_refusal(info.value, "text.gpx")


@pytest.mark.parametrize("reader", [GpxReader, TcxReader])
def test_billion_laughs_and_external_entities_are_refused(reader: type[GpxReader] | type[TcxReader]) -> None:
    root = "gpx" if reader is GpxReader else "TrainingCenterDatabase"
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    laughs = f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY l0 "lol">{entities}]><{root}>&l9;</{root}>'
    xxe = f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY x SYSTEM "file:///etc/passwd">]><{root}>&x;</{root}>'
    for name, doc in (("laughs", laughs), ("xxe", xxe)):
        with pytest.raises(ReadError, match="refused") as info:
            reader().read(doc.encode(), name)
        assert "root:" not in one_line_refusal(info.value, name)


def test_undeclared_entity_is_a_parse_error_not_an_expansion() -> None:
    data = gpx(walk(10)).replace(b"<name>t</name>", b"<name>&boom;</name>")
    with pytest.raises(ReadError, match="not well-formed") as info:
        read_gpx(data, "ent.gpx")
    one_line_refusal(info.value, "ent.gpx")


# --- implausible data: GPX -------------------------------------------------------


def test_nan_coordinates_give_no_distance_and_no_running() -> None:
    points = walk(600)
    points[100:400] = [trkpt(t, "NaN", "nan") for t in range(100, 400)]
    (act,) = read_gpx(gpx(points))
    assert act.distance_m is not None and act.distance_m < 1000  # a 900 m walk, never millions of km
    assert any("300 point(s) with an impossible position" in w for w in act.warnings)
    result = classify(act, Preferences())
    assert result.run_s == 0


def test_latitude_1000_and_infinite_positions_are_dropped() -> None:
    points = walk(300)
    points[50] = trkpt(50, 1000)
    points[60] = trkpt(60, "inf")
    points[70] = trkpt(70, 46.0, 500)
    (act,) = read_gpx(gpx(points))
    assert act.distance_m == pytest.approx(450, rel=0.02)
    assert any("3 point(s) with an impossible position" in w for w in act.warnings)
    assert classify(act, Preferences()).run_s == 0


def test_teleporting_point_is_ignored() -> None:
    points = walk(300)
    points[150] = trkpt(150, 47.0)  # 110 km away for one second
    (act,) = read_gpx(gpx(points))
    assert act.distance_m == pytest.approx(450, rel=0.02)
    assert any("jumping faster" in w for w in act.warnings)
    assert classify(act, Preferences()).run_s == 0


def test_shuffled_times_are_sorted_not_clamped() -> None:
    points = walk(600)  # 900 m
    shuffled = points[:]
    random.Random(4).shuffle(shuffled)
    (act,) = read_gpx(gpx(shuffled))
    (plain,) = read_gpx(gpx(points))
    assert act.distance_m == pytest.approx(900, rel=0.01)  # was 177 km when times were clamped
    assert act.elapsed_s == plain.elapsed_s == 600
    assert [s.t_s for s in act.samples] == [s.t_s for s in plain.samples]
    assert any("out of time order" in w for w in act.warnings)


def test_reversed_track_is_read_like_the_forward_one() -> None:
    points = walk(600)
    (forward,) = read_gpx(gpx(points))
    (backward,) = read_gpx(gpx(points[::-1]))
    assert backward.elapsed_s == forward.elapsed_s == 600
    assert backward.distance_m == pytest.approx(forward.distance_m)
    assert backward.moving_s == forward.moving_s


def test_duplicate_points_count_once() -> None:
    points = walk(300)
    (act,) = read_gpx(gpx(points, segments=[points, points]))
    assert act.distance_m == pytest.approx(450, rel=0.01)
    assert any("repeating an earlier time" in w for w in act.warnings)


def test_impossible_cadence_and_heart_rate_are_dropped() -> None:
    (act,) = read_gpx(gpx(walk(300, cad=250, hr=300)))  # 500 steps/min, 300 bpm
    assert all(s.cadence_spm is None and s.heart_rate_bpm is None for s in act.samples)
    assert any("impossible cadence" in w for w in act.warnings)
    assert any("impossible heart rate" in w for w in act.warnings)
    result = classify(act, Preferences())
    assert result.run_s == 0  # 1.5 m/s: a walk, not 500 spm "running"
    assert any("impossible cadence" in w for w in result.warnings)  # the activities list shows what was dropped


def test_an_elapsed_time_of_years_is_not_accepted() -> None:
    points = walk(600)
    far = (T0 + dt.timedelta(days=2400)).strftime("%Y-%m-%dT%H:%M:%SZ")  # 6.6 years later
    points.append(f'<trkpt lat="46.01" lon="14.5"><time>{far}</time></trkpt>')
    (act,) = read_gpx(gpx(points))
    assert act.elapsed_s == 600
    assert any("more than 12 h away" in w for w in act.warnings)


def test_absurd_dates_are_not_times() -> None:
    points = ['<trkpt lat="46" lon="14"><time>9999-12-31T23:59:59Z</time></trkpt>'] * 2
    with pytest.raises(NotAnActivityError) as info:
        read_gpx(gpx(points), "9999.gpx")
    one_line_refusal(info.value, "9999.gpx")


def test_moving_time_never_exceeds_elapsed() -> None:
    (act,) = read_gpx(gpx(walk(600)))
    assert act.moving_s is not None and act.moving_s <= act.elapsed_s


# --- implausible data: TCX -------------------------------------------------------


def tcx_lap(start_s: int, seconds: int, *, speed: float = 1.5, cadence: int | None = 57) -> str:
    points = []
    for t in range(start_s, start_s + seconds + 1, 5):
        cad = f"<Cadence>{cadence}</Cadence>" if cadence is not None else ""
        points.append(
            f"<Trackpoint><Time>{stamp(t)}</Time><DistanceMeters>{(t - 0) * speed:.1f}</DistanceMeters>"
            f"{cad}</Trackpoint>"
        )
    return (
        f'<Lap StartTime="{stamp(start_s)}"><TotalTimeSeconds>{seconds}</TotalTimeSeconds>'
        f"<DistanceMeters>{seconds * speed:.1f}</DistanceMeters><Intensity>Active</Intensity>"
        f"<Track>{''.join(points)}</Track></Lap>"
    )


def tcx(laps: list[str], sport: str = "Other") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{stamp(0)}</Id>{"".join(laps)}</Activity></Activities>'
        "</TrainingCenterDatabase>"
    ).encode()


def test_duplicated_lap_does_not_double_distance_or_moving_time() -> None:
    lap = tcx_lap(0, 600)
    (act,) = TcxReader().read(tcx([lap, lap]), "dup.tcx")
    assert act.distance_m == pytest.approx(900)
    assert act.moving_s == pytest.approx(600) and act.moving_s <= act.elapsed_s
    assert len(act.samples) == 121
    assert any("lap(s) repeating" in w for w in act.warnings)


def test_lap_distances_far_above_the_track_are_not_trusted() -> None:
    data = tcx([tcx_lap(0, 600)]).replace(
        b"<DistanceMeters>900.0</DistanceMeters><Intensity>", b"<DistanceMeters>90000</DistanceMeters><Intensity>"
    )
    (act,) = TcxReader().read(data, "laps.tcx")
    assert act.distance_m == pytest.approx(900)
    assert any("lap distances add up to 90000 m" in w for w in act.warnings)


def test_lap_timers_longer_than_the_activity_are_capped() -> None:
    data = tcx([tcx_lap(0, 600)]).replace(b"<TotalTimeSeconds>600<", b"<TotalTimeSeconds>5000<")
    (act,) = TcxReader().read(data, "timer.tcx")
    assert act.moving_s is not None and act.moving_s <= act.elapsed_s


def test_other_sport_swim_is_not_walking() -> None:
    # A pool swim exported as Sport="Other": laps of ~0.8 m/s, no cadence, no positions.
    (swim,) = TcxReader().read(tcx([tcx_lap(0, 1800, speed=0.8, cadence=None)]), "swim.tcx")
    result = classify(swim, Preferences())
    assert result.walk_s == 0 and result.run_s == 0 and result.brisk_walk_s == 0
    assert result.warnings and "cannot tell a walk" in result.warnings[0]


def test_other_sport_walk_with_cadence_is_a_walk() -> None:
    (act,) = TcxReader().read(tcx([tcx_lap(0, 1800, speed=1.5, cadence=57)]), "walk.tcx")
    result = classify(act, Preferences())
    assert result.brisk_walk_s >= 1700 and result.run_s == 0
    assert "cadence profile" in result.sport_reason


# --- fuzz: any damage is a one-line refusal or an activity -------------------------

BASE = gpx(walk(60, step=5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.binary(min_size=0, max_size=3)), max_size=4))
def test_damaged_documents_never_raise_anything_else(edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(BASE)
    for pos, chunk in edits:
        data[pos : pos + len(chunk)] = chunk
    try:
        acts = read_gpx(bytes(data), "fuzz.gpx")
    except ReadError as exc:
        one_line_refusal(exc, "fuzz.gpx")
        return
    for act in acts:
        assert act.elapsed_s >= 0 and (act.distance_m is None or math.isfinite(act.distance_m))
        classify(act, Preferences())


def test_a_file_with_millions_of_points_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real bound is a million points; a smaller one here keeps the test fast.
    from walkrun.builtin.readers import gpx as gpx_reader
    from walkrun.builtin.readers import tcx as tcx_reader

    monkeypatch.setattr(gpx_reader, "MAX_POINTS", 100)
    monkeypatch.setattr(tcx_reader, "MAX_POINTS", 100)
    with pytest.raises(ReadError, match="more than 100 track points") as info:
        read_gpx(gpx(walk(200)), "many.gpx")
    one_line_refusal(info.value, "many.gpx")
    with pytest.raises(ReadError, match="more than 100 track points"):
        TcxReader().read(tcx([tcx_lap(0, 1000)]), "many.tcx")
