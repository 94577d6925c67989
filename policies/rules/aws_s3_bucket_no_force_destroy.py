"""`pulumi destroy` never empties a bucket unless the environment allows it (dev)."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import BUCKET, get, truthy

NAME = "aws-s3-bucket-no-force-destroy"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != BUCKET or args.get_config().get("allowForceDestroy") is True:
        return
    if truthy(get(args.props, "forceDestroy")):
        report_violation(
            f"bucket '{args.name}' sets forceDestroy, which lets a destroy delete every object; "
            "leave force_destroy off in this environment (only dev's policy config allows it).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="S3 buckets do not set forceDestroy (allowed only where the policy config says so).",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowForceDestroy": {
                "type": "boolean",
                "default": False,
                "description": "Allow forceDestroy (dev only).",
            }
        }
    ),
)
