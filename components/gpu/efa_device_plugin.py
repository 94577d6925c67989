"""EfaDevicePlugin: the AWS EFA Kubernetes device plugin, for pools with ``efa: true``.

EFA interfaces on a node are of no use to pods until this DaemonSet advertises them as the
extended resource ``vpc.amazonaws.com/efa`` and mounts ``/dev/infiniband`` into the pods that
request it (https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html). The chart's own
node affinity keeps it on EFA-capable instance types; it only needs to tolerate the GPU taint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components._helm import HelmAddonArgs, HelmChart, helm_addon
from components.catalog import tokens
from components.catalog.gpu import GPU_TAINT_KEY
from components.render import render

# Upstream: https://github.com/aws/eks-charts (stable/aws-efa-k8s-device-plugin, image v0.5.20),
# repository https://aws.github.io/eks-charts. Values checked against the chart at v0.5.30.
EFA_DEVICE_PLUGIN_CHART = HelmChart(
    name="aws-efa-k8s-device-plugin", repository="https://aws.github.io/eks-charts", version="v0.5.30"
)
VALUES_TEMPLATE = "helm/efa-device-plugin.yaml.j2"
# A node-level plugin like the VPC CNI: kube-system, where EKS puts its own node agents.
NAMESPACE = "kube-system"


@dataclass(frozen=True)
class EfaDevicePluginArgs:
    """Inputs of EfaDevicePlugin."""

    k8s_provider: pulumi.ProviderResource
    """Provider of the cluster to install into."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The cluster's system nodes: the release waits for its pods, which need nodes to run on."""


def efa_device_plugin_values() -> dict[str, Any]:
    """The chart values: templates/helm/efa-device-plugin.yaml.j2 rendered and parsed."""
    return render(VALUES_TEMPLATE, chart_version=EFA_DEVICE_PLUGIN_CHART.version, gpu_taint_key=GPU_TAINT_KEY)


class EfaDevicePlugin(pulumi.ComponentResource):
    """The EFA device plugin's Helm release (no namespace of its own)."""

    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: EfaDevicePluginArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.EFA_DEVICE_PLUGIN, name, None, opts)
        self.release = helm_addon(
            name,
            HelmAddonArgs(
                chart=EFA_DEVICE_PLUGIN_CHART,
                namespace=NAMESPACE,
                values=efa_device_plugin_values(),
                depends_on=args.depends_on,
            ),
            parent=self,
            provider=args.k8s_provider,
        )
        self.register_outputs({"release_status": self.release.status})
