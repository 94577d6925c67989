"""What Prometheus scrapes: ServiceMonitor / PodMonitor specs and MSK scrape configs, pure data.

Each target is switched on by its own flag, so monitoring works when the mesh, Kafka or the
GPU Operator are off. Label selectors and port names are the upstream charts' own; each is
cited next to the spec. The component (components/monitoring/monitoring.py) turns each into a
CustomResource through components/_crd.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from components.kafka.validation import KafkaMode
from components.monitoring.alert_rules import MODEL_SERVER_LABEL

if TYPE_CHECKING:  # the settings import this module; `mlinfra team list` must not load the SDK
    import pulumi

# MSK open monitoring ports: JMX exporter and node exporter on every broker.
# https://docs.aws.amazon.com/msk/latest/developerguide/open-monitoring.html
MSK_JMX_PORT = 11001
MSK_NODE_EXPORTER_PORT = 11002
MSK_JMX_JOB = "msk-jmx"
MSK_NODE_JOB = "msk-node-exporter"


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
    """``strimzi``: broker/exporter pods; ``msk``: the brokers' open-monitoring endpoints."""
    kafka_namespace: str = "kafka"
    msk_broker_hosts: pulumi.Input[list[str]] | None = None
    """MSK broker host names (no port); required when ``kafka`` is ``msk``."""
    enable_cluster_autoscaler: bool = True
    """The cluster-autoscaler's own metrics (scale-up failures, unschedulable pods)."""

    def __post_init__(self) -> None:
        if self.kafka == "msk" and self.msk_broker_hosts is None:
            raise ValueError("msk_broker_hosts is required when kafka is 'msk' (open monitoring scrapes each broker)")
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
    targets: list[ScrapeTarget] = []
    if args.enable_dcgm:
        # The GPU Operator's exporter Service (app=nvidia-dcgm-exporter, port gpu-metrics):
        # https://github.com/NVIDIA/gpu-operator/tree/main/assets/state-dcgm-exporter
        # honorLabels stays false: the exporter's pod mapping becomes exported_namespace/exported_pod
        # (the GPU's workload) while namespace/pod stay the exporter's own.
        targets.append(
            ScrapeTarget(
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
                                {
                                    "action": "replace",
                                    "sourceLabels": ["__meta_kubernetes_pod_node_name"],
                                    "targetLabel": "node",
                                }
                            ],
                        }
                    ],
                },
            )
        )
    if args.enable_mesh:
        # istiod's monitoring port; https://istio.io/latest/docs/ops/integrations/prometheus/
        targets.append(
            ScrapeTarget(
                "istiod",
                "ServiceMonitor",
                {
                    "selector": {"matchLabels": {"istio": "pilot"}},
                    "namespaceSelector": {"matchNames": [args.mesh_namespace]},
                    "endpoints": [{"port": "http-monitoring", "interval": "30s"}],
                },
            )
        )
        # Every sidecar, on Istio's merged endpoint (:15020/stats/prometheus: Envoy's istio_* metrics
        # plus the app's own, e.g. ml_inference_*). The injector rewrites the pod's prometheus.io
        # annotations to it; plain HTTP, so it works under STRICT mTLS. Same relabeling as Istio's
        # prometheus-operator example: https://istio.io/latest/docs/ops/integrations/prometheus/
        targets.append(
            ScrapeTarget(
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
                                {
                                    "action": "keep",
                                    "sourceLabels": ["__meta_kubernetes_pod_container_name"],
                                    "regex": "istio-proxy",
                                },
                                *_annotated_port(),
                                *_workload_labels(),
                            ],
                        }
                    ],
                },
            )
        )
    if args.enable_model_servers and not args.enable_mesh:
        # Without the mesh, model servers are scraped directly on the port and path of their
        # prometheus.io annotations (with the mesh, the sidecar monitor above serves them).
        targets.append(
            ScrapeTarget(
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
                                {
                                    "action": "keep",
                                    "sourceLabels": ["__meta_kubernetes_pod_container_port_name"],
                                    "regex": "http",
                                },
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
        )
    if args.kafka == "strimzi":
        # Strimzi's example PodMonitor: brokers' JMX exporter and the Kafka Exporter share the
        # tcp-prometheus port. https://github.com/strimzi/strimzi-kafka-operator/tree/main/examples/metrics
        targets.append(
            ScrapeTarget(
                "strimzi-kafka",
                "PodMonitor",
                {
                    "selector": {"matchExpressions": [{"key": "strimzi.io/kind", "operator": "In", "values": ["Kafka"]}]},
                    "namespaceSelector": {"matchNames": [args.kafka_namespace]},
                    "podMetricsEndpoints": [{"port": "tcp-prometheus", "path": "/metrics", "interval": "30s"}],
                },
            )
        )
    if args.enable_cluster_autoscaler:
        # The cluster-autoscaler chart's Service (name aws-cluster-autoscaler, port http 8085).
        targets.append(
            ScrapeTarget(
                "cluster-autoscaler",
                "ServiceMonitor",
                {
                    "selector": {"matchLabels": {"app.kubernetes.io/name": "aws-cluster-autoscaler"}},
                    "namespaceSelector": {"matchNames": ["kube-system"]},
                    "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
                },
            )
        )
    return targets


def msk_scrape_configs(hosts: pulumi.Input[list[str]]) -> pulumi.Output[list[dict[str, Any]]]:
    """Prometheus scrape configs for MSK open monitoring (``prometheusSpec.additionalScrapeConfigs``).

    MSK brokers are outside the cluster: a static list, not a monitor. (The ScrapeConfig CRD
    would do the same but is still v1alpha1; components/catalog/crds.py takes stable APIs only.)
    The job names are what the Kafka rules select on (``msk-node-exporter``).
    """
    import pulumi

    return pulumi.Output.from_input(hosts).apply(
        lambda hs: [
            {
                "job_name": job,
                "scrape_interval": "60s",
                "static_configs": [{"targets": [f"{h}:{port}" for h in sorted(hs)]}],
            }
            for job, port in ((MSK_JMX_JOB, MSK_JMX_PORT), (MSK_NODE_JOB, MSK_NODE_EXPORTER_PORT))
        ]
    )
