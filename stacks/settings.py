"""The Settings model: one stack's validated settings, composed of one mixin per area.

Each area (``stacks/<area>_settings.py``) brings its fields, its per-environment defaults, its
checks and what it builds (stacks/area.py); this module only lists the areas (the registration)
and derives the few values that span them.
Loading a stack file into Settings is stacks/loading.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stacks.area import ENVIRONMENTS, Area, areas_of
from stacks.cluster_settings import ClusterArea
from stacks.core_settings import CoreArea
from stacks.data_lake_settings import DataLakeArea
from stacks.errors import Problem
from stacks.gpu_settings import GpuArea
from stacks.kafka_settings import KafkaArea
from stacks.mesh_settings import MeshArea
from stacks.monitoring_settings import MonitoringArea
from stacks.network_settings import NetworkArea
from stacks.split_settings import SplitArea
from stacks.team_model import TeamSettings
from stacks.team_settings import TeamsArea


# The registered areas: one base class each (and its import above). The order is only the order
# of the settings' fields and of checks; what is built first follows from each area's needs.
class Settings(
    CoreArea,
    NetworkArea,
    ClusterArea,
    GpuArea,
    DataLakeArea,
    TeamsArea,
    MeshArea,
    KafkaArea,
    MonitoringArea,
    SplitArea,
):
    """Everything the platform program needs to know about one stack (one base class per area)."""

    @classmethod
    def areas(cls) -> list[Area]:
        return areas_of(cls)

    def problems(self, source: str) -> list[Problem]:
        """Every area's checks that span fields or areas, each against the field to change."""
        return [problem for area in self.areas() for problem in area.problems(self, source)]

    def team_problems(self, teams: Sequence[TeamSettings]) -> list[Problem]:
        """Every area's checks of the team files' sections against this environment, and no team
        named like a namespace an area owns (a team's namespace is its name)."""
        owned = {ns: area.name for area in self.areas() for ns in area.namespaces}
        taken = [
            Problem(t.source, "name", f"{t.name!r} is the namespace of the {owned[t.name]} area; choose another team name")
            for t in teams
            if t.name in owned
        ]
        return taken + [problem for area in self.areas() for problem in area.team_problems(self, teams)]

    # -- derived values (not settings) ----------------------------------------------------
    @property
    def naming_stack(self) -> str:
        """The stack whose name derives resource names: in a tenants stack, its platform stack's."""
        return self.tenants_of.rsplit("/", 1)[-1] if self.tenants_of else self.stack

    @property
    def effective_cluster_name(self) -> str:
        return self.cluster_name or f"mlinfra-{self.naming_stack}"

    @property
    def effective_bucket_prefix(self) -> str:
        """Data lake bucket-name prefix: the setting, or ``mlinfra-<stack>`` made DNS-safe."""
        return self.data_lake.bucket_prefix or f"mlinfra-{self.naming_stack}".lower().replace("_", "-").replace(".", "-")


def _merge_area_defaults(environment: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for area in Settings.areas():
        overlap = sorted(set(merged) & set(area.defaults[environment]))
        if overlap:
            raise ValueError(f"two areas set defaults for {overlap}")
        merged.update(area.defaults[environment])
    return merged


# The defaults of every area per environment: the only place environments differ (stack files
# override them). Read-only by convention; loading copies before merging.
ENVIRONMENT_DEFAULTS: Mapping[str, Mapping[str, Any]] = {env: _merge_area_defaults(env) for env in ENVIRONMENTS}
