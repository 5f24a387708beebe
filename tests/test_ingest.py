"""Import pipeline: folders, zips read in place, nested Garmin archives, Strava CSV, hostile archives.

Archives are built here with ``zipfile``; a fake reader claims bytes starting
with ``FAKE`` and parses a small JSON body, so these tests do not depend on the
real FIT/GPX/TCX readers.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import ntpath
import posixpath
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walkrun.domain.activities import Activity
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.ingest.export_metadata import parse_number, parse_strava_date
from walkrun.ingest.pipeline import (
    ImportItem,
    ImportLimits,
    ProgressEvent,
    UnsafeNameError,
    iter_import,
    safe_member_name,
)
from walkrun.ingest.strava_csv import read_strava_csv
from walkrun.plugins.readers import Reader

T0 = dt.datetime(2024, 3, 3, 7, 1, 2, tzinfo=dt.UTC)


class FakeReader(Reader):
    """Claims ``FAKE{json}``; the JSON says what to return or how to fail."""

    name: ClassVar[str] = "fake"
    extensions: ClassVar[tuple[str, ...]] = (".fit",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(b"FAKE")

    def read(self, data: bytes, source: str) -> list[Activity]:
        body: dict[str, Any] = json.loads(data[4:].split(b"\n#", 1)[0] or b"{}")
        if body.get("not_activity"):
            raise NotAnActivityError(source, "a settings file")
        if body.get("fail"):
            raise ReadError(source, "broken record 7")
        if body.get("crash"):
            raise ZeroDivisionError("division by zero in decoder")
        if body.get("interrupt"):
            raise KeyboardInterrupt
        return [
            Activity(
                source="reader-set-this",
                start_utc=dt.datetime.fromisoformat(body.get("start", T0.isoformat())),
                elapsed_s=body.get("elapsed", 1800.0),
                sport=body.get("sport", "unknown"),
                name=body.get("name", ""),
                rpe=body.get("rpe"),
            )
        ]


READERS: dict[str, type[Reader]] = {"fake": FakeReader}


def fake(pad: int = 0, **body: Any) -> bytes:
    """A fake activity file; ``pad`` adds bytes after the JSON (to make it big or unique)."""
    return b"FAKE" + json.dumps(body).encode() + (b"\n#" + b"x" * pad if pad else b"")


def make_zip(members: Iterable[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def run(paths: list[Path], limits: ImportLimits | None = None, **kw: Any) -> list[ImportItem]:
    return list(iter_import(paths, READERS, limits=limits or ImportLimits(), **kw))


def by_source(items: list[ImportItem]) -> dict[str, ImportItem]:
    return {i.source.split("!", 1)[-1] if "!" in i.source else Path(i.source).name: i for i in items}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


# --- plain files and folders -----------------------------------------------------------------


def test_folder_is_walked_recursively_in_sorted_order_skipping_hidden_and_junk(tmp_path: Path) -> None:
    (tmp_path / "b" / "sub").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "sub" / "2.fit").write_bytes(fake(name="two"))
    (tmp_path / "b" / "1.fit").write_bytes(fake(name="one"))
    (tmp_path / "a.fit").write_bytes(fake(name="a"))
    (tmp_path / "notes.txt").write_bytes(b"shopping list")
    (tmp_path / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (tmp_path / "._a.fit").write_bytes(b"AppleDouble")
    (tmp_path / "Thumbs.db").write_bytes(b"junk")
    (tmp_path / ".git" / "x.fit").write_bytes(fake())

    items = run([tmp_path])

    rel = [Path(i.source).relative_to(tmp_path).as_posix() for i in items]
    assert rel == ["a.fit", "b/1.fit", "b/sub/2.fit", "notes.txt"]
    assert [i.status for i in items] == ["imported", "imported", "imported", "non_activity"]
    first = items[0]
    assert first.content_hash == hashlib.sha256(fake(name="a")).hexdigest()
    assert first.activities[0].source == first.source
    assert first.activities[0].content_hash == first.content_hash
    assert "notes.txt" in items[3].reason


def test_missing_path_is_one_error_and_the_rest_goes_on(tmp_path: Path) -> None:
    (tmp_path / "ok.fit").write_bytes(fake())
    items = run([tmp_path / "nope.fit", tmp_path / "ok.fit"])
    assert [i.status for i in items] == ["error", "imported"]
    assert "nope.fit" in items[0].reason


def test_generator_yields_each_result_before_a_later_file_blows_up(tmp_path: Path) -> None:
    (tmp_path / "1.fit").write_bytes(fake(name="kept"))
    (tmp_path / "2.fit").write_bytes(fake(interrupt=True))
    got: list[ImportItem] = []
    with pytest.raises(KeyboardInterrupt):
        for item in iter_import([tmp_path], READERS):
            got.append(item)
    assert [i.activities[0].name for i in got] == ["kept"]


def test_reader_failures_become_items_with_a_one_line_reason(tmp_path: Path) -> None:
    (tmp_path / "a_crash.fit").write_bytes(fake(crash=True))
    (tmp_path / "b_bad.fit").write_bytes(fake(fail=True))
    (tmp_path / "c_settings.fit").write_bytes(fake(not_activity=True))
    (tmp_path / "d_ok.fit").write_bytes(fake())

    items = run([tmp_path])

    crash, bad, settings, ok = items
    assert crash.status == "error"
    assert "a_crash.fit" in crash.reason and "ZeroDivisionError" in crash.reason and "fake" in crash.reason
    assert "\n" not in crash.reason
    assert (bad.status, settings.status, ok.status) == ("error", "non_activity", "imported")
    assert bad.reason.endswith("b_bad.fit: broken record 7")
    assert "settings" in settings.reason


def test_unclaimed_file_is_an_error_only_when_its_name_promises_a_known_format(tmp_path: Path) -> None:
    (tmp_path / "damaged.fit").write_bytes(b"\x0e\x10garbage")
    (tmp_path / "damaged2.fit.gz").write_bytes(gzip.compress(b"garbage", mtime=0))
    (tmp_path / "sleep.json").write_bytes(b'{"sleep": []}')
    (tmp_path / "empty.txt").write_bytes(b"")

    items = by_source(run([tmp_path]))

    assert {k: v.status for k, v in items.items()} == {
        "damaged.fit": "error",
        "damaged2.fit.gz": "error",
        "empty.txt": "non_activity",
        "sleep.json": "non_activity",
    }
    assert "damaged.fit" in items["damaged.fit"].reason


# --- zip archives --------------------------------------------------------------------------------


def test_zip_is_read_in_place_and_nothing_is_extracted(tmp_path: Path) -> None:
    gz = gzip.compress(fake(name="gz"), mtime=0)
    archive = tmp_path / "export.zip"
    archive.write_bytes(make_zip([("activities/1.fit", fake(name="plain")), ("activities/2.fit.gz", gz)]))
    before = snapshot(tmp_path)

    items = run([archive])

    assert snapshot(tmp_path) == before
    assert [i.source for i in items] == [f"{archive}!activities/1.fit", f"{archive}!activities/2.fit.gz"]
    assert all(i.status == "imported" for i in items)
    # The hash is of the decompressed bytes, so a .gz and a plain copy are the same file.
    assert items[1].content_hash == hashlib.sha256(fake(name="gz")).hexdigest()
    assert items[1].size_bytes == len(fake(name="gz"))


def test_zip_inside_a_folder_is_opened_too(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "batch.zip").write_bytes(make_zip([("x.fit", fake())]))
    items = run([tmp_path])
    assert [i.source for i in items] == [f"{tmp_path / 'inbox' / 'batch.zip'}!x.fit"]


def test_member_order_is_deterministic_whatever_the_archive_order(tmp_path: Path) -> None:
    members = [(f"activities/{n}.fit", fake(pad=n)) for n in (3, 1, 2)]
    (tmp_path / "one.zip").write_bytes(make_zip(members))
    (tmp_path / "two.zip").write_bytes(make_zip(reversed(members)))
    first = [i.source.split("!")[1] for i in run([tmp_path / "one.zip"])]
    second = [i.source.split("!")[1] for i in run([tmp_path / "two.zip"])]
    assert first == second == ["activities/1.fit", "activities/2.fit", "activities/3.fit"]
    assert [i.source for i in run([tmp_path])] == [i.source for i in run([tmp_path])]


def test_zip_slip_names_are_refused_and_the_rest_is_imported(tmp_path: Path) -> None:
    hostile = ["../evil.fit", "a/../../evil2.fit", "/etc/abs.fit", "C:/win.fit", "c:evil.fit", "a\\..\\b.fit"]
    archive = tmp_path / "slip.zip"
    archive.write_bytes(make_zip([*((n, fake()) for n in hostile), ("good/ok.fit", fake(name="ok"))]))

    items = run([archive])

    refused = [i for i in items if i.status == "error"]
    assert len(refused) == len(hostile)
    assert all("refused" in i.reason and str(archive) in i.reason for i in refused)
    assert {i.source.split("!", 1)[1] for i in refused} == set(hostile)
    assert [i.activities[0].name for i in items if i.status == "imported"] == ["ok"]


def test_too_many_members_refuses_the_whole_archive_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a_big.zip").write_bytes(make_zip((f"{n}.fit", fake(pad=n)) for n in range(6)))
    (tmp_path / "b_ok.fit").write_bytes(fake())

    items = run([tmp_path], ImportLimits(max_members=5))

    assert [i.status for i in items] == ["error", "imported"]
    assert "6 entries" in items[0].reason and "limit of 5" in items[0].reason


def test_member_over_the_size_limit_is_refused_by_its_header(tmp_path: Path) -> None:
    archive = tmp_path / "sizes.zip"
    archive.write_bytes(make_zip([("big.fit", fake(pad=5000)), ("small.fit", fake())]))

    items = by_source(run([archive], ImportLimits(max_member_bytes=1000)))

    assert items["big.fit"].status == "error"
    assert "per-file limit of 1000" in items["big.fit"].reason
    assert items["small.fit"].status == "imported"


def _lie_about_size(data: bytes, member: str, claimed: int) -> bytes:
    """Patch both the local and the central header of ``member`` to claim ``claimed`` bytes."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
        struct.pack_into("<I", raw, info.header_offset + 22, claimed)
        central = raw.index(b"PK\x01\x02")
        while raw[central + 46 : central + 46 + len(member)] != member.encode():
            central = raw.index(b"PK\x01\x02", central + 4)
        struct.pack_into("<I", raw, central + 24, claimed)
    return bytes(raw)


def test_member_whose_header_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    data = make_zip([("liar.fit", fake(pad=5000)), ("honest.fit", fake())], method=zipfile.ZIP_STORED)
    archive = tmp_path / "liar.zip"
    archive.write_bytes(_lie_about_size(data, "liar.fit", 50))
    with zipfile.ZipFile(archive) as zf:
        assert zf.getinfo("liar.fit").file_size == 50  # the header now passes the size check

    items = by_source(run([archive], ImportLimits(max_member_bytes=1000)))

    assert items["liar.fit"].status == "error"
    assert "liar.fit" in items["liar.fit"].reason
    assert items["honest.fit"].status == "imported"


def test_archive_total_is_counted_across_members(tmp_path: Path) -> None:
    archive = tmp_path / "total.zip"
    archive.write_bytes(make_zip((f"{n}.fit", fake(pad=400 + n)) for n in range(4)))

    items = run([archive], ImportLimits(max_total_bytes=1000))

    assert [i.status for i in items] == ["imported", "imported", "error", "error"]
    assert "archive total" in items[2].reason


def test_gzip_member_that_expands_past_the_limit_is_refused(tmp_path: Path) -> None:
    bomb = gzip.compress(fake(pad=200_000), mtime=0)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(make_zip([("bomb.fit.gz", bomb), ("ok.fit", fake())]))
    assert len(bomb) < 2000

    items = by_source(run([archive], ImportLimits(max_member_bytes=10_000)))

    assert items["bomb.fit.gz"].status == "error"
    assert items["ok.fit"].status == "imported"


def test_nesting_deeper_than_max_depth_is_refused(tmp_path: Path) -> None:
    level3 = make_zip([("deep.fit", fake(name="deep"))])
    level2 = make_zip([("l3.zip", level3), ("mid.fit", fake(name="mid"))])
    (tmp_path / "l1.zip").write_bytes(make_zip([("l2.zip", level2)]))

    shallow = run([tmp_path / "l1.zip"], ImportLimits(max_depth=2))
    assert [(i.source.split("!", 1)[1], i.status) for i in shallow] == [
        ("l2.zip!l3.zip", "error"),
        ("l2.zip!mid.fit", "imported"),
    ]
    assert "nested deeper than 2" in shallow[0].reason

    deep = run([tmp_path / "l1.zip"])
    assert [i.activities[0].name for i in deep] == ["deep", "mid"]
    assert deep[0].source == f"{tmp_path / 'l1.zip'}!l2.zip!l3.zip!deep.fit"


# --- Garmin export -------------------------------------------------------------------------------


def _ms(t: dt.datetime) -> int:
    return int(t.timestamp() * 1000)


def test_garmin_nested_uploads_found_by_pattern_and_summaries_fill_gaps(tmp_path: Path) -> None:
    walk, other, run_ = T0, T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)
    summaries = [
        {
            "summarizedActivitiesExport": [
                {
                    "activityId": 1,
                    "name": "Evening Walk",
                    "activityType": "walking",
                    "sportType": "STEPS",
                    "startTimeGmt": _ms(walk + dt.timedelta(seconds=30)),
                    "startTimeLocal": _ms(walk + dt.timedelta(seconds=30, hours=1)),
                    "duration": 1_800_000.0,
                    "distance": 250_000.0,
                    "workoutRpe": 30,
                    "workoutFeel": 75,
                },
                {"activityId": 2, "name": "Far Off", "activityType": "hiking", "startTimeGmt": _ms(other) + 300_000},
                {
                    "activityId": 3,
                    "name": "Run",
                    "activityType": {"typeKey": "trail_running"},
                    "startTimeGmt": _ms(run_),
                },
            ]
        }
    ]
    uploads = make_zip(
        [
            ("walk.fit", fake(start=walk.isoformat())),
            ("other.fit", fake(start=other.isoformat())),
            ("run.fit", fake(start=run_.isoformat(), sport="running", name="My name", rpe=2)),
        ]
    )
    more = make_zip([("later.fit", fake(start=(T0 + dt.timedelta(days=9)).isoformat()))])
    archive = tmp_path / "garmin.zip"
    archive.write_bytes(
        make_zip(
            [
                (
                    "DI_CONNECT/DI-Connect-Fitness/me@example.com_0_summarizedActivities.json",
                    json.dumps(summaries).encode(),
                ),
                ("DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip", uploads),
                ("DI_CONNECT/Somewhere-New/UploadedFiles_1-_Part2.zip", more),
                ("DI_CONNECT/DI-Connect-Wellness/sleep.json", b'{"sleep": []}'),
            ]
        )
    )

    items = run([archive])

    imported = {i.source.rsplit("!", 1)[1]: i.activities[0] for i in items if i.status == "imported"}
    assert set(imported) == {"walk.fit", "other.fit", "run.fit", "later.fit"}
    walked = imported["walk.fit"]
    assert (walked.sport, walked.name, walked.rpe, walked.feel, walked.utc_offset_s) == (
        "walking",
        "Evening Walk",
        3.0,  # Garmin's workoutRpe 30 is RPE 3 on Activity.rpe's one 1-10 scale
        75.0,
        3600,
    )
    # Five minutes off is another activity: nothing is borrowed from it.
    assert (imported["other.fit"].sport, imported["other.fit"].name) == ("unknown", "")
    # The file's own values win; the summary only fills gaps.
    assert (imported["run.fit"].sport, imported["run.fit"].name, imported["run.fit"].rpe) == ("running", "My name", 2)
    nested = [i.source for i in items if i.source.endswith("walk.fit")]
    assert nested == [f"{archive}!DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip!walk.fit"]
    # The summary file is consumed as metadata, not reported as a non-activity.
    assert not any(i.source.endswith("summarizedActivities.json") for i in items)
    assert [i.status for i in items if i.source.endswith("sleep.json")] == ["non_activity"]


# --- Strava export -------------------------------------------------------------------------------

EN_NEW = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description", "Elapsed Time",
    "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Activity Private Note", "Activity Gear", "Filename",
    "Athlete Weight", "Bike Weight", "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Perceived Exertion",
    "Prefer Perceived Exertion", "Commute",
]  # fmt: skip
EN_OLD = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description", "Elapsed Time",
    "Distance", "Commute", "Activity Gear", "Filename",
]  # fmt: skip
DE = [
    "Aktivitäts-ID", "Aktivitätsdatum", "Name der Aktivität", "Aktivitätsart", "Aktivitätsbeschreibung",
    "Verstrichene Zeit", "Distanz", "Max. Herzfrequenz", "Relative Leistung", "Pendeln",
    "Hinweis zur Privatsphäre für Aktivitäten", "Aktivitätsausrüstung", "Dateiname", "Sportlergewicht",
    "Fahrradgewicht", "Verstrichene Zeit", "Bewegungszeit", "Distanz", "Gefühlte Anstrengung",
    "Gefühlte Anstrengung verwenden",
]  # fmt: skip


def strava_csv(header: list[str], rows: list[dict[tuple[str, int], str]]) -> bytes:
    """CSV text; each row maps (header, occurrence) to a value, so duplicates can differ."""
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        seen: dict[str, int] = {}
        cells = []
        for name in header:
            seen[name] = seen.get(name, 0) + 1
            cells.append(row.get((name, seen[name]), ""))
        writer.writerow(cells)
    return out.getvalue().encode()


def test_strava_export_english_with_duplicated_columns(tmp_path: Path) -> None:
    rows = [
        {
            ("Activity ID", 1): "111",
            ("Activity Date", 1): "Mar 3, 2024, 7:01:02 AM",
            ("Activity Name", 1): "Brisk walk",
            ("Activity Type", 1): "Walk",
            ("Activity Description", 1): "felt fine",
            ("Activity Private Note", 1): "hip 0/10",
            ("Filename", 1): "activities/111.fit.gz",
            ("Elapsed Time", 1): "1800",
            ("Elapsed Time", 2): "1795.0",
            ("Distance", 1): "2.50",
            ("Distance", 2): "2503.0",
            ("Perceived Exertion", 1): "4.0",
            ("Prefer Perceived Exertion", 1): "1",
        },
        {
            ("Activity ID", 1): "222",
            ("Activity Date", 1): "Mar 5, 2024, 6:30:00\u202fPM",
            ("Activity Name", 1): "Treadmill walk (manual)",
            ("Activity Type", 1): "Walk",
            ("Elapsed Time", 1): "2400",
            ("Elapsed Time", 2): "2400.0",
            ("Moving Time", 1): "2300.0",
            ("Distance", 1): "3.10",
            ("Distance", 2): "3100.0",
            ("Perceived Exertion", 1): "3",
        },
        {
            ("Activity ID", 1): "333",
            ("Activity Date", 1): "Mar 7, 2024, 8:00:00 AM",
            ("Activity Name", 1): "Lost file",
            ("Activity Type", 1): "Hike",
            ("Filename", 1): "activities/333.gpx",
            ("Elapsed Time", 1): "600",
        },
    ]
    archive = tmp_path / "export_123.zip"
    archive.write_bytes(
        make_zip(
            [
                ("activities.csv", strava_csv(EN_NEW, rows)),
                ("activities/111.fit.gz", gzip.compress(fake(sport="running", name="Morning Run"), mtime=0)),
                ("activities/999.fit", fake(name="no row")),
                ("media/photo.jpg", b"\xff\xd8\xff\xe0 not read"),
                ("profile.csv", b"Athlete ID,Email\n1,a@b.c\n"),
            ]
        )
    )

    items = {i.source.split("!", 1)[1]: i for i in run([archive])}

    assert list(items) == [
        "activities/111.fit.gz",
        "activities/999.fit",
        "media/photo.jpg",
        "profile.csv",
        "activities.csv#222",
        "activities.csv#333",
    ]
    walk = items["activities/111.fit.gz"].activities[0]
    # Strava's type is what the athlete last chose, so it wins over the file's sport.
    assert (walk.sport, walk.name, walk.description, walk.private_note) == (
        "walking",
        "Brisk walk",
        "felt fine",
        "hip 0/10",
    )
    assert walk.rpe == 4.0 and walk.feel is None
    assert "pain" not in Activity.model_fields  # RPE lands in rpe; there is no pain to confuse it with
    assert items["activities/999.fit"].activities[0].name == "no row"
    assert items["media/photo.jpg"].status == "non_activity"

    manual = items["activities.csv#222"]
    assert manual.status == "imported" and manual.reason == ""
    m = manual.activities[0]
    assert m.samples == [] and m.sport == "walking" and m.rpe == 3.0
    assert m.start_utc == dt.datetime(2024, 3, 5, 18, 30, tzinfo=dt.UTC)
    assert (m.elapsed_s, m.moving_s, m.distance_m) == (2400.0, 2300.0, 3100.0)
    assert m.content_hash and m.source == manual.source

    lost = items["activities.csv#333"]
    assert lost.status == "imported" and "activities/333.gpx" in lost.reason
    assert lost.activities[0].sport == "hiking"

    # Re-importing gives the same identities, so the store can drop duplicates.
    again = {i.source.split("!", 1)[1]: i.content_hash for i in run([archive])}
    assert again == {k: v.content_hash for k, v in items.items()}


def test_strava_older_column_set_reads_km_distance(tmp_path: Path) -> None:
    rows = [
        {
            ("Activity ID", 1): "5",
            ("Activity Date", 1): "Jan 9, 2016, 5:00:00 PM",
            ("Activity Name", 1): "Old run",
            ("Activity Type", 1): "Run",
            ("Elapsed Time", 1): "1500",
            ("Distance", 1): "5.1",
        }
    ]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "activities.csv").write_bytes(strava_csv(EN_OLD, rows))

    (item,) = run([folder])

    act = item.activities[0]
    assert item.source == f"{folder}/activities.csv#5"
    assert (act.sport, act.elapsed_s, act.distance_m, act.rpe) == ("running", 1500.0, 5100.0, None)


def test_strava_export_with_german_headers(tmp_path: Path) -> None:
    rows = [
        {
            ("Aktivitäts-ID", 1): "77",
            ("Aktivitätsdatum", 1): "03.03.2024, 07:01:02",
            ("Name der Aktivität", 1): "Abendspaziergang",
            ("Aktivitätsart", 1): "Spaziergang",
            ("Aktivitätsbeschreibung", 1): "locker",
            ("Hinweis zur Privatsphäre für Aktivitäten", 1): "Hüfte ruhig",
            ("Dateiname", 1): "activities/77.fit",
            ("Gefühlte Anstrengung", 1): "5",
            ("Gefühlte Anstrengung verwenden", 1): "1",
        },
        {
            ("Aktivitäts-ID", 1): "78",
            ("Aktivitätsdatum", 1): "04.03.2024, 18:00:00",
            ("Name der Aktivität", 1): "Laufband",
            ("Aktivitätsart", 1): "Lauf",
            ("Verstrichene Zeit", 1): "1390",
            ("Verstrichene Zeit", 2): "1390.0",
            ("Distanz", 1): "2,81",
            ("Distanz", 2): "2810.0",
        },
    ]
    archive = tmp_path / "export_de.zip"
    # Re-zipped exports often sit in one top folder; the CSV is still found at that root.
    archive.write_bytes(
        make_zip([("export_de/activities.csv", strava_csv(DE, rows)), ("export_de/activities/77.fit", fake())])
    )

    items = {i.source.split("!", 1)[1]: i for i in run([archive])}

    walk = items["export_de/activities/77.fit"].activities[0]
    assert (walk.sport, walk.name, walk.description, walk.private_note, walk.rpe) == (
        "walking",
        "Abendspaziergang",
        "locker",
        "Hüfte ruhig",
        5.0,
    )
    manual = items["export_de/activities.csv#78"].activities[0]
    assert (manual.sport, manual.elapsed_s, manual.distance_m) == ("running", 1390.0, 2810.0)
    assert manual.start_utc == dt.datetime(2024, 3, 4, 18, 0, tzinfo=dt.UTC)


def test_strava_csv_first_occurrence_wins_and_km_fallback() -> None:
    header = ["Activity ID", "Activity Date", "Activity Type", "Elapsed Time", "Distance", "Elapsed Time"]
    cells = {
        ("Activity ID", 1): "1",
        ("Activity Date", 1): "Mar 3, 2024, 7:01:02 AM",
        ("Elapsed Time", 1): "60",
        ("Elapsed Time", 2): "999",
        ("Distance", 1): "1.5",
    }
    rows = read_strava_csv(strava_csv(header, [cells])).rows
    assert (rows[0].elapsed_s, rows[0].distance_m, rows[0].sport) == (60.0, 1500.0, None)


def test_broken_strava_csv_is_reported_and_files_still_imported(tmp_path: Path) -> None:
    archive = tmp_path / "bad.zip"
    archive.write_bytes(make_zip([("activities.csv", b"Name;Datum\nfoo;bar\n"), ("activities/1.fit", fake())]))
    items = run([archive])
    assert [i.status for i in items] == ["error", "imported"]
    assert "activities.csv" in items[0].reason and "Strava" in items[0].reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mar 3, 2024, 7:01:02 AM", dt.datetime(2024, 3, 3, 7, 1, 2, tzinfo=dt.UTC)),
        ("Dec 31, 2023, 12:05:00 AM", dt.datetime(2023, 12, 31, 0, 5, tzinfo=dt.UTC)),
        ("Jul 4, 2022, 12:30:00\u202fPM", dt.datetime(2022, 7, 4, 12, 30, tzinfo=dt.UTC)),
        ("21.07.2026, 15:09:27", dt.datetime(2026, 7, 21, 15, 9, 27, tzinfo=dt.UTC)),
        ("2024-03-03 07:01:02", dt.datetime(2024, 3, 3, 7, 1, 2, tzinfo=dt.UTC)),
    ],
)
def test_strava_dates(text: str, expected: dt.datetime) -> None:
    assert parse_strava_date(text) == expected


def test_numbers_in_english_and_german_style() -> None:
    assert [parse_number(s) for s in ("2.81", "2,81", "1.234,5", "1,234.5", " ", "7")] == [
        2.81,
        2.81,
        1234.5,
        1234.5,
        None,
        7.0,
    ]


# --- progress ------------------------------------------------------------------------------------


def test_progress_totals_up_front_then_one_event_per_file(tmp_path: Path) -> None:
    inner = make_zip([("n1.fit", fake(pad=1)), ("n2.fit", fake(pad=2))])
    (tmp_path / "a.fit").write_bytes(fake())
    (tmp_path / "b.zip").write_bytes(make_zip([("m1.fit", fake(pad=3)), ("inner.zip", inner)]))
    events: list[ProgressEvent] = []

    items = run([tmp_path], progress=events.append)

    first = events[0]
    assert first.kind == "total" and first.files_done == 0
    assert first.files_total == 3  # a.fit, b.zip!m1.fit, b.zip!inner.zip
    files = [e for e in events if e.kind == "file"]
    assert [e.source.rsplit("!", 1)[-1].rsplit("/", 1)[-1] for e in files] == [
        "a.fit",
        "inner.zip",
        "n1.fit",
        "n2.fit",
        "m1.fit",
    ]
    assert [e.files_done for e in files] == [1, 2, 3, 4, 5]
    last = events[-1]
    assert last.files_done == last.files_total == 5
    assert last.bytes_done == last.bytes_total == sum(e.size_bytes for e in files)
    assert len(items) == 4  # the nested archive itself is progress, not an item


# --- member names --------------------------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from(list("ab./\\:C \x00")) | st.characters(), max_size=40))
def test_safe_member_names_never_leave_the_archive_root(name: str) -> None:
    try:
        clean = safe_member_name(name)
    except UnsafeNameError:
        return
    assert clean and "\\" not in clean and not clean.startswith("/")
    assert ".." not in clean.split("/")
    assert posixpath.normpath(posixpath.join("/root", clean)).startswith("/root/")
    win = ntpath.normpath(ntpath.join("C:\\root", clean))
    assert win.startswith("C:\\root\\")
    assert clean == safe_member_name(clean)  # stable: cleaning twice changes nothing


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/x", "C:/x", "c:x", "a\\b", "", "./", "a/. ./b", "x\0y"])
def test_unsafe_member_names(name: str) -> None:
    with pytest.raises(UnsafeNameError):
        safe_member_name(name)


def test_harmless_member_names_are_kept() -> None:
    assert safe_member_name("./activities//1.fit.gz") == "activities/1.fit.gz"
    assert safe_member_name("2024-01-01T10:00:00.fit") == "2024-01-01T10:00:00.fit"
