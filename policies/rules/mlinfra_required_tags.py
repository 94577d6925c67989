"""Every taggable AWS resource carries the tags cost allocation and ownership depend on."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from components.catalog.schema import is_taggable
from policies.rules._util import items, tags_of

NAME = "mlinfra-required-tags"
DEFAULT_TAGS = ["environment", "managed-by", "cost-center"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # Taggable = the type's pulumi_aws class takes `tags` (mlinfra.schema, read offline, cached;
    # the same check the component tests use). __main__.py makes the repository root importable.
    if not is_taggable(args.resource_type):
        return
    required = [str(t) for t in items(args.get_config().get("requiredTags"))] or DEFAULT_TAGS
    tags = tags_of(args.props)
    missing = [t for t in required if not str(tags.get(t) or "").strip()]
    if missing:
        report_violation(
            f"{args.resource_type} '{args.name}' is missing tag(s) {missing}; pass the stack's base tags "
            "(Settings.base_tags) to its component's `tags` argument.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Taggable AWS resources carry the environment, managed-by and cost-center tags.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "requiredTags": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": 1,
                "default": DEFAULT_TAGS,
                "description": "Tag keys every taggable AWS resource must carry with a non-empty value.",
            }
        }
    ),
)
