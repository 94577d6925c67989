"""Facts of the notes area: its component type token (part of every URN: chosen once)."""

from __future__ import annotations

TEAM_NOTES = "mlinfra:notes:TeamNotes"
