"""Grafana dashboards rendered from templates/dashboards/*.json.j2: pure, no Pulumi.

Each becomes a ConfigMap labelled for the Grafana sidecar (components/monitoring/monitoring.py). The tests
check every panel query with promtool and compare each dashboard with a golden file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Grafana 11.0's dashboard schema; newer Grafana migrates it on load. Pinned so a golden-file
# diff shows any change. https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
SCHEMA_VERSION = 39

# The sidecar loads ConfigMaps carrying this label (kube-prometheus-stack's default label name).
DASHBOARD_LABEL = "grafana_dashboard"

DASHBOARDS: tuple[str, ...] = ("gpu-fleet", "inference", "kafka", "team-gpu-cost")


@dataclass(frozen=True)
class DashboardOptions:
    """Which dashboards to render and the prices behind the cost panel."""

    gpu_hour_prices: Mapping[str, float] = field(default_factory=dict)
    """GPU model label (``mlinfra.io/gpu-model`` of the node, e.g. ``a10g``) -> on-demand USD per
    GPU-hour in this region; empty (no GPU pools) leaves out the two GPU dashboards."""
    enable_inference: bool = True
    """The inference dashboard (Istio metrics: only when the mesh is on)."""
    enable_kafka: bool = True
    """The Kafka dashboard (only when a Kafka cluster is on)."""
    area_dashboards: tuple[str, ...] = ()
    """Dashboards other areas bring (``templates/dashboards/<name>.json.j2``; stacks/area.py
    ``dashboard_templates``), rendered after DASHBOARDS."""

    def __post_init__(self) -> None:
        taken = sorted(set(self.area_dashboards) & set(DASHBOARDS))
        if taken:
            raise ValueError(f"area_dashboards {taken} are the monitoring area's own dashboards; choose other names")
        for model, price in self.gpu_hour_prices.items():
            if price <= 0:
                raise ValueError(f"gpu_hour_prices[{model!r}] must be > 0, got {price!r}")


def enabled_dashboards(options: DashboardOptions) -> tuple[str, ...]:
    skipped = set() if options.gpu_hour_prices else {"gpu-fleet", "team-gpu-cost"}
    if not options.enable_inference:
        skipped.add("inference")
    if not options.enable_kafka:
        skipped.add("kafka")
    return tuple(name for name in DASHBOARDS if name not in skipped) + tuple(options.area_dashboards)


def dashboard_files(options: DashboardOptions) -> dict[str, dict[str, Any]]:
    """Dashboard name -> parsed dashboard JSON model."""
    from components.render import render  # Jinja2 only when rendering (the settings import this module)

    prices = {model: round(price, 4) for model, price in sorted(options.gpu_hour_prices.items())}
    return {
        name: render(f"dashboards/{name}.json.j2", schema_version=SCHEMA_VERSION, gpu_hour_prices=prices)
        for name in enabled_dashboards(options)
    }


def panel_queries(dashboard: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every target of every panel."""
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel["targets"]]
