"""The monitoring area: kube-prometheus-stack, alert rules and routing, dashboards and scrape targets.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

if TYPE_CHECKING:
    from components.monitoring.monitoring import Monitoring, MonitoringArgs, Resources

__all__ = [
    "Monitoring",
    "MonitoringArgs",
    "Resources",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Monitoring": "monitoring",
        "MonitoringArgs": "monitoring",
        "Resources": "monitoring",
    },
)
