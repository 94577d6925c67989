"""Benchmark of `mlinfra review`: prod, against a base ref, with 100 synthetic teams.

A temporary copy of this checkout becomes a git repository whose base commit holds 100 team
files; the change on top onboards one more team and raises 10 teams' CPU quotas. The review
runs as users run it (`python -m mlinfra review --stacks prod`: the base ref planned in a
temporary worktree, both plans in parallel processes). Prints the wall time and the peak RSS
of the largest process (the review or one plan; two plans run at once, so the machine needs
about twice that). Run with `make bench`; never a timed test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mlinfra.review_repo import PYTHON, commit, copy_project, team_file  # noqa: E402


def _teams(repo: Path, count: int) -> None:
    for i in range(count):
        (repo / "stacks" / "teams" / f"bench-{i:03d}.yaml").write_text(team_file(f"bench-{i:03d}"), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=100, help="synthetic teams in the base ref")
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--json", type=Path, help="write the numbers as JSON to this path")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mlinfra-bench-review-") as tmp:
        repo = copy_project(Path(tmp) / "repo")
        _teams(repo, args.teams)
        commit(repo, f"{args.teams} synthetic teams")
        (repo / "stacks" / "teams" / "bench-new.yaml").write_text(team_file("bench-new"), encoding="utf-8")
        for i in range(10):
            path = repo / "stacks" / "teams" / f"bench-{i:03d}.yaml"
            path.write_text(path.read_text(encoding="utf-8").replace('cpu: "8"', 'cpu: "16"'), encoding="utf-8")
        commit(repo, "one more team, ten CPU quotas raised")

        start = time.perf_counter()
        done = subprocess.run(
            [PYTHON, "-m", "mlinfra", "review", "--base-ref", "HEAD~1", "--stacks", args.stack, "--format", "json"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"review failed (exit {done.returncode}): {done.stderr.strip()}")
    [stack] = json.loads(done.stdout)["stacks"]
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    numbers = {
        "stack": args.stack,
        "teams": args.teams,
        "counts": stack["counts"],
        "review_seconds": round(seconds, 2),
        "peak_rss_mib_largest_process": round(peak_mib),
        "exit_code": done.returncode,
    }
    print(f"{'stack':8} {'teams':>5} {'resources':>9} {'changed':>7} {'wall s':>7} {'peak RSS MiB':>12}")
    changed = sum(v for k, v in stack["counts"].items() if k != "same")
    print(f"{args.stack:8} {args.teams:>5} {sum(stack['counts'].values()):>9} {changed:>7} {seconds:>7.1f} {peak_mib:>12.0f}")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n")


if __name__ == "__main__":
    main()
