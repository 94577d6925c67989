"""Monitoring rules: Grafana admin password, Alertmanager on, severity on every alert."""

from __future__ import annotations

from typing import Any

from policies.rules import (
    mlinfra_alertmanager_enabled,
    mlinfra_grafana_admin_password_not_plain,
    mlinfra_prometheus_rule_severity,
)
from tests.policies.support import check_resource

RELEASE = "kubernetes:helm.sh/v3:Release"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
GRAFANA = mlinfra_grafana_admin_password_not_plain.POLICY
ALERTMANAGER = mlinfra_alertmanager_enabled.POLICY
SEVERITY = mlinfra_prometheus_rule_severity.POLICY


def stack(values: dict[str, Any], chart: str = "kube-prometheus-stack") -> dict[str, Any]:
    return {"chart": chart, "version": "88.5.3", "values": values}


def rule(alert: str | None, labels: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"expr": "up == 0", "labels": labels}
    entry["alert" if alert else "record"] = alert or "job:up:sum"
    return {"spec": {"groups": [{"name": "g", "rules": [entry]}]}}


def test_grafana_password_in_values_is_a_violation() -> None:
    values = {"grafana": {"adminPassword": "hunter2", "admin": {"existingSecret": "grafana-admin"}}}
    messages = check_resource(GRAFANA, RELEASE, stack(values), name="monitoring-release")
    assert len(messages) == 1 and "monitoring-release" in messages[0] and "grafana.adminPassword" in messages[0]
    standalone = check_resource(GRAFANA, RELEASE, stack({"adminPassword": "x"}, chart="grafana"))
    assert standalone and "adminPassword" in standalone[0], "the grafana chart itself is checked too"


def test_grafana_without_existing_secret_is_a_violation() -> None:
    messages = check_resource(GRAFANA, RELEASE, stack({"grafana": {"enabled": True}}))
    assert messages and "grafana.admin.existingSecret" in messages[0]


def test_grafana_from_a_secret_passes() -> None:
    assert check_resource(GRAFANA, RELEASE, stack({"grafana": {"admin": {"existingSecret": "grafana-admin"}}})) == []
    assert check_resource(GRAFANA, RELEASE, stack({"grafana": {"enabled": False, "adminPassword": "x"}})) == []
    assert check_resource(GRAFANA, RELEASE, stack({"adminPassword": "x"}, chart="gpu-operator")) == [], "other charts"


def test_alertmanager_off_is_a_violation_and_on_passes() -> None:
    messages = check_resource(ALERTMANAGER, RELEASE, stack({"alertmanager": {"enabled": False}}), name="monitoring-release")
    assert messages and "monitoring-release" in messages[0] and "alertmanager_enabled" in messages[0]
    assert check_resource(ALERTMANAGER, RELEASE, stack({"alertmanager": {"enabled": True}})) == []
    assert check_resource(ALERTMANAGER, RELEASE, stack({})) == [], "the chart's default is on"


def test_alert_without_severity_is_a_violation() -> None:
    messages = check_resource(SEVERITY, RULE, rule("GpuHot", {"team": "vision"}), name="monitoring-rules-gpu")
    assert messages and "monitoring-rules-gpu" in messages[0] and "'GpuHot' has no severity label" in messages[0]
    unknown = check_resource(SEVERITY, RULE, rule("GpuHot", {"severity": "page"}))
    assert unknown and "severity 'page'" in unknown[0]


def test_alerts_with_severity_and_recording_rules_pass() -> None:
    assert check_resource(SEVERITY, RULE, rule("GpuHot", {"severity": "warning"})) == []
    assert check_resource(SEVERITY, RULE, rule(None, {})) == [], "recording rules need no severity"
    config = {"allowedSeverities": ["page"]}
    assert check_resource(SEVERITY, RULE, rule("GpuHot", {"severity": "page"}), config=config) == []
