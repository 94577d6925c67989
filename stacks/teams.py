"""Team files: one YAML file per ML team (``stacks/teams/<team>.yaml``), validated as a whole.

A team file states who owns the team and, per environment, its quota and its data-lake
access. Two stages, so every problem in every file is reported together:

1. ``read_team_files(dir)``: each file on its own and the files against each other
   (syntax, unknown fields, names, owners, duplicates, references to other teams).
2. ``resolve_teams(files, ...)``: one environment's view, checked against that stack's
   settings (data-lake zones, GPU capacity, overcommit).

The model (fields, patterns, the JSON Schema) is ``stacks/team_model.py``. Neither stage
imports ``stacks.settings`` (which imports this module): the settings are passed in as plain
values. Later issues add sections (Kafka topics, serving endpoints) as
new optional fields of ``TeamEnvironmentConfig``; unknown keys stay errors meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from stacks.errors import ConfigError, Problem, display_path, error_field, problems_from_validation_error  # noqa: F401 - display_path re-exported
from stacks.team_model import (  # noqa: F401 - re-exported: callers import the team API from here
    ENVIRONMENTS,
    PATTERN_MEANS,
    RESERVED_NAMES,
    RESERVED_PREFIXES,
    SCHEMA_COMMENT,
    SCHEMA_FILE,
    TEAM_NAME_PATTERN,
    TeamEnvironmentConfig,
    TeamFile,
    TeamQuota,
    TeamSettings,
    team_schema,
    team_schema_text,
)
from stacks.yaml_loader import load_yaml_or_problem

TEAM_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedTeam:
    """A team file that passed stage 1, and where it came from."""

    source: str
    team: TeamFile


def team_file_paths(teams_dir: Path) -> list[Path]:
    return sorted(p for p in teams_dir.iterdir() if p.suffix in TEAM_FILE_SUFFIXES and p.is_file())


def parse_team_file(source: str, text: str, *, file_stem: str | None = None) -> tuple[TeamFile | None, list[Problem]]:
    """Stage 1 for one file's text: the model, or the problems (never another exception).

    ``file_stem`` (the file name without suffix) is the name the file must declare."""
    # A duplicate key (two `dev:` blocks) is an error, not "the last wins".
    # No anchors or aliases in team files: each file reads on its own, and a pull request
    # can never smuggle in a YAML bomb.
    doc, problem = load_yaml_or_problem(source, text, allow_aliases=False)
    if problem is not None:
        return None, [problem]
    team, problems = validate_team_document(source, doc)
    name = doc.get("name") if isinstance(doc, dict) else None
    if file_stem is not None and isinstance(name, str) and name != file_stem:
        problems.append(Problem(source, "name", f"must equal the file name {file_stem!r}, got {name!r} (rename one of them)"))
        team = None
    return team, problems


def validate_team_document(source: str, doc: Any) -> tuple[TeamFile | None, list[Problem]]:
    if not isinstance(doc, dict):
        return None, [Problem(source, "-", "a team file is a YAML map with name, owners, cost_center, dev, staging, prod")]
    try:
        team: TeamFile | None = TeamFile.model_validate(doc)
        problems = []
    except ValidationError as exc:
        team, problems = None, _friendly(exc, problems_from_validation_error(exc, source))
    except RecursionError:
        # YAML anchors can build self-referencing structures.
        return None, [Problem(source, "-", "malformed YAML: a structure refers to itself")]
    # Checked on the document itself, so they are reported together with any field error
    # (a reserved name must not wait until a typo elsewhere in the file is fixed).
    name = doc.get("name")
    if isinstance(name, str) and (name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES)):
        problems.append(
            Problem(
                source,
                "name",
                f"{name!r} is reserved for the platform (reserved: {sorted(RESERVED_NAMES)} and "
                f"names starting with {list(RESERVED_PREFIXES)})",
            )
        )
    for env in ENVIRONMENTS:
        section = doc.get(env)
        reads = section.get("read_published") if isinstance(section, dict) else None
        for i, other in enumerate(reads if isinstance(reads, list) else []):
            if isinstance(name, str) and other == name:
                problems.append(Problem(source, f"{env}.read_published[{i}]", "a team always reads its own prefixes; remove it"))
    return (None if problems else team), problems


def _paired(errors: list[Any], problems: list[Problem]) -> list[tuple[Any, Problem]]:
    """Each Problem with the pydantic error it came from. Both keep pydantic's order, but
    problems_from_validation_error may leave errors out (one that only echoes others), so
    pair by field path rather than by position."""
    pairs, rest = [], list(problems)
    for err in errors:
        if rest and rest[0].field == (error_field(err["loc"]) or "-"):
            pairs.append((err, rest.pop(0)))
    if rest:  # a format this pairing does not know: keep every problem unchanged
        return [({"type": "", "loc": ()}, p) for p in problems]
    return pairs


def _friendly(exc: ValidationError, problems: list[Problem]) -> list[Problem]:
    errors = exc.errors(include_url=False)
    item_errors = {tuple(e["loc"][:-1]) for e in errors if e["loc"] and isinstance(e["loc"][-1], int)}
    out = []
    for err, problem in _paired(errors, problems):
        if err["type"] == "too_short" and tuple(err["loc"]) in item_errors:
            continue  # "no valid item" follows from the item errors reported on their own
        if err["type"] == "extra_forbidden":
            problem = Problem(problem.file, problem.field, f"unknown field; team file fields: README.md (Teams) or {SCHEMA_FILE}")
        elif err["type"] == "tuple_type":
            problem = Problem(problem.file, problem.field, f"must be a list such as [a, b], got {err.get('input')!r}")
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
        text = _read_text(path, source, problems)
        if text is None:
            continue
        defined.setdefault(path.stem, []).append(source)
        team, file_problems = parse_team_file(source, text, file_stem=path.stem)
        problems += file_problems
        if team is not None:
            loaded.append(LoadedTeam(source, team))
    problems += _duplicate_problems(defined)
    duplicated = {n for n, s in defined.items() if len(s) > 1}
    loaded = [t for t in loaded if t.team.name not in duplicated]
    problems += _unknown_published_problems(loaded, defined)
    return loaded, problems


def _read_text(path: Path, source: str, problems: list[Problem]) -> str | None:
    """The file as UTF-8 text, or None (and a problem) when it cannot be read or decoded."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(source, "-", f"not UTF-8 text (byte {exc.start})"))
    except OSError as exc:
        problems.append(Problem(source, "-", f"cannot read: {exc.strerror}"))
    return None


def _duplicate_problems(defined: Mapping[str, list[str]]) -> list[Problem]:
    """One problem per file of a team name defined in more than one file."""
    problems = []
    for name, sources in defined.items():
        if len(sources) > 1:
            for source in sources:
                others = ", ".join(s for s in sources if s != source)
                problems.append(Problem(source, "name", f"team {name!r} is defined more than once (also in {others})"))
    return problems


def _unknown_published_problems(loaded: Sequence[LoadedTeam], defined: Mapping[str, list[str]]) -> list[Problem]:
    """``read_published`` entries that name no team."""
    return [
        Problem(item.source, f"{env}.read_published[{i}]", f"no team {other!r}; teams: {sorted(defined)}")
        for item in loaded
        for env in ENVIRONMENTS
        for i, other in enumerate(getattr(item.team, env).read_published)
        if other not in defined
    ]


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
        problems += _block_problems(item.source, block, environment, zones, gpu_capacity)
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
                published_reads=_published_reads(block, blocks, zones),
                source=item.source,
                spec=team,
            )
        )
    if overcommit == "error":
        message = overcommit_message(teams, environment, gpu_capacity)
        if message:
            problems.append(Problem(teams_dir_source, f"{environment}.quota.gpu", message))
    return tuple(sorted(teams, key=lambda t: t.name)), problems


def _block_problems(
    source: str, block: TeamEnvironmentConfig, environment: str, zones: Sequence[str] | None, gpu_capacity: int | None
) -> list[Problem]:
    """A team's environment block against the stack: its lake zones exist, its GPU quota fits."""
    problems = [
        Problem(source, f"{environment}.data_lake.{zone}", f"no data lake zone {zone!r}; zones: {list(zones)}")
        for zone in sorted(block.data_lake)
        if zones is not None and zone not in zones
    ]
    if gpu_capacity is not None and block.quota.gpu > gpu_capacity:
        problems.append(
            Problem(
                source,
                f"{environment}.quota.gpu",
                f"{block.quota.gpu} is above the {environment} GPU capacity of {gpu_capacity} "
                f"(all GPU node groups at max size); allowed 0..{gpu_capacity}",
            )
        )
    return problems


def _published_reads(
    block: TeamEnvironmentConfig, blocks: Mapping[str, TeamEnvironmentConfig], zones: Sequence[str] | None
) -> tuple[tuple[str, str], ...]:
    """(zone, prefix) of every other team's published data this team reads."""
    published = []
    for other in block.read_published:
        # Published data can only exist where its owner may write.
        other_block = blocks.get(other)
        if other_block is None:
            continue
        for zone, access in sorted(other_block.data_lake.items()):
            if access == "read-write" and (zones is None or zone in zones):
                published.append((zone, f"teams/{other}/published/"))
    return tuple(sorted(set(published)))


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
