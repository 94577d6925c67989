"""Every alert of every PrometheusRule has a severity label Alertmanager can route on."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get, items

NAME = "mlinfra-prometheus-rule-severity"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
DEFAULT_SEVERITIES = ["critical", "warning", "info"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != PROMETHEUS_RULE:
        return
    allowed = list(args.get_config().get("allowedSeverities") or DEFAULT_SEVERITIES)
    for group in items(get(args.props, "spec", "groups")):
        for rule in items(get(group, "rules")):
            alert = get(rule, "alert")
            if alert is None:
                continue  # a recording rule: no notification, no severity
            severity = get(rule, "labels", "severity")
            if severity not in allowed:
                found = "no severity label" if severity is None else f"severity {severity!r}"
                report_violation(
                    f"PrometheusRule '{args.name}', group '{get(group, 'name')}', alert '{alert}' has {found}; "
                    f"add labels.severity, one of {allowed} (routing and paging depend on it).",
                    None,
                )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Every alerting rule of a PrometheusRule has a severity label from the allowed set.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedSeverities": {
                "type": "array",
                "items": {"type": "string"},
                "default": DEFAULT_SEVERITIES,
                "description": "Severities Alertmanager routes on.",
            }
        }
    ),
)
