"""GPU instance types (GPUs, model, memory, EFA, on-demand prices), NVIDIA AMI types and the GPU taint.

Price source: AWS EC2 On-Demand pricing, Linux, shared tenancy
(https://aws.amazon.com/ec2/pricing/on-demand/), us-east-1 list prices as of 2025-06 (after
AWS's June 2025 cut of up to 45% on P4d/P4de/P5 on-demand prices). Honest status, 2026-11-26:
the table was typed from memory in 2025-06, NOT fetched from the Price List API (nothing here
can reach AWS) and not re-checked since. The G-family figures (g4dn, g5, g6, g6e) are AWS's
long-standing list prices; the P-family figures (p4d, p4de, p5, p5e) are the least certain and
AWS may have changed them since; third-party pages still quote pre-cut prices (p5.48xlarge
$98.32/h). Refresh before trusting a figure:
``aws pricing get-products --service-code AmazonEC2 --region us-east-1 --filters
Type=TERM_MATCH,Field=instanceType,Value=<type> Type=TERM_MATCH,Field=location,Value=<region name>``.
Other regions are the us-east-1 price times a rough per-region ratio below (read off the g5
and m6i list prices, not measured per type): an estimate for budgeting, not a quote.

Region availability is from the EC2 "instance types by Region" documentation
(https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-regions.html) as of the same
date, for the regions in components/catalog/regions.py; a type absent from a region is rejected by the
settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from components.catalog.regions import REGIONS

ALL_REGIONS: tuple[str, ...] = tuple(REGIONS)

# Price of a region relative to us-east-1 (general-purpose families: components/catalog/prices.py).
_GPU_REGION_RATIO: Mapping[str, float] = {
    "us-east-1": 1.0,
    "us-east-2": 1.0,
    "us-west-2": 1.0,
    "eu-west-1": 1.12,
    "eu-central-1": 1.25,
    "ap-northeast-1": 1.35,
}


@dataclass(frozen=True)
class GpuInstanceType:
    """One GPU instance type: what it holds and what it costs where it is offered."""

    name: str
    gpus: int
    """GPUs per instance."""
    gpu_model: str
    """NVIDIA model, e.g. ``A10G``; one pool never mixes models."""
    gpu_memory_gib: int
    """Memory per GPU."""
    vcpus: int
    efa_interfaces: int
    """EFA-capable network cards (0: no EFA)."""
    hourly_prices: Mapping[str, float]
    """On-demand USD per hour by region; a region absent here does not offer the type."""

    @property
    def family(self) -> str:
        return self.name.split(".")[0]

    @property
    def model_label(self) -> str:
        """The GPU model as a Kubernetes label value, e.g. ``a10g`` or ``h100``."""
        return self.gpu_model.lower()

    @property
    def supports_efa(self) -> bool:
        return self.efa_interfaces > 0

    def offered_in(self, region: str) -> bool:
        return region in self.hourly_prices


# family -> (GPU model, GiB per GPU, regions offered)
_FAMILIES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "g4dn": ("T4", 16, ALL_REGIONS),
    "g5": ("A10G", 24, ALL_REGIONS),
    "g6": ("L4", 24, ("us-east-1", "us-east-2", "us-west-2", "eu-central-1", "ap-northeast-1")),
    "g6e": ("L40S", 48, ("us-east-1", "us-east-2", "us-west-2", "eu-central-1", "ap-northeast-1")),
    "p4d": ("A100", 40, ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1")),
    "p4de": ("A100-80GB", 80, ("us-east-1", "us-west-2")),
    "p5": ("H100", 80, ("us-east-1", "us-east-2", "us-west-2", "ap-northeast-1")),
    "p5e": ("H200", 141, ("us-east-2",)),
}

# instance type: (GPUs, vCPUs, EFA interfaces, us-east-1 USD/hour). The EFA-capable types match
# the list of aws/eks-charts' EFA device plugin chart (v0.5.30), tests/components/test_gpu_catalog.py.
_TYPES: dict[str, tuple[int, int, int, float]] = {
    "g4dn.xlarge": (1, 4, 0, 0.526),
    "g4dn.2xlarge": (1, 8, 0, 0.752),
    "g4dn.4xlarge": (1, 16, 0, 1.204),
    "g4dn.8xlarge": (1, 32, 1, 2.176),
    "g4dn.12xlarge": (4, 48, 1, 3.912),
    "g4dn.16xlarge": (1, 64, 1, 4.352),
    "g4dn.metal": (8, 96, 1, 7.824),
    "g5.xlarge": (1, 4, 0, 1.006),
    "g5.2xlarge": (1, 8, 0, 1.212),
    "g5.4xlarge": (1, 16, 0, 1.624),
    "g5.8xlarge": (1, 32, 1, 2.448),
    "g5.12xlarge": (4, 48, 1, 5.672),
    "g5.16xlarge": (1, 64, 1, 4.096),
    "g5.24xlarge": (4, 96, 1, 8.144),
    "g5.48xlarge": (8, 192, 1, 16.288),
    "g6.xlarge": (1, 4, 0, 0.8048),
    "g6.2xlarge": (1, 8, 0, 0.9776),
    "g6.4xlarge": (1, 16, 0, 1.3232),
    "g6.8xlarge": (1, 32, 1, 2.0144),
    "g6.12xlarge": (4, 48, 1, 4.6016),
    "g6.16xlarge": (1, 64, 1, 3.3968),
    "g6.24xlarge": (4, 96, 1, 6.6752),
    "g6.48xlarge": (8, 192, 1, 13.3504),
    "g6e.xlarge": (1, 4, 0, 1.861),
    "g6e.2xlarge": (1, 8, 0, 2.24208),
    "g6e.4xlarge": (1, 16, 0, 3.00424),
    "g6e.8xlarge": (1, 32, 1, 4.52856),
    "g6e.12xlarge": (4, 48, 1, 10.49264),
    "g6e.16xlarge": (1, 64, 1, 7.57719),
    "g6e.24xlarge": (4, 96, 2, 15.06559),
    "g6e.48xlarge": (8, 192, 4, 30.13118),
    "p4d.24xlarge": (8, 96, 4, 21.9576),
    "p4de.24xlarge": (8, 96, 4, 27.4471),
    "p5.4xlarge": (1, 16, 1, 6.88),
    "p5.48xlarge": (8, 192, 32, 55.04),
    "p5e.48xlarge": (8, 192, 32, 62.92),
}


def _build_catalog() -> Mapping[str, GpuInstanceType]:
    catalog = {}
    for name, (gpus, vcpus, efa, base_price) in _TYPES.items():
        model, memory, regions = _FAMILIES[name.split(".")[0]]
        prices = {region: round(base_price * _GPU_REGION_RATIO[region], 4) for region in regions}
        catalog[name] = GpuInstanceType(name, gpus, model, memory, vcpus, efa, MappingProxyType(prices))
    return MappingProxyType(catalog)


GPU_INSTANCE_TYPES: Mapping[str, GpuInstanceType] = _build_catalog()
GPU_FAMILIES: tuple[str, ...] = tuple(_FAMILIES)


def gpu_instance_type(name: str) -> GpuInstanceType | None:
    """The catalog entry of a GPU instance type, or None for any other type."""
    return GPU_INSTANCE_TYPES.get(name)


def regions_offering(name: str) -> tuple[str, ...]:
    gpu = GPU_INSTANCE_TYPES.get(name)
    return tuple(gpu.hourly_prices) if gpu else ()


# The taint every GPU node carries, so only pods that tolerate it (and ask for GPUs) land there.
GPU_TAINT_KEY = "nvidia.com/gpu"
GPU_TAINT_VALUE = "true"
GPU_TAINT_EFFECT = "NO_SCHEDULE"
"""The EKS API spelling; Kubernetes itself spells it ``NoSchedule``."""

# EKS AMI types with the NVIDIA driver and container toolkit preinstalled.
# https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html#AmazonEKS-Type-Nodegroup-amiType
NVIDIA_AMI_TYPES: frozenset[str] = frozenset(
    {
        "AL2023_x86_64_NVIDIA",
        "AL2023_ARM_64_NVIDIA",
        "BOTTLEROCKET_x86_64_NVIDIA",
        "BOTTLEROCKET_ARM_64_NVIDIA",
        "AL2_x86_64_GPU",
    }
)
# The ones a pool may choose: every catalogued type is x86_64, and AL2 reached end of support.
GpuPoolAmiType = Literal["AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA"]
GPU_POOL_AMI_TYPES: tuple[str, ...] = get_args(GpuPoolAmiType)
DEFAULT_GPU_POOL_AMI_TYPE: GpuPoolAmiType = "AL2023_x86_64_NVIDIA"

# What each pool AMI type ships of the NVIDIA stack, named as the GPU Operator's operands. The
# EKS AL2023 NVIDIA AMI has the driver and the container toolkit
# (https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html); Bottlerocket's
# NVIDIA variants also run the Kubernetes device plugin as a host service
# (https://bottlerocket.dev/en/os/latest/#/concepts/variants/, "NVIDIA" variants). The operator
# must not deploy a second copy of any of them on those nodes.
AMI_PREINSTALLED_OPERANDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "AL2023_x86_64_NVIDIA": ("driver", "container-toolkit"),
        "BOTTLEROCKET_x86_64_NVIDIA": ("driver", "container-toolkit", "device-plugin"),
    }
)
# The node label the GPU Operator reads per operand: it sets each to "true" only when absent or
# empty, so a "false" set at node registration keeps that operand's DaemonSet off the node (its
# nodeSelector asks for "true"). NVIDIA/gpu-operator v26.7.0 controllers/state_manager.go
# (gpuStateLabels, addGPUStateLabels) and assets/state-device-plugin/0500_daemonset.yaml.
OPERATOR_DEPLOY_LABEL = "nvidia.com/gpu.deploy.{operand}"


def operator_deploy_labels(ami_type: str) -> dict[str, str]:
    """Node labels that keep the GPU Operator from deploying what the AMI already ships."""
    return {OPERATOR_DEPLOY_LABEL.format(operand=o): "false" for o in AMI_PREINSTALLED_OPERANDS[ami_type]}
