"""Re-import reads nothing unchanged: file identity -> content hash -> what reading it gave."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from walkrun.app.athlete import classified_activities
from walkrun.app.importing import ImportSummary, import_paths
from walkrun.domain.activities import Activity
from walkrun.domain.errors import ReadError
from walkrun.domain.models import AthleteProfile
from walkrun.evidence.classify import Thresholds
from walkrun.plugins.readers import Reader
from walkrun.store import Store

START = dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC)


class CountingReader(Reader):
    """Reads ``WALK {json}``; counts every decode so a test can see what was read again."""

    name = "walk"
    extensions = (".walk",)
    reads: ClassVar[list[str]] = []

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(b"WALK")

    def read(self, data: bytes, source: str) -> list[Activity]:
        type(self).reads.append(source)
        body = json.loads(data[4:].split(b"\n", 1)[0])
        if body.get("broken"):
            raise ReadError(source, "broken on purpose")
        return [
            Activity(
                source=source,
                sport="walking",
                start_utc=START + dt.timedelta(days=body["day"]),
                elapsed_s=1800.0,
            )
        ]


READERS: dict[str, type[Reader]] = {"walk": CountingReader}


def walk(day: int, **extra: Any) -> bytes:
    return b"WALK" + json.dumps({"day": day, **extra}).encode() + b"\n"


@pytest.fixture
def store(tmp_path: Path, make_profile: Callable[..., AthleteProfile]) -> Iterator[Store]:
    s = Store(tmp_path / "home")
    s.save_profile(make_profile())
    CountingReader.reads.clear()
    yield s
    s.close()


def run(store: Store, *paths: Path) -> ImportSummary:
    CountingReader.reads.clear()
    return import_paths(store, "ann", list(paths), READERS, workers=1)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the import opens."""
    import walkrun.ingest.walk as walk_mod

    seen: list[Path] = []
    real = walk_mod.open_regular

    def spy(path: Path, *, follow: bool = True) -> Any:
        seen.append(Path(path))
        return real(path, follow=follow)

    monkeypatch.setattr(walk_mod, "open_regular", spy)
    return seen


def make_folder(root: Path, n: int) -> Path:
    folder = root / "watch"
    folder.mkdir()
    for day in range(n):
        (folder / f"{day:03}.walk").write_bytes(walk(day))
    (folder / "broken.walk").write_bytes(walk(99, broken=True))
    (folder / "notes.txt").write_bytes(b"not an activity")
    return folder


def test_unchanged_folder_is_not_opened_again_and_reports_the_same(
    store: Store, tmp_path: Path, opened: list[Path]
) -> None:
    folder = make_folder(tmp_path, 5)
    first = run(store, folder)
    assert (first.imported, first.errors, first.non_activity) == (5, 1, 1)
    opened.clear()

    again = run(store, folder)

    assert CountingReader.reads == [] and opened == [], "nothing unchanged is opened or decoded"
    assert (again.files, again.imported, again.duplicates, again.errors, again.non_activity) == (7, 0, 5, 1, 1)
    assert [p["source"] for p in again.problems] == [p["source"] for p in first.problems]
    assert store.import_problems("ann", last_run_only=True)[0]["reason"] == "broken on purpose"


def test_a_changed_file_is_read_again(store: Store, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, 3)
    run(store, folder)
    (folder / "001.walk").write_bytes(walk(40, note="edited on the watch"))

    again = run(store, folder)

    assert CountingReader.reads == [str(folder / "001.walk")]
    assert (again.imported, again.duplicates) == (1, 2)


def test_same_size_and_time_but_new_content_is_trusted_like_rsync(store: Store, tmp_path: Path) -> None:
    # Documented limit: identity is (path, size, mtime). A touch with a new mtime is enough to re-read.
    folder = make_folder(tmp_path, 1)
    run(store, folder)
    path = folder / "000.walk"
    path.write_bytes(walk(7))  # same length as walk(0)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert run(store, folder).imported == 1


def test_moved_or_copied_file_is_hashed_not_decoded(store: Store, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, 3)
    run(store, folder)
    elsewhere = tmp_path / "moved"
    shutil.move(folder, elsewhere)
    shutil.copy(elsewhere / "000.walk", elsewhere / "copy-of-000.walk")

    again = run(store, elsewhere)

    assert CountingReader.reads == [], "the content hash decides: known bytes are not decoded"
    assert (again.imported, again.duplicates, again.errors) == (0, 4, 1)
    CountingReader.reads.clear()
    third = run(store, elsewhere)
    assert CountingReader.reads == [] and third.duplicates == 4


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def test_unchanged_zip_members_are_not_read_and_a_changed_member_is(store: Store, tmp_path: Path) -> None:
    members = {f"activities/{d}.walk": walk(d) for d in range(6)}
    archive = tmp_path / "export.zip"
    archive.write_bytes(_zip(members))
    assert run(store, archive).imported == 6

    again = run(store, archive)
    assert CountingReader.reads == [] and again.duplicates == 6

    members["activities/2.walk"] = walk(20)
    archive.write_bytes(_zip(members))
    third = run(store, archive)
    assert CountingReader.reads == [f"{archive}!activities/2.walk"]
    assert (third.imported, third.duplicates) == (1, 5)


def test_refusals_are_remembered_only_for_the_same_readers(store: Store, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, 1)
    run(store, folder)

    class NewerReader(CountingReader):
        pass

    CountingReader.reads.clear()
    again = import_paths(store, "ann", [folder], {"walk": NewerReader}, workers=1)
    assert CountingReader.reads == [str(folder / "broken.walk")], "a new reader gets another try"
    assert again.errors == 1 and again.duplicates == 1


def test_classification_is_stored_at_import_so_nothing_is_reclassified(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(tmp_path, 4)
    run(store, folder)
    profile = store.profile("ann")
    fp = Thresholds.from_preferences(profile.preferences).fingerprint
    assert len(store.cached_classifications("ann", fp)) == 4

    def no_full_load(*_: object) -> Activity:
        raise AssertionError("an activity was reloaded after the import")

    monkeypatch.setattr(store, "activity", no_full_load)
    items = classified_activities(store, profile)
    assert len(items) == 4 and all(i.classification.method for i in items)
