"""Team files: one YAML file per ML team (``stacks/teams/<team>.yaml``), validated as a whole.

A team file states who owns the team and, per environment, its quota and its data-lake
access. Two stages, so every problem in every file is reported together:

1. ``read_team_files(dir)``: each file on its own and the files against each other
   (syntax, unknown fields, names, owners, duplicates, references to other teams).
2. ``resolve_teams(files, ...)``: one environment's view, checked against that stack's
   settings (data-lake zones, GPU capacity, overcommit).

Neither stage imports ``stacks.settings`` (which imports this module): the settings are
passed in as plain values. Later issues add sections (Kafka topics, serving endpoints) as
new optional fields of ``TeamEnvironmentConfig``; unknown keys stay errors meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from stacks.errors import ConfigError, Problem, problems_from_validation_error

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
SCHEMA_FILE = "team.schema.json"
SCHEMA_COMMENT = f"# yaml-language-server: $schema=./{SCHEMA_FILE}"
TEAM_FILE_SUFFIXES = (".yaml", ".yml")

# A DNS label (the namespace is the team name), at most 32 characters so that derived
# names (IAM role "team-<name>-role-<suffix>", 64 max) always fit.
TEAM_NAME_PATTERN = r"^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$"
# Deliberately simple: a local part, "@", a domain with a dot. Not RFC 5322, but it catches
# the mistakes people make (a bare user name, a missing domain, spaces).
EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
CPU_PATTERN = r"^([1-9][0-9]{0,4}|[0-9]{1,5}\.[0-9]{1,3}|[1-9][0-9]{0,6}m)$"
MEMORY_PATTERN = r"^[1-9][0-9]{0,6}(Mi|Gi|Ti)$"

# Namespaces the platform (or Kubernetes) owns: a team by that name would take them over.
RESERVED_NAMES = frozenset(
    {"default", "monitoring", "kafka", "istio-system", "istio-ingress", "cert-manager", "karpenter", "platform"}
)
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
        # `cpu: 16` in YAML is an int; Kubernetes reads it as the quantity "16".
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class TeamEnvironmentConfig(_Model):
    """One environment's share of the platform for this team."""

    quota: TeamQuota
    data_lake: dict[Annotated[str, StringConstraints(min_length=1, max_length=63)], Access] = Field(
        default_factory=dict
    )
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
    cost_center: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    """Value of the ``cost-center`` tag on the team's AWS resources."""
    dev: TeamEnvironmentConfig
    staging: TeamEnvironmentConfig
    prod: TeamEnvironmentConfig


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

    @property
    def namespace(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return f"teams/{self.name}/"


@dataclass(frozen=True)
class LoadedTeam:
    """A team file that passed stage 1, and where it came from."""

    source: str
    team: TeamFile


def team_schema() -> dict[str, Any]:
    """The JSON Schema of a team file, as committed in ``stacks/teams/team.schema.json``."""
    schema = TeamFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def team_schema_text() -> str:
    return json.dumps(team_schema(), indent=2, sort_keys=True) + "\n"


def display_path(path: Path) -> str:
    """Paths relative to the project when inside it: messages stay short and stable."""
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)


def team_file_paths(teams_dir: Path) -> list[Path]:
    return sorted(p for p in teams_dir.iterdir() if p.suffix in TEAM_FILE_SUFFIXES and p.is_file())


def parse_team_file(source: str, text: str) -> tuple[TeamFile | None, list[Problem]]:
    """Stage 1 for one file's text: the model, or the problems (never another exception)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        return None, [Problem(source, where, f"malformed YAML: {getattr(exc, 'problem', None) or exc}")]
    except RecursionError:
        return None, [Problem(source, "-", "malformed YAML: nested too deeply")]
    return validate_team_document(source, doc)


def validate_team_document(source: str, doc: Any) -> tuple[TeamFile | None, list[Problem]]:
    if not isinstance(doc, dict):
        return None, [Problem(source, "-", "a team file is a YAML map with name, owners, cost_center, dev, staging, prod")]
    try:
        team = TeamFile.model_validate(doc)
    except ValidationError as exc:
        return None, _friendly(exc, problems_from_validation_error(exc, source))
    except RecursionError:
        # YAML anchors can build self-referencing structures.
        return None, [Problem(source, "-", "malformed YAML: a structure refers to itself")]
    problems = []
    if team.name in RESERVED_NAMES or team.name.startswith(RESERVED_PREFIXES):
        problems.append(
            Problem(
                source,
                "name",
                f"{team.name!r} is reserved for the platform (reserved: {sorted(RESERVED_NAMES)} and "
                f"names starting with {list(RESERVED_PREFIXES)})",
            )
        )
    for env in ENVIRONMENTS:
        for i, other in enumerate(getattr(team, env).read_published):
            if other == team.name:
                problems.append(
                    Problem(source, f"{env}.read_published[{i}]", "a team always reads its own prefixes; remove it")
                )
    return (None if problems else team), problems


# Regular expressions are not messages: say what the pattern means.
_PATTERN_MEANS = {
    TEAM_NAME_PATTERN: "must be a DNS label: lowercase letters, digits and '-', starting with a letter, "
    "not ending with '-', at most 32 characters",
    EMAIL_PATTERN: "must be an email address such as ana.lima@example.com",
    CPU_PATTERN: 'must be a CPU quantity such as "16", "0.5" or "500m"',
    MEMORY_PATTERN: 'must be a memory quantity such as "512Mi", "64Gi" or "1Ti"',
}


def _friendly(exc: ValidationError, problems: list[Problem]) -> list[Problem]:
    # problems_from_validation_error keeps pydantic's order, one Problem per error.
    errors = exc.errors(include_url=False)
    item_errors = {tuple(e["loc"][:-1]) for e in errors if e["loc"] and isinstance(e["loc"][-1], int)}
    out = []
    for err, problem in zip(errors, problems):
        if err["type"] == "too_short" and tuple(err["loc"]) in item_errors:
            continue  # "no valid item" follows from the item errors reported on their own
        means = _PATTERN_MEANS.get(str(err.get("ctx", {}).get("pattern", "")))
        if err["type"] == "string_pattern_mismatch" and means:
            problem = Problem(problem.file, problem.field, f"{means}, got {err.get('input')!r}")
        elif err["type"] == "extra_forbidden":
            problem = Problem(
                problem.file, problem.field, f"unknown field; team file fields: README.md (Teams) or {SCHEMA_FILE}"
            )
        out.append(problem)
    return out


def load_team_text(source: str, text: str) -> TeamFile:
    """One team file's text as a TeamFile, or a ConfigError listing its problems."""
    team, problems = parse_team_file(source, text)
    if team is None:
        raise ConfigError(problems)
    return team


def read_team_files(teams_dir: Path) -> tuple[list[LoadedTeam], list[Problem]]:
    """Stage 1: every file in ``teams_dir`` on its own, then the files against each other."""
    dir_source = display_path(teams_dir)
    if not teams_dir.is_dir():
        return [], [Problem(dir_source, "-", "teams directory not found")]
    problems: list[Problem] = []
    loaded: list[LoadedTeam] = []
    defined: dict[str, list[str]] = {}  # team name -> files defining it (valid or not)
    for path in team_file_paths(teams_dir):
        source = display_path(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(source, "-", f"not UTF-8 text (byte {exc.start})"))
            continue
        except OSError as exc:
            problems.append(Problem(source, "-", f"cannot read: {exc.strerror}"))
            continue
        defined.setdefault(path.stem, []).append(source)
        team, file_problems = parse_team_file(source, text)
        problems += file_problems
        if team is None:
            continue
        if team.name != path.stem:
            problems.append(
                Problem(source, "name", f"must equal the file name {path.stem!r}, got {team.name!r} (rename one of them)")
            )
            continue
        loaded.append(LoadedTeam(source, team))

    for name, sources in defined.items():
        if len(sources) > 1:
            for source in sources:
                others = ", ".join(s for s in sources if s != source)
                problems.append(Problem(source, "name", f"team {name!r} is defined more than once (also in {others})"))
    duplicated = {n for n, s in defined.items() if len(s) > 1}
    loaded = [t for t in loaded if t.team.name not in duplicated]

    for item in loaded:
        for env in ENVIRONMENTS:
            for i, other in enumerate(getattr(item.team, env).read_published):
                if other not in defined:
                    problems.append(
                        Problem(
                            item.source,
                            f"{env}.read_published[{i}]",
                            f"no team {other!r}; teams: {sorted(defined)}",
                        )
                    )
    return loaded, problems


def resolve_teams(
    loaded: Sequence[LoadedTeam],
    *,
    environment: str,
    zones: Sequence[str] | None,
    gpu_capacity: int | None,
    overcommit: Literal["warn", "error"],
    teams_dir_source: str,
) -> tuple[tuple[TeamSettings, ...], list[Problem]]:
    """Stage 2: each team's ``environment`` block checked against that stack's settings.

    ``zones`` None means the settings do not describe a data lake (nothing to check against);
    ``gpu_capacity`` None means they do not describe GPU capacity.
    """
    problems: list[Problem] = []
    blocks = {t.team.name: getattr(t.team, environment) for t in loaded}
    teams: list[TeamSettings] = []
    for item in loaded:
        team, block = item.team, blocks[item.team.name]
        for zone in sorted(block.data_lake):
            if zones is not None and zone not in zones:
                problems.append(
                    Problem(item.source, f"{environment}.data_lake.{zone}", f"no data lake zone {zone!r}; zones: {list(zones)}")
                )
        if gpu_capacity is not None and block.quota.gpu > gpu_capacity:
            problems.append(
                Problem(
                    item.source,
                    f"{environment}.quota.gpu",
                    f"{block.quota.gpu} is above the {environment} GPU capacity of {gpu_capacity} "
                    f"(all GPU node groups at max size); allowed 0..{gpu_capacity}",
                )
            )
        published = []
        for other in block.read_published:
            # Published data can only exist where its owner may write.
            other_block = blocks.get(other)
            if other_block is None:
                continue
            for zone, access in sorted(other_block.data_lake.items()):
                if access == "read-write" and (zones is None or zone in zones):
                    published.append((zone, f"teams/{other}/published/"))
        teams.append(
            TeamSettings(
                name=team.name,
                owners=team.owners,
                cost_center=team.cost_center,
                gpu_quota=block.quota.gpu,
                cpu_quota=block.quota.cpu,
                memory_quota=block.quota.memory,
                max_pods=block.quota.pods,
                data_lake=dict(sorted(block.data_lake.items())),
                published_reads=tuple(sorted(set(published))),
                source=item.source,
            )
        )
    if overcommit == "error":
        message = overcommit_message(teams, environment, gpu_capacity)
        if message:
            problems.append(Problem(teams_dir_source, f"{environment}.quota.gpu", message))
    return tuple(sorted(teams, key=lambda t: t.name)), problems


def overcommit_message(teams: Sequence[TeamSettings], environment: str, gpu_capacity: int | None) -> str:
    """Non-empty when the teams' GPU quotas together exceed the environment's capacity."""
    total = sum(t.gpu_quota for t in teams)
    if gpu_capacity is None or total <= gpu_capacity:
        return ""
    shares = ", ".join(f"{t.name}={t.gpu_quota}" for t in sorted(teams, key=lambda t: t.name) if t.gpu_quota)
    return (
        f"the teams' GPU quotas total {total} ({shares}), above the {environment} GPU capacity of {gpu_capacity}; "
        "lower a quota or add GPU capacity"
    )


def team_warnings(teams: Sequence[TeamSettings], environment: str, gpu_capacity: int | None, overcommit: str) -> list[str]:
    """Warnings for the user (overcommit where it is allowed); errors were raised earlier."""
    message = overcommit_message(teams, environment, gpu_capacity) if overcommit == "warn" else ""
    return [f"team quotas: {message} (allowed in {environment}: team_quota_overcommit is 'warn')"] if message else []
