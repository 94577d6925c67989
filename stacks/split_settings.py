"""Splitting one environment into a platform stack and a tenants stack (off by default).

With hundreds of teams, a team change should not re-preview the cluster, the lake and Kafka.
``mlinfra:split: true`` makes a stack the platform half: it keeps everything but the per-team
resources and exports what they need. A second stack with ``mlinfra:tenants_of: <platform
stack>`` is the tenants half: team namespaces, roles, mesh policies, serving and Kafka team
resources, reading the platform's outputs through ``pulumi.StackReference``
(stacks/tenants.py). README.md, "Splitting the stack", says when and how to move existing teams.
"""

from __future__ import annotations

import re
from typing import ClassVar, Protocol

from pydantic import field_validator

from stacks.area import Area, CoreStack, Model
from stacks.errors import Problem

# A stack name as `pulumi.StackReference` takes it: <stack>, <project>/<stack> or <org>/<project>/<stack>.
_STACK_REF = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")


class SplitStack(CoreStack, Protocol):
    """What the split area reads of the stack's settings (beyond ``CoreStack``)."""


def _problems(settings: SplitStack, source: str) -> list[Problem]:
    if settings.split and settings.tenants_of:
        return [
            Problem(
                source,
                "mlinfra:tenants_of",
                "a stack is either the platform half (split: true) or the tenants half (tenants_of), not both",
            )
        ]
    return []


class SplitArea(Model):
    """Fields of ``Settings`` for the platform/tenants split."""

    AREA: ClassVar[Area] = Area(
        defaults={env: {"split": False, "tenants_of": None} for env in ("dev", "staging", "prod")},
        problems=_problems,
    )

    split: bool
    """This stack is the platform half: per-team resources live in a tenants stack."""
    tenants_of: str | None
    """This stack is the tenants half of the named platform stack (``prod`` or ``org/mlinfra/prod``)."""

    @field_validator("tenants_of")
    @classmethod
    def _stack_name(cls, v: str | None) -> str | None:
        if v is not None and not _STACK_REF.match(v):
            raise ValueError(f"must be a stack name, <project>/<stack> or <org>/<project>/<stack>, got {v!r}")
        return v
