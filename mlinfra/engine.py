"""The offline plan engine: run the real program under recording mocks and return a Plan.

No Pulumi CLI, provider plugin or cloud account is involved. The Pulumi SDK's mock monitor
is extended to record what the real engine would see for every registration (type, name,
parent, inputs, dependencies, provider, protect, retainOnDelete). The tests use the same
engine, so the tests and `mlinfra plan` see the same plan.

One module per concern, this one on top: ``plan`` (the Plan and its JSON), ``wire`` (wire
values), ``recorder`` (the recording monitor), ``default_providers``, ``program`` (one run),
``split`` (a split environment's two halves). Callers import from here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlinfra.plan import PROJECT, Plan, PlannedResource, Secret, redact_secrets, unwrap_secrets
from mlinfra.program import EngineError, Program, config_strings, run_program
from mlinfra.recorder import RecordingMonitor
from mlinfra.split import platform_outputs_for
from mlinfra.wire import UNKNOWN

__all__ = [
    "PROJECT",
    "UNKNOWN",
    "EngineError",
    "Plan",
    "PlannedResource",
    "Program",
    "RecordingMonitor",
    "Secret",
    "config_strings",
    "plan_stack",
    "redact_secrets",
    "run_program",
    "unwrap_secrets",
]


def plan_stack(
    stack: str,
    *,
    stack_file: Path | None = None,
    teams_dir: Path | None = None,
    on_resource: Callable[[PlannedResource], None] | None = None,
) -> Plan:
    """Load and validate the stack's settings and team files (ConfigError on bad input), then plan it.

    ``on_resource``: called once per registered resource (mlinfra/progress.py counts them)."""
    from stacks.loading import load_settings_and_config

    settings, config = load_settings_and_config(stack, stack_file=stack_file, teams_dir=teams_dir)
    if settings.tenants_of:
        # A tenants stack reads its platform stack's outputs: plan that stack first (mlinfra/split.py).
        return run_program(
            settings,
            config=config,
            stack_references=platform_outputs_for(settings, teams_dir=teams_dir),
            on_resource=on_resource,
        )
    return run_program(settings, config=config, on_resource=on_resource)
