"""MSK data at rest is encrypted with a customer-managed key (rotating, revocable, auditable)."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get, is_set

NAME = "aws-msk-cluster-encrypted-with-cmk"
MSK_CLUSTER = "aws:msk/cluster:Cluster"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != MSK_CLUSTER:
        return
    # Without a key ARN MSK uses the AWS-managed aws/kafka key, which no one can rotate or revoke.
    if not is_set(get(args.props, "encryptionInfo", default={}), "encryptionAtRestKmsKeyArn"):
        report_violation(
            f"MSK cluster '{args.name}' is encrypted at rest with the AWS-managed key; set "
            "encryption_info.encryption_at_rest_kms_key_arn to a customer key (components/kafka/_msk.py makes one).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="MSK clusters encrypt data at rest with a customer-managed KMS key.",
    validate=validate,
)
