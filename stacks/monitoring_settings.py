"""Settings of monitoring (stack key ``mlinfra:monitoring``), the team files' ``alerts:`` section
and the mapping to ``MonitoringArgs``.

Thresholds differ per environment only as data (``MonitoringArea.AREA`` defaults); the rules
that read them are templates/alerts/*.yaml.j2. Webhook URLs and PagerDuty keys are never
settings: they are Pulumi secrets under ``mlinfra:alert_receivers`` (``pulumi config set --secret
--path 'alert_receivers.<key>' <value>``), read by the program, and only their names are checked here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from components.catalog import namespaces
from components.catalog.gpu import GPU_INSTANCE_TYPES
from components.monitoring.alert_routing import (
    PAGERDUTY_SERVICE,
    SLACK_CHANNEL,
    AlertReceiver,
    AlertRouting,
    receiver_secret_keys,
)
from components.monitoring.alert_rules import AlertRuleOptions, AlertThresholds
from components.monitoring.dashboards import DashboardOptions
from components.monitoring.scrape_targets import KafkaMode, ScrapeTargetsArgs
from stacks.alert_delivery import delivery_problems, receiver_warnings
from stacks.area import Area, Model
from stacks.errors import Problem

if TYPE_CHECKING:
    import pulumi

    from components.monitoring import MonitoringArgs
    from stacks.settings import Settings
    from stacks.team_model import TeamSettings


def _matching(pattern: str, allowed: str) -> AfterValidator:
    """A string validator whose message says what is allowed (not the regular expression)."""
    regex = re.compile(pattern)

    def check(v: str) -> str:
        if not regex.match(v):
            raise ValueError(f"{allowed}, got {v!r}")
        return v

    return AfterValidator(check)


Duration = Annotated[str, _matching(r"^[1-9][0-9]*(s|m|h)$", "a duration such as 30s, 5m or 1h")]
Cpu = Annotated[str, _matching(r"^([1-9][0-9]{0,3}|[1-9][0-9]{0,5}m)$", 'a CPU quantity such as "2" or "500m"')]
Memory = Annotated[str, _matching(r"^[1-9][0-9]{0,5}(Mi|Gi)$", 'a memory quantity such as "512Mi" or "4Gi"')]
SlackChannel = Annotated[str, _matching(SLACK_CHANNEL.pattern, 'a Slack channel: "#" then lowercase letters, digits, "-" or "_"')]
PagerDutyService = Annotated[
    str, _matching(PAGERDUTY_SERVICE.pattern, "a PagerDuty service name: lowercase letters, digits and '-'")
]
BaseUrl = Annotated[str, _matching(r"^[^\s]*[^/\s]$", "a path or URL without spaces or a trailing '/'")]
ReceiverKey = Annotated[
    str, _matching(r"^[a-z0-9][a-z0-9._-]{0,252}$", "a receiver key such as slack-<channel> or pagerduty-<service>")
]


class ReceiverSettings(Model):
    """Where alerts go: a Slack channel and/or a PagerDuty service (pages on critical only)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    slack_channel: SlackChannel | None = None
    """Slack channel such as "#vision-alerts"; its webhook URL is the secret alert_receivers.slack-<channel>."""
    pagerduty_service: PagerDutyService | None = None
    """PagerDuty service name such as "vision-ml"; its routing key is the secret alert_receivers.pagerduty-<service>."""

    @model_validator(mode="after")
    def _one_destination(self) -> ReceiverSettings:
        if self.slack_channel is None and self.pagerduty_service is None:
            raise ValueError("set slack_channel and/or pagerduty_service")
        return self

    def receiver(self) -> AlertReceiver:
        return AlertReceiver(slack_channel=self.slack_channel, pagerduty_service=self.pagerduty_service)


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


def alert_routing(settings: Settings) -> AlertRouting:
    """The platform receiver and one receiver per team file with an ``alerts:`` section; without any
    receiver secret (only dev may have none) every alert goes to the null receiver."""
    teams = tuple((t.name, t.spec.alerts.receiver()) for t in settings.teams if t.spec and t.spec.alerts)
    return AlertRouting(
        platform=settings.monitoring.platform_alerts.receiver(), teams=teams, deliver=bool(settings.alert_receivers)
    )


def _problems(settings: Settings, source: str) -> list[Problem]:
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


def _team_problems(settings: Settings, teams: Sequence[TeamSettings]) -> list[Problem]:
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


def gpu_hour_prices(settings: Settings) -> dict[str, float]:
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
    settings: Settings,
    *,
    k8s_provider: pulumi.ProviderResource,
    storage_class: str,
    receiver_secrets: pulumi.Input[Mapping[str, str]] | None,
    enable_mesh: bool = False,
    mesh_namespace: str = namespaces.MESH,
    kafka: KafkaMode = "off",
    msk_broker_hosts: pulumi.Input[list[str]] | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
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
            gpu_hour_prices=gpu_hour_prices(settings), enable_inference=enable_mesh, enable_kafka=kafka != "off"
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
        ),
        routing=alert_routing(settings),
        receiver_secrets=receiver_secrets,
        scrape=ScrapeTargetsArgs(
            enable_dcgm=bool(settings.gpu_node_groups),
            enable_mesh=enable_mesh,
            mesh_namespace=mesh_namespace,
            kafka=kafka,
            msk_broker_hosts=msk_broker_hosts,
        ),
        depends_on=depends_on,
    )
