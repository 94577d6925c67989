"""Grafana's admin password never sits in Helm values: it comes from a Kubernetes Secret.

Helm stores a release's values in the cluster (a Secret per revision) and they appear in the
plan; a password there is readable by anyone who can read either. kube-prometheus-stack's
``grafana.admin.existingSecret`` (or the grafana chart's ``admin.existingSecret``) points the
chart at a Secret instead.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get

NAME = "mlinfra-grafana-admin-password-not-plain"
RELEASE = "kubernetes:helm.sh/v3:Release"
# Chart -> path of Grafana's values inside the release values (() = the top level).
GRAFANA_CHARTS: dict[str, tuple[str, ...]] = {"kube-prometheus-stack": ("grafana",), "grafana": ()}


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != RELEASE or get(args.props, "chart") not in GRAFANA_CHARTS:
        return
    path = GRAFANA_CHARTS[get(args.props, "chart")]
    grafana = get(args.props, "values", *path, default={})
    if path and get(grafana, "enabled", default=True) is False:
        return
    where = ".".join((*path, "adminPassword"))
    if get(grafana, "adminPassword") is not None:
        report_violation(
            f"release '{args.name}' sets {where} in its Helm values, where the plan and Helm's release "
            "history keep it; remove it and set admin.existingSecret to a Kubernetes Secret holding the password.",
            None,
        )
    elif not get(grafana, "admin", "existingSecret"):
        report_violation(
            f"release '{args.name}' lets the Grafana chart make up an admin password nobody manages; set "
            f"{'.'.join((*path, 'admin', 'existingSecret'))} to a Kubernetes Secret (components/monitoring/monitoring.py makes one).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Grafana's admin password comes from a Kubernetes Secret (admin.existingSecret), never from Helm values.",
    validate=validate,
)
