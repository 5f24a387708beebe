"""The ``json`` writer: the document, its determinism, and the committed JSON Schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from walkrun.app.schema import SCHEMA_ID, PlanDocument, plan_json_schema, plan_json_schema_text
from walkrun.app.views import dumps, plan_view
from walkrun.builtin.writers import json_doc as json_writer
from walkrun.builtin.writers.json_doc import JsonWriter, plan_document, plan_from_view
from walkrun.domain.history import history_from_log
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Plan
from walkrun.engine.progression import build_plan
from walkrun.engine.simulate import follow_plan
from walkrun.plugins.manager import make_plugin_manager
from walkrun.plugins.writers import ExportContext

REPO = Path(__file__).resolve().parents[1]
COMMITTED_SCHEMA = REPO / "docs" / "plan.schema.json"
INJURY = dt.date(2026, 1, 5)
REGENERATE = "python -m walkrun.app.schema > docs/plan.schema.json"


def _scenario(kind: str) -> tuple[Plan, ExportContext]:
    """Real plans from the engine: one runner in walk-run after a pain drop, one still walking."""
    protocol = make_plugin_manager(load_entrypoints=False, env={}).protocol("femoral-neck-bsi")
    profile = AthleteProfile.model_validate(
        {
            "athlete_id": "ann",
            "name": "Ann Example",
            "condition": "femoral-neck-bsi",
            "injury_date": INJURY,
            "full_weight_bearing_date": dt.date(2026, 3, 2),
        }
    )
    if kind == "walk-run":
        checkins, clinical = follow_plan(
            profile,
            protocol,
            dt.date(2026, 3, 2),
            dt.date(2026, 4, 20),
            pain={dt.date(2026, 4, 15): {"pain_during": 2, "pain_after": 1, "pain_next_morning": 0}},
            tests_on=dt.date(2026, 3, 31),
        )
        history = history_from_log(checkins, clinical)
        plan = build_plan(profile, protocol, history, dt.date(2026, 4, 20), horizon_days=180)
    else:
        history = history_from_log([], [])
        plan = build_plan(profile, protocol, history, dt.date(2026, 3, 2), horizon_days=28)
    return plan, ExportContext(profile=profile, protocol=protocol, history=history)


@pytest.fixture(scope="module", params=["walk-run", "gate-closed"])
def scenario(request: pytest.FixtureRequest) -> tuple[Plan, ExportContext]:
    return _scenario(request.param)


@pytest.fixture
def written(scenario: tuple[Plan, ExportContext], tmp_path: Path) -> tuple[Plan, ExportContext, Path]:
    plan, context = scenario
    paths = JsonWriter().write(plan, context, tmp_path)
    assert paths == [tmp_path / "ann-plan.json"]
    return plan, context, paths[0]


def test_document_wraps_the_cli_plan_view(written: tuple[Plan, ExportContext, Path]) -> None:
    plan, context, path = written
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == ["schema", "plan", "athlete", "protocol", "past"]
    assert doc["schema"] == SCHEMA_ID == "walkrun-plan/1"
    # The same shape `walkrun plan --json` prints, so scripts read either.
    assert doc["plan"] == json.loads(dumps(plan_view(plan)))
    assert doc["athlete"]["id"] == "ann"
    assert doc["athlete"]["name"] == "Ann Example"
    assert doc["athlete"]["injury_date"] == "2026-01-05"
    assert doc["athlete"]["full_weight_bearing_date"] == "2026-03-02"
    assert doc["protocol"] == {"id": context.protocol.id, "name": context.protocol.name}


def test_output_is_byte_identical_when_regenerated(scenario: tuple[Plan, ExportContext], tmp_path: Path) -> None:
    plan, context = scenario
    first = JsonWriter().write(plan, context, tmp_path / "a")[0].read_bytes()
    second = JsonWriter().write(plan, context, tmp_path / "b")[0].read_bytes()
    third = JsonWriter().write(plan, context, tmp_path / "a")[0].read_bytes()  # overwrite in place
    assert first == second == third
    assert first.endswith(b"\n")


def test_plan_round_trips_through_the_file(written: tuple[Plan, ExportContext, Path]) -> None:
    plan, _, path = written
    doc = json.loads(path.read_text(encoding="utf-8"))
    # history_days is bookkeeping the view does not carry.
    assert plan_from_view(doc["plan"]) == plan.model_copy(update={"history_days": 0})


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED_SCHEMA.is_file(), f"docs/plan.schema.json is missing; create it with: {REGENERATE}"
    assert COMMITTED_SCHEMA.read_text(encoding="utf-8") == plan_json_schema_text(), (
        f"docs/plan.schema.json is out of date with walkrun.app.schema; regenerate it with: {REGENERATE}"
    )


def test_schema_module_prints_the_committed_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "walkrun.app.schema"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out == plan_json_schema_text()
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_output_matches_the_schema_models(written: tuple[Plan, ExportContext, Path]) -> None:
    # Unknown keys are forbidden and every key is required, so this fails as
    # soon as plan_view and walkrun.app.schema disagree (no jsonschema needed).
    PlanDocument.model_validate_json(written[2].read_text(encoding="utf-8"))


def _doc(scenario: tuple[Plan, ExportContext]) -> dict[str, Any]:
    plan, context = scenario
    return json.loads(dumps(plan_document(plan, context.profile, context.protocol)))


def _drifted(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents a drifted view would produce: an added key, a lost key, a wrong enum."""
    added = copy.deepcopy(doc)
    added["plan"]["sessions"][0]["new_key"] = 1
    lost = copy.deepcopy(doc)
    del lost["plan"]["gate"]["earliest_date"]
    bad_enum = copy.deepcopy(doc)
    bad_enum["plan"]["sessions"][0]["kind"] = "swim"
    null_step = copy.deepcopy(doc)
    null_step["plan"]["sessions"][0]["steps"][0]["duration_s"] = None
    return [added, lost, bad_enum, null_step]


def test_schema_models_reject_drift(scenario: tuple[Plan, ExportContext]) -> None:
    for bad in _drifted(_doc(scenario)):
        with pytest.raises(ValidationError):
            PlanDocument.model_validate(bad)


def test_jsonschema_validates_writer_output(written: tuple[Plan, ExportContext, Path]) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is optional; the pydantic checks cover the shape")
    schema = json.loads(COMMITTED_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    doc = json.loads(written[2].read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    for bad in _drifted(doc):
        assert not validator.is_valid(bad)


def test_schema_describes_every_view_key(scenario: tuple[Plan, ExportContext]) -> None:
    schema = plan_json_schema()
    defs = schema["$defs"]
    doc = _doc(scenario)
    assert set(schema["required"]) == set(doc)
    assert set(defs["PlanDoc"]["required"]) == set(doc["plan"])
    assert set(defs["SessionDoc"]["required"]) == set(doc["plan"]["sessions"][0])
    assert set(defs["DecisionDoc"]["required"]) == set(doc["plan"]["decisions"][0])
    assert set(defs["GateDoc"]["required"]) == set(doc["plan"]["gate"])
    assert set(defs["AthleteDoc"]["required"]) == set(doc["athlete"])


def test_registered_as_a_writer_plugin() -> None:
    registry = make_plugin_manager(load_entrypoints=False, env={}, extra=[json_writer])
    assert registry.writer("json") is JsonWriter
    assert JsonWriter.extension == ".json"
