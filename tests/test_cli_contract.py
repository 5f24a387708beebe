"""The CLI forms the issue fixes as a contract for scripts, and their JSON shapes."""

from __future__ import annotations

import datetime as dt
import json

from conftest import INJURY

TESTS = [
    "single-leg-step-down",
    "single-leg-squat",
    "single-leg-heel-raise",
    "hip-airplane",
    "loaded-carry-march",
    "bridge-straight-leg-raise",
    "dead-bug-band",
    "lateral-toe-tap-loaded",
    "adductor-plank",
]


def _init(run_cli, athlete="ann", injury=INJURY):
    r = run_cli(
        "--today", "2026-06-01", "init", "--athlete", athlete, "--condition", "femoral-neck-bsi",
        "--injury-date", str(injury), "--timezone", "Europe/London",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r


def _ready_runner(run_cli, athlete="ann"):
    """Past 12 weeks, pain-free 45-min walks 4x/week for 3 weeks, all tests passed."""
    _init(run_cli, athlete)
    day = INJURY + dt.timedelta(weeks=10)
    end = INJURY + dt.timedelta(weeks=13)
    while day <= end:
        if day.weekday() in (0, 2, 4, 6):
            r = run_cli(
                "--athlete",
                athlete,
                "--today",
                str(end),
                "log",
                "--date",
                str(day),
                "--walk-min",
                "45",
                "--pain-during",
                "0",
                "--pain-after",
                "0",
                "--pain-next-morning",
                "0",
            )
            assert r.exit_code == 0, r.stderr
        day += dt.timedelta(days=1)
    for test in TESTS:
        r = run_cli(
            "--athlete",
            athlete,
            "--today",
            str(end),
            "clinical",
            "--date",
            str(end - dt.timedelta(days=2)),
            "--test",
            test,
            "--result",
            "pass",
        )
        assert r.exit_code == 0, r.stderr
    return end


def test_eight_weeks_after_injury_gate_is_closed_on_weeks(run_cli):
    _init(run_cli)
    today = INJURY + dt.timedelta(weeks=8)
    r = run_cli("--athlete", "ann", "--today", str(today), "status", "--json")
    assert r.exit_code == 0, r.stderr
    status = json.loads(r.stdout)
    assert status["gate"]["open"] is False
    weeks = next(c for c in status["gate"]["criteria"] if "weeks since injury" in c["name"])
    assert weeks["met"] is False
    assert "8.0 weeks" in weeks["evidence"]
    assert weeks["source"]
    for c in status["gate"]["criteria"]:
        assert set(c) >= {"name", "met", "evidence", "source"}
    plan = json.loads(run_cli("--athlete", "ann", "--today", str(today), "plan", "--json", "--weeks", "12").stdout)
    assert all(s["run_s"] == 0 for s in plan["sessions"])


def test_ready_runner_sees_walk_run_sessions(run_cli):
    end = _ready_runner(run_cli)
    today = end + dt.timedelta(days=1)
    status = json.loads(run_cli("--athlete", "ann", "--today", str(today), "status", "--json").stdout)
    assert status["gate"]["open"] is True, status["gate"]
    assert status["phase"] == "walk-run"
    plan = json.loads(run_cli("--athlete", "ann", "--today", str(today), "plan", "--json").stdout)
    runs = [s for s in plan["sessions"] if s["run_s"] > 0]
    assert runs, "expected walk-run sessions once the gate is open"
    first = runs[0]
    assert first["kind"] == "walk_run"
    assert {"date", "kind", "steps", "run_s", "walk_s"} <= set(first)
    repeat = next(st for st in first["steps"] if st["kind"] == "repeat")
    assert repeat["repeat_count"] >= 1 and {s["kind"] for s in repeat["steps"]} == {"run", "walk"}
    for d in plan["decisions"]:
        assert d["rule"] and d["evidence"] and d["source"]


def test_pain_report_drops_next_session_and_explain_says_why(run_cli):
    end = _ready_runner(run_cli)
    day = end + dt.timedelta(days=1)
    # Follow the plan cleanly for three weeks, with next-morning reports.
    last = day + dt.timedelta(days=21)
    while day <= last:
        plan = json.loads(run_cli("--athlete", "ann", "--today", str(day), "plan", "--json", "--weeks", "1").stdout)
        s = plan["sessions"][0]
        if s["run_s"]:
            run_cli(
                "--athlete",
                "ann",
                "--today",
                str(day),
                "log",
                "--date",
                str(day),
                "--walk-min",
                str(s["walk_s"] / 60),
                "--run-min",
                str(s["run_s"] / 60),
                "--pain-during",
                "0",
                "--pain-after",
                "0",
                "--pain-next-morning",
                "0",
            )
        day += dt.timedelta(days=1)
    status = json.loads(run_cli("--athlete", "ann", "--today", str(day), "status", "--json").stdout)
    level_before = status["level"]
    assert level_before not in ("L1", None), "three clean weeks should have advanced at least once"
    plan = json.loads(run_cli("--athlete", "ann", "--today", str(day), "plan", "--json").stdout)
    run_day = next(s for s in plan["sessions"] if s["run_s"])
    pain_day = run_day["date"]
    r = run_cli(
        "--athlete",
        "ann",
        "--today",
        pain_day,
        "log",
        "--date",
        pain_day,
        "--walk-min",
        str(run_day["walk_s"] / 60),
        "--run-min",
        str(run_day["run_s"] / 60),
        "--pain-during",
        "3",
        "--pain-after",
        "1",
    )
    assert r.exit_code == 0, r.stderr
    nxt = dt.date.fromisoformat(pain_day) + dt.timedelta(days=1)
    plan = json.loads(run_cli("--athlete", "ann", "--today", str(nxt), "plan", "--json").stdout)
    next_run = next(s for s in plan["sessions"] if s["run_s"])
    assert next_run["level"] < level_before  # L3 < L4: one level lower
    explain = json.loads(run_cli("--athlete", "ann", "--today", str(nxt), "explain", "--json").stdout)
    drops = [d for d in explain["decisions"] if d["action"] == "drop" and d["date"] == pain_day]
    assert drops and drops[0]["rule"] == "pain:pain-during-drop"
    assert ("during 3/10" in drops[0]["evidence"] and "001_" in drops[0]["source"]) or "Brigham" in drops[0]["source"]
    text = run_cli("--athlete", "ann", "--today", str(nxt), "explain").stdout
    assert "pain-during-drop" in text and "evidence:" in text and "source:" in text


def test_plan_json_is_byte_identical(run_cli):
    end = _ready_runner(run_cli)
    args = ("--athlete", "ann", "--today", str(end), "plan", "--json", "--weeks", "8")
    a, b = run_cli(*args), run_cli(*args)
    assert a.exit_code == 0 and a.stdout == b.stdout


def test_protocols_json(run_cli):
    r = run_cli("protocols", "--json")
    data = json.loads(r.stdout)
    ids = {p["id"] for p in data["protocols"]}
    assert {"femoral-neck-bsi", "low-risk-bsi", "brigham-walk-jog", "gluteal-tendinopathy"} <= ids
    for p in data["protocols"]:
        assert p["conditions"] and p["levels"] and "required_clinical_tests" in p


def test_plugins_json_lists_builtins(run_cli):
    data = json.loads(run_cli("plugins", "--json").stdout)
    names = {p["name"] for p in data["plugins"]}
    assert "walkrun.builtin.protocols" in names


def test_errors_are_one_line(run_cli):
    cases = [
        ("--athlete", "nobody", "status"),
        ("--today", "2026-13-01", "status"),
        (
            "init",
            "--athlete",
            "x",
            "--condition",
            "femoral-neck-bsi",
            "--injury-date",
            "2026-01-05",
            "--protocol",
            "nope",
        ),
    ]
    _init(run_cli)
    cases.append(("--athlete", "ann", "--today", "2026-06-01", "log", "--pain-during", "11"))
    cases.append(("--athlete", "ann", "--today", "2026-06-01", "clinical", "--test", "made-up", "--result", "pass"))
    cases.append(
        ("--athlete", "ann", "--today", "2026-06-01", "clinical", "--test", "single-leg-hop", "--result", "pass")
    )
    for args in cases:
        r = run_cli(*args)
        assert r.exit_code != 0, args
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, (args, r.stderr)
        assert "Traceback" not in r.stderr and lines[0].startswith("walkrun: error:"), r.stderr


def test_several_athletes_in_one_store(run_cli):
    _init(run_cli, "ann")
    _init(run_cli, "bob", INJURY + dt.timedelta(days=30))
    data = json.loads(run_cli("athletes", "--json").stdout)
    assert [a["athlete"] for a in data["athletes"]] == ["ann", "bob"]
    r = run_cli("--today", "2026-06-01", "status")
    assert r.exit_code != 0 and "--athlete" in r.stderr
