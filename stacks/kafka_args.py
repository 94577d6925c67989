"""``kafka_args``: the Kafka settings mapped onto ``KafkaClusterArgs``, one backend at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stacks.kafka_team_section import TeamKafka

if TYPE_CHECKING:
    import pulumi

    from components.kafka import KafkaClusterArgs, MskArgs
from stacks.kafka_models import KafkaStack, section_of


def kafka_args(
    settings: KafkaStack,
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
    settings: KafkaStack,
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
    settings: KafkaStack,
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


def _strimzi_args(settings: KafkaStack, *, depends_on: Sequence[pulumi.Resource], delivers: bool, lake: Lake) -> dict[str, Any]:
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
