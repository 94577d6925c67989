"""`python -m mlinfra review` as CI runs it, in a temporary git repository: exit codes and clean-up.

One repository per module: a copy of the project (commit ``copy``), a commit that onboards a
team (``onboard``: the clean case, exit 0, golden comment), and a commit whose team file does
not load (``broken``: a failing plan on either side, exit 2 naming the side). Each failing
run's temporary files go to a TMPDIR of its own, checked empty afterwards.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._golden import assert_golden_text
from tests.mlinfra.review_repo import PYTHON, ROOT, commit, copy_project, git, mask_commit, team_file, worktrees


@dataclass(frozen=True)
class Repo:
    path: Path
    copy: str
    onboard: str
    broken: str


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    path = copy_project(tmp_path_factory.mktemp("review-cli") / "repo")
    git(path, "branch", "before-onboarding")
    copy = "before-onboarding"  # a name, not a hash: the golden comment shows the ref as given
    (path / "stacks/teams/fraud.yaml").write_text(team_file("fraud"), encoding="utf-8")
    onboard = commit(path, "onboard team fraud")
    (path / "stacks/teams/broken.yaml").write_text(team_file("broken").replace("pods: 50", "pods: many"), encoding="utf-8")
    broken = commit(path, "a team file that does not load")
    git(path, "checkout", "-q", onboard)
    return Repo(path, copy, onboard, broken)


def run(cwd: Path, *args: str, tmpdir: Path | None = None, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    # No PYTHONPATH: the copy's own code runs (`python -m` puts the working directory first).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    if tmpdir is not None:
        tmpdir.mkdir(exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run(
        [PYTHON, "-m", "mlinfra", "review", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_onboarding_a_team_is_a_clean_review_exit_0(repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "review.md"
    done = run(
        repo.path, "--base-ref", repo.copy, "--stacks", "dev", "--format", "markdown", "--out", str(out), tmpdir=tmp_path / "tmp"
    )
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "\n- dev: +26 ~0 -0 ±0 · policy ok · ±$0/mo · GPUs ±0 · no data at risk\n" in text, text[:400]
    assert "STATEFUL RISK" not in text
    assert_golden_text("review/onboard-team-dev.md", mask_commit(text))
    assert worktrees(repo.path) == [f"worktree {repo.path}"] and not list((tmp_path / "tmp").iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base-ref", "no-such-branch"), "error: --base-ref 'no-such-branch': unknown revision in"),
        (("--base-ref", "--upload-pack=x"), "unknown revision"),
        (("--base-ref", "HEAD", "--stacks", "dev,Prod"), "error: --stacks: 'Prod' is not a stack name"),
        (
            ("--base-ref", "HEAD", "--stacks", "qa"),
            "error: --stacks: no stack 'qa' (stacks/Pulumi.qa.yaml); known: dev, prod, staging",
        ),
        (
            ("--base-ref", "HEAD", "--stacks", "dev,prod", "--stack-file", "stacks/Pulumi.dev.yaml"),
            "--stack-file: give exactly one stack",
        ),
        (("--base-ref", "HEAD", "--stacks", "dev", "--teams-dir", "/etc"), "--teams-dir /etc: give a path inside the repository"),
    ],
)
def test_bad_input_exits_2_with_one_line(repo: Repo, args: tuple[str, ...], message: str) -> None:
    done = run(repo.path, *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_outside_a_git_repository_exits_2(tmp_path: Path) -> None:
    done = run(tmp_path, "--base-ref", "main", pythonpath=ROOT)  # as if installed
    assert done.returncode == 2 and f"error: {tmp_path}: not a git repository" in done.stderr, done.stderr


@pytest.mark.parametrize("side", ["head", "base"])
def test_a_failing_plan_names_its_side_exits_2_and_leaves_no_worktree(repo: Repo, tmp_path: Path, side: str) -> None:
    if side == "head":
        git(repo.path, "checkout", "-q", repo.broken)
        base = repo.onboard
    else:
        base = repo.broken
    try:
        done = run(repo.path, "--base-ref", base, "--stacks", "dev", "--format", "markdown", tmpdir=tmp_path / "tmp")
    finally:
        git(repo.path, "checkout", "-q", repo.onboard)
    label = "head (working tree)" if side == "head" else f"base ({base})"
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert line.startswith(f"error: {label}: `mlinfra plan --stack dev` failed (exit 2): "), line
    assert "stacks/teams/broken.yaml: dev.quota.pods" in line and len(line.splitlines()) == 1, line
    assert done.stdout == ""
    assert worktrees(repo.path) == [f"worktree {repo.path}"], worktrees(repo.path)
    assert not list((tmp_path / "tmp").iterdir()), list((tmp_path / "tmp").iterdir())


def test_ctrl_c_removes_the_worktree_and_exits_130(repo: Repo, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    (tmp_path / "tmp").mkdir()
    env["TMPDIR"] = str(tmp_path / "tmp")
    proc = subprocess.Popen(
        [PYTHON, "-m", "mlinfra", "review", "--base-ref", repo.copy, "--stacks", "dev"],
        cwd=repo.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(worktrees(repo.path)) < 2:  # wait until the base worktree exists and the plans run
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.1)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "interrupted (the base worktree was removed)" in stderr, stderr
    assert worktrees(repo.path) == [f"worktree {repo.path}"], worktrees(repo.path)
    assert not list((tmp_path / "tmp").iterdir()), list((tmp_path / "tmp").iterdir())


def test_a_crash_exits_2_never_1() -> None:
    """A bug ends with its traceback and exit 2: scripts that accept 1 ("policy violations") must not pass it."""
    code = "import mlinfra.cli as cli\ndef boom(**kwargs):\n    raise RuntimeError('boom')\ncli.app = boom\ncli.main()\n"
    done = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "RuntimeError: boom" in done.stderr and "error: mlinfra crashed (a bug" in done.stderr, done.stderr


def _readme_review_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- section:review -->", 1)[1].split("<!-- /section:review -->", 1)[0]


def test_readme_flags_table_lists_every_option_of_the_command() -> None:
    import typer.main

    from mlinfra.cli import app

    command = typer.main.get_command(app).commands["review"]  # type: ignore[attr-defined]
    options = {opt for param in command.params for opt in param.opts if opt.startswith("--")} - {"--help"}
    rows = [line for line in _readme_review_section().splitlines() if line.startswith("| `--")]
    documented = {flag.split()[0] for row in rows for flag in re.findall(r"`(--[a-z-]+[^`]*)`", row.split("|")[1])}
    assert documented == options, (sorted(documented), sorted(options))


def test_readme_shows_a_comment_in_the_current_format() -> None:
    section = _readme_review_section()
    comment = section[section.index("<!-- mlinfra-review -->") :]
    lines = [line for line in comment.splitlines() if line.startswith("- ")]
    summary = re.compile(
        r"^- (dev|staging|prod): \+\d+ ~\d+ -\d+ ±\d+ · policy ok · [±+-]\$[\d,]+/mo · GPUs [±+-]\d+ · no data at risk$"
    )
    assert [summary.match(line) is not None for line in lines] == [True, True, True], lines
    assert comment.count("<details>") == 3 and comment.count("</details>") == 3


def test_a_split_environment_reviews_both_stacks_and_a_team_change_touches_only_tenants(tmp_path: Path) -> None:
    """A team onboarded in a split environment (README, "Splitting the stack"): the platform stack
    shows nothing to do, the tenants stack (planned on the platform plan's outputs) the new team."""
    path = copy_project(tmp_path / "split-repo")
    (path / "stacks/Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  mlinfra:environment: dev\n  mlinfra:split: true\n", encoding="utf-8"
    )
    (path / "stacks/Pulumi.dev-tenants.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  mlinfra:environment: dev\n  mlinfra:tenants_of: acme/mlinfra/dev\n",
        encoding="utf-8",
    )
    commit(path, "split dev into platform and tenants")
    (path / "stacks/teams/fraud.yaml").write_text(team_file("fraud"), encoding="utf-8")
    done = run(path, "--base-ref", "HEAD", "--stacks", "dev,dev-tenants", "--format", "json")
    assert done.returncode == 0, done.stderr
    stacks = {s["stack"]: s for s in json.loads(done.stdout)["stacks"]}
    platform, tenants = stacks["dev"]["counts"], stacks["dev-tenants"]["counts"]
    assert platform["create"] == platform["update"] == platform["delete"] == platform["replace"] == 0, platform
    assert platform["same"] > 100, platform  # the platform itself was planned, and is unchanged
    assert tenants["create"] > 0 and tenants["delete"] == tenants["replace"] == 0, tenants
    created = {c["name"] for c in stacks["dev-tenants"]["changes"] if c["op"] == "create"}
    assert {"team-fraud", "team-fraud-namespace"} <= created, created
    assert worktrees(path) == [f"worktree {path}"]
