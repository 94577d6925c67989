"""The alert catalogue and its options: labels every rule needs, files per switch, bad thresholds."""

from __future__ import annotations

from typing import Any

import pytest

from components.catalog.model_servers import MODEL_SERVER_COMPONENT
from components.monitoring.alert_rules import (
    ALERT_FILES,
    ALL_ALERTS,
    ENVOY_DEFAULT_BUCKETS_MS,
    AlertRuleOptions,
    AlertThresholds,
    alert_rule_files,
)


def all_rules(options: AlertRuleOptions) -> list[dict[str, Any]]:
    """The alerting rules (recording rules left out)."""
    files = alert_rule_files(options).values()
    return [rule for content in files for g in content["groups"] for rule in g["rules"] if "alert" in rule]


def test_ml_inference_series_are_recorded_from_every_envoy_bucket_in_seconds() -> None:
    groups = alert_rule_files(AlertRuleOptions())["ml-system"]["groups"]
    records = [rule for group in groups for rule in group["rules"] if "record" in rule]
    assert [r["record"] for r in records[:2]] == ["ml_inference_total", "ml_inference_errors_total"]
    buckets = [r for r in records if r["record"] == "ml_inference_duration_seconds_bucket"]
    assert [r["labels"]["le"] for r in buckets] == [
        *("0.0005", "0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30"),
        *("60", "300", "600", "1800", "3600", "+Inf"),
    ]
    for rule in buckets:
        assert f'le="{ENVOY_DEFAULT_BUCKETS_MS[buckets.index(rule)]}"' in rule["expr"], rule["labels"]
    # Model-server pods only: the label the sidecar monitor copies from the pods' component label.
    for rule in records:
        assert f'component="{MODEL_SERVER_COMPONENT}"' in rule["expr"] and 'reporter="destination"' in rule["expr"]


def test_every_rule_has_severity_annotations_and_its_runbook() -> None:
    options = AlertRuleOptions(runbook_base_url="https://github.com/acme/mlinfra/blob/main/docs/runbooks")
    rules = all_rules(options)
    assert [r["alert"] for r in rules] == list(ALL_ALERTS)
    for rule in rules:
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        assert rule["annotations"]["runbook_url"] == f"{options.runbook_base_url}/{rule['alert']}.md"


def test_the_classic_rules_are_exactly_the_model_servers_contract() -> None:
    rules = {r["alert"]: r for r in all_rules(AlertRuleOptions())}
    high_error = rules["HighErrorRate"]
    assert high_error["expr"] == "rate(ml_inference_errors_total[5m]) / rate(ml_inference_total[5m]) > 0.05"
    assert (high_error["for"], high_error["labels"]["severity"]) == ("1m", "warning")
    latency = rules["HighLatency"]
    assert latency["expr"] == "histogram_quantile(0.99, rate(ml_inference_duration_seconds_bucket[5m])) > 0.5"
    assert (latency["for"], latency["labels"]["severity"]) == ("1m", "critical")
    group = alert_rule_files(AlertRuleOptions())["ml-system"]["groups"][0]
    assert group["name"] == "machine-learning-system"


def test_team_label_on_every_rule_about_a_teams_workload() -> None:
    rules = {r["alert"]: r for r in all_rules(AlertRuleOptions())}
    for alert in ("HighErrorRate", "HighLatency", "GpuPodsPendingTooLong", "TeamGpuQuotaNearFull"):
        assert rules[alert]["labels"]["team"] == "{{ $labels.namespace }}", alert
    for alert in ("InferenceHighErrorRate", "InferenceHighLatencyP99"):
        labels = rules[alert]["labels"]
        assert labels["team"] == "{{ $labels.destination_workload_namespace }}", alert
        assert labels["version"] == "{{ $labels.destination_version }}", f"{alert}: a canary alerts on its own"
    for alert in ("GpuXidApplicationErrors", "GpuMemoryNearFull", "GpuIdleAllocated"):
        assert rules[alert]["labels"]["team"] == "{{ $labels.exported_namespace }}", alert
    # A hardware fault is not the team's: the platform drains the node.
    for alert in ("GpuXidErrors", "GpuXidUnclassified", "GpuEccErrors"):
        assert "team" not in rules[alert]["labels"], f"{alert} goes to the platform"


def test_thresholds_reach_the_expressions() -> None:
    options = AlertRuleOptions(
        thresholds=AlertThresholds(gpu_temperature_celsius=80, inference_for="15m", kafka_consumer_lag_messages=500)
    )
    rules = {r["alert"]: r for r in all_rules(options)}
    assert rules["GpuTemperatureHigh"]["expr"] == "DCGM_FI_DEV_GPU_TEMP > 80"
    assert rules["InferenceHighErrorRate"]["for"] == "15m"
    assert rules["KafkaConsumerLagHigh"]["expr"].endswith("> 500")


def test_mesh_and_kafka_rules_follow_their_switches() -> None:
    files = alert_rule_files(AlertRuleOptions(enable_mesh_rules=False, enable_kafka_rules=False))
    assert list(files) == ["ml-system", "gpu", "teams"]
    assert set(ALERT_FILES) == {"ml-system", "inference", "gpu", "kafka", "teams"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inference_error_ratio": 0}, r"inference_error_ratio must be a ratio in \(0, 1\], got 0"),
        ({"team_gpu_quota_ratio": 1.2}, r"team_gpu_quota_ratio must be a ratio in \(0, 1\], got 1.2"),
        ({"gpu_idle_utilisation_percent": 100}, r"gpu_idle_utilisation_percent must be in \(0, 100\), got 100"),
        ({"inference_latency_p99_ms": 0}, "inference_latency_p99_ms and kafka_consumer_lag_messages must be > 0"),
        ({"gpu_temperature_celsius": 150}, "gpu_temperature_celsius must be between 30 and 110, got 150"),
        ({"gpu_idle_for": "30 minutes"}, "gpu_idle_for must be a duration such as 5m, 30m or 1h, got '30 minutes'"),
        ({"inference_severity": "page"}, r"inference_severity must be one of \['critical', 'warning', 'info'\], got 'page'"),
    ],
)
def test_thresholds_reject_bad_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AlertThresholds(**kwargs)


def test_runbook_base_url_without_trailing_slash() -> None:
    with pytest.raises(ValueError, match="runbook_base_url must be non-empty without a trailing '/'"):
        AlertRuleOptions(runbook_base_url="https://example.com/")


def test_kafka_lag_reads_the_backends_own_source() -> None:
    def lag(backend: str) -> str:
        rules = alert_rule_files(AlertRuleOptions(kafka_backend=backend))["kafka"]["groups"][0]["rules"]
        return next(r["expr"] for r in rules if r["alert"] == "KafkaConsumerLagHigh")

    assert lag("strimzi").startswith("sum by (consumergroup, topic) (kafka_consumergroup_lag >= 0)")
    assert 'kafka_consumer_group_ConsumerLagMetrics_Value{name="SumOffsetLag"}' in lag("msk")
    assert "kafka_consumergroup_lag" not in lag("msk")
    with pytest.raises(ValueError, match=r"kafka_backend must be one of \['strimzi', 'msk'\], got 'confluent'"):
        AlertRuleOptions(kafka_backend="confluent")


def test_an_area_rule_file_may_not_take_a_monitoring_file_name() -> None:
    with pytest.raises(ValueError, match=r"area_files \['gpu'\] are the monitoring area's own rule files"):
        AlertRuleOptions(area_files={"gpu": ("Other",)})
