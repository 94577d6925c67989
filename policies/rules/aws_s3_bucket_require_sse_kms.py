"""Data lake buckets are encrypted at rest with a customer-managed KMS key."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._util import BUCKET, attached, get, is_set, items, of_type

NAME = "aws-s3-bucket-require-sse-kms"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _algorithms(config) -> list[tuple[str, bool]]:
    out = []
    for rule in items(get(config.props, "rules")):
        default = get(rule, "applyServerSideEncryptionByDefault", default={})
        # The key ARN is unknown in a preview until the key exists: set, not read.
        out.append((str(get(default, "sseAlgorithm", default="")), is_set(default, "kmsMasterKeyId")))
    return out


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    # A stack policy: in pulumi_aws 7 encryption is a separate resource, so "this bucket is
    # encrypted" means "some encryption configuration references this bucket".
    allow_sse_s3_logs = args.get_config().get("allowSseS3ForAccessLogBuckets", True) is not False
    configs = attached(args.resources, SSE)
    # S3 server access logs can only be delivered to SSE-S3 buckets, so a log target may use AES256.
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    log_targets = {urn for urn in attached(args.resources, LOGGING, "targetBucket")}
    for bucket in of_type(args.resources, BUCKET):
        algorithms = [a for c in configs.get(bucket.urn, []) for a in _algorithms(c)]
        if any(alg in KMS_ALGORITHMS and key for alg, key in algorithms):
            continue
        if allow_sse_s3_logs and bucket.urn in log_targets and any(alg == "AES256" for alg, _ in algorithms):
            continue
        if not algorithms:
            problem = "has no BucketServerSideEncryptionConfiguration"
        elif any(alg in KMS_ALGORITHMS for alg, _ in algorithms):
            problem = "uses SSE-KMS without kmsMasterKeyId (the AWS-managed key cannot be rotated or restricted)"
        else:
            problem = f"is encrypted with {sorted({a for a, _ in algorithms})}, not SSE-KMS"
        report_violation(
            f"bucket '{bucket.name}' {problem}; add a BucketServerSideEncryptionConfiguration with "
            "sseAlgorithm 'aws:kms' and kmsMasterKeyId set to the data lake key.",
            bucket.urn,
        )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every S3 bucket has default encryption SSE-KMS with a customer-managed key.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowSseS3ForAccessLogBuckets": {
                "type": "boolean",
                "default": True,
                "description": "Server access log target buckets may use SSE-S3 (S3 requires it).",
            }
        }
    ),
)
