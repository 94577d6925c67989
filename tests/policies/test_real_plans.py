"""The pack against the real offline plans: the shipped stacks pass, and breaking one property
of the real prod plan is caught by the matching rule (mutation tests)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from components.catalog import tokens
from mlinfra.engine import Plan, PlannedResource
from mlinfra.policy import PolicyResult, evaluate
from policies.pack import POLICIES_BY_NAME
from tests.policies.support import shipped_config as env_config  # the shipped config, date pinned


@pytest.fixture(scope="module")
def prod_result(prod_plan: Plan) -> PolicyResult:
    return evaluate(prod_plan, env_config("prod"), source="prod")


def test_shipped_plans_have_no_mandatory_violations(any_plan: Plan) -> None:
    env = any_plan.outputs["environment"]
    result = evaluate(any_plan, env_config(env), source=env)
    assert result.mandatory == [], "\n".join(f"{v.policy}: {v.message}" for v in result.mandatory)


def test_prod_runs_every_rule_and_the_plan_exercises_them(prod_plan: Plan, prod_result: PolicyResult) -> None:
    assert set(prod_result.levels.values()) == {"mandatory"}
    assert prod_result.violations == []
    # The plan really contains what the rules look at, so "no violations" is not vacuous.
    for type_ in (
        "aws:s3/bucket:Bucket",
        "aws:kms/key:Key",
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:ec2/launchTemplate:LaunchTemplate",
        tokens.TEAM,
    ):
        assert prod_plan.of_type(type_), f"prod plan has no {type_}"
    assert any("p4d" in t for r in prod_plan.of_type("aws:eks/nodeGroup:NodeGroup") for t in r.inputs.get("instanceTypes", []))


def mutate(plan: Plan, type_: str, name: str, change: Callable[[PlannedResource], PlannedResource | None]) -> Plan:
    """A copy of ``plan`` with one resource changed (``change`` gets a deep copy; None deletes it)."""
    resources, hit = [], False
    for r in plan.resources:
        if r.type == type_ and r.name == name:
            hit = True
            r = change(replace(r, inputs=copy.deepcopy(r.inputs)))
            if r is None:
                continue
        resources.append(r)
    assert hit, f"no {type_} {name!r} in the {plan.stack} plan"
    return replace(plan, resources=resources, extras={})


def _set(path: str, value):
    def change(r: PlannedResource) -> PlannedResource:
        *parents, leaf = path.split(".")
        node = r.inputs
        for key in parents:
            node = node.setdefault(key, {})
        if value is _DROP:
            node.pop(leaf, None)
        else:
            node[leaf] = value
        return r

    return change


_DROP = object()
NG, LT, BUCKET = "aws:eks/nodeGroup:NodeGroup", "aws:ec2/launchTemplate:LaunchTemplate", "aws:s3/bucket:Bucket"
EKS, KEY = "aws:eks/cluster:Cluster", "aws:kms/key:Key"
S3 = "aws:s3/bucket{}:Bucket{}".format
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"

MUTATIONS = [
    # (rule expected to fire, resource type, resource name, mutation, resource the violation names)
    ("mlinfra-required-tags", "aws:ec2/vpc:Vpc", "network-vpc", _set("tags.cost-center", _DROP), "network-vpc"),
    ("mlinfra-team-resources-tagged", "aws:iam/role:Role", "team-vision-role", _set("tags.team", _DROP), "team-vision-role"),
    ("aws-eks-gpu-node-group-gpu-taint", NG, "gpu-training", _set("taints", []), "gpu-training"),
    ("aws-eks-gpu-node-group-nvidia-ami", NG, "gpu-inference", _set("amiType", "AL2023_x86_64_STANDARD"), "gpu-inference"),
    ("aws-eks-node-group-max-size-cap", NG, "gpu-training", _set("scalingConfig.maxSize", 17), "gpu-training"),
    (
        "aws-eks-node-group-instance-type-allowlist",
        NG,
        "cluster-system",
        _set("instanceTypes", ["x2iedn.32xlarge"]),
        "cluster-system",
    ),
    ("aws-eks-cluster-endpoint-not-public", EKS, "cluster-eks", _set("vpcConfig.endpointPublicAccess", True), "cluster-eks"),
    ("aws-eks-cluster-control-plane-logs", EKS, "cluster-eks", _set("enabledClusterLogTypes", ["api", "audit"]), "cluster-eks"),
    ("aws-eks-cluster-secrets-encryption", EKS, "cluster-eks", _set("encryptionConfig", _DROP), "cluster-eks"),
    ("aws-eks-cluster-supported-version", EKS, "cluster-eks", _set("version", "1.31"), "cluster-eks"),
    ("mlinfra-stateful-resources-protected", BUCKET, "data-lake-raw", lambda r: replace(r, protect=False), "data-lake-raw"),
    ("mlinfra-stateful-resources-protected", KEY, "cluster-secrets", lambda r: replace(r, protect=False), "cluster-secrets"),
    ("aws-kms-key-rotation-enabled", KEY, "data-lake-key", _set("enableKeyRotation", False), "data-lake-key"),
    ("aws-kms-key-deletion-window", KEY, "data-lake-key", _set("deletionWindowInDays", 7), "data-lake-key"),
    ("aws-s3-bucket-no-force-destroy", BUCKET, "data-lake-curated", _set("forceDestroy", True), "data-lake-curated"),
    ("aws-s3-bucket-no-public-acl", BUCKET, "data-lake-models", _set("acl", "public-read"), "data-lake-models"),
    (
        "aws-s3-bucket-require-sse-kms",
        S3("ServerSideEncryptionConfiguration", "ServerSideEncryptionConfiguration"),
        "data-lake-raw",
        lambda r: None,
        "data-lake-raw",
    ),
    (
        "aws-s3-bucket-require-versioning",
        S3("Versioning", "Versioning"),
        "data-lake-features",
        _set("versioningConfiguration.status", "Suspended"),
        "data-lake-features",
    ),
    (
        "aws-s3-bucket-public-access-block",
        S3("PublicAccessBlock", "PublicAccessBlock"),
        "data-lake-raw",
        _set("ignorePublicAcls", False),
        "data-lake-raw",
    ),
    ("aws-s3-bucket-tls-only-policy", S3("Policy", "Policy"), "data-lake-curated", lambda r: None, "data-lake-curated"),
    (
        "aws-s3-raw-zone-lifecycle",
        S3("LifecycleConfiguration", "LifecycleConfiguration"),
        "data-lake-raw",
        lambda r: None,
        "data-lake-raw",
    ),
    ("aws-ec2-launch-template-imdsv2", LT, "gpu-training", _set("metadataOptions.httpTokens", "optional"), "gpu-training"),
    ("aws-ec2-launch-template-encrypted-volumes", LT, "gpu-inference", lambda r: _unencrypt(r), "gpu-inference"),
    (
        "aws-ec2-vpc-default-security-group-closed",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "network-default-sg",
        _set("ingress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]),
        "network-default-sg",
    ),
    (
        "aws-ec2-vpc-default-security-group-closed",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "network-default-sg",
        lambda r: None,
        "network-vpc",
    ),
    (
        "aws-cloudwatch-log-group-encrypted-with-cmk",
        "aws:cloudwatch/logGroup:LogGroup",
        "cluster-control-plane",
        _set("kmsKeyId", _DROP),
        "cluster-control-plane",
    ),
    ("aws-kms-key-explicit-policy", KEY, "cluster-secrets", _set("policy", _DROP), "cluster-secrets"),
    (
        "aws-kms-key-explicit-policy",
        KEY,
        "data-lake-key",
        lambda r: _grant_all(r, "arn:aws:iam::123456789012:role/x"),
        "data-lake-key",
    ),
    ("aws-kms-key-explicit-policy", KEY, "data-lake-replica-key", lambda r: _grant_all(r, "*"), "data-lake-replica-key"),
    ("aws-s3-bucket-deny-other-kms-keys", S3("Policy", "Policy"), "data-lake-models", lambda r: _tls_only(r), "data-lake-models"),
    (
        "aws-s3-bucket-deny-other-kms-keys",
        S3("Policy", "Policy"),
        "data-lake-raw-replica",
        lambda r: _tls_only(r),
        "data-lake-raw-replica",
    ),
    ("aws-s3-lake-zone-replicated", REPLICATION, "data-lake-raw", lambda r: None, "data-lake-raw"),
    ("aws-s3-lake-zone-replicated", REPLICATION, "data-lake-models", lambda r: _disable_replication(r), "data-lake-models"),
    (
        "mlinfra-stateful-resources-protected",
        BUCKET,
        "data-lake-raw-replica",
        lambda r: replace(r, protect=False),
        "data-lake-raw-replica",
    ),
    ("mlinfra-stateful-resources-protected", REPLICATION, "data-lake-raw", lambda r: replace(r, protect=False), "data-lake-raw"),
    # Budgets (components.catalog.cost): 12 p4d.24xlarge x 8 GPUs + 10 g6 = 106 GPUs > 96, yet within the
    # per-pool cap of 16; 16 p4d nodes also exceed the $250,000 monthly budget. Stack-wide: no resource.
    ("mlinfra-gpu-budget", NG, "gpu-training", _set("scalingConfig.maxSize", 12), ""),
    ("mlinfra-monthly-cost-budget", NG, "gpu-training", _set("scalingConfig.maxSize", 16), ""),
]


def _grant_all(r: PlannedResource, principal: str) -> PlannedResource:
    document = json.loads(r.inputs["policy"])
    document["Statement"].append(
        {"Sid": "Oops", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}
    )
    r.inputs["policy"] = json.dumps(document)
    return r


def _tls_only(r: PlannedResource) -> PlannedResource:
    document = json.loads(r.inputs["policy"])
    document["Statement"] = [st for st in document["Statement"] if st["Sid"] == "DenyInsecureTransport"]
    r.inputs["policy"] = json.dumps(document)
    return r


def _disable_replication(r: PlannedResource) -> PlannedResource:
    for rule in r.inputs["rules"]:
        rule["status"] = "Disabled"
    return r


def _unencrypt(r: PlannedResource) -> PlannedResource:
    for mapping in r.inputs["blockDeviceMappings"]:
        mapping["ebs"]["encrypted"] = "false"
    return r


@pytest.mark.parametrize(("rule", "type_", "name", "change", "culprit"), MUTATIONS, ids=[f"{m[0]}:{m[2]}" for m in MUTATIONS])
def test_breaking_the_prod_plan_is_caught_by_the_matching_rule(prod_plan, rule, type_, name, change, culprit) -> None:
    broken = mutate(prod_plan, type_, name, change)
    policy = POLICIES_BY_NAME[rule]
    before = evaluate(prod_plan, env_config("prod"), policies=[policy])
    after = evaluate(broken, env_config("prod"), policies=[policy])
    assert before.violations == [], f"{rule} already fails on the unmodified prod plan"
    assert [v.name for v in after.mandatory] == [culprit], f"{rule} did not catch the change to {name}: {after.violations}"


def test_a_mutation_is_caught_by_the_whole_pack_and_only_by_the_matching_rules(prod_plan) -> None:
    broken = mutate(prod_plan, NG, "gpu-training", _set("taints", []))
    result = evaluate(broken, env_config("prod"))
    assert result.names("mandatory") == {"aws-eks-gpu-node-group-gpu-taint"}


def test_dev_config_allows_what_prod_forbids(dev_plan) -> None:
    # The same change is advisory (tags) in dev and mandatory in prod: enforcement is config.
    broken = mutate(dev_plan, "aws:ec2/vpc:Vpc", "network-vpc", _set("tags.cost-center", _DROP))
    result = evaluate(broken, env_config("dev"))
    assert [v.policy for v in result.advisory] == ["mlinfra-required-tags"] and result.mandatory == []
