"""Settings of Kafka (stack key ``mlinfra:kafka``), the team files' ``kafka:`` section, and
their mapping to ``KafkaClusterArgs``.

Rules live in components/kafka/validation.py, shared with the component. Checks that span
fields or areas (brokers vs AZs, replication vs brokers, prod minimums) run in
``_problems``; checks of the team files (names, grants, to_lake) in ``_team_problems``,
which reports every problem of every file at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol

from pydantic import Field, StringConstraints, field_validator

from components.catalog import namespaces
from components.kafka import validation as rules
from stacks.area import Area, CoreStack, Model, Outputs
from stacks.context import AWS, CLUSTER, DATA_LAKE, KAFKA, NETWORK, TEAMS, KafkaFacts, PlatformContext
from stacks.data_lake_settings import DataLakeSettings
from stacks.errors import Problem, explain_patterns
from stacks.kafka_team_section import TeamKafka
from stacks.team_model import TeamSettings

if TYPE_CHECKING:
    import pulumi

    from components.kafka import KafkaClusterArgs

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


class LakeSinkSettings(Model):
    """Strimzi delivery into the lake (``mlinfra:kafka.strimzi.lake_sink``): no defaults, by design."""

    plugin_url: str
    """https URL of the S3 sink connector archive (Aiven's s3-connector-for-apache-kafka release)."""
    plugin_sha512: str
    """SHA-512 of that archive, lowercase hex: Strimzi refuses an archive that does not match."""
    plugin_type: Literal["zip", "tgz", "jar"] = "zip"
    output_image: str
    """Registry repository:tag prefix the built Connect image is pushed to (``-<team>`` is appended)."""
    push_secret: str
    """Secret in the kafka namespace (kubernetes.io/dockerconfigjson) that may push there."""

    @field_validator("plugin_url")
    @classmethod
    def _https(cls, v: str) -> str:
        if not re.fullmatch(r"https://\S+", v):
            raise ValueError(f"must be an https:// URL without spaces, got {v!r}")
        return v

    @field_validator("plugin_sha512")
    @classmethod
    def _sha512(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{128}", v):
            raise ValueError(
                f"must be the archive's SHA-512 as 128 lowercase hex characters (sha512sum), got {len(v)} characters"
            )
        return v

    @field_validator("output_image")
    @classmethod
    def _image(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+", v):
            raise ValueError(
                f"must be <registry>/<repository>:<tag>, e.g. 123456789012.dkr.ecr.us-west-2.amazonaws.com/kafka-connect:1, got {v!r}"
            )
        return v

    @field_validator("push_secret")
    @classmethod
    def _secret_name(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", v):
            raise ValueError(f"must be a Kubernetes Secret name (lowercase letters, digits, '-', '.'), got {v!r}")
        return v


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
    lake_sink: LakeSinkSettings | None = None
    """What ``to_lake`` delivery on Strimzi needs; without it those topics are not delivered (a warning)."""


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


def _problems(settings: KafkaStack, source: str) -> list[Problem]:
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
        name="kafka",
        outputs=("kafka_backend", "kafka_bootstrap_servers", "kafka_teams", "kafka_cluster_arn"),
        namespaces=(namespaces.KAFKA, namespaces.REFLECTOR),
        needs=(AWS, NETWORK, CLUSTER, DATA_LAKE, TEAMS),
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
) -> KafkaClusterArgs | None:
    """KafkaClusterArgs from the settings, field by field (None when the backend is ``none``).

    ``teams`` maps a team name to its Team component (namespace_name, role_name). Without
    ``with_teams`` (the platform half of a split stack) the cluster gets no topics or team
    access: the tenants stack creates them (stacks/tenants.py); the cluster is the same.
    """
    from components.kafka import (
        ConnectPlugin,
        KafkaClusterArgs,
        LakeTarget,
        MskArgs,
        StrimziArgs,
        StrimziLakeSink,
        StrimziLakeTarget,
        TeamAccess,
        TeamTopic,
    )

    kafka = settings.kafka
    if kafka.backend == "none":
        return None
    sections = {t.name: section_of(t) for t in settings.teams}
    # Cluster-wide: whether any team delivers to the lake (MSK private connectivity) holds either way.
    delivers = any(section.to_lake for section in sections.values())
    if not with_teams:
        sections = {}
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
    msk = strimzi = None
    sink = strimzi_lake = None
    if kafka.backend == "msk":
        m = kafka.msk
        msk = MskArgs(
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
    else:
        s = kafka.strimzi
        strimzi = StrimziArgs(
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
        if s.lake_sink is not None and delivers:
            sink = StrimziLakeSink(
                plugin=ConnectPlugin("s3-sink", s.lake_sink.plugin_url, s.lake_sink.plugin_sha512, s.lake_sink.plugin_type),
                output_image=s.lake_sink.output_image,
                push_secret=s.lake_sink.push_secret,
            )
            strimzi_lake = StrimziLakeTarget(
                bucket_name=raw_bucket_name,
                bucket_arn=raw_bucket_arn,
                key_arn=lake_key_arn,
                region=settings.region,
                eks_cluster_name=eks_cluster_name,
            )
    return KafkaClusterArgs(
        backend=kafka.backend,
        k8s_provider=k8s_provider,
        msk=msk,
        strimzi=strimzi,
        topics=topics,
        teams=access,
        replication_factor=kafka.replication_factor,
        min_insync_replicas=kafka.min_insync_replicas,
        lake=LakeTarget(bucket_arn=raw_bucket_arn, key_arn=lake_key_arn, region=settings.region)
        if delivers and msk and with_teams
        else None,
        strimzi_sink=sink,
        strimzi_lake=strimzi_lake,
        enable_protection=settings.enable_protection,
        tags=settings.base_tags,
    )


# -- the team files' kafka sections against this environment ------------------------------
def team_problems(settings: KafkaStack, teams: Sequence[TeamSettings]) -> list[Problem]:
    """Topic names, sizes, grants and to_lake of every team file, all at once."""
    sections = {t.name: (t.source, section_of(t)) for t in teams}
    topics_by_team = {name: list(section.topics) for name, (_, section) in sections.items()}
    problems: list[Problem] = []
    for team, (source, section) in sorted(sections.items()):
        for topic, spec in section.topics.items():
            path = f"kafka.topics.{topic}"
            problems += [Problem(source, path, m) for m in rules.team_topic_problems(team, topic)]
            if message := rules.partitions_problem(spec.partitions):
                problems.append(Problem(source, f"{path}.partitions", message))
            if message := rules.retention_problem(spec.retention_hours):
                problems.append(Problem(source, f"{path}.retention_hours", message))
        for first, second in rules.colliding_topics(section.topics):
            problems.append(
                Problem(
                    source,
                    f"kafka.topics.{second}",
                    f"differs from {first!r} only by '.' versus '_'; Kafka's metrics cannot tell them apart",
                )
            )
        for i, grant in enumerate(section.read):
            problems += [Problem(source, f"kafka.read[{i}]", m) for m in rules.read_grant_problems(team, [grant], topics_by_team)]
        for i, name in enumerate(section.to_lake):
            problems += [Problem(source, f"kafka.to_lake[{i}]", m) for m in rules.to_lake_problems(section.topics, [name])]
        if section.to_lake and settings.kafka.backend != "none":
            problems += delivery_problems(settings, source)
        for key in ("read", "to_lake"):
            for value in rules.duplicates(getattr(section, key)):
                problems.append(Problem(source, f"kafka.{key}", f"{value!r} is listed twice"))
    return problems


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


def section_of(team: TeamSettings) -> TeamKafka:
    spec = team.spec
    return getattr(spec, "kafka", None) or TeamKafka()


# -- the platform side --------------------------------------------------------------------------
def _cluster_config(settings: KafkaStack, ctx: PlatformContext, *, in_platform: bool) -> KafkaClusterArgs | None:
    import pulumi

    aws, network, cluster, lake = ctx.get(AWS), ctx.get(NETWORK), ctx.get(CLUSTER), ctx.get(DATA_LAKE)
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
    )


def build(settings: KafkaStack, ctx: PlatformContext) -> PlatformContext:
    """The Kafka cluster (MSK or Strimzi) and, in one stack, every team's topics and access."""
    from components.kafka import KafkaCluster, KafkaEndpoint

    config = _cluster_config(settings, ctx, in_platform=True)
    if config is None:
        return ctx.with_(KAFKA, None)
    kafka = KafkaCluster("kafka", config)
    endpoint = KafkaEndpoint(kafka.bootstrap_servers, cluster_arn=kafka.cluster_arn)
    return ctx.with_(KAFKA, KafkaFacts(config.backend, endpoint, kafka.broker_hosts)).export(**kafka.outputs())


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
