"""One step of `mlinfra bootstrap` and how it is decided: created, updated or already ok."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CREATED, UPDATED, ALREADY_OK = "created", "updated", "already ok"


@dataclass(frozen=True)
class Step:
    step: str
    status: str
    detail: str = ""


def reconcile(steps: list[Step], name: str, current: Any, desired: Any, apply: Callable[[], Any], detail: str) -> None:
    """Apply ``desired`` unless ``current`` already equals it; record what happened.

    ``current`` is None when the setting does not exist yet (-> created), anything else
    that differs from ``desired`` is an existing setting we change (-> updated).
    """
    if current == desired:
        steps.append(Step(name, ALREADY_OK, detail))
        return
    apply()
    steps.append(Step(name, CREATED if current is None else UPDATED, detail))


def state_of(ok: bool, absent: bool) -> bool | None:
    """Map a compound comparison onto reconcile's current value (desired is True)."""
    return True if ok else None if absent else False
