"""Firehose delivery of MSK topics on the recorded prod plan: prefixes, ordering, trust."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from mlinfra.engine import Plan

STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TOPIC = "aws:msk/topic:Topic"


def _statements(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}


def _written_keys(s3: dict[str, Any]) -> list[str]:
    """An object key Firehose may write under each prefix: the expressions expanded as it would."""
    error = s3["errorOutputPrefix"].replace("!{firehose:error-output-type}", "processing-failed")
    return [f"{s3['prefix']}2026/12/04/17/part-0.gz", f"{error}2026/12/04/17/part-0.gz"]


def test_every_prefix_firehose_writes_is_granted_to_its_role(prod_plan: Plan) -> None:
    streams = prod_plan.of_type(STREAM)
    assert streams, "prod delivers recsys.clicks"
    bucket = prod_plan.outputs["data_lake_bucket_arns"]["raw"]
    for stream in streams:
        s3 = stream.inputs["extendedS3Configuration"]
        statements = _statements(prod_plan.get(ROLE_POLICY, stream.name).inputs)
        writable = statements["WriteTopicPrefix"]["Resource"]
        encryptable = statements["EncryptWithLakeKey"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]
        for key in _written_keys(s3):
            arn = f"{bucket}/{key}"
            assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in writable), f"{stream.name}: {key} not writable"
            assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in encryptable), f"{stream.name}: {key} not encryptable"
        # Near miss: the other team's (or another topic's) prefix stays out of reach.
        foreign = f"{bucket}/teams/vision/kafka-errors/clicks/x.gz"
        assert not any(fnmatch.fnmatchcase(foreign, pattern) for pattern in writable), stream.name


def test_each_stream_waits_for_its_own_topic(prod_plan: Plan) -> None:
    topics = {t.inputs["name"]: t.urn for t in prod_plan.of_type(TOPIC)}
    for stream in prod_plan.of_type(STREAM):
        topic = stream.inputs["mskSourceConfiguration"]["topicName"]
        assert topics[topic] in stream.dependencies, f"{stream.name} must wait for topic {topic}"
        others = set(topics.values()) - {topics[topic]}
        assert not others & set(stream.dependencies), f"{stream.name} waits only for its own topic"


def test_firehose_role_trusts_only_this_account(prod_plan: Plan) -> None:
    account = prod_plan.outputs["kafka_cluster_arn"].split(":")[4]
    for stream in prod_plan.of_type(STREAM):
        trust = json.loads(prod_plan.get(ROLE, stream.name).inputs["assumeRolePolicy"])
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Service": "firehose.amazonaws.com"}, stream.name
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}, stream.name
