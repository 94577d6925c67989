"""Clusters run a Kubernetes version still in EKS standard support (extended support costs 6x)."""

from __future__ import annotations

import datetime as dt

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from components.catalog.kubernetes import END_OF_STANDARD_SUPPORT, END_OF_SUPPORT_TABLE_CHECKED
from policies.rules._util import EKS_CLUSTER, get

NAME = "aws-eks-cluster-supported-version"

# The table and the day it was checked live with the other version facts.
TABLE_CHECKED = END_OF_SUPPORT_TABLE_CHECKED


def as_of(config) -> dt.date:
    """The date to judge by: config `asOf` (tests and reproducible CI runs), else today (UTC)."""
    value = config.get("asOf")
    if not value:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        # The config schema (format: date) rejects this first in `mlinfra plan` and the Pulumi
        # CLI; if a bad date still gets here, fail with what to fix rather than a bare ValueError.
        raise ValueError(f"policy config {NAME}.asOf: must be a date YYYY-MM-DD, got {value!r} ({exc})") from None


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != EKS_CLUSTER:
        return
    version = str(get(args.props, "version", default=""))
    today = as_of(args.get_config())
    supported = sorted(
        (v for v, end in END_OF_STANDARD_SUPPORT.items() if end >= today), key=lambda v: tuple(map(int, v.split(".")))
    )
    end = END_OF_STANDARD_SUPPORT.get(version)
    if end is None:
        report_violation(
            f"EKS cluster '{args.name}' runs Kubernetes {version or '(unset, EKS picks)'} which is not in the "
            f"support table; pin one of {supported} (mlinfra:kubernetes_version), or add the version with its "
            "end-of-standard-support date to this rule.",
            None,
        )
    elif end < today:
        report_violation(
            f"EKS cluster '{args.name}' runs Kubernetes {version}, past the end of EKS standard support "
            f"({end.isoformat()}); upgrade mlinfra:kubernetes_version to one of {supported}.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="EKS clusters run a Kubernetes version that has not passed its end of standard support.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "asOf": {
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}$",
                "format": "date",
                "description": "Judge support as of this date (YYYY-MM-DD) instead of today.",
            }
        }
    ),
)
