"""Planning a split environment offline: the platform stack first, then its tenants stack.

A tenants stack reads its platform stack's outputs through ``pulumi.StackReference``; the
offline engine answers that read with the outputs of the platform stack's own offline plan
(mlinfra/mocks/stack.py), so both halves plan with no cloud and no Pulumi service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mlinfra.plan import Plan
from mlinfra.program import run_program
from stacks.settings import Settings

Part = Literal["platform", "tenants"]
PARTS: tuple[Part, ...] = ("platform", "tenants")


@dataclass(frozen=True)
class SplitPlans:
    """Both halves of one environment."""

    platform: Plan
    tenants: Plan

    def part(self, name: Part) -> Plan:
        return self.platform if name == "platform" else self.tenants


def tenants_stack_name(stack: str) -> str:
    """The tenants stack of ``stack`` when `mlinfra plan --part tenants` derives it."""
    return f"{stack}-tenants"


def platform_half(settings: Settings) -> Settings:
    return settings.model_copy(update={"split": True, "tenants_of": None})


def tenants_half(settings: Settings) -> Settings:
    return settings.model_copy(update={"split": False, "tenants_of": settings.stack, "stack": tenants_stack_name(settings.stack)})


def plan_split(stack: str, *, stack_file: Path | None = None, teams_dir: Path | None = None) -> SplitPlans:
    """Plan ``stack`` as if split: its platform half, then the tenants half on the platform's outputs.

    Works whether or not the stack file sets ``mlinfra:split``: this is what a split would plan.
    """
    from stacks.loading import load_settings_and_config

    settings, config = load_settings_and_config(stack, stack_file=stack_file, teams_dir=teams_dir)
    if settings.tenants_of:
        # Already the tenants half: its platform is the stack it names.
        platform_settings, platform_config = load_settings_and_config(settings.naming_stack, teams_dir=teams_dir)
        platform_plan = run_program(platform_half(platform_settings), config=platform_config)
        references = {settings.tenants_of: platform_plan.outputs}
        return SplitPlans(platform_plan, run_program(settings, config=config, stack_references=references))
    platform = run_program(platform_half(settings), config=config)
    tenants = run_program(tenants_half(settings), config=config, stack_references={settings.stack: platform.outputs})
    return SplitPlans(platform, tenants)


def platform_outputs_for(settings: Settings, *, teams_dir: Path | None = None) -> Mapping[str, Mapping[str, Any]]:
    """For a tenants stack: its platform stack's planned outputs, keyed as its StackReference names it."""
    from stacks.loading import load_settings_and_config

    assert settings.tenants_of
    platform_settings, config = load_settings_and_config(settings.naming_stack, teams_dir=teams_dir)
    return {settings.tenants_of: run_program(platform_half(platform_settings), config=config).outputs}
