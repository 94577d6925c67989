"""The Kafka settings models (stack key ``mlinfra:kafka``) and what the Kafka area reads of a stack.

Below both stacks/kafka_args.py (the mapping to ``KafkaClusterArgs``) and stacks/kafka_settings.py
(the area: checks, registration, what it builds), which import them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from pydantic import Field, StringConstraints, field_validator

from components.kafka import validation
from stacks.area import CoreStack, Model
from stacks.data_lake_settings import DataLakeSettings
from stacks.errors import explain_patterns
from stacks.kafka_team_section import TeamKafka
from stacks.team_model import TeamSettings

if TYPE_CHECKING:
    pass

Backend = Literal["msk", "strimzi", "none"]
QUANTITY = r"^[1-9][0-9]{0,6}(m|Mi|Gi)?$"
explain_patterns({QUANTITY: 'must be a Kubernetes quantity such as "2", "500m", "512Mi" or "8Gi"'})


class KafkaStack(CoreStack, Protocol):
    """What the kafka area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def kafka(self) -> KafkaSettings: ...

    @property
    def availability_zones(self) -> int: ...

    @property
    def vpc_cidr(self) -> str: ...

    @property
    def teams(self) -> tuple[TeamSettings, ...]: ...

    @property
    def data_lake(self) -> DataLakeSettings: ...


class MskSettings(Model):
    """Amazon MSK (``mlinfra:kafka.msk``): used when ``backend`` is ``msk``."""

    broker_count: int = Field(default=3, ge=1, le=90)
    """Brokers in total: a multiple of ``mlinfra:availability_zones`` (MSK spreads them evenly)."""
    instance_type: str = "kafka.m7g.large"
    """MSK standard broker type, ``kafka.<family>.<size>``."""
    volume_gib: int = Field(default=100, ge=validation.MIN_VOLUME_GIB, le=validation.MAX_VOLUME_GIB)
    """EBS volume per broker at creation (GiB)."""
    max_volume_gib: int = Field(default=1000, ge=validation.MIN_VOLUME_GIB, le=validation.MAX_VOLUME_GIB)
    """Storage autoscaling grows each broker's volume up to this (GiB)."""
    storage_target_percent: int = Field(default=60, ge=validation.MIN_STORAGE_TARGET, le=validation.MAX_STORAGE_TARGET)
    """Broker storage utilisation that triggers expansion."""
    kafka_version: str = "3.8.x"
    """An MSK Kafka version string such as ``3.8.x``."""
    enhanced_monitoring: validation.EnhancedMonitoring = "PER_BROKER"
    """CloudWatch metric level: one of DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER, PER_TOPIC_PER_PARTITION."""
    log_retention_days: int = Field(default=30, ge=1)
    """Days broker logs stay in their (KMS-encrypted) CloudWatch log group."""


class StrimziSettings(Model):
    """Strimzi (``mlinfra:kafka.strimzi``): used when ``backend`` is ``strimzi``."""

    authentication: Literal["scram-sha-512", "tls"] = "scram-sha-512"
    """Client authentication on the TLS listener: SCRAM-SHA-512 (credentials in the team namespace) or mTLS."""
    dual_role: bool = False
    """One pool of nodes that are both KRaft controller and broker (dev); else separate pools."""
    brokers: int = Field(default=3, ge=1, le=50)
    """Broker (or dual-role) nodes."""
    controllers: int = Field(default=3, ge=1, le=9)
    """KRaft controllers (separate pools only); odd."""
    broker_volume_gib: int = Field(default=100, ge=1, le=16384)
    """Persistent volume per broker on the encrypted gp3 StorageClass (GiB)."""
    controller_volume_gib: int = Field(default=20, ge=1, le=16384)
    broker_cpu: Annotated[str, StringConstraints(pattern=QUANTITY)] = "1"
    """CPU request of a broker, a Kubernetes quantity."""
    broker_memory: Annotated[str, StringConstraints(pattern=QUANTITY)] = "4Gi"
    """Memory request and limit of a broker."""
    connect_image: str | None = None
    """Kafka Connect image for ``to_lake`` delivery, built from templates/kafka/connect.Dockerfile and pinned
    by tag or digest; without it those topics are not delivered (a warning)."""
    lake_sink: dict[str, Any] | None = None
    """Removed: Strimzi no longer builds the Connect image in the cluster (set ``connect_image``)."""

    @field_validator("connect_image")
    @classmethod
    def _image(cls, v: str | None) -> str | None:
        if v is not None and (problem := validation.image_problem(v)):
            raise ValueError(problem)
        return v

    @field_validator("lake_sink")
    @classmethod
    def _removed(cls, v: dict[str, Any] | None) -> None:
        if v is not None:
            raise ValueError(
                "was removed: the restricted Pod Security profile forbids Strimzi's in-cluster build; build the "
                "image from templates/kafka/connect.Dockerfile (README, 'Kafka delivery on Strimzi') and set "
                "mlinfra:kafka.strimzi.connect_image instead"
            )
        return None


class KafkaSettings(Model):
    """Kafka (stack key ``mlinfra:kafka``); rules in components/kafka/validation.py."""

    backend: Backend
    """``msk`` (Amazon MSK), ``strimzi`` (in the cluster) or ``none`` (no Kafka)."""
    replication_factor: int = Field(ge=1, le=10)
    """Replicas of every topic; at most the broker count."""
    min_insync_replicas: int = Field(ge=1, le=10)
    """In-sync replicas an acknowledged write needs; at most replication_factor."""
    msk: MskSettings = MskSettings()
    strimzi: StrimziSettings = StrimziSettings()

    @property
    def brokers(self) -> int:
        return self.msk.broker_count if self.backend == "msk" else self.strimzi.brokers


def section_of(team: TeamSettings) -> TeamKafka:
    spec = team.spec
    return getattr(spec, "kafka", None) or TeamKafka()
