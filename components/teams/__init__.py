"""The teams area: one namespace, quota, role and workload identity per team.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.teams.team import Team, TeamArgs, team_grants

__all__ = [
    "Team",
    "TeamArgs",
    "team_grants",
]

_MODULE_OF = {
    "Team": "team",
    "TeamArgs": "team",
    "team_grants": "team",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.teams' has no attribute {name!r}")
    from components.teams import team

    modules = {"team": team}
    return getattr(modules[_MODULE_OF[name]], name)
