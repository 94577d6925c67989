"""The area contract: what every area of the platform registers, in one object.

An area is one components subpackage (``components/<area>/``: its component classes and pure
helpers) plus one settings module (``stacks/<area>_settings.py``) holding its pydantic models,
a mixin ``<Area>Area`` with the fields it adds to ``Settings`` and ``AREA: ClassVar[Area]``:
its per-environment defaults, its checks, the namespaces it owns, what it needs from and
provides to the platform context, and the functions that build its resources.
``stacks/settings.py`` lists the mixins as the bases of ``Settings``; that list is the one
registration line, and ``stacks/platform.py`` / ``stacks/tenants.py`` are loops over it
(README, "Adding an area").

Area functions read the settings through a Protocol of just what they use (``CoreStack`` plus
the area's own fields), never through ``stacks.settings.Settings``: the composed class imports
every area, so an area that imported it back would close an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from stacks.context import Key, PlatformContext
from stacks.errors import Problem

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")


class Model(BaseModel):
    """Frozen, strict about unknown keys: a typo is an error, not a silently ignored key."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class CoreStack(Protocol):
    """What any area may read of one stack's settings: which stack, where, how protected, names."""

    @property
    def stack(self) -> str: ...
    @property
    def environment(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def base_tags(self) -> dict[str, str]: ...
    @property
    def enable_protection(self) -> bool: ...
    @property
    def kms_deletion_window_days(self) -> int: ...
    @property
    def kms_key_admin_role_arns(self) -> tuple[str, ...]: ...
    @property
    def split(self) -> bool: ...
    @property
    def tenants_of(self) -> str | None: ...
    @property
    def naming_stack(self) -> str: ...
    @property
    def effective_cluster_name(self) -> str: ...
    @property
    def effective_bucket_prefix(self) -> str: ...


# The settings reach an area's functions as the composed Settings, typed by each function with
# the area's own Protocol; the contract itself cannot name that type (see the module docstring).
Checks = Callable[[Any, str], list[Problem]]
TeamChecks = Callable[[Any, Sequence[Any]], list[Problem]]
Build = Callable[[Any, PlatformContext], PlatformContext]
# A tenants stack reads the platform stack's outputs by name (``StackReference.require_output``).
Outputs = Callable[[str], Any]
Reference = Callable[[Any, PlatformContext, Outputs], PlatformContext]


def _no_problems(settings: Any, source: str) -> list[Problem]:
    return []


def _no_team_problems(settings: Any, teams: Sequence[Any]) -> list[Problem]:
    return []


@dataclass(frozen=True)
class Area:
    """One area: its settings side (defaults, checks) and its platform side (what it builds)."""

    defaults: Mapping[str, Mapping[str, Any]]
    """Environment -> field defaults (stack-file keys without ``mlinfra:``); every environment listed."""
    problems: Checks = _no_problems
    """Checks spanning fields or areas, each against the field to change (``source`` = the stack file)."""
    team_problems: TeamChecks = _no_team_problems
    """Checks of the team files' sections of this area against this environment (every problem of
    every file; ``TeamSettings.source`` names the file)."""
    name: str = ""
    """The area's name (its components subpackage); empty for settings-only areas."""
    namespaces: tuple[str, ...] = ()
    """Kubernetes namespaces the area owns: no team may take one of these names."""
    needs: tuple[Key[Any], ...] = ()
    """Context keys ``build`` and ``build_teams`` read: the areas providing them run first."""
    provides: tuple[Key[Any], ...] = ()
    """Context keys ``build`` adds (checked after it runs)."""
    team_needs: tuple[Key[Any], ...] = ()
    """Context keys ``build_teams`` reads beyond ``needs``."""
    team_provides: tuple[Key[Any], ...] = ()
    """Context keys ``build_teams`` adds (checked after it runs)."""
    build: Build | None = None
    """Creates the area's platform resources (the one stack, or the platform stack of a split)."""
    build_teams: Build | None = None
    """Creates the area's per-team resources for ``settings.teams`` (the one stack, or the tenants
    stack of a split); the context then also carries the platform's outputs."""
    outputs: tuple[str, ...] = ()
    """The stack outputs ``build`` and ``build_teams`` may export (others are an error)."""
    reference: Reference | None = None
    """In a tenants stack: the facts ``build`` would provide, rebuilt from the platform stack's outputs."""
    static_facts: Callable[[Any], Mapping[Key[Any], Any]] | None = None
    """Facts known from the settings alone (names), available before any area builds."""
    alert_templates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Alert-rule files the area brings: ``templates/alerts/<file>.yaml.j2`` -> the alerts it holds,
    in order (with a runbook each under docs/runbooks/); Prometheus loads them with the platform's."""
    dashboard_templates: tuple[str, ...] = ()
    """Grafana dashboards the area brings (``templates/dashboards/<name>.json.j2``)."""

    def __post_init__(self) -> None:
        missing = sorted(set(ENVIRONMENTS) - set(self.defaults))
        if missing:
            raise ValueError(f"area defaults miss environments {missing}")
        if (self.build or self.build_teams) and not self.name:
            raise ValueError("an area that builds resources needs a name")


def areas_of(cls: type) -> list[Area]:
    """The areas of a Settings class, in the order of its bases."""
    return [vars(base)["AREA"] for base in reversed(cls.__mro__) if isinstance(vars(base).get("AREA"), Area)]
