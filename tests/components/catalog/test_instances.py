"""Allocatable per instance type: nodeadm's formulas on known values, and the tables in step."""

from __future__ import annotations

import pytest

from components.catalog.gpu import GPU_INSTANCE_TYPES
from components.catalog.instances import (
    ALLOCATABLE,
    eks_allocatable,
    eni_max_pods,
    kube_reserved_cpu_millicores,
    kube_reserved_memory_mib,
    managed_node_group_max_pods,
)
from components.catalog.prices import SYSTEM_INSTANCE_PRICES


@pytest.mark.parametrize(
    "enis,ips,pods",
    # The values of the old eni-max-pods.txt: m5.large / m6i.large 29, m5.xlarge 58, p4d.24xlarge 737.
    [(3, 10, 29), (4, 15, 58), (8, 30, 234), (15, 50, 737)],
)
def test_eni_max_pods(enis: int, ips: int, pods: int) -> None:
    assert eni_max_pods(enis, ips) == pods


@pytest.mark.parametrize(
    "vcpus,reserved",
    # 6% of core 1, 1% of core 2, 0.5% of cores 3-4, 0.25% beyond (nodeadm getCPUMillicoresToReserve).
    [(1, 60), (2, 70), (4, 80), (8, 90), (16, 110), (96, 310), (192, 550)],
)
def test_kube_reserved_cpu(vcpus: int, reserved: int) -> None:
    assert kube_reserved_cpu_millicores(vcpus) == reserved


def test_kube_reserved_memory_and_the_managed_node_group_cap() -> None:
    assert kube_reserved_memory_mib(29) == 574 and kube_reserved_memory_mib(110) == 1465
    assert managed_node_group_max_pods(16, 8, 30) == 110, "below 30 vCPUs: capped at 110"
    assert managed_node_group_max_pods(96, 15, 50) == 250, "30 vCPUs and more: capped at 250"
    assert managed_node_group_max_pods(2, 3, 10) == 29, "under the cap: the ENI limit"


def test_known_nodes() -> None:
    large = eks_allocatable("m6i.large")
    # 8 GiB less 7.5% VM overhead (7577 MiB), less 11 x 29 + 255 reserved, less 100 MiB eviction.
    assert (large.cpu_millicores, large.memory_mib, large.pods) == (1930, 6903, 29)
    xlarge = eks_allocatable("m6i.xlarge")
    assert (xlarge.cpu_millicores, xlarge.memory_mib, xlarge.pods) == (3920, 14162, 58)
    p4d = eks_allocatable("p4d.24xlarge")
    assert (p4d.cpu_millicores, p4d.pods) == (95690, 250)
    # Three m6i.large offer about 5.8 vCPU: the dev system pool the capacity check found too small.
    assert 3 * large.cpu_millicores == 5790


def test_every_priced_type_has_an_allocatable() -> None:
    # A type a pool may choose but the capacity check cannot judge would slip through it.
    missing = (set(GPU_INSTANCE_TYPES) | set(SYSTEM_INSTANCE_PRICES)) - set(ALLOCATABLE)
    assert not missing, sorted(missing)
    for name, node in ALLOCATABLE.items():
        assert 0 < node.cpu_millicores and 0 < node.memory_mib and 0 < node.pods <= 250, name
