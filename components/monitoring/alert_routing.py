"""Alertmanager routing from the team files: pure, no Pulumi, no secrets.

Alerts carrying ``team: <name>`` go to that team's receivers (``alerts:`` in
``stacks/teams/<name>.yaml``: a Slack channel and/or a PagerDuty service); everything else goes
to the platform receiver. Webhook URLs and PagerDuty routing keys are never in this config: each
receiver reads them from a file of the Kubernetes Secret ``RECEIVERS_SECRET`` (mounted by the
Alertmanager at ``/etc/alertmanager/secrets/<secret>/<key>``), whose values come from Pulumi
secret config. ``receiver_secret_keys`` says which keys that Secret must hold.
https://prometheus.io/docs/alerting/latest/configuration/
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from components.monitoring.alert_rules import NODE_GPU_ALERTS

RECEIVERS_SECRET = "alertmanager-receivers"
SECRETS_DIR = f"/etc/alertmanager/secrets/{RECEIVERS_SECRET}"
SLACK_CHANNEL = re.compile(r"^#[a-z0-9][a-z0-9_-]{0,79}$")
PAGERDUTY_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

# What a notification says; the runbook link is in every message.
_SLACK_TITLE = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})"
_SLACK_TEXT = "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}"
_PAGERDUTY_DESCRIPTION = "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"


@dataclass(frozen=True)
class AlertReceiver:
    """Where one team's (or the platform's) alerts go: a Slack channel and/or a PagerDuty service."""

    slack_channel: str | None = None
    """Slack channel such as ``#vision-alerts``; its webhook URL is the secret ``slack-<channel>``."""
    pagerduty_service: str | None = None
    """PagerDuty service name such as ``vision-ml``; pages on ``critical`` alerts only. Its Events v2
    routing key is the secret ``pagerduty-<service>``."""

    def __post_init__(self) -> None:
        if self.slack_channel is None and self.pagerduty_service is None:
            raise ValueError("an alert receiver needs slack_channel and/or pagerduty_service")
        if self.slack_channel is not None and not SLACK_CHANNEL.match(self.slack_channel):
            raise ValueError(
                f"slack_channel must look like '#team-alerts' (lowercase, digits, '-', '_'), got {self.slack_channel!r}"
            )
        if self.pagerduty_service is not None and not PAGERDUTY_SERVICE.match(self.pagerduty_service):
            raise ValueError(f"pagerduty_service must be lowercase letters, digits and '-', got {self.pagerduty_service!r}")

    @property
    def slack_key(self) -> str | None:
        return f"slack-{self.slack_channel.lstrip('#')}" if self.slack_channel else None

    @property
    def pagerduty_key(self) -> str | None:
        return f"pagerduty-{self.pagerduty_service}" if self.pagerduty_service else None


@dataclass(frozen=True)
class AlertRouting:
    """The platform receiver (default route) and one receiver per team that declared one."""

    platform: AlertReceiver = AlertReceiver(slack_channel="#platform-alerts")
    teams: tuple[tuple[str, AlertReceiver], ...] = ()
    """(team name, receiver), one entry per team file with an ``alerts:`` section."""
    deliver: bool = True
    """False: every alert goes to the ``null`` receiver (a dev stack without receiver secrets,
    whose receivers could not send anyway); the plan says so."""

    def __post_init__(self) -> None:
        names = [name for name, _ in self.teams]
        if len(set(names)) != len(names):
            raise ValueError(f"a team may have one alert receiver, got duplicates in {names}")


def receiver_secret_keys(routing: AlertRouting) -> tuple[str, ...]:
    """The keys the receivers' Secret must hold, sorted (each a Pulumi secret config value)."""
    if not routing.deliver:
        return ()
    keys = {routing.platform.slack_key, routing.platform.pagerduty_key}
    for _, receiver in routing.teams:
        keys |= {receiver.slack_key, receiver.pagerduty_key}
    return tuple(sorted(k for k in keys if k))


def _slack(receiver: AlertReceiver) -> list[dict[str, Any]]:
    if not receiver.slack_channel:
        return []
    return [
        {
            "api_url_file": f"{SECRETS_DIR}/{receiver.slack_key}",
            "channel": receiver.slack_channel,
            "send_resolved": True,
            "title": _SLACK_TITLE,
            "text": _SLACK_TEXT,
        }
    ]


def _pagerduty(receiver: AlertReceiver) -> list[dict[str, Any]]:
    if not receiver.pagerduty_service:
        return []
    return [
        {
            "routing_key_file": f"{SECRETS_DIR}/{receiver.pagerduty_key}",
            "send_resolved": True,
            "description": _PAGERDUTY_DESCRIPTION,
        }
    ]


def _route_and_receivers(name: str, receiver: AlertReceiver) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Child routes (critical pages when both Slack and PagerDuty exist) and the receivers they use."""
    if receiver.slack_channel and receiver.pagerduty_service:
        critical = f"{name}-critical"
        routes = [{"receiver": critical, "matchers": ['severity = "critical"']}]
        receivers = [
            {"name": name, "slack_configs": _slack(receiver)},
            {"name": critical, "slack_configs": _slack(receiver), "pagerduty_configs": _pagerduty(receiver)},
        ]
        return routes, receivers
    entry: dict[str, Any] = {"name": name}
    if receiver.slack_channel:
        entry["slack_configs"] = _slack(receiver)
    else:
        entry["pagerduty_configs"] = _pagerduty(receiver)
    return [], [entry]


def _routes_and_receivers(routing: AlertRouting) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The child routes (teams first, then the platform's critical page) and every receiver."""
    routes: list[dict[str, Any]] = [
        # The chart's always-firing Watchdog (a dead-man's switch for an external monitor) and its
        # InfoInhibitor (only there to inhibit info alerts): never for people.
        {"receiver": "null", "matchers": ['alertname =~ "Watchdog|InfoInhibitor"']},
    ]
    receivers: list[dict[str, Any]] = [{"name": "null"}]
    if not routing.deliver:
        return routes, receivers
    for team, receiver in sorted(routing.teams):
        name = f"team-{team}"
        children, team_receivers = _route_and_receivers(name, receiver)
        route: dict[str, Any] = {"receiver": name, "matchers": [f'team = "{team}"']}
        if children:
            route["routes"] = children
        routes.append(route)
        receivers.extend(team_receivers)
    platform_children, platform_receivers = _route_and_receivers("platform", routing.platform)
    receivers.extend(platform_receivers)
    return routes + platform_children, receivers


def alertmanager_config(routing: AlertRouting) -> dict[str, Any]:
    """The Alertmanager configuration (the chart's ``alertmanager.config``)."""
    routes, receivers = _routes_and_receivers(routing)
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": "platform" if routing.deliver else "null",
            "group_by": ["alertname", "team", "namespace"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            # Team routes first; alerts of no known team fall through to the platform (paged on critical).
            "routes": routes,
        },
        "inhibit_rules": [
            # A GPU node that is not Ready explains every other alert about its GPUs.
            {
                "source_matchers": ['alertname = "GpuNodeNotReady"'],
                "target_matchers": [f'alertname =~ "{"|".join(NODE_GPU_ALERTS)}"'],
                "equal": ["node"],
            },
            # A GPU's uncorrectable memory error also shows as a hardware XID (48, 63, 64): one page.
            {
                "source_matchers": ['alertname = "GpuEccErrors"'],
                "target_matchers": ['alertname = "GpuXidErrors"'],
                "equal": ["node", "gpu"],
            },
            # The chart's default: a critical alert silences the warning of the same alert and namespace.
            {
                "source_matchers": ['severity = "critical"'],
                "target_matchers": ['severity =~ "warning|info"'],
                "equal": ["namespace", "alertname"],
            },
        ],
        "receivers": receivers,
        "templates": ["/etc/alertmanager/config/*.tmpl"],
    }
