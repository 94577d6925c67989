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
    name = plan.name
    keep = pulumi.ResourceOptions(parent=parent, protect=plan.protect, retain_on_delete=plan.protect)
    # An explicit provider, not the stack's: it reaches the second region. It does not read the
    # stack's `aws:` config (profile, assume role), only the environment's credentials, so it is
    # pinned to the lake's account: a deployment with other credentials fails instead of
    # replicating into another account.
    provider = aws.Provider(
        f"{name}-replica",
        region=plan.replica_region,
        allowed_account_ids=[plan.account_id],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    there = pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(provider=provider))

    key = rotating_key(
        f"{name}-replica-key",
        alias=f"{plan.prefix}-data-lake-replica",
        description=f"SSE-KMS of the {plan.prefix} data lake replica buckets in {plan.replica_region}",
        deletion_window_days=plan.kms_deletion_window_days,
        tags=tags(f"{name}-replica-key"),
        opts=there,
        policy=key_policy(
            partition=plan.partition,
            account_id=plan.account_id,
            admin_role_arns=plan.kms_admin_role_arns,
            statements=only_through_s3(plan.replica_region),
        ),
    )
    replicas = {zone: _replica_bucket(plan, zone, key, there, tags) for zone in sources}
    role, access = _replication_role(plan, sources, replicas, source_key, key, keep, tags)

    for zone, source in sources.items():
        aws.s3.BucketReplicationConfig(
            f"{name}-{zone}",
            bucket=source.bucket.id,
            role=role.arn,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id=f"{zone}-to-{plan.replica_region}",
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
                        bucket=replicas[zone].bucket.arn,
                        encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=key.arn
                        ),
                    ),
                )
            ],
            # Replication requires versioning on both buckets (AWS provider docs), and S3 checks
            # that it may assume the role: its policy must be in place first.
            opts=pulumi.ResourceOptions.merge(
                keep, pulumi.ResourceOptions(depends_on=[source.versioning, replicas[zone].versioning, access])
            ),
        )
    return Replica(
        bucket_names=pulumi.Output.all(**{zone: b.bucket.bucket for zone, b in replicas.items()}),
        key_arn=key.arn,
    )


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
    and only for these buckets' objects (with S3 Bucket Keys the context is the bucket ARN)."""

    def context(arns: list[str]) -> list[str]:
        return sorted([*arns, *(f"{a}/*" for a in arns)])

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
            {
                "Sid": "DecryptSource",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": [source_key],
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": context(source_arns)},
                },
            },
            {
                "Sid": "EncryptReplicas",
                "Effect": "Allow",
                "Action": ["kms:Encrypt"],
                "Resource": [replica_key],
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": context(replica_arns)},
                },
            },
        ],
    }
