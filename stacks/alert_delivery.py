"""Whether a stack's alerts reach anyone: staging and prod must hold a receiver secret, dev may
route to nobody (the plan says so), and the placeholder of the shipped stack files is flagged.

Only secret names are read here (``mlinfra:alert_receivers``); the values stay Pulumi secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from components.monitoring.alert_routing import AlertRouting, receiver_secret_keys
from stacks.area import CoreStack
from stacks.errors import Problem
from stacks.sections import ReceiverSettings


class _Secret(Protocol):
    @property
    def secure(self) -> str: ...


class _Monitoring(Protocol):
    @property
    def platform_alerts(self) -> ReceiverSettings: ...


class AlertStack(CoreStack, Protocol):
    """What alert delivery reads of the settings: the receiver secrets' names and the platform receiver."""

    @property
    def alert_receivers(self) -> Mapping[str, _Secret]: ...
    @property
    def monitoring(self) -> _Monitoring: ...


# What the shipped staging and prod stack files hold under alert_receivers until the operator
# sets the real secret (`pulumi config set --secret --path ...` replaces it): it loads, so the
# offline plan runs, and every plan of such a stack warns that nothing can be delivered yet.
RECEIVER_PLACEHOLDER = "v1:REPLACE-ME-with-pulumi-config-set-secret"


def _set_secret_command(settings: AlertStack, key: str) -> str:
    return f"`pulumi config set --stack {settings.stack} --secret --path 'alert_receivers.{key}' <value>`"


def receiver_warnings(settings: AlertStack) -> list[str]:
    """What the plan says about alert delivery: alerts to nobody (dev), or placeholders to replace."""
    if not settings.alert_receivers:
        platform = receiver_secret_keys(AlertRouting(platform=settings.monitoring.platform_alerts.receiver()))
        return [
            f"alerts: no mlinfra:alert_receivers in stack {settings.stack}: every alert goes to the null "
            f"receiver (delivered to nobody); to deliver them, run {_set_secret_command(settings, platform[0])}"
        ]
    placeholders = sorted(k for k, v in settings.alert_receivers.items() if v.secure == RECEIVER_PLACEHOLDER)
    return [
        f"alerts: alert_receivers.{key} is the shipped placeholder, not a secret: before `pulumi up`, run "
        f"{_set_secret_command(settings, key)}"
        for key in placeholders
    ]


def delivery_problems(settings: AlertStack, source: str) -> list[Problem]:
    """Staging and prod without any receiver secret would send every alert nowhere."""
    # A tenants stack runs no Alertmanager (its platform stack does).
    if not settings.alert_receivers and settings.environment != "dev" and not settings.tenants_of:
        key = receiver_secret_keys(AlertRouting(platform=settings.monitoring.platform_alerts.receiver()))[0]
        return [
            Problem(
                source,
                "mlinfra:alert_receivers",
                f"{settings.environment} must deliver its alerts, and no receiver has a secret: set the platform "
                f"receiver's (mlinfra:monitoring.platform_alerts) with {_set_secret_command(settings, key)}; "
                "only dev may route alerts to nobody",
            )
        ]
    return []
