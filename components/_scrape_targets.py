"""What Prometheus scrapes: ServiceMonitor / PodMonitor specs and MSK scrape configs, pure data.

Each target is switched on by its own flag, so monitoring works when the mesh, Kafka or the
GPU Operator are off. Label selectors and port names are the upstream charts' own; each is
cited next to the spec. The component (components/monitoring.py) turns each into a
CustomResource through components/_crd.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

KafkaMode = Literal["off", "strimzi", "msk"]

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
    """Pods of model servers exporting ``ml_inference_*`` on a port named ``metrics``."""
    model_server_labels: Mapping[str, str] = field(default_factory=lambda: {"mlinfra.io/model-server": "true"})
    """Pod labels that mark a model server (set by the serving component)."""
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
        # Every sidecar exposes merged stats on its container port http-envoy-prom (15090).
        targets.append(
            ScrapeTarget(
                "envoy-sidecars",
                "PodMonitor",
                {
                    "selector": {"matchExpressions": [{"key": "security.istio.io/tlsMode", "operator": "Exists"}]},
                    "namespaceSelector": {"any": True},
                    "jobLabel": "envoy-stats",
                    "podMetricsEndpoints": [{"port": "http-envoy-prom", "path": "/stats/prometheus", "interval": "15s"}],
                },
            )
        )
    if args.enable_model_servers:
        targets.append(
            ScrapeTarget(
                "model-servers",
                "PodMonitor",
                {
                    "selector": {"matchLabels": dict(args.model_server_labels)},
                    "namespaceSelector": {"any": True},
                    "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics", "interval": "15s"}],
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
