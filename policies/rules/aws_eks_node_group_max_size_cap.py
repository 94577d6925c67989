"""No node group can scale past what the environment is meant to run."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import NODE_GROUP, as_int, get, gpu_instance_types

NAME = "aws-eks-node-group-max-size-cap"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != NODE_GROUP:
        return
    config = args.get_config()
    max_size = as_int(get(args.props, "scalingConfig", "maxSize"))
    is_gpu = bool(gpu_instance_types(args.props))
    key = "maxGpuNodeGroupSize" if is_gpu else "maxNodeGroupSize"
    cap = as_int(config.get(key), 10 if is_gpu else 20)
    if max_size > cap:
        kind = "GPU node group" if is_gpu else "node group"
        report_violation(
            f"{kind} '{args.name}' may scale to {max_size} nodes; this environment caps {kind}s at {cap} ({key}). "
            "Lower max_size in the stack file, or split the workload across pools.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Node group max size stays within the environment's cap (separate caps for GPU and CPU pools).",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "maxNodeGroupSize": {
                "type": "integer",
                "minimum": 1,
                "default": 20,
                "description": "Cap on max_size of CPU node groups.",
            },
            "maxGpuNodeGroupSize": {
                "type": "integer",
                "minimum": 1,
                "default": 10,
                "description": "Cap on max_size of GPU node groups.",
            },
        }
    ),
)
