"""Log groups (flow logs, the control plane's audit log, broker logs) are encrypted with a customer key."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get

NAME = "aws-cloudwatch-log-group-encrypted-with-cmk"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != LOG_GROUP:
        return
    if not get(args.props, "kmsKeyId"):
        report_violation(
            f"log group '{args.name}' is encrypted only with CloudWatch's own key; set kms_key_id to a customer key "
            "whose policy lets logs.<region>.amazonaws.com use it for this group (components/_kms.py logs_key_policy).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="CloudWatch log groups are encrypted with a customer-managed KMS key (kmsKeyId set).",
    validate=validate,
)
