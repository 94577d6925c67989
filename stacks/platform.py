"""build_platform(settings): composes the components. Nothing else lives here.

One line per component: each area's settings module maps the validated Settings onto the
component's frozen Args (explicitly, field by field); components never see the settings or
the environment name, and this module uses only the typed outputs components declare.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.cluster import STORAGE_CLASS_NAME, Cluster, MetricsServer, StorageClassArgs, encrypted_gp3_storage_class
from components.data_lake import DataLake
from components.gpu import ClusterAutoscaler, EfaDevicePlugin, GpuNodeGroups, GpuOperator
from components.kafka import KafkaCluster
from components.mesh import LoadBalancerController, ServiceMesh
from components.monitoring import Monitoring
from components.network import Network
from stacks.cluster_settings import cluster_args, metrics_server_args
from stacks.data_lake_settings import data_lake_args
from stacks.gpu_settings import cluster_autoscaler_args, efa_device_plugin_args, gpu_node_groups_args, gpu_operator_args
from stacks.kafka_settings import kafka_args
from stacks.mesh_settings import load_balancer_controller_args, mesh_args
from stacks.monitoring_settings import monitoring_args
from stacks.network_settings import network_args
from stacks.settings import Settings
from stacks.tenants import PlatformView, build_team_resources, team_outputs


def build_platform(settings: Settings) -> dict[str, Any]:
    """Create every resource of one stack and return the outputs to export."""
    azs = aws.get_availability_zones_output(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
    )
    partition = aws.get_partition_output().partition
    account_id = aws.get_caller_identity_output().account_id

    network = Network(
        "network",
        network_args(
            settings,
            available_zones=azs.names,
            cluster_name=settings.effective_cluster_name,
            account_id=account_id,
            partition=partition,
        ),
    )
    cluster = Cluster(
        "cluster",
        cluster_args(
            settings,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            partition=partition,
            account_id=account_id,
        ),
    )
    provider = cluster.k8s_provider
    gpu_pools = GpuNodeGroups(
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
    # Helm releases wait for their pods: they need nodes. API-only objects need just the provider.
    nodes = [cluster.nodes_ready]
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
    MetricsServer("metrics-server", metrics_server_args(settings, k8s_provider=provider, depends_on=nodes))
    # Encrypted gp3 volumes for everything stateful in the cluster (Strimzi brokers, Prometheus).
    storage_class = encrypted_gp3_storage_class("gp3-encrypted", StorageClassArgs(), provider=provider)
    data_lake = DataLake("data-lake", data_lake_args(settings, account_id=account_id, partition=partition))
    lb_controller = LoadBalancerController(
        "load-balancer-controller",
        load_balancer_controller_args(
            settings,
            eks_cluster_name=cluster.name,
            vpc_id=network.vpc_id,
            k8s_provider=provider,
            depends_on=[cluster.nodes_ready],
        ),
    )
    mesh = ServiceMesh(
        "mesh",
        mesh_args(settings, k8s_provider=provider, depends_on=nodes, gateway_depends_on=[lb_controller.release]),
    )
    # The per-team resources: here, or in a tenants stack when this stack is split (stacks/tenants.py).
    teams = {}
    if not settings.split:
        view = PlatformView(cluster.name, provider, data_lake.ref, mesh.endpoints)
        teams = build_team_resources(settings, view)

    kafka_config = kafka_args(
        settings,
        vpc_id=network.vpc_id,
        private_subnet_ids=network.private_subnet_ids,
        node_security_group_id=cluster.security_group_id,
        k8s_provider=provider,
        account_id=account_id,
        partition=partition,
        teams=teams,
        raw_bucket_arn=data_lake.bucket_arns.apply(lambda arns: arns.get("raw", "")),
        raw_bucket_name=data_lake.bucket_names.apply(lambda names: names.get("raw", "")),
        lake_key_arn=data_lake.kms_key_arn,
        eks_cluster_name=cluster.name,
        depends_on=[cluster.nodes_ready, storage_class],
        with_teams=not settings.split,
    )
    kafka = KafkaCluster("kafka", kafka_config) if kafka_config else None
    # Last: it scrapes what the others run (Kafka's brokers included). Teams already know its
    # namespace (MONITORING_NAMESPACE, the one monitoring_args configures it with).
    monitoring = Monitoring(
        "monitoring",
        monitoring_args(
            settings,
            k8s_provider=provider,
            storage_class=STORAGE_CLASS_NAME,
            # Webhook URLs / routing keys: Pulumi secrets, never settings (README, "Alert routing").
            receiver_secrets=pulumi.Config("mlinfra").get_secret_object("alert_receivers"),
            # The mesh is always on: sidecars (and the model servers behind them) are scraped, and the
            # inference rules and dashboard are rendered.
            enable_mesh=True,
            mesh_namespace=mesh.namespace,
            kafka=settings.kafka.backend if settings.kafka.backend != "none" else "off",
            msk_broker_hosts=kafka.broker_hosts if kafka else None,
            depends_on=[cluster.nodes_ready, storage_class],
        ),
    )

    return {
        "region": settings.region,
        "environment": settings.environment,
        "vpc_id": network.vpc_id,
        "private_subnet_ids": network.private_subnet_ids,
        "cluster_name": cluster.name,
        "cluster_endpoint": cluster.endpoint,
        "cluster_secrets_key_arn": cluster.secrets_key_arn,
        "node_role_arn": cluster.node_role_arn,
        "oidc_provider_arn": cluster.oidc_provider_arn,
        "kubeconfig": cluster.kubeconfig,
        "gpu_node_groups": gpu_pools.node_group_names,
        "data_lake_buckets": data_lake.bucket_names,
        "data_lake_bucket_arns": data_lake.bucket_arns,
        "data_lake_log_bucket": data_lake.log_bucket_name,
        "data_lake_kms_key_arn": data_lake.kms_key_arn,
        "data_lake_replica_buckets": data_lake.replica_bucket_names,
        "monitoring_namespace": monitoring.namespace_name,
        "cluster_security_group_id": cluster.security_group_id,
        **({} if settings.split else team_outputs(settings, teams)),
        "mesh_namespace": mesh.namespace,
        "storage_class": storage_class.metadata.name,
        **(kafka.outputs() if kafka else {}),
    }
