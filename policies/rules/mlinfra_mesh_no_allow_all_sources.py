"""No ALLOW AuthorizationPolicy matches every source (a rule without `from`, an empty or "*" source)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._mesh import AUTHORIZATION_POLICY
from policies.rules._util import get, items

NAME = "mlinfra-mesh-no-allow-all-sources"
SOURCE_FIELDS = ("principals", "requestPrincipals", "namespaces", "ipBlocks", "remoteIpBlocks")
WILDCARDS = {"*", "0.0.0.0/0", "::/0"}


def _open_source(source: Any) -> str | None:
    """Why a `source` matches any caller, or None."""
    values = {f: [v for v in items(get(source, f)) if isinstance(v, str)] for f in SOURCE_FIELDS}
    if not any(values.values()):
        return "a source with no principals, namespaces or IP blocks"
    for field, listed in values.items():
        if WILDCARDS & set(listed):
            return f"{field} {sorted(WILDCARDS & set(listed))}"
    return None


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != AUTHORIZATION_POLICY or get(args.props, "spec", "action", default="ALLOW") != "ALLOW":
        return
    for i, rule in enumerate(items(get(args.props, "spec", "rules"))):
        sources = items(get(rule, "from"))
        reasons = ["no `from` (any caller)"] if not sources else [r for s in sources if (r := _open_source(get(s, "source")))]
        for reason in reasons:
            report_violation(
                f"AuthorizationPolicy '{args.name}' spec.rules[{i}] allows every source ({reason}); name the callers: "
                "namespaces or mTLS principals (team files: mesh.allow_from).",
                None,
            )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Istio ALLOW AuthorizationPolicies name their callers: no rule matches every source.",
    validate=validate,
)
