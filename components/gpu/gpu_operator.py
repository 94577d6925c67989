"""GpuOperator: the NVIDIA GPU Operator, installed through the shared Helm helper.

On the EKS NVIDIA AMIs it runs the device plugin, GPU Feature Discovery and the DCGM
exporter; the driver and the container toolkit come with the AMI (and on Bottlerocket the
device plugin too: those nodes are labelled so the operator skips it, components/gpu/gpu_nodes.py).
MIG stays off and time-slicing is opt-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as k8s

from components._helm import HelmAddonArgs, HelmChart, helm_addon
from components.catalog import tokens
from components.catalog.gpu import GPU_TAINT_KEY
from components.render import render

# Upstream: https://github.com/NVIDIA/gpu-operator (deployments/gpu-operator), published
# to the NGC Helm repository. Values checked against the chart's values.yaml at v26.7.0.
GPU_OPERATOR_CHART = HelmChart(name="gpu-operator", repository="https://helm.ngc.nvidia.com/nvidia", version="v26.7.0")
VALUES_TEMPLATE = "helm/gpu-operator.yaml.j2"


@dataclass(frozen=True)
class GpuOperatorArgs:
    """Inputs of GpuOperator."""

    k8s_provider: pulumi.ProviderResource
    """Provider of the cluster to install into."""
    namespace: str = "gpu-operator"
    time_slicing_replicas: int = 1
    """Pods sharing one GPU by time-slicing; 1 = off."""
    enable_mig: bool = False
    """Run the MIG manager (A100/H100-class GPUs)."""
    mig_strategy: Literal["single", "mixed"] = "single"
    enable_dcgm_service_monitor: bool = False
    """Needs the Prometheus Operator CRDs in the cluster."""
    driver_preinstalled: bool = True
    """True on the EKS NVIDIA AMIs: the operator installs neither driver nor toolkit."""
    enable_device_plugin: bool = True
    """False when every pool's AMI runs its own device plugin (Bottlerocket NVIDIA). On mixed
    clusters the pools with one carry ``nvidia.com/gpu.deploy.device-plugin=false`` instead."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The cluster's system nodes: the release waits for its pods, which need nodes to run on."""

    def __post_init__(self) -> None:
        if not 1 <= self.time_slicing_replicas <= 48:
            raise ValueError(f"time_slicing_replicas must be between 1 and 48, got {self.time_slicing_replicas}")
        if self.mig_strategy not in ("single", "mixed"):
            raise ValueError(f"mig_strategy must be one of ['mixed', 'single'], got {self.mig_strategy!r}")


def gpu_operator_values(args: GpuOperatorArgs) -> dict[str, Any]:
    """The chart values: templates/helm/gpu-operator.yaml.j2 rendered and parsed."""
    return render(
        VALUES_TEMPLATE,
        chart_version=GPU_OPERATOR_CHART.version,
        driver_enabled=not args.driver_preinstalled,
        toolkit_enabled=not args.driver_preinstalled,
        device_plugin_enabled=args.enable_device_plugin,
        time_slicing_replicas=args.time_slicing_replicas,
        mig_enabled=args.enable_mig,
        mig_strategy=args.mig_strategy,
        service_monitor_enabled=args.enable_dcgm_service_monitor,
        gpu_taint_key=GPU_TAINT_KEY,
    )


class GpuOperator(pulumi.ComponentResource):
    """The GPU Operator's namespace and Helm release."""

    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: GpuOperatorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.GPU_OPERATOR, name, None, opts)
        self.release = helm_addon(
            name,
            HelmAddonArgs(
                chart=GPU_OPERATOR_CHART,
                namespace=args.namespace,
                values=gpu_operator_values(args),
                # The operands mount host paths and run privileged (device plugin, DCGM).
                namespace_labels={"pod-security.kubernetes.io/enforce": "privileged"},
                depends_on=args.depends_on,
            ),
            parent=self,
            provider=args.k8s_provider,
        )
        self.register_outputs({"release_status": self.release.status})
