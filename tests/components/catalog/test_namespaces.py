"""Platform namespaces: a team may take none of them."""

from __future__ import annotations

from components.catalog import namespaces
from stacks.team_model import RESERVED_NAMES


def test_teams_may_not_take_any_platform_namespace() -> None:
    assert namespaces.PLATFORM_NAMESPACES <= RESERVED_NAMES
    assert namespaces.KUBERNETES_NAMESPACES <= RESERVED_NAMES
    assert namespaces.GPU_OPERATOR in RESERVED_NAMES
