"""The command line's two consoles, its exit codes and its one-line error reports.

Shared by mlinfra/cli.py and its sub-apps (mlinfra/team.py) so neither imports the other;
domain modules (diff, verify, bootstrap, ...) never import this: they return results and
raise typed errors, and the commands decide what is printed and which code ends the process.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

from stacks.errors import ConfigError

# emoji=False: rich would turn user text such as `mlinfra:lock:` into an emoji and lose the field name.
out = Console(highlight=False, soft_wrap=False, width=160, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def error(message: str) -> None:
    """Print ``error: <message>`` on stderr, as plain text: paths and names may hold ``[``,
    which rich markup would otherwise eat."""
    err.print(Text.assemble(("error:", "bold red"), " ", message))


def usage_error(message: str) -> typer.Exit:
    """Print ``error: <message>`` and return the exit-2 to raise (a usage or configuration error)."""
    error(message)
    return typer.Exit(EXIT_USAGE)


def warning(message: str) -> None:
    """Print ``warning: <message>`` on stderr (plain text, like ``usage_error``)."""
    err.print(Text.assemble(("warning:", "yellow"), " ", message))


def fail_config(exc: ConfigError, consequence: str = "nothing was planned") -> typer.Exit:
    """Print every problem, one per line, and return the exit-2 to raise. ``consequence`` ends
    the summary line and says what the command did not do (`team new`: "nothing was written")."""
    err.print(f"[bold red]error:[/] {len(exc.problems)} configuration problem(s); {consequence}")
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False)
    return typer.Exit(EXIT_USAGE)
