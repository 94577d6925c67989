"""Settings of the notes area (stack key ``mlinfra:notes``) and what it builds per team."""

from __future__ import annotations

from typing import ClassVar, Protocol

from pydantic import Field

from stacks.area import Area, CoreStack, Model
from stacks.context import CLUSTER, TEAMS, PlatformContext
from stacks.team_model import TeamSettings


class NotesSettings(Model):
    """``mlinfra:notes``."""

    text: str = Field(min_length=1, max_length=256)
    """What every team's notes ConfigMap says."""


class NotesStack(CoreStack, Protocol):
    """What the notes area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def notes(self) -> NotesSettings: ...
    @property
    def teams(self) -> tuple[TeamSettings, ...]: ...


class NotesArea(Model):
    """Fields of ``Settings`` for the notes area."""

    AREA: ClassVar[Area] = Area(
        defaults={env: {"notes": {"text": f"welcome to {env}"}} for env in ("dev", "staging", "prod")},
        name="notes",
        team_needs=(CLUSTER, TEAMS),
        build_teams=lambda settings, ctx: build_teams(settings, ctx),  # defined below the model it reads
        # templates/alerts/notes.yaml.j2 and the alerts it holds: Prometheus loads them with the platform's.
        alert_templates={"notes": ("TeamNotesMissing",)},
    )

    notes: NotesSettings


def build_teams(settings: NotesStack, ctx: PlatformContext) -> PlatformContext:
    """One TeamNotes per team, after its namespace (the teams area's Team component)."""
    import pulumi

    from components.notes import TeamNotes, TeamNotesArgs

    cluster, teams = ctx.get(CLUSTER), ctx.get(TEAMS)
    for team in settings.teams:
        owner = teams[team.name]
        TeamNotes(
            f"notes-{team.name}",
            TeamNotesArgs(namespace=owner.namespace, text=settings.notes.text, k8s_provider=cluster.k8s_provider),
            opts=pulumi.ResourceOptions(depends_on=[owner.component]),
        )
    return ctx
