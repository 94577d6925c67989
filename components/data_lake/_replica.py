"""The data lake's disaster-recovery copy: replica buckets and key in a second region, the
replication role, and one replication configuration per replicated zone.

Private helper of ``components/data_lake/data_lake.py`` (the DataLake component owns every resource made
here). The replica buckets get every guard the zone buckets have (``private_bucket``: owner
enforced, public access blocked, versioned, default-encrypted; TLS-only and one-key-only
policies; the same lifecycle), with their own key in their region: an SSE-KMS object is
re-encrypted under a key of the destination region, since a KMS key never leaves its region.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components._kms import key_policy, only_through_s3, rotating_key
from components.catalog.s3 import only_this_key_statements
from components.data_lake._buckets import PrivateBucket, lifecycle, private_bucket, sse_kms, tiering_rule, tls_only_policy
from components.data_lake._replica_alarms import AlarmPlan, replication_alarms

# What the S3 replication role needs, and nothing else (the walkthrough's policy, without the
# source-side wildcards): https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
SOURCE_BUCKET_ACTIONS: tuple[str, ...] = ("s3:GetReplicationConfiguration", "s3:ListBucket")
SOURCE_OBJECT_ACTIONS: tuple[str, ...] = (
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
)
REPLICA_OBJECT_ACTIONS: tuple[str, ...] = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags")


@dataclass(frozen=True)
class ReplicaPlan:
    """What the lake hands over: names, settings, and how it builds its buckets."""

    name: str
    """The DataLake's resource name: children are ``<name>-<zone>-replica`` etc."""
    prefix: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    region: str
    """The lake's (source) region."""
    replica_region: str
    kms_admin_role_arns: tuple[str, ...]
    kms_deletion_window_days: int
    noncurrent_expiry_days: int
    tiering: Mapping[str, tuple[int, int]]
    """Zone -> (STANDARD_IA days, GLACIER_IR days), for zones that tier."""
    force_destroy: bool
    protect: bool
    lag_alarm_minutes: int
    """Replication lag (ReplicationLatency) that raises the zone's alarm, in minutes."""
    alarm_emails: tuple[str, ...]
    """Addresses subscribed to the replication alarm topics."""


@dataclass(frozen=True)
class Replica:
    """The replica side, as the lake exposes it."""

    bucket_names: pulumi.Output[dict[str, str]]
    key_arn: pulumi.Output[str]


def create_replica(
    plan: ReplicaPlan,
    sources: Mapping[str, PrivateBucket],
    source_key: aws.kms.Key,
    *,
    parent: pulumi.Resource,
    tags: Callable[[str], dict[str, str]],
) -> Replica:
    """Replicate each zone of ``sources`` to a bucket of the same zone in ``plan.replica_region``."""
    keep = pulumi.ResourceOptions(parent=parent, protect=plan.protect, retain_on_delete=plan.protect)
    there = pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(provider=_replica_provider(plan, parent)))
    key = _replica_key(plan, there, tags)
    replicas = {zone: _replica_bucket(plan, zone, key, there, tags) for zone in sources}
    role, access = _replication_role(plan, sources, replicas, source_key, key, keep, tags)
    for zone, source in sources.items():
        _replication_config(plan, zone, source, replicas[zone], key, role, access, keep)
    replication_alarms(
        AlarmPlan(name=plan.name, prefix=plan.prefix, lag_minutes=plan.lag_alarm_minutes, emails=plan.alarm_emails),
        {
            zone: (source.bucket.bucket, replicas[zone].bucket.bucket, rule_id(zone, plan.replica_region))
            for zone, source in sources.items()
        },
        here=keep,
        there=there,
        tags=tags,
    )
    return Replica(
        bucket_names=pulumi.Output.all(**{zone: b.bucket.bucket for zone, b in replicas.items()}),
        key_arn=key.arn,
    )


def rule_id(zone: str, replica_region: str) -> str:
    """The replication rule's ID: also the ``RuleId`` dimension of its S3 Replication metrics."""
    return f"{zone}-to-{replica_region}"


def _replica_provider(plan: ReplicaPlan, parent: pulumi.Resource) -> aws.Provider:
    # An explicit provider, not the stack's: it reaches the second region. It does not read the
    # stack's `aws:` config (profile, assume role), only the environment's credentials, so it is
    # pinned to the lake's account: a deployment with other credentials fails instead of
    # replicating into another account.
    return aws.Provider(
        f"{plan.name}-replica",
        region=plan.replica_region,
        allowed_account_ids=[plan.account_id],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _replica_key(plan: ReplicaPlan, opts: pulumi.ResourceOptions, tags: Callable[[str], dict[str, str]]) -> aws.kms.Key:
    return rotating_key(
        f"{plan.name}-replica-key",
        alias=f"{plan.prefix}-data-lake-replica",
        description=f"SSE-KMS of the {plan.prefix} data lake replica buckets in {plan.replica_region}",
        deletion_window_days=plan.kms_deletion_window_days,
        tags=tags(f"{plan.name}-replica-key"),
        opts=opts,
        policy=key_policy(
            partition=plan.partition,
            account_id=plan.account_id,
            admin_role_arns=plan.kms_admin_role_arns,
            statements=only_through_s3(plan.replica_region),
        ),
    )


def _replication_config(
    plan: ReplicaPlan,
    zone: str,
    source: PrivateBucket,
    replica: PrivateBucket,
    key: aws.kms.Key,
    role: aws.iam.Role,
    access: aws.iam.RolePolicy,
    keep: pulumi.ResourceOptions,
) -> aws.s3.BucketReplicationConfig:
    rules = aws.s3.BucketReplicationConfigRuleArgs(
        id=rule_id(zone, plan.replica_region),
        status="Enabled",
        # A filter makes this a V2 rule, which delete-marker replication requires.
        filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
        # Delete markers are replicated, so a failover sees the lake as it was (objects
        # deleted here are not resurrected there) and a deleted object stays restorable
        # for noncurrent_expiry_days on both sides. S3 never replicates a delete of a
        # specific version, so a permanent delete here cannot destroy the replica.
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html
        delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(status="Enabled"),
        # Every lake object is SSE-KMS; without this criterion S3 skips them all.
        source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
            sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                status="Enabled"
            )
        ),
        destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
            bucket=replica.bucket.arn,
            encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                replica_kms_key_id=key.arn
            ),
            metrics=replication_metrics(),
        ),
    )
    return aws.s3.BucketReplicationConfig(
        f"{plan.name}-{zone}",
        bucket=source.bucket.id,
        role=role.arn,
        rules=[rules],
        # Replication requires versioning on both buckets (AWS provider docs), and S3 checks
        # that it may assume the role: its policy must be in place first.
        opts=pulumi.ResourceOptions.merge(
            keep, pulumi.ResourceOptions(depends_on=[source.versioning, replica.versioning, access])
        ),
    )


def replication_metrics() -> aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs:
    """S3 Replication metrics on, without S3 Replication Time Control.

    The metrics (ReplicationLatency, OperationsPendingReplication, BytesPendingReplication in the
    replica's region, OperationsFailedReplication in the source's) can be enabled without RTC and
    are billed like CloudWatch custom metrics; RTC adds a per-GB fee for a 15-minute SLA the lake
    does not need (its objects are batch data, not a hot standby).
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
    No event threshold: it only times RTC's OperationMissedThreshold event, and S3 rejects it
    without RTC ("Metrics cannot contain an event threshold when ReplicationTime is not specified
    or Disabled", https://github.com/pulumi/pulumi-aws/issues/5806).
    """
    return aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(status="Enabled")


def _replica_bucket(
    plan: ReplicaPlan, zone: str, key: aws.kms.Key, opts: pulumi.ResourceOptions, tags: Callable[[str], dict[str, str]]
) -> PrivateBucket:
    resource = f"{plan.name}-{zone}-replica"
    b = private_bucket(
        resource,
        # Named like the zone bucket, with the replica's region: <prefix>-<zone>-<account>-<region>.
        pulumi.Output.concat(plan.prefix, "-", zone, "-", plan.account_id, "-", plan.replica_region),
        sse_kms(key.arn),
        force_destroy=plan.force_destroy,
        tags=tags(resource),
        opts=opts,
    )
    tiering = [tiering_rule(*plan.tiering[zone])] if zone in plan.tiering else []
    lifecycle(resource, b, plan.noncurrent_expiry_days, tiering, opts)
    objects = pulumi.Output.concat(b.bucket.arn, "/*")
    tls_only_policy(resource, b, only_this_key_statements(objects, key.arn), opts)
    return b


def _replication_role(
    plan: ReplicaPlan,
    sources: Mapping[str, PrivateBucket],
    replicas: Mapping[str, PrivateBucket],
    source_key: aws.kms.Key,
    replica_key: aws.kms.Key,
    opts: pulumi.ResourceOptions,
    tags: Callable[[str], dict[str, str]],
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    resource = f"{plan.name}-replication"
    role = aws.iam.Role(
        resource,
        description=f"S3 replication of the {plan.prefix} data lake to {plan.replica_region}",
        assume_role_policy=pulumi.Output.from_input(plan.account_id).apply(_trust_policy),
        tags=tags(resource),
        opts=opts,
    )
    zones = sorted(sources)
    arns = pulumi.Output.all(
        [sources[z].bucket.arn for z in zones], [replicas[z].bucket.arn for z in zones], source_key.arn, replica_key.arn
    )
    document = arns.apply(
        lambda v: json.dumps(replication_policy(v[0], v[1], v[2], v[3], plan.region, plan.replica_region), sort_keys=True)
    )
    policy = aws.iam.RolePolicy(resource, role=role.id, policy=document, opts=opts)
    return role, policy


def _trust_policy(account: str) -> str:
    # Only S3 acting for this account may assume the role (confused-deputy guard).
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        },
        sort_keys=True,
    )


def replication_policy(
    source_arns: list[str], replica_arns: list[str], source_key: str, replica_key: str, region: str, replica_region: str
) -> dict[str, Any]:
    """The replication role's policy (pure): read these sources, write these replicas, decrypt
    with the source key and encrypt with the replica key, each only through S3 in its region
    and only for these buckets.

    The KMS statements follow "Replicating encrypted objects (SSE-C, SSE-S3, SSE-KMS, DSSE-KMS)",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html:
    kms:Decrypt on the source key and kms:Encrypt on the replica key, each with kms:ViaService
    s3.<that bucket's region> and kms:EncryptionContext:aws:s3:arn. Every lake bucket encrypts with
    an S3 Bucket Key (``sse_kms``), and then "the encryption context will be the bucket's ARN, not
    the object's ARN" ("S3 Bucket Keys and replication"): a context of object ARNs alone matches
    nothing and every replication fails. The object ARNs stay allowed beside the bucket ARN for an
    object uploaded with the Bucket Key turned off (x-amz-server-side-encryption-bucket-key-enabled:
    false), whose context is its own ARN; both name only these buckets. The same section requires
    kms:Decrypt on the replica key too ("The call to kms:Decrypt verifies the integrity of the S3
    Bucket Key before using it"): only for the replica buckets' Bucket Keys, so only their bucket ARNs.
    """

    def context(arns: list[str]) -> list[str]:
        return sorted([*arns, *(f"{a}/*" for a in arns)])

    kms = _kms_statement
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadReplicationConfiguration",
                "Effect": "Allow",
                "Action": list(SOURCE_BUCKET_ACTIONS),
                "Resource": sorted(source_arns),
            },
            {
                "Sid": "ReadSourceVersions",
                "Effect": "Allow",
                "Action": list(SOURCE_OBJECT_ACTIONS),
                "Resource": sorted(f"{a}/*" for a in source_arns),
            },
            {
                "Sid": "WriteReplicas",
                "Effect": "Allow",
                "Action": list(REPLICA_OBJECT_ACTIONS),
                "Resource": sorted(f"{a}/*" for a in replica_arns),
            },
            kms("DecryptSource", "kms:Decrypt", source_key, region, context(source_arns)),
            kms("EncryptReplicas", "kms:Encrypt", replica_key, replica_region, context(replica_arns)),
            kms("CheckReplicaBucketKeys", "kms:Decrypt", replica_key, replica_region, sorted(replica_arns)),
        ],
    }


def _kms_statement(sid: str, action: str, key: str, region: str, arns: list[str]) -> dict[str, Any]:
    """Allow ``action`` with ``key`` only through S3 in ``region`` and only for these ARNs' data."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": [action],
        "Resource": [key],
        "Condition": {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": arns},
        },
    }
