"""`mlinfra canary set | promote | rollback`: a canary release as a reviewed team-file change.

The editing is ``mlinfra/canary.py``; this module only parses options, prints the diff (or
JSON) and picks the exit code: 0 written (or nothing to change), 2 refused (nothing written).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from mlinfra.console import fail_config, out, usage_error
from stacks.errors import ConfigError

if TYPE_CHECKING:
    from mlinfra import canary

canary_app = typer.Typer(
    help="Canary releases of serving endpoints: edit the team file, review the diff in a pull request.",
    no_args_is_help=True,
)

TeamArg = Annotated[str, typer.Argument(help="Team name (stacks/teams/TEAM.yaml).")]
EndpointArg = Annotated[str, typer.Argument(help="Endpoint name under the team file's `serving:`.")]
TeamsDirOpt = Annotated[Path | None, typer.Option("--teams-dir", help="Directory of team files (default stacks/teams).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print {action, file, stable, canary, diff, written} as JSON.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Validate and print the diff without writing the file.")]


def _run(
    action: canary.Action,
    team: str,
    endpoint: str,
    teams_dir: Path | None,
    as_json: bool,
    dry_run: bool,
    weight: int | None = None,
) -> None:
    from mlinfra import canary  # ruamel.yaml and the team model: only when a command runs
    from mlinfra.team import _default_teams_dir, load_all_environments

    directory = teams_dir or _default_teams_dir()
    if not directory.is_dir():
        raise usage_error(f"--teams-dir {directory}: not a directory")
    try:
        change = canary.apply_change(
            directory, team, endpoint, action, validate=load_all_environments, weight=weight, dry_run=dry_run
        )
    except ConfigError as exc:
        raise fail_config(exc, "the team file was not changed") from None
    if as_json:
        sys.stdout.write(json.dumps(change.to_json(), indent=2, sort_keys=True) + "\n")
        return
    if not change.changed:
        out.print(f"{escape(str(change.path))}: already as asked; nothing to change")
        return
    out.print(change.diff, markup=False, end="")
    split = f"stable v{change.stable_version} {100 - change.canary_weight}%"
    if change.canary_version is not None:
        split += f", canary v{change.canary_version} {change.canary_weight}%"
    verb = "would write" if dry_run else "wrote"
    out.print(
        f"\n{verb} {escape(canary.display_path(change.path))} ({split}); open a pull request: `mlinfra plan` shows the change"
    )


@canary_app.command("set")
def set_weight(
    team: TeamArg,
    endpoint: EndpointArg,
    weight: Annotated[int, typer.Option("--weight", help="Percent of requests (0-100) the canary receives.")],
    teams_dir: TeamsDirOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Send WEIGHT percent of the endpoint's requests to its canary (the stable version gets the rest)."""
    _run("set", team, endpoint, teams_dir, as_json, dry_run, weight)


@canary_app.command("promote")
def promote(
    team: TeamArg, endpoint: EndpointArg, teams_dir: TeamsDirOpt = None, as_json: JsonOpt = False, dry_run: DryRunOpt = False
) -> None:
    """Make the canary version the stable version and remove the canary."""
    _run("promote", team, endpoint, teams_dir, as_json, dry_run)


@canary_app.command("rollback")
def rollback(
    team: TeamArg, endpoint: EndpointArg, teams_dir: TeamsDirOpt = None, as_json: JsonOpt = False, dry_run: DryRunOpt = False
) -> None:
    """Remove the canary: every request goes to the stable version again."""
    _run("rollback", team, endpoint, teams_dir, as_json, dry_run)
