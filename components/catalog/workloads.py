"""The pods each platform add-on runs, where they run, and where their requests are set.

mlinfra/capacity.py reads a Helm release's recorded values at these paths (so a values change
shows in the capacity table) and falls back to the chart's own default, cited per entry, when
the values leave a key out. ``chart_default=None`` means the chart sets no requests: the values
must, or the workload is reported as unrequested.

Placement: ``system`` (Deployments and StatefulSets that tolerate no taint: only the untainted
system pool takes them), ``every-node`` (DaemonSets that tolerate every taint), ``gpu-nodes``
(DaemonSets the GPU Operator schedules on nodes labelled nvidia.com/gpu.present=true),
``efa-nodes`` (the EFA device plugin: its chart's node affinity lists EFA-capable types only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Placement = Literal["system", "every-node", "gpu-nodes", "efa-nodes"]


@dataclass(frozen=True)
class Requests:
    """CPU (millicores) and memory (MiB) one container requests."""

    cpu_millicores: int
    memory_mib: int


@dataclass(frozen=True)
class ChartWorkload:
    """One container (or identical containers) of one workload of a Helm chart."""

    name: str
    placement: Placement
    resources: str
    """Dotted path of the container's ``resources`` in the release values."""
    chart_default: Requests | None = None
    """The chart's own requests when the values leave them out (None: the chart sets none)."""
    replicas: str | None = None
    """Dotted path of the replica count (None: one, or one per node for a DaemonSet)."""
    default_replicas: int = 1
    enabled: str | None = None
    """Dotted path of the switch that turns the workload on (None: always on)."""
    default_enabled: bool = True
    containers: int = 1
    """Identical containers of this entry in one pod."""
    sidecar: bool = False
    """A container of another entry's pod: adds requests, not a pod."""
    operand: str | None = None
    """The GPU Operator's name for it: nodes labelled ``nvidia.com/gpu.deploy.<operand>=false`` skip it."""


_w = ChartWorkload  # short, for the table below


# Keyed by chart name, as recorded in the Release's ``chart`` input.
CHART_WORKLOADS: Mapping[str, tuple[ChartWorkload, ...]] = MappingProxyType(
    {
        # kubernetes/autoscaler cluster-autoscaler-chart-9.59.0, charts/cluster-autoscaler/values.yaml:
        # replicaCount 1, resources {}.
        "cluster-autoscaler": (_w("cluster-autoscaler", "system", "resources", replicas="replicaCount"),),
        # aws/eks-charts stable/aws-load-balancer-controller 3.5.0 values.yaml: replicaCount 2, resources {}.
        "aws-load-balancer-controller": (
            _w("aws-load-balancer-controller", "system", "resources", replicas="replicaCount", default_replicas=2),
        ),
        # aws/eks-charts stable/aws-efa-k8s-device-plugin v0.5.30 values.yaml: requests 10m / 20Mi.
        "aws-efa-k8s-device-plugin": (_w("efa-device-plugin", "efa-nodes", "resources", chart_default=Requests(10, 20)),),
        # kubernetes-sigs/metrics-server metrics-server-helm-chart-3.13.1 values.yaml: replicas 1,
        # requests 100m / 200Mi.
        "metrics-server": (_w("metrics-server", "system", "resources", replicas="replicas", chart_default=Requests(100, 200)),),
        # emberstack/kubernetes-reflector v10.0.63 src/helm/reflector/values.yaml: replicaCount 1,
        # resources {} (set by us: templates/helm/reflector.yaml.j2).
        "reflector": (_w("reflector", "system", "resources", replicas="replicaCount"),),
        # strimzi/strimzi-kafka-operator helm-charts 1.2.0 values.yaml: replicas 1 (resources set by us).
        "strimzi-kafka-operator": (_w("strimzi-cluster-operator", "system", "resources", replicas="replicas"),),
        # NVIDIA/gpu-operator v26.7.0 deployments/gpu-operator/values.yaml (operator requests 200m /
        # 100Mi, operands' resources {}) and its node-feature-discovery 0.19.0 subchart values.yaml
        # (master 100m / 128Mi, worker 5m / 64Mi, gc 10m / 128Mi; the worker tolerates nvidia.com/gpu).
        "gpu-operator": (
            _w("gpu-operator", "system", "operator.resources", chart_default=Requests(200, 100)),
            _w("nfd-master", "system", "node-feature-discovery.master.resources", chart_default=Requests(100, 128)),
            _w("nfd-gc", "system", "node-feature-discovery.gc.resources", chart_default=Requests(10, 128)),
            _w("nfd-worker", "every-node", "node-feature-discovery.worker.resources", chart_default=Requests(5, 64)),
            _w("operator-validator", "gpu-nodes", "validator.resources", operand="operator-validator"),
            _w("device-plugin", "gpu-nodes", "devicePlugin.resources", enabled="devicePlugin.enabled", operand="device-plugin"),
            _w("gpu-feature-discovery", "gpu-nodes", "gfd.resources", enabled="gfd.enabled", operand="gpu-feature-discovery"),
            _w("dcgm-exporter", "gpu-nodes", "dcgmExporter.resources", enabled="dcgmExporter.enabled", operand="dcgm-exporter"),
            _w("mig-manager", "gpu-nodes", "migManager.resources", enabled="migManager.enabled", operand="mig-manager"),
        ),
        # prometheus-community/helm-charts kube-prometheus-stack-88.5.3 values.yaml (replicas 1,
        # prometheusConfigReloader.resources {}), kube-state-metrics-8.4.0 (replicas 1, resources {}),
        # prometheus-node-exporter-4.56.1 (resources {}, tolerates every NoSchedule taint); grafana
        # 12.11.1 (grafana-community/helm-charts: resources {}, sidecar.resources {}, two sidecars:
        # dashboards and datasources).
        "kube-prometheus-stack": (
            _w("prometheus-operator", "system", "prometheusOperator.resources"),
            _w("prometheus", "system", "prometheus.prometheusSpec.resources", replicas="prometheus.prometheusSpec.replicas"),
            _w(
                "prometheus-config-reloader",
                "system",
                "prometheusOperator.prometheusConfigReloader.resources",
                replicas="prometheus.prometheusSpec.replicas",
                sidecar=True,
            ),
            _w(
                "alertmanager",
                "system",
                "alertmanager.alertmanagerSpec.resources",
                replicas="alertmanager.alertmanagerSpec.replicas",
                enabled="alertmanager.enabled",
            ),
            _w(
                "alertmanager-config-reloader",
                "system",
                "prometheusOperator.prometheusConfigReloader.resources",
                replicas="alertmanager.alertmanagerSpec.replicas",
                enabled="alertmanager.enabled",
                sidecar=True,
            ),
            _w("grafana", "system", "grafana.resources"),
            _w("grafana-sidecars", "system", "grafana.sidecar.resources", containers=2, sidecar=True),
            _w("kube-state-metrics", "system", "kube-state-metrics.resources", replicas="kube-state-metrics.replicas"),
            _w("node-exporter", "every-node", "prometheus-node-exporter.resources"),
        ),
        # istio/istio 1.30.3 manifests/charts/*/values.yaml (defaults under _internal_defaults_do_not_set):
        # istio-discovery requests 500m / 2048Mi, gateway 100m / 128Mi, istio-cni 100m / 100Mi
        # (tolerates every NoSchedule and NoExecute taint).
        "istiod": (_w("istiod", "system", "resources", replicas="replicaCount", chart_default=Requests(500, 2048)),),
        "gateway": (_w("istio-gateway", "system", "resources", replicas="replicaCount", chart_default=Requests(100, 128)),),
        "cni": (_w("istio-cni-node", "every-node", "resources", chart_default=Requests(100, 100)),),
        "base": (),
        "prometheus-operator-crds": (),
    }
)

# The Istio sidecar every pod of an injected namespace gets: istio/istio 1.30.3
# manifests/charts/istio-control/istio-discovery/values.yaml global.proxy.resources (100m / 128Mi).
ISTIO_SIDECAR_VALUES_PATH = "global.proxy.resources"
ISTIO_SIDECAR_DEFAULT = Requests(100, 128)


@dataclass(frozen=True)
class AddonWorkload:
    """A workload an EKS add-on runs (its manifest is AWS's; requests as the upstream chart sets them)."""

    name: str
    placement: Placement
    requests: Requests
    """Per pod (all containers)."""
    replicas: int = 1


# EKS add-on name -> its workloads. Sources: kubernetes/kubernetes cluster/addons/dns/coredns
# coredns.yaml.base (2 replicas on EKS, 100m / 70Mi); aws/amazon-vpc-cni-k8s v1.21.1
# charts/aws-vpc-cni/values.yaml (aws-node 25m, the network-policy agent and every other container
# {}; tolerates everything); kubernetes-sigs/aws-ebs-csi-driver v1.54.0 charts/aws-ebs-csi-driver
# (controller: 2 replicas of 6 containers defaulting to controller.resources 10m / 40Mi; node: 3
# containers at node.resources 10m / 40Mi, tolerateAllTaints); aws/eks-pod-identity-agent chart
# 1.2.0 (resources {}: no requests); kube-proxy: EKS's DaemonSet requests 100m CPU (no public
# chart; the EKS kube-proxy add-on manifest).
EKS_ADDON_WORKLOADS: Mapping[str, tuple[AddonWorkload, ...]] = MappingProxyType(
    {
        "coredns": (AddonWorkload("coredns", "system", Requests(100, 70), replicas=2),),
        "vpc-cni": (AddonWorkload("aws-node", "every-node", Requests(25, 0)),),
        "kube-proxy": (AddonWorkload("kube-proxy", "every-node", Requests(100, 0)),),
        "aws-ebs-csi-driver": (
            AddonWorkload("ebs-csi-controller", "system", Requests(6 * 10, 6 * 40), replicas=2),
            AddonWorkload("ebs-csi-node", "every-node", Requests(3 * 10, 3 * 40)),
        ),
        "eks-pod-identity-agent": (AddonWorkload("eks-pod-identity-agent", "every-node", Requests(0, 0)),),
    }
)
