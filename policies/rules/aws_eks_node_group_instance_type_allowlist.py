"""Each environment runs only the instance types it was sized and budgeted for."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import NODE_GROUP, get, items, matches_any

NAME = "aws-eks-node-group-instance-type-allowlist"
# The strict default (no config file): general-purpose types and the smaller GPU types.
DEFAULT_ALLOWED = ["m6i.*", "m7i.*", "g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6.2xlarge"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != NODE_GROUP:
        return
    allowed = [str(p) for p in items(args.get_config().get("allowedInstanceTypes", DEFAULT_ALLOWED))]
    types = [str(t) for t in items(get(args.props, "instanceTypes"))]
    denied = [t for t in types if not matches_any(t, allowed)]
    if denied:
        report_violation(
            f"node group '{args.name}' uses instance type(s) {denied} not allowed in this environment "
            f"(allowed: {allowed}); pick an allowed type, or change allowedInstanceTypes in the "
            "environment's policies/config/<env>.json through a reviewed change.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Node group instance types are in the environment's allowlist.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedInstanceTypes": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^[a-z0-9*?\[\]-]+\.[a-z0-9*?\[\]-]+$"},
                "minItems": 1,
                "default": DEFAULT_ALLOWED,
                "description": "Allowed EC2 instance types; shell globs such as 'm6i.*'.",
            }
        }
    ),
)
