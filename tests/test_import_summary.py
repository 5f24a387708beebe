"""The import summary adds up (issue 13): duplicates inside one import, an empty folder, hints that keep --home."""

from __future__ import annotations

import shlex
import zipfile
from pathlib import Path
from typing import Any

from walkrun.app import samplegen

ARCHIVE = Path(__file__).resolve().parents[1] / "samples" / samplegen.ARCHIVE_NAME


def _init(run_cli: Any) -> None:
    r = run_cli("init", "--athlete", "ann", "--condition", "femoral-neck-bsi", "--injury-date", "2025-12-15")
    assert r.exit_code == 0, r.stderr


def _folder_with_a_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "watch"
    folder.mkdir()
    with zipfile.ZipFile(ARCHIVE) as zf:
        names = [n for n in zf.namelist() if n.endswith(".gpx")][:2]
        for n in names:
            (folder / Path(n).name).write_bytes(zf.read(n))
        (folder / "copy-of-first.gpx").write_bytes(zf.read(names[0]))
    return folder


def test_first_import_names_duplicates_inside_it_not_already_there(run_cli: Any, tmp_path: Path) -> None:
    _init(run_cli)
    folder = _folder_with_a_copy(tmp_path)
    first = run_cli("--athlete", "ann", "--today", "2026-04-20", "import", str(folder))
    assert first.exit_code == 0, first.stderr
    assert "Imported 2 activities from 3 files for ann: 1 duplicates inside this import." in first.stdout
    assert "already there" not in first.stdout
    again = run_cli("--athlete", "ann", "--today", "2026-04-20", "import", str(folder))
    assert "Imported 0 activities from 3 files for ann: 3 already there." in again.stdout
    assert "inside this import" not in again.stdout


def test_empty_folder_says_so_with_a_hint_and_fails(run_cli: Any, tmp_path: Path) -> None:
    _init(run_cli)
    empty = tmp_path / "empty"
    (empty / ".hidden").mkdir(parents=True)
    r = run_cli("--athlete", "ann", "import", str(empty))
    assert r.exit_code != 0
    assert "nothing to import: no files in" in r.stderr and ".zip" in r.stderr
    assert "Imported" not in r.stdout
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_see_them_hint_keeps_home_and_the_other_global_options(run_cli: Any, home: Path, tmp_path: Path) -> None:
    _init(run_cli)
    folder = _folder_with_a_copy(tmp_path)
    r = run_cli("--athlete", "ann", "--today", "2026-04-20", "import", str(folder))
    hint = next(line for line in r.stdout.splitlines() if line.startswith("See them with: "))
    words = shlex.split(hint.removeprefix("See them with: "))
    assert words == ["walkrun", "--home", str(home), "--today", "2026-04-20", "--athlete", "ann", "activities"]
    # Copying it reads the same store.
    listed = run_cli(*words[1:], use_home=False)
    assert listed.exit_code == 0 and "2 activities" in listed.stdout


def test_without_home_on_the_command_line_the_hint_has_none(run_cli: Any, home: Path, tmp_path: Path,
                                                            monkeypatch: Any) -> None:  # fmt: skip
    monkeypatch.setenv("WALKRUN_HOME", str(home))
    r = run_cli("init", "--athlete", "ann", "--condition", "femoral-neck-bsi", "--injury-date", "2025-12-15",
                use_home=False)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    r = run_cli("import", str(_folder_with_a_copy(tmp_path)), use_home=False)
    assert "See them with: walkrun --athlete ann activities" in r.stdout
