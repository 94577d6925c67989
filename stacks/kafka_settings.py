"""Settings of Kafka (stack key ``mlinfra:kafka``), the team files' ``kafka:`` section, and
their mapping to ``KafkaClusterArgs``.

Rules live in components/kafka/validation.py, shared with the component. Checks that span
fields or areas (brokers vs AZs, replication vs brokers, prod minimums) run in
``_problems``; checks of the team files (names, grants, to_lake) in ``_team_problems``,
which reports every problem of every file at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints, field_validator

from components.kafka import validation as rules
from stacks.area import Area, Model
from stacks.errors import Problem, explain_patterns
from stacks.kafka_team_section import TeamKafka, section_of, team_problems

if TYPE_CHECKING:
    import pulumi

    from components.kafka import KafkaClusterArgs, MskArgs
    from stacks.settings import Settings

Backend = Literal["msk", "strimzi", "none"]
QUANTITY = r"^[1-9][0-9]{0,6}(m|Mi|Gi)?$"
explain_patterns({QUANTITY: 'must be a Kubernetes quantity such as "2", "500m", "512Mi" or "8Gi"'})


class MskSettings(Model):
    """Amazon MSK (``mlinfra:kafka.msk``): used when ``backend`` is ``msk``."""

    broker_count: int = Field(default=3, ge=1, le=90)
    """Brokers in total: a multiple of ``mlinfra:availability_zones`` (MSK spreads them evenly)."""
    instance_type: str = "kafka.m7g.large"
    """MSK standard broker type, ``kafka.<family>.<size>``."""
    volume_gib: int = Field(default=100, ge=rules.MIN_VOLUME_GIB, le=rules.MAX_VOLUME_GIB)
    """EBS volume per broker at creation (GiB)."""
    max_volume_gib: int = Field(default=1000, ge=rules.MIN_VOLUME_GIB, le=rules.MAX_VOLUME_GIB)
    """Storage autoscaling grows each broker's volume up to this (GiB)."""
    storage_target_percent: int = Field(default=60, ge=rules.MIN_STORAGE_TARGET, le=rules.MAX_STORAGE_TARGET)
    """Broker storage utilisation that triggers expansion."""
    kafka_version: str = "3.8.x"
    """An MSK Kafka version string such as ``3.8.x``."""
    enhanced_monitoring: rules.EnhancedMonitoring = "PER_BROKER"
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
        if v is not None and (problem := rules.image_problem(v)):
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


def _problems(settings: Settings, source: str) -> list[Problem]:
    kafka = settings.kafka
    if kafka.backend == "none":
        return []
    field = "mlinfra:kafka"
    prod = settings.environment == "prod"
    problems: list[Problem] = []
    if kafka.backend == "msk":
        msk = kafka.msk
        for message in rules.broker_problems(
            msk.broker_count, settings.availability_zones, min_brokers=rules.PROD_MIN_BROKERS if prod else 1
        ):
            problems.append(Problem(source, f"{field}.msk.broker_count", message))
        if message := rules.msk_instance_problem(msk.instance_type):
            problems.append(Problem(source, f"{field}.msk.instance_type", message))
        for f, message in rules.storage_scaling_problems(msk.volume_gib, msk.max_volume_gib, msk.storage_target_percent):
            problems.append(Problem(source, f"{field}.msk.{f}", message))
    else:
        strimzi = kafka.strimzi
        if prod and strimzi.brokers < rules.PROD_MIN_BROKERS:
            problems.append(
                Problem(source, f"{field}.strimzi.brokers", f"must be >= {rules.PROD_MIN_BROKERS} in prod; got {strimzi.brokers}")
            )
        if prod and strimzi.dual_role:
            problems.append(
                Problem(source, f"{field}.strimzi.dual_role", "prod runs separate controller and broker pools; set false")
            )
        if not strimzi.dual_role and strimzi.controllers % 2 == 0:
            problems.append(
                Problem(source, f"{field}.strimzi.controllers", f"must be odd (a KRaft quorum); got {strimzi.controllers}")
            )
    for f, message in rules.replication_problems(kafka.replication_factor, kafka.min_insync_replicas, kafka.brokers):
        problems.append(Problem(source, f"{field}.{f}", message))
    # Only a dev Strimzi cluster may run with fewer replicas (issue 10: never on MSK, never in prod).
    if (prod or kafka.backend == "msk") and kafka.replication_factor < 3:
        problems.append(
            Problem(source, f"{field}.replication_factor", f"must be >= 3 on MSK and in prod; got {kafka.replication_factor}")
        )
    if (prod or kafka.backend == "msk") and kafka.min_insync_replicas < 2:
        problems.append(
            Problem(source, f"{field}.min_insync_replicas", f"must be >= 2 on MSK and in prod; got {kafka.min_insync_replicas}")
        )
    return problems


class KafkaArea(Model):
    """Kafka: the event stream (MSK or Strimzi) and the team topics on it."""

    AREA: ClassVar[Area] = Area(
        defaults={
            # Dev: one dual-role Strimzi node, nothing replicated (cheap, disposable).
            "dev": {
                "kafka": {
                    "backend": "strimzi",
                    "replication_factor": 1,
                    "min_insync_replicas": 1,
                    "strimzi": {
                        "dual_role": True,
                        "brokers": 1,
                        "broker_volume_gib": 20,
                        "broker_cpu": "500m",
                        "broker_memory": "2Gi",
                    },
                }
            },
            "staging": {
                "kafka": {
                    "backend": "msk",
                    "replication_factor": 3,
                    "min_insync_replicas": 2,
                    "msk": {"broker_count": 3, "instance_type": "kafka.m7g.large", "volume_gib": 100, "max_volume_gib": 500},
                }
            },
            "prod": {
                "kafka": {
                    "backend": "msk",
                    "replication_factor": 3,
                    "min_insync_replicas": 2,
                    "msk": {
                        "broker_count": 3,
                        "instance_type": "kafka.m7g.xlarge",
                        "volume_gib": 500,
                        "max_volume_gib": 4000,
                        "enhanced_monitoring": "PER_TOPIC_PER_BROKER",
                        "log_retention_days": 365,
                    },
                }
            },
        },
        problems=_problems,
        team_problems=team_problems,
    )

    kafka: KafkaSettings


def kafka_args(
    settings: Settings,
    *,
    vpc_id: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[Sequence[str]],
    node_security_group_id: pulumi.Input[str],
    k8s_provider: pulumi.ProviderResource,
    account_id: pulumi.Input[str],
    partition: pulumi.Input[str],
    teams: Mapping[str, Any],
    raw_bucket_arn: pulumi.Input[str],
    raw_bucket_name: pulumi.Input[str],
    lake_key_arn: pulumi.Input[str],
    eks_cluster_name: pulumi.Input[str],
    depends_on: Sequence[pulumi.Resource] = (),
    with_teams: bool = True,
    monitoring_namespace: str | None = None,
    monitoring_depends_on: Sequence[pulumi.Resource] = (),
) -> KafkaClusterArgs | None:
    """KafkaClusterArgs from the settings, field by field (None when the backend is ``none``).

    ``teams``: team name -> Team component. Without ``with_teams`` (the platform half of a split
    stack, stacks/tenants.py) the same cluster gets no topics or team access. ``monitoring_namespace``:
    where MSK's scrape configs go, after ``monitoring_depends_on``; None: brokers not scraped."""
    from components.kafka import KafkaClusterArgs

    kafka = settings.kafka
    if kafka.backend == "none":
        return None
    sections = {t.name: section_of(t) for t in settings.teams}
    # Cluster-wide: whether any team delivers to the lake (MSK private connectivity) holds either way.
    delivers = any(section.to_lake for section in sections.values())
    topics, access = _team_parts(sections if with_teams else {}, teams)
    lake = Lake(raw_bucket_arn, raw_bucket_name, lake_key_arn, eks_cluster_name, account_id)
    if kafka.backend == "msk":
        backend: dict[str, Any] = {
            "msk": _msk_args(
                settings,
                vpc_id=vpc_id,
                private_subnet_ids=private_subnet_ids,
                node_security_group_id=node_security_group_id,
                account_id=account_id,
                partition=partition,
                delivers=delivers,
            ),
            **_msk_extras(settings, lake, delivers and with_teams, monitoring_namespace, monitoring_depends_on),
        }
    else:
        backend = _strimzi_args(settings, depends_on=depends_on, delivers=delivers, lake=lake)
    return KafkaClusterArgs(
        backend=kafka.backend,
        k8s_provider=k8s_provider,
        topics=topics,
        teams=access,
        replication_factor=kafka.replication_factor,
        min_insync_replicas=kafka.min_insync_replicas,
        enable_protection=settings.enable_protection,
        tags=settings.base_tags,
        **backend,
    )


@dataclass(frozen=True)
class Lake:
    """The lake's raw zone and key, the EKS cluster (Pod Identity) and the account, for delivery."""

    bucket_arn: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    eks_cluster_name: pulumi.Input[str]
    account_id: pulumi.Input[str]


def _team_parts(sections: Mapping[str, TeamKafka], teams: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The team files' topics and each team's access (TeamTopic, TeamAccess)."""
    from components.kafka import TeamAccess, TeamTopic

    topics = tuple(
        TeamTopic(team=name, topic=topic, partitions=spec.partitions, retention_hours=spec.retention_hours)
        for name, section in sorted(sections.items())
        for topic, spec in sorted(section.topics.items())
    )
    access = tuple(
        TeamAccess(
            team=name,
            namespace=teams[name].namespace_name,
            service_account=teams[name].service_account_name,
            role_name=teams[name].role_name,
            read=section.read,
            to_lake=section.to_lake,
        )
        for name, section in sorted(sections.items())
    )
    return topics, access


def _msk_args(
    settings: Settings,
    *,
    vpc_id: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[Sequence[str]],
    node_security_group_id: pulumi.Input[str],
    account_id: pulumi.Input[str],
    partition: pulumi.Input[str],
    delivers: bool,
) -> MskArgs:
    from components.kafka import MskArgs

    m = settings.kafka.msk
    return MskArgs(
        cluster_name=f"{settings.effective_cluster_name}-kafka",
        vpc_id=vpc_id,
        vpc_cidr=settings.vpc_cidr,
        subnet_ids=private_subnet_ids,
        az_count=settings.availability_zones,
        client_security_group_ids=(node_security_group_id,),
        account_id=account_id,
        partition=partition,
        region=settings.region,
        broker_count=m.broker_count,
        instance_type=m.instance_type,
        volume_gib=m.volume_gib,
        max_volume_gib=m.max_volume_gib,
        storage_target_percent=m.storage_target_percent,
        kafka_version=m.kafka_version,
        enhanced_monitoring=m.enhanced_monitoring,
        log_retention_days=m.log_retention_days,
        key_deletion_window_days=settings.kms_deletion_window_days,
        key_admin_role_arns=settings.kms_key_admin_role_arns,
        enable_private_connectivity=delivers,
    )


def _msk_extras(
    settings: Settings,
    lake: Lake,
    delivers: bool,
    monitoring_namespace: str | None,
    monitoring_depends_on: Sequence[pulumi.Resource],
) -> dict[str, Any]:
    """``lake=`` (Firehose delivery) and ``prometheus=`` (the brokers' scrape configs) of an MSK cluster."""
    from components.kafka import LakeTarget, PrometheusTarget

    return {
        "lake": LakeTarget(lake.bucket_arn, lake.key_arn, lake.account_id, settings.region) if delivers else None,
        "prometheus": PrometheusTarget(monitoring_namespace, tuple(monitoring_depends_on)) if monitoring_namespace else None,
    }


def _strimzi_args(settings: Settings, *, depends_on: Sequence[pulumi.Resource], delivers: bool, lake: Lake) -> dict[str, Any]:
    """``strimzi=``, and ``strimzi_sink=`` / ``strimzi_lake=`` when a team delivers and the image is set."""
    from components.kafka import StrimziArgs, StrimziLakeSink, StrimziLakeTarget

    s = settings.kafka.strimzi
    found: dict[str, Any] = {
        "strimzi": StrimziArgs(
            depends_on=tuple(depends_on),
            authentication=s.authentication,
            dual_role=s.dual_role,
            controller_replicas=s.controllers,
            broker_replicas=s.brokers,
            broker_volume_gib=s.broker_volume_gib,
            controller_volume_gib=s.controller_volume_gib,
            broker_resources={
                "requests": {"cpu": s.broker_cpu, "memory": s.broker_memory},
                "limits": {"memory": s.broker_memory},
            },
        )
    }
    if s.connect_image is not None and delivers:
        found["strimzi_sink"] = StrimziLakeSink(connect_image=s.connect_image)
        found["strimzi_lake"] = StrimziLakeTarget(
            bucket_name=lake.bucket_name,
            bucket_arn=lake.bucket_arn,
            key_arn=lake.key_arn,
            region=settings.region,
            eks_cluster_name=lake.eks_cluster_name,
        )
    return found
