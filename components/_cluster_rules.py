"""Pure rules of the cluster and its node groups, shared by the settings and the components.

Each returns ``(field, message)`` pairs (or a message): the settings turn them into
``Problem``s naming the file and field, the components' Args raise them as ``ValueError``.
"""

from __future__ import annotations

from components.catalog.kubernetes import SUPPORTED_VERSIONS


def node_group_size_problems(min_size: int, desired_size: int, max_size: int) -> list[tuple[str, str]]:
    """0 <= min <= desired <= max and max >= 1, reported against the field to change."""
    if min_size < 0:
        return [("min_size", f"({min_size}) must be >= 0")]
    if max_size < 1:
        return [("max_size", f"({max_size}) must be >= 1")]
    if min_size > max_size:
        return [("min_size", f"({min_size}) must be <= max_size ({max_size})")]
    if not min_size <= desired_size <= max_size:
        return [("desired_size", f"({desired_size}) must be between min_size ({min_size}) and max_size ({max_size})")]
    return []


def kubernetes_version_problem(version: str) -> str | None:
    """A version the toolkit pins add-ons for, or what is allowed."""
    if version not in SUPPORTED_VERSIONS:
        return f"must be one of {list(SUPPORTED_VERSIONS)}, got {version!r}"
    return None
