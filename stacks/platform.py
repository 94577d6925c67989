"""build_platform(settings): composes the components. Nothing else lives here.

Maps the validated Settings onto each component's frozen Args; components never see the
settings object or the environment name.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.cluster import Cluster, ClusterArgs, SystemNodeGroupArgs
from components.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.data_lake import DataLake, DataLakeArgs
from components.efa_device_plugin import EfaDevicePlugin, EfaDevicePluginArgs
from components.gpu_nodes import GpuNodeGroupArgs, GpuNodeGroups, GpuNodeGroupsArgs
from components.gpu_operator import GpuOperator, GpuOperatorArgs
from components.network import Network, NetworkArgs
from components.team import Team, TeamArgs, team_grants
from stacks.settings import Settings, team_warnings_of


def build_platform(settings: Settings) -> dict[str, Any]:
    """Create every resource of one stack and return the outputs to export."""
    tags = settings.base_tags
    cluster_name = settings.effective_cluster_name
    azs = aws.get_availability_zones_output(
        state="available", filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])]
    )
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

    gpu_pools = GpuNodeGroups(
        "gpu",
        GpuNodeGroupsArgs(
            cluster_name=cluster_name,
            eks_cluster_name=cluster.cluster.name,
            cluster_security_group_id=cluster.cluster.vpc_config.cluster_security_group_id,
            node_role_arn=cluster.node_role.arn,
            private_subnet_ids=network.private_subnet_ids,
            pools={name: GpuNodeGroupArgs(**pool.model_dump()) for name, pool in settings.gpu_node_groups.items()},
            gpu_replicas=settings.gpu_operator.time_slicing_replicas,
            tags=tags,
            depends_on=(cluster.system_node_group,),
        ),
    )
    if settings.gpu_node_groups:
        operator = settings.gpu_operator
        GpuOperator(
            "gpu-operator",
            GpuOperatorArgs(
                k8s_provider=cluster.k8s_provider,
                time_slicing_replicas=operator.time_slicing_replicas,
                enable_mig=operator.enable_mig,
                mig_strategy=operator.mig_strategy,
                enable_dcgm_service_monitor=operator.enable_dcgm_service_monitor,
            ),
        )
    if any(pool.efa for pool in settings.gpu_node_groups.values()):
        EfaDevicePlugin("efa-device-plugin", EfaDevicePluginArgs(k8s_provider=cluster.k8s_provider))
    autoscaler = settings.cluster_autoscaler
    ClusterAutoscaler(
        "cluster-autoscaler",
        ClusterAutoscalerArgs(
            cluster_name=cluster_name,
            eks_cluster_name=cluster.cluster.name,
            cluster_arn=cluster.cluster.arn,
            region=settings.region,
            kubernetes_version=settings.kubernetes_version,
            k8s_provider=cluster.k8s_provider,
            **autoscaler.model_dump(),
            tags=tags,
        ),
    )

    lake_settings = settings.data_lake
    data_lake = DataLake(
        "data-lake",
        DataLakeArgs(
            name_prefix=settings.effective_bucket_prefix,
            account_id=aws.get_caller_identity_output().account_id,
            region=settings.region,
            zones=lake_settings.zones,
            tiering_zones=lake_settings.tiering_zones,
            raw_to_ia_days=lake_settings.raw_to_ia_days,
            raw_to_glacier_ir_days=lake_settings.raw_to_glacier_ir_days,
            noncurrent_expiry_days=lake_settings.noncurrent_expiry_days,
            log_retention_days=lake_settings.log_retention_days,
            force_destroy=lake_settings.force_destroy,
            enable_protection=settings.enable_protection,
            kms_deletion_window_days=settings.kms_deletion_window_days,
            tags=tags,
        ),
    )

    # One Team per team file; warnings (e.g. dev GPU overcommit) reach `pulumi preview` and `mlinfra plan`.
    for warning in team_warnings_of(settings):
        pulumi.log.warn(warning)
    teams = {}
    for team in settings.teams:
        grants = team_grants(team.name, team.data_lake, team.published_reads)
        teams[team.name] = Team(
            f"team-{team.name}",
            TeamArgs(
                team=team.name,
                cluster_name=cluster.cluster.name,
                k8s_provider=cluster.k8s_provider,
                gpu_quota=team.gpu_quota,
                cpu_quota=team.cpu_quota,
                memory_quota=team.memory_quota,
                max_pods=team.max_pods,
                grants=grants,
                data_access_policy=data_lake.access_policy(grants) if grants else None,
                owners=team.owners,
                tags={**tags, "cost-center": team.cost_center},
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
        "gpu_node_groups": gpu_pools.node_group_names,
        "data_lake_buckets": data_lake.bucket_names,
        "data_lake_bucket_arns": data_lake.bucket_arns,
        "data_lake_log_bucket": data_lake.log_bucket.bucket,
        "data_lake_kms_key_arn": data_lake.kms_key_arn,
        "teams": {n: {"namespace": t.namespace_name, "role_arn": t.role_arn} for n, t in teams.items()},
    }
