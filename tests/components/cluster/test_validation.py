"""Node group sizes and Kubernetes versions: one rule each, for settings and Args alike."""

from __future__ import annotations

import pytest

from components.catalog.kubernetes import SUPPORTED_VERSIONS
from components.cluster.validation import kubernetes_version_problem
from components.validation import node_group_size_problems


@pytest.mark.parametrize(
    "sizes,expected",
    [
        ((0, 0, 1), []),
        ((2, 3, 4), []),
        ((-1, 0, 2), [("min_size", "(-1) must be >= 0")]),
        ((0, 0, 0), [("max_size", "(0) must be >= 1")]),
        ((4, 4, 3), [("min_size", "(4) must be <= max_size (3)")]),
        ((1, 9, 3), [("desired_size", "(9) must be between min_size (1) and max_size (3)")]),
        ((2, 1, 3), [("desired_size", "(1) must be between min_size (2) and max_size (3)")]),
    ],
)
def test_node_group_sizes(sizes: tuple[int, int, int], expected: list[tuple[str, str]]) -> None:
    min_size, desired, max_size = sizes
    assert node_group_size_problems(min_size, desired, max_size) == expected


def test_kubernetes_versions() -> None:
    for version in SUPPORTED_VERSIONS:
        assert kubernetes_version_problem(version) is None
    assert kubernetes_version_problem("1.20") == f"must be one of {list(SUPPORTED_VERSIONS)}, got '1.20'"
