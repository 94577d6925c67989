"""Cluster, asserted on the recorded offline plans of the shipped stacks."""

from __future__ import annotations

import json

import pytest

from components.catalog import tokens
from components.catalog.kubernetes import ADDON_VERSIONS
from components.catalog.schema import is_taggable
from components.cluster.cluster import ClusterArgs
from mlinfra.engine import Plan, Secret
from stacks.cluster_settings import ALL_LOG_TYPES

EKS = "aws:eks/cluster:Cluster"
KEY = "aws:kms/key:Key"
REQUIRED_TAGS = ("environment", "managed-by", "cost-center")


def test_secrets_are_envelope_encrypted_with_a_rotating_key(any_plan: Plan) -> None:
    cluster = any_plan.get(EKS, "cluster-eks")
    key = any_plan.get(KEY, "cluster-secrets")
    enc = cluster.inputs["encryptionConfig"]
    assert enc["resources"] == ["secrets"], f"{cluster.name}: {enc}"
    assert enc["provider"]["keyArn"].startswith("arn:aws:kms:"), f"{cluster.name}: {enc}"
    assert cluster.property_dependencies["encryptionConfig"] == (key.urn,), "encryption must use cluster-secrets"
    assert key.inputs["enableKeyRotation"] is True, f"{key.name} does not rotate"


@pytest.mark.parametrize(
    "stack,logs",
    [("dev", ["api", "audit", "authenticator"]), ("staging", list(ALL_LOG_TYPES)), ("prod", list(ALL_LOG_TYPES))],
)
def test_control_plane_logs_the_configured_types(stack: str, logs: list[str], request: pytest.FixtureRequest) -> None:
    cluster = request.getfixturevalue(f"{stack}_plan").get(EKS, "cluster-eks")
    assert cluster.inputs["enabledClusterLogTypes"] == logs, cluster.name


def test_prod_endpoint_is_private(prod_plan: Plan) -> None:
    vpc = prod_plan.get(EKS, "cluster-eks").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is False
    assert vpc["endpointPrivateAccess"] is True
    assert "0.0.0.0/0" not in vpc.get("publicAccessCidrs", [])


def test_authentication_uses_access_entries_only(any_plan: Plan) -> None:
    access = any_plan.get(EKS, "cluster-eks").inputs["accessConfig"]
    assert access["authenticationMode"] == "API", "aws-auth ConfigMap must not be used"


def test_cluster_and_nodes_sit_in_private_subnets(any_plan: Plan) -> None:
    private = {r.urn for r in any_plan.of_type("aws:ec2/subnet:Subnet") if "-private-" in r.name}
    cluster = any_plan.get(EKS, "cluster-eks")
    assert set(cluster.property_dependencies["vpcConfig"]) >= private
    for group in any_plan.of_type("aws:eks/nodeGroup:NodeGroup"):
        assert set(group.property_dependencies["subnetIds"]) <= private, f"{group.name} uses a non-private subnet"


def test_system_node_group_requires_imdsv2_and_encrypted_gp3(prod_plan: Plan) -> None:
    group = prod_plan.get("aws:eks/nodeGroup:NodeGroup", "cluster-system")
    template = prod_plan.get("aws:ec2/launchTemplate:LaunchTemplate", "cluster-system")
    assert template.urn in group.property_dependencies["launchTemplate"]
    assert group.inputs["amiType"] == "AL2023_x86_64_STANDARD"
    assert group.inputs["capacityType"] == "ON_DEMAND"
    assert group.inputs["scalingConfig"] == {"minSize": 3, "maxSize": 6, "desiredSize": 3}
    meta = template.inputs["metadataOptions"]
    assert meta["httpTokens"] == "required", f"{template.name}: IMDSv1 allowed"
    assert meta["httpPutResponseHopLimit"] == 1
    ebs = template.inputs["blockDeviceMappings"][0]["ebs"]
    assert ebs == {"volumeSize": 100, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}


def test_addons_are_pinned_to_the_table(any_plan: Plan) -> None:
    version = any_plan.get(EKS, "cluster-eks").inputs["version"]
    addons = {a.inputs["addonName"]: a for a in any_plan.of_type("aws:eks/addon:Addon")}
    assert set(addons) == set(ADDON_VERSIONS[version])
    for name, addon in addons.items():
        assert addon.inputs["addonVersion"] == ADDON_VERSIONS[version][name], f"add-on {name} is not pinned"


def test_addons_that_call_aws_use_pod_identity(dev_plan: Plan) -> None:
    for addon, sa in (("vpc-cni", "aws-node"), ("aws-ebs-csi-driver", "ebs-csi-controller-sa")):
        resource = dev_plan.get("aws:eks/addon:Addon", f"cluster-{addon}")
        (assoc,) = resource.inputs["podIdentityAssociations"]
        assert assoc["serviceAccount"] == sa, f"{addon}: {assoc}"
        role = dev_plan.get("aws:iam/role:Role", f"cluster-{addon}")
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}


def test_every_taggable_aws_resource_has_the_three_tags(any_plan: Plan) -> None:
    checked = 0
    for r in any_plan.resources:
        if not is_taggable(r.type):
            continue
        tags = r.inputs.get("tags") or {}
        missing = [t for t in REQUIRED_TAGS if t not in tags]
        assert not missing, f"{r.type} {r.name} lacks tags {missing}"
        assert tags["managed-by"] == "mlinfra", r.name
        checked += 1
    assert checked > 20, "the plan should hold many taggable resources"


def test_children_are_parented_to_their_component(dev_plan: Plan) -> None:
    component = dev_plan.get(tokens.CLUSTER, "cluster")
    expected = [
        (EKS, "cluster-eks"),
        (KEY, "cluster-secrets"),
        ("aws:iam/role:Role", "cluster-node"),
        ("aws:eks/nodeGroup:NodeGroup", "cluster-system"),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cluster-oidc"),
        ("pulumi:providers:kubernetes", "cluster-k8s"),
        *[
            ("aws:eks/addon:Addon", f"cluster-{addon}")
            for addon in ADDON_VERSIONS[dev_plan.get(EKS, "cluster-eks").inputs["version"]]
        ],
    ]
    for type_, name in expected:
        assert dev_plan.get(type_, name).parent == component.urn, f"{type_} {name} is not parented to the Cluster"
    assert len(dev_plan.children(component.urn)) >= 20


def test_prod_protects_and_retains_the_cluster_and_key(prod_plan: Plan, dev_plan: Plan) -> None:
    for type_, name in ((EKS, "cluster-eks"), (KEY, "cluster-secrets")):
        prod = prod_plan.get(type_, name)
        assert prod.protect and prod.retain_on_delete, f"prod {name} must be protected and retained"
        dev = dev_plan.get(type_, name)
        assert not dev.protect and not dev.retain_on_delete, f"dev {name} should be disposable"
    assert prod_plan.get(EKS, "cluster-eks").inputs["deletionProtection"] is True
    assert prod_plan.get(KEY, "cluster-secrets").inputs["deletionWindowInDays"] == 30


def test_kubernetes_provider_gets_a_secret_kubeconfig(dev_plan: Plan) -> None:
    provider = dev_plan.get("pulumi:providers:kubernetes", "cluster-k8s")
    assert isinstance(provider.inputs["kubeconfig"], Secret), "kubeconfig must be a Pulumi secret"
    assert isinstance(dev_plan.outputs["kubeconfig"], Secret)
    config = json.loads(provider.inputs["kubeconfig"].value)
    assert config["users"][0]["user"]["exec"]["args"][:2] == ["eks", "get-token"], "no static token in kubeconfig"
    text = dev_plan.dumps()
    assert "get-token" not in text and '"[secret]"' in text, "the kubeconfig leaked into the plan JSON"


def test_cluster_args_reject_an_unpinned_version() -> None:
    with pytest.raises(ValueError, match=r"kubernetes_version must be one of \['1.33', '1.34', '1.35'\]"):
        ClusterArgs(cluster_name="c", kubernetes_version="1.20", vpc_id="v", private_subnet_ids=[], region="us-west-2")


def test_vpc_cni_enforces_network_policies(dev_plan: Plan) -> None:
    cni = dev_plan.get("aws:eks/addon:Addon", "cluster-vpc-cni")
    assert json.loads(cni.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}, (
        "without the network-policy agent the teams' NetworkPolicies are not enforced"
    )


def test_cni_and_kube_proxy_come_before_nodes_and_coredns_after(dev_plan: Plan) -> None:
    nodes = dev_plan.get("aws:eks/nodeGroup:NodeGroup", "cluster-system")
    for addon in ("eks-pod-identity-agent", "vpc-cni", "kube-proxy"):
        urn = dev_plan.get("aws:eks/addon:Addon", f"cluster-{addon}").urn
        assert urn in nodes.dependencies, f"cluster-system must wait for {addon}: nodes are NotReady without it"
    for addon in ("coredns", "aws-ebs-csi-driver"):
        deps = dev_plan.get("aws:eks/addon:Addon", f"cluster-{addon}").dependencies
        assert nodes.urn in deps, f"{addon} is a Deployment and needs nodes"
    agent = dev_plan.get("aws:eks/addon:Addon", "cluster-eks-pod-identity-agent").urn
    assert agent in dev_plan.get("aws:eks/addon:Addon", "cluster-vpc-cni").dependencies


ADMINS = ("arn:aws:iam::123456789012:role/platform-admin", "arn:aws:iam::123456789012:role/ops/oncall")


def _admin_entry_names(roles: tuple[str, ...]) -> dict[str, str]:
    from mlinfra.engine import run_program
    from stacks.loading import load_settings
    from stacks.platform import build_platform

    settings = load_settings("dev").model_copy(update={"admin_role_arns": roles})
    plan = run_program(settings, program=build_platform)
    return {e.name: e.inputs["principalArn"] for e in plan.of_type("aws:eks/accessEntry:AccessEntry") if "-admin-" in e.name}


def test_admin_access_entries_are_keyed_by_role_not_position() -> None:
    names = _admin_entry_names(ADMINS)
    assert names == {"cluster-admin-platform-admin": ADMINS[0], "cluster-admin-ops-oncall": ADMINS[1]}, names
    assert _admin_entry_names(tuple(reversed(ADMINS))) == names, "reordering admin_role_arns must rename nothing"


def test_a_role_listed_twice_is_refused() -> None:
    from stacks.errors import ConfigError
    from stacks.loading import settings_from_config

    config = {"aws:region": "us-west-2", "mlinfra:environment": "dev", "mlinfra:admin_role_arns": [ADMINS[0], ADMINS[0]]}
    with pytest.raises(ConfigError, match=r"mlinfra:admin_role_arns: list each role once \(roles named \['platform-admin'\]"):
        settings_from_config(config, stack="dev", source="Pulumi.dev.yaml")
