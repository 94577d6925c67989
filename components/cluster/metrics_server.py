"""MetricsServer: the Kubernetes resource metrics API (metrics.k8s.io), through the shared Helm helper.

Every HorizontalPodAutoscaler the platform creates (model servers, the Istio gateway and
istiod) scales on CPU utilisation, which only metrics-server reports; EKS does not install it.
The EKS community add-on ``metrics-server`` would need a version pinned per Kubernetes version
that nothing here can look up (`aws eks describe-addon-versions`), so the upstream chart is pinned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components._helm import HelmAddonArgs, HelmChart, helm_addon
from components.catalog import tokens
from components.catalog.namespaces import KUBE_SYSTEM
from components.cluster.cluster import SYSTEM_NODE_LABEL
from components.render import render

# Upstream: https://github.com/kubernetes-sigs/metrics-server (charts/metrics-server, tag
# metrics-server-helm-chart-3.13.1, app v0.8.1), repository https://kubernetes-sigs.github.io/metrics-server/.
METRICS_SERVER_CHART = HelmChart(
    name="metrics-server", repository="https://kubernetes-sigs.github.io/metrics-server/", version="3.13.1"
)
VALUES_TEMPLATE = "helm/metrics-server.yaml.j2"


@dataclass(frozen=True)
class MetricsServerArgs:
    """Inputs of MetricsServer."""

    k8s_provider: pulumi.ProviderResource
    """Provider of the cluster to install into."""
    replicas: int = 1
    """Two or more add a PodDisruptionBudget (minAvailable 1)."""
    system_node_label: str = SYSTEM_NODE_LABEL
    """Label (value ``system``) of the nodes it runs on."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The cluster's system nodes: the release waits for its pods, which need nodes to run on."""

    def __post_init__(self) -> None:
        if not 1 <= self.replicas <= 5:
            raise ValueError(f"replicas must be between 1 and 5, got {self.replicas}")


def metrics_server_values(args: MetricsServerArgs) -> dict[str, Any]:
    """The chart values: templates/helm/metrics-server.yaml.j2 rendered and parsed."""
    return render(
        VALUES_TEMPLATE,
        chart_version=METRICS_SERVER_CHART.version,
        replicas=args.replicas,
        system_node_label=args.system_node_label,
    )


class MetricsServer(pulumi.ComponentResource):
    """The metrics-server Helm release in kube-system."""

    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: MetricsServerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.METRICS_SERVER, name, None, opts)
        self.release = helm_addon(
            name,
            HelmAddonArgs(
                chart=METRICS_SERVER_CHART, namespace=KUBE_SYSTEM, values=metrics_server_values(args), depends_on=args.depends_on
            ),
            parent=self,
            provider=args.k8s_provider,
        )
        self.register_outputs({"release_status": self.release.status})
