"""Settings every area reads: which stack, which environment, where, who pays, how protected."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from components.catalog.aws_limits import MAX_TAGS_PER_RESOURCE
from components.catalog.regions import REGIONS
from components.validation import admin_role_problems
from stacks.area import Area, Model
from stacks.errors import explain_patterns

Environment = Literal["dev", "staging", "prod"]

# Tags the platform sets itself; a stack's extra tags may not override them.
REQUIRED_TAGS = ("environment", "managed-by", "cost-center")
# The platform's own tags on its most-tagged resource (a GPU node group: the required tags, Name,
# two autoscaler discovery tags and the node-template tags of the pool's labels) stay within this
# share of AWS's 50; tests/components/test_tags.py checks every planned resource.
MAX_EXTRA_TAGS = 30


COST_CENTER_PATTERN = r"^[A-Za-z0-9._-]+$"
explain_patterns({COST_CENTER_PATTERN: "must be letters, digits, '.', '_' or '-' (no spaces), such as ml-platform"})


# AWS accepts letters, digits and white space in any script, and _ . : / = + - @ (the tagging
# guide's [\p{L}\p{Z}\p{N}_.:/=+\-@]*); anything else fails the first `pulumi up`.
# https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html
TAG_PUNCTUATION = "_.:/=+-@"


def _tag_characters_problem(text: str) -> str | None:
    bad = sorted({ch for ch in text if not (ch.isalnum() or ch == " " or ch in TAG_PUNCTUATION)})
    if bad:
        return f"AWS allows letters, digits, spaces and {' '.join(TAG_PUNCTUATION)} only, not {bad}"
    return None


class CoreArea(Model):
    """Fields of ``Settings`` that are not one area's."""

    AREA: ClassVar[Area] = Area(
        defaults={
            "dev": {"cost_center": "ml-platform", "kms_deletion_window_days": 7, "enable_protection": False},
            "staging": {"cost_center": "ml-platform", "kms_deletion_window_days": 30, "enable_protection": False},
            "prod": {"cost_center": "ml-platform", "kms_deletion_window_days": 30, "enable_protection": True},
        }
    )

    stack: str
    """The Pulumi stack name (dev, staging, prod, or any name whose environment is set)."""
    environment: Environment
    """Which defaults apply; never read by components."""
    region: str
    """AWS region (stack key ``aws:region``)."""
    cost_center: str = Field(min_length=1, max_length=64, pattern=COST_CENTER_PATTERN)
    """Value of the ``cost-center`` tag on every taggable resource."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every taggable resource (cannot override the three required tags)."""
    kms_deletion_window_days: int = Field(ge=7, le=30)
    """Waiting period before a scheduled KMS key deletion takes effect."""
    enable_protection: bool
    """Protect and retain stateful resources (KMS keys, the cluster, buckets)."""
    kms_key_admin_role_arns: tuple[str, ...] = ()
    """IAM roles that administer every KMS key of the stack (describe, rotate, disable, schedule
    deletion...) but may not encrypt or decrypt with it; the account root always administers."""

    @field_validator("region")
    @classmethod
    def _region_supported(cls, v: str) -> str:
        if v not in REGIONS:
            raise ValueError(f"must be one of {sorted(REGIONS)}, got {v!r}")
        return v

    @field_validator("kms_key_admin_role_arns")
    @classmethod
    def _kms_admins_are_role_arns(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        problems = admin_role_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("tags")
    @classmethod
    def _tags_do_not_override(cls, v: dict[str, str]) -> dict[str, str]:
        reserved = sorted(set(v) & set(REQUIRED_TAGS))
        if reserved:
            raise ValueError(f"may not set the required tags {reserved}; they come from the settings")
        # AWS tag limits: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
        if len(v) > MAX_EXTRA_TAGS:
            raise ValueError(
                f"at most {MAX_EXTRA_TAGS} extra tags, got {len(v)}: AWS allows {MAX_TAGS_PER_RESOURCE} per resource "
                f"and the platform adds up to {MAX_TAGS_PER_RESOURCE - MAX_EXTRA_TAGS} of its own"
            )
        for key, value in v.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                raise ValueError(f"tag key {key!r} must be 1-128 characters and must not start with 'aws:'")
            if len(value) > 256:
                raise ValueError(f"tag {key!r}: values are at most 256 characters, got {len(value)}")
            for what, text in (("key", key), ("value", value)):
                if bad := _tag_characters_problem(text):
                    raise ValueError(f"tag {what} {text!r}: {bad}")
        return v

    @property
    def base_tags(self) -> dict[str, str]:
        """The tags every taggable resource carries, passed explicitly to every component."""
        return {**self.tags, "environment": self.environment, "managed-by": "mlinfra", "cost-center": self.cost_center}
