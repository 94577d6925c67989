"""What a node of each instance type offers pods on EKS: allocatable CPU, memory and pod slots.

Sources, read at awslabs/amazon-eks-ami v20260724 (commit 81fec2e):
- ENIs and IPv4 addresses per ENI: nodeadm/internal/kubelet/instance-info.jsonl (the data the
  old eni-max-pods.txt was generated from); max pods = ENIs x (IPs per ENI - 1) + 2
  (nodeadm/internal/kubelet/eni_max_pods.go calculateStandardMaxPods, the VPC CNI without prefix
  delegation).
- kube-reserved: CPU 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of the
  rest (config.go getCPUMillicoresToReserve); memory 11 MiB per pod + 255 MiB
  (getMemoryMebibytesToReserve); hard eviction at memory.available 100Mi (config.go EvictionHard).
  No system-reserved amounts are set.
- EKS managed node groups without a custom AMI cap max pods at 110 below 30 vCPUs and 250 above
  (https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html, "maximum number
  of Pods").
- The OS sees less memory than the EC2 nominal size (kernel, firmware): 7.5%, Karpenter's default
  VM_MEMORY_OVERHEAD_PERCENT (aws/karpenter-provider-aws, docs "Settings": 0.075).
vCPUs and memory are the EC2 specifications (https://aws.amazon.com/ec2/instance-types/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# instance type: (vCPUs, memory GiB, ENIs, IPv4 addresses per ENI)
_TYPES: dict[str, tuple[int, int, int, int]] = {
    # System pools (components/catalog/prices.py SYSTEM_INSTANCE_PRICES).
    "m5.large": (2, 8, 3, 10),
    "m5.xlarge": (4, 16, 4, 15),
    "m5.2xlarge": (8, 32, 4, 15),
    "m6i.large": (2, 8, 3, 10),
    "m6i.xlarge": (4, 16, 4, 15),
    "m6i.2xlarge": (8, 32, 4, 15),
    "m6i.4xlarge": (16, 64, 8, 30),
    "m7i.large": (2, 8, 3, 10),
    "m7i.xlarge": (4, 16, 4, 15),
    "m7i.2xlarge": (8, 32, 4, 15),
    # GPU pools (components/catalog/gpu.py GPU_INSTANCE_TYPES).
    "g4dn.xlarge": (4, 16, 3, 10),
    "g4dn.2xlarge": (8, 32, 3, 10),
    "g4dn.4xlarge": (16, 64, 3, 10),
    "g4dn.8xlarge": (32, 128, 4, 15),
    "g4dn.12xlarge": (48, 192, 8, 30),
    "g4dn.16xlarge": (64, 256, 4, 15),
    "g4dn.metal": (96, 384, 15, 50),
    "g5.xlarge": (4, 16, 4, 15),
    "g5.2xlarge": (8, 32, 4, 15),
    "g5.4xlarge": (16, 64, 8, 30),
    "g5.8xlarge": (32, 128, 8, 30),
    "g5.12xlarge": (48, 192, 15, 50),
    "g5.16xlarge": (64, 256, 8, 30),
    "g5.24xlarge": (96, 384, 15, 50),
    "g5.48xlarge": (192, 768, 7, 50),
    "g6.xlarge": (4, 16, 4, 15),
    "g6.2xlarge": (8, 32, 4, 15),
    "g6.4xlarge": (16, 64, 8, 30),
    "g6.8xlarge": (32, 128, 8, 30),
    "g6.12xlarge": (48, 192, 8, 30),
    "g6.16xlarge": (64, 256, 15, 50),
    "g6.24xlarge": (96, 384, 15, 50),
    "g6.48xlarge": (192, 768, 15, 50),
    "g6e.xlarge": (4, 32, 4, 15),
    "g6e.2xlarge": (8, 64, 4, 15),
    "g6e.4xlarge": (16, 128, 8, 30),
    "g6e.8xlarge": (32, 256, 8, 30),
    "g6e.12xlarge": (48, 384, 10, 30),
    "g6e.16xlarge": (64, 512, 15, 50),
    "g6e.24xlarge": (96, 768, 10, 50),
    "g6e.48xlarge": (192, 1536, 10, 50),
    "p4d.24xlarge": (96, 1152, 15, 50),
    "p4de.24xlarge": (96, 1152, 15, 50),
    "p5.4xlarge": (16, 256, 4, 30),
    "p5.48xlarge": (192, 2048, 2, 50),
    "p5e.48xlarge": (192, 2048, 2, 50),
}

EVICTION_HARD_MEMORY_MIB = 100
VM_MEMORY_OVERHEAD = 0.075


@dataclass(frozen=True)
class Allocatable:
    """What the kubelet of one node offers pods."""

    instance_type: str
    cpu_millicores: int
    memory_mib: int
    pods: int


def eni_max_pods(enis: int, ips_per_eni: int) -> int:
    """Pods the VPC CNI can address on a node (one IP per ENI is the ENI's own, +2 host-network pods)."""
    return enis * (ips_per_eni - 1) + 2


def managed_node_group_max_pods(vcpus: int, enis: int, ips_per_eni: int) -> int:
    """Max pods on an EKS managed node group node: the ENI limit, capped at 110 (< 30 vCPUs) or 250."""
    return min(eni_max_pods(enis, ips_per_eni), 110 if vcpus < 30 else 250)


def kube_reserved_cpu_millicores(vcpus: int) -> int:
    """nodeadm's getCPUMillicoresToReserve: 6%, 1%, 0.5% x2, then 0.25% per core (in millicores, floored per range)."""
    total = vcpus * 1000
    reserved = 0
    # (range start, range end, hundredths of a percent), as nodeadm computes it in integers.
    for start, end, basis_points in ((0, 1000, 600), (1000, 2000, 100), (2000, 4000, 50), (4000, total, 25)):
        if total > start:
            reserved += (min(total, end) - start) * basis_points // 10000
    return reserved


def kube_reserved_memory_mib(max_pods: int) -> int:
    """nodeadm's getMemoryMebibytesToReserve."""
    return 11 * max_pods + 255


def eks_allocatable(instance_type: str) -> Allocatable:
    """Allocatable of an EKS AL2023 managed-node-group node of this type (KeyError if not catalogued)."""
    vcpus, memory_gib, enis, ips_per_eni = _TYPES[instance_type]
    pods = managed_node_group_max_pods(vcpus, enis, ips_per_eni)
    visible_mib = int(memory_gib * 1024 * (1 - VM_MEMORY_OVERHEAD))
    return Allocatable(
        instance_type=instance_type,
        cpu_millicores=vcpus * 1000 - kube_reserved_cpu_millicores(vcpus),
        memory_mib=visible_mib - kube_reserved_memory_mib(pods) - EVICTION_HARD_MEMORY_MIB,
        pods=pods,
    )


INSTANCE_TYPES: tuple[str, ...] = tuple(_TYPES)
ALLOCATABLE: Mapping[str, Allocatable] = MappingProxyType({name: eks_allocatable(name) for name in _TYPES})
"""Every catalogued type's allocatable, computed once."""
