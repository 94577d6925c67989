"""Grafana dashboards: valid JSON models, pinned schema, every panel query parsed by promtool, golden files."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from components.monitoring.dashboards import (
    DASHBOARDS,
    SCHEMA_VERSION,
    DashboardOptions,
    dashboard_files,
    enabled_dashboards,
    panel_queries,
)
from tests._golden import GOLDEN_DIR
from tests.alerts.tools import tool

OPTIONS = DashboardOptions(gpu_hour_prices={"a10g": 1.006, "h100": 12.2875})

# Grafana's built-in interval variables are not PromQL; promtool sees the values Grafana would put.
_GRAFANA_INTERVALS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "6h"}


def as_promql(expr: str) -> str:
    for variable, value in _GRAFANA_INTERVALS.items():
        expr = expr.replace(variable, value)
    assert not re.search(r"\[\$", expr), f"a range uses an unknown Grafana variable: {expr}"
    return expr


def test_dashboards_are_valid_json_with_a_pinned_schema() -> None:
    dashboards = dashboard_files(OPTIONS)
    assert list(dashboards) == list(DASHBOARDS)
    uids = set()
    for name, dashboard in dashboards.items():
        json.loads(json.dumps(dashboard))  # plain JSON types only
        assert dashboard["schemaVersion"] == SCHEMA_VERSION == 39, name
        assert dashboard["uid"] == f"mlinfra-{name}" and len(dashboard["uid"]) <= 40, name
        uids.add(dashboard["uid"])
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{name}: panel ids must be unique"
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, f"{name}/{panel['title']} is wider than the grid"
            assert panel["targets"], f"{name}/{panel['title']} has no query"
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        variables = [v["name"] for v in dashboard["templating"]["list"]]
        assert variables[0] == "datasource", f"{name}: the datasource is a variable"
        for _, expr in panel_queries(dashboard):
            used = set(re.findall(r"\$([a-z_]+)", expr)) - {"__rate_interval", "__range", "__interval"}
            assert used <= set(variables), f"{name}: query uses undefined variables {used - set(variables)}"
    assert len(uids) == len(dashboards)


def test_every_panel_query_parses_as_promql(tmp_path: Path) -> None:
    rules = []
    for name, dashboard in dashboard_files(OPTIONS).items():
        for index, (_title, expr) in enumerate(panel_queries(dashboard)):
            rules.append({"record": f"dashboard:{name.replace('-', '_')}:{index}", "expr": as_promql(expr)})
    assert len(rules) >= 25, "every dashboard's queries are collected"
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}), encoding="utf-8")
    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"a panel query is not valid PromQL:\n{result.stdout}\n{result.stderr}"
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout, result.stdout


def test_inference_dashboard_has_the_canary_view() -> None:
    dashboard = dashboard_files(OPTIONS)["inference"]
    titles = [panel["title"] for panel in dashboard["panels"]]
    for quantile in ("p50", "p95", "p99"):
        panel = next(p for p in dashboard["panels"] if p["title"].startswith(f"Latency {quantile} "))
        expr = panel["targets"][0]["expr"]
        assert "destination_service_name, destination_version, le" in expr, f"{quantile} is split by endpoint and version"
    assert any("Error ratio" in title for title in titles) and any("Requests per second" in title for title in titles)


def test_cost_panel_prices_each_gpu_model() -> None:
    dashboard = dashboard_files(OPTIONS)["team-gpu-cost"]
    cost = next(p for p in dashboard["panels"] if p["title"].startswith("Estimated GPU cost"))
    expr = cost["targets"][0]["expr"]
    assert 'label_replace(vector(1.006), "label_mlinfra_io_gpu_model", "a10g", "", "")' in expr
    assert 'label_replace(vector(12.2875), "label_mlinfra_io_gpu_model", "h100", "", "")' in expr


def test_dashboards_follow_the_enabled_parts() -> None:
    off = DashboardOptions(gpu_hour_prices={"a10g": 1.0}, enable_inference=False, enable_kafka=False)
    assert enabled_dashboards(off) == ("gpu-fleet", "team-gpu-cost")
    assert list(dashboard_files(off)) == ["gpu-fleet", "team-gpu-cost"]
    no_gpus = DashboardOptions(gpu_hour_prices={})
    assert enabled_dashboards(no_gpus) == ("inference", "kafka"), "no GPU pools: no GPU dashboards"


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_matches_golden(name: str) -> None:
    path = GOLDEN_DIR / "dashboards" / f"{name}.json"
    text = json.dumps(dashboard_files(OPTIONS)[name], indent=2, sort_keys=True) + "\n"
    if os.environ.get("MLINFRA_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path} is missing; create it with MLINFRA_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"dashboard {name} differs from {path}"


@pytest.mark.parametrize(
    ("prices", "message"),
    [({"a10g": 0.0}, r"gpu_hour_prices\['a10g'\] must be > 0"), ({"h100": -1.0}, r"gpu_hour_prices\['h100'\] must be > 0")],
)
def test_options_reject_bad_prices(prices: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DashboardOptions(gpu_hour_prices=prices)


def test_an_area_dashboard_may_not_take_a_monitoring_dashboard_name() -> None:
    import pytest

    with pytest.raises(ValueError, match=r"area_dashboards \['kafka'\] are the monitoring area's own dashboards"):
        DashboardOptions(area_dashboards=("kafka",))
    assert DashboardOptions(area_dashboards=("notes",)).area_dashboards == ("notes",)
