"""Settings of monitoring (stack key ``mlinfra:monitoring``), the team files' ``alerts:`` section
and the mapping to ``MonitoringArgs``.

Thresholds differ per environment only as data (``MonitoringArea.AREA`` defaults); the rules
that read them are templates/alerts/*.yaml.j2. Webhook URLs and PagerDuty keys are never
settings: they are Pulumi secrets under ``mlinfra:alert_receivers`` (``pulumi config set --secret
--path 'alert_receivers.<key>' <value>``), read by the program, and only their names are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import Field, field_validator

from components.catalog import namespaces
from components.catalog.gpu import GPU_INSTANCE_TYPES
from components.monitoring.alert_routing import (
    AlertRouting,
    receiver_secret_keys,
)
from components.monitoring.alert_rules import AlertRuleOptions, AlertThresholds
from components.monitoring.dashboards import DashboardOptions
from components.monitoring.scrape_targets import KafkaMode, ScrapeTargetsArgs
from stacks.alert_delivery import delivery_problems, receiver_warnings
from stacks.area import Area, CoreStack, Model
from stacks.context import ALERT_TEMPLATES, CLUSTER, DASHBOARD_TEMPLATES, MESH, MONITORING, MonitoringFacts, PlatformContext
from stacks.context import MONITORING_NAMESPACE as NAMESPACE_KEY
from stacks.errors import Problem
from stacks.gpu_settings import GpuNodeGroupSettings
from stacks.sections import BaseUrl, Cpu, Duration, Memory, ReceiverKey, ReceiverSettings
from stacks.team_model import TeamSettings

if TYPE_CHECKING:
    import pulumi

    from components.monitoring import MonitoringArgs


class _KafkaBackend(Protocol):
    @property
    def backend(self) -> Literal["msk", "strimzi", "none"]: ...


class MonitoringStack(CoreStack, Protocol):
    """What the monitoring area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def monitoring(self) -> MonitoringSettings: ...

    @property
    def kafka(self) -> _KafkaBackend: ...

    @property
    def teams(self) -> tuple[TeamSettings, ...]: ...

    @property
    def alert_receivers(self) -> dict[str, SecureValue]: ...

    @property
    def gpu_node_groups(self) -> dict[str, GpuNodeGroupSettings]: ...


class ResourceSettings(Model):
    """CPU and memory requests of a container (the memory limit equals the request)."""

    cpu: Cpu
    """Kubernetes CPU quantity such as "1" or "500m"."""
    memory: Memory
    """Kubernetes memory quantity such as "4Gi" (Mi or Gi)."""

    @field_validator("cpu", mode="before")
    @classmethod
    def _cpu_number(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


_DEFAULT = AlertThresholds()


class ThresholdSettings(Model):
    """Per-environment alert thresholds (see the alert table in the README)."""

    inference_error_ratio: float = Field(gt=0, le=1)
    inference_latency_p99_ms: float = Field(gt=0, le=600_000)
    inference_for: Duration
    inference_severity: Literal["critical", "warning", "info"]
    gpu_temperature_celsius: float = Field(default=_DEFAULT.gpu_temperature_celsius, ge=30, le=110)
    gpu_memory_used_ratio: float = Field(default=_DEFAULT.gpu_memory_used_ratio, gt=0, le=1)
    gpu_idle_utilisation_percent: float = Field(default=_DEFAULT.gpu_idle_utilisation_percent, gt=0, lt=100)
    gpu_idle_for: Duration = _DEFAULT.gpu_idle_for
    gpu_pending_for: Duration = _DEFAULT.gpu_pending_for
    kafka_consumer_lag_messages: int = Field(gt=0)
    kafka_disk_free_ratio: float = Field(default=_DEFAULT.kafka_disk_free_ratio, gt=0, lt=1)
    team_gpu_quota_ratio: float = Field(default=_DEFAULT.team_gpu_quota_ratio, gt=0, le=1)

    def thresholds(self) -> AlertThresholds:
        return AlertThresholds(**self.model_dump())


class MonitoringSettings(Model):
    """kube-prometheus-stack, alert thresholds and the platform's alert receiver."""

    prometheus_replicas: int = Field(ge=1, le=5)
    """Prometheus replicas (each scrapes everything; 2 survive a node loss)."""
    prometheus_retention_days: int = Field(ge=1, le=365)
    prometheus_storage_gb: int = Field(ge=10, le=16384)
    """Volume per replica (encrypted gp3); data beyond 85% of it is dropped oldest first."""
    prometheus_resources: ResourceSettings
    alertmanager_enabled: bool = True
    """Only dev may turn Alertmanager off."""
    alertmanager_replicas: int = Field(default=2, ge=1, le=5)
    grafana_storage_gb: int = Field(default=10, ge=1, le=1024)
    runbook_base_url: BaseUrl = "docs/runbooks"
    """Prefix of every alert's runbook_url (e.g. https://github.com/<org>/mlinfra/blob/main/docs/runbooks)."""
    platform_alerts: ReceiverSettings = ReceiverSettings(slack_channel="#platform-alerts")
    """Receiver of alerts without a team (and of teams without an ``alerts:`` section)."""
    thresholds: ThresholdSettings


class SecureValue(Model):
    """A Pulumi secret in a stack file (``secure: v1:...``)."""

    secure: str = Field(min_length=1)


def alert_routing(settings: MonitoringStack) -> AlertRouting:
    """The platform receiver and one receiver per team file with an ``alerts:`` section; without any
    receiver secret (only dev may have none) every alert goes to the null receiver."""
    teams = tuple((t.name, t.spec.alerts.receiver()) for t in settings.teams if t.spec and t.spec.alerts)
    return AlertRouting(
        platform=settings.monitoring.platform_alerts.receiver(), teams=teams, deliver=bool(settings.alert_receivers)
    )


def _problems(settings: MonitoringStack, source: str) -> list[Problem]:
    monitoring = settings.monitoring
    problems: list[Problem] = []
    if not monitoring.alertmanager_enabled and settings.environment != "dev":
        problems.append(
            Problem(
                source,
                "mlinfra:monitoring.alertmanager_enabled",
                f"{settings.environment} must keep Alertmanager on (alerts would reach nobody); only dev may set false",
            )
        )
    problems += delivery_problems(settings, source)
    if settings.alert_receivers:
        routing = AlertRouting(platform=monitoring.platform_alerts.receiver())
        for key in receiver_secret_keys(routing):
            if key not in settings.alert_receivers:
                problems.append(
                    Problem(
                        source,
                        "mlinfra:monitoring.platform_alerts",
                        f"the stack has no secret alert_receivers.{key}; run "
                        f"`pulumi config set --secret --path 'alert_receivers.{key}' <value>`",
                    )
                )
    return problems


def _team_problems(settings: MonitoringStack, teams: Sequence[TeamSettings]) -> list[Problem]:
    """A team receiver whose secret is missing from the stack file would fail Alertmanager's reload."""
    if not settings.alert_receivers:
        return []  # no receiver secrets at all: an offline or fresh stack; warned at plan time
    problems = []
    for team in teams:
        alerts = team.spec.alerts if team.spec else None
        if alerts is None:
            continue
        routing = AlertRouting(teams=((team.name, alerts.receiver()),))
        for key in receiver_secret_keys(routing):
            if key in settings.alert_receivers:
                continue
            problems.append(
                Problem(
                    team.source,
                    "alerts",
                    f"the stack has no secret alert_receivers.{key}; run "
                    f"`pulumi config set --secret --path 'alert_receivers.{key}' <value>` for stack {settings.stack}",
                )
            )
    return problems


class MonitoringArea(Model):
    """Monitoring and alerting."""

    AREA: ClassVar[Area] = Area(
        name="monitoring",
        outputs=("monitoring_namespace",),
        namespaces=(namespaces.MONITORING,),
        needs=(CLUSTER, MESH, ALERT_TEMPLATES, DASHBOARD_TEMPLATES),
        provides=(MONITORING,),
        reference=lambda settings, ctx, out: ctx.with_(MONITORING, MonitoringFacts()),
        build=lambda settings, ctx: build(settings, ctx),  # the functions below read the model
        # Teams allow Prometheus to scrape them before (or without) this stack's Prometheus.
        static_facts=lambda settings: {NAMESPACE_KEY: namespaces.MONITORING},
        defaults={
            # Dev: one small Prometheus, short retention, lenient inference alerts that never page.
            "dev": {
                "monitoring": {
                    "prometheus_replicas": 1,
                    "prometheus_retention_days": 3,
                    "prometheus_storage_gb": 20,
                    "prometheus_resources": {"cpu": "500m", "memory": "2Gi"},
                    "alertmanager_replicas": 1,
                    "grafana_storage_gb": 5,
                    "thresholds": {
                        "inference_error_ratio": 0.2,
                        "inference_latency_p99_ms": 2000,
                        "inference_for": "15m",
                        "inference_severity": "warning",
                        "kafka_consumer_lag_messages": 100000,
                    },
                }
            },
            "staging": {
                "monitoring": {
                    "prometheus_replicas": 2,
                    "prometheus_retention_days": 7,
                    "prometheus_storage_gb": 50,
                    "prometheus_resources": {"cpu": "1", "memory": "4Gi"},
                    "alertmanager_replicas": 2,
                    "grafana_storage_gb": 10,
                    "thresholds": {
                        "inference_error_ratio": 0.1,
                        "inference_latency_p99_ms": 1000,
                        "inference_for": "10m",
                        "inference_severity": "warning",
                        "kafka_consumer_lag_messages": 50000,
                    },
                }
            },
            # Prod: two Prometheus replicas on separate nodes, 15 days, the thresholds.
            "prod": {
                "monitoring": {
                    "prometheus_replicas": 2,
                    "prometheus_retention_days": 15,
                    "prometheus_storage_gb": 200,
                    "prometheus_resources": {"cpu": "2", "memory": "8Gi"},
                    "alertmanager_replicas": 3,
                    "grafana_storage_gb": 10,
                    "thresholds": {
                        "inference_error_ratio": 0.05,
                        "inference_latency_p99_ms": 500,
                        "inference_for": "5m",
                        "inference_severity": "critical",
                        "kafka_consumer_lag_messages": 10000,
                    },
                }
            },
        },
        problems=_problems,
        team_problems=_team_problems,
    )

    monitoring: MonitoringSettings
    alert_receivers: dict[ReceiverKey, SecureValue] = Field(default_factory=dict)
    """Secret webhook URLs / routing keys by receiver key (slack-<channel>, pagerduty-<service>);
    set each with ``pulumi config set --secret --path 'alert_receivers.<key>' <value>``."""

    @field_validator("alert_receivers", mode="before")
    @classmethod
    def _only_secrets(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            plain = sorted(k for k, value in v.items() if not isinstance(value, Mapping))
            if plain:
                raise ValueError(
                    f"{plain} are plain text; receiver URLs and keys must be Pulumi secrets: "
                    "pulumi config set --secret --path 'alert_receivers.<key>' <value>"
                )
        return v


def gpu_hour_prices(settings: MonitoringStack) -> dict[str, float]:
    """GPU model label -> on-demand USD per GPU-hour in this region (the dearest type of that model
    in the stack's pools: a cost estimate should not flatter)."""
    prices: dict[str, float] = {}
    for pool in settings.gpu_node_groups.values():
        for name in pool.instance_types:
            gpu_type = GPU_INSTANCE_TYPES[name]
            hourly = gpu_type.hourly_prices.get(settings.region)
            if hourly is not None:
                per_gpu = hourly / gpu_type.gpus
                prices[gpu_type.model_label] = max(prices.get(gpu_type.model_label, 0.0), per_gpu)
    return dict(sorted(prices.items()))


# The namespace Monitoring is installed into; teams (scrape allowances) read it from here, since
# Monitoring is built last (it scrapes what the other components create).
MONITORING_NAMESPACE = namespaces.MONITORING


def monitoring_args(
    settings: MonitoringStack,
    *,
    k8s_provider: pulumi.ProviderResource,
    storage_class: str,
    receiver_secrets: pulumi.Input[Mapping[str, str]] | None,
    enable_mesh: bool = False,
    mesh_namespace: str = namespaces.MESH,
    kafka: KafkaMode = "off",
    depends_on: Sequence[pulumi.Resource] = (),
    area_alerts: Mapping[str, tuple[str, ...]] | None = None,
    area_dashboards: Sequence[str] = (),
) -> MonitoringArgs:
    """MonitoringArgs, field by field; the mesh and Kafka switch their scraping, rules and dashboard."""
    import pulumi

    from components.monitoring import MonitoringArgs, Resources

    for warning in receiver_warnings(settings):
        pulumi.log.warn(warning)
    m = settings.monitoring
    return MonitoringArgs(
        k8s_provider=k8s_provider,
        namespace=MONITORING_NAMESPACE,
        storage_class=storage_class,
        dashboards=DashboardOptions(
            gpu_hour_prices=gpu_hour_prices(settings),
            enable_inference=enable_mesh,
            enable_kafka=kafka != "off",
            area_dashboards=tuple(area_dashboards),
        ),
        prometheus_replicas=m.prometheus_replicas,
        prometheus_retention_days=m.prometheus_retention_days,
        prometheus_storage_gb=m.prometheus_storage_gb,
        prometheus_resources=Resources(cpu=m.prometheus_resources.cpu, memory=m.prometheus_resources.memory),
        enable_alertmanager=m.alertmanager_enabled,
        alertmanager_replicas=m.alertmanager_replicas,
        grafana_storage_gb=m.grafana_storage_gb,
        alert_rules=AlertRuleOptions(
            thresholds=m.thresholds.thresholds(),
            runbook_base_url=m.runbook_base_url,
            enable_mesh_rules=enable_mesh,
            enable_kafka_rules=kafka != "off",
            kafka_backend="msk" if kafka == "msk" else "strimzi",
            area_files=dict(area_alerts or {}),
        ),
        routing=alert_routing(settings),
        receiver_secrets=receiver_secrets,
        scrape=ScrapeTargetsArgs(
            enable_dcgm=bool(settings.gpu_node_groups),
            enable_mesh=enable_mesh,
            mesh_namespace=mesh_namespace,
            kafka=kafka,
        ),
        depends_on=depends_on,
    )


# -- the platform side --------------------------------------------------------------------------
def build(settings: MonitoringStack, ctx: PlatformContext) -> PlatformContext:
    """Prometheus, Alertmanager and Grafana; it waits for no other area's workloads (Kafka writes
    its scrape targets into a Secret Prometheus reads, components/kafka/_msk_scrape.py)."""
    import pulumi

    from components.monitoring import Monitoring

    cluster, mesh = ctx.get(CLUSTER), ctx.get(MESH)
    dashboards: tuple[str, ...] = ctx.get(DASHBOARD_TEMPLATES)
    monitoring = Monitoring(
        "monitoring",
        monitoring_args(
            settings,
            k8s_provider=cluster.k8s_provider,
            storage_class=cluster.storage_class,
            # Webhook URLs / routing keys: Pulumi secrets, never settings (README, "Alert routing").
            receiver_secrets=pulumi.Config("mlinfra").get_secret_object("alert_receivers"),
            # The mesh is always on: sidecars (and the model servers behind them) are scraped, and the
            # inference rules and dashboard are rendered.
            enable_mesh=True,
            mesh_namespace=mesh.namespace,
            kafka="off" if settings.kafka.backend == "none" else settings.kafka.backend,
            depends_on=[*cluster.nodes_ready, *cluster.storage],
            area_alerts=ctx.get(ALERT_TEMPLATES),
            area_dashboards=dashboards,
        ),
    )
    facts = MonitoringFacts((monitoring.namespace_ready,))
    return ctx.with_(MONITORING, facts).export(monitoring_namespace=monitoring.namespace_name)
