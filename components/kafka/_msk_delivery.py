"""``to_lake`` topics of the MSK backend: Amazon Data Firehose with the MSK cluster as source.

Why Firehose and not MSK Connect: Firehose is serverless (no connector workers, plugin
uploads or capacity to size), reads IAM-authenticated private clusters natively and writes
to S3 with a KMS key and a fixed prefix, which is all a raw landing zone needs; MSK Connect
would add a custom plugin (an S3 sink JAR to pin, upload and patch) and always-on workers.

Documented prerequisites of a private MSK source
(https://docs.aws.amazon.com/firehose/latest/dev/writing-with-msk.html), all created here or
by components/kafka/_msk.py:
- IAM client authentication on the cluster (always on);
- multi-VPC private connectivity for IAM (``MskArgs.enable_private_connectivity``);
- a cluster policy letting the Firehose service principal call ``kafka:CreateVpcConnection``;
- a role Firehose assumes that may read the topic and write the lake prefix with the lake key.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kafka._msk_iam import firehose_cluster_policy, firehose_source_policy
from components.kafka.validation import full_topic_name

# Firehose stream names: 1-64 characters of [a-zA-Z0-9_.-].
MAX_STREAM_NAME = 64


@dataclass(frozen=True)
class LakeTarget:
    """Where delivered topics land: the lake's raw zone, under each team's prefix."""

    bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    """The lake's KMS key: objects are encrypted with it (SSE-KMS)."""
    account_id: pulumi.Input[str]
    """The account the streams run in: their roles trust Firehose on its behalf only."""
    region: str
    buffering_seconds: int = 300
    buffering_mib: int = 64


def lake_prefix(team: str, topic: str) -> str:
    """``teams/<team>/kafka/<topic>/`` in the raw zone (Firehose appends YYYY/MM/DD/HH/)."""
    return f"teams/{team}/kafka/{topic}/"


def stream_name(cluster_name: str, team: str, topic: str) -> str:
    """A Firehose name from the cluster, team and topic; over 64 characters it is cut and hashed."""
    name = re.sub(r"[^a-zA-Z0-9_.-]", "-", f"{cluster_name}-{team}-{topic}")
    if len(name) <= MAX_STREAM_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_STREAM_NAME - 9]}-{digest}"


def lake_statements(bucket_arn: str, key_arn: str, region: str, prefix: str, *more_prefixes: str) -> list[dict]:
    """Write ``prefix`` (and ``more_prefixes``) of the raw bucket, encrypted with the lake key
    (Firehose and the Strimzi S3 sink)."""
    objects = [f"{bucket_arn}/{p}*" for p in (prefix, *more_prefixes)]
    return [
        {
            "Sid": "WriteTopicPrefix",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
            "Resource": objects,
        },
        {
            "Sid": "FindBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            "Resource": [bucket_arn],
        },
        {
            "Sid": "EncryptWithLakeKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [key_arn],
            # Only through S3, only for the raw bucket. The lake buckets use S3 Bucket Keys, so the
            # encryption context KMS sees is the bucket's ARN, not the object's
            # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html#bucket-key-changes);
            # the object ARNs are kept for objects written without a bucket key. The S3 statements
            # above still limit the role to its prefixes.
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, *objects]},
            },
        },
    ]


def error_prefix(team: str, topic: str) -> str:
    """Where Firehose writes records it could not deliver, beside (not inside) the topic's data."""
    return f"teams/{team}/kafka-errors/{topic}/"


def _role_policy(arns: list[str], *, topic: str, prefixes: tuple[str, ...], region: str) -> str:
    """The delivery role's document from the (cluster, bucket, key) ARNs: read the topic, write its prefixes."""
    cluster_arn, bucket_arn, key_arn = arns
    statements = firehose_source_policy(cluster_arn, topic)["Statement"] + lake_statements(bucket_arn, key_arn, region, *prefixes)
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def firehose_trust(account: str) -> str:
    """Firehose may assume the role only on behalf of this account, not another customer's
    stream: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "firehose.amazonaws.com"},
                    "Action": ["sts:AssumeRole"],
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        },
        sort_keys=True,
    )


@dataclass(frozen=True)
class _Source:
    """What every stream of one cluster shares."""

    cluster_arn: pulumi.Output[str]
    cluster_name: str
    target: LakeTarget
    tags: Mapping[str, str]
    cluster_policy: aws.msk.ClusterPolicy


def create_delivery(
    name: str,
    *,
    cluster_arn: pulumi.Output[str],
    cluster_name: str,
    to_lake: Mapping[str, tuple[str, ...]],
    topics: Mapping[str, pulumi.Resource],
    target: LakeTarget,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> dict[str, aws.kinesis.FirehoseDeliveryStream]:
    """One Firehose stream (with its own role) per ``to_lake`` topic; keys are ``<team>.<topic>``.

    ``topics``: the topic resources by full name; each stream waits for its own topic (a stream
    created before its topic fails to start reading)."""
    if not any(to_lake.values()):
        return {}
    policy = aws.msk.ClusterPolicy(
        f"{name}-firehose-access",
        cluster_arn=cluster_arn,
        policy=cluster_arn.apply(lambda arn: json.dumps(firehose_cluster_policy(arn), sort_keys=True)),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    source = _Source(cluster_arn, cluster_name, target, tags, policy)
    streams: dict[str, aws.kinesis.FirehoseDeliveryStream] = {}
    for team in sorted(to_lake):
        for topic in sorted(to_lake[team]):
            full = full_topic_name(team, topic)
            waits = [topics[full]] if full in topics else []
            streams[full] = _stream(f"{name}-{team}-{topic}-to-lake", team, topic, source, waits, parent)
    return streams


def _stream(
    resource: str,
    team: str,
    topic: str,
    source: _Source,
    waits: list[pulumi.Resource],
    parent: pulumi.Resource,
) -> aws.kinesis.FirehoseDeliveryStream:
    """One topic's role, its policy and its stream."""
    child = pulumi.ResourceOptions(parent=parent)
    full, target = full_topic_name(team, topic), source.target
    prefix, errors = lake_prefix(team, topic), error_prefix(team, topic)
    role = aws.iam.Role(
        resource,
        description=f"Firehose: {full} from MSK into raw/{prefix}",
        # From the account, not the cluster's ARN: the role need not wait for MSK (about 30 minutes).
        assume_role_policy=pulumi.Output.from_input(target.account_id).apply(firehose_trust),
        tags={**source.tags, "team": team, "Name": resource},
        opts=child,
    )
    document = pulumi.Output.all(source.cluster_arn, target.bucket_arn, target.key_arn).apply(
        functools.partial(_role_policy, topic=full, prefixes=(prefix, errors), region=target.region)
    )
    access = aws.iam.RolePolicy(resource, role=role.name, policy=document, opts=child)
    return aws.kinesis.FirehoseDeliveryStream(
        resource,
        name=stream_name(source.cluster_name, team, topic),
        destination="extended_s3",
        msk_source_configuration=aws.kinesis.FirehoseDeliveryStreamMskSourceConfigurationArgs(
            msk_cluster_arn=source.cluster_arn,
            topic_name=full,
            authentication_configuration=aws.kinesis.FirehoseDeliveryStreamMskSourceConfigurationAuthenticationConfigurationArgs(
                connectivity="PRIVATE", role_arn=role.arn
            ),
        ),
        extended_s3_configuration=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs(
            role_arn=role.arn,
            bucket_arn=target.bucket_arn,
            prefix=prefix,
            error_output_prefix=f"{errors}!{{firehose:error-output-type}}/",
            kms_key_arn=target.key_arn,
            buffering_interval=target.buffering_seconds,
            buffering_size=target.buffering_mib,
            compression_format="GZIP",
        ),
        tags={**source.tags, "team": team, "Name": resource},
        # The role must be usable, the cluster must admit Firehose and the topic must exist before it starts.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[source.cluster_policy, access, *waits]),
    )
