"""Helpers of the settings tests: a dev stack config with overrides, and the error it raises."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.errors import ConfigError
from stacks.loading import settings_from_config
from stacks.settings import Settings

RECEIVERS: dict[str, Any] = {"mlinfra:alert_receivers": {"slack-platform-alerts": {"secure": "v1:test-ciphertext"}}}
"""The alert receiver secret a staging or prod stack must hold (stacks/monitoring_settings.py)."""
RECEIVERS_YAML = "  mlinfra:alert_receivers:\n    slack-platform-alerts:\n      secure: v1:test-ciphertext\n"
"""The same as lines of a stack file's ``config:`` map."""


def _settings(**config: Any) -> Settings:
    """Settings of a dev stack in us-west-2 with ``config`` (``mlinfra:key`` -> value) on top; a
    staging or prod one also gets the alert receiver secret it needs (RECEIVERS)."""
    base: dict[str, Any] = {"aws:region": "us-west-2", "mlinfra:environment": "dev"}
    base.update(config)
    if base["mlinfra:environment"] != "dev":
        base = {**RECEIVERS, **base}
    return settings_from_config(base, stack="test", source="stacks/Pulumi.test.yaml")


def _error(**config: Any) -> str:
    """The ConfigError message ``_settings(**config)`` raises (fails if it raises none)."""
    with pytest.raises(ConfigError) as info:
        _settings(**config)
    return str(info.value)
