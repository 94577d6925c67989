"""Running the registered areas in the order their needs give.

Every area contributes up to two steps: ``build`` (platform resources) and ``build_teams``
(per-team resources). A step runs once every key it needs is in the context; the registration
order breaks ties, so the order of lines in one function never decides what is built first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from stacks.area import Area, Build
from stacks.context import Key, PlatformContext

Phase = Literal["build", "build_teams", "reference"]


class CompositionError(RuntimeError):
    """The areas' needs cannot be met (a missing provider or a circle); a programming error."""


@dataclass(frozen=True)
class Step:
    area: Area
    phase: Phase
    run: Build
    needs: frozenset[Key[Any]]
    provides: frozenset[Key[Any]]

    @property
    def label(self) -> str:
        return f"{self.area.name}.{self.phase}"


def steps_of(areas: Iterable[Area], phases: Sequence[Phase]) -> list[Step]:
    """The steps of ``areas`` in the given phases, in registration order."""
    steps = []
    for area in areas:
        if "build" in phases and area.build is not None:
            steps.append(Step(area, "build", area.build, frozenset(area.needs), frozenset(area.provides)))
        if "build_teams" in phases and area.build_teams is not None:
            needs = frozenset(area.needs) | frozenset(area.team_needs)
            steps.append(Step(area, "build_teams", area.build_teams, needs, frozenset(area.team_provides)))
    return steps


def ordered(steps: Sequence[Step], available: Iterable[Key[Any]] = ()) -> list[Step]:
    """Steps so that each runs after the steps providing what it needs (stable; Kahn's algorithm)."""
    known = set(available)
    pending = list(steps)
    result: list[Step] = []
    while pending:
        ready = next((s for s in pending if s.needs <= known), None)
        if ready is None:
            provided = known | {k for s in pending for k in s.provides}
            unmet = {s.label: sorted(k.name for k in s.needs - provided) for s in pending if s.needs - provided}
            if unmet:
                raise CompositionError(f"no area provides what these steps need: {unmet}")
            raise CompositionError(f"the steps need each other in a circle: {[s.label for s in pending]}")
        result.append(ready)
        known |= ready.provides
        pending.remove(ready)
    return result


def run(settings: Any, ctx: PlatformContext, steps: Sequence[Step]) -> PlatformContext:
    """Run ``steps`` in order of their needs; each must provide what it declares."""
    for step in ordered(steps, ctx.facts):
        before = set(ctx.outputs)
        ctx = step.run(settings, ctx)
        missing = sorted(k.name for k in step.provides if not ctx.has(k))
        if missing:
            raise CompositionError(f"{step.label} declares {missing} but did not provide them")
        undeclared = sorted(set(ctx.outputs) - before - set(step.area.outputs))
        if undeclared:
            raise CompositionError(f"{step.label} exports {undeclared}, which its area does not declare in outputs")
    return ctx
