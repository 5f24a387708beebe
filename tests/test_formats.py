"""Format detection by content and gzip handling, with the readers registered as plugins."""

from __future__ import annotations

import gzip
import random
import shutil
from pathlib import Path
from typing import ClassVar

import pytest

from walkrun.builtin.readers import fit as fit_reader
from walkrun.builtin.readers import gpx as gpx_reader
from walkrun.builtin.readers import tcx as tcx_reader
from walkrun.builtin.readers.fit import FitReader
from walkrun.builtin.readers.gpx import GpxReader
from walkrun.builtin.readers.tcx import TcxReader
from walkrun.domain.activities import Activity
from walkrun.domain.errors import ReadError
from walkrun.ingest.formats import SNIFF_BYTES, decompress, pick_reader
from walkrun.plugins.manager import BUILTIN_PLUGINS, make_plugin_manager
from walkrun.plugins.readers import Reader

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
LIMIT = 64 * 1024 * 1024
SAMPLES = {
    "fit": ("fit", "garmin-fenix-5-walk.fit"),
    "gpx": ("gpx", "korita-zbevnica.gpx"),
    "tcx": ("tcx", "sup_activity_1.tcx"),
}


@pytest.fixture(scope="module")
def readers() -> dict[str, type[Reader]]:
    modules = [m for m in (fit_reader, gpx_reader, tcx_reader) if m.__name__ not in BUILTIN_PLUGINS]
    registry = make_plugin_manager(load_entrypoints=False, env={}, extra=modules)
    assert {"fit", "gpx", "tcx"} <= set(registry.readers)
    return {name: registry.readers[name] for name in ("fit", "gpx", "tcx")}


def sample_path(kind: str) -> Path:
    if not SHARED_SAMPLES.is_dir():
        pytest.skip(f"shared samples not present: {SHARED_SAMPLES}")
    folder, name = SAMPLES[kind]
    return SHARED_SAMPLES / folder / name


def import_bytes(readers: dict[str, type[Reader]], raw: bytes, source: str) -> tuple[str, list[Activity]]:
    """What the import pipeline does with one file."""
    data = decompress(raw, source, LIMIT)
    reader = pick_reader(readers, data, source)
    return reader.name, reader().read(data, source)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_gzip_of_each_format_is_read(readers: dict[str, type[Reader]], kind: str) -> None:
    raw = sample_path(kind).read_bytes()
    name, plain = import_bytes(readers, raw, f"x.{kind}")
    # Named without .gz on purpose: gzip is recognised by its magic bytes.
    gz_name, packed = import_bytes(readers, gzip.compress(raw), f"x.{kind}")
    assert name == gz_name == kind
    assert plain and packed == plain


def test_content_not_name_decides(readers: dict[str, type[Reader]], tmp_path: Path) -> None:
    disguised = tmp_path / "walk.fit"
    shutil.copyfile(sample_path("gpx"), disguised)
    name, acts = import_bytes(readers, disguised.read_bytes(), str(disguised))
    assert name == "gpx" and acts
    renamed = tmp_path / "walk.gpx"
    shutil.copyfile(sample_path("fit"), renamed)
    assert pick_reader(readers, renamed.read_bytes(), str(renamed)) is FitReader


def test_strava_tcx_with_leading_whitespace_is_claimed(readers: dict[str, type[Reader]]) -> None:
    data = b"\n   " + sample_path("tcx").read_bytes()
    assert pick_reader(readers, data, "a.tcx") is TcxReader
    bom = b"\xef\xbb\xbf" + sample_path("gpx").read_bytes()
    assert pick_reader(readers, bom, "a.gpx") is GpxReader


def test_random_bytes_are_rejected_naming_the_file(readers: dict[str, type[Reader]]) -> None:
    noise = random.Random(7).randbytes(2048)
    with pytest.raises(ReadError) as info:
        pick_reader(readers, noise, "archive/noise.bin")
    message = str(info.value)
    assert message.startswith("archive/noise.bin: not a FIT, GPX or TCX file (starts with b")
    assert info.value.path == "archive/noise.bin"
    with pytest.raises(ReadError, match=r"^e\.fit: empty file$"):
        pick_reader(readers, b"", "e.fit")
    with pytest.raises(ReadError, match="not a FIT, GPX or TCX file"):
        pick_reader(readers, b'<?xml version="1.0"?><kml/>', "map.kml")
    with pytest.raises(ReadError, match="compressed twice"):
        pick_reader(readers, gzip.compress(gzip.compress(b"x")), "double.gz")


def test_only_the_first_4kib_is_sniffed(readers: dict[str, type[Reader]]) -> None:
    late = b" " * SNIFF_BYTES + b"<gpx/>"
    with pytest.raises(ReadError):
        pick_reader(readers, late, "late.gpx")


class _ClaimsAll(Reader):
    name: ClassVar[str] = "aaa"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return True

    def read(self, data: bytes, source: str) -> list[Activity]:
        return []


class _Broken(Reader):
    name: ClassVar[str] = "0broken"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        raise RuntimeError("plugin bug")

    def read(self, data: bytes, source: str) -> list[Activity]:
        return []


def test_order_is_by_name_and_broken_sniffers_are_skipped(readers: dict[str, type[Reader]]) -> None:
    data = sample_path("fit").read_bytes()
    assert pick_reader({**readers, "aaa": _ClaimsAll}, data, "x") is _ClaimsAll
    assert pick_reader({"zzz": _ClaimsAll, **readers}, data, "x") is FitReader
    assert pick_reader({"0broken": _Broken, **readers}, data, "x") is FitReader


def test_plain_data_passes_through() -> None:
    assert decompress(b"abc", "a", 10) == b"abc"
    with pytest.raises(ReadError, match="larger than 2 bytes"):
        decompress(b"abc", "a", 2)


def test_gzip_limits_and_damage() -> None:
    payload = b"walk " * 10_000
    packed = gzip.compress(payload)
    assert decompress(packed, "a.gz", len(payload)) == payload
    with pytest.raises(ReadError, match=rf"^a\.gz: decompresses to more than {len(payload) - 1} bytes$"):
        decompress(packed, "a.gz", len(payload) - 1)
    bomb = gzip.compress(bytes(50_000_000))  # ~50 KB that would expand to 50 MB
    with pytest.raises(ReadError, match="decompresses to more than 1000000 bytes"):
        decompress(bomb, "bomb.gz", 1_000_000)
    with pytest.raises(ReadError, match="truncated"):
        decompress(packed[: len(packed) // 2], "cut.gz", LIMIT)
    with pytest.raises(ReadError, match="corrupt gzip"):
        decompress(b"\x1f\x8b\x08\x00" + b"\xff" * 40, "bad.gz", LIMIT)
    assert decompress(packed + gzip.compress(b"!"), "two.gz", LIMIT) == payload + b"!"
    assert decompress(packed + b"\x00" * 8, "pad.gz", LIMIT) == payload
