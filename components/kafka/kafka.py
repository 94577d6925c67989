"""KafkaCluster: the platform's event stream over Amazon MSK or Strimzi, with team topics and access.

One component whatever the backend: the Args say which (``msk`` or ``strimzi``), the team
files say which topics exist and who may read them, and the outputs tell each team how to
connect. Topics are ``<team>.<topic>`` in every environment. Backend details live in
components/kafka/_msk.py, components/kafka/_strimzi_cluster.py, team access in components/kafka/_access.py
and delivery into the lake in components/kafka/_msk_delivery.py.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.catalog.tokens import KAFKA_CLUSTER
from components.kafka._args import Backend, KafkaClusterArgs, TeamTopic
from components.kafka._msk import create_msk
from components.kafka._msk_scrape import create_scrape_secret
from components.kafka._strimzi_cluster import create_strimzi
from components.kafka._team_resources import KafkaEndpoint, create_team_resources
from components.kafka._team_secrets import SecretMirrorArgs, create_secret_mirror

__all__ = ["Backend", "KafkaCluster", "KafkaClusterArgs", "TeamTopic", "broker_hosts"]


class KafkaCluster(pulumi.ComponentResource):
    """The Kafka cluster of one environment, its topics, team access and lake delivery."""

    bootstrap_servers: pulumi.Output[str]
    """Where clients connect (MSK: IAM bootstrap brokers; Strimzi: the TLS bootstrap Service)."""
    cluster_arn: pulumi.Output[str] | None
    """MSK only."""
    broker_hosts: pulumi.Output[list[str]] | None
    """MSK only: the brokers' host names (open monitoring is scraped on each of them; the
    component writes their scrape configs itself when ``prometheus`` is set)."""
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
            if args.prometheus is not None:
                create_scrape_secret(name, self.broker_hosts, args.prometheus, provider=args.k8s_provider, parent=self)
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
