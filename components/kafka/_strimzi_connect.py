"""Typed builders for the Strimzi backend's delivery into the lake: ``KafkaConnect`` + an S3 sink ``KafkaConnector``.

One Kafka Connect cluster per team that has ``to_lake`` topics, so each runs with its own
ServiceAccount, hence its own Pod Identity role limited to ``raw/teams/<team>/kafka/``.
Strimzi builds the Connect image itself (``spec.build``) from plugin archives pinned by
SHA-512: a changed or tampered archive fails the build instead of running. The sink is
Aiven's S3 connector (Apache-2.0, https://github.com/Aiven-Open/cloud-storage-connectors-for-apache-kafka),
which uses the AWS default credential chain when no keys are configured (Pod Identity).
Shapes follow Strimzi 1.2.0's v1 CRDs (041-Crd-kafkaconnect.yaml, 047-Crd-kafkaconnector.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import pulumi

from components.kafka._strimzi import KAFKA_VERSION, Acl, Authentication

SHA512 = re.compile(r"^[0-9a-f]{128}$")
S3_SINK_CLASS = "io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"


def connect_name(team: str) -> str:
    """The KafkaConnect of a team (Strimzi names its ServiceAccount ``<name>-connect``)."""
    return f"lake-{team}"


def connect_service_account(team: str) -> str:
    return f"{connect_name(team)}-connect"


@dataclass(frozen=True)
class ConnectPlugin:
    """A connector plugin archive, pinned by its SHA-512."""

    name: str
    url: str
    """https URL of the release archive."""
    sha512sum: str
    """Lowercase hex SHA-512 of the archive (Strimzi checks it before building)."""
    artifact_type: Literal["zip", "tgz", "jar"] = "zip"

    def __post_init__(self) -> None:
        if not self.url.startswith("https://"):
            raise ValueError(f"plugin {self.name}: url must be https://, got {self.url!r}")
        if not SHA512.match(self.sha512sum):
            raise ValueError(f"plugin {self.name}: sha512sum must be 128 lowercase hex characters")

    def spec(self) -> dict[str, Any]:
        return {"name": self.name, "artifacts": [{"type": self.artifact_type, "url": self.url, "sha512sum": self.sha512sum}]}


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
    output_image: str
    """Registry repository:tag the built image is pushed to."""
    push_secret: str
    """Docker config Secret with push rights to ``output_image``'s registry."""
    plugins: tuple[ConnectPlugin, ...]
    replicas: int = 1
    kafka_version: str = KAFKA_VERSION

    def __post_init__(self) -> None:
        if not self.plugins:
            raise ValueError("at least one plugin is required")

    @property
    def prefix(self) -> str:
        """Group id and internal topics: under ``lake-<team>.`` (the Connect user's ACL prefix)."""
        return f"{connect_name(self.team)}."

    def spec(self) -> dict[str, Any]:
        if self.authentication == "scram-sha-512":
            authentication: dict[str, Any] = {
                "type": "scram-sha-512",
                "username": self.user,
                "passwordSecret": {"secretName": f"{self.user}-password", "password": "password"},
            }
        else:
            # The User Operator writes the user's certificate and key to a Secret named after the user.
            authentication = {
                "type": "tls",
                "certificateAndKey": {"secretName": self.user, "certificate": "user.crt", "key": "user.key"},
            }
        return {
            "version": self.kafka_version,
            "replicas": self.replicas,
            "bootstrapServers": self.bootstrap_servers,
            "groupId": f"{self.prefix}workers",
            "configStorageTopic": f"{self.prefix}configs",
            "offsetStorageTopic": f"{self.prefix}offsets",
            "statusStorageTopic": f"{self.prefix}status",
            "tls": {"trustedCertificates": [{"secretName": self.ca_secret, "pattern": "*.crt"}]},
            "authentication": authentication,
            "config": {
                # -1: the broker's default.replication.factor for the internal topics.
                "config.storage.replication.factor": -1,
                "offset.storage.replication.factor": -1,
                "status.storage.replication.factor": -1,
            },
            "build": {
                "output": {"type": "docker", "image": self.output_image, "pushSecret": self.push_secret},
                "plugins": [p.spec() for p in self.plugins],
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
