"""The private S3 bucket every zone of the data lake, and its access-log bucket, is built on.

Private helpers of ``components/data_lake/data_lake.py`` (the DataLake component owns every resource
made here: callers pass ``opts`` with ``parent=`` the component). A bucket here is always
BucketOwnerEnforced, fully public-access-blocked, default-encrypted, versioned and TLS-only;
the caller chooses the encryption and adds lifecycle rules and policy statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

import pulumi
import pulumi_aws as aws

from components.catalog.s3 import tls_only_statement
from components.data_lake.validation import ABORT_MULTIPART_DAYS

LifecycleRule: TypeAlias = aws.s3.BucketLifecycleConfigurationRuleArgs


@dataclass(frozen=True)
class PrivateBucket:
    """A bucket and the settings later resources must wait for."""

    bucket: aws.s3.Bucket
    public_access_block: aws.s3.BucketPublicAccessBlock
    versioning: aws.s3.BucketVersioning


def sse_kms(key_arn: pulumi.Input[str]) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgs:
    """Default encryption with a customer-managed key and S3 Bucket Keys."""
    return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id=key_arn
        ),
        # Bucket keys cut KMS requests (and their cost) by orders of magnitude.
        bucket_key_enabled=True,
    )


def sse_s3() -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgs:
    """Default encryption with S3-managed keys (AES256)."""
    return aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256"
        ),
    )


def private_bucket(
    name: str,
    bucket_name: pulumi.Input[str],
    encryption: aws.s3.BucketServerSideEncryptionConfigurationRuleArgs,
    *,
    force_destroy: bool,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> PrivateBucket:
    """A private, versioned, encrypted bucket; every child is named ``name``."""
    bucket = aws.s3.Bucket(
        name,
        bucket=bucket_name,
        # Absent unless asked for: prod never sends force_destroy at all.
        force_destroy=True if force_destroy else None,
        tags=dict(tags),
        opts=opts,
    )
    child = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[bucket]))
    aws.s3.BucketOwnershipControls(
        name,
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child,
    )
    public_access_block = aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=bucket.id, rules=[encryption], opts=child)
    versioning = aws.s3.BucketVersioning(
        name,
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=child,
    )
    return PrivateBucket(bucket, public_access_block, versioning)


def _every_object() -> aws.s3.BucketLifecycleConfigurationRuleFilterArgs:
    return aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")


def tiering_rule(ia_days: int, glacier_ir_days: int) -> LifecycleRule:
    """Move every object to STANDARD_IA, then GLACIER_IR (days after creation)."""
    return LifecycleRule(
        id="tier-to-infrequent-access",
        status="Enabled",
        filter=_every_object(),
        transitions=[
            aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(days=ia_days, storage_class="STANDARD_IA"),
            aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(days=glacier_ir_days, storage_class="GLACIER_IR"),
        ],
    )


def expiry_rule(rule_id: str, days: int) -> LifecycleRule:
    """Expire every current object ``days`` after creation."""
    return LifecycleRule(
        id=rule_id,
        status="Enabled",
        filter=_every_object(),
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
    )


def lifecycle(
    name: str, b: PrivateBucket, noncurrent_days: int, extra: list[LifecycleRule], opts: pulumi.ResourceOptions
) -> aws.s3.BucketLifecycleConfiguration:
    """Abort stale multipart uploads, expire old versions, plus ``extra`` rules."""
    rules = [
        LifecycleRule(
            id="abort-incomplete-multipart-uploads",
            status="Enabled",
            filter=_every_object(),
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=ABORT_MULTIPART_DAYS
            ),
        ),
        LifecycleRule(
            id="expire-noncurrent-versions",
            status="Enabled",
            filter=_every_object(),
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=noncurrent_days
            ),
        ),
        *extra,
    ]
    return aws.s3.BucketLifecycleConfiguration(
        name,
        bucket=b.bucket.id,
        rules=rules,
        # Lifecycle on a versioned bucket must follow versioning (AWS provider docs).
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[b.versioning])),
    )


def tls_only_policy(name: str, b: PrivateBucket, extra: list[dict], opts: pulumi.ResourceOptions) -> aws.s3.BucketPolicy:
    """The bucket policy: deny any request without TLS, plus ``extra`` statements."""
    arn = b.bucket.arn
    deny_plain_http = tls_only_statement(arn, pulumi.Output.concat(arn, "/*"))
    return aws.s3.BucketPolicy(
        name,
        bucket=b.bucket.id,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [deny_plain_http, *extra]}),
        # Concurrent policy and public-access-block writes fail with OperationAborted.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[b.public_access_block])),
    )
