"""Pure validation of the cluster and its node groups, shared by the settings and the components.

Each returns ``(field, message)`` pairs (or a message): the settings turn them into
``Problem``s naming the file and field, the components' Args raise them as ``ValueError``.
"""

from __future__ import annotations

from components.catalog.kubernetes import SUPPORTED_VERSIONS


def kubernetes_version_problem(version: str) -> str | None:
    """A version the toolkit pins add-ons for, or what is allowed."""
    if version not in SUPPORTED_VERSIONS:
        return f"must be one of {list(SUPPORTED_VERSIONS)}, got {version!r}"
    return None
