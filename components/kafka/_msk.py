"""The Amazon MSK backend of KafkaCluster: key, log group, security group, configuration,
cluster and storage autoscaling. Called by components/kafka/kafka.py with ``parent`` = the component.

Secure by default, and nothing here can be turned off by settings: TLS only between clients
and brokers and between brokers, IAM client authentication only (no SCRAM, no
unauthenticated access), encryption at rest with a customer key that rotates, no public
access, and a security group that admits only the EKS cluster's nodes on the IAM port.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components._kms import logs_key_policy, rotating_key
from components.kafka import validation
from components.kafka._msk_iam import server_properties

# Brokers listen for IAM-authenticated clients inside the VPC on 9098:
# https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html
IAM_PORT = 9098
# Open monitoring: every broker serves Prometheus metrics on 11001 (JMX exporter) and 11002
# (node exporter); the brokers' security group must admit the scraper on both:
# https://docs.aws.amazon.com/msk/latest/developerguide/open-monitoring.html
JMX_EXPORTER_PORT = 11001
NODE_EXPORTER_PORT = 11002
EnhancedMonitoring = validation.EnhancedMonitoring  # defined with the pure rules: the settings use it without the AWS SDK
ENHANCED_MONITORING: tuple[str, ...] = ("DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION")
# MSK places brokers in two or three AZs (client subnets), never more.
MIN_AZS, MAX_AZS = 2, 3


@dataclass(frozen=True)
class MskArgs:
    """Inputs of the MSK backend."""

    cluster_name: str
    """MSK cluster name (part of every topic and group ARN; changing it replaces the cluster)."""
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    """Broker addresses come from it: team pods get egress to it on the IAM port only."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets, one per AZ: brokers are spread evenly over them."""
    az_count: int
    """How many subnets (AZs) ``subnet_ids`` holds; the broker count is a multiple of it."""
    client_security_group_ids: tuple[pulumi.Input[str], ...]
    """Security groups of the clients (the EKS cluster's nodes) admitted on the IAM port."""
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    region: str
    broker_count: int = 3
    instance_type: str = "kafka.m7g.large"
    volume_gib: int = 100
    """EBS volume per broker at creation; autoscaling grows it up to ``max_volume_gib``."""
    max_volume_gib: int = 1000
    storage_target_percent: int = 60
    """Broker storage utilisation that triggers expansion (Application Auto Scaling)."""
    kafka_version: str = "3.8.x"
    """An MSK version string (https://docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html)."""
    enhanced_monitoring: EnhancedMonitoring = "PER_BROKER"
    log_retention_days: int = 30
    key_deletion_window_days: int = 30
    key_admin_role_arns: tuple[str, ...] = ()
    """IAM roles that administer (never use) the MSK key (components/_kms.py key_policy)."""
    enable_private_connectivity: bool = False
    """Multi-VPC private connectivity for IAM clients: what Amazon Data Firehose needs to
    read the cluster (components/kafka/_msk_delivery.py). Not supported on kafka.t3.small."""

    def __post_init__(self) -> None:
        problems = validation.broker_problems(self.broker_count, self.az_count, min_brokers=1)
        if not MIN_AZS <= self.az_count <= MAX_AZS:
            problems.append(f"az_count must be {MIN_AZS} or {MAX_AZS} (MSK client subnets), got {self.az_count}")
        problems += [
            p for p in (validation.msk_instance_problem(self.instance_type), validation.volume_problem(self.volume_gib)) if p
        ]
        problems += [
            f"{f}: {m}"
            for f, m in validation.storage_scaling_problems(self.volume_gib, self.max_volume_gib, self.storage_target_percent)
        ]
        if self.enhanced_monitoring not in ENHANCED_MONITORING:
            problems.append(f"enhanced_monitoring must be one of {list(ENHANCED_MONITORING)}, got {self.enhanced_monitoring!r}")
        if self.enable_private_connectivity and self.instance_type == "kafka.t3.small":
            problems.append("multi-VPC private connectivity (Firehose delivery) is not supported on kafka.t3.small")
        if problems:
            raise ValueError(f"MSK cluster {self.cluster_name}: " + "; ".join(problems))


@dataclass(frozen=True)
class MskResources:
    """What the component exposes or wires further."""

    cluster: aws.msk.Cluster
    key: aws.kms.Key
    security_group: aws.ec2.SecurityGroup


def create_msk(
    name: str,
    args: MskArgs,
    *,
    properties: Mapping[str, str | int | bool],
    tags: Mapping[str, str],
    stateful: pulumi.ResourceOptions,
    parent: pulumi.Resource,
) -> MskResources:
    """Every MSK resource under ``parent``; ``stateful`` (protect/retain) goes to the cluster and its key."""
    child = pulumi.ResourceOptions(parent=parent)
    keep = pulumi.ResourceOptions.merge(child, stateful)
    key, log_group = _key_and_logs(name, args, tags, keep=keep, child=child)
    security_group = _security_group(name, args, tags, child)
    configuration = aws.msk.Configuration(
        f"{name}-config",
        kafka_versions=[args.kafka_version],
        server_properties=server_properties(dict(properties)),
        description=f"mlinfra broker settings for {args.cluster_name}",
        opts=child,
    )
    cluster = _cluster(name, args, key, log_group, security_group, configuration, {**tags, "Name": f"{name}-msk"}, keep)
    _storage_autoscaling(name, args, cluster, {**tags, "Name": f"{name}-storage"}, child)
    return MskResources(cluster=cluster, key=key, security_group=security_group)


def _key_and_logs(
    name: str, args: MskArgs, tags: Mapping[str, str], *, keep: pulumi.ResourceOptions, child: pulumi.ResourceOptions
) -> tuple[aws.kms.Key, aws.cloudwatch.LogGroup]:
    """The cluster's rotating key and the (encrypted) broker log group."""
    log_group_name = f"/aws/msk/{args.cluster_name}/broker"
    key = rotating_key(
        f"{name}-key",
        alias=args.cluster_name,
        description=f"MSK {args.cluster_name}: data at rest and broker logs",
        deletion_window_days=args.key_deletion_window_days,
        tags={**tags, "Name": f"{name}-key"},
        opts=keep,
        alias_opts=child,
        # Data at rest: MSK uses the key through a grant it creates with the permissions of the
        # identity creating the cluster (IAM, via the root statement), so no kafka statement:
        # https://docs.aws.amazon.com/msk/latest/developerguide/msk-encryption.html
        policy=logs_key_policy(
            partition=args.partition,
            account_id=args.account_id,
            region=args.region,
            log_group_names=[log_group_name],
            admin_role_arns=args.key_admin_role_arns,
            sid="BrokerLogs",
        ),
    )
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-broker-logs",
        name=log_group_name,
        retention_in_days=args.log_retention_days,
        kms_key_id=key.arn,
        tags={**tags, "Name": f"{name}-broker-logs"},
        # Logs are evidence: retained and protected with the cluster in prod.
        opts=keep,
    )
    return key, log_group


def _security_group(name: str, args: MskArgs, tags: Mapping[str, str], child: pulumi.ResourceOptions) -> aws.ec2.SecurityGroup:
    """The brokers' group: from the EKS nodes, the IAM client port and the two open-monitoring ports."""
    security_group = aws.ec2.SecurityGroup(
        f"{name}-brokers",
        # No egress rule (the provider drops AWS's default allow-all one): brokers only answer.
        description=f"MSK {args.cluster_name} brokers: IAM clients from the EKS nodes only",
        vpc_id=args.vpc_id,
        tags={**tags, "Name": f"{name}-brokers"},
        opts=child,
    )
    # (resource name, port, why); the IAM rule keeps its original name (part of the state).
    ports = (
        ("iam", IAM_PORT, "Kafka clients (IAM over TLS) from the EKS nodes"),
        ("jmx-exporter", JMX_EXPORTER_PORT, "Prometheus (in EKS) scrapes the brokers' JMX exporter (MSK open monitoring)"),
        ("node-exporter", NODE_EXPORTER_PORT, "Prometheus (in EKS) scrapes the brokers' node exporter (MSK open monitoring)"),
    )
    for index, client in enumerate(args.client_security_group_ids):
        for role, port, description in ports:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{role}-from-nodes-{index}",
                security_group_id=security_group.id,
                referenced_security_group_id=client,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=description,
                tags={**tags, "Name": f"{name}-{role}-from-nodes-{index}"},
                opts=child,
            )
    return security_group


def _cluster(
    name: str,
    args: MskArgs,
    key: aws.kms.Key,
    log_group: aws.cloudwatch.LogGroup,
    security_group: aws.ec2.SecurityGroup,
    configuration: aws.msk.Configuration,
    tags: Mapping[str, str],
    keep: pulumi.ResourceOptions,
) -> aws.msk.Cluster:
    """The cluster itself: IAM-only clients, TLS everywhere, the customer key, open monitoring, broker logs."""
    return aws.msk.Cluster(
        f"{name}-msk",
        cluster_name=args.cluster_name,
        kafka_version=args.kafka_version,
        number_of_broker_nodes=args.broker_count,
        broker_node_group_info=_broker_node_group(args, security_group),
        client_authentication=aws.msk.ClusterClientAuthenticationArgs(
            sasl=aws.msk.ClusterClientAuthenticationSaslArgs(iam=True, scram=False), unauthenticated=False
        ),
        encryption_info=aws.msk.ClusterEncryptionInfoArgs(
            encryption_at_rest_kms_key_arn=key.arn,
            encryption_in_transit=aws.msk.ClusterEncryptionInfoEncryptionInTransitArgs(client_broker="TLS", in_cluster=True),
        ),
        configuration_info=aws.msk.ClusterConfigurationInfoArgs(arn=configuration.arn, revision=configuration.latest_revision),
        enhanced_monitoring=args.enhanced_monitoring,
        # Prometheus scrapes the brokers' JMX (11001) and node (11002) exporters.
        open_monitoring=aws.msk.ClusterOpenMonitoringArgs(
            prometheus=aws.msk.ClusterOpenMonitoringPrometheusArgs(
                jmx_exporter=aws.msk.ClusterOpenMonitoringPrometheusJmxExporterArgs(enabled_in_broker=True),
                node_exporter=aws.msk.ClusterOpenMonitoringPrometheusNodeExporterArgs(enabled_in_broker=True),
            )
        ),
        logging_info=aws.msk.ClusterLoggingInfoArgs(
            broker_logs=aws.msk.ClusterLoggingInfoBrokerLogsArgs(
                cloudwatch_logs=aws.msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs(enabled=True, log_group=log_group.name)
            )
        ),
        tags=dict(tags),
        # The volume grows under autoscaling: a later plan must not shrink it back (MSK refuses).
        opts=pulumi.ResourceOptions.merge(
            keep, pulumi.ResourceOptions(ignore_changes=["brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize"])
        ),
    )


def _broker_node_group(args: MskArgs, security_group: aws.ec2.SecurityGroup) -> aws.msk.ClusterBrokerNodeGroupInfoArgs:
    """Brokers in the private subnets, no public access; multi-VPC IAM connectivity when Firehose reads."""
    connectivity = aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoArgs(
        public_access=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoPublicAccessArgs(type="DISABLED"),
        vpc_connectivity=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoVpcConnectivityArgs(
            client_authentication=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoVpcConnectivityClientAuthenticationArgs(
                sasl=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoVpcConnectivityClientAuthenticationSaslArgs(iam=True)
            )
        )
        if args.enable_private_connectivity
        else None,
    )
    return aws.msk.ClusterBrokerNodeGroupInfoArgs(
        client_subnets=args.subnet_ids,
        instance_type=args.instance_type,
        security_groups=[security_group.id],
        az_distribution="DEFAULT",
        storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
            ebs_storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs(volume_size=args.volume_gib)
        ),
        connectivity_info=connectivity,
    )


def _storage_autoscaling(
    name: str, args: MskArgs, cluster: aws.msk.Cluster, tags: Mapping[str, str], opts: pulumi.ResourceOptions
) -> None:
    """Grow broker volumes when utilisation passes the target (never shrinks; MSK cannot).

    https://docs.aws.amazon.com/msk/latest/developerguide/msk-autoexpand.html
    """
    target = aws.appautoscaling.Target(
        f"{name}-storage",
        service_namespace="kafka",
        scalable_dimension="kafka:broker-storage:VolumeSize",
        resource_id=cluster.arn,
        min_capacity=1,
        max_capacity=args.max_volume_gib,
        tags=dict(tags),
        opts=opts,
    )
    aws.appautoscaling.Policy(
        f"{name}-storage",
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
            target_value=args.storage_target_percent,
            predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type="KafkaBrokerStorageUtilization"
            ),
            # MSK only scales out; scale-in would be refused.
            disable_scale_in=True,
        ),
        opts=opts,
    )
