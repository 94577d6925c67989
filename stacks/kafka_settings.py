"""The Kafka area: its checks, its registration and what it builds.

The models are stacks/kafka_models.py, their mapping to ``KafkaClusterArgs`` stacks/kafka_args.py;
validation lives in components/kafka/validation.py, shared with the component. Checks that span
fields or areas (brokers vs AZs, replication vs brokers, prod minimums) run in ``_problems``;
checks of the team files (names, grants, to_lake) in ``team_problems``, which reports every
problem of every file at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from components.catalog import namespaces
from components.kafka import validation
from stacks.area import Area, Model, Outputs
from stacks.collisions import joined_name_collisions
from stacks.context import (
    AWS,
    CLUSTER,
    DATA_LAKE,
    KAFKA,
    MONITORING,
    MONITORING_NAMESPACE,
    NETWORK,
    TEAMS,
    KafkaFacts,
    PlatformContext,
)
from stacks.errors import Problem
from stacks.team_model import TeamSettings

if TYPE_CHECKING:
    from components.kafka import KafkaClusterArgs
from stacks.kafka_args import kafka_args
from stacks.kafka_models import KafkaSettings, KafkaStack, section_of
from stacks.kafka_team_section import TeamKafka


def _problems(settings: KafkaStack, source: str) -> list[Problem]:
    kafka = settings.kafka
    if kafka.backend == "none":
        return []
    field = "mlinfra:kafka"
    prod = settings.environment == "prod"
    problems: list[Problem] = []
    if kafka.backend == "msk":
        msk = kafka.msk
        for message in validation.broker_problems(
            msk.broker_count, settings.availability_zones, min_brokers=validation.PROD_MIN_BROKERS if prod else 1
        ):
            problems.append(Problem(source, f"{field}.msk.broker_count", message))
        if message := validation.msk_instance_problem(msk.instance_type):
            problems.append(Problem(source, f"{field}.msk.instance_type", message))
        for f, message in validation.storage_scaling_problems(msk.volume_gib, msk.max_volume_gib, msk.storage_target_percent):
            problems.append(Problem(source, f"{field}.msk.{f}", message))
    else:
        strimzi = kafka.strimzi
        if prod and strimzi.brokers < validation.PROD_MIN_BROKERS:
            problems.append(
                Problem(
                    source, f"{field}.strimzi.brokers", f"must be >= {validation.PROD_MIN_BROKERS} in prod; got {strimzi.brokers}"
                )
            )
        if prod and strimzi.dual_role:
            problems.append(
                Problem(source, f"{field}.strimzi.dual_role", "prod runs separate controller and broker pools; set false")
            )
        if not strimzi.dual_role and strimzi.controllers % 2 == 0:
            problems.append(
                Problem(source, f"{field}.strimzi.controllers", f"must be odd (a KRaft quorum); got {strimzi.controllers}")
            )
    for f, message in validation.replication_problems(kafka.replication_factor, kafka.min_insync_replicas, kafka.brokers):
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
        name="kafka",
        outputs=("kafka_backend", "kafka_bootstrap_servers", "kafka_teams", "kafka_cluster_arn"),
        namespaces=(namespaces.KAFKA, namespaces.REFLECTOR),
        needs=(AWS, NETWORK, CLUSTER, DATA_LAKE, TEAMS, MONITORING, MONITORING_NAMESPACE),
        provides=(KAFKA,),
        team_needs=(KAFKA,),
        build=lambda settings, ctx: build(settings, ctx),  # the functions below read the model
        build_teams=lambda settings, ctx: build_teams(settings, ctx),
        reference=lambda settings, ctx, out: reference(settings, ctx, out),
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
        team_problems=lambda settings, teams: team_problems(settings, teams),  # defined below the model it reads
    )

    kafka: KafkaSettings


# -- the team files' kafka sections against this environment ------------------------------
def team_problems(settings: KafkaStack, teams: Sequence[TeamSettings]) -> list[Problem]:
    """Topic names, sizes, grants and to_lake of every team file, all at once."""
    sections = {t.name: (t.source, section_of(t)) for t in teams}
    topics_by_team = {name: list(section.topics) for name, (_, section) in sections.items()}
    problems: list[Problem] = []
    for team, (source, section) in sorted(sections.items()):
        for topic, spec in section.topics.items():
            path = f"kafka.topics.{topic}"
            problems += [Problem(source, path, m) for m in validation.team_topic_problems(team, topic)]
            if message := validation.partitions_problem(spec.partitions):
                problems.append(Problem(source, f"{path}.partitions", message))
            if message := validation.retention_problem(spec.retention_hours):
                problems.append(Problem(source, f"{path}.retention_hours", message))
        for first, second in validation.colliding_topics(section.topics):
            problems.append(
                Problem(
                    source,
                    f"kafka.topics.{second}",
                    f"differs from {first!r} only by '.' versus '_'; Kafka's metrics cannot tell them apart",
                )
            )
        for i, grant in enumerate(section.read):
            problems += [
                Problem(source, f"kafka.read[{i}]", m) for m in validation.read_grant_problems(team, [grant], topics_by_team)
            ]
        for i, name in enumerate(section.to_lake):
            problems += [Problem(source, f"kafka.to_lake[{i}]", m) for m in validation.to_lake_problems(section.topics, [name])]
        if section.to_lake and settings.kafka.backend != "none":
            problems += delivery_problems(settings, source)
        for key in ("read", "to_lake"):
            for value in validation.duplicates(getattr(section, key)):
                problems.append(Problem(source, f"kafka.{key}", f"{value!r} is listed twice"))
    return problems + _delivery_name_collisions(sections)


def _delivery_name_collisions(sections: Mapping[str, tuple[str, TeamKafka]]) -> list[Problem]:
    """The lake deliveries are named "kafka-<team>-<topic>-to-lake": two files must not spell one name."""
    deliveries = [
        (source, f"kafka.to_lake[{i}]", team, topic)
        for team, (source, section) in sorted(sections.items())
        for i, topic in enumerate(section.to_lake)
    ]
    return joined_name_collisions(deliveries, "to_lake topic")


def delivery_problems(settings: KafkaStack, source: str) -> list[Problem]:
    """What the environment lacks to deliver ``to_lake`` topics (reported on the team file that asks)."""
    problems = []
    if "raw" not in settings.data_lake.zones:
        problems.append(
            Problem(
                source,
                "kafka.to_lake",
                f"needs a 'raw' data lake zone; this environment's zones: {list(settings.data_lake.zones)}",
            )
        )
    if settings.kafka.backend == "msk" and settings.kafka.msk.instance_type == "kafka.t3.small":
        problems.append(
            Problem(
                source,
                "kafka.to_lake",
                "Firehose reads MSK over multi-VPC private connectivity, which kafka.t3.small brokers lack; use a larger mlinfra:kafka.msk.instance_type",
            )
        )
    return problems


# -- the platform side --------------------------------------------------------------------------
def _cluster_config(settings: KafkaStack, ctx: PlatformContext, *, in_platform: bool) -> KafkaClusterArgs | None:
    import pulumi

    aws, network, cluster, lake = ctx.get(AWS), ctx.get(NETWORK), ctx.get(CLUSTER), ctx.get(DATA_LAKE)
    monitoring = ctx.get(MONITORING)
    return kafka_args(
        settings,
        vpc_id=network.vpc_id,
        private_subnet_ids=network.private_subnet_ids,
        node_security_group_id=cluster.security_group_id,
        k8s_provider=cluster.k8s_provider,
        account_id=aws.account_id,
        partition=aws.partition,
        teams={name: team.component for name, team in ctx.get(TEAMS).items()},
        raw_bucket_arn=pulumi.Output.from_input(lake.bucket_arns).apply(lambda arns: arns.get("raw", "")),
        raw_bucket_name=pulumi.Output.from_input(lake.bucket_names).apply(lambda names: names.get("raw", "")),
        lake_key_arn=lake.kms_key_arn,
        eks_cluster_name=cluster.name,
        depends_on=[*cluster.nodes_ready, *cluster.storage] if in_platform else (),
        # In one stack the teams' topics, users and deliveries are the cluster's children (their
        # URNs); the platform stack of a split holds no team (TEAMS is empty there).
        with_teams=not settings.split,
        # MSK's scrape targets go into a Secret in the monitoring namespace, once it exists.
        monitoring_namespace=ctx.get(MONITORING_NAMESPACE) if in_platform else None,
        monitoring_depends_on=monitoring.ready if in_platform else (),
    )


def build(settings: KafkaStack, ctx: PlatformContext) -> PlatformContext:
    """The Kafka cluster (MSK or Strimzi) and, in one stack, every team's topics and access."""
    from components.kafka import KafkaCluster, KafkaEndpoint

    config = _cluster_config(settings, ctx, in_platform=True)
    if config is None:
        return ctx.with_(KAFKA, None)
    kafka = KafkaCluster("kafka", config)
    endpoint = KafkaEndpoint(kafka.bootstrap_servers, cluster_arn=kafka.cluster_arn)
    return ctx.with_(KAFKA, KafkaFacts(config.backend, endpoint)).export(**kafka.outputs())


def reference(settings: KafkaStack, ctx: PlatformContext, out: Outputs) -> PlatformContext:
    """The platform's cluster, as its outputs name it."""
    from components.kafka import KafkaEndpoint

    if settings.kafka.backend == "none":
        return ctx.with_(KAFKA, None)
    arn = out("kafka_cluster_arn") if settings.kafka.backend == "msk" else None
    return ctx.with_(KAFKA, KafkaFacts(settings.kafka.backend, KafkaEndpoint(out("kafka_bootstrap_servers"), cluster_arn=arn)))


def build_teams(settings: KafkaStack, ctx: PlatformContext) -> PlatformContext:
    """In a tenants stack: every team's topics, access and lake delivery on the platform's cluster.
    (In one stack they are the KafkaCluster's children, created by ``build``.)"""
    from components.kafka import KafkaTeams, KafkaTeamsArgs

    kafka = ctx.get(KAFKA)
    if not settings.tenants_of or kafka is None:
        return ctx
    config = _cluster_config(settings, ctx, in_platform=False)
    assert config is not None, "a Kafka fact implies a Kafka configuration"
    teams = KafkaTeams("kafka", KafkaTeamsArgs(cluster=config, endpoint=kafka.endpoint))
    return ctx.export(kafka_teams=teams.team_outputs)
