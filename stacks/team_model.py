"""The team file's model: fields, allowed values and the JSON Schema generated from it.

Loading and checking team files is ``stacks/teams.py``; this module only says what a valid
file looks like, so the committed ``stacks/teams/team.schema.json`` and the loader agree.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from components.catalog.namespaces import KUBERNETES_NAMESPACES, PLATFORM_NAMESPACES, RESERVED_FOR_LATER
from stacks.area import ENVIRONMENTS  # noqa: F401 - re-exported with the team API
from stacks.errors import explain_patterns
from stacks.kafka_team_section import TeamKafka
from stacks.sections import MeshAccess, ReceiverSettings
from stacks.serving_settings import SERVING_PATTERN_MEANS, EndpointName, ServingEndpoint

SCHEMA_FILE = "team.schema.json"
SCHEMA_COMMENT = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"

# A DNS label (the namespace is the team name), at most 32 characters so that derived
# names (IAM role "team-<name>-role-<suffix>", 64 max) always fit.
TEAM_NAME_PATTERN = r"^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$"
# Deliberately simple: a local part, "@", a domain with a dot. Not RFC 5322, but it catches
# the mistakes people make (a bare user name, a missing domain, spaces).
EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
CPU_PATTERN = r"^([1-9][0-9]{0,4}|[0-9]{1,5}\.[0-9]{1,3}|[1-9][0-9]{0,6}m)$"
MEMORY_PATTERN = r"^[1-9][0-9]{0,6}(Mi|Gi|Ti)$"
COST_CENTER_PATTERN = r"^[A-Za-z0-9._-]+$"

# Namespaces the platform (or Kubernetes) owns: a team by that name would take them over.
RESERVED_NAMES = KUBERNETES_NAMESPACES | PLATFORM_NAMESPACES | RESERVED_FOR_LATER
RESERVED_PREFIXES = ("kube-", "istio-", "mlinfra-", "aws-", "amazon-", "eks-")

TeamName = Annotated[str, StringConstraints(pattern=TEAM_NAME_PATTERN)]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]
Access = Literal["read", "read-write"]


class _Model(BaseModel):
    """Frozen; unknown keys are errors; attribute docstrings become schema descriptions."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True, strict=False)


class TeamQuota(_Model):
    """What the team's namespace may request in total (a Kubernetes ResourceQuota)."""

    gpu: int = Field(ge=0, le=1024)
    """Total ``nvidia.com/gpu`` requests; at most the environment's GPU capacity."""
    cpu: Annotated[str, StringConstraints(pattern=CPU_PATTERN)] = "8"
    """Total CPU requests, a Kubernetes quantity such as "16" or "500m" (quote it)."""
    memory: Annotated[str, StringConstraints(pattern=MEMORY_PATTERN)] = "32Gi"
    """Total memory requests, such as "64Gi" (Mi, Gi or Ti)."""
    pods: int = Field(default=50, ge=1, le=5000)
    """Maximum number of pods in the namespace."""

    @field_validator("cpu", mode="before")
    @classmethod
    def _cpu_number(cls, v: Any) -> Any:
        # `cpu: 16` or `cpu: 0.5` in YAML is a number; Kubernetes reads it as the quantity "16"/"0.5".
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not math.isfinite(v)):
            return v
        return str(v)


class TeamEnvironmentConfig(_Model):
    """One environment's share of the platform for this team."""

    quota: TeamQuota
    data_lake: dict[Annotated[str, StringConstraints(min_length=1, max_length=63)], Access] = Field(default_factory=dict)
    """Zone -> "read" or "read-write" on the team's own prefix ``teams/<team>/`` in that zone."""
    read_published: tuple[TeamName, ...] = ()
    """Other teams whose ``teams/<other>/published/`` prefixes this team may read (in the zones
    where the other team has read-write access)."""


class TeamFile(_Model):
    """A team file: ``stacks/teams/<name>.yaml``."""

    model_config = ConfigDict(title="mlinfra team file")

    name: TeamName
    """The team's name: a DNS label (lowercase letters, digits, "-"), equal to the file name.
    It names the Kubernetes namespace and the data-lake prefix ``teams/<name>/``."""
    owners: tuple[Email, ...] = Field(min_length=1)
    """Email addresses of the people who approve changes to this team."""
    cost_center: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=COST_CENTER_PATTERN)]
    """Value of the ``cost-center`` tag on the team's AWS resources."""
    dev: TeamEnvironmentConfig
    staging: TeamEnvironmentConfig
    prod: TeamEnvironmentConfig
    serving: dict[EndpointName, ServingEndpoint] = Field(default_factory=dict)
    """Model endpoints served behind the mesh, released stable + canary (README: "Service mesh and model serving")."""
    mesh: MeshAccess = MeshAccess()
    """Other teams whose workloads may call this team's workloads through the mesh."""
    alerts: ReceiverSettings | None = None
    """Where the team's alerts go (alerts labelled team=<name>): a Slack channel and/or a
    PagerDuty service; without it they go to the platform's receiver."""
    kafka: TeamKafka = Field(default_factory=TeamKafka)
    """Kafka topics of the team, the other teams' topics it reads, and those delivered to the lake."""


class TeamSettings(_Model):
    """One team as one environment sees it (``Settings.teams``)."""

    name: str
    owners: tuple[str, ...]
    cost_center: str
    gpu_quota: int
    cpu_quota: str
    memory_quota: str
    max_pods: int
    data_lake: dict[str, Access] = Field(default_factory=dict)
    """Zone -> access on ``teams/<name>/``."""
    published_reads: tuple[tuple[str, str], ...] = ()
    """(zone, prefix) pairs of other teams' ``published/`` prefixes this team may read."""
    source: str = ""
    """The team file, for messages."""
    spec: TeamFile | None = None
    """The whole team file: the sections of other areas (Kafka topics, serving, alerts) are read from here."""

    @property
    def namespace(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return f"teams/{self.name}/"


def team_schema() -> dict[str, Any]:
    """The JSON Schema of a team file, as committed in ``stacks/teams/team.schema.json``."""
    schema = TeamFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def team_schema_text() -> str:
    return json.dumps(team_schema(), indent=2, sort_keys=True) + "\n"


# Regular expressions are not messages: what each pattern means, for the loader's messages.
PATTERN_MEANS = {
    TEAM_NAME_PATTERN: "must be a DNS label: lowercase letters, digits and '-', starting with a letter, "
    "not ending with '-', at most 32 characters",
    EMAIL_PATTERN: "must be an email address such as ana.lima@example.com",
    CPU_PATTERN: 'must be a CPU quantity such as "16", "0.5" or "500m"',
    MEMORY_PATTERN: 'must be a memory quantity such as "512Mi", "64Gi" or "1Ti"',
    COST_CENTER_PATTERN: "must be letters, digits, '.', '_' or '-' (no spaces), such as cv-research",
    **SERVING_PATTERN_MEANS,
}
explain_patterns(PATTERN_MEANS)
