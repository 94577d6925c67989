"""Plan a base ref and the working tree, each with its own code, in parallel processes.

The base ref is checked out into a temporary, detached ``git worktree`` and planned there with
`python -m mlinfra plan --json`, so the base's plan comes from the base's own program, settings,
policy pack and price catalog, exactly as that branch's CI would compute it. The worktree is
removed (``git worktree remove --force``, then ``git worktree prune``) in a ``finally``: after
success, after a failing plan, and after Ctrl-C or SIGTERM (mlinfra/review_cli.py turns both into
``KeyboardInterrupt`` for this command, and the running plans are terminated first).

Every problem is a ``ReviewError`` with one line that names the side (base or head).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlinfra.diff_input import DiffError
from mlinfra.review import ReviewError, ReviewResult, review_stack

if TYPE_CHECKING:
    from mlinfra.progress import Tracker

STACK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_PLAN_TIMEOUT_S = 1800


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ReviewError("git is not installed (mlinfra review plans the base ref in a `git worktree`)") from None


def repository_root(cwd: Path) -> Path:
    found = _git(cwd, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        raise ReviewError(f"{cwd}: not a git repository (run mlinfra review inside a checkout of the project)")
    return Path(found.stdout.strip())


def resolve_ref(repo: Path, ref: str) -> str:
    """The commit ``ref`` names; a ref that is not one (or starts with ``-``) is bad input."""
    found = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if ref.startswith("-") or found.returncode != 0 or not found.stdout.strip():
        raise ReviewError(f"--base-ref {ref!r}: unknown revision in {repo} (try `git fetch origin` and origin/main)")
    return found.stdout.strip()


def check_stacks(repo: Path, stacks: Sequence[str], stack_file: str | None) -> None:
    if not stacks:
        raise ReviewError("--stacks: give at least one stack, e.g. --stacks dev,staging,prod")
    for stack in stacks:
        if not STACK_NAME.match(stack):
            raise ReviewError(f"--stacks: {stack!r} is not a stack name (lower-case letters, digits and '-')")
        if stack_file is None and not (repo / "stacks" / f"Pulumi.{stack}.yaml").is_file():
            known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (repo / "stacks").glob("Pulumi.*.yaml"))
            raise ReviewError(f"--stacks: no stack {stack!r} (stacks/Pulumi.{stack}.yaml); known: {', '.join(known)}")
    if stack_file is not None and len(stacks) != 1:
        raise ReviewError("--stack-file: give exactly one stack with it (--stacks NAME)")


@contextmanager
def base_worktree(repo: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of ``commit`` in a temporary directory, removed whatever happens."""
    parent = Path(tempfile.mkdtemp(prefix="mlinfra-review-"))
    tree = parent / "base"
    try:
        added = _git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        if added.returncode != 0:
            raise ReviewError(f"base: git worktree add {commit[:12]} failed: {_last_line(added.stderr)}")
        yield tree
    finally:
        _git(repo, "worktree", "remove", "--force", str(tree))
        _git(repo, "worktree", "prune")
        shutil.rmtree(parent, ignore_errors=True)


@dataclass(frozen=True)
class PlanJob:
    side: str
    """``base`` or ``head``."""
    label: str
    """What the side is, for messages: ``base (origin/main)``, ``head (working tree)``."""
    stack: str
    tree: Path
    out: Path
    stack_file: str | None = None
    teams_dir: str | None = None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "mlinfra", "plan", "--stack", self.stack, "--json", str(self.out)]
        # Paths are the repository's, read in each tree: the base's team files come from the base.
        if self.stack_file is not None:
            cmd += ["--stack-file", str(self.tree / self.stack_file)]
        if self.teams_dir is not None:
            cmd += ["--teams-dir", str(self.tree / self.teams_dir)]
        return cmd


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _failure(job: PlanJob, code: int, stderr: str) -> ReviewError:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if "Traceback (most recent call last):" in stderr or not lines:
        detail = f"crashed: {_last_line(stderr)}"
    else:
        # `error: 2 configuration problem(s); nothing was planned` + one indented line per problem.
        problems = [line for line in lines if not line.startswith("error:")] or lines
        detail = "; ".join(line.removeprefix("error: ") for line in problems[:5])
    return ReviewError(f"{job.label}: `mlinfra plan --stack {job.stack}` failed (exit {code}): {detail}")


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)  # that tree's code, never an installed or outer copy
    env.pop("PYTHONSTARTUP", None)
    return env


def run_plans(jobs: Sequence[PlanJob], workers: int, tracker: Tracker | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """Run every job, ``workers`` at a time; (side, stack) -> the plan document.

    The first failure stops the rest (they are terminated) and is raised as a ReviewError.
    ``tracker`` (mlinfra/progress.py) hears of each finished plan: its resources and its name.
    """
    pending: list[PlanJob] = list(jobs)
    running: list[tuple[PlanJob, subprocess.Popen[str]]] = []
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    started: dict[int, float] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.pop(0)
                proc = subprocess.Popen(
                    job.command(), cwd=job.tree, env=_env(job.tree), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
                )
                started[id(proc)] = time.monotonic()
                running.append((job, proc))
            for job, proc in list(running):
                if proc.poll() is None:
                    if time.monotonic() - started[id(proc)] > _PLAN_TIMEOUT_S:
                        raise ReviewError(f"{job.label}: `mlinfra plan --stack {job.stack}` took over {_PLAN_TIMEOUT_S} s")
                    continue
                running.remove((job, proc))
                stderr = proc.stderr.read() if proc.stderr else ""
                doc = docs[(job.side, job.stack)] = _read_plan(job, proc.returncode, stderr)
                if tracker is not None:
                    tracker.advance(len(doc["steps"]))
                    tracker.stack_done(f"{job.stack} ({job.side})")
            time.sleep(0.05)
    finally:
        for _, proc in running:
            proc.terminate()
        for _, proc in running:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr:
                proc.stderr.close()
    return docs


def _read_plan(job: PlanJob, code: int, stderr: str) -> dict[str, Any]:
    # Ctrl-C in a terminal reaches the plans too; they may end before this process notices its own.
    if code in (130, -2):
        raise KeyboardInterrupt
    # 0 = planned, 1 = planned with mandatory violations (the JSON is written first); else failed.
    if code not in (0, 1) or not job.out.is_file():
        raise _failure(job, code, stderr)
    try:
        doc = json.loads(job.out.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReviewError(f"{job.label}: the plan of stack {job.stack} is not readable JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise ReviewError(f"{job.label}: the plan of stack {job.stack} has no 'steps' list")
    return doc


def review(
    cwd: Path,
    base_ref: str,
    stacks: Sequence[str],
    *,
    stack_file: str | None = None,
    teams_dir: str | None = None,
    workers: int | None = None,
    tracker: Tracker | None = None,
) -> ReviewResult:
    """Plan ``base_ref`` and the working tree for each stack and compare them (``tracker``: progress)."""
    repo = repository_root(cwd)
    commit = resolve_ref(repo, base_ref)
    check_stacks(repo, stacks, stack_file)
    for option, value in (("--stack-file", stack_file), ("--teams-dir", teams_dir)):
        if value is not None and (Path(value).is_absolute() or ".." in Path(value).parts):
            raise ReviewError(
                f"{option} {value}: give a path inside the repository (it is read in the base ref and in the working tree)"
            )
    with base_worktree(repo, commit) as base_tree, tempfile.TemporaryDirectory(prefix="mlinfra-review-plans-") as tmp:
        sides = (("base", f"base ({base_ref})", base_tree), ("head", "head (working tree)", repo))
        # Base and head of one stack side by side, so the two refs always plan in parallel.
        jobs = [
            PlanJob(side, label, stack, tree, Path(tmp) / f"{side}-{stack}.json", stack_file, teams_dir)
            for stack in stacks
            for side, label, tree in sides
        ]
        docs = run_plans(jobs, workers or max(2, min(len(jobs), os.cpu_count() or 2)), tracker)
        try:
            reviews = tuple(
                review_stack(
                    stack,
                    docs[("base", stack)],
                    docs[("head", stack)],
                    base_path=Path(tmp) / f"base-{stack}.json",
                    head_path=Path(tmp) / f"head-{stack}.json",
                )
                for stack in stacks
            )
        except DiffError as exc:
            raise ReviewError(str(exc)) from None
    return ReviewResult(base_ref=base_ref, base_commit=commit, stacks=reviews)
