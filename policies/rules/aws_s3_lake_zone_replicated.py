"""The lake zones whose data cannot be regenerated are replicated to a second region."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._util import BUCKET, attached, get, is_set, items, matches_any, of_type

NAME = "aws-s3-lake-zone-replicated"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
# The zone buckets' resource names are data-lake-<zone>; raw (source data) and models (trained
# artefacts) cannot be rebuilt, curated and features are derived from raw.
DEFAULT_PATTERNS = ["data-lake-raw", "data-lake-models"]


def _replicates(rule) -> bool:
    """An enabled rule that copies SSE-KMS objects into a bucket under a replica key."""
    destination = get(rule, "destination", default={})
    return (
        get(rule, "status") == "Enabled"
        and is_set(destination, "bucket")
        and is_set(get(destination, "encryptionConfiguration", default={}), "replicaKmsKeyId")
        and get(rule, "sourceSelectionCriteria", "sseKmsEncryptedObjects", "status") == "Enabled"
    )


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    patterns = [str(p) for p in items(args.get_config().get("nonRegenerableBuckets"))] or DEFAULT_PATTERNS
    configs = attached(args.resources, REPLICATION)
    for bucket in of_type(args.resources, BUCKET):
        if not matches_any(bucket.name, patterns):
            continue
        rules = [rule for config in configs.get(bucket.urn, []) for rule in items(get(config.props, "rules"))]
        if any(_replicates(rule) for rule in rules):
            continue
        report_violation(
            f"bucket '{bucket.name}' holds data that cannot be regenerated but is not replicated to a second region; "
            "add its zone to mlinfra:data_lake.replicated_zones (an enabled rule replicating SSE-KMS objects "
            "with a replica key), or change nonRegenerableBuckets in the policy config if the zone can be rebuilt.",
            bucket.urn,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Lake buckets whose data cannot be regenerated (raw, models) replicate SSE-KMS objects to a second region.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "nonRegenerableBuckets": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "default": DEFAULT_PATTERNS,
                "description": "Globs matched against bucket resource names: the zones that must be replicated.",
            }
        }
    ),
)
