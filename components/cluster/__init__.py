"""The cluster area: the EKS control plane, its system node group, access, the encrypted storage class and metrics-server.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

if TYPE_CHECKING:
    from components.cluster.cluster import SYSTEM_NODE_LABEL, Cluster, ClusterArgs, SystemNodeGroupArgs
    from components.cluster.metrics_server import MetricsServer, MetricsServerArgs
    from components.cluster.storage_class import STORAGE_CLASS_NAME, StorageClassArgs, encrypted_gp3_storage_class

__all__ = [
    "Cluster",
    "ClusterArgs",
    "MetricsServer",
    "MetricsServerArgs",
    "STORAGE_CLASS_NAME",
    "SYSTEM_NODE_LABEL",
    "StorageClassArgs",
    "SystemNodeGroupArgs",
    "encrypted_gp3_storage_class",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Cluster": "cluster",
        "ClusterArgs": "cluster",
        "MetricsServer": "metrics_server",
        "MetricsServerArgs": "metrics_server",
        "STORAGE_CLASS_NAME": "storage_class",
        "SYSTEM_NODE_LABEL": "cluster",
        "StorageClassArgs": "storage_class",
        "SystemNodeGroupArgs": "cluster",
        "encrypted_gp3_storage_class": "storage_class",
    },
)
