"""The `mlinfra review` command: plan a base ref and the working tree per stack, report, pick the exit code.

Exit 0 nothing to block, 1 a stateful risk (unless --allow-stateful) or a new mandatory policy
violation, 2 bad input (not a git repository, unknown ref, bad stack, a plan that fails on
either side: the message names the side), 130 interrupted (the base worktree is removed first).
The work is in mlinfra/review_run.py and mlinfra/review.py; output in review_markdown.py and
review_table.py. Registered in mlinfra/cli.py.
"""

from __future__ import annotations

import json
import signal
import sys
from enum import StrEnum
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mlinfra.console import EXIT_INTERRUPTED, out, usage_error, write_atomically

if TYPE_CHECKING:  # types only: the review modules load the plan engine
    from mlinfra.review import ReviewResult


class Format(StrEnum):
    markdown = "markdown"
    json = "json"
    table = "table"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


BaseRefOption = Annotated[
    str, typer.Option("--base-ref", help="The ref to compare with, e.g. origin/main (planned in a temporary git worktree).")
]
StacksOption = Annotated[str, typer.Option("--stacks", help="Comma-separated stacks to review.")]
FormatOption = Annotated[Format, typer.Option("--format", help="markdown (a pull-request comment), json, or table.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the report to this file instead of stdout.")]
AllowStatefulOption = Annotated[
    bool, typer.Option("--allow-stateful", help="Exit 0 despite stateful risks (a reviewed, intended data migration).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
StackFileOption = Annotated[
    str | None,
    typer.Option("--stack-file", help="With one stack: this stack file (a path in the repository, read on both sides)."),
]
TeamsDirOption = Annotated[
    str | None,
    typer.Option("--teams-dir", help="Team files from this directory (a path in the repository, read on both sides)."),
]


def review(
    base_ref: BaseRefOption,
    stacks: StacksOption = "dev,staging,prod",
    fmt: FormatOption = Format.table,
    out_path: OutOption = None,
    allow_stateful: AllowStatefulOption = False,
    as_json: JsonOption = False,
    stack_file: StackFileOption = None,
    teams_dir: TeamsDirOption = None,
) -> None:
    """Review a change: every stack's creates/updates/replaces/deletes, stateful risk, policy, cost and GPU deltas.

    Plans --base-ref (in a temporary git worktree, with that ref's own code) and the working tree, in parallel processes.

    Exit 0 ok, 1 a stateful resource could lose data (unless --allow-stateful) or a mandatory policy violation is new, 2 bad input or a plan that fails (the message names base or head).
    """
    if out_path is not None and out_path.is_dir():
        raise usage_error(f"--out {out_path}: is a directory; give a file path such as {out_path / 'review.md'}")
    fmt = Format.json if as_json else fmt
    machine_output = out_path is None and fmt is not Format.table
    result = _run_review(base_ref, [s.strip() for s in stacks.split(",") if s.strip()], stack_file, teams_dir, machine_output)
    _write(_render(result, fmt, out_path), out_path)
    raise typer.Exit(result.exit_code(allow_stateful=allow_stateful))


def _run_review(
    base_ref: str, stacks: list[str], stack_file: str | None, teams_dir: str | None, machine_output: bool
) -> ReviewResult:
    """Plan both sides; a bad input exits 2, an interrupt 130 (the base worktree removed first)."""
    from mlinfra.progress import progress, wants_progress
    from mlinfra.review import ReviewError
    from mlinfra.review_run import review as run_review

    # Ctrl-C and a cancelled CI job (SIGTERM) must remove the base worktree: raise, so `finally` runs.
    previous = signal.signal(signal.SIGINT, _interrupt), signal.signal(signal.SIGTERM, _interrupt)
    try:
        # On a terminal: plans done (base and head of each stack), their resources, time elapsed.
        with progress(f"reviewing against {base_ref}", enabled=wants_progress(machine_output=machine_output)) as tracker:
            return run_review(Path.cwd(), base_ref, stacks, stack_file=stack_file, teams_dir=teams_dir, tracker=tracker)
    except ReviewError as exc:
        raise usage_error(str(exc)) from None
    except KeyboardInterrupt:
        sys.stderr.write("mlinfra: interrupted (the base worktree was removed)\n")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])


def _render(result: ReviewResult, fmt: Format, out_path: Path | None) -> str:
    """The report as text; a table goes straight to the terminal unless it is written to a file."""
    from mlinfra.review_markdown import render_markdown
    from mlinfra.review_table import print_review

    if fmt is Format.markdown:
        return render_markdown(result)
    if fmt is Format.json:
        return json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"
    buffer = StringIO()
    print_review(Console(file=buffer, width=160, highlight=False, emoji=False, color_system=None) if out_path else out, result)
    return buffer.getvalue()


def _write(text: str, out_path: Path | None) -> None:
    if out_path is None:
        sys.stdout.write(text)
        return
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out_path, text)
    except OSError as exc:
        raise usage_error(f"--out {out_path}: cannot write: {exc.strerror or exc}") from None
