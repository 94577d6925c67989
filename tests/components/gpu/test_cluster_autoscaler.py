"""ClusterAutoscaler: Pod Identity role scoped to this cluster, and the release's values."""

from __future__ import annotations

import json

import pytest

from components.gpu.cluster_autoscaler import CLUSTER_AUTOSCALER_CHART, ClusterAutoscalerArgs, cluster_autoscaler_values
from mlinfra.engine import Plan
from tests._golden import assert_golden_yaml

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_role_is_bound_through_pod_identity(any_plan: Plan) -> None:
    role = any_plan.get("aws:iam/role:Role", "cluster-autoscaler-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}, role.name
    association = any_plan.get("aws:eks/podIdentityAssociation:PodIdentityAssociation", "cluster-autoscaler-pod-identity")
    assert association.inputs["namespace"] == "kube-system", association.name
    assert association.inputs["serviceAccount"] == "cluster-autoscaler", association.name
    assert association.inputs["clusterName"] == any_plan.outputs["cluster_name"], association.name
    assert role.urn in association.property_dependencies["roleArn"], association.name
    release = any_plan.get(RELEASE, "cluster-autoscaler-release")
    assert association.urn in release.dependencies, f"{release.name} must start after its credentials exist"
    assert release.inputs["values"]["rbac"]["serviceAccount"]["name"] == "cluster-autoscaler", release.name


def test_policy_resizes_only_this_clusters_node_groups(prod_plan: Plan) -> None:
    policy = prod_plan.get("aws:iam/rolePolicy:RolePolicy", "cluster-autoscaler-policy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    resize = statements["ResizeOwnNodeGroups"]
    assert set(resize["Action"]) == {"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}
    assert resize["Condition"]["StringEquals"] == {
        "aws:ResourceTag/k8s.io/cluster-autoscaler/mlinfra-prod": "owned",
        "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
    }, policy.name
    assert statements["DescribeOwnNodegroups"]["Resource"] == ("arn:aws:eks:us-east-1:123456789012:nodegroup/mlinfra-prod/*/*"), (
        policy.name
    )
    writes = [a for s in statements.values() for a in s["Action"] if not a.split(":")[1].startswith(("Describe", "Get"))]
    assert sorted(writes) == sorted(resize["Action"]), f"{policy.name}: only the resize statement may write"


def test_release_values(prod_plan: Plan) -> None:
    release = prod_plan.get(RELEASE, "cluster-autoscaler-release")
    inputs = release.inputs
    assert (inputs["chart"], inputs["version"]) == (CLUSTER_AUTOSCALER_CHART.name, CLUSTER_AUTOSCALER_CHART.version), release.name
    assert inputs["repositoryOpts"]["repo"] == "https://kubernetes.github.io/autoscaler", release.name
    assert inputs["namespace"] == "kube-system", release.name
    values = inputs["values"]
    assert values["autoDiscovery"]["clusterName"] == "mlinfra-prod" and values["awsRegion"] == "us-east-1"
    version = prod_plan.get("aws:eks/cluster:Cluster", "cluster-eks").inputs["version"]
    assert values["image"]["tag"].startswith(f"v{version}."), f"{release.name}: the image minor follows Kubernetes {version}"
    assert values["nodeSelector"] == {"mlinfra.io/node-role": "system"}, release.name
    extra = values["extraArgs"]
    assert extra["expander"] == "least-waste", release.name
    assert extra["scale-down-gpu-utilization-threshold"] == 0.5, release.name
    assert (extra["scale-down-delay-after-add"], extra["scale-down-unneeded-time"]) == ("10m", "10m"), release.name
    assert not [n for n in prod_plan.of_type("kubernetes:core/v1:Namespace") if n.name.startswith("cluster-autoscaler")], (
        "kube-system is never created by the add-on"
    )


def test_values_match_golden() -> None:
    args = ClusterAutoscalerArgs(
        cluster_name="mlinfra-prod",
        eks_cluster_name="mlinfra-prod",
        cluster_arn="arn:aws:eks:us-east-1:123456789012:cluster/mlinfra-prod",
        region="us-east-1",
        kubernetes_version="1.33",
        k8s_provider=None,  # type: ignore[arg-type] - rendering values never touches the provider
        expander="least-nodes",
        scale_down_unneeded_time="20m",
    )
    assert_golden_yaml("helm/cluster-autoscaler.yaml", cluster_autoscaler_values(args))


def test_unsupported_kubernetes_version_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"kubernetes_version must be one of \['1.33', '1.34', '1.35'\], got '1.29'"):
        ClusterAutoscalerArgs(
            cluster_name="c",
            eks_cluster_name="c",
            cluster_arn="arn",
            region="us-east-1",
            kubernetes_version="1.29",
            k8s_provider=None,  # type: ignore[arg-type]
        )


def test_every_supported_kubernetes_version_has_an_image() -> None:
    from components.catalog.kubernetes import SUPPORTED_VERSIONS as SUPPORTED_KUBERNETES_VERSIONS
    from components.cluster.cluster import ADDON_VERSIONS
    from components.gpu.cluster_autoscaler import IMAGE_TAGS

    for version in SUPPORTED_KUBERNETES_VERSIONS:
        assert IMAGE_TAGS[version].startswith(f"v{version}."), f"cluster-autoscaler image for {version}"
        assert version in ADDON_VERSIONS, f"add-on versions for Kubernetes {version}"
