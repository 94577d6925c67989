"""The platform context: what one area gives the next, typed and frozen.

Each area's ``build`` reads the keys it ``needs`` and returns the context extended with the
keys it ``provides`` (``ctx.with_(KEY, value)``); nothing else passes between areas, so no area
reaches into another's components. A key is typed (``Key[ClusterFacts]``): ``ctx.get(CLUSTER)``
is a ``ClusterFacts``. The keys of the shipped areas are below; a new area defines its own keys
in its own settings module. Stack outputs travel the same way (``ctx.export``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:  # annotations only: the settings import this module without the provider SDKs
    import pulumi

    from components.data_lake import DataLakeRef
    from components.kafka import KafkaEndpoint
    from components.mesh import MeshEndpoints
    from components.teams import Team

T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    """One fact in the context; ``name`` is how errors and the README call it."""

    name: str
    doc: str = ""

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


class MissingFactError(LookupError):
    """An area read a key no earlier area provided: its ``needs`` are wrong."""


@dataclass(frozen=True)
class PlatformContext:
    """Facts by key, and the stack outputs collected so far. Never mutated: ``with_`` copies."""

    facts: Mapping[Key[Any], Any] = field(default_factory=lambda: MappingProxyType({}))
    outputs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key: Key[T]) -> T:
        if key not in self.facts:
            raise MissingFactError(
                f"no area provided {key.name!r} before it was read (known: {sorted(k.name for k in self.facts)})"
            )
        value: T = self.facts[key]
        return value

    def has(self, key: Key[Any]) -> bool:
        return key in self.facts

    def with_(self, key: Key[T], value: T) -> PlatformContext:
        if key in self.facts:
            raise ValueError(f"{key.name!r} is provided twice")
        return replace(self, facts=MappingProxyType({**self.facts, key: value}))

    def export(self, **outputs: Any) -> PlatformContext:
        """The context with more stack outputs (a name exported twice is an error)."""
        twice = sorted(set(outputs) & set(self.outputs))
        if twice:
            raise ValueError(f"stack outputs exported twice: {twice}")
        return replace(self, outputs=MappingProxyType({**self.outputs, **outputs}))


# -- the shipped areas' facts ------------------------------------------------------------------
@dataclass(frozen=True)
class AwsFacts:
    """Where the stack runs: account, partition, the region's available zones (invokes)."""

    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    available_zones: pulumi.Input[Sequence[str]]


@dataclass(frozen=True)
class NetworkFacts:
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]


@dataclass(frozen=True)
class ClusterFacts:
    """The EKS cluster as other areas use it."""

    name: pulumi.Input[str]
    k8s_provider: pulumi.ProviderResource
    security_group_id: pulumi.Input[str] = ""
    arn: pulumi.Input[str] = ""
    node_role_arn: pulumi.Input[str] = ""
    nodes_ready: Sequence[pulumi.Resource] = ()
    """What Helm releases wait on: they need nodes (API-only objects need just the provider)."""
    node_prerequisites: Sequence[pulumi.Resource] = ()
    """What a node group of another area waits on to join beside the system nodes."""
    storage_class: str = ""
    """The encrypted gp3 StorageClass every stateful workload uses."""
    storage: Sequence[pulumi.Resource] = ()
    """The StorageClass resource, for what must wait until it exists."""


@dataclass(frozen=True)
class KafkaFacts:
    """The environment's Kafka cluster as its clients reach it."""

    backend: Literal["msk", "strimzi"]
    endpoint: KafkaEndpoint


@dataclass(frozen=True)
class MonitoringFacts:
    """What must exist before another area writes into the monitoring namespace (its name is the
    static fact MONITORING_NAMESPACE)."""

    ready: Sequence[pulumi.Resource] = ()


@dataclass(frozen=True)
class TeamFacts:
    """One team's platform-side identity, as the other areas' per-team resources use it."""

    component: Team
    namespace: str


AWS: Key[AwsFacts] = Key("aws", "account, partition and zones of the stack's region")
NETWORK: Key[NetworkFacts] = Key("network", "the VPC and its private subnets")
CLUSTER: Key[ClusterFacts] = Key("cluster", "the EKS cluster, its provider and nodes")
DATA_LAKE: Key[DataLakeRef] = Key("data_lake", "the lake's buckets and key")
MESH: Key[MeshEndpoints] = Key("mesh", "the mesh's namespace, gateway and hosts")
MONITORING: Key[MonitoringFacts] = Key("monitoring", "the monitoring namespace, once it exists")
MONITORING_NAMESPACE: Key[str] = Key("monitoring_namespace", "where Prometheus runs (teams allow it to scrape)")
ALERT_TEMPLATES: Key[Mapping[str, tuple[str, ...]]] = Key("alert_templates", "every area's alert-rule files and their alerts")
DASHBOARD_TEMPLATES: Key[tuple[str, ...]] = Key("dashboard_templates", "every area's dashboards")
TEAMS: Key[Mapping[str, TeamFacts]] = Key("teams", "every team built in this stack, by name")
KAFKA: Key[KafkaFacts | None] = Key("kafka", "the Kafka cluster (None with mlinfra:kafka.backend none)")
