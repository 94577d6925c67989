"""The Kubernetes API is not reachable from the whole internet."""

from __future__ import annotations

import ipaddress

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import EKS_CLUSTER, get, items

NAME = "aws-eks-cluster-endpoint-not-public"


def _is_anywhere(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != EKS_CLUSTER or args.get_config().get("allowPublicEndpointFromAnywhere") is True:
        return
    vpc = get(args.props, "vpcConfig", default={})
    # EKS defaults endpointPublicAccess to true and publicAccessCidrs to 0.0.0.0/0.
    if get(vpc, "endpointPublicAccess", default=True) is not True:
        return
    cidrs = [str(c) for c in items(get(vpc, "publicAccessCidrs"))]
    open_cidrs = [c for c in cidrs if _is_anywhere(c)] if cidrs else ["0.0.0.0/0 (the EKS default)"]
    if open_cidrs:
        report_violation(
            f"EKS cluster '{args.name}' has a public endpoint open to {open_cidrs}; set "
            "mlinfra:endpoint_public_access: false, or list the office/VPN CIDRs in "
            "mlinfra:endpoint_public_access_cidrs.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="EKS cluster endpoints are private or public only to listed CIDRs, never 0.0.0.0/0.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowPublicEndpointFromAnywhere": {
                "type": "boolean",
                "default": False,
                "description": "Allow a public endpoint open to 0.0.0.0/0 (dev only).",
            }
        }
    ),
)
