"""Issue 13: a runner who follows only the README never gets lost (messages, hints, options anywhere)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.shell_completion import BashComplete

from walkrun.cli.root import cli
from walkrun.domain.models import AthleteProfile
from walkrun.fit.encode import Sport, encode_activity
from walkrun.store import Store

Run = Callable[..., Any]
TODAY = "2026-04-20"
INIT = ("init", "--athlete", "ann", "--condition", "femoral-neck-bsi", "--injury-date", "2026-01-05")


def one_error_line(r: Any) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.exit_code != 0 and len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and lines[0].startswith("walkrun: error: "), r.stderr
    return lines[0]


def walk_fit(folder: Path, day: dt.date, minutes: int = 30) -> Path:
    samples = [(t, 1.6, 114.0, 110) for t in range(minutes * 60)]
    start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=dt.UTC)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"walk-{day}.fit"
    path.write_bytes(encode_activity(start, samples, sport=Sport.WALKING))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("status",),
        ("plan",),
        ("explain",),
        ("log", "--pain-during", "0"),
        ("import", "."),
        ("--athlete", "ann", "status"),
    ],
)
def test_an_empty_store_says_start_with_init_and_creates_nothing(
    run_cli: Run, home: Path, args: tuple[str, ...]
) -> None:
    line = one_error_line(run_cli(*args))
    assert "no athlete yet: start with `walkrun --home" in line and " init --athlete ID " in line, line
    assert not home.exists(), "a failing command must not create the store folder"


@pytest.mark.parametrize("command", ["athletes", "coach"])
def test_athletes_and_coach_say_the_store_is_empty(run_cli: Run, home: Path, command: str) -> None:
    r = run_cli(command)
    assert r.exit_code == 0, r.stderr
    assert "is empty" in r.stdout and "walkrun --home" in r.stdout and "init --athlete ID" in r.stdout
    assert not home.exists()


def test_a_future_injury_date_is_refused_at_init(run_cli: Run, home: Path) -> None:
    line = one_error_line(run_cli("--today", TODAY, *INIT[:-1], "2027-12-15"))
    assert "--injury-date 2027-12-15 is in the future (today is 2026-04-20)" in line
    assert not home.exists()


def test_a_stored_future_injury_date_is_named_plainly_and_coach_lists_it(run_cli: Run, home: Path) -> None:
    assert run_cli("--today", TODAY, *INIT).exit_code == 0
    with Store(home) as store:  # an older walkrun accepted this
        store.save_profile(
            AthleteProfile(athlete_id="bob", condition="low-risk-bsi", injury_date=dt.date(2027, 12, 15))
        )
    line = one_error_line(run_cli("--today", TODAY, "--athlete", "bob", "status"))
    assert "--today 2026-04-20 is before bob's injury date 2027-12-15" in line
    line = one_error_line(run_cli("--athlete", "bob", "plan"))
    assert "bob's injury date 2027-12-15 is in the future" in line and "--today" not in line.split("(")[0]
    assert "init --injury-date YYYY-MM-DD" in line
    text = run_cli("--today", TODAY, "coach").stdout
    assert "bob" in text and "injury date 2027-12-15 is after 2026-04-20" in " ".join(text.split())
    data = json.loads(run_cli("--today", TODAY, "coach", "--json").stdout)
    assert [a["athlete"] for a in data["athletes"]] == ["ann"]
    assert data["problems"][0]["athlete"] == "bob"


def test_global_options_work_after_the_command(run_cli: Run, home: Path) -> None:
    assert run_cli("--today", TODAY, *INIT).exit_code == 0
    assert run_cli("--today", TODAY, "init", "--athlete", "bob", "--condition", "low-risk-bsi",
                   "--injury-date", "2026-02-01").exit_code == 0  # fmt: skip
    r = run_cli("log", "--athlete", "ann", "--today", TODAY, "--walk-min", "30", "--pain-during", "0",
                "--pain-after", "0")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "Logged 2026-04-20 for ann" in r.stdout
    r = run_cli("status", "--json", f"--home={home}", "--athlete=bob", "--today", TODAY, use_home=False)
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["athlete"] == "bob"


def test_mistakes_are_reported_in_plain_words(run_cli: Run, home: Path, tmp_path: Path) -> None:
    line = one_error_line(run_cli("init", "--athlete", "ann smith", "--condition", "low-risk-bsi",
                                  "--injury-date", "2026-01-05"))  # fmt: skip
    assert "athlete id may use letters, digits, - and _ (got 'ann smith')" in line
    line = one_error_line(run_cli("--today", TODAY, *INIT, "--timezone", "Europe/Londn"))
    assert "unknown time zone 'Europe/Londn': did you mean Europe/London?" in line
    assert not home.exists()
    assert run_cli("--today", TODAY, *INIT).exit_code == 0
    diary = tmp_path / "diary.csv"
    diary.write_text("date,pain_during\n2026-03-01,0\n2026/03/02,1\n", encoding="utf-8")
    line = one_error_line(run_cli("--today", TODAY, "diary", str(diary)))
    assert f"{diary}: line 3, column date: '2026/03/02' is not a date: expected YYYY-MM-DD" in line
    line = one_error_line(run_cli("log", "--date", "30/11/2026", "--pain-during", "0"))
    assert "'30/11/2026' is not a date: expected YYYY-MM-DD" in line


def test_bare_walkrun_prints_help_without_an_error(run_cli: Run) -> None:
    r = run_cli(use_home=False)
    assert r.exit_code == 0 and "error" not in r.stderr.lower()
    assert "Usage: walkrun" in r.stdout and "Commands:" in r.stdout


def test_global_options_without_a_command_print_help_too(run_cli: Run) -> None:
    r = run_cli("--athlete", "ann")  # run_cli adds --home
    assert r.exit_code == 0 and "error" not in r.stderr.lower(), r.stderr
    assert "Usage: walkrun" in r.stdout and "Commands:" in r.stdout


def test_help_explains_the_words_and_shows_the_store(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALKRUN_HOME", "/data/walkrun-store")
    text = run_cli("--help", use_home=False).stdout
    for word in ("gate", "W15..W45", "L1, L2", "C20", "referral", "clean session", "explain-term"):
        assert word in text, word
    assert "/data/walkrun-store" in text


@pytest.mark.parametrize(("term", "expected"), [("W30", "brisk-walk"), ("L3", "easy running and walking"),
                                                ("c20", "continuous"), ("gate", "checklist"),
                                                ("referral", "clinician")])  # fmt: skip
def test_explain_term(run_cli: Run, term: str, expected: str) -> None:
    r = run_cli("explain-term", term, use_home=False)
    assert r.exit_code == 0 and expected in " ".join(r.stdout.split()), r.stdout


def test_explain_term_unknown_word_lists_the_known_ones(run_cli: Run) -> None:
    line = one_error_line(run_cli("explain-term", "zzz", use_home=False))
    assert "no explanation for 'zzz'" in line and "gate" in line


def test_tests_prints_how_to_perform_each_clinical_test(run_cli: Run) -> None:
    r = run_cli("tests", "--protocol", "femoral-neck-bsi")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "hip-airplane" in text and "how:" in text and "required for the gate" in text
    assert run_cli("--today", TODAY, *INIT).exit_code == 0
    same = run_cli("tests")  # the athlete's protocol
    assert same.exit_code == 0 and "hip-airplane" in same.stdout
    shown = run_cli("protocols", "--show", "femoral-neck-bsi")
    assert "hip-airplane" in shown.stdout


def test_next_step_hints_keep_the_global_options(run_cli: Run, home: Path, tmp_path: Path) -> None:
    r = run_cli("--today", TODAY, *INIT)
    assert f"next: import your watch files: walkrun --home {home} --athlete ann --today {TODAY} import" in r.stdout
    fit = walk_fit(tmp_path / "watch", dt.date(2026, 4, 18))
    r = run_cli("--today", TODAY, "import", str(fit.parent))
    assert r.exit_code == 0, r.stderr
    assert f"next: log today's check-in with: walkrun --home {home} --athlete ann --today {TODAY} log" in r.stdout
    again = run_cli("--today", TODAY, "import", str(fit.parent))
    assert "log today's check-in" not in again.stdout, "only after the first import"
    r = run_cli("--today", TODAY, "log", "--date", "2026-04-18", "--pain-during", "0", "--pain-after", "0")
    assert f"walkrun --home {home} --athlete ann --today {TODAY} log --date 2026-04-18 --pain-next-morning" in (
        r.stdout
    )


def test_demo_uses_its_own_folder_even_with_walkrun_home_set(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real-store"
    monkeypatch.setenv("WALKRUN_HOME", str(real))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    r = run_cli("demo", "--json", use_home=False)
    assert r.exit_code == 0, r.stderr
    assert not real.exists(), "the demo wrote into the real store"
    assert Path(json.loads(r.stdout)["home"]).parent == tmp_path


def test_home_prints_the_store_path(run_cli: Run, home: Path) -> None:
    assert run_cli("home").stdout.strip() == str(home)
    assert json.loads(run_cli("home", "--json").stdout) == {"home": str(home), "exists": False}


def test_shell_completion_offers_athlete_and_protocol_ids(run_cli: Run, home: Path) -> None:
    assert run_cli("--today", TODAY, *INIT).exit_code == 0
    complete = BashComplete(cli, {}, "walkrun", "_WALKRUN_COMPLETE")
    athletes = complete.get_completions(["--home", str(home), "--athlete"], "a")
    assert [c.value for c in athletes] == ["ann"]
    protocols = complete.get_completions(["tests", "--protocol"], "fem")
    assert [c.value for c in protocols] == ["femoral-neck-bsi"]
