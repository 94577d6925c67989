"""The Kafka area: MSK or Strimzi, topics and access per team, delivery to the lake.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

if TYPE_CHECKING:
    from components.kafka._access import TeamAccess
    from components.kafka._msk import MskArgs
    from components.kafka._msk_delivery import LakeTarget
    from components.kafka._msk_scrape import PrometheusTarget
    from components.kafka._strimzi_cluster import StrimziArgs
    from components.kafka._strimzi_connect import CONNECT_BASE_IMAGE, CONNECT_PLUGINS, ConnectorPlugin
    from components.kafka._strimzi_delivery import StrimziLakeSink, StrimziLakeTarget
    from components.kafka._team_resources import KafkaEndpoint
    from components.kafka.kafka import KafkaCluster, KafkaClusterArgs, TeamTopic
    from components.kafka.kafka_teams import KafkaTeams, KafkaTeamsArgs

__all__ = [
    "CONNECT_BASE_IMAGE",
    "CONNECT_PLUGINS",
    "ConnectorPlugin",
    "KafkaCluster",
    "KafkaClusterArgs",
    "KafkaEndpoint",
    "KafkaTeams",
    "KafkaTeamsArgs",
    "LakeTarget",
    "MskArgs",
    "PrometheusTarget",
    "StrimziArgs",
    "StrimziLakeSink",
    "StrimziLakeTarget",
    "TeamAccess",
    "TeamTopic",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "CONNECT_BASE_IMAGE": "_strimzi_connect",
        "CONNECT_PLUGINS": "_strimzi_connect",
        "ConnectorPlugin": "_strimzi_connect",
        "KafkaCluster": "kafka",
        "KafkaClusterArgs": "kafka",
        "KafkaEndpoint": "_team_resources",
        "KafkaTeams": "kafka_teams",
        "KafkaTeamsArgs": "kafka_teams",
        "LakeTarget": "_msk_delivery",
        "MskArgs": "_msk",
        "PrometheusTarget": "_msk_scrape",
        "StrimziArgs": "_strimzi_cluster",
        "StrimziLakeSink": "_strimzi_delivery",
        "StrimziLakeTarget": "_strimzi_delivery",
        "TeamAccess": "_access",
        "TeamTopic": "kafka",
    },
)
