"""The command line's two consoles, its exit codes and its one-line error reports.

Shared by mlinfra/cli.py and its sub-apps (mlinfra/team.py) so neither imports the other;
domain modules (diff, verify, bootstrap, ...) never import this: they return results and
raise typed errors, and the commands decide what is printed and which code ends the process.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from mlinfra.interrupt import EXIT_INTERRUPTED, install_interrupt_handler  # noqa: F401 - re-exported
from stacks.errors import ConfigError

# emoji=False: rich would turn user text such as `mlinfra:lock:` into an emoji and lose the field name.
out = Console(highlight=False, soft_wrap=False, width=160, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory, then rename:
    an interrupt or a full disk never leaves a half-written file behind. A target that exists
    and is not a regular file (a FIFO, /dev/stdout) is written in place: it cannot be replaced."""
    if path.exists() and not path.is_file():
        path.write_text(text, encoding="utf-8")
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
