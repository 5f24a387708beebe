"""The GPX reader: real files from gpxpy's test suite, Strava/Garmin-style tracks, hostile XML."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import gpxpy
import gpxpy.gpx
import pytest

from walkrun.builtin.readers import gpx as gpx_reader
from walkrun.builtin.readers._trackmath import EARLIEST_TIME, LATEST_TIME, as_utc, haversine_m
from walkrun.builtin.readers.gpx import GpxReader, looks_like_gpx, parse_gpx, sport_from_type
from walkrun.domain.activities import Activity
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.ingest.xmlsafe import xml_text
from walkrun.plugins.manager import BUILTIN_PLUGINS, make_plugin_manager

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
GPX_DIR = SHARED_SAMPLES / "gpx"
GPX_FILES = sorted(p.name for p in GPX_DIR.glob("*.gpx")) if GPX_DIR.is_dir() else []
T0 = dt.datetime(2026, 3, 2, 7, 0, 0, tzinfo=dt.UTC)


def sample(name: str) -> bytes:
    if not GPX_DIR.is_dir():
        pytest.skip(f"shared samples not present: {SHARED_SAMPLES}")
    return (GPX_DIR / name).read_bytes()


def read(data: bytes, source: str = "t.gpx") -> list[Activity]:
    return GpxReader().read(data, source)


def track(
    points: list[tuple[float, float, float]],
    *,
    sport: str | None = "9",
    hr: int | None = 120,
    cad: int | None = 80,
    gap_after: int | None = None,
    header: str = '<?xml version="1.0" encoding="UTF-8"?>\n',
) -> bytes:
    """A Strava-style GPX 1.1 track; points are (seconds, lat, lon)."""
    rows = []
    for i, (sec, lat, lon) in enumerate(points):
        ext = ""
        if hr is not None or cad is not None:
            ext = "<extensions><gpxtpx:TrackPointExtension>"
            ext += f"<gpxtpx:hr>{hr}</gpxtpx:hr>" if hr is not None else ""
            ext += f"<gpxtpx:cad>{cad}</gpxtpx:cad>" if cad is not None else ""
            ext += "</gpxtpx:TrackPointExtension></extensions>"
        when = (T0 + dt.timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>10.0</ele><time>{when}</time>{ext}</trkpt>')
        if gap_after is not None and i == gap_after:
            rows.append("</trkseg><trkseg>")
    kind = f"<type>{sport}</type>" if sport is not None else ""
    body = (
        f'{header}<gpx creator="StravaGPX" version="1.1" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<metadata><time>{T0:%Y-%m-%dT%H:%M:%SZ}</time></metadata>"
        f"<trk><name>Morning Walk</name>{kind}<trkseg>{''.join(rows)}</trkseg></trk></gpx>"
    )
    return body.encode()


def walk_points(seconds: int, step_s: int = 1, speed_mps: float = 1.5) -> list[tuple[float, float, float]]:
    # ~111 195 m per degree of latitude on walkrun's Earth radius.
    return [(t, 46.0 + t * speed_mps / 111_195.0, 14.5) for t in range(0, seconds + 1, step_s)]


@pytest.mark.parametrize("name", GPX_FILES or ["(samples missing)"])
def test_every_sample_is_read_or_rejected_with_a_reason(name: str) -> None:
    data = sample(name)
    try:
        acts = read(data, name)
    except ReadError as exc:
        assert str(exc).startswith(f"{name}: ") and "\n" not in str(exc)
        return
    assert acts and all(a.elapsed_s > 0 and a.samples for a in acts)


def test_multi_track_file_keeps_track_positions_as_index() -> None:
    acts = read(sample("cerknicko-jezero.gpx"), "cerknicko-jezero.gpx")
    assert [a.index for a in acts] == [1, 2, 3, 4, 5, 6, 7]  # track 1 (index 0) has no times
    assert acts[0].name == "ACTIVE LOG #2" and acts[0].device == "GPSBabel - http://www.gpsbabel.org"
    assert acts[0].start_utc == dt.datetime(2010, 8, 5, 14, 23, 59, tzinfo=dt.UTC)
    assert acts[0].distance_m is not None and 1800 < acts[0].distance_m < 2000
    assert 0 < (acts[0].moving_s or 0) < acts[0].elapsed_s


def test_routes_waypoints_and_untimed_tracks_are_not_activities() -> None:
    with pytest.raises(NotAnActivityError, match=r"no track with (usable )?times"):
        read(sample("route.gpx"), "route.gpx")
    with pytest.raises(NotAnActivityError, match=r"no track with (usable )?times"):
        read(sample("track-with-small-floats.gpx"), "track-with-small-floats.gpx")
    # One instant repeated (a GPS placeholder time) is not a duration either.
    with pytest.raises(NotAnActivityError, match="timestamps missing, impossible start time"):
        read(sample("Mojstrovka.gpx"), "Mojstrovka.gpx")
    # Only the one track that has times survives from a mostly untimed file.
    (only,) = read(sample("cerknicko-without-times.gpx"), "cerknicko-without-times.gpx")
    assert only.index == 7


def test_bom_files_parse() -> None:
    # Waypoint-only, but the BOM must not turn into an XML error first.
    with pytest.raises(NotAnActivityError):
        read(sample("unicode_with_bom.gpx"), "unicode_with_bom.gpx")
    with pytest.raises(NotAnActivityError):
        read(sample("unicode_with_bom_noencoding.gpx"), "unicode_with_bom_noencoding.gpx")
    data = b"\xef\xbb\xbf \r\n" + track(walk_points(30))
    assert looks_like_gpx(data[:4096])
    (walk,) = read(data)
    assert walk.elapsed_s == 30


def test_offset_times_and_sport_words() -> None:
    (act,) = read(sample("track-with-less-sec-time.gpx"), "track-with-less-sec-time.gpx")
    assert act.sport == "running" and act.utc_offset_s == 3600


def test_strava_style_track_heart_rate_cadence_speed() -> None:
    (walk,) = read(track(walk_points(120), sport="9", hr=121, cad=58))
    assert walk.sport == "running"  # Strava's numeric type 9
    assert walk.name == "Morning Walk" and walk.device == "StravaGPX"
    assert walk.start_utc == T0 and walk.utc_offset_s is None
    assert walk.elapsed_s == 120 and walk.moving_s == 120
    assert walk.distance_m == pytest.approx(180, rel=0.01)
    assert {s.heart_rate_bpm for s in walk.samples} == {121}
    assert {s.cadence_spm for s in walk.samples} == {116}  # strides x 2
    assert all(s.speed_mps == pytest.approx(1.5, rel=0.02) for s in walk.samples[1:])


def test_cycling_cadence_is_not_doubled() -> None:
    (ride,) = read(track(walk_points(20, speed_mps=6), sport="cycling", cad=85))
    assert ride.sport == "cycling"
    assert {s.cadence_spm for s in ride.samples} == {85}


def test_moving_time_skips_pauses_but_not_smart_recording_gaps() -> None:
    points = walk_points(60, step_s=10)  # smart recording: a point every 10 s, walking
    last = points[-1]
    points += [(last[0] + 300, last[1], last[2])]  # 5 minutes standing still, no points
    points += [(last[0] + 300 + t, last[1] + t * 1.5 / 111_195.0, last[2]) for t in range(1, 31)]
    (walk,) = read(track(points, sport="walking"))
    assert walk.sport == "walking"
    assert walk.elapsed_s == 390
    assert walk.moving_s == 60 + 30  # the 300 s pause is left out, 10 s steps are not


def test_segment_breaks_are_pauses() -> None:
    (walk,) = read(track(walk_points(20), gap_after=10))
    assert walk.moving_s == 19  # the step into the second segment does not count


def test_hostile_xml_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n <!ENTITY lol "lol">\n'
        + b"".join(
            f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
            for i in range(1, 10)
        )
        + b']>\n<gpx version="1.1" creator="x"><trk><name>&lol9;</name></trk></gpx>'
    )
    assert looks_like_gpx(laughs)  # claimed by content, then refused with a reason
    with pytest.raises(ReadError, match="document type declaration") as info:
        read(laughs, "laughs.gpx")
    assert not isinstance(info.value, NotAnActivityError)
    external = b'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://example.invalid/gpx.dtd"><gpx version="1.1"/>'
    with pytest.raises(ReadError, match="refused"):
        read(external, "dtd.gpx")
    xxe = b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx><trk><name>&x;</name></trk></gpx>'
    with pytest.raises(ReadError, match="refused"):
        read(xxe, "xxe.gpx")


def test_malformed_and_foreign_xml() -> None:
    with pytest.raises(ReadError, match=r"^cut.gpx: GPX is cut off or not well-formed XML \(.*line 1, column \d+\)$"):
        read(b'<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt lat="x"', "cut.gpx")
    with pytest.raises(ReadError, match="not <gpx>"):
        read(b"<TrainingCenterDatabase/>", "tcx.gpx")


def test_unreadable_position_is_ignored_with_a_warning() -> None:
    data = track(walk_points(30)).replace(b'lat="46.0000000"', b'lat="x"', 1)
    (walk,) = read(data, "lat.gpx")
    assert walk.elapsed_s == 30 and len(walk.samples) == 31
    assert any("position is not a number" in w for w in walk.warnings)


def test_unknown_declared_encoding() -> None:
    data = track(walk_points(10), header='<?xml version="1.0" encoding="ut8"?>\n')
    with pytest.raises(ReadError, match="unknown XML encoding"):
        read(data)


def test_latin1_declared_encoding() -> None:
    data = track(walk_points(10), header='<?xml version="1.0" encoding="ISO-8859-1"?>\n')
    data = data.replace(b"Morning Walk", "Spaziergang am Wörthersee".encode("latin-1"))
    (walk,) = read(data)
    assert walk.name == "Spaziergang am Wörthersee"


@pytest.mark.parametrize(
    ("value", "sport"),
    [
        ("9", "running"),
        ("10", "walking"),
        ("1", "cycling"),
        ("Running", "running"),
        ("walk", "walking"),
        (None, "unknown"),
        ("77", "unknown"),
        ("Nordic Walking", "nordic_walking"),
    ],
)
def test_sport_from_type(value: str | None, sport: str) -> None:
    assert sport_from_type(value) == sport


def test_register_readers_hook() -> None:
    module = "walkrun.builtin.readers.gpx"
    registry = make_plugin_manager(
        load_entrypoints=False, env={}, extra=[] if module in BUILTIN_PLUGINS else [gpx_reader]
    )
    assert registry.readers["gpx"] is GpxReader


# --- gpxpy as the oracle -------------------------------------------------------------


def _oracle_extension_values(point: gpxpy.gpx.GPXTrackPoint) -> dict[str, float]:
    """Heart rate and cadence from gpxpy's extension elements, first of each kind."""
    found: dict[str, float] = {}
    for element in point.extensions:
        for node in element.iter():
            tag = str(node.tag).rpartition("}")[2].rpartition(":")[2].lower()
            key = "hr" if tag in ("hr", "heartrate") else "cad" if tag in ("cad", "cadence") else None
            if key and key not in found and node.text is not None:
                try:
                    found[key] = float(node.text)
                except ValueError:
                    continue
    return found


def _plausible(value: dt.datetime | None) -> bool:
    return value is not None and EARLIEST_TIME <= as_utc(value) <= LATEST_TIME


def _when(point: gpxpy.gpx.GPXTrackPoint) -> dt.datetime:
    assert point.time is not None
    return as_utc(point.time)


@pytest.mark.parametrize("name", GPX_FILES or ["(samples missing)"])
def test_values_match_gpxpy_on_every_sample(name: str) -> None:
    data = sample(name)
    oracle = gpxpy.parse(xml_text(data, name))
    ours = parse_gpx(data, name)
    assert len(ours.tracks) == len(oracle.tracks)
    for track, expected in zip(ours.tracks, oracle.tracks, strict=True):
        # walkrun takes a time before GPS time (1980) or after 2100 as no time at all.
        timed = [p for seg in expected.segments for p in seg.points if _plausible(p.time)]
        pts = track.points
        assert len(pts) == len(timed)
        mine = zip(pts.t, pts.lat, pts.lon, pts.ele, pts.heart_rate, pts.cadence_spm, strict=True)
        for (t, lat, lon, ele, hr, cad), theirs in zip(mine, timed, strict=True):
            assert t == as_utc(theirs.time).timestamp()
            assert (lat, lon) == (theirs.latitude, theirs.longitude)
            assert ele == theirs.elevation
            ext = _oracle_extension_values(theirs)
            assert (hr, cad) == (ext.get("hr"), ext.get("cad"))
    try:
        activities = read(data, name)
    except NotAnActivityError:
        activities = []
    for activity in activities:
        track = oracle.tracks[activity.index]
        if activity.warnings:
            continue  # cleaning changed the points; the implausible-data tests cover those
        segments = [sorted((p for p in seg.points if _plausible(p.time)), key=_when) for seg in track.segments]
        expected_m = sum(
            haversine_m(a.latitude, a.longitude, b.latitude, b.longitude)
            for seg in segments
            for a, b in itertools.pairwise(seg)
        )
        assert activity.distance_m == pytest.approx(expected_m, rel=1e-9, abs=1e-6)
        times = [as_utc(p.time) for seg in segments for p in seg]
        assert activity.elapsed_s == pytest.approx((max(times) - min(times)).total_seconds(), abs=1e-3)


def test_several_extension_blocks_and_any_prefix() -> None:
    ext = (
        "<extensions><ns3:TrackPointExtension xmlns:ns3='urn:x'><ns3:hr>101</ns3:hr></ns3:TrackPointExtension>"
        "<p:Other xmlns:p='urn:polar'><cadence>55</cadence></p:Other></extensions>"
    )
    body = track(walk_points(20), hr=None, cad=None).replace(b"</time>", b"</time>" + ext.encode())
    (walk,) = read(body)
    assert {s.heart_rate_bpm for s in walk.samples} == {101}
    assert {s.cadence_spm for s in walk.samples} == {110}


def test_polar_default_namespace_extensions() -> None:
    ext = (
        "<extensions><TrackPointExtension xmlns='urn:polar'><hr>99</hr><cad>60</cad></TrackPointExtension></extensions>"
    )
    body = track(walk_points(20), hr=None, cad=None).replace(b"</time>", b"</time>" + ext.encode())
    (walk,) = read(body)
    assert {s.heart_rate_bpm for s in walk.samples} == {99}
    assert {s.cadence_spm for s in walk.samples} == {120}


def test_multi_byte_declared_encoding_is_read() -> None:
    # Expat itself refuses multi-byte encodings other than UTF-8/16; walkrun decodes those first.
    text = track(walk_points(10)).decode().replace('encoding="UTF-8"', 'encoding="Shift_JIS"')
    (walk,) = read(text.replace("Morning Walk", "朝の散歩").encode("shift_jis"))
    assert walk.name == "朝の散歩" and walk.elapsed_s == 10
