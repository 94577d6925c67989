"""Benchmark of the offline engine: wall time and peak memory of planning each stack,
plus the offline policy evaluation and the cost estimate of that plan.

Run with `make bench`. Prints one row per stack (median of N runs) and, with --json,
writes the numbers for comparison between commits. Benchmarks live here, never as timed
assertions in tests/.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.catalog import cost  # noqa: E402
from mlinfra import policy  # noqa: E402
from mlinfra.engine import plan_stack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per stack (median is reported)")
    parser.add_argument("--stacks", nargs="+", default=["dev", "staging", "prod"])
    parser.add_argument("--json", type=Path, help="write results as JSON to this path")
    args = parser.parse_args()

    results = []
    for stack in args.stacks:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            plan = plan_stack(stack)
            times.append(time.perf_counter() - start)
        json_start = time.perf_counter()
        size = len(plan.dumps())
        json_seconds = time.perf_counter() - json_start
        policy_start = time.perf_counter()
        result = policy.evaluate_file(plan, policy.environment_config_path(plan.outputs["environment"]))
        policy_seconds = time.perf_counter() - policy_start
        cost_start = time.perf_counter()
        cost.estimate_plan(plan)
        cost_seconds = time.perf_counter() - cost_start
        results.append(
            {
                "stack": stack,
                "resources": len(plan.resources),
                "plan_seconds_median": round(statistics.median(times), 3),
                "plan_seconds_min": round(min(times), 3),
                "json_seconds": round(json_seconds, 3),
                "json_bytes": size,
                "policy_seconds": round(policy_seconds, 3),
                "policy_mandatory_violations": len(result.mandatory),
                "cost_seconds": round(cost_seconds, 3),
            }
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'stack':10} {'resources':>9} {'median s':>9} {'min s':>7} {'json s':>7} {'json KiB':>9} {'policy s':>9} {'cost s':>7}"
    )
    for r in results:
        print(
            f"{r['stack']:10} {r['resources']:>9} {r['plan_seconds_median']:>9} {r['plan_seconds_min']:>7} "
            f"{r['json_seconds']:>7} {r['json_bytes'] // 1024:>9} {r['policy_seconds']:>9} {r['cost_seconds']:>7}"
        )
    print(f"peak RSS of the process: {peak_mib:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "peak_rss_mib": round(peak_mib)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
