"""The GPU catalog: the shape of the table and the plausibility of its typed-in prices."""

from __future__ import annotations

import pytest

from components.catalog.gpu import GPU_INSTANCE_TYPES
from components.catalog.prices import SYSTEM_INSTANCE_PRICES, instance_hourly_price

# USD per GPU-hour in us-east-1 that the GPU share of a list price must fall in: wide enough
# for price changes, narrow enough to catch a typo (a digit too many, a per-GPU price as
# per-instance).
PER_GPU_HOUR = {
    "T4": (0.3, 1.2),
    "A10G": (0.6, 2.5),
    "L4": (0.5, 2.0),
    "L40S": (1.2, 4.5),
    "A100": (1.5, 6.0),
    "A100-80GB": (2.0, 7.0),
    "H100": (3.0, 13.0),
    "H200": (3.5, 14.0),
}
# The issue's families; each must be in the catalog.
FAMILIES = {"g4dn", "g5", "g6", "g6e", "p4d", "p4de", "p5", "p5e"}


def test_catalog_covers_the_families_of_the_issue() -> None:
    assert {t.family for t in GPU_INSTANCE_TYPES.values()} == FAMILIES
    assert set(PER_GPU_HOUR) == {t.gpu_model for t in GPU_INSTANCE_TYPES.values()}


@pytest.mark.parametrize("name", sorted(GPU_INSTANCE_TYPES))
def test_price_per_gpu_hour_is_plausible(name: str) -> None:
    t = GPU_INSTANCE_TYPES[name]
    low, high = PER_GPU_HOUR[t.gpu_model]
    price = t.hourly_prices.get("us-east-1") or min(t.hourly_prices.values())
    # Big single-GPU sizes are mostly CPU and memory: allow up to $0.10 per vCPU-hour on top.
    assert low * t.gpus <= price <= high * t.gpus + 0.10 * t.vcpus, (
        f"{name}: ${price}/h for {t.gpus} x {t.gpu_model} and {t.vcpus} vCPUs is implausible"
    )
    assert t.vcpus >= 4 * t.gpus and t.hourly_prices, name


def test_a_bigger_size_of_a_family_never_costs_less_for_as_many_gpus() -> None:
    for a in GPU_INSTANCE_TYPES.values():
        for b in GPU_INSTANCE_TYPES.values():
            if a.family == b.family and a.gpus == b.gpus and a.vcpus < b.vcpus:
                assert a.hourly_prices["us-east-1"] <= b.hourly_prices["us-east-1"], (a.name, b.name)


def test_regional_prices_are_not_below_us_east_1() -> None:
    for name, t in GPU_INSTANCE_TYPES.items():
        base = instance_hourly_price(name, "us-east-1") or instance_hourly_price(name, "us-east-2")
        assert base and all(p >= base for p in t.hourly_prices.values()), name
    for name, prices in SYSTEM_INSTANCE_PRICES.items():
        assert all(p >= prices["us-east-1"] for p in prices.values()), name


def test_efa_types_match_the_efa_device_plugin_list() -> None:
    # aws/eks-charts stable/aws-efa-k8s-device-plugin values.yaml (chart v0.5.30), GPU entries
    # of the families above: the instance types EC2 documents as EFA-capable.
    efa = {
        "g4dn.8xlarge",
        "g4dn.12xlarge",
        "g4dn.16xlarge",
        "g4dn.metal",
        "g5.8xlarge",
        "g5.12xlarge",
        "g5.16xlarge",
        "g5.24xlarge",
        "g5.48xlarge",
        "g6.8xlarge",
        "g6.12xlarge",
        "g6.16xlarge",
        "g6.24xlarge",
        "g6.48xlarge",
        "g6e.8xlarge",
        "g6e.12xlarge",
        "g6e.16xlarge",
        "g6e.24xlarge",
        "g6e.48xlarge",
        "p4d.24xlarge",
        "p4de.24xlarge",
        "p5.4xlarge",
        "p5.48xlarge",
        "p5e.48xlarge",
    }
    assert {n for n, t in GPU_INSTANCE_TYPES.items() if t.supports_efa} == efa
