"""A realistic, deterministic watch history for the demo and for tests.

Eight weeks after a femoral-neck stress injury the runner starts brisk walks,
building from 15 to 45 minutes over seven weeks, four times a week, then three
more weeks of 45-minute walks (ten weeks in all), recorded on a watch and
exported from Strava as a bulk archive: FIT (our own encoder), GPX
and TCX (ElementTree) files, an ``activities.csv`` with Strava's duplicated
columns, pain tags in names and descriptions, a few slow or interrupted walks,
one walk with a jog inside and one day with pain. ``samples/generate.py``
writes the same bytes into the repository.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
import random
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from walkrun.fit.encode import Sport, encode_activity

INJURY = dt.date(2025, 12, 15)
FIRST_WALK = dt.date(2026, 2, 9)  # full weight-bearing, week 8
LAST_WALK = dt.date(2026, 4, 19)  # end of week 18
TIMEZONE = "Europe/London"
ARCHIVE_NAME = "strava-demo-export.zip"
DIARY_NAME = "pain-diary.csv"
ZIP_TIME = (2026, 4, 20, 8, 0, 0)
HOME = (51.5310, -0.1570)  # a park loop; nothing here depends on the place

STRAVA_HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Activity Private Note",
    "Activity Gear", "Filename", "Athlete Weight", "Bike Weight", "Elapsed Time", "Moving Time",
    "Distance", "Max Speed", "Average Speed", "Perceived Exertion",
]  # fmt: skip


Tick = tuple[int, float, float | None, int | None]  # t_s, speed_mps, cadence_spm, heart rate


@dataclass(frozen=True)
class PlannedWalk:
    day: dt.date
    minutes: int
    kind: str  # brisk | slow | interrupted | jog
    fmt: str  # fit | gpx | tcx
    pain_tag: str
    rpe: int | None


def walk_schedule() -> list[PlannedWalk]:
    """Four walks a week, +5 min a week from 15 to 45, with a few imperfect ones."""
    rng = random.Random(2026)
    walks: list[PlannedWalk] = []
    day, minutes, done_at_level = FIRST_WALK, 15, 0
    formats = ("fit", "gpx", "tcx")
    while day <= LAST_WALK:
        if day.weekday() in (0, 2, 4, 6):
            kind = "brisk"
            if day in (dt.date(2026, 2, 25), dt.date(2026, 3, 25)):
                kind = "slow"
            elif day == dt.date(2026, 3, 18):
                kind = "interrupted"
            elif day == dt.date(2026, 4, 1):
                kind = "jog"
            pain = "pain:0" if rng.random() < 0.8 else "pain-free"
            if day == dt.date(2026, 3, 20):
                pain = "pain 2/10 after, groin ache"
            if day in (dt.date(2026, 2, 13), dt.date(2026, 4, 3)):
                pain = ""  # no tag: the pain diary covers these days
            walks.append(PlannedWalk(day, minutes, kind, formats[len(walks) % 3], pain, rng.choice([3, 4, 5])))
            done_at_level += 1
            if done_at_level >= 4 and minutes < 45 and kind == "brisk" and not pain.startswith("pain 2"):
                minutes, done_at_level = minutes + 5, 0
        day += dt.timedelta(days=1)
    return walks


def _samples(walk: PlannedWalk, rng: random.Random) -> list[Tick]:
    """Per-second (t_s, speed_mps, cadence_spm, hr) with realistic noise."""
    total = walk.minutes * 60
    out: list[Tick] = []
    t = 0
    while t <= total:
        base_speed, base_cad, base_hr = (1.1, 92.0, 98) if walk.kind == "slow" else (1.62, 114.0, 112)
        if walk.kind == "jog" and total * 0.4 <= t < total * 0.4 + 240:
            base_speed, base_cad, base_hr = 2.7, 162.0, 138
        if walk.kind == "interrupted" and total * 0.5 <= t < total * 0.5 + 240:
            t += 1  # standing still: the watch auto-pauses, so no samples for four minutes
            continue
        speed = max(0.0, rng.gauss(base_speed, 0.06))
        cadence = max(0.0, rng.gauss(base_cad, 2.5))
        hr = int(rng.gauss(base_hr, 3))
        out.append((t, round(speed, 3), round(cadence, 1), hr))
        t += 1
    return out


def _positions(samples: list[Tick]) -> list[tuple[float, float]]:
    """A loop around HOME whose length follows the integrated speed."""
    lat0, lon0 = HOME
    radius_m = 600.0
    pos, dist = [], 0.0
    prev_t = samples[0][0]
    for t, speed, _, _ in samples:
        dist += speed * min(t - prev_t, 2)
        prev_t = t
        angle = dist / radius_m
        lat = lat0 + (radius_m * math.sin(angle)) / 111_320
        lon = lon0 + (radius_m * (1 - math.cos(angle))) / (111_320 * math.cos(math.radians(lat0)))
        pos.append((round(lat, 6), round(lon, 6)))
    return pos


def _start(walk: PlannedWalk) -> dt.datetime:
    # 07:30 local (London is UTC+0 until 29 March, UTC+1 after)
    offset = 1 if walk.day >= dt.date(2026, 3, 29) else 0
    return dt.datetime.combine(walk.day, dt.time(7, 30), tzinfo=dt.UTC) - dt.timedelta(hours=offset)


def _utc_offset(walk: PlannedWalk) -> int:
    return 3600 if walk.day >= dt.date(2026, 3, 29) else 0


GPX_NS = "http://www.topografix.com/GPX/1/1"
GPXTPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"


def _gpx(walk: PlannedWalk, samples: list[Tick]) -> bytes:
    # Written with ElementTree like the TCX files, so gpxpy stays a test oracle and not a run-time need.
    ET.register_namespace("", GPX_NS)
    ET.register_namespace("gpxtpx", GPXTPX_NS)

    def q(tag: str) -> str:
        return f"{{{GPX_NS}}}{tag}"

    root = ET.Element(q("gpx"), version="1.1", creator="walkrun sample generator")
    track = ET.SubElement(root, q("trk"))
    ET.SubElement(track, q("name")).text = _title(walk)
    ET.SubElement(track, q("type")).text = "walking"
    seg = ET.SubElement(track, q("trkseg"))
    start = _start(walk)
    for (t, _, cad, hr), (lat, lon) in zip(samples, _positions(samples), strict=True):
        if t % 5:
            continue  # smart recording: a point every few seconds
        point = ET.SubElement(seg, q("trkpt"), lat=str(lat), lon=str(lon))
        ET.SubElement(point, q("ele")).text = "35.0"
        ET.SubElement(point, q("time")).text = (start + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ext = ET.SubElement(ET.SubElement(point, q("extensions")), f"{{{GPXTPX_NS}}}TrackPointExtension")
        ET.SubElement(ext, f"{{{GPXTPX_NS}}}hr").text = str(hr)
        ET.SubElement(ext, f"{{{GPXTPX_NS}}}cad").text = str(round((cad or 0) / 2))  # GPX cadence is per foot
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"


def _tcx(walk: PlannedWalk, samples: list[Tick]) -> bytes:
    ET.register_namespace("", TCX_NS)
    ET.register_namespace("ax", AX_NS)

    def q(tag: str) -> str:
        return f"{{{TCX_NS}}}{tag}"

    start = _start(walk)
    root = ET.Element(q("TrainingCenterDatabase"))
    acts = ET.SubElement(root, q("Activities"))
    act = ET.SubElement(acts, q("Activity"), Sport="Other")  # TCX has no walking sport
    ET.SubElement(act, q("Id")).text = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    lap = ET.SubElement(act, q("Lap"), StartTime=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    dist = 0.0
    prev = samples[0][0]
    points = []
    for (t, speed, cad, hr), (lat, lon) in zip(samples, _positions(samples), strict=True):
        dist += speed * min(t - prev, 2)
        prev = t
        if t % 5 == 0:
            points.append((t, speed, cad, hr, lat, lon, dist))
    ET.SubElement(lap, q("TotalTimeSeconds")).text = str(samples[-1][0])
    ET.SubElement(lap, q("DistanceMeters")).text = f"{dist:.1f}"
    ET.SubElement(lap, q("Calories")).text = "0"
    ET.SubElement(lap, q("Intensity")).text = "Active"
    ET.SubElement(lap, q("TriggerMethod")).text = "Manual"
    track = ET.SubElement(lap, q("Track"))
    for t, speed, cad, hr, lat, lon, d in points:
        tp = ET.SubElement(track, q("Trackpoint"))
        ET.SubElement(tp, q("Time")).text = (start + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
        pos = ET.SubElement(tp, q("Position"))
        ET.SubElement(pos, q("LatitudeDegrees")).text = str(lat)
        ET.SubElement(pos, q("LongitudeDegrees")).text = str(lon)
        ET.SubElement(tp, q("DistanceMeters")).text = f"{d:.1f}"
        hr_el = ET.SubElement(tp, q("HeartRateBpm"))
        ET.SubElement(hr_el, q("Value")).text = str(hr)
        ext = ET.SubElement(tp, q("Extensions"))
        tpx = ET.SubElement(ext, f"{{{AX_NS}}}TPX")
        ET.SubElement(tpx, f"{{{AX_NS}}}Speed").text = f"{speed:.3f}"
        ET.SubElement(tpx, f"{{{AX_NS}}}RunCadence").text = str(round((cad or 0) / 2))
    notes = ET.SubElement(act, q("Notes"))
    notes.text = walk.pain_tag
    body = ET.tostring(root, encoding="unicode")
    # Strava's TCX files start with whitespace before the declaration; keep that quirk.
    return ("  " + '<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _title(walk: PlannedWalk) -> str:
    names = {"brisk": "Brisk walk", "slow": "Easy walk with a friend", "interrupted": "Walk (stopped to chat)",
             "jog": "Walk - jogged for the bus"}  # fmt: skip
    return f"{names[walk.kind]} {walk.minutes} min"


def _fixed_zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def build_archive() -> bytes:
    """The Strava-style export as zip bytes (deterministic: fixed times, seeded noise)."""
    rng = random.Random(45)
    rows = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i, walk in enumerate(walk_schedule()):
            samples = _samples(walk, rng)
            activity_id = 14_000_000_000 + i * 7919
            if walk.fmt == "fit":
                raw = encode_activity(_start(walk), samples, sport=Sport.WALKING, utc_offset_s=_utc_offset(walk),
                                      positions=_positions(samples))  # fmt: skip
                name, data = f"activities/{activity_id}.fit.gz", gzip.compress(raw, mtime=0)
            elif walk.fmt == "gpx":
                name, data = f"activities/{activity_id}.gpx", _gpx(walk, samples)
            else:
                name, data = f"activities/{activity_id}.tcx.gz", gzip.compress(_tcx(walk, samples), mtime=0)
            zf.writestr(_fixed_zip_info(name), data)
            moving = sum(1 for _ in samples)
            distance_m = sum(s[1] for s in samples)
            start = _start(walk)
            description = walk.pain_tag if walk.fmt != "tcx" else ""
            rows.append([
                str(activity_id), start.strftime("%b %-d, %Y, %-I:%M:%S %p"), _title(walk), "Walk", description,
                str(samples[-1][0]), f"{distance_m / 1000:.2f}", str(max(s[3] or 0 for s in samples)), "5", "false",
                "", "", name, "", "", f"{samples[-1][0]:.1f}", f"{moving:.1f}", f"{distance_m:.1f}",
                f"{max(s[1] for s in samples):.2f}", f"{distance_m / moving:.3f}", str(walk.rpe or ""),
            ])  # fmt: skip
        # A manual entry (no file): a swim logged by hand, which is cross-training, not walking.
        rows.append([
            "14000999999", "Mar 14, 2026, 10:00:00 AM", "Pool swim", "Swim", "easy laps", "1800", "1.00", "", "",
            "false", "", "", "", "", "", "1800.0", "1700.0", "1000.0", "", "", "3",
        ])  # fmt: skip
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(STRAVA_HEADER)
        writer.writerows(rows)
        zf.writestr(_fixed_zip_info("activities.csv"), text.getvalue().encode("utf-8"))
        zf.writestr(_fixed_zip_info("profile.csv"), b"Athlete ID,First Name\n1,Demo\n")
    return buf.getvalue()


def build_diary() -> str:
    """Pain diary rows: full scores for the days whose activities carry no tag, and every walk's next morning.

    A bone protocol counts a walk as pain-free only once the next morning is known too.
    """
    lines = ["date,pain_during,pain_after,pain_next_morning,night_pain,note"]
    for walk in walk_schedule():
        if not walk.pain_tag:
            lines.append(f"{walk.day},0,0,0,no,diary entry after the walk")
        elif walk.pain_tag.startswith("pain 2"):
            lines.append(f"{walk.day},,,1,no,stiff on waking after the ache")
        else:
            lines.append(f"{walk.day},,,0,no,fine the next morning")
    lines.append("2026-03-21,,,1,no,a little stiff after yesterday's ache")
    return "\n".join(lines) + "\n"
