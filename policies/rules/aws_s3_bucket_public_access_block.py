"""Buckets block every form of public access, whatever a later ACL or policy says."""

from __future__ import annotations

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._util import BUCKET, attached, get, of_type

NAME = "aws-s3-bucket-public-access-block"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    blocks = attached(args.resources, PAB)
    for bucket in of_type(args.resources, BUCKET):
        candidates = blocks.get(bucket.urn, [])
        if any(all(get(b.props, f) is True for f in FLAGS) for b in candidates):
            continue
        if candidates:
            off = sorted({f for b in candidates for f in FLAGS if get(b.props, f) is not True})
            problem = f"has a public access block with {off} not true"
        else:
            problem = "has no BucketPublicAccessBlock"
        report_violation(
            f"bucket '{bucket.name}' {problem}; add a BucketPublicAccessBlock with all of {list(FLAGS)} true.",
            bucket.urn,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every S3 bucket has a public access block with all four settings on.",
    validate=validate,
)
