"""Alert delivery: staging and prod must name a receiver (a secret), dev may route to nobody and
the plan says so; the shipped stack files load; the real engine's decrypted secrets load too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.monitoring.alert_routing import alertmanager_config, receiver_secret_keys
from mlinfra.engine import run_program
from stacks.alert_delivery import RECEIVER_PLACEHOLDER, receiver_warnings
from stacks.errors import ConfigError
from stacks.loading import load_settings, read_stack_file, settings_from_config, settings_from_pulumi, stack_file_path
from stacks.monitoring_settings import alert_routing
from tests.alerts.tools import tool

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "stacks/Pulumi.test.yaml"
SECRET = {"secure": "v1:AAAAbase64ciphertext"}


def settings(environment: str, **config: Any):
    base = {"aws:region": "us-west-2", "mlinfra:environment": environment, **config}
    return settings_from_config(base, stack="test", source=SOURCE)


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_staging_and_prod_without_a_receiver_are_a_settings_error(environment: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings(environment)
    assert str(info.value) == (
        f"{SOURCE}: mlinfra:alert_receivers: {environment} must deliver its alerts, and no receiver has a "
        "secret: set the platform receiver's (mlinfra:monitoring.platform_alerts) with `pulumi config set "
        "--stack test --secret --path 'alert_receivers.slack-platform-alerts' <value>`; only dev may route "
        "alerts to nobody"
    )
    # One secret is enough (and must be the platform receiver's: tests/stacks/test_monitoring_settings.py).
    assert settings(environment, **{"mlinfra:alert_receivers": {"slack-platform-alerts": SECRET}}).alert_receivers


def test_the_cli_exits_2_naming_the_stack_file_and_field(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text("config:\n  aws:region: us-east-1\n  mlinfra:environment: prod\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mlinfra", "plan", "--stack", "prod", "--stack-file", str(stack_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{stack_file}: mlinfra:alert_receivers: prod must deliver its alerts" in result.stderr


def test_dev_without_receivers_routes_every_alert_to_null_and_the_plan_says_so(tmp_path: Path) -> None:
    dev = settings("dev")
    routing = alert_routing(dev)
    assert not routing.deliver and receiver_secret_keys(routing) == ()
    config = alertmanager_config(routing)
    assert config["route"]["receiver"] == "null" and config["receivers"] == [{"name": "null"}]
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    for labels in (("alertname=GpuXidErrors", "severity=critical"), ("team=vision", "severity=warning")):
        result = subprocess.run(
            [tool("amtool"), "config", "routes", "test", f"--config.file={path}", *labels],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.stdout.strip() == "null", f"{labels}: {result.stdout}{result.stderr}"
    # With a secret, the same stack delivers (near miss: only alert_receivers differs).
    assert alert_routing(settings("dev", **{"mlinfra:alert_receivers": {"slack-platform-alerts": SECRET}})).deliver
    plan = run_program(load_settings("dev"), config=read_stack_file(stack_file_path("dev")))
    warnings = [d["message"] for d in plan.diagnostics if d["severity"] == "warning"]
    assert any(m.startswith("alerts: no mlinfra:alert_receivers in stack dev: every alert goes to the null") for m in warnings)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_shipped_stack_files_load_with_a_placeholder_that_the_plan_flags(stack: str) -> None:
    loaded = load_settings(stack)
    assert {k: v.secure for k, v in loaded.alert_receivers.items()} == {"slack-platform-alerts": RECEIVER_PLACEHOLDER}
    assert alert_routing(loaded).deliver
    assert receiver_warnings(loaded) == [
        "alerts: alert_receivers.slack-platform-alerts is the shipped placeholder, not a secret: before `pulumi up`, "
        f"run `pulumi config set --stack {stack} --secret --path 'alert_receivers.slack-platform-alerts' <value>`"
    ]
    # A real ciphertext is not flagged.
    real = settings(loaded.environment, **{"mlinfra:alert_receivers": {"slack-platform-alerts": SECRET}})
    assert receiver_warnings(real) == []


def test_the_real_engine_hands_receivers_decrypted_and_they_load_as_secrets() -> None:
    # Under `pulumi up` the program gets its secrets decrypted (objects as JSON) plus their keys.
    config = read_stack_file(stack_file_path("prod"))
    decrypted = {"slack-platform-alerts": "https://hooks.slack.com/services/T/B/x"}
    seen: dict[str, Any] = {}

    def program(_settings: Any) -> dict[str, Any]:
        engine_config = {k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in config.items()}
        engine_config["mlinfra:alert_receivers"] = json.dumps(decrypted)
        pulumi.runtime.set_all_config(engine_config, ["mlinfra:alert_receivers"])
        seen["settings"] = settings_from_pulumi()
        return {}

    run_program(load_settings("prod"), config=config, program=program)
    receivers = seen["settings"].alert_receivers
    assert {k: v.secure for k, v in receivers.items()} == {"slack-platform-alerts": "[secret]"}, "names only, no URL"
    assert "hooks.slack.com" not in repr(seen["settings"])
