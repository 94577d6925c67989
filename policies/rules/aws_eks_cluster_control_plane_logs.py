"""The control plane logs what an incident review needs."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import EKS_CLUSTER, get, items

NAME = "aws-eks-cluster-control-plane-logs"
ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != EKS_CLUSTER:
        return
    required = [str(t) for t in items(args.get_config().get("requiredLogTypes", ALL_LOG_TYPES))]
    enabled = set(items(get(args.props, "enabledClusterLogTypes")))
    missing = [t for t in required if t not in enabled]
    if missing:
        report_violation(
            f"EKS cluster '{args.name}' does not send control-plane logs {missing}; add them to "
            "mlinfra:control_plane_log_types (enabled_cluster_log_types).",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="EKS clusters send the environment's required control-plane log types (all five in prod).",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "requiredLogTypes": {
                "type": "array",
                "items": {"enum": ALL_LOG_TYPES},
                "uniqueItems": True,
                "default": ALL_LOG_TYPES,
                "description": "Control-plane log types that must be enabled.",
            }
        }
    ),
)
