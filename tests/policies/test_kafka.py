"""Kafka rules: MSK transit/auth/at-rest encryption, durability (both backends), Strimzi listeners."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mlinfra.policy import evaluate
from policies.pack import POLICIES_BY_NAME
from policies.rules import (
    aws_msk_cluster_client_authentication,
    aws_msk_cluster_encrypted_with_cmk,
    aws_msk_cluster_tls_in_transit,
    mlinfra_kafka_durability,
    strimzi_kafka_tls_and_authorization,
)
from tests.policies.support import check_resource, check_stack, resource
from tests.policies.support import shipped_config as env_config
from tests.policies.test_real_plans import _set, mutate

MSK = "aws:msk/cluster:Cluster"
KAFKA = "kubernetes:kafka.strimzi.io/v1:Kafka"
POOL = "kubernetes:kafka.strimzi.io/v1:KafkaNodePool"
TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic"
KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/abc"
GOOD_MSK: dict[str, Any] = {
    "numberOfBrokerNodes": 3,
    "encryptionInfo": {"encryptionAtRestKmsKeyArn": KEY_ARN, "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True}},
    "clientAuthentication": {"sasl": {"iam": True, "scram": False}, "unauthenticated": False},
}


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(base))
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return data


def test_msk_tls_in_transit() -> None:
    policy = aws_msk_cluster_tls_in_transit.POLICY
    assert check_resource(policy, MSK, GOOD_MSK) == []
    assert check_resource(policy, MSK, {}) == [], "unset means AWS's default: TLS, in-cluster on"
    (plain,) = check_resource(
        policy, MSK, _with(GOOD_MSK, "encryptionInfo.encryptionInTransit.clientBroker", "TLS_PLAINTEXT"), name="m"
    )
    assert "'m' allows clientBroker='TLS_PLAINTEXT'" in plain and "client_broker='TLS'" in plain
    (inside,) = check_resource(policy, MSK, _with(GOOD_MSK, "encryptionInfo.encryptionInTransit.inCluster", False))
    assert "in_cluster=True" in inside


def test_msk_client_authentication() -> None:
    policy = aws_msk_cluster_client_authentication.POLICY
    assert check_resource(policy, MSK, GOOD_MSK) == []
    none = check_resource(policy, MSK, {k: v for k, v in GOOD_MSK.items() if k != "clientAuthentication"})
    assert len(none) == 2 and "no client authentication" in none[0] and "unauthenticated" in none[1]
    (anonymous,) = check_resource(policy, MSK, _with(GOOD_MSK, "clientAuthentication.unauthenticated", True))
    assert "unauthenticated=False" in anonymous
    (off,) = check_resource(policy, MSK, _with(GOOD_MSK, "clientAuthentication.sasl.iam", False))
    assert "sasl.iam=True" in off


def test_msk_encrypted_with_customer_key() -> None:
    policy = aws_msk_cluster_encrypted_with_cmk.POLICY
    assert check_resource(policy, MSK, GOOD_MSK) == []
    (managed,) = check_resource(policy, MSK, _with(GOOD_MSK, "encryptionInfo.encryptionAtRestKmsKeyArn", ""), name="m")
    assert "'m' is encrypted at rest with the AWS-managed key" in managed


def _kafka_spec(isr: int = 2, *, authorization: bool = True, tls: bool = True) -> dict[str, Any]:
    kafka: dict[str, Any] = {
        "listeners": [{"name": "tls", "port": 9093, "type": "internal", "tls": tls, "authentication": {"type": "scram-sha-512"}}],
        "config": {"min.insync.replicas": isr},
    }
    if authorization:
        kafka["authorization"] = {"type": "simple"}
    return {"spec": {"kafka": kafka}}


def _strimzi(brokers: int = 3, isr: int = 2, replicas: int = 3) -> list:
    return [
        resource(KAFKA, "kafka-kafka", _kafka_spec(isr)),
        resource(POOL, "kafka-pool-controllers", {"spec": {"replicas": 3, "roles": ["controller"]}}),
        resource(POOL, "kafka-pool-brokers", {"spec": {"replicas": brokers, "roles": ["broker"]}}),
        resource(TOPIC, "kafka-topic-vision.clicks", {"spec": {"replicas": replicas, "config": {"min.insync.replicas": "2"}}}),
    ]


def test_durability_strimzi() -> None:
    policy = mlinfra_kafka_durability.POLICY
    assert check_stack(policy, _strimzi()) == []
    messages = [m for m, _ in check_stack(policy, _strimzi(brokers=1, isr=1, replicas=1))]
    assert any("min.insync.replicas=1" in m for m in messages)
    assert any("replication factor 1" in m for m in messages)
    assert any("node pools have 1 brokers" in m for m in messages), "controllers do not count as brokers"
    assert (
        check_stack(
            policy,
            _strimzi(brokers=1, isr=1, replicas=1),
            config={"minBrokers": 1, "minInsyncReplicas": 1, "minReplicationFactor": 1},
        )
        == []
    )


def test_durability_msk() -> None:
    policy = mlinfra_kafka_durability.POLICY
    good = [
        resource(MSK, "kafka-msk", GOOD_MSK),
        resource("aws:msk/configuration:Configuration", "kafka-config", {"serverProperties": "min.insync.replicas=2\n"}),
        resource("aws:msk/topic:Topic", "kafka-topic-a.b", {"replicationFactor": 3, "configs": '{"min.insync.replicas": "2"}'}),
    ]
    assert check_stack(policy, good) == []
    bad = [
        resource(MSK, "kafka-msk", {**GOOD_MSK, "numberOfBrokerNodes": 2}),
        resource("aws:msk/configuration:Configuration", "kafka-config", {"serverProperties": "# x\nmin.insync.replicas=1\n"}),
        resource("aws:msk/topic:Topic", "kafka-topic-a.b", {"replicationFactor": 2, "configs": '{"min.insync.replicas": "1"}'}),
    ]
    messages = [m for m, _ in check_stack(policy, bad)]
    assert len(messages) == 4, messages
    assert "has 2 brokers" in messages[0] and "MSK configuration 'kafka-config' sets min.insync.replicas=1" in messages[1]


@pytest.mark.parametrize(
    ("change", "expected"), [({"tls": False}, "is not TLS"), ({"authorization": False}, "has no authorization")]
)
def test_strimzi_tls_and_authorization(change: dict[str, bool], expected: str) -> None:
    policy = strimzi_kafka_tls_and_authorization.POLICY
    assert check_resource(policy, KAFKA, _kafka_spec()) == []
    (message,) = check_resource(policy, KAFKA, _kafka_spec(**change), name="kafka-kafka")  # type: ignore[arg-type]
    assert expected in message and "'kafka-kafka'" in message


# -- mutations of the real plans -----------------------------------------------------------------
MSK_MUTATIONS = [
    (
        "aws-msk-cluster-tls-in-transit",
        MSK,
        "kafka-msk",
        "encryptionInfo.encryptionInTransit.clientBroker",
        "TLS_PLAINTEXT",
        "kafka-msk",
    ),
    ("aws-msk-cluster-tls-in-transit", MSK, "kafka-msk", "encryptionInfo.encryptionInTransit.inCluster", False, "kafka-msk"),
    ("aws-msk-cluster-client-authentication", MSK, "kafka-msk", "clientAuthentication.unauthenticated", True, "kafka-msk"),
    ("aws-msk-cluster-encrypted-with-cmk", MSK, "kafka-msk", "encryptionInfo.encryptionAtRestKmsKeyArn", "", "kafka-msk"),
    ("mlinfra-kafka-durability", MSK, "kafka-msk", "numberOfBrokerNodes", 2, "kafka-msk"),
    (
        "mlinfra-kafka-durability",
        "aws:msk/topic:Topic",
        "kafka-topic-recsys.orders",
        "replicationFactor",
        2,
        "kafka-topic-recsys.orders",
    ),
    (
        "mlinfra-kafka-durability",
        "aws:msk/configuration:Configuration",
        "kafka-config",
        "serverProperties",
        "min.insync.replicas=1\n",
        "kafka-config",
    ),
]


@pytest.mark.parametrize(
    ("rule", "type_", "name", "path", "value", "culprit"), MSK_MUTATIONS, ids=[f"{m[0]}:{m[3]}" for m in MSK_MUTATIONS]
)
def test_breaking_the_prod_kafka_is_caught_by_the_matching_rule(prod_plan, rule, type_, name, path, value, culprit) -> None:
    policy = POLICIES_BY_NAME[rule]
    assert evaluate(prod_plan, env_config("prod"), policies=[policy]).violations == [], f"{rule} fails on the real prod plan"
    broken = mutate(prod_plan, type_, name, _set(path, value))
    after = evaluate(broken, env_config("prod"), policies=[policy])
    assert [v.name for v in after.mandatory] == [culprit], f"{rule} did not catch {path}={value!r}: {after.violations}"


@pytest.mark.parametrize(
    ("path", "value"),
    [("spec.kafka.listeners.0.tls", False), ("spec.kafka.authorization", None)],
    ids=["plain-listener", "no-authorization"],
)
def test_breaking_the_dev_strimzi_kafka_is_caught(dev_plan, path: str, value: Any) -> None:
    policy = POLICIES_BY_NAME["strimzi-kafka-tls-and-authorization"]
    assert evaluate(dev_plan, env_config("dev"), policies=[policy]).violations == []

    def change(r: Any) -> Any:
        *parents, leaf = path.split(".")
        node = r.inputs
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is None:
            node.pop(leaf)
        else:
            node[leaf] = value
        return r

    after = evaluate(mutate(dev_plan, KAFKA, "kafka-kafka", change), env_config("dev"), policies=[policy])
    assert [v.name for v in after.mandatory] == ["kafka-kafka"], after.violations


def test_dev_durability_is_relaxed_by_config_only(dev_plan) -> None:
    # dev's one Strimzi node passes with dev's config and fails with prod's: the rule reads config, not the stack.
    policy = POLICIES_BY_NAME["mlinfra-kafka-durability"]
    assert evaluate(dev_plan, env_config("dev"), policies=[policy]).violations == []
    assert evaluate(dev_plan, env_config("prod"), policies=[policy]).mandatory, "prod's minimums refuse dev's single node"
