"""build_platform(settings): composes the components. Nothing else lives here.

Maps the validated Settings onto each component's frozen Args; components never see the
settings object or the environment name.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.cluster import Cluster, ClusterArgs, SystemNodeGroupArgs
from components.network import Network, NetworkArgs
from stacks.settings import Settings


def build_platform(settings: Settings) -> dict[str, Any]:
    """Create every resource of one stack and return the outputs to export."""
    tags = settings.base_tags
    cluster_name = settings.effective_cluster_name
    azs = aws.get_availability_zones_output(state="available", filters=[
        aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])
    ])
    partition = aws.get_partition_output().partition

    network = Network(
        "network",
        NetworkArgs(
            cidr=settings.vpc_cidr,
            availability_zones=azs.names,
            az_count=settings.availability_zones,
            region=settings.region,
            cluster_name=cluster_name,
            nat_gateways=settings.nat_gateways,
            flow_log_retention_days=settings.flow_log_retention_days,
            tags=tags,
        ),
    )
    nodes = settings.system_node_group
    cluster = Cluster(
        "cluster",
        ClusterArgs(
            cluster_name=cluster_name,
            kubernetes_version=settings.kubernetes_version,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            region=settings.region,
            partition=partition,
            endpoint_public_access=settings.endpoint_public_access,
            public_access_cidrs=settings.endpoint_public_access_cidrs,
            log_types=settings.control_plane_log_types,
            log_retention_days=settings.flow_log_retention_days,
            service_cidr=settings.service_cidr,
            system_nodes=SystemNodeGroupArgs(
                instance_types=nodes.instance_types,
                min_size=nodes.min_size,
                max_size=nodes.max_size,
                desired_size=nodes.desired_size,
                disk_size_gb=nodes.disk_size_gb,
            ),
            admin_role_arns=settings.admin_role_arns,
            kms_deletion_window_days=settings.kms_deletion_window_days,
            enable_protection=settings.enable_protection,
            tags=tags,
        ),
    )

    return {
        "region": settings.region,
        "environment": settings.environment,
        "vpc_id": network.vpc_id,
        "private_subnet_ids": network.private_subnet_ids,
        "cluster_name": cluster.cluster.name,
        "cluster_endpoint": cluster.cluster.endpoint,
        "cluster_secrets_key_arn": cluster.secrets_key.arn,
        "node_role_arn": cluster.node_role.arn,
        "oidc_provider_arn": cluster.oidc_provider.arn,
        "kubeconfig": cluster.kubeconfig,
    }
