"""The platform's alert rules: thresholds (per environment, from the settings) and rendering.

Pure: no Pulumi. ``alert_rule_files`` renders ``templates/alerts/*.yaml.j2`` into Prometheus
rule files (``{"groups": [...]}``), which are both what ``promtool check rules`` reads and the
``spec`` of a ``PrometheusRule``. The tests run promtool on exactly this output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from components.catalog.model_servers import MODEL_SERVER_COMPONENT

# A Prometheus duration as the templates use it: one number and one unit.
_DURATION = re.compile(r"^[1-9][0-9]*(s|m|h)$")

# The label the sidecar PodMonitor copies from a pod's app.kubernetes.io/component
# (components/monitoring/scrape_targets.py): the ml_inference_* recording rules keep model servers.
MODEL_SERVER_LABEL = "component"

SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")
KAFKA_BACKENDS: tuple[str, ...] = ("strimzi", "msk")

# Rule file -> the alerts it holds, in order. Files are switched on with what they scrape.
ALERT_FILES: dict[str, tuple[str, ...]] = {
    "ml-system": ("HighErrorRate", "HighLatency"),
    "inference": ("InferenceHighErrorRate", "InferenceHighLatencyP99"),
    "gpu": (
        "GpuXidErrors",
        "GpuXidApplicationErrors",
        "GpuXidUnclassified",
        "GpuTemperatureHigh",
        "GpuMemoryNearFull",
        "GpuEccErrors",
        "GpuIdleAllocated",
        "GpuNodeNotReady",
        "GpuPodsPendingTooLong",
    ),
    "kafka": ("KafkaUnderReplicatedPartitions", "KafkaOfflinePartitions", "KafkaConsumerLagHigh", "KafkaDiskNearFull"),
    "teams": ("TeamGpuQuotaNearFull",),
}
ALL_ALERTS: tuple[str, ...] = tuple(alert for alerts in ALERT_FILES.values() for alert in alerts)

# GPU alerts about one node's GPUs: GpuNodeNotReady on that node inhibits them (same `node`).
NODE_GPU_ALERTS: tuple[str, ...] = (
    "GpuXidErrors",
    "GpuXidApplicationErrors",
    "GpuXidUnclassified",
    "GpuTemperatureHigh",
    "GpuMemoryNearFull",
    "GpuEccErrors",
    "GpuIdleAllocated",
)

# XID codes by whose fault they are, from NVIDIA's XID catalog
# (https://docs.nvidia.com/deploy/xid-errors/analyzing-xid-catalog.html). Application XIDs: the
# program faulted (13 graphics engine exception, 31 GPU memory page fault, 43 GPU stopped
# processing a killed/faulted context, 45 preemptive cleanup); its team's business, warning.
APPLICATION_XIDS: tuple[int, ...] = (13, 31, 43, 45)
# Hardware XIDs: drain the node and page the platform (48 double-bit ECC, 63/64 page retirement or
# row remapping event/failure, 74 NVLink, 79 fallen off the bus, 92 high single-bit ECC rate,
# 94/95 contained/uncontained ECC).
HARDWARE_XIDS: tuple[int, ...] = (48, 63, 64, 74, 79, 92, 94, 95)
# The uncorrectable-memory XIDs of GPUs without a row remapper (dynamic page retirement:
# https://docs.nvidia.com/deploy/dynamic-page-retirement/visibility.html), for GpuEccErrors.
PAGE_RETIREMENT_XIDS: tuple[int, ...] = (48, 63, 64)
# Istio's request duration histogram is in milliseconds on Envoy's default buckets, as Envoy's
# Prometheus output prints them (envoyproxy/envoy source/common/stats/histogram_impl.cc,
# HistogramSettingsImpl::defaultBuckets, formatted "%.32g"), plus +Inf.
ENVOY_DEFAULT_BUCKETS_MS: tuple[str, ...] = (
    *("0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000", "30000"),
    *("60000", "300000", "600000", "1800000", "3600000", "+Inf"),
)
# gRPC statuses that are the server's failure (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
GRPC_SERVER_ERRORS = "2|4|8|13|14|15"


def ms_bucket_in_seconds(le: str) -> str:
    """An Envoy bucket bound in ms as a Prometheus ``le`` in seconds ("500" -> "0.5", "+Inf" stays)."""
    return le if le == "+Inf" else f"{float(le) / 1000:g}"


# How long a new XID keeps its alert firing: long enough for two evaluations and a notification.
XID_WINDOW = "15m"


@dataclass(frozen=True)
class AlertThresholds:
    """Per-environment alert thresholds (``mlinfra:monitoring.thresholds``); defaults are prod's.

    HighErrorRate/HighLatency are not here: model servers depend on their exact form.
    """

    inference_error_ratio: float = 0.05
    """InferenceHighErrorRate: share of 5xx responses per endpoint and version (0-1)."""
    inference_latency_p99_ms: float = 500.0
    """InferenceHighLatencyP99: p99 request duration per endpoint and version, milliseconds."""
    inference_for: str = "5m"
    """How long an inference signal must hold before it fires."""
    inference_severity: str = "critical"
    """Severity of the two inference alerts (dev pages nobody: "warning")."""
    gpu_temperature_celsius: float = 85.0
    """GpuTemperatureHigh: GPU core temperature, held for 10 minutes."""
    gpu_memory_used_ratio: float = 0.95
    """GpuMemoryNearFull: used / (used + free) framebuffer memory, held for 15 minutes."""
    gpu_idle_utilisation_percent: float = 5.0
    """GpuIdleAllocated: utilisation (%) under which an allocated GPU counts as idle."""
    gpu_idle_for: str = "30m"
    """GpuIdleAllocated: how long an allocated GPU must stay idle."""
    gpu_pending_for: str = "15m"
    """GpuPodsPendingTooLong: how long a GPU pod may stay Pending."""
    kafka_consumer_lag_messages: int = 10000
    """KafkaConsumerLagHigh: messages behind, per consumer group and topic, for 15 minutes."""
    kafka_disk_free_ratio: float = 0.15
    """KafkaDiskNearFull: fires when the free share of a broker data disk drops below this."""
    team_gpu_quota_ratio: float = 0.9
    """TeamGpuQuotaNearFull: GPU requests / the namespace's GPU quota."""

    def __post_init__(self) -> None:
        for name in ("inference_error_ratio", "gpu_memory_used_ratio", "kafka_disk_free_ratio", "team_gpu_quota_ratio"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must be a ratio in (0, 1], got {value!r}")
        if not 0 < self.gpu_idle_utilisation_percent < 100:
            raise ValueError(f"gpu_idle_utilisation_percent must be in (0, 100), got {self.gpu_idle_utilisation_percent!r}")
        if self.inference_latency_p99_ms <= 0 or self.kafka_consumer_lag_messages <= 0:
            raise ValueError("inference_latency_p99_ms and kafka_consumer_lag_messages must be > 0")
        if not 30 <= self.gpu_temperature_celsius <= 110:
            raise ValueError(f"gpu_temperature_celsius must be between 30 and 110, got {self.gpu_temperature_celsius!r}")
        for name in ("inference_for", "gpu_idle_for", "gpu_pending_for"):
            if not _DURATION.match(getattr(self, name)):
                raise ValueError(f"{name} must be a duration such as 5m, 30m or 1h, got {getattr(self, name)!r}")
        if self.inference_severity not in SEVERITIES:
            raise ValueError(f"inference_severity must be one of {list(SEVERITIES)}, got {self.inference_severity!r}")


@dataclass(frozen=True)
class AlertRuleOptions:
    """What to render besides thresholds: which files, where runbooks live, names of scrape jobs."""

    thresholds: AlertThresholds = AlertThresholds()
    runbook_base_url: str = "docs/runbooks"
    """Prefix of every ``runbook_url`` (``<base>/<Alert>.md``); set the repository's https URL
    (e.g. ``https://github.com/<org>/mlinfra/blob/main/docs/runbooks``) so links work in Slack."""
    enable_mesh_rules: bool = True
    """Render the Istio-based inference rules (only when the mesh is on)."""
    enable_kafka_rules: bool = True
    """Render the Kafka rules (only when a Kafka cluster is on)."""
    kafka_backend: str = "strimzi"
    """``strimzi`` or ``msk``: where consumer lag comes from (Strimzi's Kafka Exporter or MSK's
    open-monitoring consumer-lag metrics); KafkaConsumerLagHigh reads the one that exists."""
    kafka_namespace: str = "kafka"
    """Namespace of the Strimzi brokers' PersistentVolumeClaims."""
    msk_node_job: str = "msk-node-exporter"
    """Scrape job name of the MSK brokers' node exporters (open monitoring, port 11002)."""
    area_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Rule files other areas bring (``templates/alerts/<file>.yaml.j2`` -> the alerts it holds, in
    order), rendered after ALERT_FILES with the same context (stacks/area.py ``alert_templates``)."""

    def __post_init__(self) -> None:
        taken = sorted(set(self.area_files) & set(ALERT_FILES))
        if taken:
            raise ValueError(f"area_files {taken} are the monitoring area's own rule files; choose other names")
        if self.runbook_base_url.endswith("/") or not self.runbook_base_url:
            raise ValueError(f"runbook_base_url must be non-empty without a trailing '/', got {self.runbook_base_url!r}")
        if self.kafka_backend not in KAFKA_BACKENDS:
            raise ValueError(f"kafka_backend must be one of {list(KAFKA_BACKENDS)}, got {self.kafka_backend!r}")


def enabled_files(options: AlertRuleOptions) -> tuple[str, ...]:
    """The rule files rendered for these options, in ALERT_FILES order."""
    skipped = {"inference"} if not options.enable_mesh_rules else set()
    if not options.enable_kafka_rules:
        skipped.add("kafka")
    return tuple(name for name in ALERT_FILES if name not in skipped) + tuple(options.area_files)


def alert_rule_files(options: AlertRuleOptions) -> dict[str, dict[str, Any]]:
    """Rule file name -> parsed Prometheus rule file ``{"groups": [...]}``."""
    from components.render import render  # Jinja2 only when rendering: `mlinfra team list` reads the settings alone

    context = {
        "t": asdict(options.thresholds),
        "runbook_base_url": options.runbook_base_url,
        "kafka_namespace": options.kafka_namespace,
        "msk_node_job": options.msk_node_job,
        "kafka_backend": options.kafka_backend,
        "application_xids": APPLICATION_XIDS,
        "hardware_xids": HARDWARE_XIDS,
        "page_retirement_xids": PAGE_RETIREMENT_XIDS,
        "xid_window": XID_WINDOW,
        "duration_buckets_ms": ENVOY_DEFAULT_BUCKETS_MS,
        "seconds": ms_bucket_in_seconds,
        "grpc_server_errors": GRPC_SERVER_ERRORS,
        "model_server_selector": f'{MODEL_SERVER_LABEL}="{MODEL_SERVER_COMPONENT}"',
    }
    files = {name: render(f"alerts/{name}.yaml.j2", **context) for name in enabled_files(options)}
    catalogue = {**ALERT_FILES, **options.area_files}
    for name, content in files.items():
        rendered = [rule["alert"] for group in content["groups"] for rule in group["rules"] if "alert" in rule]
        # The catalogue feeds the README table and routing; it must match the templates.
        if tuple(rendered) != catalogue[name]:
            raise ValueError(f"templates/alerts/{name}.yaml.j2 renders {rendered}, the catalogue says {catalogue[name]}")
    return files
