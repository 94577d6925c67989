"""The Kafka area: MSK or Strimzi, topics and access per team, delivery to the lake.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

_MODULE_OF = {
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
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.kafka' has no attribute {name!r}")
    from components.kafka import (
        _access,
        _msk,
        _msk_delivery,
        _msk_scrape,
        _strimzi_cluster,
        _strimzi_connect,
        _strimzi_delivery,
        _team_resources,
        kafka,
        kafka_teams,
    )

    modules = {
        "_access": _access,
        "_msk": _msk,
        "_msk_delivery": _msk_delivery,
        "_msk_scrape": _msk_scrape,
        "_strimzi_cluster": _strimzi_cluster,
        "_strimzi_connect": _strimzi_connect,
        "_strimzi_delivery": _strimzi_delivery,
        "_team_resources": _team_resources,
        "kafka": kafka,
        "kafka_teams": kafka_teams,
    }
    return getattr(modules[_MODULE_OF[name]], name)
