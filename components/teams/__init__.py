"""The teams area: one namespace, quota, role and workload identity per team.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

if TYPE_CHECKING:
    from components.teams.team import Team, TeamArgs, team_grants

__all__ = [
    "Team",
    "TeamArgs",
    "team_grants",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Team": "team",
        "TeamArgs": "team",
        "team_grants": "team",
    },
)
