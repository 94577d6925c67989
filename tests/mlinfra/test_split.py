"""The platform/tenants split: both halves plan offline, the references resolve, nothing is renamed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from mlinfra.engine import UNKNOWN, Plan, PlannedResource, Secret, plan_stack
from mlinfra.split import SplitPlans, tenants_stack_name

PER_TEAM = ("mlinfra:tenancy:Team", "mlinfra:traffic:TeamAuthorization", "mlinfra:serving:ModelEndpoint")
ROOT = Path(__file__).resolve().parents[2]


def _one_stack_urn(urn: str, split_stack: str, stack: str) -> str:
    """A split URN as the one-stack deployment names it: its stack, KafkaTeams under KafkaCluster's alias."""
    urn = urn.replace(f"urn:pulumi:{split_stack}::", f"urn:pulumi:{stack}::", 1)
    return urn.replace("mlinfra:streaming:KafkaTeams", "mlinfra:streaming:KafkaCluster")


def _is_provider(r: PlannedResource) -> bool:
    return r.type.startswith("pulumi:providers:")


def test_the_union_of_both_halves_is_the_one_stack_plan(split_plans: tuple[Plan, SplitPlans]) -> None:
    whole, split = split_plans
    stack = whole.stack
    platform = {r.urn for r in split.platform.resources if not _is_provider(r)}
    tenants = {_one_stack_urn(r.urn, split.tenants.stack, stack) for r in split.tenants.resources if not _is_provider(r)}
    # Same names, types and parent chains: the state moves without a replacement.
    assert platform | tenants == {r.urn for r in whole.resources if not _is_provider(r)}
    # Only the Kafka component is in both: KafkaCluster's brokers in one, its team half (an alias
    # of it) in the other. Components are state only; every cloud resource has one home.
    assert platform & tenants == {f"urn:pulumi:{stack}::mlinfra::mlinfra:streaming:KafkaCluster::kafka"}
    # By type and name too, providers included (each half has its own default providers).
    by_name = {(r.type, r.name) for r in whole.resources}
    halves = {(r.type, r.name) for r in split.platform.resources} | {
        (r.type.replace("KafkaTeams", "KafkaCluster"), r.name) for r in split.tenants.resources
    }
    assert halves == by_name


def test_per_team_resources_live_in_the_tenants_half(split_plans: tuple[Plan, SplitPlans]) -> None:
    whole, split = split_plans
    assert split.tenants.stack == tenants_stack_name(whole.stack)
    for type_ in PER_TEAM:
        names = sorted(r.name for r in whole.of_type(type_))
        assert names, type_
        assert sorted(r.name for r in split.tenants.of_type(type_)) == names, type_
        assert not split.platform.of_type(type_), f"{type_} left in the platform half"
    # The cluster, lake and Kafka brokers stay in the platform half, unchanged.
    for type_ in ("aws:eks/cluster:Cluster", "aws:s3/bucket:Bucket", "mlinfra:compute:Cluster"):
        assert [r.inputs for r in split.platform.of_type(type_)] == [r.inputs for r in whole.of_type(type_)], type_
        assert not split.tenants.of_type(type_), type_


def _unknowns(value: Any, path: str = "") -> list[str]:
    if isinstance(value, Secret):
        return _unknowns(value.value, path)
    if isinstance(value, dict):
        return [u for k, v in value.items() for u in _unknowns(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [u for i, v in enumerate(value) for u in _unknowns(v, f"{path}[{i}]")]
    return [path] if value == UNKNOWN else []


def test_the_tenants_references_resolve(split_plans: tuple[Plan, SplitPlans]) -> None:
    whole, split = split_plans
    tenants, outputs = split.tenants, split.platform.outputs
    for r in tenants.resources:
        assert not _unknowns(r.inputs), f"{r.type} {r.name}: unknown inputs {_unknowns(r.inputs)}"
    provider = tenants.get("pulumi:providers:kubernetes", "cluster-k8s")
    assert isinstance(provider.inputs["kubeconfig"], Secret), "the kubeconfig stays a secret across the reference"
    assert provider.inputs["kubeconfig"] == outputs["kubeconfig"]
    # Every per-team input equals the one-stack plan's: same cluster, same lake, same Kafka.
    for r in tenants.resources:
        if not _is_provider(r) and r.custom:
            twin = whole.get(r.type, r.name)
            assert r.inputs == twin.inputs, f"{r.type} {r.name} differs from the one-stack plan"
    for team in ("recsys", "vision"):
        assert tenants.outputs["teams"][team] == whole.outputs["teams"][team]


def test_a_tenants_stack_file_plans_after_its_platform(tmp_path: Path, split_plans: tuple[Plan, SplitPlans]) -> None:
    whole, split = split_plans
    if whole.stack != "dev":
        return  # one environment is enough: the file path is the same for every stack
    stack_file = tmp_path / "Pulumi.dev-tenants.yaml"
    stack_file.write_text(
        "config:\n  aws:region: us-west-2\n  mlinfra:environment: dev\n  mlinfra:tenants_of: acme/mlinfra/dev\n"
    )
    plan = plan_stack("dev-tenants", stack_file=stack_file)
    assert {(r.type, r.name) for r in plan.resources} == {(r.type, r.name) for r in split.tenants.resources}


def test_plan_part_flag_is_checked() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mlinfra", "plan", "--part", "teams"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: --part teams: must be one of ['platform', 'tenants']"]
