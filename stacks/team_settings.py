"""The teams area: how strict the GPU quota sum is, the teams themselves, and ``TeamArgs``.

The team files are read by stacks/teams.py (model in stacks/team_model.py); this module holds
what ``Settings`` carries about them and the mapping from one team to its component's Args.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

from pydantic import Field

from stacks.area import Area, CoreStack, Model
from stacks.context import CLUSTER, DATA_LAKE, MESH, MONITORING_NAMESPACE, TEAMS, PlatformContext, TeamFacts
from stacks.team_model import TeamSettings

if TYPE_CHECKING:
    import pulumi

    from components.data_lake import DataLakeRef
    from components.teams import TeamArgs


class TeamsStack(CoreStack, Protocol):
    """What the teams area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def teams(self) -> tuple[TeamSettings, ...]: ...


class TeamsArea(Model):
    """The teams of this environment, from stacks/teams/*.yaml."""

    AREA: ClassVar[Area] = Area(
        name="teams",
        outputs=("teams", "serving_hosts"),
        team_needs=(CLUSTER, DATA_LAKE, MESH, MONITORING_NAMESPACE),
        team_provides=(TEAMS,),
        build_teams=lambda settings, ctx: build_teams(settings, ctx),  # the function below reads the model
        defaults={
            # Dev quotas may add up to more GPUs than exist: teams rarely use them all at once.
            "dev": {"team_quota_overcommit": "warn"},
            "staging": {"team_quota_overcommit": "warn"},
            # A prod quota is a promise: the GPUs behind every quota must exist.
            "prod": {"team_quota_overcommit": "error"},
        },
    )

    team_quota_overcommit: Literal["warn", "error"]
    """The teams' GPU quotas together above the GPU capacity: a warning or an error."""
    teams: tuple[TeamSettings, ...] = Field(default=())
    """This environment's view of every team file; comes from the teams dir, not the stack file."""


def team_args(
    settings: TeamsStack,
    team: TeamSettings,
    *,
    eks_cluster_name: pulumi.Input[str],
    k8s_provider: pulumi.ProviderResource,
    data_lake: DataLakeRef,
    mesh_namespace: str | None,
    monitoring_namespace: str | None,
) -> TeamArgs:
    """TeamArgs for one team, field by field; its lake grants become its role's data policy."""
    from components.teams import TeamArgs, team_grants

    grants = team_grants(team.name, team.data_lake, team.published_reads)
    return TeamArgs(
        team=team.name,
        cluster_name=eks_cluster_name,
        k8s_provider=k8s_provider,
        gpu_quota=team.gpu_quota,
        cpu_quota=team.cpu_quota,
        memory_quota=team.memory_quota,
        max_pods=team.max_pods,
        grants=grants,
        data_access_policy=data_lake.access_policy(grants) if grants else None,
        owners=team.owners,
        mesh_namespace=mesh_namespace,
        monitoring_namespace=monitoring_namespace,
        tags={**settings.base_tags, "cost-center": team.cost_center},
    )


# -- the per-team side --------------------------------------------------------------------------
def build_teams(settings: TeamsStack, ctx: PlatformContext) -> PlatformContext:
    """One Team (namespace, quota, role, workload identity) per team file."""
    from components.teams import Team

    cluster, lake, mesh = ctx.get(CLUSTER), ctx.get(DATA_LAKE), ctx.get(MESH)
    teams = {
        team.name: Team(
            f"team-{team.name}",
            team_args(
                settings,
                team,
                eks_cluster_name=cluster.name,
                k8s_provider=cluster.k8s_provider,
                data_lake=lake,
                mesh_namespace=mesh.namespace,
                monitoring_namespace=ctx.get(MONITORING_NAMESPACE),
            ),
        )
        for team in settings.teams
    }
    facts = {
        name: TeamFacts(component, team.namespace) for (name, component), team in zip(teams.items(), settings.teams, strict=True)
    }
    return ctx.with_(TEAMS, facts).export(
        teams={n: {"namespace": t.namespace_name, "role_arn": t.role_arn} for n, t in teams.items()},
        serving_hosts=sorted(ep.host for t in settings.teams if t.spec for ep in t.spec.serving.values()),
    )
