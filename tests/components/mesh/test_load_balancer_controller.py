"""LoadBalancerController on the recorded plan: pinned chart, its Pod Identity role with the
upstream IAM policy unchanged, credentials before the first pod."""

from __future__ import annotations

import json

from components.mesh.load_balancer_controller import IAM_POLICY_FILE, LOAD_BALANCER_CONTROLLER_CHART
from mlinfra.engine import Plan

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_load_balancer_controller(prod_plan: Plan) -> None:
    release = prod_plan.get(RELEASE, "load-balancer-controller-release")
    assert (release.inputs["chart"], release.inputs["version"]) == (
        "aws-load-balancer-controller",
        LOAD_BALANCER_CONTROLLER_CHART.version,
    )
    assert release.inputs["namespace"] == "kube-system"
    values = release.inputs["values"]
    assert values["clusterName"] == "mlinfra-prod" and values["region"] == "us-east-1"
    assert values["serviceAccount"]["name"] == "aws-load-balancer-controller"
    assert values["enableServiceMutatorWebhook"] is False
    association = prod_plan.get("aws:eks/podIdentityAssociation:PodIdentityAssociation", "load-balancer-controller-pod-identity")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        "kube-system",
        "aws-load-balancer-controller",
    )
    assert association.urn in release.dependencies, "credentials before the first pod"
    policy = prod_plan.get("aws:iam/policy:Policy", "load-balancer-controller-policy")
    document = json.loads(policy.inputs["policy"])
    assert document == json.loads(IAM_POLICY_FILE.read_text()), "the upstream policy, unchanged"
    actions = {a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert "elasticloadbalancing:CreateLoadBalancer" in actions and "ec2:AuthorizeSecurityGroupIngress" in actions
