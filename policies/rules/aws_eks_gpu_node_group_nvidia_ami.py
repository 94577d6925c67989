"""GPU pools boot an AMI that ships the NVIDIA driver; a standard AMI leaves the GPUs unusable."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._util import NVIDIA_AMI_TYPES, get, gpu_pool_types

NAME = "aws-eks-gpu-node-group-nvidia-ami"


def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    gpu_types = gpu_pool_types(args)
    if not gpu_types:  # not a node group, or a CPU pool
        return
    ami = get(args.props, "amiType")
    if ami not in NVIDIA_AMI_TYPES:
        report_violation(
            f"GPU node group '{args.name}' ({', '.join(gpu_types)}) uses amiType {ami!r}; set ami_type to "
            "'AL2023_x86_64_NVIDIA' or 'BOTTLEROCKET_x86_64_NVIDIA'.",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Node groups of GPU instance types (g4dn/g5/g6/g6e/p4d/p4de/p5/p5e) use an NVIDIA EKS AMI.",
    validate=validate,
)
