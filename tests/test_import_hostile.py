"""Hostile files and folders: every case generated here, each bounded in time, never a traceback.

Each bad file costs only itself and gets one line naming it (escaped); the
good files are imported; nothing is written outside the store; planning
works afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import signal
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from walkrun.fit.encode import Sport, encode_activity
from walkrun.ingest.pipeline import ImportItem, iter_import
from walkrun.ingest.strava_csv import read_strava_csv
from walkrun.plugins.manager import make_plugin_manager

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, symlinks and byte names are POSIX")

READERS = make_plugin_manager(load_entrypoints=False, env={}).readers
SECRET = b"root:x:0:0:root:/root:/bin/bash\n"
HEADER = "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Moving Time,Distance,Filename\n"


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Turn a hang into a test failure instead of a stuck suite."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def fit_walk(day: int) -> bytes:
    start = dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC) + dt.timedelta(days=day)
    return encode_activity(start, [(t, 1.6, 112.0, 110) for t in range(600)], sport=Sport.WALKING)


def gpx_at(when: str) -> bytes:
    points = "".join(f'<trkpt lat="51.5{i}" lon="-0.1"><time>{when[:-3]}{55 + i}Z</time></trkpt>' for i in range(3))
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def odd_names_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in [("", b"x"), ("/", b"y"), ("...", b"z"), ("ok.fit", fit_walk(20))]:
            info = zipfile.ZipInfo("placeholder", (2026, 1, 1, 0, 0, 0))
            info.filename = name  # zipfile's own writers refuse these; hostile tools do not
            with zf.open(info, "w") as f:
                f.write(data)
    return buf.getvalue()


def strava_zip(csv_text: str, encoding: str = "utf-8") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("activities.csv", csv_text.encode(encoding))
        zf.writestr("activities/111.fit", fit_walk(30))
    return buf.getvalue()


STRAVA_ROWS = (
    HEADER + '111,"Apr 1, 2026, 7:30:00 AM",Walk with pain 2/10 after,Walk,600,600,0.9,activities/111.fit\n'
    '222,"Apr 2, 2026, 7:30:00 AM",Manual walk,Walk,abc,1800,2.5,\n'
    '333,"Apr 3, 2026, 7:30:00 AM",Manual walk pain:0,Walk,1800,1800,2.5,\n'
    '444,"Dec 31, 9999, 11:59:59 PM",From the far future,Walk,1800,1800,2.5,\n'
)


def hostile_folder(root: Path) -> Path:
    folder = root / "hostile"
    folder.mkdir()
    outside = root / "outside"
    outside.mkdir()
    (outside / "passwd").write_bytes(SECRET)
    for day in range(3):
        (folder / f"walk-{day}.fit").write_bytes(fit_walk(day))
    os.mkfifo(folder / "pipe.fit")
    (folder / "sub").mkdir()
    os.mkfifo(folder / "sub" / "deep-pipe.gpx")
    os.symlink(outside / "passwd", folder / "passwd.fit")
    os.symlink(folder / "walk-0.fit", folder / "alias.fit")
    os.symlink("/", folder / "rootlink")
    fd = os.open(os.fsencode(folder) + b"/walk-\xff\xfe.fit", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, fit_walk(10))
    os.close(fd)
    (folder / "evil\x1b[2J\x07\nname.fit").write_bytes(b"\x1b[31mnot a fit file\x1b[0m")
    (folder / "odd-names.zip").write_bytes(odd_names_zip())
    (folder / "far-future.gpx").write_bytes(gpx_at("9999-12-31T23:59:59Z"))
    (folder / "strava.zip").write_bytes(strava_zip(STRAVA_ROWS))
    return folder


def snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == skip or skip in Path(dirpath).parents:
            continue
        for name in dirnames + filenames:
            if Path(dirpath, name) == skip:
                continue
            st = os.lstat(Path(dirpath, name))
            found[os.path.join(dirpath, name)] = (st.st_size, st.st_mtime_ns)
    return found


def items_of(path: Path) -> list[ImportItem]:
    with deadline(60):
        return list(iter_import([path], READERS, workers=1))


def by_name(items: list[ImportItem]) -> dict[str, ImportItem]:
    return {i.source.rsplit("/", 1)[-1]: i for i in items}


# --- one case at a time --------------------------------------------------------------------------


def test_fifo_in_a_folder_or_passed_directly_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.fit")
    (tmp_path / "ok.fit").write_bytes(fit_walk(0))
    items = by_name(items_of(tmp_path))
    assert items["pipe.fit"].status == "error" and "not a regular file (a FIFO" in items["pipe.fit"].reason
    assert items["ok.fit"].status == "imported"
    direct = items_of(tmp_path / "pipe.fit")
    assert [i.status for i in direct] == ["error"] and "not a regular file" in direct[0].reason


def test_a_device_passed_directly_is_not_a_regular_file(tmp_path: Path) -> None:
    got = items_of(Path(os.devnull))
    assert [i.status for i in got] == ["error"] and "not a regular file (a device)" in got[0].reason


def test_symlink_leaving_the_folder_is_not_followed_or_echoed(tmp_path: Path) -> None:
    (tmp_path / "secret").write_bytes(SECRET)
    folder = tmp_path / "import"
    folder.mkdir()
    os.symlink(tmp_path / "secret", folder / "passwd.gpx")
    os.symlink("/", folder / "everything")
    (folder / "walk.fit").write_bytes(fit_walk(0))
    os.symlink(folder / "walk.fit", folder / "same-walk.fit")
    items = by_name(items_of(folder))
    assert "outside the imported folder" in items["passwd.gpx"].reason
    assert "folder, not followed" in items["everything"].reason
    assert items["same-walk.fit"].status == "imported", "a link that stays inside is read"
    assert all("root:x" not in i.reason for i in items.values())


def test_undecodable_and_control_characters_in_names_are_escaped(tmp_path: Path) -> None:
    fd = os.open(os.fsencode(tmp_path) + b"/walk-\xff.fit", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, fit_walk(1))
    os.close(fd)
    (tmp_path / "a\x1b[2J\nb.fit").write_bytes(b"junk")
    items = items_of(tmp_path)
    sources = [i.source for i in items]
    assert any(s.endswith("walk-\\xff.fit") for s in sources)
    assert any(s.endswith("a\\x1b[2J\\nb.fit") for s in sources)
    for item in items:
        assert item.source.isprintable() and item.reason.isprintable()
        item.source.encode("utf-8")  # storable: no lone surrogates


def test_zip_members_with_empty_slash_or_dot_names_are_refused_alone(tmp_path: Path) -> None:
    (tmp_path / "odd.zip").write_bytes(odd_names_zip())
    items = items_of(tmp_path / "odd.zip")
    assert [i.status for i in items] == ["error", "error", "error", "imported"]
    assert "empty member name" in items[0].reason and "absolute" in items[1].reason
    assert items[3].source.endswith("!ok.fit")


def test_a_bad_strava_row_is_skipped_alone_and_every_other_rows_metadata_kept(tmp_path: Path) -> None:
    (tmp_path / "export.zip").write_bytes(strava_zip(STRAVA_ROWS))
    items = items_of(tmp_path / "export.zip")
    bad = [i for i in items if i.status == "error"]
    assert [i.source.rsplit("#", 1)[-1] for i in bad] == ["line 3", "444"]
    assert "Elapsed Time is not a number" in bad[0].reason
    assert "impossible start time" in bad[1].reason
    good = [a for i in items if i.status == "imported" for a in i.activities]
    assert sorted(a.name for a in good) == ["Manual walk pain:0", "Walk with pain 2/10 after"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_strava_csv_encoding_is_detected(encoding: str) -> None:
    dash = "-" if encoding == "latin-1" else "\u2013"  # Latin-1 has no en dash; Windows-1252 has
    text = HEADER + f'1,"Apr 1, 2026, 7:30:00 AM",Spaziergang café {dash} pain:0,Walk,600,600,0.9,\n'
    table = read_strava_csv(text.encode(encoding))
    assert table.problems == []
    assert [r.name for r in table.rows] == [f"Spaziergang café {dash} pain:0"]


def test_an_impossible_date_is_refused_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "future.gpx").write_bytes(gpx_at("9999-12-31T23:59:59Z"))
    (tmp_path / "fit-epoch.gpx").write_bytes(gpx_at("1989-12-31T00:00:00Z"))
    items = items_of(tmp_path)
    # Refused by the import (a start before 1990) or by the reader (a time it cannot use): one line each.
    assert all(i.status in ("error", "non_activity") for i in items), [i.status for i in items]
    assert all("impossible start time" in i.reason and "Overflow" not in i.reason for i in items)
    assert all("\n" not in i.reason for i in items)


# --- all together, through the CLI --------------------------------------------------------------


def test_a_hostile_folder_imports_the_good_reports_each_bad_once_and_plans(run_cli: Any, tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path)
    home = tmp_path / "home"
    before = snapshot(tmp_path, home)
    with deadline(120):
        assert run_cli("init", "--athlete", "ann", "--condition", "femoral-neck-bsi", "--injury-date",
                       "2026-01-05").exit_code == 0  # fmt: skip
        r = run_cli("--athlete", "ann", "--today", "2026-04-20", "import", str(folder))
        listed = run_cli("--athlete", "ann", "import", "--errors")
        again = run_cli("--athlete", "ann", "--today", "2026-04-20", "import", str(folder), "--json")
        plan = run_cli("--athlete", "ann", "--today", "2026-04-20", "plan")
        status = run_cli("--athlete", "ann", "--today", "2026-04-20", "status")
        acts = run_cli("--athlete", "ann", "--today", "2026-04-20", "activities", "--json")
    assert r.exit_code == 0, r.stderr
    text = r.stdout + r.stderr
    assert "Traceback" not in text and "root:x" not in text and "\x1b" not in text and "\x07" not in text
    assert "Overflow" not in text
    assert len([line for line in r.stderr.splitlines() if line.startswith("  error: ")]) == 10, "the first ten"
    # Each refusal is one line: an error, or (a GPX whose only times are impossible) not an activity.
    error_lines = [line for line in listed.stdout.splitlines() if line.lstrip().startswith(("error ", "non_activity "))]
    assert "\x1b" not in listed.stdout and "root:x" not in listed.stdout
    for needle in ("pipe.fit", "deep-pipe.gpx", "passwd.fit", "rootlink", "evil\\x1b[2J\\x07\\nname.fit",
                   "odd-names.zip!", "far-future.gpx", "activities.csv#line 3", "activities.csv#444"):  # fmt: skip
        assert sum(needle in line for line in error_lines) >= 1, (needle, listed.stdout)
    assert len(error_lines) == 11, listed.stdout  # odd-names.zip has three bad members
    # 3 walks, the \xff\xfe walk, ok.fit, 111.fit and manual row 333; alias.fit is walk-0.fit again
    assert "Imported 7 activities" in r.stdout and "1 duplicates inside this import" in r.stdout, r.stdout
    summary = json.loads(again.stdout)
    assert summary["imported"] == 0 and summary["duplicates"] == 8  # alias.fit included
    assert plan.exit_code == 0 and status.exit_code == 0, plan.stderr + status.stderr
    sources = [a["source"] for a in json.loads(acts.stdout)["activities"]]
    assert any(s.endswith("walk-\\xff\\xfe.fit") for s in sources)
    assert snapshot(tmp_path, home) == before, "nothing written outside the store"
