"""Plan cost at organisation scale: the prod stack with N synthetic teams against the SDK floor.

For each N (default 0, 100, 500) the shipped team files plus N generated ones (a quota, lake
grants, two Kafka topics, one serving endpoint with a canary) go into a temporary teams
directory. Two fresh processes per N, so peak memory never mixes between sizes:

- plan: ``mlinfra.engine.plan_stack("prod", teams_dir=...)``, timed from before the first
  mlinfra import (cold) and again warm; counts the mocks' invokes; peak RSS.
- floor: the same plan's resources replayed through the provider SDK classes under
  do-nothing mocks with no mlinfra code (bench/sdk_floor.py), timed from before
  ``import pulumi``, cold and warm; peak RSS.

Wall time and process CPU time are both reported: the machine is shared, so CPU time is
the steadier of the two. Ratio = plan / floor. Run: ``python bench/plan_scale.py [--teams 0 100 500]``
(``make bench`` runs it); results go to bench/results/plan_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_TEAMS = ROOT / "stacks" / "teams"
DEFAULT_OUT = ROOT / "bench" / "results" / "plan_scale.json"


def team_file(i: int) -> str:
    """A synthetic team file: the shape of stacks/teams/*.yaml, every section the prod plan turns into resources."""
    name = f"synth{i:04d}"
    environments = "".join(
        f"{env}:\n"
        '  quota: {gpu: 0, cpu: "8", memory: 32Gi, pods: 50}\n'
        "  data_lake: {raw: read, features: read-write, models: read-write}\n"
        for env in ("dev", "staging", "prod")
    )
    return (
        f"name: {name}\n"
        f"owners: [owner{i}@example.com]\n"
        "cost_center: synthetic\n"
        f"{environments}"
        "serving:\n"
        "  predict:\n"
        f"    host: predict-{name}.ml.example.com\n"
        "    model: predict\n"
        '    stable: {version: "1", replicas: 1, gpu: 0}\n'
        '    canary: {version: "2", weight: 10, replicas: 1}\n'
        "kafka:\n"
        "  topics:\n"
        "    events: {partitions: 3, retention_hours: 24}\n"
        "    features: {partitions: 3, retention_hours: 24}\n"
    )


def write_teams(directory: Path, n: int) -> None:
    """The shipped team files plus ``n`` synthetic ones."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED_TEAMS.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    for i in range(n):
        (directory / f"synth{i:04d}.yaml").write_text(team_file(i), encoding="utf-8")


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict[str, float]:
    wall, cpu = _clock()
    return {"wall": round(wall - start[0], 3), "cpu": round(cpu - start[1], 3)}


def _peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_plan(stack: str, teams_dir: Path, runs: int, records_path: Path) -> dict[str, Any]:
    """In a fresh process: plan cold (imports included) and warm; invokes; peak RSS; the floor's input."""
    start = _clock()
    sys.path.insert(0, str(ROOT))
    from mlinfra import engine, mocks

    invokes: list[str] = []
    answer = mocks.PlatformMocks.call

    def counting_call(self: Any, args: Any) -> Any:
        invokes.append(args.token)
        return answer(self, args)

    mocks.PlatformMocks.call = counting_call  # type: ignore[method-assign]
    plan = engine.plan_stack(stack, teams_dir=teams_dir)
    cold = _since(start)
    cold_invokes = len(invokes)
    warm = []
    for _ in range(runs):
        start = _clock()
        plan = engine.plan_stack(stack, teams_dir=teams_dir)
        warm.append(_since(start))
    peak = _peak_rss_mib()
    sys.path.insert(0, str(ROOT / "bench"))
    from sdk_floor import floor_records

    records_path.write_text(json.dumps(floor_records(plan)), encoding="utf-8")
    return {
        "cold": cold,
        "warm": warm,
        "peak_rss_mib": peak,
        "resources": len(plan.resources),
        "invokes": cold_invokes,
        "invoke_tokens": sorted(set(invokes)),
    }


def child_floor(records_path: Path, runs: int) -> dict[str, Any]:
    """In a fresh process: the recorded resources through the SDK alone, cold and warm; peak RSS."""
    records = json.loads(records_path.read_text(encoding="utf-8"))  # reading the input is not the SDK's work
    start = _clock()
    sys.path.insert(0, str(ROOT / "bench"))
    from sdk_floor import replay

    registered = replay(records)
    cold = _since(start)
    warm = []
    for _ in range(runs):
        start = _clock()
        replay(records)
        warm.append(_since(start))
    return {"cold": cold, "warm": warm, "peak_rss_mib": _peak_rss_mib(), "registered": len(registered)}


def _run_child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench child {' '.join(args)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _best(measures: list[dict[str, float]], key: str) -> float:
    return min(m[key] for m in measures)


def measure(stack: str, n: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mlinfra-bench-") as tmp:
        teams_dir, records = Path(tmp) / "teams", Path(tmp) / "records.json"
        write_teams(teams_dir, n)
        plan = _run_child("--child-plan", stack, str(teams_dir), str(records), str(runs))
        floor = _run_child("--child-floor", str(records), str(runs))
    row: dict[str, Any] = {"teams": n, "resources": plan["resources"], "invokes": plan["invokes"], "plan": plan, "floor": floor}
    for key in ("wall", "cpu"):
        row[f"ratio_cold_{key}"] = round(plan["cold"][key] / floor["cold"][key], 3)
        if plan["warm"] and floor["warm"]:
            row[f"ratio_warm_{key}"] = round(_best(plan["warm"], key) / _best(floor["warm"], key), 3)
    return row


def slope(rows: list[dict[str, Any]], key: str, side: str = "plan") -> float:
    """Least-squares seconds per team of the cold run (measured at every N)."""
    xs = [r["teams"] for r in rows]
    ys = [r[side]["cold"][key] for r in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    return round(sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var, 4) if var else 0.0


def print_table(doc: dict[str, Any]) -> None:
    """Cold = a fresh process, imports included (what a user waits for); warm = planned again in it."""
    print(
        f"{'teams':>5} {'resources':>9} {'invokes':>7} | {'cold: plan cpu s':>16} {'floor cpu s':>11} {'ratio':>5} "
        f"{'plan wall s':>11} {'floor wall s':>12} {'ratio':>5} | {'warm: ratio cpu':>15} {'ratio wall':>10} | "
        f"{'plan RSS MiB':>12} {'floor RSS MiB':>13}"
    )
    for r in doc["results"]:
        p, f = r["plan"], r["floor"]
        print(
            f"{r['teams']:>5} {r['resources']:>9} {r['invokes']:>7} | {p['cold']['cpu']:>16} {f['cold']['cpu']:>11} "
            f"{r['ratio_cold_cpu']:>5} {p['cold']['wall']:>11} {f['cold']['wall']:>12} {r['ratio_cold_wall']:>5} | "
            f"{r.get('ratio_warm_cpu', '-'):>15} {r.get('ratio_warm_wall', '-'):>10} | {p['peak_rss_mib']:>12} {f['peak_rss_mib']:>13}"
        )
    print(
        f"slope (cold run): plan {doc['slope_cpu_s_per_team']} CPU s/team ({doc['slope_wall_s_per_team']} wall s/team), "
        f"floor {doc['floor_slope_cpu_s_per_team']} CPU s/team"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-plan":
        _, _, stack, teams_dir, records, runs = sys.argv
        print(json.dumps(child_plan(stack, Path(teams_dir), int(runs), Path(records))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-floor":
        _, _, records, runs = sys.argv
        print(json.dumps(child_floor(Path(records), int(runs))))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, nargs="+", default=[0, 100, 500], help="numbers of synthetic teams")
    parser.add_argument("--runs", type=int, default=2, help="warm runs per process after the cold one (the best is reported)")
    parser.add_argument(
        "--warm-up-to", type=int, default=100, help="warm runs only up to this many teams (a 500-team plan takes minutes)"
    )
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--json", type=Path, default=DEFAULT_OUT, help=f"results file (default {DEFAULT_OUT.relative_to(ROOT)})")
    args = parser.parse_args()

    rows = []
    for n in args.teams:
        rows.append(measure(args.stack, n, args.runs if n <= args.warm_up_to else 0))
        print(f"measured {n} teams", file=sys.stderr, flush=True)
    doc = {
        "stack": args.stack,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()},
        "results": rows,
        "slope_cpu_s_per_team": slope(rows, "cpu"),
        "slope_wall_s_per_team": slope(rows, "wall"),
        "floor_slope_cpu_s_per_team": slope(rows, "cpu", "floor"),
    }
    print_table(doc)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
