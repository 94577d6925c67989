"""Typed builders for the Strimzi custom resources the platform creates (``kafka.strimzi.io/v1``).

Each builder is a frozen dataclass whose ``spec()`` returns the plain dict that goes into
``spec`` of the object (through components/_crd.py). Shapes follow the v1 CRDs of
Strimzi 1.2.0 (packaging/install/cluster-operator/04x-Crd-*.yaml at tag 1.2.0,
https://github.com/strimzi/strimzi-kafka-operator/tree/1.2.0/packaging/install/cluster-operator);
tests validate every built object (as components/_crd.py's ``custom_object`` wraps it) against
a trimmed copy of those schemas (tests/data/strimzi/), so a misspelt field fails here instead of
being silently pruned by the API server. The apiVersion comes from components/catalog/crds.py.

Strimzi 1.x is KRaft only and serves only ``v1``: no ZooKeeper section, node pools are
mandatory, and the ``strimzi.io/kraft`` / ``strimzi.io/node-pools`` annotations of 0.3x-0.4x
are gone (CHANGELOG 1.0.0: "Remove the v1beta2 API").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from components._helm import HelmChart
from components.kafka._mirror import mirror_to_labelled
from components.render import render, render_text

# The operator chart, published at https://strimzi.io/charts/ with the release's version.
# 1.2.0 is the newest 1.2.x tag (checked in the upstream repository); it supports Kafka
# 4.2.0, 4.2.1, 4.3.0 and 4.3.1 (kafka-versions.yaml at 1.2.0; 4.3.1 is its default).
STRIMZI_CHART = HelmChart(name="strimzi-kafka-operator", repository="https://strimzi.io/charts/", version="1.2.0")
KAFKA_VERSION = "4.3.1"
# metadata.version of the KRaft cluster for 4.3.x (kafka-versions.yaml "metadata: 4.3-IV0").
METADATA_VERSION = "4.3-IV0"
SUPPORTED_KAFKA_VERSIONS: tuple[str, ...] = ("4.2.0", "4.2.1", "4.3.0", "4.3.1")

CLUSTER_LABEL = "strimzi.io/cluster"
# Without this annotation a KafkaConnect ignores KafkaConnector resources (still so in 1.2:
# documentation/modules/configuring/con-config-kafka-connector.adoc).
USE_CONNECTOR_RESOURCES = "strimzi.io/use-connector-resources"
ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone"
TLS_PORT = 9093
TLS_LISTENER = "tls"

Authentication = Literal["tls", "scram-sha-512"]
AUTHENTICATIONS: tuple[str, ...] = ("scram-sha-512", "tls")


def bootstrap_address(cluster: str, namespace: str, port: int = TLS_PORT) -> str:
    """The in-cluster bootstrap Service Strimzi creates: ``<cluster>-kafka-bootstrap``."""
    return f"{cluster}-kafka-bootstrap.{namespace}.svc:{port}"


def cluster_ca_secret(cluster: str) -> str:
    """Secret (in the Kafka's namespace) with the cluster CA certificate clients trust."""
    return f"{cluster}-cluster-ca-cert"


# Requests of each entity operator container (a small JVM each).
_JVM_OPERATOR = {"requests": {"cpu": "100m", "memory": "384Mi"}, "limits": {"memory": "384Mi"}}


@dataclass(frozen=True)
class KafkaSpec:
    """``Kafka``: KRaft cluster settings; brokers and controllers come from node pools."""

    config: Mapping[str, str | int | bool]
    """Broker configuration (server.properties), e.g. ``min.insync.replicas``."""
    metrics_config_map: str
    """ConfigMap holding the JMX Prometheus exporter rules (key ``metrics_key``)."""
    authentication: Authentication = "scram-sha-512"
    """Client authentication on the only (TLS) listener."""
    kafka_version: str = KAFKA_VERSION
    metadata_version: str = METADATA_VERSION
    metrics_key: str = "kafka-metrics-config.yml"
    """Key of the rules in that ConfigMap (``METRICS_CONFIG_KEY``)."""
    super_users: tuple[str, ...] = ()
    """Principals that bypass ACLs (e.g. ``User:CN=admin``); none by default."""
    rack_topology_key: str = ZONE_TOPOLOGY_KEY
    """Node label whose value is the broker's rack: replicas spread over zones."""
    client_namespace_label: str = "team"
    """Only namespaces with this label (team namespaces), and Kafka Connect pods of the
    Kafka's own namespace, may reach the listener (Strimzi writes the NetworkPolicy); the same
    namespaces get a copy of the cluster CA certificate (components/kafka/_team_secrets.py)."""

    def __post_init__(self) -> None:
        if self.kafka_version not in SUPPORTED_KAFKA_VERSIONS:
            raise ValueError(
                f"kafka_version must be one of {list(SUPPORTED_KAFKA_VERSIONS)} (Strimzi 1.2), got {self.kafka_version!r}"
            )
        if self.authentication not in AUTHENTICATIONS:
            raise ValueError(f"authentication must be one of {list(AUTHENTICATIONS)}, got {self.authentication!r}")

    def spec(self) -> dict[str, Any]:
        authorization: dict[str, Any] = {"type": "simple"}
        if self.super_users:
            authorization["superUsers"] = list(self.super_users)
        return {
            "kafka": {
                "version": self.kafka_version,
                "metadataVersion": self.metadata_version,
                # One listener, TLS only: there is no plain-text listener to fall back to.
                "listeners": [
                    {
                        "name": TLS_LISTENER,
                        "port": TLS_PORT,
                        "type": "internal",
                        "tls": True,
                        "authentication": {"type": self.authentication},
                        "networkPolicyPeers": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [{"key": self.client_namespace_label, "operator": "Exists"}]
                                }
                            },
                            {"podSelector": {"matchLabels": {"strimzi.io/kind": "KafkaConnect"}}},
                        ],
                    }
                ],
                # Without an authorizer every authenticated user could read every topic.
                "authorization": authorization,
                "rack": {"type": "topology-label", "topologyKey": self.rack_topology_key},
                "config": dict(sorted(self.config.items())),
                "metricsConfig": {
                    "type": "jmxPrometheusExporter",
                    "valueFrom": {"configMapKeyRef": {"name": self.metrics_config_map, "key": self.metrics_key}},
                },
                # The CA certificate Secret is copied into every namespace the listener admits
                # (components/kafka/_team_secrets.py says why and how).
                "template": {"clusterCaCert": {"metadata": {"annotations": mirror_to_labelled(self.client_namespace_label)}}},
            },
            # Topic and User Operators reconcile KafkaTopic and KafkaUser objects. Strimzi sets no
            # requests of its own (EntityTopicOperatorSpec/EntityUserOperatorSpec/KafkaExporterSpec
            # `resources`, strimzi-kafka-operator 1.2.0 api/): stated so capacity checks count them.
            "entityOperator": {"topicOperator": {"resources": _JVM_OPERATOR}, "userOperator": {"resources": _JVM_OPERATOR}},
            # Kafka Exporter: consumer-group lag and topic offsets as Prometheus metrics.
            "kafkaExporter": {
                "topicRegex": ".*",
                "groupRegex": ".*",
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
            },
        }


@dataclass(frozen=True)
class NodePoolSpec:
    """``KafkaNodePool``: a group of nodes with the same roles and storage."""

    replicas: int
    roles: tuple[Literal["controller", "broker"], ...]
    size_gib: int
    """Persistent volume per node."""
    storage_class: str
    """An encrypted StorageClass (components/cluster/storage_class.py)."""
    delete_claim: bool = False
    """Keep the volumes when the pool is deleted (the data outlives the pool)."""
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.replicas < 1:
            raise ValueError(f"replicas must be >= 1, got {self.replicas}")
        if not self.roles or not set(self.roles) <= {"controller", "broker"} or len(set(self.roles)) != len(self.roles):
            raise ValueError(f"roles must be a non-empty subset of ['broker', 'controller'], got {list(self.roles)}")
        if self.size_gib < 1:
            raise ValueError(f"size_gib must be >= 1, got {self.size_gib}")

    def spec(self) -> dict[str, Any]:
        volume = {
            "id": 0,
            "type": "persistent-claim",
            "size": f"{self.size_gib}Gi",
            "class": self.storage_class,
            "deleteClaim": self.delete_claim,
            # The KRaft metadata log shares the data volume (the only volume).
            "kraftMetadata": "shared",
        }
        spec: dict[str, Any] = {
            "replicas": self.replicas,
            "roles": sorted(self.roles),
            "storage": {"type": "jbod", "volumes": [volume]},
        }
        if self.resources:
            spec["resources"] = {k: dict(v) for k, v in self.resources.items()}
        return spec


@dataclass(frozen=True)
class TopicSpec:
    """``KafkaTopic``: the real Kafka name goes in ``topicName`` (metadata.name must be DNS-safe)."""

    topic_name: str
    partitions: int
    replicas: int
    config: Mapping[str, str | int] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        return {
            "topicName": self.topic_name,
            "partitions": self.partitions,
            "replicas": self.replicas,
            "config": dict(sorted(self.config.items())),
        }


@dataclass(frozen=True)
class Acl:
    """One ``allow`` ACL of a KafkaUser."""

    resource_type: Literal["topic", "group", "cluster", "transactionalId"]
    name: str
    pattern: Literal["literal", "prefix"]
    operations: tuple[str, ...]

    def spec(self) -> dict[str, Any]:
        return {
            "type": "allow",
            "resource": {"type": self.resource_type, "name": self.name, "patternType": self.pattern},
            "operations": list(self.operations),
        }


@dataclass(frozen=True)
class UserSpec:
    """``KafkaUser``: authentication plus ``simple`` ACLs."""

    authentication: Authentication
    acls: tuple[Acl, ...]
    password_secret: str | None = None
    """SCRAM only: Secret (same namespace) whose ``password`` key holds the password."""

    def __post_init__(self) -> None:
        if self.authentication not in AUTHENTICATIONS:
            raise ValueError(f"authentication must be one of {list(AUTHENTICATIONS)}, got {self.authentication!r}")
        if (self.password_secret is not None) != (self.authentication == "scram-sha-512"):
            raise ValueError("password_secret is required with scram-sha-512 and not allowed with tls")

    def spec(self) -> dict[str, Any]:
        authentication: dict[str, Any] = {"type": self.authentication}
        if self.password_secret:
            authentication["password"] = {"valueFrom": {"secretKeyRef": {"name": self.password_secret, "key": "password"}}}
        return {
            "authentication": authentication,
            "authorization": {"type": "simple", "acls": [a.spec() for a in self.acls]},
        }


def team_acls(prefix: str, granted_topics: tuple[str, ...]) -> tuple[Acl, ...]:
    """A team's ACLs: its own topic and group prefix, read on granted topics, nothing else."""
    acls = [
        Acl("topic", prefix, "prefix", ("Describe", "DescribeConfigs", "Read", "Write")),
        Acl("group", prefix, "prefix", ("Describe", "Read")),
        # Transactional producers use ids under the team prefix.
        Acl("transactionalId", prefix, "prefix", ("Describe", "Write")),
    ]
    acls += [Acl("topic", topic, "literal", ("Describe", "Read")) for topic in sorted(granted_topics)]
    return tuple(acls)


METRICS_CONFIG_KEY = "kafka-metrics-config.yml"


def operator_values(replicas: int = 1) -> dict[str, Any]:
    """The operator chart's values: templates/helm/strimzi-kafka-operator.yaml.j2 rendered and parsed."""
    return render("helm/strimzi-kafka-operator.yaml.j2", chart_version=STRIMZI_CHART.version, replicas=replicas)


def jmx_exporter_rules() -> str:
    """The JMX exporter configuration (YAML text) for the metrics ConfigMap."""
    return render_text("kafka/jmx-exporter-rules.yaml.j2")
