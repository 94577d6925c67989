"""mlinfra/policy.py: enforcement, props and options like the analyzer, and `mlinfra plan`.

The config file handling (mlinfra/policy_config.py) is tested in test_policy_config.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi_policy import (
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from mlinfra.engine import UNKNOWN, Plan, PlannedResource, Secret
from mlinfra.policy import evaluate
from policies.pack import POLICIES_BY_NAME
from tests.policies.support import shipped_config
from tests.stacks.support import RECEIVERS_YAML

ROOT = Path(__file__).resolve().parents[2]


# -- evaluation: enforcement, props and options as the analyzer builds them ----------------------------
def _plan(*resources: PlannedResource) -> Plan:
    return Plan(stack="t", resources=list(resources), outputs={"region": "us-west-2"})


def _res(name: str, inputs: dict, **kw) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:t::mlinfra::test:index:Thing::{name}",
        type="test:index:Thing",
        name=name,
        parent=kw.pop("parent", ""),
        custom=True,
        inputs=inputs,
        **kw,
    )


def test_disabled_skips_remediate_reports_mandatory_and_advisory_stays_advisory() -> None:
    calls: list[str] = []

    def always(args, report):
        calls.append(args.name)
        report("fix it")

    policy = ResourceValidationPolicy(name="test-always", description="Always fails.", validate=always)
    plan = _plan(_res("a", {}))
    assert evaluate(plan, {"all": "disabled"}, policies=[policy]).violations == [] and calls == []
    assert [v.level for v in evaluate(plan, {"all": "remediate"}, policies=[policy]).violations] == ["mandatory"]
    advisory = evaluate(plan, {"all": "advisory"}, policies=[policy])
    assert [(v.level, v.name, v.message) for v in advisory.advisory] == [("advisory", "a", "fix it")] and not advisory.mandatory


def test_props_are_unwrapped_secrets_float_numbers_and_protect_and_parent_are_options() -> None:
    seen = {}

    def capture(args, report):
        seen.update(props=dict(args.props), protect=args.opts.protect, parent=args.opts.parent, config=dict(args.get_config()))

    schema = PolicyConfigSchema(properties={"limit": {"type": "integer", "default": 3}})
    policy = ResourceValidationPolicy(name="test-capture", description="Captures.", validate=capture, config_schema=schema)
    parent = "urn:pulumi:t::mlinfra::mlinfra:x:X::p"
    evaluate(_plan(_res("a", {"password": Secret("hunter2"), "size": 8}, protect=True, parent=parent)), policies=[policy])
    assert seen["props"]["password"] == "hunter2", "the analyzer hands rules plain secret values"
    assert seen["props"]["size"] == 8.0 and isinstance(seen["props"]["size"], float)
    assert seen["protect"] is True and seen["parent"] == parent and seen["config"] == {"limit": 3.0}


def test_reading_an_unknown_value_becomes_the_advisory_cant_run_diagnostic() -> None:
    def reads(args, report):
        if args.props["arn"].startswith("arn:"):
            report("never reached")

    policy = ResourceValidationPolicy(name="test-unknown", description="Reads an unknown.", validate=reads)
    result = evaluate(_plan(_res("a", {"arn": UNKNOWN})), policies=[policy])
    assert [(v.level, v.policy) for v in result.violations] == [("advisory", "test-unknown")]
    assert "can't be known during preview" in result.violations[0].message


def test_stack_policies_see_parents_and_property_dependencies_as_objects() -> None:
    seen = {}

    def capture(args, report):
        child = next(r for r in args.resources if r.name == "child")
        seen.update(parent=child.parent.name, deps={k: [d.name for d in v] for k, v in child.property_dependencies.items()})
        report("stack-wide")

    policy = StackValidationPolicy(name="test-stack", description="Stack.", validate=capture)
    parent = _res("parent", {})
    child = _res(
        "child", {"ref": "x"}, parent=parent.urn, dependencies=(parent.urn,), property_dependencies={"ref": (parent.urn,)}
    )
    result = evaluate(_plan(parent, child), policies=[policy])
    assert seen == {"parent": "parent", "deps": {"ref": ["parent"]}}
    assert [(v.urn, v.name) for v in result.violations] == [("", "")], "no urn: the stack as a whole"


def test_rules_given_no_config_behave_as_with_their_schema_defaults(dev_plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    # The analyzer hands a rule {} when the CLI sends it no properties; each rule's fallback in
    # code must then equal its schema default. The dev plan breaks several prod-strict defaults.
    from mlinfra import policy as module

    reconcile = module.reconcile
    with_defaults = evaluate(dev_plan, {})
    monkeypatch.setattr(module, "reconcile", lambda *a, **kw: {n: (lvl, {}) for n, (lvl, _) in reconcile(*a, **kw).items()})
    without_config = evaluate(dev_plan, {})
    assert len(with_defaults.names()) >= 4, "the dev plan should break several pack defaults"
    assert [(v.policy, v.urn, v.message) for v in without_config.violations] == [
        (v.policy, v.urn, v.message) for v in with_defaults.violations
    ]


def test_result_json_groups_summary_levels_and_violations() -> None:
    policy = POLICIES_BY_NAME["aws-kms-key-rotation-enabled"]
    key = PlannedResource(
        urn="urn:pulumi:t::mlinfra::aws:kms/key:Key::k",
        type="aws:kms/key:Key",
        name="k",
        parent="",
        custom=True,
        inputs={"enableKeyRotation": False},
    )
    doc = evaluate(_plan(key), policies=[policy], source="x.json").to_json()
    assert doc["config"] == "x.json" and doc["summary"] == {"mandatory": 1, "advisory": 0}
    assert doc["violations"][0]["policy"] == "aws-kms-key-rotation-enabled" and doc["violations"][0]["name"] == "k"
    assert doc["enforcementLevels"] == {"aws-kms-key-rotation-enabled": "mandatory"}


# -- `mlinfra plan` ------------------------------------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlinfra", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def pinned_config(tmp_path: Path, env: str, extra: dict | None = None) -> Path:
    """The shipped config file of ``env`` with the Kubernetes support date pinned, as a file."""
    path = tmp_path / f"{env}.json"
    path.write_text(json.dumps(shipped_config(env, **(extra or {}))))
    return path


@pytest.fixture
def cli_with_cached_plans(monkeypatch: pytest.MonkeyPatch):
    """`mlinfra plan` in-process on the session's cached plans (a fresh plan takes seconds)."""
    from dataclasses import replace

    from typer.testing import CliRunner

    from mlinfra import engine
    from mlinfra.cli import app
    from tests.conftest import cached_plan

    monkeypatch.setattr(engine, "plan_stack", lambda stack, **_: replace(cached_plan(stack), extras={}))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_plan_exits_0_on_the_shipped_stacks(stack: str, tmp_path: Path, cli_with_cached_plans) -> None:
    result = cli_with_cached_plans("plan", "--stack", stack, "--policy-config", str(pinned_config(tmp_path, stack)))
    assert result.exit_code == 0, result.output[-3000:]
    assert "Policy pack" in result.output and "passed - 0 mandatory" in result.output


def test_plan_uses_the_environment_config_by_default(cli_with_cached_plans) -> None:
    result = cli_with_cached_plans("plan", "--stack", "staging", "--json", "-")
    doc = json.loads(result.output)
    assert doc["policy"]["config"] == "policies/config/staging.json"
    assert doc["policy"]["enforcementLevels"]["mlinfra-stateful-resources-protected"] == "disabled"
    assert result.exit_code == (1 if doc["policy"]["summary"]["mandatory"] else 0)


def test_plan_prints_advisory_violations_and_exits_0(tmp_path: Path, cli_with_cached_plans) -> None:
    config = pinned_config(
        tmp_path, "dev", {"aws-eks-cluster-supported-version": {"enforcementLevel": "advisory", "asOf": "2099-01-01"}}
    )
    result = cli_with_cached_plans("plan", "--stack", "dev", "--policy-config", str(config))
    assert result.exit_code == 0, result.output[-3000:]
    assert "advisory aws-eks-cluster-supported-version" in result.output and "cluster-eks" in result.output
    assert "0 mandatory, 1 advisory" in result.output


def test_plan_exits_1_when_settings_allow_what_policy_forbids(tmp_path: Path) -> None:
    # Settings allow a 7-day KMS deletion window (AWS's minimum); prod's policy requires 30.
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(
        "config:\n  aws:region: us-east-1\n  mlinfra:environment: prod\n  mlinfra:kms_deletion_window_days: 7\n" + RECEIVERS_YAML
    )
    out = tmp_path / "plan.json"
    result = run(
        "plan",
        "--stack",
        "prod",
        "--stack-file",
        str(stack_file),
        "--policy-config",
        str(pinned_config(tmp_path, "prod")),
        "--json",
        str(out),
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    assert "mandatory aws-kms-key-deletion-window" in result.stdout
    assert "cluster-secrets" in result.stdout and "data-lake-key" in result.stdout, "every offending key is named"
    policy = json.loads(out.read_text())["policy"]
    assert {(v["policy"], v["name"]) for v in policy["violations"]} == {
        ("aws-kms-key-deletion-window", "cluster-secrets"),
        ("aws-kms-key-deletion-window", "data-lake-key"),
        ("aws-kms-key-deletion-window", "data-lake-replica-key"),
        ("aws-kms-key-deletion-window", "kafka-key"),
        ("aws-kms-key-deletion-window", "cluster-control-plane"),
        ("aws-kms-key-deletion-window", "network-flow-logs"),
    }


def test_plan_exits_2_on_a_bad_policy_config_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"mlinfra-gpu-budget": {"maxGpus": -1}}))
    result = run("plan", "--stack", "dev", "--policy-config", str(bad))
    assert result.returncode == 2
    assert f"{bad}: mlinfra-gpu-budget.maxGpus:" in result.stderr and "minimum" in result.stderr
    assert "Resources by type" not in result.stdout, "nothing is planned on a bad config"
