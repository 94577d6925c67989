"""What Prometheus scrapes: ServiceMonitor / PodMonitor specs, pure data.

Each target is switched on by its own flag, so monitoring works when the mesh, Kafka or the
GPU Operator are off. Label selectors and port names are the upstream charts' own; each is
cited next to the spec. The component (components/monitoring/monitoring.py) turns each into a
CustomResource through components/_crd.py. MSK brokers (outside the cluster) come from the
Secret the Kafka area writes (components/catalog/prometheus.py), so monitoring never waits for MSK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from components.catalog.prometheus import MSK_JMX_JOB, MSK_NODE_JOB
from components.catalog.shared import KafkaMode
from components.monitoring.alert_rules import MODEL_SERVER_LABEL

__all__ = ["MSK_JMX_JOB", "MSK_NODE_JOB", "ScrapeTarget", "ScrapeTargetsArgs", "scrape_targets"]


@dataclass(frozen=True)
class ScrapeTargetsArgs:
    """Which parts of the platform to scrape, and where they run."""

    enable_dcgm: bool = True
    """The GPU Operator's DCGM exporter (GPU metrics)."""
    gpu_operator_namespace: str = "gpu-operator"
    enable_mesh: bool = False
    """istiod and every Envoy sidecar (the inference alerts and dashboard need them)."""
    mesh_namespace: str = "istio-system"
    enable_model_servers: bool = True
    """Pods of model servers exporting ``ml_inference_*`` (at their prometheus.io port and path)."""
    model_server_labels: Mapping[str, str] = field(default_factory=lambda: {"app.kubernetes.io/component": "model-server"})
    """Pod labels that mark a model server (components/catalog/model_servers.py, set by serving)."""
    kafka: KafkaMode = "off"
    """``strimzi``: broker/exporter pods; ``msk``: the brokers' open-monitoring endpoints, from the
    Secret the Kafka area writes (Prometheus reads it when present)."""
    kafka_namespace: str = "kafka"
    enable_cluster_autoscaler: bool = True
    """The cluster-autoscaler's own metrics (scale-up failures, unschedulable pods)."""

    def __post_init__(self) -> None:
        if self.kafka not in ("off", "strimzi", "msk"):
            raise ValueError(f"kafka must be one of ['off', 'strimzi', 'msk'], got {self.kafka!r}")


@dataclass(frozen=True)
class ScrapeTarget:
    """One monitoring.coreos.com object (in the monitoring namespace; ``namespaceSelector`` says
    where its targets run, so it never waits for another component's namespace)."""

    name: str
    kind: Literal["ServiceMonitor", "PodMonitor"]
    spec: Mapping[str, Any]


def _annotated_port() -> list[dict[str, Any]]:
    """``__address__`` = pod IP (v4 or v6) : the ``prometheus.io/port`` annotation."""
    source = ["__meta_kubernetes_pod_annotation_prometheus_io_port", "__meta_kubernetes_pod_ip"]
    return [
        {
            "action": "replace",
            "sourceLabels": source,
            "regex": r"(\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})",
            "replacement": "[$2]:$1",
            "targetLabel": "__address__",
        },
        {
            "action": "replace",
            "sourceLabels": source,
            "regex": r"(\d+);((([0-9]+?)(\.|$)){4})",
            "replacement": "$2:$1",
            "targetLabel": "__address__",
        },
    ]


def _workload_labels() -> list[dict[str, Any]]:
    """The serving labels ``app`` and ``version`` as ``endpoint`` and ``version`` (dashboards split on them),
    and ``app.kubernetes.io/component`` as ``component``: the ml_inference_* recording rules
    (templates/alerts/ml-system.yaml.j2) keep only the sidecars of model-server pods."""
    return [
        {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_label_app"], "targetLabel": "endpoint"},
        {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_label_version"], "targetLabel": "version"},
        {
            "action": "replace",
            "sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"],
            "targetLabel": MODEL_SERVER_LABEL,
        },
    ]


def scrape_targets(args: ScrapeTargetsArgs) -> list[ScrapeTarget]:
    """Every monitor the switched-on parts need, in a stable order."""
    targets: list[ScrapeTarget] = []
    if args.enable_dcgm:
        targets.append(_dcgm(args))
    if args.enable_mesh:
        targets += _mesh(args)
    if args.enable_model_servers and not args.enable_mesh:
        # Without the mesh, model servers are scraped directly on the port and path of their
        # prometheus.io annotations (with the mesh, the sidecar monitor serves them).
        targets.append(_model_servers(args))
    if args.kafka == "strimzi":
        targets.append(_strimzi(args))
    if args.enable_cluster_autoscaler:
        targets.append(_cluster_autoscaler())
    return targets


def _dcgm(args: ScrapeTargetsArgs) -> ScrapeTarget:
    # The GPU Operator's exporter Service (app=nvidia-dcgm-exporter, port gpu-metrics):
    # https://github.com/NVIDIA/gpu-operator/tree/main/assets/state-dcgm-exporter
    # honorLabels stays false: the exporter's pod mapping becomes exported_namespace/exported_pod
    # (the GPU's workload) while namespace/pod stay the exporter's own.
    return ScrapeTarget(
        "dcgm-exporter",
        "ServiceMonitor",
        {
            "selector": {"matchLabels": {"app": "nvidia-dcgm-exporter"}},
            "namespaceSelector": {"matchNames": [args.gpu_operator_namespace]},
            "endpoints": [
                {
                    "port": "gpu-metrics",
                    "path": "/metrics",
                    "interval": "30s",
                    "honorLabels": False,
                    # `node` on every GPU series: joins with kube-state-metrics and lets
                    # GpuNodeNotReady inhibit that node's GPU alerts.
                    "relabelings": [
                        {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}
                    ],
                }
            ],
        },
    )


def _mesh(args: ScrapeTargetsArgs) -> list[ScrapeTarget]:
    # istiod's monitoring port; https://istio.io/latest/docs/ops/integrations/prometheus/
    istiod = ScrapeTarget(
        "istiod",
        "ServiceMonitor",
        {
            "selector": {"matchLabels": {"istio": "pilot"}},
            "namespaceSelector": {"matchNames": [args.mesh_namespace]},
            "endpoints": [{"port": "http-monitoring", "interval": "30s"}],
        },
    )
    # Every sidecar, on Istio's merged endpoint (:15020/stats/prometheus: Envoy's istio_* metrics
    # plus the app's own, e.g. ml_inference_*). The injector rewrites the pod's prometheus.io
    # annotations to it; plain HTTP, so it works under STRICT mTLS. Same relabeling as Istio's
    # prometheus-operator example: https://istio.io/latest/docs/ops/integrations/prometheus/
    sidecars = ScrapeTarget(
        "envoy-sidecars",
        "PodMonitor",
        {
            "selector": {"matchExpressions": [{"key": "security.istio.io/tlsMode", "operator": "Exists"}]},
            "namespaceSelector": {"any": True},
            "jobLabel": "envoy-stats",
            "podMetricsEndpoints": [
                {
                    "path": "/stats/prometheus",
                    "interval": "15s",
                    "relabelings": [
                        {"action": "keep", "sourceLabels": ["__meta_kubernetes_pod_container_name"], "regex": "istio-proxy"},
                        *_annotated_port(),
                        *_workload_labels(),
                    ],
                }
            ],
        },
    )
    return [istiod, sidecars]


def _model_servers(args: ScrapeTargetsArgs) -> ScrapeTarget:
    return ScrapeTarget(
        "model-servers",
        "PodMonitor",
        {
            "selector": {"matchLabels": dict(args.model_server_labels)},
            "namespaceSelector": {"any": True},
            "podMetricsEndpoints": [
                {
                    "interval": "15s",
                    "relabelings": [
                        # One target per pod: the server's http port, then the annotated port.
                        {"action": "keep", "sourceLabels": ["__meta_kubernetes_pod_container_port_name"], "regex": "http"},
                        {
                            "action": "replace",
                            "sourceLabels": ["__meta_kubernetes_pod_annotation_prometheus_io_path"],
                            "regex": "(.+)",
                            "targetLabel": "__metrics_path__",
                        },
                        *_annotated_port(),
                        *_workload_labels(),
                    ],
                }
            ],
        },
    )


def _strimzi(args: ScrapeTargetsArgs) -> ScrapeTarget:
    # Strimzi's example PodMonitor: brokers' JMX exporter and the Kafka Exporter share the
    # tcp-prometheus port. https://github.com/strimzi/strimzi-kafka-operator/tree/main/examples/metrics
    return ScrapeTarget(
        "strimzi-kafka",
        "PodMonitor",
        {
            "selector": {"matchExpressions": [{"key": "strimzi.io/kind", "operator": "In", "values": ["Kafka"]}]},
            "namespaceSelector": {"matchNames": [args.kafka_namespace]},
            "podMetricsEndpoints": [{"port": "tcp-prometheus", "path": "/metrics", "interval": "30s"}],
        },
    )


def _cluster_autoscaler() -> ScrapeTarget:
    # The cluster-autoscaler chart's Service (name aws-cluster-autoscaler, port http 8085).
    return ScrapeTarget(
        "cluster-autoscaler",
        "ServiceMonitor",
        {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "aws-cluster-autoscaler"}},
            "namespaceSelector": {"matchNames": ["kube-system"]},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        },
    )
