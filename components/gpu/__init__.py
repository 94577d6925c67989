"""The GPU area: GPU node pools, the NVIDIA GPU Operator, the EFA device plugin and cluster-autoscaler.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.gpu.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
    from components.gpu.efa_device_plugin import EfaDevicePlugin, EfaDevicePluginArgs
    from components.gpu.gpu_nodes import (
        AUTOSCALER_TAG,
        MODEL_LABEL,
        POOL_LABEL,
        GpuNodeGroupArgs,
        GpuNodeGroups,
        GpuNodeGroupsArgs,
    )
    from components.gpu.gpu_operator import GpuOperator, GpuOperatorArgs

__all__ = [
    "AUTOSCALER_TAG",
    "ClusterAutoscaler",
    "ClusterAutoscalerArgs",
    "EfaDevicePlugin",
    "EfaDevicePluginArgs",
    "GpuNodeGroupArgs",
    "GpuNodeGroups",
    "GpuNodeGroupsArgs",
    "GpuOperator",
    "GpuOperatorArgs",
    "MODEL_LABEL",
    "POOL_LABEL",
]

_MODULE_OF = {
    "AUTOSCALER_TAG": "gpu_nodes",
    "ClusterAutoscaler": "cluster_autoscaler",
    "ClusterAutoscalerArgs": "cluster_autoscaler",
    "EfaDevicePlugin": "efa_device_plugin",
    "EfaDevicePluginArgs": "efa_device_plugin",
    "GpuNodeGroupArgs": "gpu_nodes",
    "GpuNodeGroups": "gpu_nodes",
    "GpuNodeGroupsArgs": "gpu_nodes",
    "GpuOperator": "gpu_operator",
    "GpuOperatorArgs": "gpu_operator",
    "MODEL_LABEL": "gpu_nodes",
    "POOL_LABEL": "gpu_nodes",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.gpu' has no attribute {name!r}")
    from components.gpu import cluster_autoscaler, efa_device_plugin, gpu_nodes, gpu_operator

    modules = {
        "cluster_autoscaler": cluster_autoscaler,
        "efa_device_plugin": efa_device_plugin,
        "gpu_nodes": gpu_nodes,
        "gpu_operator": gpu_operator,
    }
    return getattr(modules[_MODULE_OF[name]], name)
