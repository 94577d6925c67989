"""`mlinfra team new | list | schema`: onboard a team with one file, see every team's share.

`team new` renders templates/team.yaml.j2, then loads the result with the same loader as
`mlinfra plan` for every environment; a file that does not load is removed again, so a
pull request never starts from a broken team file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlinfra.console import error, fail_config, out, usage_error, warning
from stacks.errors import ConfigError, display_path

if TYPE_CHECKING:
    from stacks.teams import TeamSettings

# The team model, the settings and the templates load inside the commands: `mlinfra --help`
# and the other commands stay fast, and none of them loads the Pulumi provider SDKs.

team_app = typer.Typer(help="Onboard ML teams (one file each in stacks/teams) and list their quotas.", no_args_is_help=True)

# Starting quotas of a new team per environment (the GPU quota comes from --gpu-quota).
NEW_TEAM_QUOTAS: dict[str, dict[str, Any]] = {
    "dev": {"cpu": "8", "memory": "32Gi", "pods": 50},
    "staging": {"cpu": "8", "memory": "32Gi", "pods": 50},
    "prod": {"cpu": "16", "memory": "64Gi", "pods": 100},
}
# The trailing clause of `team new`'s error summary (`plan` says "nothing was planned").
NOTHING_WRITTEN = "nothing was written"
# The raw zone holds ingested source data: a new team reads it and writes what it derives
# into the other zones, under its own prefix.
READ_ONLY_ZONES = ("raw",)


def _default_teams_dir() -> Path:
    from stacks.loading import DEFAULT_TEAMS_DIR

    return DEFAULT_TEAMS_DIR


def _zones(environment: str) -> tuple[str, ...]:
    """The data-lake zones of the environment's stack (the stack file alone, no team files)."""
    from stacks.loading import read_stack_file, settings_from_config, stack_file_path

    path = stack_file_path(environment)
    settings = settings_from_config(read_stack_file(path), stack=environment, source=display_path(path))
    return settings.data_lake.zones


def render_team_file(name: str, owners: list[str], cost_center: str, gpu_quota: int) -> str:
    """The text of a new team file (every environment, starting quotas, default lake access)."""
    from components.render import render_text
    from stacks.teams import ENVIRONMENTS

    environments = []
    for env in ENVIRONMENTS:
        access = {zone: "read" if zone in READ_ONLY_ZONES else "read-write" for zone in _zones(env)}
        environments.append({"name": env, "gpu": gpu_quota, **NEW_TEAM_QUOTAS[env], "data_lake": access})
    return render_text("team.yaml.j2", name=name, owners=owners, cost_center=cost_center, environments=environments)


def load_all_environments(teams_dir: Path) -> dict[str, Any]:
    """Settings of every shipped environment with the teams of ``teams_dir``; one ConfigError
    listing the problems of all environments."""
    from stacks.loading import load_settings
    from stacks.teams import ENVIRONMENTS

    problems, result = [], {}
    for env in ENVIRONMENTS:
        try:
            result[env] = load_settings(env, teams_dir=teams_dir)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return result


@team_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Team name: a DNS label (lowercase letters, digits, '-'), at most 32 characters.")],
    owner: Annotated[list[str], typer.Option("--owner", help="Owner email; repeat for several owners.")],
    cost_center: Annotated[str, typer.Option("--cost-center", help="Value of the team's cost-center tag.")],
    gpu_quota: Annotated[int, typer.Option("--gpu-quota", min=0, help="GPU quota in every environment.")] = 0,
    teams_dir: Annotated[Path | None, typer.Option("--teams-dir", help="Directory of team files (default stacks/teams).")] = None,
) -> None:
    """Write stacks/teams/NAME.yaml for a new team, validated; never overwrites a file."""
    from stacks.loading import team_warnings_of
    from stacks.teams import ENVIRONMENTS, PATTERN_MEANS, TEAM_NAME_PATTERN

    directory = teams_dir or _default_teams_dir()
    # Checked before the name becomes part of a path ("../x" must never be written).
    if not re.fullmatch(TEAM_NAME_PATTERN, name):
        raise usage_error(f"team name {name!r}: {PATTERN_MEANS[TEAM_NAME_PATTERN]}")
    if not directory.is_dir():
        raise usage_error(f"--teams-dir {directory}: not a directory")
    path = directory / f"{name}.yaml"
    existing = [p for p in (path, path.with_suffix(".yml")) if p.exists()]
    if existing:
        raise usage_error(f"{display_path(existing[0])} already exists; edit it instead (team new never overwrites)")
    try:
        text = render_team_file(name, owner, cost_center, gpu_quota)
    except ConfigError as exc:
        raise fail_config(exc, NOTHING_WRITTEN) from None
    with path.open("x", encoding="utf-8") as f:  # "x": fails rather than overwrite a file created meanwhile
        f.write(text)
    try:
        settings = load_all_environments(directory)
    except ConfigError as exc:
        path.unlink()
        error(f"{display_path(path)} would not load, so it was removed again")
        raise fail_config(exc, NOTHING_WRITTEN) from None
    out.print(f"wrote {display_path(path)}; review it, then open a pull request (`mlinfra plan` shows its resources)")
    # Where overcommit is only a warning (dev, staging) the file stays; say so now, not only in `plan`.
    for env in ENVIRONMENTS:
        for message in team_warnings_of(settings[env]):
            warning(message)


@team_app.command("list")
def list_teams(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    teams_dir: Annotated[Path | None, typer.Option("--teams-dir", help="Directory of team files (default stacks/teams).")] = None,
) -> None:
    """Every team's quotas per environment, and the GPU capacity each environment has left."""
    from mlinfra import report  # loads the plan engine: only for this command

    directory = teams_dir or _default_teams_dir()
    if not directory.is_dir():
        raise usage_error(f"--teams-dir {directory}: not a directory")
    try:
        settings = load_all_environments(directory)
    except ConfigError as exc:
        raise fail_config(exc, "nothing was listed") from None
    doc = team_report(settings)
    if as_json:
        sys.stdout.write(report.teams_json(doc))
        return
    out.print(report.team_table(doc))


def team_report(settings: dict[str, Any]) -> dict[str, Any]:
    """Teams and capacity per environment as plain data (the --json output)."""
    teams: dict[str, dict[str, Any]] = {}
    capacity = {}
    for env, s in settings.items():
        for t in s.teams:
            entry = teams.setdefault(t.name, {"owners": list(t.owners), "cost_center": t.cost_center, "environments": {}})
            entry["environments"][env] = _quota(t)
        allocated, gpus = sum(t.gpu_quota for t in s.teams), s.gpu_capacity()
        capacity[env] = {
            "gpus": gpus,
            "allocated": allocated,
            # Never negative: an over-commitment (allowed where it only warns) is its own field.
            "remaining": max(gpus - allocated, 0),
            "overcommitted_by": max(allocated - gpus, 0),
        }
    return {"teams": dict(sorted(teams.items())), "gpu_capacity": capacity}


def _quota(t: TeamSettings) -> dict[str, Any]:
    return {"gpu": t.gpu_quota, "cpu": t.cpu_quota, "memory": t.memory_quota, "pods": t.max_pods, "data_lake": t.data_lake}


@team_app.command("schema")
def schema() -> None:
    """Print the team-file JSON Schema (regenerate: mlinfra team schema > stacks/teams/team.schema.json)."""
    from stacks.teams import team_schema_text

    sys.stdout.write(team_schema_text())
