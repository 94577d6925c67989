"""The one launch template every node group uses: IMDSv2 only and an encrypted gp3 volume."""

from __future__ import annotations

from collections.abc import Mapping
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
