"""EKS Pod Identity trust policies (components/_iam.py pod_identity_trust): each role may be assumed
only for the one service account, namespace and cluster its association names, by the session tags
EKS Pod Identity sets (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components._iam import pod_identity_trust_document
from mlinfra.engine import Plan, PlannedResource, run_program
from stacks.loading import load_settings
from tests.components.kafka.test_strimzi_delivery import STACK as STRIMZI_SINK_STACK

ROLE = "aws:iam/role:Role"
ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ADDON = "aws:eks/addon:Addon"
TAGS = ("eks-cluster-name", "kubernetes-namespace", "kubernetes-service-account")


def assumable(trust: dict[str, Any], tags: dict[str, str]) -> bool:
    """Whether EKS Pod Identity, sending these session tags, may assume a role with this trust."""
    for st in trust["Statement"]:
        if st["Effect"] != "Allow" or st["Principal"] != {"Service": "pods.eks.amazonaws.com"}:
            continue
        if {"sts:AssumeRole", "sts:TagSession"} - set(st["Action"]):
            continue
        wanted = st.get("Condition", {}).get("StringEquals", {})
        if all(tags.get(key.removeprefix("aws:RequestTag/")) == value for key, value in wanted.items()):
            return True
    return False


def _tags(cluster: str, namespace: str, service_account: str) -> dict[str, str]:
    return dict(zip(TAGS, (cluster, namespace, service_account), strict=True))


def test_the_trust_admits_only_its_own_service_account() -> None:
    trust = json.loads(pod_identity_trust_document("mlinfra-prod", "vision", "vision"))
    assert assumable(trust, _tags("mlinfra-prod", "vision", "vision"))
    # A near miss on each tag: another team's service account, namespace, or another cluster.
    assert not assumable(trust, _tags("mlinfra-prod", "vision", "recsys"))
    assert not assumable(trust, _tags("mlinfra-prod", "recsys", "vision"))
    assert not assumable(trust, _tags("mlinfra-dev", "vision", "vision"))
    # An association with session tags disabled sends none: refused, not admitted.
    assert not assumable(trust, {})


def test_an_unconditioned_trust_is_what_the_check_refuses() -> None:
    # The trust before this change: any association in the account could name the role.
    open_trust = json.loads(pod_identity_trust_document("c", "n", "s"))
    del open_trust["Statement"][0]["Condition"]
    assert assumable(open_trust, _tags("c", "other", "other")), "the evaluator must see an open trust as open"


def _bindings(plan: Plan) -> list[tuple[PlannedResource, dict[str, str]]]:
    """(role, the session tags its association gives) for every Pod Identity association of the plan."""
    roles = {r.urn: r for r in plan.of_type(ROLE)}
    found = []
    for a in plan.of_type(ASSOCIATION):
        (role,) = [roles[u] for u in a.property_dependencies["roleArn"] if u in roles]
        found.append((role, _tags(a.inputs["clusterName"], a.inputs["namespace"], a.inputs["serviceAccount"])))
    for addon in plan.of_type(ADDON):
        for assoc in addon.inputs.get("podIdentityAssociations") or []:
            (role,) = [roles[u] for u in addon.property_dependencies["podIdentityAssociations"] if u in roles]
            # EKS add-ons (vpc-cni, aws-ebs-csi-driver) run their service accounts in kube-system.
            found.append((role, _tags(addon.inputs["clusterName"], "kube-system", assoc["serviceAccount"])))
    return found


def _check(plan: Plan) -> None:
    bindings = _bindings(plan)
    pod_roles = [r for r in plan.of_type(ROLE) if "pods.eks.amazonaws.com" in r.inputs["assumeRolePolicy"]]
    assert sorted(r.name for r, _ in bindings) == sorted(r.name for r in pod_roles), "every Pod Identity role is associated"
    for role, tags in bindings:
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert assumable(trust, tags), f"{role.name}: its own association {tags} is refused"
        other = {**tags, "kubernetes-service-account": tags["kubernetes-service-account"] + "-other"}
        assert not assumable(trust, other), f"{role.name}: another service account may assume it"
        assert not assumable(trust, {**tags, "kubernetes-namespace": "default"}), f"{role.name}: any namespace may assume it"


def test_every_pod_identity_role_trusts_only_its_association(any_plan: Plan) -> None:
    _check(any_plan)
    assert {r.name for r, _ in _bindings(any_plan)} >= {"cluster-autoscaler-role", "load-balancer-controller-role"}


@pytest.fixture(scope="module")
def strimzi_sink_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    stack = tmp_path_factory.mktemp("stack") / "Pulumi.dev.yaml"
    stack.write_text(STRIMZI_SINK_STACK)
    return run_program(load_settings("dev", stack_file=stack))


def test_the_kafka_connect_role_trusts_only_the_connect_workers(strimzi_sink_plan: Plan) -> None:
    _check(strimzi_sink_plan)
    connect = [(r, t) for r, t in _bindings(strimzi_sink_plan) if t["kubernetes-service-account"].endswith("-connect")]
    assert connect, "the lake_sink plan has a Kafka Connect role"
