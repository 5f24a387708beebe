"""Regenerate the demo's sample history: python samples/generate.py

Writes a Strava-style bulk export (FIT, GPX and TCX walks with activities.csv)
and a pain diary, byte for byte what `walkrun demo` imports. The generator
lives in the package (walkrun.app.samplegen) so the demo works from an installed
wheel too; a test checks these committed files match it.
"""

from __future__ import annotations

from pathlib import Path

from walkrun.app import samplegen

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    (HERE / samplegen.ARCHIVE_NAME).write_bytes(samplegen.build_archive())
    (HERE / samplegen.DIARY_NAME).write_text(samplegen.build_diary(), encoding="utf-8")
    print(f"wrote {HERE / samplegen.ARCHIVE_NAME} and {HERE / samplegen.DIARY_NAME}")
