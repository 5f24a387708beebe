"""The pattern fast path for runs of track points reads exactly what the streaming read reads.

The streaming read (``fast=False``) is the oracle: on every shared sample, on
the generated walks and on documents built from many layout variations
(prefixes, attributes, whitespace, missing and unknown elements, comments,
references, odd nesting, long or non-ASCII values), both paths must give
the same activities or the same one-line refusal. The fast path must also
really be taken on the layouts watches write, or it is only dead weight.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkrun.app import samplegen
from walkrun.builtin.readers import gpx, tcx
from walkrun.domain.activities import Activity
from walkrun.domain.errors import ReadError
from walkrun.ingest.xmlsafe import strip_xml_noise
from walkrun.ingest.xmlspans import cut_spans

SAMPLES = Path(os.environ.get("WALKRUN_SAMPLES", Path(__file__).resolve().parents[2] / "shared" / "samples"))
FILES = sorted([*SAMPLES.glob("gpx/*.gpx"), *SAMPLES.glob("tcx/*.tcx")]) if SAMPLES.is_dir() else []
EXAMPLES = int(os.environ.get("WALKRUN_PROPERTY_EXAMPLES", "120"))


def outcome(data: bytes, name: str, fast: bool) -> object:
    """Everything a read gives (activities as plain data) or the refusal's text."""
    reader = gpx if name.endswith(".gpx") else tcx
    try:
        if reader is gpx:
            doc = gpx.parse_gpx(data, name, fast)
            acts: list[Activity] = []
            for track in doc.tracks:
                act = gpx._track_activity(track, name, "h", (doc.creator or "").strip() or None)
                if act is not None:
                    acts.append(act)
        else:
            raw = tcx.parse_tcx(data, name, fast)
            acts = [a for i, r in enumerate(raw) if (a := tcx._activity(r, i, name, "h")) is not None]
    except ReadError as exc:
        return ("refused", str(exc))
    return [a.model_dump(mode="json") for a in acts]


def assert_same(data: bytes, name: str) -> None:
    assert outcome(data, name, fast=True) == outcome(data, name, fast=False)


@pytest.mark.parametrize("path", FILES or [None], ids=[p.name for p in FILES] or ["(samples missing)"])
def test_every_sample_reads_the_same_both_ways(path: Path | None) -> None:
    if path is None:
        pytest.skip(f"shared samples not present: {SAMPLES}")
    assert_same(path.read_bytes(), path.name)


def generated(fmt: str, minutes: int = 20) -> bytes:
    walk = samplegen.PlannedWalk(dt.date(2026, 3, 2), minutes, "brisk", fmt, "pain:0", None)
    ticks = samplegen._samples(walk, random.Random(minutes))
    return samplegen._gpx(walk, ticks) if fmt == "gpx" else samplegen._tcx(walk, ticks)


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_the_fast_path_is_taken_on_what_watches_write(fmt: str) -> None:
    data = generated(fmt)
    grammar = gpx.SPANS if fmt == "gpx" else tcx.SPANS
    cut = cut_spans(strip_xml_noise(data), grammar)
    assert cut is not None and sum(block.size for block in cut.blocks.values()) > 200
    assert_same(data, f"walk.{fmt}")


GPX_ROOT = (
    '<gpx xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" creator="t">'
    "<trk><trkseg>{points}</trkseg></trk></gpx>"
)
TCX_ROOT = (
    '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
    'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Activities><Activity Sport="Running">'
    '<Id>2026-03-02T07:00:00Z</Id><Lap StartTime="2026-03-02T07:00:00Z"><Track>{points}</Track></Lap>'
    "</Activity></Activities></TrainingCenterDatabase>"
)
LAYOUTS = {
    "strava.gpx": (
        GPX_ROOT,
        '<trkpt lat="51.5{i:03d}" lon="-0.1"><ele>12.0</ele><time>2026-03-02T07:00:{i:02d}Z</time>'
        "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>120</gpxtpx:hr><gpxtpx:cad>80</gpxtpx:cad>"
        "</gpxtpx:TrackPointExtension></extensions></trkpt>",
    ),
    "apple-health.gpx": (
        GPX_ROOT,
        '<trkpt lon="-0.1" lat="51.5{i:03d}"><ele>12.0</ele><time>2026-03-02T07:00:{i:02d}Z</time>'
        "<extensions><speed>1.4</speed><course>90.1</course><hAcc>4.9</hAcc><vAcc>3.2</vAcc></extensions></trkpt>",
    ),
    "gpsbabel-1.0.gpx": (
        GPX_ROOT,
        "<trkpt lat='51.5{i:03d}' lon='-0.1'>\n  <ele>12.0</ele>\n  <time>2026-03-02T07:00:{i:02d}Z</time>\n"
        "  <course>12.5</course>\n  <speed>1.3</speed>\n  <sat>7</sat>\n</trkpt>\n",
    ),
    "garmin-connect.tcx": (
        TCX_ROOT,
        "<Trackpoint><Time>2026-03-02T07:00:{i:02d}.000Z</Time><Position><LatitudeDegrees>51.5{i:03d}"
        "</LatitudeDegrees><LongitudeDegrees>-0.1</LongitudeDegrees></Position><AltitudeMeters>12.0"
        "</AltitudeMeters><DistanceMeters>{i}.5</DistanceMeters><HeartRateBpm><Value>120</Value></HeartRateBpm>"
        "<Extensions><ns3:TPX><ns3:Speed>1.4</ns3:Speed><ns3:RunCadence>80</ns3:RunCadence></ns3:TPX>"
        "</Extensions></Trackpoint>",
    ),
    "typed-hr-sensor.tcx": (
        TCX_ROOT,
        "<Trackpoint>\n<Time>2026-03-02T07:00:{i:02d}Z</Time>\n<DistanceMeters>{i}.5</DistanceMeters>\n"
        '<HeartRateBpm xsi:type="HeartRateInBeatsPerMinute_t">\n<Value>120</Value>\n</HeartRateBpm>\n'
        "<Cadence>80</Cadence>\n<SensorState>Present</SensorState>\n<Extensions>\n<TPX "
        'xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2" CadenceSensor="Footpod">\n'
        "<Speed>1.4</Speed>\n</TPX>\n</Extensions>\n</Trackpoint>\n",
    ),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_common_layouts_take_the_fast_path(name: str) -> None:
    root, point = LAYOUTS[name]
    data = root.format(points="".join(point.format(i=i) for i in range(30))).encode()
    cut = cut_spans(data, gpx.SPANS if name.endswith(".gpx") else tcx.SPANS)
    assert cut is not None and [block.size for block in cut.blocks.values()] == [30]
    assert_same(data, name)


def test_a_long_text_naming_the_span_often_reads_in_linear_time() -> None:
    # Each mention once searched back to the text's start: 150,000 mentions in 3 MB took minutes.
    root, point = LAYOUTS["strava.gpx"]
    chatter = "trkseg Track " * 150_000
    points = "".join(point.format(i=i) for i in range(30))
    data = root.format(points=points).replace("<trk>", f"<trk><desc>{chatter}</desc>").encode()
    cut = cut_spans(data, gpx.SPANS)
    assert cut is not None and [block.size for block in cut.blocks.values()] == [30]
    assert_same(data, "chatty.gpx")


def test_a_span_tag_with_a_very_long_prefix_reads_the_same() -> None:
    prefix = "p" * 300
    data = (
        f'<gpx xmlns="http://www.topografix.com/GPX/1/1" xmlns:{prefix}="http://www.topografix.com/GPX/1/1">'
        f"<trk><{prefix}:trkseg><trkpt lat='1' lon='2'><time>2026-03-02T07:00:00Z</time></trkpt>"
        f"<trkpt lat='1.0001' lon='2'><time>2026-03-02T07:00:05Z</time></trkpt></{prefix}:trkseg>"
        "<trkseg><trkpt lat='1.0002' lon='2'><time>2026-03-02T07:00:10Z</time></trkpt>"
        "<trkpt lat='1.0003' lon='2'><time>2026-03-02T07:00:15Z</time></trkpt></trkseg></trk></gpx>"
    ).encode()
    assert_same(data, "prefixed.gpx")
    (walk,) = outcome(data, "prefixed.gpx", fast=True)  # type: ignore[misc]
    assert len(walk["columns"]["time_s"]) == 4


# --- generated layouts --------------------------------------------------------------


def when(i: int, style: str) -> str:
    moment = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=5 * i)
    if style == "fraction":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if style == "offset":
        return (moment + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    if style == "padded":
        return f" {moment.strftime('%Y-%m-%dT%H:%M:%SZ')}\r\n"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# Odd things one point may carry; most must make the fast path decline, none may change the result.
QUIRKS = [
    "",
    "",
    "",
    "comment",
    "entity",
    "unicode",
    "long",
    "blank",
    "unknown",
    "two_blocks",
    "attr",
    "hr_attr",
    "nested",
    "cdata",
    "bad_number",
    "empty_value",
    "lon_first",
    "apple",
    "sensor",
    # Well-formed only in appearance: the fast path must leave these to the parser, which refuses them.
    "own_prefix",
    "undeclared_prefix",
    "cdata_end",
    "control_char",
    "bad_byte",
    "bad_attribute",
    "mismatched",
    "repeated_attribute",
]
BAD_BYTE = "@@bad-byte@@"


def encoded(doc: str) -> bytes:
    return doc.encode("utf-8").replace(BAD_BYTE.encode(), b"\xff")


PointMaker = Callable[[int, str, str, str, str, bool, bool], str]


def drawn_spans(draw: st.DrawFn, point: PointMaker, prefixes: list[str], tags: list[str]) -> tuple[list[str], str]:
    """Up to three spans (each tag drawn from ``tags``) of up to six points with drawn quirks."""
    prefix = draw(st.sampled_from(prefixes))
    ws = draw(st.sampled_from(["", "\n  ", "\r\n\t"]))
    style = draw(st.sampled_from(["plain", "fraction", "offset", "padded"]))
    groups = draw(st.lists(st.lists(st.sampled_from(QUIRKS), min_size=0, max_size=6), min_size=1, max_size=3))
    out, i = [], 0
    for quirks in groups:
        tag = draw(st.sampled_from(tags))
        pts = []
        for quirk in quirks:
            i += 1
            pts.append(point(i, quirk, prefix, ws, style, draw(st.booleans()), draw(st.booleans())))
        out.append(f"<{tag}>{ws}{ws.join(pts)}{ws}</{tag}>")
    return out, ws


@st.composite
def gpx_documents(draw: st.DrawFn) -> bytes:
    out, ws = drawn_spans(draw, gpx_point, ["gpxtpx:", "ns3:", ""], ["trkseg", "trkseg", "trkseg", "p:trkseg"])
    wrap = draw(st.sampled_from(["trk", "trk", "odd_depth"]))
    body = ws.join(out)
    if wrap == "odd_depth":
        body = f"<extensions>{body}</extensions>"
    tpx = "xmlns:gpxtpx='urn:tpx' xmlns:ns3='urn:tpx3' xmlns:p='http://www.topografix.com/GPX/1/1'"
    doc = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx xmlns="http://www.topografix.com/GPX/1/1" {tpx} '
        f'creator="t"><trk><type>walking</type>{ws}{body}{ws}</trk></gpx>'
    )
    return encoded(doc)


def gpx_point(i: int, quirk: str, prefix: str, ws: str, style: str, with_ele: bool, with_ext: bool) -> str:
    lat, lon = f"{51.5 + i * 0.0001:.7f}", f"{-0.15 + i * 0.00005:.7f}"
    ele = f"<ele>{10 + i % 7}.5</ele>" if with_ele else ""
    hr, cad = f"{100 + i % 30}", f"{55 + i % 5}"
    time = f"<time>{when(i, style)}</time>"
    ext = ""
    if with_ext:
        ext = (
            f"<extensions>{ws}<{prefix}TrackPointExtension>{ws}<{prefix}hr>{hr}</{prefix}hr>{ws}"
            f"<{prefix}cad>{cad}</{prefix}cad>{ws}</{prefix}TrackPointExtension>{ws}</extensions>"
        )
    attrs = f'lat="{lat}" lon="{lon}"'
    match quirk:
        case "comment":
            ele += "<!-- <trkpt lat='1' lon='2'></trkpt> -->"
        case "entity":
            time = f"<time>{when(i, style).replace('T', '&#84;')}</time>"
        case "unicode":
            ele = "<ele>１２</ele>"
        case "long":
            ele = f"<ele>{'1' * 80}</ele>"
        case "blank":
            ele = "<ele> </ele>"
        case "unknown":
            ele += "<hr>77</hr><foo:bar xmlns:foo='urn:f'>1</foo:bar>"
        case "two_blocks":
            block = f"<{prefix}TrackPointExtension><{prefix}hr>99</{prefix}hr></{prefix}TrackPointExtension>"
            ext += f"<extensions>{block}</extensions>"
        case "attr":
            attrs = f"lon='{lon}' lat='{lat}'"
        case "nested":
            return f"<wrap><trkpt {attrs}>{ele}{time}{ext}</trkpt></wrap>"
        case "cdata":
            time = f"<time><![CDATA[{when(i, style)}]]></time>"
        case "bad_number":
            attrs = f'lat="x{lat}" lon="{lon}"'
        case "empty_value":
            time = "<time></time>"
        case "hr_attr":
            ext = ext.replace(f"<{prefix}hr>", f"<{prefix}hr unit='bpm'>")
        case "lon_first":
            attrs = f'lon="{lon}" lat="{lat}"'
        case "apple":
            ext = f"<extensions><speed>1.{i % 9}</speed><course>90.0</course><hAcc>5</hAcc><vAcc>3</vAcc></extensions>"
        case "sensor":
            ext = ext.replace("TrackPointExtension>", "TrackPointExtension CadenceSensor='Footpod'>", 1)
        case "own_prefix":
            own = f"<zz:TrackPointExtension xmlns:zz='urn:z'><zz:hr>{hr}</zz:hr></zz:TrackPointExtension>"
            ext = f"<extensions>{own}</extensions>"
        case "undeclared_prefix":
            ext = f"<extensions><zz:TrackPointExtension><zz:hr>{hr}</zz:hr></zz:TrackPointExtension></extensions>"
        case "cdata_end":
            ele = "<ele>1]]>2</ele>"
        case "control_char":
            ele = "<ele>1\x012</ele>"
        case "bad_byte":
            ele += f"<name>a{BAD_BYTE}</name>"
        case "bad_attribute":
            ext = ext.replace("TrackPointExtension>", "TrackPointExtension novalue>", 1)
        case "mismatched":
            ele = "<ele>1</elx>"
        case "repeated_attribute":
            twice = 'TrackPointExtension CadenceSensor="Footpod" CadenceSensor="Bike">'
            ext = ext.replace("TrackPointExtension>", twice, 1)
    return f"<trkpt {attrs}>{ws}{ele}{ws}{time}{ws}{ext}{ws}</trkpt>"


@st.composite
def tcx_documents(draw: st.DrawFn) -> bytes:
    out, ws = drawn_spans(draw, tcx_point, ["ns3:", "ext:", ""], ["Track", "Track", "Track", "t:Track"])
    tpx_ns = (
        "xmlns:ns3='urn:ax' xmlns:ext='urn:ax' xmlns:t='http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2'"
    )
    doc = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
        f'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" {tpx_ns}><Activities>'
        f'<Activity Sport="Other"><Id>2026-03-02T07:00:00Z</Id><Lap StartTime="2026-03-02T07:00:00Z">'
        f"<TotalTimeSeconds>600</TotalTimeSeconds>{ws}{ws.join(out)}{ws}</Lap></Activity></Activities>"
        "</TrainingCenterDatabase>"
    )
    return encoded(doc)


def tcx_point(i: int, quirk: str, prefix: str, ws: str, style: str, with_pos: bool, with_ext: bool) -> str:
    time = f"<Time>{when(i, style)}</Time>"
    pos = ""
    if with_pos:
        pos = (
            f"<Position>{ws}<LatitudeDegrees>{51.5 + i * 0.0001:.7f}</LatitudeDegrees>{ws}"
            f"<LongitudeDegrees>{-0.15 + i * 0.00005:.7f}</LongitudeDegrees>{ws}</Position>"
        )
    dist = f"<DistanceMeters>{i * 7.5}</DistanceMeters>"
    hr = f"<HeartRateBpm>{ws}<Value>{100 + i % 30}</Value>{ws}</HeartRateBpm>"
    ext = ""
    if with_ext:
        ext = (
            f"<Extensions>{ws}<{prefix}TPX>{ws}<{prefix}Speed>{1.4 + i % 3 / 10}</{prefix}Speed>{ws}"
            f"<{prefix}RunCadence>{55 + i % 5}</{prefix}RunCadence>{ws}</{prefix}TPX>{ws}</Extensions>"
        )
    match quirk:
        case "comment":
            dist += "<!-- x -->"
        case "entity":
            dist = f"<DistanceMeters>&#49;{i}</DistanceMeters>"
        case "unicode":
            dist = "<DistanceMeters>１２</DistanceMeters>"
        case "long":
            dist = f"<DistanceMeters>{'1' * 80}</DistanceMeters>"
        case "blank":
            dist = "<DistanceMeters> </DistanceMeters>"
        case "unknown":
            dist += "<Speed>9</Speed><Value>3</Value>"
        case "two_blocks":
            ext += f"<Extensions><{prefix}TPX><{prefix}Speed>7</{prefix}Speed></{prefix}TPX></Extensions>"
        case "attr" | "hr_attr":
            typed = '<HeartRateBpm xmlns:xsi="urn:xsi" xsi:type="HeartRateInBeatsPerMinute_t">'
            hr = hr.replace("<HeartRateBpm>", typed)
        case "nested":
            return f"<Wrap><Trackpoint>{time}{pos}{dist}{hr}{ext}</Trackpoint></Wrap>"
        case "cdata":
            time = f"<Time><![CDATA[{when(i, style)}]]></Time>"
        case "bad_number":
            dist = f"<DistanceMeters>x{i}</DistanceMeters>"
        case "empty_value":
            time = "<Time></Time>"
        case "lon_first":
            pos = pos.replace("<Position>", "<Position >")
        case "apple":
            ext = ext.replace("TPX>", 'TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2">', 1)
        case "sensor":
            ext = ext.replace("TPX>", 'TPX CadenceSensor="Footpod">', 1)
        case "own_prefix":
            ext = "<Extensions><zz:TPX xmlns:zz='urn:z'><zz:Speed>1.5</zz:Speed></zz:TPX></Extensions>"
        case "undeclared_prefix":
            ext = "<Extensions><zz:TPX><zz:Speed>1.5</zz:Speed></zz:TPX></Extensions>"
        case "cdata_end":
            dist = "<DistanceMeters>1]]>2</DistanceMeters>"
        case "control_char":
            dist = "<DistanceMeters>1\x012</DistanceMeters>"
        case "bad_byte":
            dist = f"<DistanceMeters>1{BAD_BYTE}</DistanceMeters>"
        case "bad_attribute":
            hr = hr.replace("<HeartRateBpm>", "<HeartRateBpm xsi:type>")
        case "mismatched":
            dist = "<DistanceMeters>1</Distance>"
        case "repeated_attribute":
            ext = ext.replace("TPX>", 'TPX CadenceSensor="Footpod" CadenceSensor="Bike">', 1)
    return f"<Trackpoint>{ws}{time}{ws}{pos}{ws}{dist}{ws}{hr}{ws}{ext}{ws}</Trackpoint>"


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(gpx_documents())
def test_generated_gpx_reads_the_same_both_ways(data: bytes) -> None:
    assert_same(data, "t.gpx")


@SETTINGS
@given(tcx_documents())
def test_generated_tcx_reads_the_same_both_ways(data: bytes) -> None:
    assert_same(data, "t.tcx")


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_a_cut_off_document_is_refused_the_same_both_ways(fmt: str) -> None:
    data = generated(fmt, minutes=5)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 20):
        fast, slow = outcome(data[:cut], f"t.{fmt}", True), outcome(data[:cut], f"t.{fmt}", False)
        assert fast == slow
        assert isinstance(fast, tuple) and "cut off or not well-formed" in fast[1]
