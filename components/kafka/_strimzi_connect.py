"""Typed builders for the Strimzi backend's delivery into the lake: ``KafkaConnect`` + an S3 sink ``KafkaConnector``.

One Kafka Connect cluster per team that has ``to_lake`` topics, so each runs with its own
ServiceAccount, hence its own Pod Identity role limited to ``raw/teams/<team>/kafka/``.
The workers run a prebuilt image (``spec.image``) that already holds the connector plugins
(``CONNECT_PLUGINS``), built outside the cluster from templates/kafka/connect.Dockerfile. Not
``spec.build``: Strimzi's restricted Pod Security provider, which the platform configures
(templates/helm/strimzi-kafka-operator.yaml.j2), refuses to run the build pod
(RestrictedPodSecurityProvider.kafkaConnectBuildContainerSecurityContext throws "Kafka Connect
Build using the Kaniko or Buildah builder is not available under the restricted security
profile", api/src/main/java/io/strimzi/plugin/security/profiles/impl/RestrictedPodSecurityProvider.java
at tag 1.2.0), and a push Secret for ECR would hold a token that expires after 12 hours.
The sink is Aiven's S3 connector (Apache-2.0, https://github.com/Aiven-Open/cloud-storage-connectors-for-apache-kafka),
which uses the AWS default credential chain when no keys are configured (Pod Identity).
Shapes follow Strimzi 1.2.0's v1 CRDs (041-Crd-kafkaconnect.yaml, 047-Crd-kafkaconnector.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import pulumi

from components.kafka._strimzi import KAFKA_VERSION, STRIMZI_CHART, Acl, Authentication
from components.kafka.validation import image_problem

S3_SINK_CLASS = "io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
# The image Strimzi itself runs Kafka Connect from (and builds on) for this operator and Kafka
# version: STRIMZI_KAFKA_CONNECT_IMAGES in the chart's templates/_kafka_image_map.tpl at tag 1.2.0
# ("4.3.1=quay.io/strimzi/kafka:1.2.0-kafka-4.3.1"). A custom Connect image must start from it.
CONNECT_BASE_IMAGE = f"quay.io/strimzi/kafka:{STRIMZI_CHART.version}-kafka-{KAFKA_VERSION}"
# Where Kafka Connect looks for plugins in Strimzi's images (KafkaConnectDockerfile.BASE_PLUGIN_PATH,
# cluster-operator/src/main/java/io/strimzi/operator/cluster/model/KafkaConnectDockerfile.java at 1.2.0).
PLUGIN_PATH = "/opt/kafka/plugins/"


@dataclass(frozen=True)
class ConnectorPlugin:
    """A connector plugin the Connect image must hold (templates/kafka/connect.Dockerfile installs it)."""

    name: str
    """Directory under PLUGIN_PATH; the Dockerfile's build arguments are ``<NAME>_URL`` and ``<NAME>_SHA512``."""
    connector_class: str
    """What a KafkaConnector of this plugin names in ``spec.class``."""
    releases: str
    """Where the release archives are published."""
    archive: Literal["zip", "tgz"] = "zip"

    @property
    def build_arg(self) -> str:
        return re.sub(r"[^A-Z0-9]", "_", self.name.upper())


# Every plugin the plan's KafkaConnectors use: the Connect image is built with exactly these.
CONNECT_PLUGINS: tuple[ConnectorPlugin, ...] = (
    ConnectorPlugin("s3-sink", S3_SINK_CLASS, "https://github.com/Aiven-Open/cloud-storage-connectors-for-apache-kafka/releases"),
)


def connect_name(team: str) -> str:
    """The KafkaConnect of a team (Strimzi names its ServiceAccount ``<name>-connect``)."""
    return f"lake-{team}"


def connect_service_account(team: str) -> str:
    return f"{connect_name(team)}-connect"


@dataclass(frozen=True)
class ConnectSpec:
    """``KafkaConnect`` of one team's lake delivery."""

    team: str
    bootstrap_servers: str
    ca_secret: str
    """The Kafka cluster CA Secret (same namespace)."""
    authentication: Authentication
    user: str
    """The KafkaUser the workers authenticate as."""
    image: str
    """The prebuilt Connect image (CONNECT_PLUGINS on CONNECT_BASE_IMAGE), pinned by tag or digest."""
    replicas: int = 1
    kafka_version: str = KAFKA_VERSION

    def __post_init__(self) -> None:
        if problem := image_problem(self.image):
            raise ValueError(f"KafkaConnect of team {self.team}: image {problem}")

    @property
    def prefix(self) -> str:
        """Group id and internal topics: under ``lake-<team>.`` (the Connect user's ACL prefix)."""
        return f"{connect_name(self.team)}."

    def _authentication(self) -> dict[str, Any]:
        if self.authentication == "scram-sha-512":
            return {
                "type": "scram-sha-512",
                "username": self.user,
                "passwordSecret": {"secretName": f"{self.user}-password", "password": "password"},
            }
        # The User Operator writes the user's certificate and key to a Secret named after the user.
        return {
            "type": "tls",
            "certificateAndKey": {"secretName": self.user, "certificate": "user.crt", "key": "user.key"},
        }

    def spec(self) -> dict[str, Any]:
        return {
            "version": self.kafka_version,
            # Prebuilt: no spec.build, so no build pod and no registry credentials in the cluster.
            "image": self.image,
            "replicas": self.replicas,
            "bootstrapServers": self.bootstrap_servers,
            "groupId": f"{self.prefix}workers",
            "configStorageTopic": f"{self.prefix}configs",
            "offsetStorageTopic": f"{self.prefix}offsets",
            "statusStorageTopic": f"{self.prefix}status",
            "tls": {"trustedCertificates": [{"secretName": self.ca_secret, "pattern": "*.crt"}]},
            "authentication": self._authentication(),
            "config": {
                # -1: the broker's default.replication.factor for the internal topics.
                "config.storage.replication.factor": -1,
                "offset.storage.replication.factor": -1,
                "status.storage.replication.factor": -1,
            },
        }


@dataclass(frozen=True)
class S3SinkSpec:
    """``KafkaConnector``: one topic into ``raw/teams/<team>/kafka/<topic>/``."""

    topic: str
    """Full topic name."""
    bucket: pulumi.Input[str]
    region: str
    prefix: str
    tasks_max: int = 1

    def spec(self) -> dict[str, Any]:
        return {
            "class": S3_SINK_CLASS,
            "tasksMax": self.tasks_max,
            "autoRestart": {"enabled": True},
            "config": {
                "topics": self.topic,
                "aws.s3.bucket.name": self.bucket,
                "aws.s3.region": self.region,
                "file.name.prefix": self.prefix,
                "file.compression.type": "gzip",
                "format.output.type": "jsonl",
                "format.output.fields": "key,value,offset,timestamp",
                # Bytes in, bytes out: the sink never needs the payload's schema.
                "key.converter": BYTES,
                "value.converter": BYTES,
            },
        }


def connector_name(team: str, kubernetes_topic: str) -> str:
    """KafkaConnector name; its consumer group is ``connect-<name>`` (Kafka Connect's rule)."""
    return f"{connect_name(team)}-{kubernetes_topic}"


def connect_acls(team: str, topics: tuple[str, ...]) -> tuple[Acl, ...]:
    """The Connect user: its own internal topics and groups, read on the delivered topics only."""
    prefix = f"{connect_name(team)}."
    return (
        Acl("topic", prefix, "prefix", ("Create", "Describe", "DescribeConfigs", "Read", "Write")),
        Acl("group", prefix, "prefix", ("Describe", "Read")),
        Acl("group", f"connect-{connect_name(team)}-", "prefix", ("Describe", "Read")),
        *(Acl("topic", topic, "literal", ("Describe", "Read")) for topic in sorted(topics)),
    )
