"""DataLake: one encrypted, versioned, private S3 bucket per zone, an access-log bucket, a
customer-managed KMS key and a Glue catalog database per zone; optionally a replica of some
zones in a second region (disaster recovery, ``_replica.py``, with its lag alarms in ``_replica_alarms.py``).

The lake holds what the platform learns from: every bucket is private (all four public
access blocks, BucketOwnerEnforced), TLS-only, versioned, and in prod protected and
retained, so neither a `pulumi destroy` nor a refactor that drops a resource deletes data.

Bucket names are explicit and deterministic, ``<prefix>-<zone>-<account>-<region>``, not
Pulumi auto-names: `mlinfra verify`, team IAM policies and people can name a bucket before
it exists, and the account and region make the name globally unique.

The hardened bucket every zone is built on is in ``_buckets.py``; the pure rules
(names, lifecycle minimums, access policies) are in ``validation.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._kms import admin_role_problems, key_policy, only_through_s3, rotating_key
from components._tags import named_tags
from components.catalog import tokens
from components.catalog.s3 import only_this_key_statements
from components.data_lake._buckets import (
    PrivateBucket,
    expiry_rule,
    lifecycle,
    private_bucket,
    sse_kms,
    sse_s3,
    tiering_rule,
    tls_only_policy,
)
from components.data_lake._replica import ReplicaPlan, create_replica
from components.data_lake.validation import (
    DEFAULT_ZONES,
    LOG_BUCKET_ROLE,
    PrefixGrant,
    bucket_name_problems,
    build_access_policy,
    camel,
    lifecycle_problems,
    replication_alarm_problems,
    replication_problems,
    unique_sid,
    validate_grants,
    zone_problems,
)

__all__ = ["DataLake", "DataLakeArgs", "PrefixGrant", "build_access_policy"]


@dataclass(frozen=True)
class DataLakeArgs:
    """Inputs of a DataLake."""

    name_prefix: str
    """First part of every bucket name (lowercase, DNS-safe), e.g. ``mlinfra-prod``."""
    account_id: pulumi.Input[str]
    """AWS account id: part of the bucket names and of the log-delivery policy condition."""
    region: str
    """Region of the buckets: part of the bucket names."""
    zones: tuple[str, ...] = DEFAULT_ZONES
    """One bucket and one Glue database per zone."""
    tiering_zones: tuple[str, ...] = ("raw",)
    """Zones whose objects move to STANDARD_IA, then GLACIER_IR."""
    raw_to_ia_days: int = 90
    """Days after creation before tiering-zone objects move to STANDARD_IA (S3: >= 30)."""
    raw_to_glacier_ir_days: int = 180
    """Days after creation before tiering-zone objects move to GLACIER_IR (>= IA days + 30)."""
    noncurrent_expiry_days: int = 90
    """Days a replaced or deleted object version is kept, in every bucket."""
    log_retention_days: int = 365
    """Days server access logs are kept."""
    force_destroy: bool = False
    """Let `pulumi destroy` empty the buckets. Only dev may; never with enable_protection."""
    enable_protection: bool = True
    """Protect and retain every resource of the lake (prod)."""
    kms_deletion_window_days: int = 30
    """Waiting period before a scheduled deletion of the lake key (and the replica key) takes effect."""
    kms_admin_role_arns: tuple[str, ...] = ()
    """IAM roles that administer (never use) the lake keys (components/_kms.py key_policy)."""
    partition: pulumi.Input[str] = "aws"
    """The AWS partition: the key policies name the account root by ARN."""
    replicated_zones: tuple[str, ...] = ()
    """Zones copied to ``replica_region`` (S3 replication): those whose data cannot be regenerated."""
    replica_region: str = ""
    """Region of the replica buckets and key; required with replicated_zones, not the lake's region."""
    replication_lag_alarm_minutes: int = 30
    """Replication lag (S3's ReplicationLatency, 15 minutes in a row) that raises a replicated
    zone's CloudWatch alarm (15 to 1440)."""
    replication_alarm_emails: tuple[str, ...] = ()
    """Email addresses subscribed to the replication alarm topics (one in each region)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every taggable child (environment, managed-by, cost-center...)."""

    def __post_init__(self) -> None:
        problems = zone_problems(self.zones) + bucket_name_problems(self.name_prefix, self.zones, self.region)
        problems += [
            f"{f}: {m}"
            for f, m in lifecycle_problems(
                self.raw_to_ia_days, self.raw_to_glacier_ir_days, self.noncurrent_expiry_days, self.log_retention_days
            )
        ]
        unknown = sorted(set(self.tiering_zones) - set(self.zones))
        if unknown:
            problems.append(f"tiering_zones {unknown} are not zones; allowed: {list(self.zones)}")
        problems += [f"{f}: {m}" for f, m in self._replication_problems()]
        problems += [f"kms_admin_role_arns: {m}" for m in admin_role_problems(self.kms_admin_role_arns)]
        if self.force_destroy and self.enable_protection:
            problems.append("force_destroy cannot be combined with enable_protection (protected data is never emptied)")
        if problems:
            raise ValueError("; ".join(problems))

    def _replication_problems(self) -> list[tuple[str, str]]:
        return replication_problems(
            self.name_prefix, self.zones, self.replicated_zones, self.region, self.replica_region
        ) + replication_alarm_problems(self.replication_lag_alarm_minutes, self.replication_alarm_emails)


class DataLake(pulumi.ComponentResource):
    """The S3 data lake: zone buckets, access-log bucket, KMS key, Glue databases."""

    bucket_names: pulumi.Output[dict[str, str]]
    """Zone -> bucket name."""
    bucket_arns: pulumi.Output[dict[str, str]]
    """Zone -> bucket ARN."""
    kms_key_arn: pulumi.Output[str]
    """The lake key: SSE-KMS of every zone bucket (writers and readers need it)."""
    log_bucket_name: pulumi.Output[str]
    """The server access-log bucket."""
    replica_bucket_names: pulumi.Output[dict[str, str]]
    """Replicated zone -> replica bucket name in the replica region ({} without replication)."""

    def __init__(self, name: str, args: DataLakeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.DATA_LAKE, name, None, opts)
        self._name, self._args = name, args
        # Every child is protected in prod, not only buckets and key: dropping a bucket's
        # policy or public access block while the bucket is retained would expose the data.
        self._child = pulumi.ResourceOptions(parent=self, protect=args.enable_protection, retain_on_delete=args.enable_protection)
        self._key = self._create_key()
        self._log_bucket = self._create_log_bucket()
        self._zone_buckets: dict[str, PrivateBucket] = {zone: self._create_zone_bucket(zone) for zone in args.zones}
        self._buckets: dict[str, aws.s3.Bucket] = {zone: b.bucket for zone, b in self._zone_buckets.items()}
        self._create_access_logging()
        for zone in args.zones:
            self._create_database(zone)

        self.bucket_names = pulumi.Output.all(**{zone: b.bucket for zone, b in self._buckets.items()})
        self.bucket_arns = pulumi.Output.all(**{zone: b.arn for zone, b in self._buckets.items()})
        self.kms_key_arn = self._key.arn
        self.log_bucket_name = self._log_bucket.bucket
        self.replica_bucket_names = self._create_replica()
        self.register_outputs(
            {
                "bucket_names": self.bucket_names,
                "bucket_arns": self.bucket_arns,
                "log_bucket": self.log_bucket_name,
                "kms_key_arn": self.kms_key_arn,
                "replica_bucket_names": self.replica_bucket_names,
            }
        )

    def access_policy(self, grants: Sequence[PrefixGrant]) -> pulumi.Output[str]:
        """JSON policy document for these grants (uses the real bucket ARNs and key ARN)."""
        return lake_access_policy(self._args.zones, self.bucket_arns, self.kms_key_arn, grants)

    @property
    def ref(self) -> DataLakeRef:
        return DataLakeRef(self._args.zones, self.bucket_names, self.bucket_arns, self.kms_key_arn)

    # -- helpers ------------------------------------------------------------------------
    def _tags(self, name: str) -> dict[str, str]:
        return named_tags(self._args.tags, name)

    def _bucket_name(self, role: str) -> pulumi.Output[str]:
        return pulumi.Output.concat(self._args.name_prefix, "-", role, "-", self._args.account_id, "-", self._args.region)

    def _create_key(self) -> aws.kms.Key:
        name, args = self._name, self._args
        # The root statement lets IAM policies (the team roles built with access_policy, the
        # Firehose and replication roles) decide who may use the key; the deny keeps every use
        # inside S3 in this region, whoever the policy admits.
        return rotating_key(
            f"{name}-key",
            alias=f"{args.name_prefix}-data-lake",
            description=f"SSE-KMS of the {args.name_prefix} data lake buckets",
            deletion_window_days=args.kms_deletion_window_days,
            tags=self._tags(f"{name}-key"),
            opts=self._child,
            policy=key_policy(
                partition=args.partition,
                account_id=args.account_id,
                admin_role_arns=args.kms_admin_role_arns,
                statements=only_through_s3(args.region),
            ),
        )

    def _create_bucket(self, role: str, encryption: aws.s3.BucketServerSideEncryptionConfigurationRuleArgs) -> PrivateBucket:
        name = f"{self._name}-{role}"
        return private_bucket(
            name,
            self._bucket_name(role),
            encryption,
            force_destroy=self._args.force_destroy,
            tags=self._tags(name),
            opts=self._child,
        )

    # -- resources ------------------------------------------------------------------------
    def _create_log_bucket(self) -> aws.s3.Bucket:
        # Server access log destinations support default encryption with SSE-S3 (AES256)
        # only, not SSE-KMS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
        self._log = self._create_bucket(LOG_BUCKET_ROLE, sse_s3())
        lifecycle(
            f"{self._name}-{LOG_BUCKET_ROLE}",
            self._log,
            self._args.noncurrent_expiry_days,
            [expiry_rule("expire-access-logs", self._args.log_retention_days)],
            self._child,
        )
        return self._log.bucket

    def _create_access_logging(self) -> None:
        # BucketOwnerEnforced disables ACL grants, so log delivery is allowed by policy:
        # each zone bucket may write only under its own prefix, from this account only.
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
        log_arn, sids = self._log_bucket.arn, set[str]()
        statements = [
            {
                "Sid": unique_sid(f"S3ServerAccessLogs{camel(zone)}", sids),
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": pulumi.Output.concat(log_arn, f"/{zone}/*"),
                "Condition": {
                    "ArnLike": {"aws:SourceArn": bucket.arn},
                    "StringEquals": {"aws:SourceAccount": self._args.account_id},
                },
            }
            for zone, bucket in self._buckets.items()
        ]
        log_policy = tls_only_policy(f"{self._name}-{LOG_BUCKET_ROLE}", self._log, statements, self._child)
        for zone, bucket in self._buckets.items():
            aws.s3.BucketLogging(
                f"{self._name}-{zone}",
                bucket=bucket.id,
                target_bucket=self._log_bucket.id,
                target_prefix=f"{zone}/",
                # Delivery starts at once; the log bucket must already allow it.
                opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(depends_on=[log_policy])),
            )

    def _create_zone_bucket(self, zone: str) -> PrivateBucket:
        args, name = self._args, f"{self._name}-{zone}"
        b = self._create_bucket(zone, sse_kms(self._key.arn))
        tiering = [tiering_rule(args.raw_to_ia_days, args.raw_to_glacier_ir_days)] if zone in args.tiering_zones else []
        lifecycle(name, b, args.noncurrent_expiry_days, tiering, self._child)
        # Uploads may not pick another key or algorithm (components/catalog/s3.py).
        tls_only_policy(name, b, only_this_key_statements(pulumi.Output.concat(b.bucket.arn, "/*"), self._key.arn), self._child)
        return b

    def _create_replica(self) -> pulumi.Output[dict[str, str]]:
        args = self._args
        if not args.replicated_zones:
            return pulumi.Output.from_input({})
        plan = ReplicaPlan(
            name=self._name,
            prefix=args.name_prefix,
            account_id=args.account_id,
            partition=args.partition,
            region=args.region,
            replica_region=args.replica_region,
            kms_admin_role_arns=args.kms_admin_role_arns,
            kms_deletion_window_days=args.kms_deletion_window_days,
            noncurrent_expiry_days=args.noncurrent_expiry_days,
            tiering={z: (args.raw_to_ia_days, args.raw_to_glacier_ir_days) for z in args.tiering_zones},
            force_destroy=args.force_destroy,
            protect=args.enable_protection,
            lag_alarm_minutes=args.replication_lag_alarm_minutes,
            alarm_emails=args.replication_alarm_emails,
        )
        sources = {zone: self._zone_buckets[zone] for zone in args.replicated_zones}
        return create_replica(plan, sources, self._key, parent=self, tags=self._tags).bucket_names

    def _create_database(self, zone: str) -> aws.glue.CatalogDatabase:
        # Glue (and Athena) database names allow lowercase letters, digits and '_' only.
        db_name = f"{self._args.name_prefix}_{zone}".replace("-", "_")
        return aws.glue.CatalogDatabase(
            f"{self._name}-{zone}",
            name=db_name,
            description=f"Tables of the {zone} zone of the data lake",
            location_uri=pulumi.Output.concat("s3://", self._buckets[zone].bucket, "/"),
            tags=self._tags(f"{self._name}-{zone}"),
            opts=self._child,
        )


def lake_access_policy(
    zones: Sequence[str],
    bucket_arns: pulumi.Input[Mapping[str, str]],
    kms_key_arn: pulumi.Input[str],
    grants: Sequence[PrefixGrant],
) -> pulumi.Output[str]:
    """JSON policy document for ``grants`` on the lake with these zone bucket ARNs and key."""
    # Validate now, so a bad grant fails at the caller's line, not inside an apply.
    validate_grants(tuple(zones), grants)
    grants = tuple(grants)
    return pulumi.Output.all(bucket_arns, kms_key_arn).apply(
        lambda v: json.dumps(build_access_policy(v[0], v[1], grants), sort_keys=True)
    )


@dataclass(frozen=True)
class DataLakeRef:
    """What teams use of a data lake: its zones, buckets and key (DataLake.ref, or a platform
    stack's outputs in a tenants stack)."""

    zones: tuple[str, ...]
    bucket_names: pulumi.Input[Mapping[str, str]]
    bucket_arns: pulumi.Input[Mapping[str, str]]
    kms_key_arn: pulumi.Input[str]

    def access_policy(self, grants: Sequence[PrefixGrant]) -> pulumi.Output[str]:
        return lake_access_policy(self.zones, self.bucket_arns, self.kms_key_arn, grants)
