"""KafkaCluster: the platform's event stream over Amazon MSK or Strimzi, with team topics and access.

One component whatever the backend: the Args say which (``msk`` or ``strimzi``), the team
files say which topics exist and who may read them, and the outputs tell each team how to
connect. Topics are ``<team>.<topic>`` in every environment. Backend details live in
components/kafka/_msk.py, components/kafka/_strimzi_cluster.py, team access in components/kafka/_access.py
and delivery into the lake in components/kafka/_msk_delivery.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

from components.catalog.tokens import KAFKA_CLUSTER
from components.kafka import validation as rules
from components.kafka._access import TeamAccess
from components.kafka._msk import MskArgs, create_msk
from components.kafka._msk_delivery import LakeTarget
from components.kafka._strimzi_cluster import StrimziArgs, create_strimzi
from components.kafka._strimzi_delivery import StrimziLakeSink, StrimziLakeTarget
from components.kafka._team_resources import KafkaEndpoint, create_team_resources
from components.kafka._team_secrets import SecretMirrorArgs, create_secret_mirror

Backend = Literal["msk", "strimzi"]


@dataclass(frozen=True)
class TeamTopic:
    """One topic of a team file."""

    team: str
    topic: str
    """Short name; the cluster's name is ``<team>.<topic>``."""
    partitions: int
    retention_hours: int

    @property
    def full_name(self) -> str:
        return rules.full_topic_name(self.team, self.topic)


@dataclass(frozen=True)
class KafkaClusterArgs:
    """Inputs of KafkaCluster."""

    backend: Backend
    k8s_provider: pulumi.ProviderResource
    """The EKS cluster's provider: Strimzi objects, team Secrets and NetworkPolicies."""
    msk: MskArgs | None = None
    """Required exactly when ``backend`` is ``msk``."""
    strimzi: StrimziArgs | None = None
    """Required exactly when ``backend`` is ``strimzi``."""
    topics: tuple[TeamTopic, ...] = ()
    teams: tuple[TeamAccess, ...] = ()
    """Per-team access: credentials or IAM statements, granted reads, network path."""
    replication_factor: int = 3
    """Replicas of every topic (and the cluster default)."""
    min_insync_replicas: int = 2
    """Acknowledged writes need this many in-sync replicas."""
    lake: LakeTarget | None = None
    """Where ``to_lake`` topics are delivered (MSK: Firehose)."""
    strimzi_sink: StrimziLakeSink | None = None
    """Strimzi delivery: plugin, image registry and push Secret (no defaults exist for these)."""
    strimzi_lake: StrimziLakeTarget | None = None
    """Strimzi delivery: the raw bucket, the lake key and the EKS cluster for Pod Identity."""
    enable_protection: bool = False
    """Protect and retain the cluster, its key, node pools and topics (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def broker_count(self) -> int:
        if self.msk is not None:
            return self.msk.broker_count
        return self.strimzi.broker_replicas if self.strimzi is not None else 0

    def __post_init__(self) -> None:
        problems = []
        if (self.backend == "msk") != (self.msk is not None) or (self.backend == "strimzi") != (self.strimzi is not None):
            problems.append(f"backend {self.backend!r} needs exactly its own arguments (msk= or strimzi=)")
        problems += [
            f"{f}: {m}"
            for f, m in rules.replication_problems(self.replication_factor, self.min_insync_replicas, self.broker_count)
        ]
        names = [t.full_name for t in self.topics]
        problems += [p for t in self.topics for p in rules.team_topic_problems(t.team, t.topic)]
        problems += [
            f"topic {t.full_name}: partitions {rules.partitions_problem(t.partitions)}" for t in self.topics if t.partitions < 1
        ]
        problems += [
            f"topic {t.full_name}: retention_hours {rules.retention_problem(t.retention_hours)}"
            for t in self.topics
            if t.retention_hours < 1
        ]
        problems += [f"topic {n} is declared twice" for n in rules.duplicates(names)]
        topics_by_team: dict[str, list[str]] = {}
        for t in self.topics:
            topics_by_team.setdefault(t.team, []).append(t.topic)
        for access in self.teams:
            problems += [
                f"team {access.team}: read {p}" for p in rules.read_grant_problems(access.team, access.read, topics_by_team)
            ]
            problems += [
                f"team {access.team}: to_lake {p}"
                for p in rules.to_lake_problems(topics_by_team.get(access.team, []), access.to_lake)
            ]
        private = self.msk is not None and self.msk.enable_private_connectivity
        if any(a.to_lake for a in self.teams) and self.backend == "msk" and (self.lake is None or not private):
            problems.append(
                "to_lake topics on MSK need lake= and msk.enable_private_connectivity (Firehose reads over PrivateLink)"
            )
        if problems:
            raise ValueError("KafkaCluster: " + "; ".join(problems))

    def broker_config(self) -> dict[str, str | int | bool]:
        """Cluster-wide broker settings (MSK configuration, Strimzi Kafka config)."""
        return {
            # Topics come from team files only; a typo in a client must not create one.
            "auto.create.topics.enable": False,
            "default.replication.factor": self.replication_factor,
            "min.insync.replicas": self.min_insync_replicas,
            "offsets.topic.replication.factor": self.replication_factor,
            "transaction.state.log.replication.factor": self.replication_factor,
            "transaction.state.log.min.isr": self.min_insync_replicas,
            # A replica that fell behind never becomes leader (no silent data loss).
            "unclean.leader.election.enable": False,
        }


class KafkaCluster(pulumi.ComponentResource):
    """The Kafka cluster of one environment, its topics, team access and lake delivery."""

    bootstrap_servers: pulumi.Output[str]
    """Where clients connect (MSK: IAM bootstrap brokers; Strimzi: the TLS bootstrap Service)."""
    cluster_arn: pulumi.Output[str] | None
    """MSK only."""
    broker_hosts: pulumi.Output[list[str]] | None
    """MSK only: the brokers' host names (open monitoring is scraped on each of them)."""
    team_outputs: dict[str, pulumi.Output[dict[str, Any]]]
    """Per team: auth mode, bootstrap servers, topic prefix, secret name or role name."""

    def __init__(self, name: str, args: KafkaClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(KAFKA_CLUSTER, name, None, opts)
        self._name, self._args = name, args
        stateful = pulumi.ResourceOptions(protect=args.enable_protection, retain_on_delete=args.enable_protection)
        tags = {**args.tags, "component": "kafka"}
        self.cluster_arn = None
        self.broker_hosts = None
        if args.msk is not None:
            msk = create_msk(name, args.msk, properties=args.broker_config(), tags=tags, stateful=stateful, parent=self)
            self.cluster_arn = msk.cluster.arn
            self.bootstrap_servers = msk.cluster.bootstrap_brokers_sasl_iam
            self.broker_hosts = self.bootstrap_servers.apply(broker_hosts)
            endpoint = KafkaEndpoint(self.bootstrap_servers, cluster_arn=msk.cluster.arn)
        else:
            assert args.strimzi is not None
            strimzi = create_strimzi(
                name, args.strimzi, config=args.broker_config(), stateful=stateful, provider=args.k8s_provider, parent=self
            )
            self.bootstrap_servers = pulumi.Output.from_input(strimzi.bootstrap)
            # Copies the CA (and mTLS key pairs) Strimzi writes into team namespaces.
            create_secret_mirror(
                name, SecretMirrorArgs(depends_on=args.strimzi.depends_on), parent=self, provider=args.k8s_provider
            )
            endpoint = KafkaEndpoint(self.bootstrap_servers, depends_on=(strimzi.kafka,))
        # Topics, access and delivery of every team (none when a tenants stack holds them).
        self.team_outputs = create_team_resources(name, args, endpoint, parent=self)
        self.register_outputs({"bootstrap_servers": self.bootstrap_servers, "teams": self.team_outputs})

    def outputs(self) -> dict[str, Any]:
        """Stack outputs: how to connect, per team; ``kafka_cluster_arn`` (MSK) is what `mlinfra verify` reads."""
        found: dict[str, Any] = {
            "kafka_backend": self._args.backend,
            "kafka_bootstrap_servers": self.bootstrap_servers,
            "kafka_teams": self.team_outputs,
        }
        if self.cluster_arn is not None:
            found["kafka_cluster_arn"] = self.cluster_arn
        return found


def broker_hosts(bootstrap_servers: str) -> list[str]:
    """``b-1.x:9098,b-2.x:9098`` -> ``["b-1.x", "b-2.x"]`` (sorted, unique)."""
    return sorted({server.rsplit(":", 1)[0] for server in bootstrap_servers.split(",") if server.strip()})
