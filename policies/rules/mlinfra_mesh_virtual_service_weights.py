"""Weighted routes of a VirtualService add up to 100 percent."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._mesh import VIRTUAL_SERVICE, http_routes
from policies.rules._util import as_int, get, items

NAME = "mlinfra-mesh-virtual-service-weights"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != VIRTUAL_SERVICE:
        return
    for i, route in enumerate(http_routes(args.props)):
        destinations = items(get(route, "route"))
        if len(destinations) < 2:
            continue  # one destination takes every request whatever its weight says
        weights = [as_int(get(d, "weight"), 0) for d in destinations]
        if sum(weights) != 100 or any(w < 0 for w in weights):
            report_violation(
                f"VirtualService '{args.name}' spec.http[{i}] splits traffic {weights}, which adds up to {sum(weights)}; "
                "weights must add up to 100 (set the canary weight with `mlinfra canary set`, the stable route gets the rest).",
                None,
            )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Istio VirtualService routes with several destinations have weights adding up to 100.",
    validate=validate,
)
