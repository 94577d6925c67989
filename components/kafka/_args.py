"""The inputs of KafkaCluster (and KafkaTeams): the backend, topics, team access, lake delivery.

Apart from the component so the team resources (components/kafka/_team_resources.py), which
KafkaCluster creates, can read them without importing the component back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from components.kafka import validation
from components.kafka._access import TeamAccess
from components.kafka._msk import MskArgs
from components.kafka._msk_delivery import LakeTarget
from components.kafka._msk_scrape import PrometheusTarget
from components.kafka._strimzi_cluster import StrimziArgs
from components.kafka._strimzi_delivery import StrimziLakeSink, StrimziLakeTarget

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
        return validation.full_topic_name(self.team, self.topic)


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
    prometheus: PrometheusTarget | None = None
    """MSK: where the brokers' scrape configs go (a Secret Prometheus reads); None: not scraped.
    (Strimzi's brokers are pods: the monitoring area's PodMonitor finds them.)"""
    strimzi_sink: StrimziLakeSink | None = None
    """Strimzi delivery: the prebuilt Kafka Connect image (no default exists for it)."""
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
            for f, m in validation.replication_problems(self.replication_factor, self.min_insync_replicas, self.broker_count)
        ]
        names = [t.full_name for t in self.topics]
        problems += [p for t in self.topics for p in validation.team_topic_problems(t.team, t.topic)]
        problems += [
            f"topic {t.full_name}: partitions {validation.partitions_problem(t.partitions)}"
            for t in self.topics
            if t.partitions < 1
        ]
        problems += [
            f"topic {t.full_name}: retention_hours {validation.retention_problem(t.retention_hours)}"
            for t in self.topics
            if t.retention_hours < 1
        ]
        problems += [f"topic {n} is declared twice" for n in validation.duplicates(names)]
        topics_by_team: dict[str, list[str]] = {}
        for t in self.topics:
            topics_by_team.setdefault(t.team, []).append(t.topic)
        for access in self.teams:
            problems += [
                f"team {access.team}: read {p}" for p in validation.read_grant_problems(access.team, access.read, topics_by_team)
            ]
            problems += [
                f"team {access.team}: to_lake {p}"
                for p in validation.to_lake_problems(topics_by_team.get(access.team, []), access.to_lake)
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
