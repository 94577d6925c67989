"""The GPU pool rules shared by stacks/gpu_settings.py and GpuNodeGroupArgs."""

from __future__ import annotations

from typing import Any

import pytest

from components.gpu.validation import MAX_LABEL_KEY, label_problem, pool_problems

POOL: dict[str, Any] = {
    "instance_types": ["g5.xlarge"],
    "min_size": 0,
    "desired_size": 0,
    "max_size": 2,
    "capacity_type": "ON_DEMAND",
    "capacity_reservation_id": None,
    "efa": False,
    "labels": {},
}


def problems(**overrides: Any) -> list[tuple[str, str]]:
    return pool_problems(**{**POOL, **overrides})


def test_a_plain_pool_has_no_problem() -> None:
    assert problems() == [] and problems(region="us-west-2") == []


def test_unknown_types_stop_further_checks() -> None:
    found = problems(instance_types=["m6i.large", "g5.xlarge"], min_size=5)
    assert found == [("instance_types[0]", found[0][1])] and "'m6i.large' is not a GPU instance type" in found[0][1]


def test_region_availability_is_checked_only_with_a_region() -> None:
    assert problems(instance_types=["p5e.48xlarge"]) == []
    (found,) = problems(instance_types=["p5e.48xlarge"], region="us-west-2")
    assert found == ("instance_types[0]", "p5e.48xlarge is not offered in us-west-2; regions: us-east-2")


@pytest.mark.parametrize(
    "overrides,field,text",
    [
        ({"instance_types": ["g5.xlarge", "g6.xlarge"]}, "instance_types", "mixes GPU models ['A10G', 'L4']"),
        ({"efa": True}, "instance_types[0]", "g5.xlarge has no EFA interface but efa is true; EFA types of g5:"),
        ({"capacity_type": "CAPACITY_BLOCK"}, "capacity_reservation_id", "is required when capacity_type is CAPACITY_BLOCK"),
        (
            {"capacity_type": "SPOT", "capacity_reservation_id": "cr-0123456789abcdef0"},
            "capacity_reservation_id",
            "a capacity reservation is not used by SPOT",
        ),
        ({"capacity_type": "RESERVED"}, "capacity_type", "must be one of ['ON_DEMAND', 'SPOT', 'CAPACITY_BLOCK']"),
        ({"min_size": 3}, "min_size", "(3) must be <= max_size (2)"),
        ({"labels": {"nvidia.com/gpu.product": "x"}}, "labels", "label 'nvidia.com/gpu.product' is reserved"),
    ],
)
def test_each_problem_names_its_field(overrides: dict[str, Any], field: str, text: str) -> None:
    found = problems(**overrides)
    assert any(f == field and text in m for f, m in found), found


@pytest.mark.parametrize(
    "key,value,text",
    [
        ("team", "vision", None),
        ("example.com/tier", "a.b-c_d", None),
        ("team\n", "x", "is not a valid Kubernetes label key"),
        ("team", "bad value", "value 'bad value' is not a valid Kubernetes label value"),
        ("a" * (MAX_LABEL_KEY + 1), "x", f"is longer than {MAX_LABEL_KEY} characters"),
        ("kubernetes.io/role", "x", "is reserved"),
    ],
)
def test_labels(key: str, value: str, text: str | None) -> None:
    problem = label_problem(key, value)
    assert (problem is None) if text is None else (problem is not None and text in problem), problem
