"""Wall time of the fast commands, as a user runs them (`python -m mlinfra ...`, a fresh process each).

`--help`, `team list`, `team new`, `canary ...` and `diff` load neither pulumi_aws nor
pulumi_kubernetes (tests/mlinfra/test_fast_commands.py checks the imports); this measures
what that buys: the best of ``--runs`` runs per command, wall and CPU (user + system) time.
Team files go to a temporary copy of the shipped ones; `diff` compares a small plan JSON with
itself. Results: bench/results/cli_startup.json. Run by `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "cli_startup.json"


def _timed(args: list[str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mlinfra", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per command (the best is reported)")
    parser.add_argument("--json", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mlinfra-cli-bench-") as tmp:
        teams = Path(tmp) / "teams"
        shutil.copytree(ROOT / "stacks" / "teams", teams)
        plan = Path(tmp) / "plan.json"
        # A minimal offline plan document: `diff` reads and compares it (planning is not measured here).
        plan.write_text(
            json.dumps({"steps": [], "outputs": {}, "mlinfra": {"kind": "offline-plan", "stack": "dev"}}), encoding="utf-8"
        )
        t = ["--teams-dir", str(teams)]
        commands: dict[str, list[str]] = {
            "--help": ["--help"],
            "team list": ["team", "list", *t],
            "team new (--help)": ["team", "new", "--help"],
            "team new": ["team", "new", "bench-team", "--owner", "a@example.com", "--cost-center", "bench", *t],
            "canary set --dry-run": ["canary", "set", "recsys", "recommend", "--weight", "20", "--dry-run", *t],
            "canary promote --dry-run": ["canary", "promote", "recsys", "recommend", "--dry-run", *t],
            "diff": ["diff", "--base", str(plan), "--head", str(plan)],
        }
        rows: list[dict[str, Any]] = []
        for label, argv in commands.items():
            best_wall, best_cpu, code = float("inf"), float("inf"), 0
            for _ in range(args.runs):
                if label == "team new":
                    (teams / "bench-team.yaml").unlink(missing_ok=True)
                wall, cpu, code = _timed(argv)
                best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
            rows.append({"command": label, "exit": code, "wall_s": round(best_wall, 3), "cpu_s": round(best_cpu, 3)})

    print(f"{'command':28} {'exit':>4} {'wall s':>7} {'cpu s':>6}")
    for r in rows:
        print(f"{r['command']:28} {r['exit']:>4} {r['wall_s']:>7} {r['cpu_s']:>6}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    doc = {"runs": args.runs, "cpus": os.cpu_count(), "load_average": os.getloadavg(), "results": rows}
    args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
