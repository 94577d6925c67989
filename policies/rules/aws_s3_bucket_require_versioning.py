"""Buckets keep old object versions, so an overwrite or delete can be undone."""

from __future__ import annotations

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._util import BUCKET, attached, get, of_type

NAME = "aws-s3-bucket-require-versioning"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    versioning = attached(args.resources, VERSIONING)
    for bucket in of_type(args.resources, BUCKET):
        statuses = [get(v.props, "versioningConfiguration", "status") for v in versioning.get(bucket.urn, [])]
        if "Enabled" in statuses:
            continue
        found = f"versioning status {statuses}" if statuses else "no BucketVersioning"
        report_violation(
            f"bucket '{bucket.name}' has {found}; add a BucketVersioning with versioningConfiguration.status 'Enabled'.",
            bucket.urn,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every S3 bucket has versioning enabled.",
    validate=validate,
)
