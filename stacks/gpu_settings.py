"""Typed settings of the GPU pools, the NVIDIA GPU Operator and the cluster autoscaler.

Kept beside stacks/settings.py (which holds the fields and the per-environment defaults) so
the GPU rules read in one place. Checks that need the region or several fields of a pool run
in ``gpu_node_group_problems`` and name the exact field, e.g.
``mlinfra:gpu_node_groups.training.instance_types[0]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from components.gpu_catalog import GPU_FAMILIES, GPU_INSTANCE_TYPES, regions_offering
from stacks.errors import Problem

# Labels and label prefixes the platform sets on every GPU node; a pool may not override them.
RESERVED_LABEL_KEYS = ("accelerator", "k8s.amazonaws.com/accelerator")
RESERVED_LABEL_PREFIXES = ("mlinfra.io/", "nvidia.com/", "kubernetes.io/", "k8s.io/", "eks.amazonaws.com/")

_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_MAX_LABEL_KEY = 128 - len("k8s.io/cluster-autoscaler/node-template/label/")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _is_gpu_type(name: str) -> str:
    if name not in GPU_INSTANCE_TYPES:
        raise ValueError(
            f"{name!r} is not a GPU instance type this toolkit knows; allowed families: "
            f"{', '.join(GPU_FAMILIES)} (see components/gpu_catalog.py)"
        )
    return name


GpuInstanceTypeName = Annotated[str, AfterValidator(_is_gpu_type)]
PoolName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,19}$")]
Duration = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]*(s|m|h)$")]


class GpuNodeGroupSettings(_Model):
    """One GPU pool: an EKS managed node group of a single GPU model."""

    instance_types: tuple[GpuInstanceTypeName, ...] = Field(min_length=1, max_length=10)
    """GPU instance types of one GPU model; the node group tries them in order."""
    capacity_type: Literal["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"] = "ON_DEMAND"
    """CAPACITY_BLOCK needs ``capacity_reservation_id`` (an EC2 Capacity Block)."""
    min_size: int = Field(default=0, ge=0, le=100)
    """0 lets the pool scale to zero when no GPU pod is waiting."""
    max_size: int = Field(ge=1, le=100)
    desired_size: int | None = Field(default=None, ge=0, le=100)
    """Initial size; defaults to ``min_size``. The autoscaler owns it afterwards."""
    disk_size_gb: int = Field(default=200, ge=50, le=16384)
    """Encrypted gp3 volume for the OS and container images (CUDA images are large)."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Extra Kubernetes node labels (the platform's own labels are reserved)."""
    ami_type: Literal["AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA"] = "AL2023_x86_64_NVIDIA"
    """An EKS AMI with the NVIDIA driver and container toolkit preinstalled."""
    capacity_reservation_id: str | None = Field(default=None, pattern=r"^cr-[0-9a-f]{17}$")
    """Target an On-Demand Capacity Reservation (ON_DEMAND) or a Capacity Block (CAPACITY_BLOCK)."""
    efa: bool = False
    """Attach EFA network interfaces (p4d/p5-class multi-node training)."""

    @field_validator("labels")
    @classmethod
    def _labels_valid(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if key in RESERVED_LABEL_KEYS or key.startswith(RESERVED_LABEL_PREFIXES):
                raise ValueError(
                    f"label {key!r} is reserved (set by the platform); reserved: "
                    f"{', '.join(RESERVED_LABEL_KEYS + RESERVED_LABEL_PREFIXES)}"
                )
            if len(key) > _MAX_LABEL_KEY:
                # The label is also a tag key (node-template/label/<key>); AWS tag keys hold 128 characters.
                raise ValueError(f"label key {key!r} is longer than {_MAX_LABEL_KEY} characters")
            if not _LABEL_KEY.match(key):
                raise ValueError(f"label key {key!r} is not a valid Kubernetes label key")
            if not _LABEL_VALUE.match(value):
                raise ValueError(f"label {key!r}: value {value!r} is not a valid Kubernetes label value")
        return v

    @property
    def initial_size(self) -> int:
        return self.min_size if self.desired_size is None else self.desired_size

    @property
    def gpus_per_node_max(self) -> int:
        return max(GPU_INSTANCE_TYPES[t].gpus for t in self.instance_types)

    @property
    def gpus_per_node_min(self) -> int:
        return min(GPU_INSTANCE_TYPES[t].gpus for t in self.instance_types)


class GpuOperatorSettings(_Model):
    """The NVIDIA GPU Operator (device plugin, feature discovery, DCGM exporter)."""

    time_slicing_replicas: int = Field(default=1, ge=1, le=48)
    """Pods that may share one GPU by time-slicing; 1 turns time-slicing off."""
    enable_mig: bool = False
    """Run the MIG manager (A100/H100-class GPUs only); off by default."""
    mig_strategy: Literal["single", "mixed"] = "single"
    """How MIG devices are advertised when MIG is on."""
    enable_dcgm_service_monitor: bool = False
    """Create the DCGM exporter's ServiceMonitor (needs the Prometheus Operator CRDs)."""


class ClusterAutoscalerSettings(_Model):
    """The Kubernetes cluster autoscaler (scales GPU pools from zero and back)."""

    expander: Literal["least-waste", "least-nodes", "most-pods", "random"] = "least-waste"
    """How to choose between pools that fit a pending pod; least-waste avoids idle GPUs."""
    scale_down_delay_after_add: Duration = "10m"
    scale_down_unneeded_time: Duration = "10m"
    """How long a node must be unneeded before it is removed."""
    scale_down_utilization_threshold: float = Field(default=0.5, gt=0, le=1)
    scale_down_gpu_utilization_threshold: float = Field(default=0.5, gt=0, le=1)
    """GPU nodes are judged by GPU requests, not CPU."""
    max_node_provision_time: Duration = "15m"
    """GPU instances are slow to boot; give up on a scale-up after this long."""


def gpu_node_group_problems(pools: Mapping[str, GpuNodeGroupSettings], region: str, source: str) -> list[Problem]:
    """Checks of each pool that span fields or need the region, each against the field to change."""
    problems: list[Problem] = []
    for pool_name, pool in pools.items():
        path = f"mlinfra:gpu_node_groups.{pool_name}"

        def add(field: str, message: str, path: str = path) -> None:
            problems.append(Problem(source, f"{path}.{field}", message))

        types = [GPU_INSTANCE_TYPES[t] for t in pool.instance_types]
        for i, t in enumerate(types):
            if not t.offered_in(region):
                add(
                    f"instance_types[{i}]", f"{t.name} is not offered in {region}; regions: {', '.join(regions_offering(t.name))}"
                )
        models = sorted({t.gpu_model for t in types})
        if len(models) > 1:
            add("instance_types", f"mixes GPU models {models}; one pool holds one GPU model (add another pool)")
        if pool.min_size > pool.max_size:
            add("min_size", f"({pool.min_size}) must be <= max_size ({pool.max_size})")
        elif not pool.min_size <= pool.initial_size <= pool.max_size:
            add(
                "desired_size", f"({pool.initial_size}) must be between min_size ({pool.min_size}) and max_size ({pool.max_size})"
            )
        if pool.efa:
            for i, t in enumerate(types):
                if not t.supports_efa:
                    efa_types = sorted(n for n, c in GPU_INSTANCE_TYPES.items() if c.supports_efa and c.family == t.family)
                    hint = f"EFA types of {t.family}: {', '.join(efa_types)}" if efa_types else f"{t.family} has no EFA type"
                    add(f"instance_types[{i}]", f"{t.name} has no EFA interface but efa is true; {hint}")
        if pool.capacity_type == "CAPACITY_BLOCK":
            if pool.capacity_reservation_id is None:
                add("capacity_reservation_id", "is required when capacity_type is CAPACITY_BLOCK (the Capacity Block's cr- id)")
            if len(types) > 1:
                add("instance_types", "a Capacity Block reserves one instance type; list exactly one")
        elif pool.capacity_type == "SPOT" and pool.capacity_reservation_id is not None:
            add("capacity_reservation_id", "a capacity reservation is not used by SPOT; use ON_DEMAND or CAPACITY_BLOCK")
    return problems
