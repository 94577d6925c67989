"""The notes area (a worked example): one ConfigMap of notes in every team's namespace.

The public face of the area; the component loads the provider SDK only when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.notes.team_notes import TeamNotes, TeamNotesArgs

__all__ = ["TeamNotes", "TeamNotesArgs"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'components.notes' has no attribute {name!r}")
    from components.notes import team_notes

    return getattr(team_notes, name)
