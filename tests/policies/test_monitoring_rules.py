"""Monitoring rules: Grafana admin password, Alertmanager on, severity on every alert."""

from __future__ import annotations

from typing import Any

import pytest

from mlinfra.engine import Plan, PlannedResource
from mlinfra.policy import evaluate
from policies.rules import (
    mlinfra_alertmanager_enabled,
    mlinfra_grafana_admin_password_not_plain,
    mlinfra_prometheus_rule_severity,
)
from tests.policies.support import check_resource
from tests.policies.support import shipped_config as env_config
from tests.policies.test_real_plans import _set, mutate

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


# Mutations of the real prod plan: each breaks one monitoring property and must be caught.
def _drop_severity(r: PlannedResource) -> PlannedResource:
    r.inputs["spec"]["groups"][0]["rules"][0]["labels"].pop("severity")
    return r


REAL_PLAN_MUTATIONS = [
    (ALERTMANAGER, RELEASE, "monitoring-release", _set("values.alertmanager.enabled", False)),
    (GRAFANA, RELEASE, "monitoring-release", _set("values.grafana.adminPassword", "admin")),
    (GRAFANA, RELEASE, "monitoring-release", _set("values.grafana.admin", {})),
    (SEVERITY, RULE, "monitoring-rules-gpu", _drop_severity),
]


@pytest.mark.parametrize(("policy", "type_", "name", "change"), REAL_PLAN_MUTATIONS, ids=lambda v: getattr(v, "name", None))
def test_breaking_monitoring_in_the_prod_plan_is_caught(prod_plan: Plan, policy: Any, type_: str, name: str, change: Any) -> None:
    before = evaluate(prod_plan, env_config("prod"), policies=[policy])
    after = evaluate(mutate(prod_plan, type_, name, change), env_config("prod"), policies=[policy])
    assert before.violations == [], f"{policy.name} already fails on the unmodified prod plan"
    assert [v.name for v in after.mandatory] == [name], f"{policy.name} did not catch the change to {name}"


def test_dev_may_run_without_alertmanager(dev_plan: Plan) -> None:
    broken = mutate(dev_plan, RELEASE, "monitoring-release", _set("values.alertmanager.enabled", False))
    assert evaluate(broken, env_config("dev"), policies=[ALERTMANAGER]).violations == []
    assert [v.name for v in evaluate(broken, env_config("staging"), policies=[ALERTMANAGER]).mandatory] == ["monitoring-release"]
