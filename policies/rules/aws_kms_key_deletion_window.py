"""A scheduled KMS key deletion leaves time to notice and cancel it."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import KMS_KEY, as_int, get

NAME = "aws-kms-key-deletion-window"
AWS_DEFAULT_WINDOW = 30  # what AWS applies when deletionWindowInDays is not set


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != KMS_KEY:
        return
    minimum = as_int(args.get_config().get("minDeletionWindowDays"), 30)
    window = as_int(get(args.props, "deletionWindowInDays"), AWS_DEFAULT_WINDOW)
    if window < minimum:
        report_violation(
            f"KMS key '{args.name}' has a {window}-day deletion window; this environment requires at least "
            f"{minimum} days: raise mlinfra:kms_deletion_window_days (or the key's deletion_window_in_days).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="KMS keys have a deletion window of at least the environment's minimum (30 days in prod).",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "minDeletionWindowDays": {
                "type": "integer",
                "minimum": 7,
                "maximum": 30,
                "default": 30,
                "description": "Smallest allowed deletion window, in days (AWS allows 7-30).",
            }
        }
    ),
)
