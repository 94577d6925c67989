"""The Strimzi backend of KafkaCluster: operator release, metrics ConfigMap, node pools and the Kafka.

Called by components/kafka/kafka.py with ``parent`` = the component. KRaft only (Strimzi 1.x has
no ZooKeeper): controllers and brokers are KafkaNodePools, either separate pools (staging,
prod) or one dual-role pool (dev). Broker data sits on the encrypted gp3 StorageClass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components._crd import custom_resource
from components._helm import HelmAddonArgs, helm_addon
from components.catalog import namespaces
from components.catalog.shared import STORAGE_CLASS_NAME
from components.kafka._strimzi import (
    CLUSTER_LABEL,
    METRICS_CONFIG_KEY,
    STRIMZI_CHART,
    Authentication,
    KafkaSpec,
    NodePoolSpec,
    bootstrap_address,
    jmx_exporter_rules,
    operator_values,
)


@dataclass(frozen=True)
class StrimziArgs:
    """Inputs of the Strimzi backend."""

    depends_on: tuple[pulumi.Resource, ...] = ()
    """What must exist first (the cluster's nodes, the StorageClass)."""
    namespace: str = namespaces.KAFKA
    cluster_name: str = "mlinfra"
    """Name of the Kafka resource (prefix of its Services and Secrets)."""
    authentication: Authentication = "scram-sha-512"
    storage_class: str = STORAGE_CLASS_NAME
    dual_role: bool = False
    """One pool of nodes that are both controller and broker (dev); else separate pools."""
    controller_replicas: int = 3
    """KRaft quorum size (separate pools only): 3 survives one loss."""
    broker_replicas: int = 3
    broker_volume_gib: int = 100
    controller_volume_gib: int = 20
    broker_resources: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}}
    )
    operator_replicas: int = 1

    def __post_init__(self) -> None:
        if self.broker_replicas < 1 or (not self.dual_role and self.controller_replicas < 1):
            raise ValueError(
                f"broker_replicas and controller_replicas must be >= 1, got {self.broker_replicas}/{self.controller_replicas}"
            )
        if not self.dual_role and self.controller_replicas % 2 == 0:
            raise ValueError(f"controller_replicas must be odd (a KRaft quorum), got {self.controller_replicas}")

    def pools(self) -> dict[str, NodePoolSpec]:
        """Node pools by name."""
        if self.dual_role:
            return {
                "dual-role": NodePoolSpec(
                    replicas=self.broker_replicas,
                    roles=("controller", "broker"),
                    size_gib=self.broker_volume_gib,
                    storage_class=self.storage_class,
                    resources=self.broker_resources,
                )
            }
        return {
            "controllers": NodePoolSpec(
                replicas=self.controller_replicas,
                roles=("controller",),
                size_gib=self.controller_volume_gib,
                storage_class=self.storage_class,
            ),
            "brokers": NodePoolSpec(
                replicas=self.broker_replicas,
                roles=("broker",),
                size_gib=self.broker_volume_gib,
                storage_class=self.storage_class,
                resources=self.broker_resources,
            ),
        }


@dataclass(frozen=True)
class StrimziResources:
    release: k8s.helm.v3.Release
    kafka: k8s.apiextensions.CustomResource
    bootstrap: str
    """In-cluster bootstrap address of the TLS listener."""


def create_strimzi(
    name: str,
    args: StrimziArgs,
    *,
    config: Mapping[str, str | int | bool],
    stateful: pulumi.ResourceOptions,
    provider: pulumi.ProviderResource,
    parent: pulumi.Resource,
) -> StrimziResources:
    """Operator, metrics rules, node pools and Kafka under ``parent``; ``stateful`` goes to the pools and the Kafka."""
    release = helm_addon(
        f"{name}-operator",
        HelmAddonArgs(
            chart=STRIMZI_CHART,
            namespace=args.namespace,
            values=operator_values(args.operator_replicas),
            namespace_labels={"pod-security.kubernetes.io/enforce": "restricted"},
            depends_on=args.depends_on,
        ),
        parent=parent,
        provider=provider,
    )
    metrics = _metrics_config_map(name, args, release, provider=provider, parent=parent)
    keep = pulumi.ResourceOptions.merge(pulumi.ResourceOptions(depends_on=[release]), stateful)
    pools = [
        custom_resource(
            f"{name}-pool-{pool}",
            "KafkaNodePool",
            metadata_name=pool,
            namespace=args.namespace,
            spec=spec.spec(),
            labels={CLUSTER_LABEL: args.cluster_name},
            parent=parent,
            provider=provider,
            depends_on=[release],
            opts=keep,
        )
        for pool, spec in args.pools().items()
    ]
    kafka = custom_resource(
        f"{name}-kafka",
        "Kafka",
        metadata_name=args.cluster_name,
        namespace=args.namespace,
        spec=KafkaSpec(
            config=config, metrics_config_map=metrics_config_map_name(args), authentication=args.authentication
        ).spec(),
        parent=parent,
        provider=provider,
        depends_on=[release, metrics, *pools],
        opts=keep,
    )
    return StrimziResources(release=release, kafka=kafka, bootstrap=bootstrap_address(args.cluster_name, args.namespace))


def metrics_config_map_name(args: StrimziArgs) -> str:
    return f"{args.cluster_name}-kafka-metrics"


def _metrics_config_map(
    name: str,
    args: StrimziArgs,
    release: pulumi.Resource,
    *,
    provider: pulumi.ProviderResource,
    parent: pulumi.Resource,
) -> k8s.core.v1.ConfigMap:
    """The JMX exporter rules the brokers read (the Kafka's ``metricsConfig``)."""
    return k8s.core.v1.ConfigMap(
        f"{name}-metrics",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=metrics_config_map_name(args),
            namespace=args.namespace,
            labels={"app.kubernetes.io/managed-by": "mlinfra"},
        ),
        data={METRICS_CONFIG_KEY: jmx_exporter_rules()},
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[release]),
    )


def scram_password_secret(
    password_name: str,
    secret_name: str,
    *,
    user: str,
    team: str,
    namespace: str,
    parent: pulumi.Resource,
    k8s_opts: pulumi.ResourceOptions,
) -> tuple[str, pulumi.Output[str]]:
    """A generated SCRAM password for KafkaUser ``user`` and the Secret the User Operator reads it
    from (``<user>-password`` in the Kafka namespace). Returns the Secret's name and the password
    (a Pulumi secret). The child names are the callers' (they are part of the state)."""
    password = random.RandomPassword(password_name, length=32, special=False, opts=pulumi.ResourceOptions(parent=parent))
    name = f"{user}-password"
    k8s.core.v1.Secret(
        secret_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels={"team": team}),
        string_data={"password": password.result},
        opts=k8s_opts,
    )
    return name, password.result
