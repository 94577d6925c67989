"""Every PeerAuthentication demands mutual TLS (STRICT), unless the environment allows PERMISSIVE (dev)."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._mesh import PEER_AUTHENTICATION
from policies.rules._util import get

NAME = "mlinfra-mesh-mtls-strict"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != PEER_AUTHENTICATION:
        return
    allowed = {"STRICT", "PERMISSIVE"} if args.get_config().get("allowPermissive") is True else {"STRICT"}
    modes = {"mtls.mode": get(args.props, "spec", "mtls", "mode")}
    port_levels = get(args.props, "spec", "portLevelMtls", default={})
    for port in port_levels or {}:
        modes[f"portLevelMtls.{port}.mode"] = get(port_levels, port, "mode")
    for field, mode in modes.items():
        # An absent mode inherits; in the root namespace it means PERMISSIVE, so it must be said.
        if mode not in allowed and not (field != "mtls.mode" and mode in (None, "UNSET")):
            report_violation(
                f"PeerAuthentication '{args.name}' sets {field} to {mode!r}; set STRICT so only mesh workloads with "
                f"certificates can connect (mlinfra:mesh mtls_mode; allowed here: {sorted(allowed)}).",
                None,
            )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Istio PeerAuthentication is STRICT mutual TLS (PERMISSIVE only where the config allows it, dev).",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={"allowPermissive": {"type": "boolean", "default": False, "description": "Allow PERMISSIVE mTLS (dev only)."}}
    ),
)
