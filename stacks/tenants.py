"""build_tenants(settings): the per-team resources, on a platform stack another stack runs.

With ``mlinfra:tenants_of: <platform stack>`` the stack reads the platform's outputs through a
``pulumi.StackReference``; each area rebuilds the facts its ``build`` would provide from them
(``reference``), then every area's ``build_teams`` runs as it would in one stack. Resource names
are the same either way, so a split moves state without replacement.
"""

from __future__ import annotations

from typing import Any

import pulumi

from stacks.compose import Step, run, steps_of
from stacks.loading import team_warnings_of
from stacks.platform import seed
from stacks.settings import Settings


def reference_steps(settings: Settings, out: Any) -> list[Step]:
    """One step per area that can rebuild its facts from the platform stack's outputs."""
    steps = []
    for area in settings.areas():
        if area.reference is not None:
            ref = area.reference

            def rebuild(s: Any, ctx: Any, ref: Any = ref) -> Any:
                return ref(s, ctx, out)

            steps.append(Step(area, "reference", rebuild, frozenset(area.needs), frozenset(area.provides)))
    return steps


def build_tenants(settings: Settings) -> dict[str, Any]:
    """The tenants stack: every per-team resource, on the platform stack ``settings.tenants_of``."""
    assert settings.tenants_of, "build_tenants needs mlinfra:tenants_of"
    platform = pulumi.StackReference("platform", stack_name=settings.tenants_of)
    for warning in team_warnings_of(settings):
        pulumi.log.warn(warning)
    steps = reference_steps(settings, platform.require_output) + steps_of(settings.areas(), ("build_teams",))
    return dict(run(settings, seed(settings), steps).outputs)
