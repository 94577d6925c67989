"""The raw zone grows without bound unless a lifecycle tiers or expires it."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._util import BUCKET, attached, get, items, matches_any, of_type

NAME = "aws-s3-raw-zone-lifecycle"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
DEFAULT_PATTERNS = ["*-raw"]


def _manages_data(rule) -> bool:
    """An enabled rule that moves or expires objects (aborting multipart uploads does not count)."""
    if get(rule, "status") != "Enabled":
        return False
    return bool(items(get(rule, "transitions")) or get(rule, "expiration") or get(rule, "noncurrentVersionTransitions"))


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    patterns = [str(p) for p in items(args.get_config().get("rawZoneBuckets"))] or DEFAULT_PATTERNS
    lifecycles = attached(args.resources, LIFECYCLE)
    for bucket in of_type(args.resources, BUCKET):
        if not matches_any(bucket.name, patterns):
            continue
        rules = [rule for lc in lifecycles.get(bucket.urn, []) for rule in items(get(lc.props, "rules"))]
        if any(_manages_data(rule) for rule in rules):
            continue
        report_violation(
            f"raw-zone bucket '{bucket.name}' has no enabled lifecycle rule that transitions or expires objects; "
            "add a BucketLifecycleConfiguration rule (e.g. STANDARD_IA after 90 days, GLACIER_IR after 180).",
            bucket.urn,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="The raw-zone bucket has an enabled lifecycle rule that tiers or expires objects.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "rawZoneBuckets": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "default": DEFAULT_PATTERNS,
                "description": "Globs matched against bucket resource names to find the raw zone.",
            }
        }
    ),
)
