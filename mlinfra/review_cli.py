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
from typing import Annotated

import typer
from rich.console import Console

from mlinfra.console import EXIT_INTERRUPTED, out, usage_error, write_atomically


class Format(StrEnum):
    markdown = "markdown"
    json = "json"
    table = "table"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def review(
    base_ref: Annotated[
        str, typer.Option("--base-ref", help="The ref to compare with, e.g. origin/main (planned in a temporary git worktree).")
    ],
    stacks: Annotated[str, typer.Option("--stacks", help="Comma-separated stacks to review.")] = "dev,staging,prod",
    fmt: Annotated[Format, typer.Option("--format", help="markdown (a pull-request comment), json, or table.")] = Format.table,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the report to this file instead of stdout.")] = None,
    allow_stateful: Annotated[
        bool, typer.Option("--allow-stateful", help="Exit 0 despite stateful risks (a reviewed, intended data migration).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    stack_file: Annotated[
        str | None,
        typer.Option("--stack-file", help="With one stack: this stack file (a path in the repository, read on both sides)."),
    ] = None,
    teams_dir: Annotated[
        str | None,
        typer.Option("--teams-dir", help="Team files from this directory (a path in the repository, read on both sides)."),
    ] = None,
) -> None:
    """Review a change: every stack's creates/updates/replaces/deletes, stateful risk, policy, cost and GPU deltas.

    Plans --base-ref (in a temporary git worktree, with that ref's own code) and the working tree, in parallel processes.

    Exit 0 ok, 1 a stateful resource could lose data (unless --allow-stateful) or a mandatory policy violation is new, 2 bad input or a plan that fails (the message names base or head).
    """
    from mlinfra.progress import progress, wants_progress
    from mlinfra.review import ReviewError
    from mlinfra.review_markdown import render_markdown
    from mlinfra.review_run import review as run_review
    from mlinfra.review_table import print_review

    if out_path is not None and out_path.is_dir():
        raise usage_error(f"--out {out_path}: is a directory; give a file path such as {out_path / 'review.md'}")
    # Ctrl-C and a cancelled CI job (SIGTERM) must remove the base worktree: raise, so `finally` runs.
    previous = signal.signal(signal.SIGINT, _interrupt), signal.signal(signal.SIGTERM, _interrupt)
    try:
        # On a terminal: plans done (base and head of each stack), their resources, time elapsed.
        with progress(
            f"reviewing against {base_ref}",
            enabled=wants_progress(machine_output=out_path is None and (as_json or fmt is not Format.table)),
        ) as tracker:
            result = run_review(
                Path.cwd(),
                base_ref,
                [s.strip() for s in stacks.split(",") if s.strip()],
                stack_file=stack_file,
                teams_dir=teams_dir,
                tracker=tracker,
            )
    except ReviewError as exc:
        raise usage_error(str(exc)) from None
    except KeyboardInterrupt:
        sys.stderr.write("mlinfra: interrupted (the base worktree was removed)\n")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])

    fmt = Format.json if as_json else fmt
    if fmt is Format.markdown:
        text = render_markdown(result)
    elif fmt is Format.json:
        text = json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"
    else:
        buffer = StringIO()
        print_review(
            Console(file=buffer, width=160, highlight=False, emoji=False, color_system=None) if out_path else out, result
        )
        text = buffer.getvalue()
    if out_path is None:
        sys.stdout.write(text)
    else:
        try:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(out_path, text)
        except OSError as exc:
            raise usage_error(f"--out {out_path}: cannot write: {exc.strerror or exc}") from None
    raise typer.Exit(result.exit_code(allow_stateful=allow_stateful))
