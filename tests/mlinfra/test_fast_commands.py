"""The fast commands (`--help`, `team list|new`, `canary ...`, `diff`) never load the Pulumi provider SDKs.

pulumi_aws and pulumi_kubernetes take seconds to import; only commands that plan need them.
Each command runs in one fresh interpreter (a subprocess: what is imported is the property
under test), in the order below, and ``sys.modules`` is read after each. Timing is
bench/cli_startup.py's business, never a test's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from mlinfra.engine import Plan
from stacks.loading import DEFAULT_TEAMS_DIR
from stacks.teams import SCHEMA_FILE

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_SDKS = ("pulumi_aws", "pulumi_kubernetes")

_SCRIPT = """
import json, sys
from typer.testing import CliRunner
from mlinfra.cli import app

runner, report = CliRunner(), []
for args in json.loads(sys.argv[1]):
    result = runner.invoke(app, args)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {sdks!r})
    report.append({{"args": args, "exit": result.exit_code, "output": result.output, "loaded": loaded}})
print(json.dumps(report))
"""


def test_fast_commands_do_not_import_the_provider_sdks(tmp_path: Path, dev_plan: Plan) -> None:
    teams = tmp_path / "teams"
    teams.mkdir()
    for name in ("recsys.yaml", "vision.yaml", SCHEMA_FILE):
        shutil.copy(DEFAULT_TEAMS_DIR / name, teams)
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(dev_plan.dumps(), encoding="utf-8")
    t = ["--teams-dir", str(teams)]
    commands = [
        ["--help"],
        ["team", "list", "--json", *t],
        ["team", "new", "nlp", "--owner", "li.wei@example.com", "--cost-center", "nlp", *t],
        ["canary", "set", "recsys", "recommend", "--weight", "25", *t],
        ["canary", "promote", "recsys", "recommend", "--dry-run", *t],
        ["canary", "rollback", "recsys", "recommend", "--dry-run", "--json", *t],
        ["diff", "--base", str(plan_json), "--head", str(plan_json), "--json"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(sdks=set(PROVIDER_SDKS)), json.dumps(commands)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert [r["args"] for r in report] == commands
    for entry in report:
        # Exit 0: the command's real work ran (a usage error would leave early and prove nothing).
        assert entry["exit"] == 0, entry
        assert entry["loaded"] == [], f"mlinfra {' '.join(entry['args'])} imported {entry['loaded']}"
    # The commands really worked: the new team file and the canary weight were written.
    assert (teams / "nlp.yaml").is_file()
    assert "weight: 25" in (teams / "recsys.yaml").read_text(encoding="utf-8")
    assert json.loads(report[-1]["output"])["changes"] == []  # a plan against itself changes nothing
