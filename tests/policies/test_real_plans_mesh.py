"""The mesh and serving rules against the real offline plans: the shipped stacks pass, and
breaking one property of the real plan is caught by the matching rule (mutation tests)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from mlinfra.engine import Plan
from mlinfra.policy import evaluate
from tests.policies.support import shipped_config

PEER = "kubernetes:security.istio.io/v1:PeerAuthentication"
VS = "kubernetes:networking.istio.io/v1:VirtualService"
AP = "kubernetes:security.istio.io/v1:AuthorizationPolicy"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RULES = (
    "mlinfra-mesh-mtls-strict",
    "mlinfra-mesh-no-fault-injection",
    "mlinfra-mesh-team-allow-nothing",
    "mlinfra-mesh-no-allow-all-sources",
    "mlinfra-mesh-virtual-service-weights",
    "mlinfra-model-server-image-pinned",
)


def mutate(plan: Plan, type_: str, name: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Plan:
    resources, hit = [], False
    for r in plan.resources:
        if r.type == type_ and r.name == name:
            hit = True
            inputs = change(copy.deepcopy(r.inputs))
            if inputs is None:
                continue
            r = replace(r, inputs=inputs)
        resources.append(r)
    assert hit, f"no {type_} {name!r} in the {plan.stack} plan"
    return replace(plan, resources=resources, extras={})


def violations(plan: Plan, env: str) -> dict[str, list[str]]:
    result = evaluate(plan, shipped_config(env), source=env)
    found: dict[str, list[str]] = {}
    for v in result.violations:
        found.setdefault(v.policy, []).append(v.message)
    return found


def test_shipped_plans_pass_the_mesh_rules(any_plan: Plan) -> None:
    env = any_plan.outputs["environment"]
    found = violations(any_plan, env)
    assert not {r: m for r, m in found.items() if r in RULES}
    assert len(any_plan.of_type(VS)) == 2 and any_plan.of_type(PEER), "the rules have something to check"


def _set_mode(mode: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(inputs: dict[str, Any]) -> dict[str, Any]:
        inputs["spec"]["mtls"]["mode"] = mode
        return inputs

    return change


def _fault(inputs: dict[str, Any]) -> dict[str, Any]:
    inputs["spec"]["http"][0]["fault"] = {"abort": {"percentage": {"value": 50.0}, "httpStatus": 503}}
    return inputs


def _weights(inputs: dict[str, Any]) -> dict[str, Any]:
    inputs["spec"]["http"][0]["route"][1]["weight"] = 30
    return inputs


def _open(inputs: dict[str, Any]) -> dict[str, Any]:
    inputs["spec"]["rules"][0]["from"] = [{"source": {"namespaces": ["*"]}}]
    return inputs


def _latest(inputs: dict[str, Any]) -> dict[str, Any]:
    inputs["spec"]["template"]["spec"]["containers"][0]["image"] = "tensorflow/serving:latest"
    return inputs


@pytest.mark.parametrize(
    ("env", "type_", "name", "change", "rule", "text"),
    [
        ("prod", PEER, "mesh-peer-authentication", _set_mode("PERMISSIVE"), "mlinfra-mesh-mtls-strict", "'PERMISSIVE'"),
        ("staging", PEER, "mesh-peer-authentication", _set_mode("PERMISSIVE"), "mlinfra-mesh-mtls-strict", "set STRICT"),
        ("prod", VS, "serving-recsys-recommend-virtual-service", _fault, "mlinfra-mesh-no-fault-injection", "injects faults"),
        (
            "prod",
            VS,
            "serving-recsys-recommend-virtual-service",
            _weights,
            "mlinfra-mesh-virtual-service-weights",
            "adds up to 120",
        ),
        ("prod", AP, "team-recsys-mesh-allow-teams", _open, "mlinfra-mesh-no-allow-all-sources", "namespaces ['*']"),
        (
            "prod",
            AP,
            "team-vision-mesh-allow-nothing",
            lambda i: None,
            "mlinfra-mesh-team-allow-nothing",
            "team namespace 'vision'",
        ),
        (
            "prod",
            DEPLOYMENT,
            "serving-recsys-recommend-recommend-v1",
            _latest,
            "mlinfra-model-server-image-pinned",
            "uses :latest",
        ),
    ],
)
def test_mutation_is_caught(
    env: str, type_: str, name: str, change: Callable, rule: str, text: str, request: pytest.FixtureRequest
) -> None:
    plan: Plan = request.getfixturevalue(f"{env}_plan")
    found = violations(mutate(plan, type_, name, change), env)
    assert rule in found, f"{rule} missed the mutation of {name}; got {sorted(found)}"
    assert any(text in m for m in found[rule]), found[rule]


def test_dev_allows_permissive_and_fault_drills(dev_plan: Plan) -> None:
    plan = mutate(dev_plan, PEER, "mesh-peer-authentication", _set_mode("PERMISSIVE"))
    found = violations(plan, "dev")
    assert "mlinfra-mesh-mtls-strict" not in found and "mlinfra-mesh-no-fault-injection" not in found
    assert dev_plan.get(VS, "serving-recsys-recommend-virtual-service").inputs["spec"]["http"][0].get("fault"), (
        "dev runs the drill"
    )
