"""The mlinfra command line (typer). Exit codes: 0 ok, 1 findings, 2 usage or config error.

Each command lives in its own module; this file only wires them and maps errors to exit
codes, so no command ever ends in a traceback on bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from stacks.errors import ConfigError

app = typer.Typer(
    name="mlinfra",
    help="Plan, check and operate the mlinfra ML platform (offline: no cloud account needed for plan).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=False, width=160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail_config(exc: ConfigError) -> typer.Exit:
    """Print every problem, one per line, and exit 2: nothing was planned or built."""
    err.print(f"[bold red]error:[/] {len(exc.problems)} configuration problem(s); nothing was planned")
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False)
    return typer.Exit(EXIT_USAGE)


@app.callback()
def _root() -> None:
    """mlinfra: an ML platform on AWS as code. Plans run offline; nothing here deploys."""


@app.command()
def plan(
    stack: Annotated[str, typer.Option("--stack", "-s", help="Stack to plan: dev, staging, prod, or a custom stack name.")] = "dev",
    stack_file: Annotated[
        Optional[Path], typer.Option("--stack-file", help="Plan this stack file instead of stacks/Pulumi.<stack>.yaml.")
    ] = None,
    teams_dir: Annotated[
        Optional[Path], typer.Option("--teams-dir", help="Read team files from DIR instead of stacks/teams.")
    ] = None,
    json_path: Annotated[
        Optional[Path], typer.Option("--json", help="Write the plan as `pulumi preview --json`-shaped JSON to PATH ('-' for stdout).")
    ] = None,
) -> None:
    """Run the real program offline under recording mocks and print the plan."""
    from mlinfra import engine, report

    if teams_dir is not None and not teams_dir.is_dir():
        err.print(f"[bold red]error:[/] --teams-dir {teams_dir}: not a directory")
        raise typer.Exit(EXIT_USAGE)
    try:
        result = engine.plan_stack(stack, stack_file=stack_file)
    except ConfigError as exc:
        raise fail_config(exc) from None
    except engine.EngineError as exc:
        err.print(f"[bold red]error:[/] the program failed under the offline engine: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None

    if json_path is not None:
        text = result.dumps()
        if str(json_path) == "-":
            sys.stdout.write(text)
            return
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(text, encoding="utf-8")
    report.print_plan(out, result)
    if json_path is not None:
        out.print(f"\nplan JSON written to {json_path}")


def main() -> None:
    app(prog_name="mlinfra")
