"""No VirtualService injects faults where the environment forbids fault drills (prod)."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._mesh import VIRTUAL_SERVICE, http_routes
from policies.rules._util import get

NAME = "mlinfra-mesh-no-fault-injection"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != VIRTUAL_SERVICE or args.get_config().get("allowFaultInjection") is True:
        return
    for i, route in enumerate(http_routes(args.props)):
        if get(route, "fault") is not None:
            report_violation(
                f"VirtualService '{args.name}' injects faults (spec.http[{i}].fault) into live traffic; remove `fault` "
                "from the endpoint or list only dev/staging in fault.environments (fault drills are not allowed here).",
                None,
            )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Istio VirtualServices inject no faults (allowed only where the config says so: dev, staging).",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "allowFaultInjection": {"type": "boolean", "default": False, "description": "Allow fault drills (not in prod)."}
        }
    ),
)
