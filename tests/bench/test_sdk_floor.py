"""bench/sdk_floor.py: the SDK floor replays a plan's own registrations, nothing more or less."""

from __future__ import annotations

import json

from bench.sdk_floor import DoNothingMocks, floor_records, registration_order, replay
from mlinfra.engine import Plan

SECRET_PLACEHOLDER = "[secret]"


def test_replay_registers_the_plans_type_name_set_with_the_same_input_keys(dev_plan: Plan) -> None:
    records = json.loads(json.dumps(floor_records(dev_plan)))  # the benchmark hands it over as JSON
    mocks = DoNothingMocks(keep_inputs=True)
    registered = replay(records, mocks=mocks)
    # Default providers are the engine's addition after the run: the program never registered them.
    expected = [(r.type, r.name) for r in dev_plan.resources if not r.name.startswith("default_")]
    assert len(registered) == len(set(registered))
    assert sorted(registered) == sorted(expected)
    for r in dev_plan.resources:
        if r.custom and not r.name.startswith("default_"):
            assert set(mocks.inputs[(r.type, r.name)]) == set(r.inputs), r.urn


def test_registration_order_puts_parents_providers_and_dependencies_first(dev_plan: Plan) -> None:
    records = floor_records(dev_plan)
    ordered = registration_order(list(reversed(records)))  # worst case: children first
    position = {r["urn"]: i for i, r in enumerate(ordered)}
    assert sorted(position) == sorted(r["urn"] for r in records)
    for r in ordered:
        needed = [r["parent"], r["provider"].split("::")[0], *r["dependencies"]]
        for urn in needed:
            if urn in position:
                assert position[urn] < position[r["urn"]], (urn, r["urn"])


def test_secrets_stay_secrets_in_the_replay(dev_plan: Plan) -> None:
    secret_inputs = [r for r in dev_plan.resources if SECRET_PLACEHOLDER in json.dumps(r.to_state()["inputs"])]
    assert secret_inputs, "the dev plan has secret inputs (the SCRAM password Secret)"
    records = floor_records(dev_plan)
    by_urn = {rec["urn"]: rec for rec in records}
    for r in secret_inputs:
        assert "__floor_secret__" in json.dumps(by_urn[r.urn]["inputs"])
