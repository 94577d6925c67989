"""The GPU area: GPU node pools, the NVIDIA GPU Operator, the EFA device plugin and cluster-autoscaler.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

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

__getattr__ = lazy_exports(
    __name__,
    {
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
    },
)
