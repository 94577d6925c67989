"""Alertmanager routing: validated by the real amtool (check-config, routes test) and parsed back."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.monitoring.alert_routing import (
    RECEIVERS_SECRET,
    AlertReceiver,
    AlertRouting,
    alertmanager_config,
    receiver_secret_keys,
)
from tests._golden import assert_golden_yaml
from tests.alerts.tools import tool

ROUTING = AlertRouting(
    platform=AlertReceiver(slack_channel="#platform-alerts", pagerduty_service="platform-oncall"),
    teams=(
        ("vision", AlertReceiver(slack_channel="#vision-alerts", pagerduty_service="vision-ml")),
        ("recsys", AlertReceiver(slack_channel="#recsys-alerts")),
        ("search", AlertReceiver(pagerduty_service="search-oncall")),
    ),
)


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(alertmanager_config(ROUTING)), encoding="utf-8")
    return path


def amtool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("amtool"), *argv], capture_output=True, text=True, timeout=60, check=False)


def test_amtool_accepts_the_config(config_file: Path) -> None:
    result = amtool("check-config", str(config_file))
    assert result.returncode == 0, f"amtool check-config:\n{result.stdout}\n{result.stderr}"
    assert "SUCCESS" in result.stdout and "3 inhibit rules" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (("team=vision", "severity=critical"), "team-vision-critical"),  # Slack + page
        (("team=vision", "severity=warning"), "team-vision"),  # Slack only
        (("team=recsys", "severity=critical"), "team-recsys"),  # a team without PagerDuty
        (("team=search", "severity=warning"), "team-search"),  # a team with PagerDuty only
        (("team=unknown", "severity=critical"), "platform-critical"),  # no such team: platform
        (("alertname=GpuNodeNotReady", "severity=critical"), "platform-critical"),
        (("alertname=KafkaConsumerLagHigh", "severity=warning"), "platform"),
        (("alertname=Watchdog", "severity=none"), "null"),
        (("alertname=InfoInhibitor", "severity=none"), "null"),
    ],
)
def test_alerts_route_by_team_label(config_file: Path, labels: tuple[str, ...], receiver: str) -> None:
    result = amtool("config", "routes", "test", f"--config.file={config_file}", *labels)
    assert result.stdout.strip() == receiver, f"{labels} routed to {result.stdout.strip()!r}, expected {receiver!r}"


def test_receivers_hold_no_secret_only_files_of_the_mounted_secret() -> None:
    config = alertmanager_config(ROUTING)
    text = yaml.safe_dump(config)
    assert "hooks.slack.com" not in text and "api_url:" not in text and "routing_key:" not in text
    files = [
        c.get("api_url_file") or c.get("routing_key_file")
        for r in config["receivers"]
        for c in r.get("slack_configs", []) + r.get("pagerduty_configs", [])
    ]
    keys = {f.rsplit("/", 1)[1] for f in files}
    assert all(f.startswith(f"/etc/alertmanager/secrets/{RECEIVERS_SECRET}/") for f in files), files
    assert keys == set(receiver_secret_keys(ROUTING)), "every receiver file is a key the Secret must hold"
    assert receiver_secret_keys(ROUTING) == (
        "pagerduty-platform-oncall",
        "pagerduty-search-oncall",
        "pagerduty-vision-ml",
        "slack-platform-alerts",
        "slack-recsys-alerts",
        "slack-vision-alerts",
    )


def test_gpu_node_not_ready_inhibits_that_nodes_gpu_alerts() -> None:
    rule = alertmanager_config(ROUTING)["inhibit_rules"][0]
    assert rule["source_matchers"] == ['alertname = "GpuNodeNotReady"']
    assert rule["equal"] == ["node"], "only the same node's alerts are silenced"
    targets = rule["target_matchers"][0]
    names = targets.split('"')[1].split("|")
    for alert in (
        "GpuXidErrors",
        "GpuXidApplicationErrors",
        "GpuXidUnclassified",
        "GpuTemperatureHigh",
        "GpuMemoryNearFull",
        "GpuEccErrors",
        "GpuIdleAllocated",
    ):
        assert alert in names, f"GpuNodeNotReady must inhibit {alert}"
    assert "GpuNodeNotReady" not in names and "GpuPodsPendingTooLong" not in names


def test_an_ecc_error_inhibits_the_hardware_xid_of_the_same_gpu() -> None:
    # XIDs 48/63/64 are both a hardware XID and (on a T4) the ECC signal: one event, one page.
    rule = alertmanager_config(ROUTING)["inhibit_rules"][1]
    assert rule == {
        "source_matchers": ['alertname = "GpuEccErrors"'],
        "target_matchers": ['alertname = "GpuXidErrors"'],
        "equal": ["node", "gpu"],
    }


def test_config_matches_golden() -> None:
    assert_golden_yaml("alertmanager/routing.yaml", alertmanager_config(ROUTING))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs slack_channel and/or pagerduty_service"),
        ({"slack_channel": "vision"}, "slack_channel must look like '#team-alerts'"),
        ({"pagerduty_service": "Vision ML"}, "pagerduty_service must be lowercase"),
    ],
)
def test_receiver_rejects_bad_values(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AlertReceiver(**kwargs)


def test_routing_rejects_two_receivers_for_one_team() -> None:
    receiver = AlertReceiver(slack_channel="#a")
    with pytest.raises(ValueError, match="one alert receiver"):
        AlertRouting(teams=(("vision", receiver), ("vision", receiver)))
