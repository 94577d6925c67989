"""A throw-away git repository holding this project, for `mlinfra review` tests and the benchmark.

``copy_project`` copies the checkout as it is (tracked and untracked files, ignoring what
.gitignore ignores, so the review code under test is the one in the copy) into a new
repository with one commit; tests then commit crafted changes on top. Commits have a fixed
author and date; the base commit's hash still changes with the project, so goldens mask it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Review Test",
    "GIT_AUTHOR_EMAIL": "review@example.com",
    "GIT_COMMITTER_NAME": "Review Test",
    "GIT_COMMITTER_EMAIL": "review@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)} in {repo}: {done.stderr}"
    return done.stdout.strip()


def copy_project(dest: Path) -> Path:
    """``dest`` as a git repository (branch main) holding the project, committed once."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(dest, "init", "-q", "-b", "main")
    commit(dest, "copy of the project")
    return dest


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def edit(repo: Path, relative: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once) with ``new`` in one file of ``repo``."""
    path = repo / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{relative}: expected {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def worktrees(repo: Path) -> list[str]:
    return [line for line in git(repo, "worktree", "list", "--porcelain").splitlines() if line.startswith("worktree ")]


def mask_commit(text: str) -> str:
    """The base commit's hash changes with every change to the project: goldens hold a placeholder."""
    return re.sub(r"\(`[0-9a-f]{12}`\)", "(`<base commit>`)", text)


def team_file(name: str, *, gpu: int = 0) -> str:
    """A team file as `mlinfra team new` writes it (the same in every environment)."""
    env = f"""  quota:
    gpu: {gpu}
    cpu: "8"
    memory: "32Gi"
    pods: 50
  data_lake:
    raw: read
    features: read-write
  read_published: []
"""
    return f'name: "{name}"\nowners:\n  - "{name}-lead@example.com"\ncost_center: "{name}"\n\n' + "".join(
        f"{stage}:\n{env}\n" for stage in ("dev", "staging", "prod")
    )
