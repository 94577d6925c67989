"""The per-team half of Kafka: topics, team access and lake delivery, on a cluster that exists.

KafkaCluster calls this with its own cluster (one stack); KafkaTeams calls it in a tenants
stack with the platform stack's endpoint (stacks/tenants.py). The children and their names
are the same either way, so team resources move between the two without replacement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from components._crd import custom_resource
from components.kafka import validation
from components.kafka._access import create_team_access
from components.kafka._msk_delivery import create_delivery
from components.kafka._strimzi import CLUSTER_LABEL, TopicSpec
from components.kafka._strimzi_delivery import create_strimzi_delivery

if TYPE_CHECKING:
    from components.kafka._args import KafkaClusterArgs, TeamTopic


@dataclass(frozen=True)
class KafkaEndpoint:
    """What team resources need of a running cluster."""

    bootstrap_servers: pulumi.Input[str]
    cluster_arn: pulumi.Input[str] | None = None
    """MSK only: topics, IAM grants and Firehose sources name the cluster."""
    depends_on: Sequence[pulumi.Resource] = ()
    """Strimzi in the same stack: the Kafka resource (its operator creates the topics and users)."""


def topic_config(args: KafkaClusterArgs, topic: TeamTopic) -> dict[str, str]:
    return {
        "retention.ms": str(validation.retention_ms(topic.retention_hours)),
        "min.insync.replicas": str(args.min_insync_replicas),
    }


def create_team_resources(
    name: str, args: KafkaClusterArgs, endpoint: KafkaEndpoint, parent: pulumi.Resource
) -> dict[str, pulumi.Output[dict[str, Any]]]:
    """Every team's topics, access and delivery; returns each team's connection outputs."""
    if args.msk is not None:
        return _msk_team_resources(name, args, endpoint, parent)
    return _strimzi_team_resources(name, args, endpoint, parent)


def _stateful(args: KafkaClusterArgs) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(protect=args.enable_protection, retain_on_delete=args.enable_protection)


def _msk_team_resources(
    name: str, args: KafkaClusterArgs, endpoint: KafkaEndpoint, parent: pulumi.Resource
) -> dict[str, pulumi.Output[dict[str, Any]]]:
    """MSK: topics through the control plane, Firehose delivery, IAM statements on the team roles."""
    assert args.msk is not None
    cluster_arn = pulumi.Output.from_input(endpoint.cluster_arn or "")
    topics: dict[str, pulumi.Resource] = {}
    # aws.msk.Topic goes through the MSK control-plane API: `pulumi up` needs no network
    # path to the brokers.
    for topic in sorted(args.topics, key=lambda t: t.full_name):
        topics[topic.full_name] = aws.msk.Topic(
            f"{name}-topic-{topic.full_name}",
            cluster_arn=cluster_arn,
            name=topic.full_name,
            partition_count=topic.partitions,
            replication_factor=args.replication_factor,
            configs=json.dumps(topic_config(args, topic), sort_keys=True),
            opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=parent), _stateful(args)),
        )
    if args.lake is not None:
        create_delivery(
            name,
            cluster_arn=cluster_arn,
            cluster_name=args.msk.cluster_name,
            to_lake={a.team: a.to_lake for a in args.teams if a.to_lake},
            topics=topics,
            target=args.lake,
            tags={**args.tags, "component": "kafka"},
            parent=parent,
        )
    return create_team_access(
        name,
        args.teams,
        backend="msk",
        cluster_arn=cluster_arn,
        broker_cidr=args.msk.vpc_cidr,
        bootstrap=pulumi.Output.from_input(endpoint.bootstrap_servers),
        k8s_provider=args.k8s_provider,
        parent=parent,
    )


def _strimzi_team_resources(
    name: str, args: KafkaClusterArgs, endpoint: KafkaEndpoint, parent: pulumi.Resource
) -> dict[str, pulumi.Output[dict[str, Any]]]:
    """Strimzi: KafkaTopics, Kafka Connect delivery (when configured), KafkaUsers and credentials."""
    assert args.strimzi is not None
    strimzi = args.strimzi
    to_lake = {a.team: a.to_lake for a in args.teams if a.to_lake}
    for topic in sorted(args.topics, key=lambda t: t.full_name):
        spec = TopicSpec(topic.full_name, topic.partitions, args.replication_factor, topic_config(args, topic))
        custom_resource(
            f"{name}-topic-{topic.full_name}",
            "KafkaTopic",
            metadata_name=validation.kubernetes_name(topic.full_name),
            namespace=strimzi.namespace,
            spec=spec.spec(),
            labels={CLUSTER_LABEL: strimzi.cluster_name, "team": topic.team},
            parent=parent,
            provider=args.k8s_provider,
            depends_on=list(endpoint.depends_on),
            opts=_stateful(args),
        )
    if to_lake and args.strimzi_sink is not None and args.strimzi_lake is not None:
        create_strimzi_delivery(
            name,
            to_lake=to_lake,
            strimzi=strimzi,
            sink=args.strimzi_sink,
            target=args.strimzi_lake,
            tags={**args.tags, "component": "kafka"},
            provider=args.k8s_provider,
            parent=parent,
            depends_on=list(endpoint.depends_on),
        )
    elif to_lake:
        pulumi.log.warn(
            f"kafka: to_lake topics of {sorted(to_lake)} are not delivered: Strimzi delivery needs "
            "mlinfra:kafka.strimzi.connect_image (a Connect image with the S3 sink plugin, built from "
            "templates/kafka/connect.Dockerfile)",
            parent,
        )
    return create_team_access(
        name,
        args.teams,
        backend="strimzi",
        strimzi=strimzi,
        bootstrap=pulumi.Output.from_input(endpoint.bootstrap_servers),
        k8s_provider=args.k8s_provider,
        depends_on=list(endpoint.depends_on),
        parent=parent,
    )
