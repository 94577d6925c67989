"""The cost estimate: hand-computed figures for small plans and for the shipped stacks' plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.catalog.cost import ESTIMATORS, estimate, estimate_plan, register
from mlinfra.engine import Plan

ROOT = Path(__file__).resolve().parents[3]
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"

SMALL = [
    ("aws:ec2/natGateway:NatGateway", "nat", {"connectivityType": "public"}),
    ("aws:eks/cluster:Cluster", "eks", {"upgradePolicy": {"supportType": "STANDARD"}}),
    (NODE_GROUP, "gpu", {"instanceTypes": ["g5.xlarge"], "capacityType": "SPOT", "scalingConfig": {"minSize": 0, "maxSize": 2}}),
    (NODE_GROUP, "system", {"instanceTypes": ["m6i.large"], "scalingConfig": {"minSize": 2, "maxSize": 3}}),
    ("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"}),  # free: no estimator
]


def test_small_plan_equals_hand_computed_figures() -> None:
    result = estimate(SMALL, "us-west-2")
    # NAT 0.045 x 730 = 32.85; EKS 0.10 x 730 = 73.00; g5.xlarge 1.006 x 730 x 0..2 = 0..1468.76;
    # m6i.large 0.096 x 730 x 2..3 = 140.16..210.24.
    by_name = {i.name: i for i in result.items}
    assert by_name["nat"].monthly_min == pytest.approx(32.85)
    assert by_name["eks"].monthly_max == pytest.approx(73.00)
    assert (by_name["gpu"].monthly_min, by_name["gpu"].monthly_max) == (0, pytest.approx(1468.76))
    assert (by_name["system"].monthly_min, by_name["system"].monthly_max) == (pytest.approx(140.16), pytest.approx(210.24))
    assert result.monthly_min == pytest.approx(32.85 + 73.00 + 140.16)
    assert result.monthly_max == pytest.approx(32.85 + 73.00 + 1468.76 + 210.24)
    assert (result.gpus_min, result.gpus_max) == (0, 2)
    assert by_name["gpu"].kind == "gpu-nodes" and by_name["system"].kind == "nodes"
    assert "vpc" not in by_name


def test_regional_prices_apply() -> None:
    result = estimate([("aws:ec2/natGateway:NatGateway", "nat", {})], "ap-northeast-1")
    assert result.monthly_max == pytest.approx(0.062 * 730)


def test_a_pool_of_several_types_spans_cheapest_to_dearest() -> None:
    pool = (NODE_GROUP, "mixed", {"instanceTypes": ["g5.xlarge", "g5.12xlarge"], "scalingConfig": {"minSize": 1, "maxSize": 2}})
    (item,) = estimate([pool], "us-east-1").items
    assert item.monthly_min == pytest.approx(1.006 * 730) and item.monthly_max == pytest.approx(2 * 5.672 * 730)
    assert (item.gpus_min, item.gpus_max) == (1, 8)


def test_extended_support_is_the_default_eks_price() -> None:
    (item,) = estimate([("aws:eks/cluster:Cluster", "eks", {})], "us-east-1").items
    assert item.monthly_max == pytest.approx(0.60 * 730), "without an upgrade policy EKS bills extended support"


def test_unknown_instance_type_is_listed_not_guessed() -> None:
    result = estimate(
        [(NODE_GROUP, "odd", {"instanceTypes": ["x2iedn.xlarge"], "scalingConfig": {"minSize": 1, "maxSize": 1}})], "us-east-1"
    )
    assert result.items == ()
    assert result.unpriced == (
        "aws:eks/nodeGroup:NodeGroup odd: no price for x2iedn.xlarge in us-east-1 (components/catalog/gpu.py, prices.py)",
    )


def test_registry_allows_one_estimator_per_type() -> None:
    assert NODE_GROUP in ESTIMATORS
    with pytest.raises(ValueError, match="an estimator for aws:eks/nodeGroup:NodeGroup is already registered"):
        register(NODE_GROUP)(lambda name, inputs, region: [])


def test_dev_plan_estimate(dev_plan: Plan) -> None:
    result = estimate_plan(dev_plan)
    assert result.region == "us-west-2"
    # Dev: one NAT, the control plane (standard support), 2..5 m6i.large, 0..2 g5.xlarge,
    # plus items other estimators add (e.g. KMS keys), which are the same at both ends.
    others = [i for i in result.items if i.kind not in {"nat-gateway", "eks-control-plane", "nodes", "gpu-nodes"}]
    assert all(i.monthly_min == i.monthly_max for i in others), others
    fixed = sum(i.monthly_min for i in others)
    assert result.monthly_min == pytest.approx(32.85 + 73.00 + 140.16 + fixed)
    assert result.monthly_max == pytest.approx(32.85 + 73.00 + 350.40 + 1468.76 + fixed)
    assert (result.gpus_min, result.gpus_max) == (0, 2)


def test_prod_plan_estimate_counts_every_gpu_pool(prod_plan: Plan) -> None:
    result = estimate_plan(prod_plan)
    gpu_items = {i.name: i for i in result.items if i.kind == "gpu-nodes"}
    assert set(gpu_items) == {"gpu-training", "gpu-inference"}
    assert gpu_items["gpu-training"].monthly_max == pytest.approx(8 * 21.9576 * 730)
    assert result.gpus_max == 74 and len([i for i in result.items if i.kind == "nat-gateway"]) == 3


def test_unpriced_items_say_why() -> None:
    result = estimate(
        [
            (NODE_GROUP, "empty", {"scalingConfig": {"minSize": 1, "maxSize": 1}}),
            ("aws:ec2/natGateway:NatGateway", "nat", {}),
        ],
        "sa-east-1",
    )
    assert result.items == ()
    assert result.unpriced == (
        "aws:ec2/natGateway:NatGateway nat: no NAT gateway price for sa-east-1",
        "aws:eks/nodeGroup:NodeGroup empty: no instanceTypes",
    )


def test_plan_without_region_needs_one(dev_plan: Plan) -> None:
    import copy

    plan = copy.deepcopy(dev_plan)
    plan.outputs.pop("region")
    with pytest.raises(ValueError, match="plan of stack dev has no 'region' output; pass region="):
        estimate_plan(plan)
    assert estimate_plan(plan, region="us-east-1").region == "us-east-1"


def test_capacity_block_pool_is_priced_on_demand_and_says_so() -> None:
    pool = (
        NODE_GROUP,
        "h200",
        {"instanceTypes": ["p5e.48xlarge"], "capacityType": "CAPACITY_BLOCK", "scalingConfig": {"minSize": 0, "maxSize": 1}},
    )
    (item,) = estimate([pool], "us-east-2").items
    assert item.monthly_max == pytest.approx(62.92 * 730) and "capacity block: prepaid" in item.detail, item
