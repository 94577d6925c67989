"""Alerts reach people: kube-prometheus-stack runs its Alertmanager (dev may turn it off)."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get

NAME = "mlinfra-alertmanager-enabled"
RELEASE = "kubernetes:helm.sh/v3:Release"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != RELEASE or get(args.props, "chart") != "kube-prometheus-stack":
        return
    # The chart's default is enabled: only an explicit false turns it off.
    if get(args.props, "values", "alertmanager", "enabled") is False:
        report_violation(
            f"release '{args.name}' turns Alertmanager off, so firing alerts reach nobody; "
            "set mlinfra:monitoring.alertmanager_enabled: true (only dev's policy config allows it off).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="kube-prometheus-stack releases keep Alertmanager enabled (only dev may turn it off).",
    validate=validate,
)
