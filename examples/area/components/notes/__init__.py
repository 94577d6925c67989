"""The notes area (a worked example): one ConfigMap of notes in every team's namespace.

The public face of the area; its components load on first use (components/_lazy.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

if TYPE_CHECKING:
    from components.notes.team_notes import TeamNotes, TeamNotesArgs

__all__ = ["TeamNotes", "TeamNotesArgs"]

__getattr__ = lazy_exports(__name__, {"TeamNotes": "team_notes", "TeamNotesArgs": "team_notes"})
