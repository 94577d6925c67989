"""Resources a team owns say so: a `team` tag, the same one across the team's component."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from components.catalog.schema import is_taggable
from policies.rules._util import TEAM_COMPONENT, ancestors, tags_of

NAME = "mlinfra-team-resources-tagged"


def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    # A stack policy because ownership is the parent chain: a resource is team-owned when
    # an mlinfra:team:Team component is among its ancestors (resource policies see only a URN).
    team_type = str(args.get_config().get("teamComponentType") or TEAM_COMPONENT)
    seen: dict[str, str] = {}
    for r in args.resources:
        team = next((a for a in ancestors(r) if a.resource_type == team_type), None)
        if team is None or not is_taggable(r.resource_type):
            continue
        value = str(tags_of(r.props).get("team") or "").strip()
        if not value:
            report_violation(
                f"{r.resource_type} '{r.name}' belongs to team component '{team.name}' but has no `team` tag; "
                "pass the team's tags (base tags plus team=<name>) to every child of the Team component.",
                r.urn,
            )
            continue
        first = seen.setdefault(team.urn, value)
        if value != first:
            report_violation(
                f"{r.resource_type} '{r.name}' has team={value!r} but other resources of team component "
                f"'{team.name}' have team={first!r}; use one team name per team component.",
                r.urn,
            )


POLICY = StackValidationPolicy(
    name=NAME,
    description="Taggable resources under an mlinfra:team:Team component carry one consistent `team` tag.",
    validate=validate,
    config_schema=PolicyConfigSchema(
        properties={
            "teamComponentType": {
                "type": "string",
                "default": TEAM_COMPONENT,
                "description": "Component type whose descendants are team-owned.",
            }
        }
    ),
)
