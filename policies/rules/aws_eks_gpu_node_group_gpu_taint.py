"""GPU nodes repel pods that did not ask for a GPU, so CPU work never holds a GPU node."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import get, gpu_pool_types, items

NAME = "aws-eks-gpu-node-group-gpu-taint"
TAINT_KEY = "nvidia.com/gpu"
TAINT_EFFECT = "NO_SCHEDULE"  # the EKS API spelling of NoSchedule


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    gpu_types = gpu_pool_types(args)
    if not gpu_types:  # not a node group, or a CPU pool
        return
    taints = items(get(args.props, "taints"))
    if not any(get(t, "key") == TAINT_KEY and get(t, "effect") == TAINT_EFFECT for t in taints):
        report_violation(
            f"GPU node group '{args.name}' ({', '.join(gpu_types)}) lacks the taint "
            f"{{key: '{TAINT_KEY}', value: 'true', effect: '{TAINT_EFFECT}'}}; add it to the node group's taints."
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="GPU node groups carry the nvidia.com/gpu NoSchedule taint.",
    validate=validate,
)
