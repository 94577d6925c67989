"""Budget (stack) rules and stateful-resource protection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pulumi_policy import StackValidationArgs

from policies.rules import _budget, mlinfra_gpu_budget, mlinfra_monthly_cost_budget, mlinfra_stateful_resources_protected
from tests.policies.support import check_resource, check_stack, resource


@dataclass(frozen=True)
class FakeEstimate:
    monthly_min: float
    monthly_max: float
    gpus_min: int
    gpus_max: int
    unpriced: tuple[str, ...] = ()


@pytest.fixture
def estimator() -> Iterator[list]:
    """A synthetic cost model: records what it was given, returns one GPU per node at max size."""
    calls: list = []

    def estimate(resources, region):
        resources = list(resources)
        calls.append((resources, region))
        gpus = sum(
            int(p.get("scalingConfig", {}).get("maxSize", 0)) for t, _, p in resources if t == "aws:eks/nodeGroup:NodeGroup"
        )
        return FakeEstimate(monthly_min=100.0, monthly_max=1000.0 * gpus, gpus_min=0, gpus_max=gpus)

    _budget.set_estimator(estimate)
    yield calls
    _budget.set_estimator(None)


def _stack(max_size: int) -> list:
    subnet = resource("aws:ec2/subnet:Subnet", "network-private-0", {"availabilityZone": "us-west-2a"})
    pool = resource(
        "aws:eks/nodeGroup:NodeGroup", "gpu-training", {"instanceTypes": ["g5.xlarge"], "scalingConfig": {"maxSize": max_size}}
    )
    return [subnet, pool]


def test_gpu_budget_exceeded_is_a_violation(estimator: list) -> None:
    found = check_stack(mlinfra_gpu_budget.POLICY, _stack(6), config={"maxGpus": 4})
    assert len(found) == 1 and "6 GPUs" in found[0][0] and "budget is 4" in found[0][0]
    resources, region = estimator[0]
    assert region == "us-west-2", "the region comes from the subnets' AZ when no provider says it"
    assert (
        "aws:eks/nodeGroup:NodeGroup",
        "gpu-training",
        {"instanceTypes": ["g5.xlarge"], "scalingConfig": {"maxSize": 6.0}},
    ) in resources


def test_gpu_budget_within_passes(estimator: list) -> None:
    assert check_stack(mlinfra_gpu_budget.POLICY, _stack(4), config={"maxGpus": 4}) == []


def test_cost_budget_exceeded_is_a_violation(estimator: list) -> None:
    found = check_stack(mlinfra_monthly_cost_budget.POLICY, _stack(6), config={"maxMonthlyCostUsd": 5000})
    assert len(found) == 1 and "$6,000/month" in found[0][0] and "$5,000" in found[0][0]


def test_cost_budget_unpriced_resources_fail_closed() -> None:
    _budget.set_estimator(
        lambda resources, region: FakeEstimate(0.0, 0.0, 0, 0, ("aws:eks/nodeGroup:NodeGroup gpu-x: no price",))
    )
    try:
        found = check_stack(mlinfra_monthly_cost_budget.POLICY, _stack(1), config={"maxMonthlyCostUsd": 5000})
    finally:
        _budget.set_estimator(None)
    assert len(found) == 1 and "cannot price" in found[0][0] and "gpu-x" in found[0][0]


def test_cost_budget_within_passes(estimator: list) -> None:
    assert check_stack(mlinfra_monthly_cost_budget.POLICY, _stack(5), config={"maxMonthlyCostUsd": 5000}) == []


def test_budgets_use_the_catalog_cost_model_by_default(prod_plan) -> None:
    from components.catalog.cost import estimate_plan
    from mlinfra.policy import stack_resources

    resources = stack_resources(prod_plan)
    est = _budget.estimate(StackValidationArgs(resources, {}, {}))
    assert _budget.region_of(StackValidationArgs(resources, {}, {})) == "us-east-1"
    assert (est.gpus_max, round(est.monthly_max)) == (
        estimate_plan(prod_plan).gpus_max,
        round(estimate_plan(prod_plan).monthly_max),
    )


PROTECTED = mlinfra_stateful_resources_protected.POLICY


@pytest.mark.parametrize("type_", ["aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:eks/cluster:Cluster"])
def test_unprotected_stateful_resource_is_a_violation(type_: str) -> None:
    messages = check_resource(PROTECTED, type_, {}, name="data-lake-raw", protect=False)
    assert messages and "data-lake-raw" in messages[0] and "protect=True" in messages[0]


def test_protected_stateful_and_unprotected_stateless_resources_pass() -> None:
    assert check_resource(PROTECTED, "aws:s3/bucket:Bucket", {}, protect=True) == []
    assert check_resource(PROTECTED, "aws:ec2/route:Route", {}, protect=False) == []
