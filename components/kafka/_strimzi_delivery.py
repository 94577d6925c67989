"""``to_lake`` topics of the Strimzi backend: one Kafka Connect cluster per team with an S3 sink.

Per team with ``to_lake`` topics: a KafkaUser for the Connect workers (read on exactly the
delivered topics, its own internal topics and groups), a ``KafkaConnect`` whose image Strimzi
builds from the SHA-512-pinned plugin, one ``KafkaConnector`` per topic, and an IAM role
reachable only from the workers' ServiceAccount (EKS Pod Identity) that may write only
``raw/teams/<team>/kafka/`` with the lake key. Builders: components/kafka/_strimzi_connect.py.

What the platform cannot choose for you is a setting with no default
(``mlinfra:kafka.strimzi.lake_sink``): the plugin archive and its checksum, the registry
the built image is pushed to and the Secret holding its push credentials.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components._crd import custom_resource
from components._iam import pod_identity_trust
from components.kafka._msk_delivery import lake_statements
from components.kafka._strimzi import CLUSTER_LABEL, USE_CONNECTOR_RESOURCES, UserSpec, bootstrap_address, cluster_ca_secret
from components.kafka._strimzi_cluster import StrimziArgs, scram_password_secret
from components.kafka._strimzi_connect import (
    ConnectPlugin,
    ConnectSpec,
    S3SinkSpec,
    connect_acls,
    connect_name,
    connect_service_account,
    connector_name,
)
from components.kafka.validation import full_topic_name, kubernetes_name


@dataclass(frozen=True)
class StrimziLakeSink:
    """The choices Strimzi delivery needs from the operator of the platform."""

    plugin: ConnectPlugin
    output_image: str
    """Registry repository:tag for the built Connect image (one tag per team is appended)."""
    push_secret: str
    """Secret (kafka namespace, type kubernetes.io/dockerconfigjson) allowed to push there."""


@dataclass(frozen=True)
class StrimziLakeTarget:
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    region: str
    eks_cluster_name: pulumi.Input[str]


def create_strimzi_delivery(
    name: str,
    *,
    to_lake: Mapping[str, Sequence[str]],
    strimzi: StrimziArgs,
    sink: StrimziLakeSink,
    target: StrimziLakeTarget,
    tags: Mapping[str, str],
    provider: pulumi.ProviderResource,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> None:
    """Connect, connectors, user and role for every team with ``to_lake`` topics."""
    k8s_opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    for team in sorted(t for t, topics in to_lake.items() if topics):
        topics = tuple(full_topic_name(team, t) for t in sorted(to_lake[team]))
        user = connect_name(team)
        resource = f"{name}-{team}-lake"
        scram = strimzi.authentication == "scram-sha-512"
        password_secret = None
        if scram:
            password_secret, _ = scram_password_secret(
                f"{resource}-password",
                f"{resource}-password",
                user=user,
                team=team,
                namespace=strimzi.namespace,
                parent=parent,
                k8s_opts=k8s_opts,
            )
        kafka_user = custom_resource(
            f"{resource}-user",
            "KafkaUser",
            metadata_name=user,
            namespace=strimzi.namespace,
            spec=UserSpec(strimzi.authentication, connect_acls(team, topics), password_secret=password_secret).spec(),
            labels={CLUSTER_LABEL: strimzi.cluster_name, "team": team},
            parent=parent,
            provider=provider,
            depends_on=depends_on,
        )
        prefix = f"teams/{team}/kafka/"
        role = aws.iam.Role(
            resource,
            description=f"Kafka Connect of team {team}: write raw/{prefix} with the lake key, nothing else",
            assume_role_policy=pod_identity_trust(target.eks_cluster_name, strimzi.namespace, connect_service_account(team)),
            tags={**tags, "team": team, "Name": resource},
            opts=pulumi.ResourceOptions(parent=parent),
        )
        aws.iam.RolePolicy(
            resource,
            role=role.name,
            policy=pulumi.Output.all(target.bucket_arn, target.key_arn).apply(
                functools.partial(_role_policy, prefix=prefix, region=target.region)
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        # Strimzi names the workers' ServiceAccount <connect>-connect; only its pods get the role.
        aws.eks.PodIdentityAssociation(
            resource,
            cluster_name=target.eks_cluster_name,
            namespace=strimzi.namespace,
            service_account=connect_service_account(team),
            role_arn=role.arn,
            tags={**tags, "team": team, "Name": resource},
            opts=pulumi.ResourceOptions(parent=parent),
        )
        connect = ConnectSpec(
            team=team,
            bootstrap_servers=bootstrap_address(strimzi.cluster_name, strimzi.namespace),
            ca_secret=cluster_ca_secret(strimzi.cluster_name),
            authentication=strimzi.authentication,
            user=user,
            output_image=f"{sink.output_image}-{team}",
            push_secret=sink.push_secret,
            plugins=(sink.plugin,),
        )
        workers = custom_resource(
            f"{resource}-connect",
            "KafkaConnect",
            metadata_name=user,
            namespace=strimzi.namespace,
            spec=connect.spec(),
            labels={"team": team},
            annotations={USE_CONNECTOR_RESOURCES: "true"},
            parent=parent,
            provider=provider,
            depends_on=[*depends_on, kafka_user],
        )
        for topic in topics:
            short = topic.split(".", 1)[1]
            sink_spec = S3SinkSpec(topic=topic, bucket=target.bucket_name, region=target.region, prefix=f"{prefix}{short}/")
            custom_resource(
                f"{resource}-{short}",
                "KafkaConnector",
                metadata_name=connector_name(team, kubernetes_name(topic)),
                namespace=strimzi.namespace,
                spec=sink_spec.spec(),
                labels={CLUSTER_LABEL: user, "team": team},
                parent=parent,
                provider=provider,
                depends_on=[workers],
            )


def _role_policy(arns: list[str], *, prefix: str, region: str) -> str:
    bucket_arn, key_arn = arns
    return json.dumps(
        {"Version": "2012-10-17", "Statement": lake_statements(bucket_arn, key_arn, region, prefix)}, sort_keys=True
    )
