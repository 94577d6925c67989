"""A one-team change at organisation scale: plan time with the stack split in two, and without.

With N synthetic teams (default 500) in a temporary teams directory, one process times:

- one stack: `mlinfra plan --stack prod` (what a team's pull request previews without a split);
- tenants half: the tenants stack alone, its StackReference answered from the platform half's
  outputs (what the same pull request previews with the split: the platform is not re-run);
- platform half: for reference (what a platform change previews with the split).

The synthetic team shape is the one bench/plan_scale.py uses (a quota, lake grants, two Kafka
topics, one serving endpoint with a canary). Wall and process CPU time are both reported (the
machine is shared; CPU time is the steadier). Run: ``python bench/split.py [--teams 500] [--runs 1]``
(``make bench`` runs it); results go to bench/results/split.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mlinfra.engine import Plan, plan_stack, run_program  # noqa: E402
from mlinfra.split import platform_half, tenants_half  # noqa: E402
from stacks.loading import load_settings_and_config  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
# The same synthetic teams as the plan-scale benchmark, so the two measure the same shape.
from plan_scale import write_teams  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "results" / "split.json"


def _timed(fn: Any, runs: int) -> tuple[Plan, dict[str, float]]:
    walls, cpus = [], []
    plan = None
    for _ in range(runs):
        plan = None
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        plan = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert plan is not None
    return plan, {"wall": round(min(walls), 2), "cpu": round(min(cpus), 2)}


def child(kind: str, stack: str, teams_dir: Path, runs: int) -> dict[str, Any]:
    """In a fresh process (memory never mixes): the one stack, or the platform half then the tenants half."""
    settings, config = load_settings_and_config(stack, teams_dir=teams_dir)
    plan_stack("dev")  # imports and first-run costs outside every timing
    if kind == "one-stack":
        whole, timing = _timed(lambda: run_program(settings, config=config), runs)
        return {"one_stack": {"resources": len(whole.resources), **timing}}
    platform, platform_t = _timed(lambda: run_program(platform_half(settings), config=config), runs)
    references = {settings.stack: platform.outputs}
    platform_resources = len(platform.resources)
    del platform
    tenants, tenants_t = _timed(lambda: run_program(tenants_half(settings), config=config, stack_references=references), runs)
    return {
        "platform_half": {"resources": platform_resources, **platform_t},
        "tenants_half": {"resources": len(tenants.resources), **tenants_t},
    }


def measure(stack: str, teams: int, runs: int) -> dict[str, Any]:
    result: dict[str, Any] = {"stack": stack, "runs": runs}
    with tempfile.TemporaryDirectory(prefix="mlinfra-split-bench-") as tmp:
        teams_dir = Path(tmp)
        write_teams(teams_dir, teams)
        result["teams"] = len(list(teams_dir.glob("*.yaml")))
        for kind in ("one-stack", "split"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, "--stack", stack, "--teams-dir", str(teams_dir), "--runs", str(runs)],
                capture_output=True,
                text=True,
                check=True,
            )
            result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    result["team_change_cpu_ratio"] = round(result["one_stack"]["cpu"] / result["tenants_half"]["cpu"], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--teams", type=int, default=500, help="synthetic teams besides the shipped ones")
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (the fastest is reported)")
    parser.add_argument("--json", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--child", choices=["one-stack", "split"], help=argparse.SUPPRESS)
    parser.add_argument("--teams-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.stack, args.teams_dir, args.runs)))
        return
    result = measure(args.stack, args.teams, args.runs)
    print(
        f"{result['stack']} with {result['teams']} teams: a one-team change previews "
        f"{result['one_stack']['resources']} resources in {result['one_stack']['wall']} s "
        f"({result['one_stack']['cpu']} s CPU) as one stack, "
        f"{result['tenants_half']['resources']} in {result['tenants_half']['wall']} s "
        f"({result['tenants_half']['cpu']} s CPU) as the tenants half; "
        f"the platform half alone: {result['platform_half']['resources']} in {result['platform_half']['wall']} s"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
