"""Settings of the GPU pools, the NVIDIA GPU Operator and the cluster autoscaler, and their
mapping to the components' Args.

The pool rules live in components/gpu/validation.py, shared with ``GpuNodeGroupArgs``; checks that
need the region or several fields of a pool run in ``_problems`` and name the exact field,
e.g. ``mlinfra:gpu_node_groups.training.instance_types[0]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, Protocol

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from components.catalog import namespaces
from components.catalog.aws_limits import MAX_TAGS_PER_RESOURCE
from components.catalog.gpu import (
    AMI_PREINSTALLED_OPERANDS,
    DEFAULT_GPU_POOL_AMI_TYPE,
    GPU_INSTANCE_TYPES,
    GpuPoolAmiType,
)
from components.gpu.validation import CapacityType, gpu_type_problem, label_problem, pool_problems
from stacks.area import Area, CoreStack, Model
from stacks.context import CLUSTER, NETWORK, PlatformContext
from stacks.errors import Problem, explain_patterns

if TYPE_CHECKING:
    import pulumi

    from components.gpu import ClusterAutoscalerArgs, EfaDevicePluginArgs, GpuNodeGroupArgs, GpuNodeGroupsArgs, GpuOperatorArgs


class GpuStack(CoreStack, Protocol):
    """What the gpu area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def gpu_node_groups(self) -> dict[str, GpuNodeGroupSettings]: ...

    @property
    def gpu_operator(self) -> GpuOperatorSettings: ...

    @property
    def cluster_autoscaler(self) -> ClusterAutoscalerSettings: ...

    @property
    def kubernetes_version(self) -> str: ...

    @property
    def needs_efa(self) -> bool: ...


def _is_gpu_type(name: str) -> str:
    if problem := gpu_type_problem(name):
        raise ValueError(problem)
    return name


GpuInstanceTypeName = Annotated[str, AfterValidator(_is_gpu_type)]
POOL_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,19}$"
DURATION_PATTERN = r"^[1-9][0-9]*(s|m|h)$"
CAPACITY_RESERVATION_PATTERN = r"^cr-[0-9a-f]{17}$"
explain_patterns(
    {
        POOL_NAME_PATTERN: "must be a pool name: 1-20 lowercase letters, digits and '-', starting with a letter",
        DURATION_PATTERN: 'must be a duration such as "30s", "10m" or "1h"',
        CAPACITY_RESERVATION_PATTERN: "must be an EC2 capacity reservation ID such as cr-0123456789abcdef0",
    }
)
PoolName = Annotated[str, StringConstraints(pattern=POOL_NAME_PATTERN)]
Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN)]


class GpuNodeGroupSettings(Model):
    """One GPU pool: an EKS managed node group of a single GPU model."""

    instance_types: tuple[GpuInstanceTypeName, ...] = Field(min_length=1, max_length=10)
    """GPU instance types of one GPU model; the node group tries them in order."""
    capacity_type: CapacityType = "ON_DEMAND"
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
    ami_type: GpuPoolAmiType = DEFAULT_GPU_POOL_AMI_TYPE
    """An EKS AMI with the NVIDIA driver and container toolkit preinstalled."""
    capacity_reservation_id: str | None = Field(default=None, pattern=CAPACITY_RESERVATION_PATTERN)
    """Target an On-Demand Capacity Reservation (ON_DEMAND) or a Capacity Block (CAPACITY_BLOCK)."""
    efa: bool = False
    """Attach EFA network interfaces (p4d/p5-class multi-node training)."""

    @field_validator("labels")
    @classmethod
    def _labels_valid(cls, v: dict[str, str]) -> dict[str, str]:
        # Every bad label at once, not the first one only.
        problems = [problem for key, value in v.items() if (problem := label_problem(key, value))]
        if problems:
            raise ValueError("; ".join(problems))
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


class GpuOperatorSettings(Model):
    """The NVIDIA GPU Operator (device plugin, feature discovery, DCGM exporter)."""

    time_slicing_replicas: int = Field(default=1, ge=1, le=48)
    """Pods that may share one GPU by time-slicing; 1 turns time-slicing off."""
    enable_mig: bool = False
    """Run the MIG manager (A100/H100-class GPUs only); off by default."""
    mig_strategy: Literal["single", "mixed"] = "single"
    """How MIG devices are advertised when MIG is on."""
    enable_dcgm_service_monitor: bool = False
    """Create the DCGM exporter's ServiceMonitor (needs the Prometheus Operator CRDs)."""


class ClusterAutoscalerSettings(Model):
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


# Tags a GPU node group carries besides the base tags and one per user label: Name, two
# autoscaler discovery tags, the GPU resource and taint templates, four platform label templates
# (and on an EFA pool the EFA resource template, one more).
POOL_PLATFORM_TAGS = 9


def _problems(settings: GpuStack, source: str) -> list[Problem]:
    """Checks of each pool that span fields or need the region, each against the field to change."""
    problems: list[Problem] = []
    for pool_name, pool in settings.gpu_node_groups.items():
        found = pool_problems(
            instance_types=pool.instance_types,
            min_size=pool.min_size,
            desired_size=pool.initial_size,
            max_size=pool.max_size,
            capacity_type=pool.capacity_type,
            capacity_reservation_id=pool.capacity_reservation_id,
            efa=pool.efa,
            labels={},  # labels were checked one by one when the field was read
            region=settings.region,
        )
        problems += [Problem(source, f"mlinfra:gpu_node_groups.{pool_name}.{field}", message) for field, message in found]
        # Each label is also an autoscaler node-template tag of the node group and its ASG.
        tags = len(settings.base_tags) + POOL_PLATFORM_TAGS + int(pool.efa) + len(pool.labels)
        if tags > MAX_TAGS_PER_RESOURCE:
            problems.append(
                Problem(
                    source,
                    f"mlinfra:gpu_node_groups.{pool_name}.labels",
                    f"this pool's node group would carry {tags} tags (AWS allows {MAX_TAGS_PER_RESOURCE}): "
                    f"each label is also a node-template tag; drop {tags - MAX_TAGS_PER_RESOURCE} labels or extra tags",
                )
            )
    return problems


class GpuArea(Model):
    """GPU pools and the software that makes their GPUs schedulable and elastic."""

    AREA: ClassVar[Area] = Area(
        name="gpu",
        outputs=("gpu_node_groups",),
        namespaces=(namespaces.GPU_OPERATOR,),
        needs=(CLUSTER, NETWORK),
        build=lambda settings, ctx: build(settings, ctx),  # the functions below read the model
        defaults={
            # One small SPOT pool that rests at zero: dev GPUs cost nothing while idle.
            "dev": {
                "gpu_node_groups": {
                    "gpu": {
                        "instance_types": ["g5.xlarge"],
                        "capacity_type": "SPOT",
                        "min_size": 0,
                        "max_size": 2,
                        "disk_size_gb": 100,
                    },
                },
            },
            "staging": {
                "gpu_node_groups": {
                    "gpu": {
                        "instance_types": ["g5.xlarge", "g5.2xlarge"],
                        "capacity_type": "ON_DEMAND",
                        "min_size": 0,
                        "max_size": 4,
                        "disk_size_gb": 200,
                    },
                },
            },
            "prod": {
                "gpu_node_groups": {
                    # Multi-node training: 8 x A100 per node, EFA between nodes.
                    "training": {
                        "instance_types": ["p4d.24xlarge"],
                        "capacity_type": "ON_DEMAND",
                        "min_size": 0,
                        "max_size": 8,
                        "disk_size_gb": 500,
                        "efa": True,
                    },
                    # Model serving: one L4 per node, the 2xlarge when the xlarge is short.
                    "inference": {
                        "instance_types": ["g6.xlarge", "g6.2xlarge"],
                        "capacity_type": "ON_DEMAND",
                        "min_size": 0,
                        "max_size": 10,
                        "disk_size_gb": 200,
                    },
                },
            },
        },
        problems=_problems,
    )

    gpu_node_groups: dict[PoolName, GpuNodeGroupSettings] = Field(default_factory=dict)
    """GPU pools keyed by name; a stack file that lists pools replaces the default map."""
    gpu_operator: GpuOperatorSettings = Field(default_factory=GpuOperatorSettings)
    cluster_autoscaler: ClusterAutoscalerSettings = Field(default_factory=ClusterAutoscalerSettings)

    def gpu_capacity(self) -> int:
        """GPUs at maximum size: sum over pools of max_size x GPUs per instance (largest type)."""
        return sum(pool.max_size * pool.gpus_per_node_max for pool in self.gpu_node_groups.values())

    @property
    def needs_efa(self) -> bool:
        return any(pool.efa for pool in self.gpu_node_groups.values())


def gpu_node_groups_args(
    settings: GpuStack,
    *,
    eks_cluster_name: pulumi.Input[str],
    cluster_security_group_id: pulumi.Input[str],
    node_role_arn: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[Sequence[str]],
    depends_on: Sequence[pulumi.Resource],
) -> GpuNodeGroupsArgs:
    """GpuNodeGroupsArgs from the settings, pool by pool and field by field."""
    from components.gpu import GpuNodeGroupsArgs

    return GpuNodeGroupsArgs(
        cluster_name=settings.effective_cluster_name,
        eks_cluster_name=eks_cluster_name,
        cluster_security_group_id=cluster_security_group_id,
        node_role_arn=node_role_arn,
        private_subnet_ids=private_subnet_ids,
        pools={name: _pool_args(pool) for name, pool in settings.gpu_node_groups.items()},
        gpu_replicas=settings.gpu_operator.time_slicing_replicas,
        tags=settings.base_tags,
        depends_on=tuple(depends_on),
    )


def _pool_args(pool: GpuNodeGroupSettings) -> GpuNodeGroupArgs:
    from components.gpu import GpuNodeGroupArgs

    return GpuNodeGroupArgs(
        instance_types=pool.instance_types,
        max_size=pool.max_size,
        min_size=pool.min_size,
        desired_size=pool.desired_size,
        capacity_type=pool.capacity_type,
        disk_size_gb=pool.disk_size_gb,
        labels=pool.labels,
        ami_type=pool.ami_type,
        capacity_reservation_id=pool.capacity_reservation_id,
        efa=pool.efa,
    )


def gpu_operator_args(
    settings: GpuStack, *, k8s_provider: pulumi.ProviderResource, depends_on: Sequence[pulumi.Resource] = ()
) -> GpuOperatorArgs:
    from components.gpu import GpuOperatorArgs

    operator = settings.gpu_operator
    return GpuOperatorArgs(
        k8s_provider=k8s_provider,
        time_slicing_replicas=operator.time_slicing_replicas,
        enable_mig=operator.enable_mig,
        mig_strategy=operator.mig_strategy,
        enable_dcgm_service_monitor=operator.enable_dcgm_service_monitor,
        # One device plugin per GPU node: the operator's, unless the node's AMI runs its own.
        enable_device_plugin=any(
            "device-plugin" not in AMI_PREINSTALLED_OPERANDS[pool.ami_type] for pool in settings.gpu_node_groups.values()
        ),
        depends_on=tuple(depends_on),
    )


def efa_device_plugin_args(
    settings: GpuStack, *, k8s_provider: pulumi.ProviderResource, depends_on: Sequence[pulumi.Resource] = ()
) -> EfaDevicePluginArgs:
    from components.gpu import EfaDevicePluginArgs

    return EfaDevicePluginArgs(k8s_provider=k8s_provider, depends_on=tuple(depends_on))


def cluster_autoscaler_args(
    settings: GpuStack,
    *,
    eks_cluster_name: pulumi.Input[str],
    cluster_arn: pulumi.Input[str],
    k8s_provider: pulumi.ProviderResource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> ClusterAutoscalerArgs:
    from components.gpu import ClusterAutoscalerArgs

    autoscaler = settings.cluster_autoscaler
    return ClusterAutoscalerArgs(
        cluster_name=settings.effective_cluster_name,
        eks_cluster_name=eks_cluster_name,
        cluster_arn=cluster_arn,
        region=settings.region,
        kubernetes_version=settings.kubernetes_version,
        k8s_provider=k8s_provider,
        expander=autoscaler.expander,
        scale_down_delay_after_add=autoscaler.scale_down_delay_after_add,
        scale_down_unneeded_time=autoscaler.scale_down_unneeded_time,
        scale_down_utilization_threshold=autoscaler.scale_down_utilization_threshold,
        scale_down_gpu_utilization_threshold=autoscaler.scale_down_gpu_utilization_threshold,
        max_node_provision_time=autoscaler.max_node_provision_time,
        tags=settings.base_tags,
        depends_on=tuple(depends_on),
    )


# -- the platform side --------------------------------------------------------------------------
def build(settings: GpuStack, ctx: PlatformContext) -> PlatformContext:
    """GPU pools beside the system nodes, the GPU Operator, EFA and the cluster autoscaler."""
    from components.gpu import ClusterAutoscaler, EfaDevicePlugin, GpuNodeGroups, GpuOperator

    cluster, network = ctx.get(CLUSTER), ctx.get(NETWORK)
    provider = cluster.k8s_provider
    pools = GpuNodeGroups(
        "gpu",
        gpu_node_groups_args(
            settings,
            eks_cluster_name=cluster.name,
            cluster_security_group_id=cluster.security_group_id,
            node_role_arn=cluster.node_role_arn,
            private_subnet_ids=network.private_subnet_ids,
            # GPU nodes join beside the system nodes, not after them.
            depends_on=cluster.node_prerequisites,
        ),
    )
    # Helm releases wait for their pods: they need nodes.
    nodes = cluster.nodes_ready
    if settings.gpu_node_groups:
        GpuOperator("gpu-operator", gpu_operator_args(settings, k8s_provider=provider, depends_on=nodes))
    if settings.needs_efa:
        EfaDevicePlugin("efa-device-plugin", efa_device_plugin_args(settings, k8s_provider=provider, depends_on=nodes))
    ClusterAutoscaler(
        "cluster-autoscaler",
        cluster_autoscaler_args(
            settings, eks_cluster_name=cluster.name, cluster_arn=cluster.arn, k8s_provider=provider, depends_on=nodes
        ),
    )
    return ctx.export(gpu_node_groups=pools.node_group_names)
