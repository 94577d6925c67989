"""Team-file sections that the stack settings use too: alert receivers and mesh access.

They sit below both ``stacks/team_model.py`` (the team file) and the area settings that read the
teams (``monitoring_settings``, ``mesh_settings``), so neither imports the other back.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, StringConstraints, model_validator

from components.monitoring.alert_routing import PAGERDUTY_SERVICE, SLACK_CHANNEL, AlertReceiver
from stacks.area import Model
from stacks.errors import explain_patterns


def _matching(pattern: str, allowed: str) -> AfterValidator:
    """A string validator whose message says what is allowed (not the regular expression)."""
    regex = re.compile(pattern)

    def check(v: str) -> str:
        if not regex.match(v):
            raise ValueError(f"{allowed}, got {v!r}")
        return v

    return AfterValidator(check)


Duration = Annotated[str, _matching(r"^[1-9][0-9]*(s|m|h)$", "a duration such as 30s, 5m or 1h")]
Cpu = Annotated[str, _matching(r"^([1-9][0-9]{0,3}|[1-9][0-9]{0,5}m)$", 'a CPU quantity such as "2" or "500m"')]
Memory = Annotated[str, _matching(r"^[1-9][0-9]{0,5}(Mi|Gi)$", 'a memory quantity such as "512Mi" or "4Gi"')]
SlackChannel = Annotated[str, _matching(SLACK_CHANNEL.pattern, 'a Slack channel: "#" then lowercase letters, digits, "-" or "_"')]
PagerDutyService = Annotated[
    str, _matching(PAGERDUTY_SERVICE.pattern, "a PagerDuty service name: lowercase letters, digits and '-'")
]
BaseUrl = Annotated[str, _matching(r"^[^\s]*[^/\s]$", "a path or URL without spaces or a trailing '/'")]
ReceiverKey = Annotated[
    str, _matching(r"^[a-z0-9][a-z0-9._-]{0,252}$", "a receiver key such as slack-<channel> or pagerduty-<service>")
]


class ReceiverSettings(Model):
    """Where alerts go: a Slack channel and/or a PagerDuty service (pages on critical only)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    slack_channel: SlackChannel | None = None
    """Slack channel such as "#vision-alerts"; its webhook URL is the secret alert_receivers.slack-<channel>."""
    pagerduty_service: PagerDutyService | None = None
    """PagerDuty service name such as "vision-ml"; its routing key is the secret alert_receivers.pagerduty-<service>."""

    @model_validator(mode="after")
    def _one_destination(self) -> ReceiverSettings:
        if self.slack_channel is None and self.pagerduty_service is None:
            raise ValueError("set slack_channel and/or pagerduty_service")
        return self

    def receiver(self) -> AlertReceiver:
        return AlertReceiver(slack_channel=self.slack_channel, pagerduty_service=self.pagerduty_service)


ALLOWED_TEAM_PATTERN = r"^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$"
explain_patterns({ALLOWED_TEAM_PATTERN: "must be a team name (a DNS label: lowercase letters, digits and '-')"})


class MeshAccess(Model):
    """Team file ``mesh:``: other teams whose workloads may call this team's workloads."""

    allow_from: tuple[Annotated[str, StringConstraints(pattern=ALLOWED_TEAM_PATTERN)], ...] = ()
    """Team names; each gets an ALLOW AuthorizationPolicy on this team's namespace."""
