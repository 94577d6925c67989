"""The monitoring area: kube-prometheus-stack, alert rules and routing, dashboards and scrape targets.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.monitoring.monitoring import Monitoring, MonitoringArgs, Resources

__all__ = [
    "Monitoring",
    "MonitoringArgs",
    "Resources",
]

_MODULE_OF = {
    "Monitoring": "monitoring",
    "MonitoringArgs": "monitoring",
    "Resources": "monitoring",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.monitoring' has no attribute {name!r}")
    from components.monitoring import monitoring

    modules = {"monitoring": monitoring}
    return getattr(modules[_MODULE_OF[name]], name)
