"""Condition safety floors: the minimums no protocol can relax, applied before any planning.

``effective_protocol`` returns the protocol tightened to its condition's floors
(the time floor, zero pain, the referral rule, protected loading, the clinical
battery and how recently it was passed), inheriting what it lacks from the
condition's reference protocol. The engine only ever plans with the result, so
a general ladder chosen for a femoral-neck fracture keeps every floor.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from pydantic import BaseModel, ConfigDict

from walkrun.domain.models import Condition
from walkrun.domain.protocol import PainRule, Protocol, Source, Tissue, builtin_protocol_dir, load_protocol_file
from walkrun.domain.vocab import PainAction, PainSignal

FLOOR_SOURCE = "walkrun-floor"


class Floors(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reference_protocol: str
    min_weeks_since_injury: int = 0
    zero_pain: bool = False
    refer_at_score: int | None = None
    protected_loading: bool = False
    clinical_battery: bool = False
    tests_valid_days: int | None = None
    gate_walks: bool = False
    hop_needs_clearance: bool = False


@functools.cache
def _all_floors() -> dict[str, Floors]:
    text = resources.files("walkrun").joinpath("data/floors.toml").read_text(encoding="utf-8")
    return {k: Floors.model_validate(v) for k, v in tomllib.loads(text).items()}


def floors_for(condition: Condition) -> Floors | None:
    return _all_floors().get(condition.value)


@functools.cache
def _reference(protocol_id: str) -> Protocol:
    return load_protocol_file(builtin_protocol_dir() / f"{protocol_id}.toml")


def describe(condition: Condition) -> list[str]:
    """The floors that apply to a condition, in plain words (printed by ``walkrun init``)."""
    f = floors_for(condition)
    if f is None:
        return []
    out = []
    if f.protected_loading:
        out.append("protected loading until full weight-bearing (date from your clinician or a cautious estimate)")
    if f.min_weeks_since_injury:
        out.append(f"no running before {f.min_weeks_since_injury} weeks after the injury")
    if f.zero_pain:
        out.append("pain must be zero during, after and the next morning for any step forward")
    if f.refer_at_score:
        out.append(f"pain of {f.refer_at_score}/10 or more pauses everything until a clinician review is recorded")
    if f.clinical_battery:
        out.append(f"the clinical test battery passed within {f.tests_valid_days} days before running starts")
    if f.hop_needs_clearance:
        out.append("hops and plyometrics only after the time floor and a clinician's hop-test clearance")
    return out


def effective_protocol(protocol: Protocol, condition: Condition) -> Protocol:
    """``protocol`` tightened to the condition's floors (unchanged when it already meets them)."""
    f = floors_for(condition)
    if f is None:
        return protocol
    return _tightened(protocol, f, _reference(f.reference_protocol))


def _tightened(p: Protocol, f: Floors, ref: Protocol) -> Protocol:
    sources = dict(p.sources)
    sources.setdefault(
        FLOOR_SOURCE, Source(cite="walkrun-default", note="condition safety floor that no protocol may relax")
    )
    for key, src in ref.sources.items():
        sources.setdefault(f"{ref.id}:{key}", src)

    def ref_key(key: str) -> str:
        return f"{ref.id}:{key}" if key else FLOOR_SOURCE

    gate = p.gate.model_copy(
        update={
            "min_weeks_since_injury": max(p.gate.min_weeks_since_injury, f.min_weeks_since_injury),
            "tests_valid_days": min(p.gate.tests_valid_days, f.tests_valid_days or p.gate.tests_valid_days),
        }
    )
    update: dict[str, object] = {"sources": sources}
    tests = list(p.clinical_tests)
    if f.clinical_battery:
        known = {t.id for t in tests}
        tests += [t.model_copy(update={"source": ref_key(t.source)}) for t in ref.clinical_tests if t.id not in known]
        required = list(dict.fromkeys([*gate.required_tests, *ref.gate.required_tests]))
        gate = gate.model_copy(update={"required_tests": required})
    if f.gate_walks:
        g = ref.gate
        gate = gate.model_copy(
            update={
                "walk_min": max(gate.walk_min, g.walk_min),
                "walks_per_week": max(gate.walks_per_week, g.walks_per_week),
                "window_weeks": max(gate.window_weeks, g.window_weeks),
                "pain_free_days": max(gate.pain_free_days, g.pain_free_days),
            }
        )
        if p.walk.goal_min < gate.walk_min:
            update["walk"] = p.walk.model_copy(update={"goal_min": gate.walk_min})
    update["gate"] = gate
    update["clinical_tests"] = tests
    if f.protected_loading and p.weight_bearing is None and ref.weight_bearing is not None:
        update["weight_bearing"] = ref.weight_bearing.model_copy(update={"source": ref_key(ref.weight_bearing.source)})
    update["pain"] = _pain_floor(p, f)
    return Protocol.model_validate({**p.model_dump(), **{k: _dump(v) for k, v in update.items()}})


def _pain_floor(p: Protocol, f: Floors) -> object:
    pain = p.pain
    if f.zero_pain:
        pain = pain.model_copy(
            update={
                "tissue": Tissue.BONE,
                "clean_max_during": 0,
                "clean_max_after": 0,
                "clean_max_next_morning": 0,
                "require_next_morning": True,
            }
        )
    refer_ok = any(
        r.action is PainAction.STOP_AND_REFER and r.signal is PainSignal.ANY and r.min_score <= (f.refer_at_score or 11)
        for r in pain.rules
    )
    if f.refer_at_score and not refer_ok:
        rule = PainRule(
            id="severe-pain-refer",
            source=FLOOR_SOURCE,
            signal=PainSignal.ANY,
            min_score=f.refer_at_score,
            action=PainAction.STOP_AND_REFER,
            levels=1,
            says=(
                f"Pain of {f.refer_at_score}/10 or more at a bone stress site: stop and see your clinician; "
                "running resumes one level lower after a recorded clinician review."
            ),
        )
        pain = pain.model_copy(update={"rules": [rule, *pain.rules]})
    return pain


def _dump(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value
