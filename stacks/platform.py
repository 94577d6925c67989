"""build_platform(settings): the registered areas, built in the order their needs give.

Each area (``AREA`` of each settings mixin, stacks/area.py) builds its own components from the
settings and the platform context; this module only seeds the context with where the stack
runs, picks the steps this stack holds, and returns what the areas exported.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from stacks.compose import Phase, run, steps_of
from stacks.context import ALERT_TEMPLATES, AWS, DASHBOARD_TEMPLATES, TEAMS, AwsFacts, PlatformContext
from stacks.loading import team_warnings_of
from stacks.settings import Settings


def aws_facts() -> AwsFacts:
    """Account, partition and the region's zones (opt-in zones excluded), from the provider."""
    azs = aws.get_availability_zones_output(
        state="available",
        filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
    )
    return AwsFacts(aws.get_caller_identity_output().account_id, aws.get_partition_output().partition, azs.names)


def seed(settings: Settings) -> PlatformContext:
    """The context before any area builds: where the stack runs, and each area's static facts."""
    ctx = PlatformContext().with_(AWS, aws_facts()).export(region=settings.region, environment=settings.environment)
    # What each area brings to Prometheus and Grafana: monitoring renders them with its own.
    areas = settings.areas()
    files = [f for a in areas for f in a.alert_templates]
    dashboards = tuple(d for a in areas for d in a.dashboard_templates)
    for kind, names in (("alert-rule files", files), ("dashboards", dashboards)):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:  # one area's template would silently take the other's place
            raise ValueError(f"{kind} brought by two areas: {twice}")
    ctx = ctx.with_(ALERT_TEMPLATES, {f: alerts for a in areas for f, alerts in a.alert_templates.items()})
    ctx = ctx.with_(DASHBOARD_TEMPLATES, dashboards)
    for area in areas:
        for key, value in (area.static_facts(settings) if area.static_facts else {}).items():
            ctx = ctx.with_(key, value)
    return ctx


def build_platform(settings: Settings) -> dict[str, Any]:
    """Create every resource of one stack and return the outputs to export.

    In one stack every area builds its platform and its per-team resources; the platform stack
    of a split builds only the platform (its context holds no team: a tenants stack builds them).
    """
    ctx = seed(settings)
    phases: tuple[Phase, ...] = ("build",)
    if settings.split:
        ctx = ctx.with_(TEAMS, {})
    else:
        phases = ("build", "build_teams")
        # Warnings (e.g. dev GPU overcommit) reach `pulumi preview` and `mlinfra plan`.
        for warning in team_warnings_of(settings):
            pulumi.log.warn(warning)
    return dict(run(settings, ctx, steps_of(settings.areas(), phases)).outputs)
