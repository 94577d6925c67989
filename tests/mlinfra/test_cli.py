"""`mlinfra plan` end to end, as a user runs it (subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components.catalog.prices import HOURS_PER_MONTH

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlinfra", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_plan_prints_counts_tree_and_outputs(stack: str, tmp_path: Path) -> None:
    out = tmp_path / f"plan[{stack}].json"  # brackets: a path is printed literally, never as markup
    result = run("plan", "--stack", stack, "--json", str(out))
    assert result.returncode in (0, 1), result.stderr  # 1 = mandatory policy violations
    assert f"plan JSON written to {out}" in result.stdout
    assert "Resources by type" in result.stdout
    assert f"mlinfra-{stack}" in result.stdout and "Outputs" in result.stdout
    doc = json.loads(out.read_text())
    types = {s["newState"]["type"] for s in doc["steps"]}
    assert {"aws:ec2/vpc:Vpc", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:kms/key:Key"} <= types
    assert doc["outputs"]["kubeconfig"] == "[secret]"
    # The cost estimate is printed and written (figures: tests/components/catalog/test_cost.py).
    assert "Estimated monthly cost" in result.stdout
    cost = doc["cost"]
    assert cost["hoursPerMonth"] == HOURS_PER_MONTH and cost["currency"] == "USD"
    assert 0 < cost["monthlyMin"] < cost["monthlyMax"], cost
    assert {"cluster-system", "cluster-eks"} <= {i["name"] for i in cost["items"]}
    if stack == "prod":
        assert "gpu-training" in result.stdout and cost["gpusMax"] == 74, cost["gpusMax"]


def test_plan_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run("plan", "--stack", "dev", "--json", str(a)).returncode in (0, 1)
    assert run("plan", "--stack", "dev", "--json", str(b)).returncode in (0, 1)
    assert a.read_bytes() == b.read_bytes()


def test_config_error_exits_2_with_one_clear_message(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  aws:region: us-west-2\n  mlinfra:environment: dev\n  mlinfra:availability_zones: 9\n")
    result = run("plan", "--stack", "bad", "--stack-file", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "mlinfra:availability_zones: Input should be less than or equal to 6" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("kind", ["--stack-file", "--policy-config"])
def test_a_file_that_is_not_utf8_exits_2_naming_it(kind: str, tmp_path: Path) -> None:
    # stacks/errors.py read_config_text reads both stack files and policy configs.
    binary = tmp_path / ("bin.yaml" if kind == "--stack-file" else "bin.json")
    binary.write_bytes(b"\xff\xfe\x00")
    result = run("plan", "--stack", "x" if kind == "--stack-file" else "dev", kind, str(binary))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{binary}: -: not UTF-8 text" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("as_of", ["2030-13-01", "2030-02-30"])
def test_a_policy_config_date_that_is_not_a_date_exits_2(as_of: str, tmp_path: Path) -> None:
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"aws-eks-cluster-supported-version": {"asOf": as_of}}))
    result = run("plan", "--policy-config", str(config), "--stack", "dev")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{config}: aws-eks-cluster-supported-version.asOf: must be a date YYYY-MM-DD, got '{as_of}'" in result.stderr


def test_a_missing_policy_config_lists_the_shipped_files_by_path() -> None:
    result = run("plan", "--stack", "dev", "--policy-config", "missing.json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "missing.json: -: policy config file not found (shipped: policies/config/dev.json, " in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = run("plan", "--stak", "dev")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_every_command_has_help() -> None:
    result = run("--help")
    assert result.returncode == 0 and "plan" in result.stdout
    assert run("plan", "--help").returncode == 0


def test_json_path_that_is_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = run("plan", "--stack", "dev", "--json", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is a directory; give a file path" in result.stderr


def test_plan_piped_into_head_ends_quietly() -> None:
    result = subprocess.run(
        f"{sys.executable} -m mlinfra plan --stack dev | head -1",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.startswith("mlinfra plan stack dev")
    assert "BrokenPipeError" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "target,message",
    [
        ("/dev/full", "--json /dev/full: cannot write: No space left on device"),
        ("{file}/plan.json", "a parent of this path is a file, not a directory"),
    ],
)
def test_an_unwritable_json_path_is_a_usage_error(tmp_path: Path, target: str, message: str) -> None:
    a_file = tmp_path / "plain-file"
    a_file.write_text("x", encoding="utf-8")
    result = run("plan", "--stack", "dev", "--json", target.format(file=a_file))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_json_nested_thousands_deep_is_a_clear_error_in_every_reader(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    for args, message in (
        (("diff", "--base", str(deep), "--head", str(deep)), "not a plan: JSON nested too deeply"),
        (("verify", "--stack-outputs", str(deep)), "not stack outputs: JSON nested too deeply"),
        (("plan", "--stack", "dev", "--policy-config", str(deep)), "malformed JSON: nested too deeply"),
    ):
        result = run(*args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr, args


def test_ctrl_c_stops_a_plan_promptly_with_exit_130(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "plan.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlinfra", "plan", "--stack", "prod", "--json", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)  # inside the imports or the engine (a prod plan takes several seconds): it must stop at once
    proc.send_signal(signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("mlinfra plan did not stop within 10 s of Ctrl-C") from None
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert stderr.strip().splitlines()[-1] == "mlinfra: interrupted" and "Traceback" not in stderr, stderr
    assert not out.exists() and not list(tmp_path.glob(".plan.json.*")), "no half-written plan file"


def test_plan_schedule_prints_estimate_and_critical_path(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run("plan", "--stack", "dev", "--schedule", "--parallel", "16", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "Estimated `pulumi up` of an empty stack" in result.stdout and "Critical path" in result.stdout
    schedule = json.loads(out.read_text())["schedule"]
    assert schedule["parallel"] == 16
    assert schedule["estimate_seconds"] >= schedule["inherent_chain_seconds"] > 600
    path = [step["name"] for step in schedule["critical_path"]]
    assert "cluster-eks" in path and path[-1] in result.stdout
    # Each step's await beside it (components/catalog/awaits.py), in the table and the JSON.
    waits = {step["name"]: step.get("await") for step in schedule["critical_path"]}
    assert waits["cluster-eks"] is None and waits["cluster-system"]["timeout_seconds"] == 3600, waits
    assert "awaits (timeout)" in result.stdout and "node group ACTIVE" in result.stdout
    blocked = {a["urn"] for a in schedule["awaits"] if not a["finishes"]}
    assert set(schedule["awaits_cannot_finish"]) == blocked
    assert f"{len(blocked)} cannot finish on a first deploy" in result.stdout


def test_plan_tenants_part_schedules(tmp_path: Path) -> None:
    out = tmp_path / "tenants.json"
    result = run("plan", "--stack", "dev", "--part", "tenants", "--schedule", "--json", str(out))
    assert result.returncode == 0, result.stderr  # crashed: the StackReference was "not in the plan"
    # (Not "no Traceback": under load, two programs in one process may print an asyncio
    # "Exception ignored in BaseEventLoop.__del__" on exit, with or without --schedule.)
    assert "mlinfra crashed" not in result.stderr and "ScheduleError" not in result.stderr
    assert "Critical path" in result.stdout
    schedule = json.loads(out.read_text())["schedule"]
    assert schedule["estimate_seconds"] > 0 and schedule["awaits"]
    # Judged on the platform half: its node pools exist, so no await lacks a pool.
    assert not any(p["code"] == "no-pool" for a in schedule["awaits"] for p in a["problems"]), schedule["awaits"]
