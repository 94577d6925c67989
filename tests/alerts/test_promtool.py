"""The rendered alert rules, checked and unit-tested by the real promtool.

`promtool check rules` runs on every rule file of every environment; `promtool test rules` runs
tests/alerts/*.test.yaml against the rules rendered with the default thresholds (prod's), each
test feeding series that must fire and series that must not (both sides of every threshold and
of every `for`). promtool comes from `.ci/install-promtool` (.tools/bin) or PATH; when it is
missing these tests FAIL: they are the only proof the alerts work.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from components.monitoring.alert_rules import ALERT_FILES, ALL_ALERTS, AlertRuleOptions, AlertThresholds, alert_rule_files
from tests.alerts.tools import tool

HERE = Path(__file__).resolve().parent
TEST_FILES = sorted(HERE.glob("*.test.yaml"))

# Per-environment thresholds as the settings would pass them; a lenient dev and the defaults.
ENVIRONMENT_THRESHOLDS = {
    "dev": AlertThresholds(
        inference_error_ratio=0.2, inference_latency_p99_ms=2000, inference_for="15m", inference_severity="warning"
    ),
    "prod": AlertThresholds(),
}


def write_rules(directory: Path, options: AlertRuleOptions) -> list[Path]:
    paths = []
    for name, content in alert_rule_files(options).items():
        path = directory / f"{name}.yaml"
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def write_msk_rules(directory: Path) -> Path:
    """The Kafka rules as rendered for MSK, as ``kafka.msk.yaml`` (tests/alerts/kafka-msk.test.yaml)."""
    path = directory / "kafka.msk.yaml"
    content = alert_rule_files(AlertRuleOptions(kafka_backend="msk"))["kafka"]
    path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("environment", sorted(ENVIRONMENT_THRESHOLDS))
def test_every_rule_file_passes_promtool_check(environment: str, tmp_path: Path) -> None:
    options = AlertRuleOptions(thresholds=ENVIRONMENT_THRESHOLDS[environment])
    paths = write_rules(tmp_path, options)
    assert [p.stem for p in paths] == list(ALERT_FILES), "every rule file is rendered when mesh and Kafka are on"
    result = run(tool("promtool"), "check", "rules", *map(str, paths), cwd=tmp_path)
    assert result.returncode == 0, f"promtool check rules ({environment}):\n{result.stdout}\n{result.stderr}"
    assert result.stdout.count("SUCCESS") == len(paths), result.stdout
    msk = write_msk_rules(tmp_path)
    result = run(tool("promtool"), "check", "rules", str(msk), cwd=tmp_path)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, f"{msk.name}:\n{result.stdout}\n{result.stderr}"


def test_every_alert_has_a_promtool_unit_test() -> None:
    tested = set()
    for path in TEST_FILES:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in content["tests"]:
            for check in case.get("alert_rule_test", []):
                tested.add(check["alertname"])
    missing = [alert for alerts in ALERT_FILES.values() for alert in alerts if alert not in tested]
    assert not missing, f"alerts without a promtool unit test in tests/alerts/: {missing}"


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    for path in TEST_FILES:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        sides: dict[str, set[bool]] = {}
        for case in content["tests"]:
            for check in case.get("alert_rule_test", []):
                sides.setdefault(check["alertname"], set()).add(bool(check.get("exp_alerts")))
        one_sided = sorted(alert for alert, seen in sides.items() if seen != {True, False})
        assert not one_sided, f"{path.name}: alerts needing both a firing and a not-firing check: {one_sided}"


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda p: p.name)
def test_promtool_unit_tests_pass(test_file: Path, tmp_path: Path) -> None:
    write_rules(tmp_path, AlertRuleOptions())
    write_msk_rules(tmp_path)
    shutil.copy(test_file, tmp_path / test_file.name)
    result = run(tool("promtool"), "test", "rules", test_file.name, cwd=tmp_path)
    assert result.returncode == 0, f"promtool test rules {test_file.name}:\n{result.stdout}\n{result.stderr}"
    assert "SUCCESS" in result.stdout, result.stdout


# Each threshold and `for` moved below and above its value in the RENDERED rule (annotations
# untouched): the unit tests must then fail on that alert, proving they pin both sides.
MUTATIONS = [
    ("ml-system", "HighErrorRate", "expr", "> 0.05", "> 0.11"),
    ("ml-system", "HighErrorRate", "expr", "> 0.05", "> 0.03"),
    ("ml-system", "HighErrorRate", "for", "1m", "10m"),
    ("ml-system", "HighErrorRate", "for", "1m", "0m"),
    ("ml-system", "HighLatency", "expr", "> 0.5", "> 1"),
    ("ml-system", "HighLatency", "expr", "> 0.5", "> 0.05"),
    ("ml-system", "HighLatency", "for", "1m", "0m"),
    ("inference", "InferenceHighErrorRate", "expr", "> 0.05", "> 0.15"),
    ("inference", "InferenceHighErrorRate", "expr", 'grpc_response_status=~"2|4|8|13|14|15"', 'grpc_response_status=~"2|4"'),
    ("inference", "InferenceHighErrorRate", "expr", "> 0.05", "> 0.01"),
    ("inference", "InferenceHighErrorRate", "for", "5m", "10m"),
    ("inference", "InferenceHighErrorRate", "for", "5m", "2m"),
    ("inference", "InferenceHighLatencyP99", "expr", "> 500.0", "> 1000"),
    ("inference", "InferenceHighLatencyP99", "expr", "> 500.0", "> 50"),
    ("inference", "InferenceHighLatencyP99", "for", "5m", "2m"),
    # The XID gauge keeps its last code: alerting on its value instead of its change pages forever.
    ("gpu", "GpuXidErrors", "expr", "changes(DCGM_FI_DEV_XID_ERRORS[15m]) > 0", "DCGM_FI_DEV_XID_ERRORS > 0"),
    ("gpu", "GpuXidErrors", "expr", "[15m]", "[30m]"),
    ("gpu", "GpuXidErrors", "expr", "== 79 or", "== 80 or"),
    ("gpu", "GpuXidApplicationErrors", "expr", "changes(DCGM_FI_DEV_XID_ERRORS[15m]) > 0", "DCGM_FI_DEV_XID_ERRORS > 0"),
    ("gpu", "GpuXidApplicationErrors", "expr", "== 31 or", "== 32 or"),
    ("gpu", "GpuXidUnclassified", "expr", "changes(DCGM_FI_DEV_XID_ERRORS[15m]) > 0", "DCGM_FI_DEV_XID_ERRORS > 0"),
    ("gpu", "GpuXidUnclassified", "expr", "> 0 unless", "> 200 unless"),
    # A T4 has no remapped-rows series: its ECC errors come only through the XID branch.
    ("gpu", "GpuEccErrors", "expr", "unless on (node, gpu)", "and on (node, gpu)"),
    ("gpu", "GpuEccErrors", "expr", "== 48 or", "== 49 or"),
    ("gpu", "GpuTemperatureHigh", "expr", "> 85.0", "> 95"),
    ("gpu", "GpuTemperatureHigh", "expr", "> 85.0", "> 80"),
    ("gpu", "GpuTemperatureHigh", "for", "10m", "5m"),
    ("gpu", "GpuMemoryNearFull", "expr", "> 0.95", "> 0.99"),
    ("gpu", "GpuMemoryNearFull", "expr", "> 0.95", "> 0.9"),
    ("gpu", "GpuMemoryNearFull", "for", "15m", "10m"),
    ("gpu", "GpuIdleAllocated", "expr", "< 5.0", "< 1"),
    ("gpu", "GpuIdleAllocated", "expr", "< 5.0", "< 10"),
    ("gpu", "GpuIdleAllocated", "for", "30m", "40m"),
    ("gpu", "GpuIdleAllocated", "for", "30m", "20m"),
    ("gpu", "GpuNodeNotReady", "for", "5m", "2m"),
    ("gpu", "GpuPodsPendingTooLong", "for", "15m", "20m"),
    ("gpu", "GpuPodsPendingTooLong", "for", "15m", "10m"),
    ("kafka", "KafkaUnderReplicatedPartitions", "for", "10m", "5m"),
    ("kafka", "KafkaOfflinePartitions", "for", "1m", "0m"),
    ("kafka", "KafkaConsumerLagHigh", "expr", "> 10000", "> 20000"),
    ("kafka", "KafkaConsumerLagHigh", "expr", "> 10000", "> 5000"),
    ("kafka", "KafkaConsumerLagHigh", "for", "15m", "10m"),
    # Partitions without a committed offset (-1) counted as lag.
    ("kafka", "KafkaConsumerLagHigh", "expr", "kafka_consumergroup_lag >= 0", "kafka_consumergroup_lag"),
    ("kafka", "KafkaDiskNearFull", "expr", "< 0.15", "< 0.05"),
    ("kafka", "KafkaDiskNearFull", "expr", "< 0.15", "< 0.25"),
    ("kafka", "KafkaDiskNearFull", "for", "10m", "5m"),
    ("teams", "TeamGpuQuotaNearFull", "expr", ">= 0.9", ">= 0.95"),
    ("teams", "TeamGpuQuotaNearFull", "expr", ">= 0.9", ">= 0.75"),
    ("teams", "TeamGpuQuotaNearFull", "for", "10m", "5m"),
]


@pytest.mark.parametrize(("file", "alert", "key", "old", "new"), MUTATIONS, ids=lambda v: str(v))
def test_unit_tests_catch_a_moved_threshold(file: str, alert: str, key: str, old: str, new: str, tmp_path: Path) -> None:
    rules = alert_rule_files(AlertRuleOptions())[file]
    rule = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == alert)
    # Once, or once per broker flavour (KafkaDiskNearFull: Strimzi and MSK).
    assert str(rule[key]).count(old) in (1, 2), f"{alert}.{key} should contain {old!r}: {rule[key]!r}"
    rule[key] = str(rule[key]).replace(old, new)
    (tmp_path / f"{file}.yaml").write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    shutil.copy(HERE / f"{file}.test.yaml", tmp_path)
    result = run(tool("promtool"), "test", "rules", f"{file}.test.yaml", cwd=tmp_path)
    assert result.returncode != 0, f"{alert}: {key} {old!r} -> {new!r} went unnoticed by tests/alerts/{file}.test.yaml"
    assert f"alertname: {alert}," in result.stdout + result.stderr, result.stdout + result.stderr


# The ml_inference_* recording rules, each broken in one way: the unit tests must notice.
RECORDING_MUTATIONS = [
    # Buckets left in milliseconds: the healthy endpoint's 248.5 "s" p99 would page.
    ("ms_bucket_in_seconds", lambda le: le),
    # Buckets off by a factor of ten.
    ("ms_bucket_in_seconds", lambda le: le if le == "+Inf" else f"{float(le) / 100:g}"),
    # Every meshed pod counted as a model server (or none).
    ("MODEL_SERVER_LABEL", "app"),
    # gRPC failures (HTTP 200 + grpc-status 14) not counted.
    ("GRPC_SERVER_ERRORS", "2|4|13"),
]


@pytest.mark.parametrize(("attribute", "value"), RECORDING_MUTATIONS, ids=lambda v: str(v) if isinstance(v, str) else "")
def test_unit_tests_catch_a_broken_recording_rule(
    attribute: str, value: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components.monitoring import alert_rules

    monkeypatch.setattr(alert_rules, attribute, value)
    write_rules(tmp_path, AlertRuleOptions())
    shutil.copy(HERE / "ml-system.test.yaml", tmp_path)
    result = run(tool("promtool"), "test", "rules", "ml-system.test.yaml", cwd=tmp_path)
    assert result.returncode != 0, f"{attribute} -> {value!r} went unnoticed by tests/alerts/ml-system.test.yaml"


# The MSK rendering of KafkaConsumerLagHigh, each way of getting it wrong.
MSK_MUTATIONS = [
    ("max by (groupId, topic)", "sum by (groupId, topic)"),  # two brokers' reports added up
    ('name="SumOffsetLag"', 'name="MaxOffsetLag"'),  # the largest partition, not the group's total
    ("> 10000", "> 20000"),
    ("> 10000", "> 5000"),
]


@pytest.mark.parametrize(("old", "new"), MSK_MUTATIONS, ids=lambda v: str(v))
def test_msk_lag_unit_tests_catch_a_broken_rule(old: str, new: str, tmp_path: Path) -> None:
    rules = alert_rule_files(AlertRuleOptions(kafka_backend="msk"))["kafka"]
    rule = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "KafkaConsumerLagHigh")
    assert str(rule["expr"]).count(old) == 1, rule["expr"]
    rule["expr"] = str(rule["expr"]).replace(old, new)
    (tmp_path / "kafka.msk.yaml").write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    shutil.copy(HERE / "kafka-msk.test.yaml", tmp_path)
    result = run(tool("promtool"), "test", "rules", "kafka-msk.test.yaml", cwd=tmp_path)
    assert result.returncode != 0, f"{old!r} -> {new!r} went unnoticed by tests/alerts/kafka-msk.test.yaml"


HEALTHY = HERE / "healthy_cluster.yaml"


def _series_names(path: Path) -> set[str]:
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {s["series"].split("{")[0] for case in content["tests"] for s in case.get("input_series", [])}


def test_a_healthy_cluster_fires_no_rule_we_render(tmp_path: Path) -> None:
    write_rules(tmp_path, AlertRuleOptions())
    write_msk_rules(tmp_path)
    shutil.copy(HEALTHY, tmp_path)
    result = run(tool("promtool"), "test", "rules", HEALTHY.name, cwd=tmp_path)
    assert result.returncode == 0, f"promtool test rules {HEALTHY.name}:\n{result.stdout}\n{result.stderr}"
    content = yaml.safe_load(HEALTHY.read_text(encoding="utf-8"))
    checks = [check for case in content["tests"] for check in case["alert_rule_test"]]
    assert all(check["exp_alerts"] == [] for check in checks), "a healthy cluster fires nothing"
    assert {check["alertname"] for check in checks} == set(ALL_ALERTS), "every alert is checked quiet"
    # Every metric a unit test feeds an alert with is fed here too (recorded series come from rules).
    recorded = {
        rule["record"]
        for content in alert_rule_files(AlertRuleOptions()).values()
        for group in content["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
    used = set().union(*(_series_names(path) for path in TEST_FILES)) - recorded
    missing = sorted(used - _series_names(HEALTHY))
    assert not missing, f"{HEALTHY.name} does not feed {missing}"
