"""Resources that hold data or identity cannot be deleted by one mistaken `pulumi destroy`."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from components.catalog.stateful import PROTECTED_IN_PROD
from policies.rules._util import items

NAME = "mlinfra-stateful-resources-protected"
DEFAULT_TYPES = list(PROTECTED_IN_PROD)


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    types = [str(t) for t in items(args.get_config().get("statefulTypes", DEFAULT_TYPES))]
    if args.resource_type not in types:
        return
    # `protect` is a resource option, visible to policies as opts.protect (not a prop).
    if not args.opts.protect:
        report_violation(
            f"{args.resource_type} '{args.name}' is not protected; create it with "
            "ResourceOptions(protect=True, retain_on_delete=True) (mlinfra:enable_protection: true).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Stateful resources (components/catalog/stateful.py) are created with protect=True.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "statefulTypes": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^[a-z0-9-]+:[A-Za-z0-9./-]+:[A-Za-z0-9]+$"},
                "default": DEFAULT_TYPES,
                "description": "Resource type tokens that must be protected.",
            }
        }
    ),
)
