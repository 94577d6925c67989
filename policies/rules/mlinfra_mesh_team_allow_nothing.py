"""Every team namespace has an allow-nothing AuthorizationPolicy (default deny in the mesh)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._mesh import AUTHORIZATION_POLICY, NAMESPACE, namespace_of
from policies.rules._util import TEAM_COMPONENT, ancestors, get

NAME = "mlinfra-mesh-team-allow-nothing"


def is_allow_nothing(props: Any) -> bool:
    """ALLOW (or no action), no selector, no rules: matches no request, so only explicit ALLOWs pass."""
    spec = get(props, "spec", default={})
    return (
        get(spec, "action", default="ALLOW") == "ALLOW"
        and get(spec, "rules") in (None, [])
        and get(spec, "selector") is None
        and get(spec, "targetRef") is None
        and get(spec, "targetRefs") is None
    )


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    denied = {
        namespace_of(r.props) for r in args.resources if r.resource_type == AUTHORIZATION_POLICY and is_allow_nothing(r.props)
    }
    for r in args.resources:
        if r.resource_type != NAMESPACE or not any(a.resource_type == TEAM_COMPONENT for a in ancestors(r)):
            continue
        name = get(r.props, "metadata", "name", default="")
        if name not in denied:
            report_violation(
                f"team namespace '{name}' has no allow-nothing AuthorizationPolicy, so any mesh workload may call it; "
                "create the team's TeamAuthorization component (allow-nothing plus explicit ALLOW policies).",
                r.urn,
            )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Every team namespace has an allow-nothing Istio AuthorizationPolicy (deny by default).",
    validate=validate,
)
