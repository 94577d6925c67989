"""Symmetric KMS keys rotate their key material every year."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import KMS_KEY, get

NAME = "aws-kms-key-rotation-enabled"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != KMS_KEY:
        return
    # Automatic rotation exists only for symmetric encryption keys.
    spec = get(args.props, "customerMasterKeySpec", default="SYMMETRIC_DEFAULT")
    if spec != "SYMMETRIC_DEFAULT" or get(args.props, "keyUsage", default="ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        return
    if get(args.props, "enableKeyRotation") is not True:
        report_violation(f"KMS key '{args.name}' does not rotate; set enable_key_rotation=True.", None)


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Symmetric KMS keys have automatic key rotation enabled.",
    validate=validate,
)
