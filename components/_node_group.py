"""The managed node group and its launch template, shared by the system and GPU pools.

Every node group gets IMDSv2 only with hop limit 1, an encrypted gp3 volume, private
subnets, one node replaced at a time, and leaves ``desired_size`` to the autoscaler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws


def node_launch_template(
    name: str,
    *,
    description: str,
    device_name: str,
    disk_size_gb: int,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    **extra: Any,
) -> aws.ec2.LaunchTemplate:
    """A launch template for an EKS managed node group; ``extra`` adds e.g. EFA interfaces."""
    return aws.ec2.LaunchTemplate(
        name,
        description=description,
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="required",
            # Hop limit 1: pods (one network hop further) cannot reach IMDS and the node
            # role. Nothing on the nodes needs it: Pod Identity serves credentials from its
            # agent at 169.254.170.23, not IMDS, and the agent runs on the host network.
            http_put_response_hop_limit=1,
        ),
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name=device_name,
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=disk_size_gb,
                    volume_type="gp3",
                    encrypted="true",
                    delete_on_termination="true",
                ),
            )
        ],
        tag_specifications=[
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags=dict(tags)),
            aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="volume", tags=dict(tags)),
        ],
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
        **extra,
    )


def managed_node_group(
    name: str,
    *,
    cluster_name: pulumi.Input[str],
    node_role_arn: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[str]],
    ami_type: str,
    capacity_type: str,
    instance_types: Sequence[str],
    sizes: tuple[int, int, int],
    launch_template: aws.ec2.LaunchTemplate,
    labels: Mapping[str, str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    taints: Sequence[aws.eks.NodeGroupTaintArgs] | None = None,
) -> aws.eks.NodeGroup:
    """An EKS managed node group; ``sizes`` is (min, desired, max)."""
    min_size, desired_size, max_size = sizes
    if not 0 <= min_size <= desired_size <= max_size or max_size < 1:
        raise ValueError(
            f"{name}: sizes must satisfy 0 <= min <= desired <= max, max >= 1, got {min_size}/{desired_size}/{max_size}"
        )
    return aws.eks.NodeGroup(
        name,
        cluster_name=cluster_name,
        node_role_arn=node_role_arn,
        subnet_ids=subnet_ids,
        ami_type=ami_type,
        capacity_type=capacity_type,
        instance_types=list(instance_types),
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(min_size=min_size, max_size=max_size, desired_size=desired_size),
        # Nodes run long jobs (and GPU nodes are scarce): replace one node at a time.
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
            id=launch_template.id, version=launch_template.latest_version.apply(str)
        ),
        labels=dict(labels),
        taints=list(taints) if taints is not None else None,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=list(depends_on),
            # The autoscaler owns desired_size once the group exists.
            ignore_changes=["scalingConfig.desiredSize"],
        ),
    )
