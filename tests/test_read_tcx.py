"""The TCX reader: python-tcxparser's sample files and Strava/Garmin-style variations."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from walkrun.builtin.readers import tcx as tcx_reader
from walkrun.builtin.readers.tcx import TcxReader, looks_like_tcx, parse_tcx_time
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.plugins.manager import BUILTIN_PLUGINS, make_plugin_manager

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
TCX_DIR = SHARED_SAMPLES / "tcx"


def sample(name: str) -> bytes:
    if not TCX_DIR.is_dir():
        pytest.skip(f"shared samples not present: {SHARED_SAMPLES}")
    return (TCX_DIR / name).read_bytes()


def test_garmin_forerunner_run_laps_and_points() -> None:
    data = sample("test.tcx")
    (run,) = TcxReader().read(data, "test.tcx")
    assert run.sport == "running"
    assert run.device == "Forerunner 410 Software Version 2.20"
    assert run.description == "Aerobics"  # <Notes>
    assert run.start_utc == dt.datetime(2012, 12, 26, 21, 29, 53, tzinfo=dt.UTC)
    assert run.utc_offset_s is None  # "Z" says nothing about local time
    assert len(run.samples) == 384
    assert run.samples[0].heart_rate_bpm == 62 and run.samples[-1].t_s == 1992
    assert [lap.start_s for lap in run.laps] == [0, 609, 1323]
    timers = [float(t) for t in re.findall(rb"<TotalTimeSeconds>([^<]+)<", data)]
    assert [lap.moving_s for lap in run.laps] == pytest.approx(timers)
    # The lap timers add up to 0.27 s more than the elapsed time; moving never exceeds elapsed.
    assert run.moving_s == pytest.approx(min(sum(timers), run.elapsed_s))
    assert [lap.intensity for lap in run.laps] == ["active"] * 3
    assert run.elapsed_s == pytest.approx(1323 + 669.51)  # last lap start + its timer outlasts the last point
    assert run.distance_m == pytest.approx(4686.3, abs=5)
    speeds = [s.speed_mps for s in run.samples if s.speed_mps is not None]
    assert 2.0 < sum(speeds) / len(speeds) < 3.0  # ~4.7 km in 33 min, derived from DistanceMeters


def test_no_heart_rate() -> None:
    (run,) = TcxReader().read(sample("no_hr.tcx"), "no_hr.tcx")
    assert all(s.heart_rate_bpm is None for s in run.samples)
    assert len(run.samples) == 384


def test_prefixed_tpx_speed_and_other_sport() -> None:
    data = sample("sup_activity_1.tcx")
    (act,) = TcxReader().read(data, "sup_activity_1.tcx")
    assert act.sport == "other"  # TCX has no walking; walks and paddles are "Other"
    assert act.device == "vívoactive HR"
    assert act.start_utc == dt.datetime(2022, 7, 16, 16, 8, 25, tzinfo=dt.UTC)  # ".000Z"
    file_speeds = [float(v) for v in re.findall(rb"<ns3:Speed>([^<]+)<", data)]
    assert [s.speed_mps for s in act.samples] == pytest.approx(file_speeds)
    assert len(act.laps) == 2 and act.laps[1].start_s == 968
    assert act.moving_s == pytest.approx(966.796 + 145.539)


STRAVA_STYLE = """

  <?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
 <Activities>
  <Activity Sport="{sport}">
   <Id>2026-03-02T09:00:00+02:00</Id>
   <Notes>pain 0/10 during and after</Notes>
   <Lap StartTime="2026-03-02T09:00:00+02:00">
    <TotalTimeSeconds>4</TotalTimeSeconds>
    <DistanceMeters>6</DistanceMeters>
    <Intensity>Resting</Intensity>
    <Track>
{points}
    </Track>
   </Lap>
   <Creator><Name>Strava Android</Name></Creator>
  </Activity>
 </Activities>
</TrainingCenterDatabase>
"""

POINT = """     <Trackpoint>
      <Time>2026-03-02T07:00:0{sec}{frac}Z</Time>
      <DistanceMeters>{dist}</DistanceMeters>
      <HeartRateBpm><Value>110</Value></HeartRateBpm>
      {cadence}
      <Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2">{tpx}</TPX></Extensions>
     </Trackpoint>"""


def strava(sport: str = "Running", cadence: str = "", tpx: str = "<RunCadence>85</RunCadence>") -> bytes:
    points = "\n".join(
        POINT.format(sec=i, frac=".500" if i % 2 else "", dist=1.5 * i, cadence=cadence, tpx=tpx) for i in range(5)
    )
    return STRAVA_STYLE.format(sport=sport, points=points).encode()


def test_strava_leading_whitespace_default_namespace_tpx_and_offsets() -> None:
    data = strava()
    assert data.startswith(b"\n\n  <?xml")
    assert looks_like_tcx(data[:4096])
    (run,) = TcxReader().read(data, "strava.tcx")
    assert run.utc_offset_s == 7200 and run.start_utc == dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC)
    assert [s.t_s for s in run.samples] == [0, 1.5, 2, 3.5, 4]
    assert {s.cadence_spm for s in run.samples} == {170}  # RunCadence is strides/min
    assert run.description == "pain 0/10 during and after" and run.device == "Strava Android"
    assert run.laps[0].intensity == "rest"


def test_trackpoint_cadence_on_foot_vs_bike() -> None:
    (run,) = TcxReader().read(strava(cadence="<Cadence>80</Cadence>", tpx=""), "run.tcx")
    assert {s.cadence_spm for s in run.samples} == {160}
    (ride,) = TcxReader().read(strava(sport="Biking", cadence="<Cadence>90</Cadence>", tpx=""), "ride.tcx")
    assert ride.sport == "cycling" and {s.cadence_spm for s in ride.samples} == {90}


def test_time_formats() -> None:
    assert parse_tcx_time("2012-12-26T21:29:53Z") == dt.datetime(2012, 12, 26, 21, 29, 53, tzinfo=dt.UTC)
    assert parse_tcx_time("2022-07-16T16:08:25.000Z") == dt.datetime(2022, 7, 16, 16, 8, 25, tzinfo=dt.UTC)
    assert parse_tcx_time(" 2026-03-02T09:00:00.25+02:00 ") == dt.datetime(2026, 3, 2, 7, 0, 0, 250000, tzinfo=dt.UTC)
    assert parse_tcx_time("yesterday") is None


def test_refusals() -> None:
    with pytest.raises(NotAnActivityError, match="no activities"):
        TcxReader().read(b"<TrainingCenterDatabase><Courses/></TrainingCenterDatabase>", "course.tcx")
    with pytest.raises(NotAnActivityError, match="no times"):
        TcxReader().read(
            b'<TrainingCenterDatabase><Activities><Activity Sport="Running"/></Activities></TrainingCenterDatabase>',
            "empty.tcx",
        )
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><TrainingCenterDatabase>&a;</TrainingCenterDatabase>'
    )
    with pytest.raises(ReadError, match="document type declaration"):
        TcxReader().read(hostile, "hostile.tcx")
    with pytest.raises(ReadError, match="not well-formed"):
        TcxReader().read(strava()[:300], "cut.tcx")
    with pytest.raises(ReadError, match="not <TrainingCenterDatabase>"):
        TcxReader().read(b"<gpx/>", "gpx.tcx")


def test_register_readers_hook() -> None:
    module = "walkrun.builtin.readers.tcx"
    registry = make_plugin_manager(
        load_entrypoints=False, env={}, extra=[] if module in BUILTIN_PLUGINS else [tcx_reader]
    )
    assert registry.readers["tcx"] is TcxReader
