"""Monitoring on the recorded plans: releases, CRD ordering, secrets, monitors, rules, dashboards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

from components.monitoring.alert_rules import AlertRuleOptions, alert_rule_files
from components.monitoring.dashboards import DashboardOptions
from components.monitoring.monitoring import CRDS_CHART, STACK_CHART, Monitoring, MonitoringArgs, stack_values
from mlinfra.engine import Plan, Secret, plan_stack, redact_secrets, run_program
from stacks.loading import load_settings
from stacks.monitoring_settings import monitoring_args
from stacks.settings import Settings
from tests._golden import assert_golden_yaml

RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET = "kubernetes:core/v1:Secret"
CONFIGMAP = "kubernetes:core/v1:ConfigMap"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
REPO = Path(__file__).resolve().parents[3]


class _Provider:
    """Stands in for the Kubernetes provider: rendering values never touches it."""


def test_release_pins_the_chart_after_its_crds_and_secrets(any_plan: Plan) -> None:
    component = any_plan.get("mlinfra:observability:Monitoring", "monitoring")
    crds = any_plan.get(RELEASE, "monitoring-crds-release")
    stack = any_plan.get(RELEASE, "monitoring-release")
    assert (crds.inputs["chart"], crds.inputs["version"]) == ("prometheus-operator-crds", "31.0.1"), crds.name
    assert (stack.inputs["chart"], stack.inputs["version"]) == ("kube-prometheus-stack", "88.5.3"), stack.name
    for release in (crds, stack):
        assert release.inputs["repositoryOpts"]["repo"] == "https://prometheus-community.github.io/helm-charts"
        assert release.inputs["namespace"] == "monitoring" and release.parent == component.urn, release.name
    assert crds.inputs["values"] == {"crds": {"annotations": {"helm.sh/resource-policy": "keep"}}}, crds.name
    assert stack.inputs["values"]["crds"] == {"enabled": False}, f"{stack.name}: CRDs come from their own release"
    grafana_secret = any_plan.get(SECRET, "monitoring-grafana-admin")
    receivers = any_plan.get(SECRET, "monitoring-alertmanager-receivers")
    for dependency in (crds, grafana_secret, receivers):
        assert dependency.urn in stack.dependencies, f"{stack.name} must wait for {dependency.name}"
    namespaces = [r for r in any_plan.of_type("kubernetes:core/v1:Namespace") if r.inputs["metadata"]["name"] == "monitoring"]
    assert len(namespaces) == 1, "one monitoring namespace, created before the Secrets"
    assert namespaces[0].urn in grafana_secret.dependencies and namespaces[0].urn in crds.dependencies


def test_grafana_password_is_random_and_only_a_secret(any_plan: Plan) -> None:
    password = any_plan.get("random:index/randomPassword:RandomPassword", "monitoring-grafana-admin-password")
    assert password.inputs["length"] == 32, password.name
    secret = any_plan.get(SECRET, "monitoring-grafana-admin")
    assert secret.inputs["metadata"] == {"name": "grafana-admin", "namespace": "monitoring"}
    assert isinstance(secret.inputs["stringData"], Secret), f"{secret.name}: stringData must be a Pulumi secret"
    assert redact_secrets(secret.inputs)["stringData"] == "[secret]"
    assert password.urn in secret.dependencies, secret.name
    values = any_plan.get(RELEASE, "monitoring-release").inputs["values"]
    assert "adminPassword" not in values["grafana"], "the password never enters the Helm values"
    assert values["grafana"]["admin"] == {
        "existingSecret": "grafana-admin",
        "userKey": "admin-user",
        "passwordKey": "admin-password",
    }
    assert "[secret]" not in json.dumps(redact_secrets(values)), "the values hold no secret at all"


def test_receivers_secret_is_secret_and_mounted(any_plan: Plan) -> None:
    secret = any_plan.get(SECRET, "monitoring-alertmanager-receivers")
    assert secret.inputs["metadata"]["name"] == "alertmanager-receivers"
    assert isinstance(secret.inputs["stringData"], Secret), secret.name
    spec = any_plan.get(RELEASE, "monitoring-release").inputs["values"]["alertmanager"]
    assert spec["alertmanagerSpec"]["secrets"] == ["alertmanager-receivers"]
    if any_plan.stack == "dev":
        # The dev stack file has no receiver secret: alerts go to the null receiver (the plan warns).
        assert spec["config"]["route"]["receiver"] == "null" and spec["config"]["receivers"] == [{"name": "null"}]
        return
    receiver = next(r for r in spec["config"]["receivers"] if r["name"] == "platform")
    assert (
        receiver["slack_configs"][0]["api_url_file"] == "/etc/alertmanager/secrets/alertmanager-receivers/slack-platform-alerts"
    )


@pytest.mark.parametrize(("stack", "replicas", "storage"), [("dev", 1, "20Gi"), ("prod", 2, "200Gi")])
def test_prometheus_sizing_per_environment(stack: str, replicas: int, storage: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    spec = plan.get(RELEASE, "monitoring-release").inputs["values"]["prometheus"]["prometheusSpec"]
    assert spec["replicas"] == replicas
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "mlinfra-gp3-encrypted" and claim["resources"]["requests"]["storage"] == storage
    assert spec["ruleSelectorNilUsesHelmValues"] is False and spec["podMonitorSelectorNilUsesHelmValues"] is False


def test_alert_rules_are_the_rendered_files_with_the_stacks_thresholds(dev_plan: Plan) -> None:
    settings = load_settings("dev")
    expected = alert_rule_files(
        AlertRuleOptions(thresholds=settings.monitoring.thresholds.thresholds(), enable_mesh_rules=True, enable_kafka_rules=True)
    )
    rules = {r.name: r for r in dev_plan.of_type(RULE)}
    assert settings.kafka.backend == "strimzi", "dev runs Strimzi: its Kafka rules are rendered"
    assert sorted(rules) == [f"monitoring-rules-{name}" for name in sorted(expected)], "mesh and Kafka rules on"
    assert {"monitoring-rules-inference", "monitoring-rules-kafka"} <= set(rules)
    for name, content in expected.items():
        rule = rules[f"monitoring-rules-{name}"]
        assert rule.inputs["spec"] == content, f"{rule.name} must be the rendered templates/alerts/{name}.yaml.j2"
        assert rule.inputs["apiVersion"] == "monitoring.coreos.com/v1"
        assert dev_plan.get(RELEASE, "monitoring-crds-release").urn in rule.dependencies, f"{rule.name} after the CRDs"


def test_monitors_switch_with_what_exists(dev_plan: Plan) -> None:
    names = sorted(r.name for r in dev_plan.of_type(SERVICE_MONITOR) + dev_plan.of_type(POD_MONITOR))
    # The mesh is on in every stack: model servers are scraped through their sidecars; dev's
    # Strimzi brokers through their PodMonitor (MSK brokers are static targets: see below).
    assert names == [
        "monitoring-cluster-autoscaler",
        "monitoring-dcgm-exporter",
        "monitoring-envoy-sidecars",
        "monitoring-istiod",
        "monitoring-strimzi-kafka",
    ]
    dcgm = dev_plan.get(SERVICE_MONITOR, "monitoring-dcgm-exporter")
    assert dcgm.inputs["metadata"]["namespace"] == "monitoring"
    assert dcgm.inputs["spec"]["namespaceSelector"] == {"matchNames": ["gpu-operator"]}


def test_dashboards_are_configmaps_for_the_sidecar(prod_plan: Plan) -> None:
    maps = {r.name: r for r in prod_plan.of_type(CONFIGMAP) if r.name.startswith("monitoring-dashboard-")}
    assert sorted(maps) == [
        "monitoring-dashboard-gpu-fleet",
        "monitoring-dashboard-inference",
        "monitoring-dashboard-kafka",
        "monitoring-dashboard-team-gpu-cost",
    ], "prod runs MSK: the Kafka dashboard is there"
    cost = maps["monitoring-dashboard-team-gpu-cost"]
    assert cost.inputs["metadata"]["labels"]["grafana_dashboard"] == "1", cost.name
    dashboard = json.loads(cost.inputs["data"]["team-gpu-cost.json"])
    assert dashboard["schemaVersion"] == 39 and dashboard["uid"] == "mlinfra-team-gpu-cost"
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    assert 'label_replace(vector(2.7447), "label_mlinfra_io_gpu_model", "a100", "", "")' in exprs, "prod's pools are priced"


def test_teams_allow_scraping_from_the_monitoring_namespace(dev_plan: Plan) -> None:
    policy = dev_plan.get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-vision-allow-monitoring")
    assert "monitoring" in json.dumps(policy.inputs["spec"]["ingress"]), policy.name


def _with_mesh_and_msk(settings: Settings) -> dict[str, Any]:
    provider = k8s.Provider("k8s", kubeconfig="{}")
    args = monitoring_args(
        settings,
        k8s_provider=provider,
        storage_class="mlinfra-gp3-encrypted",
        receiver_secrets=pulumi.Output.secret({"slack-platform-alerts": "https://hooks.slack.com/services/T/B/x"}),
        enable_mesh=True,
        kafka="msk",
    )
    Monitoring("monitoring", args)
    return {}


def test_mesh_and_msk_add_their_scraping_rules_and_dashboards() -> None:
    plan = run_program(load_settings("prod"), program=_with_mesh_and_msk)
    rules = sorted(r.name for r in plan.of_type(RULE))
    assert "monitoring-rules-inference" in rules and "monitoring-rules-kafka" in rules
    kafka_rules = plan.get(RULE, "monitoring-rules-kafka")
    lag = next(r for g in kafka_rules.inputs["spec"]["groups"] for r in g["rules"] if r["alert"] == "KafkaConsumerLagHigh")
    # MSK has no Kafka Exporter: its own consumer-lag metric, not kafka_consumergroup_lag.
    assert "kafka_consumer_group_ConsumerLagMetrics_Value" in lag["expr"], kafka_rules.name
    assert "kafka_consumergroup_lag" not in lag["expr"], kafka_rules.name
    monitors = sorted(r.name for r in plan.of_type(SERVICE_MONITOR) + plan.of_type(POD_MONITOR))
    assert "monitoring-istiod" in monitors and "monitoring-envoy-sidecars" in monitors
    assert "monitoring-model-servers" not in monitors, "with the mesh, model servers come through the sidecar"
    spec = plan.get(RELEASE, "monitoring-release").inputs["values"]["prometheus"]["prometheusSpec"]
    # MSK's brokers by reference (the Secret the Kafka area writes), optional until it exists.
    assert spec["additionalConfig"] == {
        "additionalScrapeConfigs": {"name": "additional-scrape-configs", "key": "scrape-configs.yaml", "optional": True}
    }
    assert "additionalScrapeConfigs" not in spec and "additionalScrapeConfigsSecret" not in spec, "one reference only"
    dashboards = sorted(r.name for r in plan.of_type(CONFIGMAP) if r.name.startswith("monitoring-dashboard-"))
    assert "monitoring-dashboard-inference" in dashboards and "monitoring-dashboard-kafka" in dashboards
    secret = plan.get(SECRET, "monitoring-alertmanager-receivers")
    assert isinstance(secret.inputs["stringData"], Secret), "receiver URLs stay secret"
    assert "hooks.slack.com" not in json.dumps(redact_secrets(secret.inputs))


def test_values_match_golden() -> None:
    args = MonitoringArgs(
        k8s_provider=_Provider(),  # type: ignore[arg-type]
        storage_class="mlinfra-gp3-encrypted",
        dashboards=DashboardOptions(gpu_hour_prices={"a10g": 1.006}),
    )
    assert_golden_yaml("helm/kube-prometheus-stack.yaml", stack_values(args))
    assert STACK_CHART.version.startswith("88.") and CRDS_CHART.version == "31.0.1"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prometheus_replicas": 0}, "prometheus_replicas and alertmanager_replicas must be between 1 and 5"),
        ({"prometheus_retention_days": 400}, "prometheus_retention_days must be between 1 and 365, got 400"),
        ({"prometheus_storage_gb": 5}, "prometheus_storage_gb must be >= 10"),
    ],
)
def test_args_reject_bad_values(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MonitoringArgs(
            k8s_provider=_Provider(),  # type: ignore[arg-type]
            storage_class="x",
            dashboards=DashboardOptions(),
            **overrides,
        )


def test_receiver_secrets_from_the_stack_file_fill_the_secret(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    doc["config"]["mlinfra:alert_receivers"] = {"slack-platform-alerts": {"secure": "v1:AAAAciphertext"}}
    stack_file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    secret = plan_stack("dev", stack_file=stack_file).get(SECRET, "monitoring-alertmanager-receivers")
    assert isinstance(secret.inputs["stringData"], Secret), secret.name
    assert list(secret.inputs["stringData"].value) == ["slack-platform-alerts"], "only the keys the routing reads"
    assert redact_secrets(secret.inputs)["stringData"] == "[secret]"


def test_without_msk_prometheus_reads_no_additional_scrape_configs(dev_plan: Plan) -> None:
    spec = dev_plan.get(RELEASE, "monitoring-release").inputs["values"]["prometheus"]["prometheusSpec"]
    assert "additionalConfig" not in spec and "additionalScrapeConfigs" not in spec, "dev runs Strimzi: pods, not hosts"
