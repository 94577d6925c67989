"""GPU nodes repel pods that did not ask for a GPU, so CPU work never holds a GPU node."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from components.catalog.gpu import GPU_TAINT_EFFECT as TAINT_EFFECT
from components.catalog.gpu import GPU_TAINT_KEY as TAINT_KEY
from components.catalog.gpu import GPU_TAINT_VALUE as TAINT_VALUE
from policies.rules._util import get, gpu_pool_types, items

NAME = "aws-eks-gpu-node-group-gpu-taint"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    gpu_types = gpu_pool_types(args)
    if not gpu_types:  # not a node group, or a CPU pool
        return
    taints = items(get(args.props, "taints"))
    if not any(get(t, "key") == TAINT_KEY and get(t, "effect") == TAINT_EFFECT for t in taints):
        report_violation(
            f"GPU node group '{args.name}' ({', '.join(gpu_types)}) lacks the taint "
            f"{{key: '{TAINT_KEY}', value: '{TAINT_VALUE}', effect: '{TAINT_EFFECT}'}}; add it to the node group's taints.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description=f"GPU node groups carry the {TAINT_KEY} NoSchedule taint.",
    validate=validate,
)
