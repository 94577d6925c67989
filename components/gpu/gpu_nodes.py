"""GpuNodeGroups: named GPU pools, each an EKS managed node group of one GPU model.

Every GPU node is tainted ``nvidia.com/gpu=true:NoSchedule`` so only pods that ask for GPUs
(and tolerate the taint) land there, and carries labels naming its pool and GPU model. The
cluster autoscaler scales each pool, from zero, using the ``node-template`` tags below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._node_group import managed_node_group, node_launch_template
from components._tags import named_tags
from components.catalog import tokens
from components.catalog.gpu import (
    DEFAULT_GPU_POOL_AMI_TYPE,
    GPU_INSTANCE_TYPES,
    GPU_TAINT_EFFECT,
    GPU_TAINT_KEY,
    GPU_TAINT_VALUE,
    GpuInstanceType,
    GpuPoolAmiType,
    operator_deploy_labels,
)
from components.catalog.shared import AUTOSCALER_TAG, MODEL_LABEL, POOL_LABEL
from components.gpu.validation import CapacityType, pool_problems

# Labels on every GPU node. The model label is our own: GPU Feature Discovery owns
# nvidia.com/gpu.product and overwrites it once the node is up, so we do not set it.
# The cluster-autoscaler's AWS provider hard-codes this label as "the node has a GPU"
# (cloudprovider/aws/aws_cloud_provider.go GPULabel): with it, scale-down judges the node by
# GPU requests and a booting node whose GPU is not yet advertised is not seen as empty.
AUTOSCALER_GPU_LABEL = "k8s.amazonaws.com/accelerator"
NODE_TEMPLATE = f"{AUTOSCALER_TAG}/node-template"
# The extended resource the EFA device plugin advertises (components/gpu/efa_device_plugin.py).
EFA_RESOURCE = "vpc.amazonaws.com/efa"


@dataclass(frozen=True)
class GpuNodeGroupArgs:
    """One GPU pool (validated with file and field names in stacks/gpu_settings.py)."""

    instance_types: tuple[str, ...]
    """GPU instance types of a single GPU model."""
    max_size: int
    min_size: int = 0
    desired_size: int | None = None
    """Initial size (default ``min_size``); the autoscaler owns it afterwards."""
    capacity_type: CapacityType = "ON_DEMAND"
    disk_size_gb: int = 200
    """Encrypted gp3 volume holding container images."""
    labels: Mapping[str, str] = field(default_factory=dict)
    ami_type: GpuPoolAmiType = DEFAULT_GPU_POOL_AMI_TYPE
    """NVIDIA AMIs ship the driver and container toolkit (the GPU Operator does not install them)."""
    capacity_reservation_id: str | None = None
    """An ODCR (ON_DEMAND) or a Capacity Block (CAPACITY_BLOCK) to launch into."""
    efa: bool = False
    """EFA interfaces on every EFA network card of the type."""

    def __post_init__(self) -> None:
        problems = pool_problems(
            instance_types=self.instance_types,
            min_size=self.min_size,
            desired_size=self.initial_size,
            max_size=self.max_size,
            capacity_type=self.capacity_type,
            capacity_reservation_id=self.capacity_reservation_id,
            efa=self.efa,
            labels=self.labels,
        )
        if problems:
            raise ValueError("; ".join(f"{field}: {message}" for field, message in problems))

    @property
    def initial_size(self) -> int:
        return self.min_size if self.desired_size is None else self.desired_size

    @property
    def types(self) -> list[GpuInstanceType]:
        return [GPU_INSTANCE_TYPES[t] for t in self.instance_types]


@dataclass(frozen=True)
class GpuNodeGroupsArgs:
    """Inputs of GpuNodeGroups."""

    cluster_name: str
    """EKS cluster name as a literal: it is part of the autoscaler tag keys."""
    eks_cluster_name: pulumi.Input[str]
    """The cluster resource's name output, so node groups wait for the cluster."""
    cluster_security_group_id: pulumi.Input[str]
    """EKS cluster security group: EFA interfaces must name their security groups."""
    node_role_arn: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """GPU nodes live in private subnets only."""
    pools: Mapping[str, GpuNodeGroupArgs]
    """Pool name -> pool; the name becomes the children's names and the pool label."""
    gpu_replicas: int = 1
    """GPU Operator time-slicing replicas: each GPU is advertised this many times as nvidia.com/gpu."""
    tags: Mapping[str, str] = field(default_factory=dict)
    depends_on: Sequence[pulumi.Resource] = ()
    """E.g. the node role's policy attachments: nodes cannot join without them."""


class GpuNodeGroups(pulumi.ComponentResource):
    """One launch template and one EKS managed node group per GPU pool."""

    node_groups: dict[str, aws.eks.NodeGroup]
    node_group_names: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: GpuNodeGroupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.GPU_NODE_GROUPS, name, None, opts)
        self._name, self._args = name, args
        self.node_groups = {pool: self._create_pool(pool, spec) for pool, spec in args.pools.items()}
        self.node_group_names = pulumi.Output.all(
            **{pool: group.node_group_name for pool, group in self.node_groups.items()}
        ).apply(dict)
        self.register_outputs({"node_group_names": self.node_group_names})

    def _tags(self, name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return named_tags(self._args.tags, name, extra)

    def _create_pool(self, pool: str, spec: GpuNodeGroupArgs) -> aws.eks.NodeGroup:
        child = f"{self._name}-{pool}"
        labels = pool_labels(pool, spec)
        template_tags = node_template_tags(spec, labels, self._args.gpu_replicas)
        # The operator's deploy labels ride on the nodes only: no pod selects them, so the
        # autoscaler's node template (and the 50-tag budget) does not need them.
        labels |= operator_deploy_labels(spec.ami_type)
        autoscaler_tags = {
            f"{AUTOSCALER_TAG}/enabled": "true",
            f"{AUTOSCALER_TAG}/{self._args.cluster_name}": "owned",
            **template_tags,
        }
        launch_template = self._create_launch_template(child, spec)
        # CAPACITY_BLOCK is a valid EKS capacity type (EKS API CapacityTypes) and the bridged
        # Terraform provider accepts it since hashicorp/terraform-provider-aws#38216 (2024-07);
        # the pulumi_aws docstring still lists only ON_DEMAND/SPOT (docs lag, see #40876).
        group = managed_node_group(
            child,
            cluster_name=self._args.eks_cluster_name,
            node_role_arn=self._args.node_role_arn,
            subnet_ids=self._args.private_subnet_ids,
            ami_type=spec.ami_type,
            capacity_type=spec.capacity_type,
            instance_types=spec.instance_types,
            sizes=(spec.min_size, spec.initial_size, spec.max_size),
            launch_template=launch_template,
            labels=labels,
            taints=[aws.eks.NodeGroupTaintArgs(key=GPU_TAINT_KEY, value=GPU_TAINT_VALUE, effect=GPU_TAINT_EFFECT)],
            tags=self._tags(child, autoscaler_tags),
            parent=self,
            depends_on=self._args.depends_on,
        )
        self._tag_autoscaling_group(child, group, template_tags)
        return group

    def _create_launch_template(self, child: str, spec: GpuNodeGroupArgs) -> aws.ec2.LaunchTemplate:
        # Bottlerocket keeps container images on its second (data) volume, AL2023 on the root.
        device = "/dev/xvdb" if spec.ami_type.startswith("BOTTLEROCKET") else "/dev/xvda"
        reservation = market = None
        if spec.capacity_reservation_id:
            reservation = aws.ec2.LaunchTemplateCapacityReservationSpecificationArgs(
                capacity_reservation_target=aws.ec2.LaunchTemplateCapacityReservationSpecificationCapacityReservationTargetArgs(
                    capacity_reservation_id=spec.capacity_reservation_id
                )
            )
        if spec.capacity_type == "CAPACITY_BLOCK":
            # https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
            market = aws.ec2.LaunchTemplateInstanceMarketOptionsArgs(market_type="capacity-block")
        interfaces = None
        if spec.efa:
            # One EFA interface per EFA network card (the fewest any type of the pool has);
            # the first is the primary interface. An explicit interface list must carry the
            # security groups itself, so the cluster security group is named here (its
            # self-referencing all-traffic rules are what EFA requires). No cluster placement
            # group: it would pin the pool to one AZ, which settings cannot name yet (README).
            cards = min(t.efa_interfaces for t in spec.types)
            interfaces = [
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    device_index=0 if card == 0 else 1,
                    network_card_index=card,
                    interface_type="efa",
                    delete_on_termination="true",
                    security_groups=[self._args.cluster_security_group_id],
                )
                for card in range(cards)
            ]
        return node_launch_template(
            child,
            description=f"GPU pool {child}: IMDSv2 only, encrypted gp3 volume for container images",
            device_name=device,
            disk_size_gb=spec.disk_size_gb,
            tags=self._tags(child),
            parent=self,
            capacity_reservation_specification=reservation,
            instance_market_options=market,
            network_interfaces=interfaces,
        )

    def _tag_autoscaling_group(self, child: str, group: aws.eks.NodeGroup, template_tags: Mapping[str, str]) -> None:
        # EKS does not copy node group tags to its Auto Scaling group, and the autoscaler reads
        # node-template tags from the ASG (cloudprovider/aws/README.md). EKS itself adds the two
        # auto-discovery tags to the ASG, so only the node-template tags are added here.
        asg_name = group.resources.apply(_autoscaling_group_name)
        for key, value in sorted(template_tags.items()):
            slug = key.removeprefix(f"{NODE_TEMPLATE}/").replace("/", "-").replace(".", "-")
            aws.autoscaling.Tag(
                f"{child}-asg-{slug}",
                autoscaling_group_name=asg_name,
                tag=aws.autoscaling.TagTagArgs(key=key, value=value, propagate_at_launch=False),
                opts=pulumi.ResourceOptions(parent=self),
            )


def _autoscaling_group_name(resources: Sequence[aws.eks.outputs.NodeGroupResource] | None) -> str:
    # A managed node group has exactly one Auto Scaling group once it exists.
    groups = (resources or [])[0].autoscaling_groups or []
    return str(groups[0].name)


def pool_labels(pool: str, spec: GpuNodeGroupArgs) -> dict[str, str]:
    """Kubernetes labels of a pool's nodes: the pool's own, then the platform's (which win)."""
    model = spec.types[0].model_label
    return {
        **spec.labels,
        POOL_LABEL: pool,
        "accelerator": "nvidia",
        MODEL_LABEL: model,
        AUTOSCALER_GPU_LABEL: f"nvidia-{model}",
    }


def node_template_tags(spec: GpuNodeGroupArgs, labels: Mapping[str, str], gpu_replicas: int = 1) -> dict[str, str]:
    """What a pool's node will look like, so the autoscaler can scale it up from zero nodes."""
    tags = {
        # The fewest GPUs any type of the pool has: never promise more than a node brings. With
        # time-slicing the device plugin advertises each GPU ``gpu_replicas`` times, and a pod
        # asking for more than the plain GPU count would otherwise never trigger a scale-up.
        f"{NODE_TEMPLATE}/resources/{GPU_TAINT_KEY}": str(min(t.gpus for t in spec.types) * gpu_replicas),
        f"{NODE_TEMPLATE}/taint/{GPU_TAINT_KEY}": f"{GPU_TAINT_VALUE}:NoSchedule",
    }
    if spec.efa:
        # Pods of multi-node jobs request vpc.amazonaws.com/efa (the EFA device plugin's
        # resource); a pool at zero nodes is only scaled up for them if its template says it has
        # them (cluster-autoscaler cloudprovider/aws/README.md, "node-template/resources/<name>",
        # kubernetes/autoscaler at 062f28a). As many as the launch template attaches: one per
        # EFA network card of the pool's smallest type.
        tags[f"{NODE_TEMPLATE}/resources/{EFA_RESOURCE}"] = str(min(t.efa_interfaces for t in spec.types))
    tags.update({f"{NODE_TEMPLATE}/label/{key}": value for key, value in labels.items()})
    return tags
