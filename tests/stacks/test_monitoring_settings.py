"""Settings of monitoring (``mlinfra:monitoring``, ``mlinfra:alert_receivers``, the team files'
``alerts:``): defaults per environment, the mapping to MonitoringArgs, one test per message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.monitoring.alert_rules import ALL_ALERTS, AlertThresholds
from stacks.errors import ConfigError
from stacks.loading import load_settings, settings_from_config, with_teams
from stacks.monitoring_settings import alert_routing, gpu_hour_prices, monitoring_args
from stacks.settings import ENVIRONMENT_DEFAULTS

SOURCE = "stacks/Pulumi.test.yaml"
REPO = Path(__file__).resolve().parents[2]
SECRET = {"secure": "v1:AAAAbase64ciphertext"}


def settings(environment: str = "dev", **config: Any):
    base = {"aws:region": "us-west-2", "mlinfra:environment": environment, **config}
    return settings_from_config(base, stack="test", source=SOURCE)


def error(environment: str = "dev", **config: Any) -> str:
    with pytest.raises(ConfigError) as info:
        settings(environment, **config)
    return str(info.value)


class _Provider:
    """Stands in for the Kubernetes provider: building Args never touches it."""


@pytest.mark.parametrize(
    ("stack", "replicas", "retention", "storage", "ratio", "severity"),
    [("dev", 1, 3, 20, 0.2, "warning"), ("staging", 2, 7, 50, 0.1, "warning"), ("prod", 2, 15, 200, 0.05, "critical")],
)
def test_each_environment_has_its_monitoring_defaults(
    stack: str, replicas: int, retention: int, storage: int, ratio: float, severity: str
) -> None:
    m = load_settings(stack).monitoring
    assert (m.prometheus_replicas, m.prometheus_retention_days, m.prometheus_storage_gb) == (replicas, retention, storage)
    assert m.thresholds.inference_error_ratio == ratio and m.thresholds.inference_severity == severity
    assert m.alertmanager_enabled is True
    assert m.platform_alerts.slack_channel == "#platform-alerts"


def test_prod_thresholds_are_the_rule_defaults_the_promtool_tests_pin() -> None:
    assert load_settings("prod").monitoring.thresholds.thresholds() == AlertThresholds()


def test_overrides_merge_into_the_monitoring_defaults() -> None:
    m = settings(**{"mlinfra:monitoring": {"thresholds": {"gpu_temperature_celsius": 80}}}).monitoring
    assert m.thresholds.gpu_temperature_celsius == 80
    assert m.thresholds.inference_error_ratio == ENVIRONMENT_DEFAULTS["dev"]["monitoring"]["thresholds"]["inference_error_ratio"]


def test_dev_may_turn_alertmanager_off() -> None:
    assert settings(**{"mlinfra:monitoring": {"alertmanager_enabled": False}}).monitoring.alertmanager_enabled is False


@pytest.mark.parametrize(
    ("environment", "config", "expected"),
    [
        (
            "prod",
            {"mlinfra:monitoring": {"alertmanager_enabled": False}},
            "mlinfra:monitoring.alertmanager_enabled: prod must keep Alertmanager on",
        ),
        (
            "staging",
            {"mlinfra:monitoring": {"alertmanager_enabled": False}},
            "mlinfra:monitoring.alertmanager_enabled: staging must keep Alertmanager on",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"prometheus_replicas": 0}},
            "mlinfra:monitoring.prometheus_replicas: Input should be greater than or equal to 1",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"prometheus_storage_gb": 5}},
            "mlinfra:monitoring.prometheus_storage_gb: Input should be greater than or equal to 10",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"thresholds": {"inference_error_ratio": 1.5}}},
            "mlinfra:monitoring.thresholds.inference_error_ratio: Input should be less than or equal to 1",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"thresholds": {"gpu_idle_for": "30 minutes"}}},
            "mlinfra:monitoring.thresholds.gpu_idle_for: a duration such as 30s, 5m or 1h, got '30 minutes'",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"thresholds": {"inference_severity": "page"}}},
            "mlinfra:monitoring.thresholds.inference_severity: must be one of 'critical', 'warning' or 'info', got 'page'",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"platform_alerts": {}}},
            "mlinfra:monitoring.platform_alerts: set slack_channel and/or pagerduty_service",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"platform_alerts": {"slack_channel": "platform"}}},
            'mlinfra:monitoring.platform_alerts.slack_channel: a Slack channel: "#" then lowercase letters',
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"platform_alerts": {"pagerduty_service": "ML Platform"}}},
            "mlinfra:monitoring.platform_alerts.pagerduty_service: a PagerDuty service name",
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"prometheus_resources": {"cpu": "lots", "memory": "4Gi"}}},
            'mlinfra:monitoring.prometheus_resources.cpu: a CPU quantity such as "2" or "500m", got \'lots\'',
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"prometheus_resources": {"cpu": "1", "memory": "4G"}}},
            'mlinfra:monitoring.prometheus_resources.memory: a memory quantity such as "512Mi" or "4Gi", got \'4G\'',
        ),
        (
            "dev",
            {"mlinfra:monitoring": {"runbook_base_url": "https://example.com/runbooks/"}},
            "mlinfra:monitoring.runbook_base_url: a path or URL without spaces or a trailing '/'",
        ),
        (
            "dev",
            {"mlinfra:alert_receivers": {"slack-platform-alerts": "https://hooks.slack.com/services/T/B/x"}},
            "mlinfra:alert_receivers: ['slack-platform-alerts'] are plain text; receiver URLs and keys must be Pulumi secrets",
        ),
        (
            "dev",
            {"mlinfra:alert_receivers": {"Slack Platform": SECRET}},
            "a receiver key such as slack-<channel> or pagerduty-<service>",
        ),
        (
            "dev",
            {"mlinfra:alert_receivers": {"slack-other": SECRET}},
            "mlinfra:monitoring.platform_alerts: the stack has no secret alert_receivers.slack-platform-alerts; run "
            "`pulumi config set --secret --path 'alert_receivers.slack-platform-alerts' <value>`",
        ),
        ("dev", {"mlinfra:monitoring": {"retention": "15d"}}, "mlinfra:monitoring.retention: unknown field"),
    ],
)
def test_bad_monitoring_settings_name_the_file_and_field(environment: str, config: dict[str, Any], expected: str) -> None:
    message = error(environment, **config)
    assert message.startswith(SOURCE), message
    assert expected in message, message


def test_receiver_secrets_present_pass() -> None:
    s = settings(**{"mlinfra:alert_receivers": {"slack-platform-alerts": SECRET}})
    assert set(s.alert_receivers) == {"slack-platform-alerts"}


def write_team(directory: Path, name: str, alerts: dict[str, str] | None) -> Path:
    # One dict per environment: a shared one would be dumped as a YAML anchor, which team files refuse.
    doc: dict[str, Any] = {"name": name, "owners": ["a@example.com"], "cost_center": "cc"}
    doc.update({env: {"quota": {"gpu": 0}} for env in ("dev", "staging", "prod")})
    if alerts is not None:
        doc["alerts"] = alerts
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_team_alerts_become_routes(tmp_path: Path) -> None:
    write_team(tmp_path, "vision", {"slack_channel": "#vision-alerts", "pagerduty_service": "vision-ml"})
    write_team(tmp_path, "recsys", None)
    s = with_teams(lambda: settings(), tmp_path)
    routing = alert_routing(s)
    assert [name for name, _ in routing.teams] == ["vision"], "a team without alerts: goes to the platform"
    assert routing.teams[0][1].pagerduty_service == "vision-ml"


def test_team_receiver_without_its_secret_names_the_team_file(tmp_path: Path) -> None:
    path = write_team(tmp_path, "vision", {"slack_channel": "#vision-alerts"})
    receivers = {"mlinfra:alert_receivers": {"slack-platform-alerts": SECRET}}
    with pytest.raises(ConfigError) as info:
        with_teams(lambda: settings(**receivers), tmp_path)
    message = str(info.value)
    assert str(path.name) in message and "alerts: the stack has no secret alert_receivers.slack-vision-alerts" in message


def test_bad_team_alerts_section_is_rejected(tmp_path: Path) -> None:
    write_team(tmp_path, "vision", {"slack_channel": "vision"})
    with pytest.raises(ConfigError) as info:
        with_teams(lambda: settings(), tmp_path)
    assert "alerts.slack_channel" in str(info.value) and "a Slack channel" in str(info.value)


def test_monitoring_args_map_field_by_field() -> None:
    s = load_settings("prod")
    args = monitoring_args(s, k8s_provider=_Provider(), storage_class="mlinfra-gp3-encrypted", receiver_secrets=None)  # type: ignore[arg-type]
    m = s.monitoring
    assert (args.prometheus_replicas, args.prometheus_retention_days, args.prometheus_storage_gb) == (2, 15, 200)
    assert args.prometheus_resources.cpu == m.prometheus_resources.cpu and args.alertmanager_replicas == 3
    assert args.alert_rules.thresholds == AlertThresholds() and args.alert_rules.enable_kafka_rules is False
    assert args.scrape.enable_dcgm is True and args.scrape.kafka == "off" and args.scrape.enable_mesh is False
    assert args.dashboards.gpu_hour_prices == gpu_hour_prices(s) == {"a100": 2.7447, "l4": 0.9776}
    on = monitoring_args(s, k8s_provider=_Provider(), storage_class="x", receiver_secrets=None, enable_mesh=True, kafka="strimzi")  # type: ignore[arg-type]
    assert on.alert_rules.enable_mesh_rules and on.alert_rules.enable_kafka_rules and on.dashboards.enable_kafka


def test_readme_monitoring_tables_match_the_defaults_and_the_alerts() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section:monitoring -->")[1].split("<!-- /section:monitoring -->")[0]
    for alert in ALL_ALERTS:
        assert f"| `{alert}` |" in section, f"README alert table misses {alert}"
        assert f"[{alert}.md](docs/runbooks/{alert}.md)" in section
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| `prometheus_")}
    defaults = {env: ENVIRONMENT_DEFAULTS[env]["monitoring"] for env in ("dev", "staging", "prod")}
    for key in ("prometheus_replicas", "prometheus_retention_days", "prometheus_storage_gb"):
        cells = [c.strip() for c in rows[f"`{key}`"].split("|")[2:5]]
        assert cells == [str(defaults[env][key]) for env in ("dev", "staging", "prod")], f"README row {key}"
    thresholds = [defaults[env]["thresholds"]["inference_error_ratio"] for env in ("dev", "staging", "prod")]
    assert " / ".join(f"{t * 100:g}%" for t in thresholds) in section


def test_every_alert_has_a_runbook_that_says_what_to_check_and_do() -> None:
    for alert in ALL_ALERTS:
        path = REPO / "docs" / "runbooks" / f"{alert}.md"
        assert path.is_file(), f"{path} is missing"
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"# {alert}\n") and "## Check" in text and "## Act" in text, f"{path}: title, Check, Act"
