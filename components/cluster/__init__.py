"""The cluster area: the EKS control plane, its system node group, access, the encrypted storage class and metrics-server.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

_MODULE_OF = {
    "Cluster": "cluster",
    "ClusterArgs": "cluster",
    "MetricsServer": "metrics_server",
    "MetricsServerArgs": "metrics_server",
    "STORAGE_CLASS_NAME": "storage_class",
    "SYSTEM_NODE_LABEL": "cluster",
    "StorageClassArgs": "storage_class",
    "SystemNodeGroupArgs": "cluster",
    "encrypted_gp3_storage_class": "storage_class",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.cluster' has no attribute {name!r}")
    from components.cluster import cluster, metrics_server, storage_class

    modules = {"cluster": cluster, "metrics_server": metrics_server, "storage_class": storage_class}
    return getattr(modules[_MODULE_OF[name]], name)
