"""MSK IAM documents: scoped to the team's names, exact grants, Firehose prerequisites."""

from __future__ import annotations

import fnmatch

import pytest

from components.kafka import _msk_iam as iam

CLUSTER = "arn:aws:kafka:eu-west-1:123456789012:cluster/mlinfra-prod/1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809-3"


def _resources(policy: dict) -> list[str]:
    return [arn for statement in policy["Statement"] for arn in statement["Resource"]]


def test_resource_arns_follow_msk_naming() -> None:
    assert iam.resource_arn(CLUSTER, "topic", "vision.clicks") == (
        "arn:aws:kafka:eu-west-1:123456789012:topic/mlinfra-prod/1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809-3/vision.clicks"
    )
    assert ":transactional-id/mlinfra-prod/" in iam.resource_arn(CLUSTER, "transactional-id", "x")
    with pytest.raises(ValueError, match="not an MSK cluster ARN"):
        iam.resource_arn("arn:aws:kafka:eu-west-1:1:topic/a/b/c", "topic", "x")


def test_team_policy_reaches_its_own_names_and_granted_topics_only() -> None:
    policy = iam.team_policy(CLUSTER, "vision", ["recsys.orders"])
    resources = _resources(policy)
    own = iam.resource_arn(CLUSTER, "topic", "vision.clicks")
    other = iam.resource_arn(CLUSTER, "topic", "recsys.payments")
    similar = iam.resource_arn(CLUSTER, "topic", "vision-eu.clicks")
    assert any(fnmatch.fnmatchcase(own, r) for r in resources)
    assert not any(fnmatch.fnmatchcase(other, r) for r in resources), "another team's topic must not match"
    assert not any(fnmatch.fnmatchcase(similar, r) for r in resources), "a team with a longer name must not match"
    wildcards = [r for r in resources if "*" in r]
    assert all(r.endswith("/vision.*") for r in wildcards), wildcards
    granted = next(s for s in policy["Statement"] if s["Sid"] == "GrantedTopics")
    assert granted["Action"] == ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
    assert granted["Resource"] == [iam.resource_arn(CLUSTER, "topic", "recsys.orders")]


def test_team_policy_without_grants_has_no_granted_statement() -> None:
    sids = [s["Sid"] for s in iam.team_policy(CLUSTER, "vision", [])["Statement"]]
    assert sids == ["ConnectToKafka", "OwnTopics", "OwnConsumerGroups", "OwnTransactionalIds"]


def test_firehose_documents() -> None:
    role = iam.firehose_source_policy(CLUSTER, "vision.clicks")
    topic = next(s for s in role["Statement"] if s["Sid"] == "Topic")
    assert topic["Resource"] == [iam.resource_arn(CLUSTER, "topic", "vision.clicks")]
    assert "kafka-cluster:WriteData" not in str(role), "delivery only reads"
    cluster = iam.firehose_cluster_policy(CLUSTER)["Statement"][0]
    assert cluster["Principal"] == {"Service": ["firehose.amazonaws.com"]}
    assert cluster["Action"] == ["kafka:CreateVpcConnection"] and cluster["Resource"] == CLUSTER


def test_server_properties_text() -> None:
    text = iam.server_properties({"min.insync.replicas": 2, "auto.create.topics.enable": False})
    assert text == "auto.create.topics.enable=false\nmin.insync.replicas=2\n"
