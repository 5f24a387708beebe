"""Protocol files: valid, sourced, and faithful to the clinical rules in DESIGN.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from walkrun.domain.errors import ProtocolError
from walkrun.domain.models import Condition
from walkrun.domain.protocol import Tissue, builtin_protocol_dir, load_protocol_file
from walkrun.plugins.manager import Registry


def test_every_shipped_protocol_validates_and_cites_known_sources(registry: Registry) -> None:
    files = sorted(builtin_protocol_dir().glob("*.toml"))
    assert len(files) >= 4
    for path in files:
        proto = load_protocol_file(path)
        assert proto.id == path.stem
        for key in proto.sources:
            cited = proto.cite(key)
            assert cited and "seed" not in cited and "DESIGN" not in cited, key
        for rule in proto.pain.rules:
            assert rule.source in proto.sources and rule.says


def test_every_condition_has_a_default_protocol(registry: Registry) -> None:
    for condition in Condition:
        assert registry.protocol_for(condition).id


def test_femoral_neck_protocol_matches_the_seed(registry: Registry) -> None:
    p = registry.protocol_for(Condition.FEMORAL_NECK_BSI)
    assert p.id == "femoral-neck-bsi" and p.pain.tissue is Tissue.BONE
    assert p.gate.min_weeks_since_injury == 12
    assert p.gate.walk_min == 45 and p.walk.start_min == 15 and p.walk.goal_min == 45
    assert {"single-leg-step-down", "single-leg-squat", "single-leg-heel-raise"} <= set(p.gate.required_tests)
    assert {"hip-airplane", "adductor-plank"} <= set(p.gate.required_tests)
    assert p.weight_bearing is not None and p.weight_bearing.non_weight_bearing_weeks == (6, 8)
    assert p.strength is not None and len(p.strength.stages) == 6 and p.strength.stage_weeks == (1, 2)
    assert p.clearance_drills is not None and len(p.clearance_drills.drills) == 6
    assert p.pain.clean_max_during == p.pain.clean_max_after == p.pain.clean_max_next_morning == 0
    hop = p.test("single-leg-hop")
    assert hop is not None and hop.hop and "single-leg-hop" not in p.gate.required_tests
    assert p.walk_run.sessions_to_advance >= 2 and p.walk_run.no_consecutive_run_days_weeks >= 8


def test_brigham_ladder_is_reproduced_exactly(registry: Registry) -> None:
    p = registry.protocol("brigham-walk-jog")
    ladder = [(lv.id, lv.repeats, [(b.kind, b.min) for b in lv.pattern]) for lv in p.walk_run.levels]
    assert ladder == [
        ("I", 5, [("walk", 5), ("run", 1)]),
        ("II", 5, [("walk", 4), ("run", 2)]),
        ("III", 5, [("walk", 3), ("run", 3)]),
        ("IV", 5, [("walk", 2), ("run", 4)]),
    ]
    assert all(lv.run_s + lv.walk_s == 30 * 60 for lv in p.walk_run.levels)
    assert p.walk_run.warmup_min == 0 and p.walk_run.cooldown_min == 0
    assert p.continuous.durations_min[p.continuous.durations_min.index(30)] == 30
    assert p.continuous.durations_min[-1] == 45
    assert p.continuous.max_weekly_increase_pct == 10
    assert p.walk_run.no_consecutive_run_days_weeks == 8
    assert p.walk_run.sessions_to_advance == 2  # the military trial: each stage at least twice
    actions = {r.signal: r.action for r in p.pain.rules}
    assert actions["night"] == "rest_then_drop" and actions["during"] == "drop" and actions["next_morning"] == "drop"


def test_soft_tissue_protocol_tolerates_mild_settling_pain(registry: Registry) -> None:
    p = registry.protocol_for(Condition.GLUTEAL_TENDINOPATHY)
    assert p.pain.tissue is Tissue.SOFT_TISSUE
    assert p.pain.clean_max_during >= 2 and p.pain.clean_max_after >= 2
    assert p.pain.clean_max_next_morning == 0 and p.pain.require_next_morning


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def test_bad_protocol_files_fail_with_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match=r"p\.toml: not valid TOML"):
        load_protocol_file(_write(tmp_path, "id = ["))
    with pytest.raises(ProtocolError, match=r"p\.toml: invalid protocol at"):
        load_protocol_file(_write(tmp_path, 'id = "x"\nname = "x"\n'))
    good = (builtin_protocol_dir() / "low-risk-bsi.toml").read_text()
    with pytest.raises(ProtocolError, match="unknown source"):
        load_protocol_file(
            _write(tmp_path, good.replace('source = "bwh"\nadvance_source', 'source = "nope"\nadvance_source'))
        )
    with pytest.raises(ProtocolError, match="hop"):
        load_protocol_file(
            _write(
                tmp_path, good.replace('required_tests = ["single-leg-step-down"', 'required_tests = ["single-leg-hop"')
            )
        )
    with pytest.raises(ProtocolError, match="continuous step"):
        load_protocol_file(_write(tmp_path, good.replace("durations_min = [20, 22,", "durations_min = [20, 30,")))
