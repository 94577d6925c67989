"""``to_lake`` topics of the Strimzi backend: one Kafka Connect cluster per team with an S3 sink.

Per team with ``to_lake`` topics: a KafkaUser for the Connect workers (read on exactly the
delivered topics, its own internal topics and groups), a ``KafkaConnect`` on the prebuilt
Connect image, one ``KafkaConnector`` per topic, and an IAM role
reachable only from the workers' ServiceAccount (EKS Pod Identity) that may write only
``raw/teams/<team>/kafka/`` with the lake key. Builders: components/kafka/_strimzi_connect.py.

What the platform cannot choose for you is a setting with no default
(``mlinfra:kafka.strimzi.connect_image``): the Connect image you built with the connector
plugins (templates/kafka/connect.Dockerfile) and pushed to your registry.
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
    ConnectSpec,
    S3SinkSpec,
    connect_acls,
    connect_name,
    connect_service_account,
    connector_name,
)
from components.kafka.validation import full_topic_name, image_problem, kubernetes_name


@dataclass(frozen=True)
class StrimziLakeSink:
    """The choice Strimzi delivery needs from the operator of the platform."""

    connect_image: str
    """The prebuilt Kafka Connect image holding CONNECT_PLUGINS (templates/kafka/connect.Dockerfile),
    pinned by tag or digest. The nodes pull it with their own IAM role (ECR): no pull Secret."""

    def __post_init__(self) -> None:
        if problem := image_problem(self.connect_image):
            raise ValueError(f"connect_image {problem}")


@dataclass(frozen=True)
class StrimziLakeTarget:
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    region: str
    eks_cluster_name: pulumi.Input[str]


@dataclass(frozen=True)
class _Delivery:
    """What every team's delivery on one cluster shares."""

    name: str
    strimzi: StrimziArgs
    sink: StrimziLakeSink
    target: StrimziLakeTarget
    tags: Mapping[str, str]
    provider: pulumi.ProviderResource
    parent: pulumi.Resource
    depends_on: Sequence[pulumi.Resource]


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
    delivery = _Delivery(name, strimzi, sink, target, tags, provider, parent, depends_on)
    for team in sorted(t for t, topics in to_lake.items() if topics):
        topics = tuple(full_topic_name(team, t) for t in sorted(to_lake[team]))
        kafka_user = _connect_user(delivery, team, topics)
        _connect_role(delivery, team)
        workers = _connect(delivery, team, kafka_user)
        for topic in topics:
            short = topic.split(".", 1)[1]
            sink_spec = S3SinkSpec(
                topic=topic, bucket=target.bucket_name, region=target.region, prefix=f"{_prefix(team)}{short}/"
            )
            custom_resource(
                f"{_resource(delivery, team)}-{short}",
                "KafkaConnector",
                metadata_name=connector_name(team, kubernetes_name(topic)),
                namespace=strimzi.namespace,
                spec=sink_spec.spec(),
                labels={CLUSTER_LABEL: connect_name(team), "team": team},
                parent=parent,
                provider=provider,
                depends_on=[workers],
            )


def _resource(delivery: _Delivery, team: str) -> str:
    return f"{delivery.name}-{team}-lake"


def _prefix(team: str) -> str:
    return f"teams/{team}/kafka/"


def _connect_user(delivery: _Delivery, team: str, topics: tuple[str, ...]) -> pulumi.Resource:
    """The workers' KafkaUser (and, with SCRAM, its generated password)."""
    strimzi, resource, user = delivery.strimzi, _resource(delivery, team), connect_name(team)
    password_secret = None
    if strimzi.authentication == "scram-sha-512":
        password_secret, _ = scram_password_secret(
            f"{resource}-password",
            f"{resource}-password",
            user=user,
            team=team,
            namespace=strimzi.namespace,
            parent=delivery.parent,
            k8s_opts=pulumi.ResourceOptions(parent=delivery.parent, provider=delivery.provider),
        )
    return custom_resource(
        f"{resource}-user",
        "KafkaUser",
        metadata_name=user,
        namespace=strimzi.namespace,
        spec=UserSpec(strimzi.authentication, connect_acls(team, topics), password_secret=password_secret).spec(),
        labels={CLUSTER_LABEL: strimzi.cluster_name, "team": team},
        parent=delivery.parent,
        provider=delivery.provider,
        depends_on=delivery.depends_on,
    )


def _connect_role(delivery: _Delivery, team: str) -> None:
    """The workers' IAM role through Pod Identity: write ``raw/teams/<team>/kafka/`` with the lake key."""
    resource, target, prefix = _resource(delivery, team), delivery.target, _prefix(team)
    child = pulumi.ResourceOptions(parent=delivery.parent)
    role = aws.iam.Role(
        resource,
        description=f"Kafka Connect of team {team}: write raw/{prefix} with the lake key, nothing else",
        assume_role_policy=pod_identity_trust(target.eks_cluster_name, delivery.strimzi.namespace, connect_service_account(team)),
        tags={**delivery.tags, "team": team, "Name": resource},
        opts=child,
    )
    aws.iam.RolePolicy(
        resource,
        role=role.name,
        policy=pulumi.Output.all(target.bucket_arn, target.key_arn).apply(
            functools.partial(_role_policy, prefix=prefix, region=target.region)
        ),
        opts=child,
    )
    # Strimzi names the workers' ServiceAccount <connect>-connect; only its pods get the role.
    aws.eks.PodIdentityAssociation(
        resource,
        cluster_name=target.eks_cluster_name,
        namespace=delivery.strimzi.namespace,
        service_account=connect_service_account(team),
        role_arn=role.arn,
        tags={**delivery.tags, "team": team, "Name": resource},
        opts=child,
    )


def _connect(delivery: _Delivery, team: str, kafka_user: pulumi.Resource) -> pulumi.Resource:
    """The team's KafkaConnect on the prebuilt image; it reads KafkaConnector resources."""
    strimzi = delivery.strimzi
    connect = ConnectSpec(
        team=team,
        bootstrap_servers=bootstrap_address(strimzi.cluster_name, strimzi.namespace),
        ca_secret=cluster_ca_secret(strimzi.cluster_name),
        authentication=strimzi.authentication,
        user=connect_name(team),
        image=delivery.sink.connect_image,
    )
    return custom_resource(
        f"{_resource(delivery, team)}-connect",
        "KafkaConnect",
        metadata_name=connect_name(team),
        namespace=strimzi.namespace,
        spec=connect.spec(),
        labels={"team": team},
        annotations={USE_CONNECTOR_RESOURCES: "true"},
        parent=delivery.parent,
        provider=delivery.provider,
        depends_on=[*delivery.depends_on, kafka_user],
    )


def _role_policy(arns: list[str], *, prefix: str, region: str) -> str:
    bucket_arn, key_arn = arns
    return json.dumps(
        {"Version": "2012-10-17", "Statement": lake_statements(bucket_arn, key_arn, region, prefix)}, sort_keys=True
    )
