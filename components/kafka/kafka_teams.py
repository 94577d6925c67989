"""KafkaTeams: the per-team half of KafkaCluster, in a tenants stack.

Topics, team access and lake delivery on a cluster another stack runs (the platform stack,
read through a StackReference). Same child names as inside KafkaCluster, and an alias to
KafkaCluster's type: team resources moved out of a one-stack deployment keep their identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.catalog.tokens import KAFKA_CLUSTER, KAFKA_TEAMS
from components.kafka._team_resources import KafkaEndpoint, create_team_resources
from components.kafka.kafka import KafkaClusterArgs


@dataclass(frozen=True)
class KafkaTeamsArgs:
    """Inputs of KafkaTeams."""

    cluster: KafkaClusterArgs
    """The environment's Kafka settings, as the platform stack's KafkaCluster got them; only the
    team fields (topics, teams, lake, replication) and the backend are used here."""
    endpoint: KafkaEndpoint
    """The running cluster: bootstrap servers (and the MSK cluster ARN), from the platform stack."""


class KafkaTeams(pulumi.ComponentResource):
    """Every team's topics, access and lake delivery on an existing cluster."""

    team_outputs: dict[str, pulumi.Output[dict[str, Any]]]
    """Per team: auth mode, bootstrap servers, topic prefix, secret name or role name."""

    def __init__(self, name: str, args: KafkaTeamsArgs, opts: pulumi.ResourceOptions | None = None):
        # Children keep KafkaCluster's URNs through the parent's alias: `pulumi state move`d
        # team resources are the same resources here (README.md, "Splitting the stack").
        aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=KAFKA_CLUSTER)])
        super().__init__(KAFKA_TEAMS, name, None, pulumi.ResourceOptions.merge(aliases, opts))
        self.team_outputs = create_team_resources(name, args.cluster, args.endpoint, parent=self)
        self.register_outputs({"teams": self.team_outputs})
