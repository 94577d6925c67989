"""The per-team resources, in the platform's stack or in a tenants stack of their own.

``build_team_resources(settings, view)`` creates every team's namespace, role, mesh
policies and model endpoints from a ``PlatformView``: what they use of the platform.
In one stack (stacks/platform.py) the view holds the platform's components; with
``mlinfra:tenants_of: <platform stack>``, ``build_tenants(settings)`` builds it from the
platform stack's outputs through ``pulumi.StackReference`` and adds the Kafka team half.
Resource names are the same either way, so a split moves state without replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.catalog import tokens
from components.data_lake import DataLakeRef
from components.kafka import KafkaEndpoint, KafkaTeams, KafkaTeamsArgs
from components.mesh import MeshEndpoints, ModelEndpoint, TeamAuthorization
from components.teams import Team
from stacks.kafka_settings import kafka_args
from stacks.loading import team_warnings_of
from stacks.mesh_settings import mesh_args, team_authorization_args
from stacks.monitoring_settings import MONITORING_NAMESPACE
from stacks.serving_outputs import serving_outputs
from stacks.serving_settings import MODELS_ZONE, endpoint_args
from stacks.settings import Settings
from stacks.team_settings import team_args

# The platform stack's Kubernetes provider (components/cluster/cluster.py: Cluster "cluster" -> "cluster-k8s").
PLATFORM_PROVIDER = "cluster-k8s"


@dataclass(frozen=True)
class PlatformView:
    """What the per-team resources use of the platform."""

    eks_cluster_name: pulumi.Input[str]
    k8s_provider: pulumi.ProviderResource
    data_lake: DataLakeRef
    mesh: MeshEndpoints


def build_team_resources(settings: Settings, view: PlatformView) -> dict[str, Team]:
    """One Team per team file, its mesh authorization and its model endpoints."""
    # Warnings (e.g. dev GPU overcommit) reach `pulumi preview` and `mlinfra plan`.
    for warning in team_warnings_of(settings):
        pulumi.log.warn(warning)
    provider, mesh = view.k8s_provider, view.mesh
    teams = {
        team.name: Team(
            f"team-{team.name}",
            team_args(
                settings,
                team,
                eks_cluster_name=view.eks_cluster_name,
                k8s_provider=provider,
                data_lake=view.data_lake,
                mesh_namespace=mesh.namespace,
                monitoring_namespace=MONITORING_NAMESPACE,
            ),
        )
        for team in settings.teams
    }
    models_bucket = pulumi.Output.from_input(view.data_lake.bucket_names).apply(lambda names: names.get(MODELS_ZONE, ""))
    for team in settings.teams:
        owner = teams[team.name]
        TeamAuthorization(
            f"team-{team.name}-mesh",
            team_authorization_args(
                settings,
                team,
                team_component=owner,
                mesh=mesh,
                k8s_provider=provider,
                monitoring_namespace=MONITORING_NAMESPACE,
            ),
        )
        for endpoint, spec in (team.spec.serving if team.spec else {}).items():
            ModelEndpoint(
                f"serving-{team.name}-{endpoint}",
                endpoint_args(
                    settings,
                    team.name,
                    endpoint,
                    spec,
                    namespace=team.namespace,
                    service_account=owner.service_account_name,
                    models_bucket=models_bucket,
                    mesh=mesh,
                    k8s_provider=provider,
                    depends_on=[owner],
                ),
            )
    return teams


def team_outputs(settings: Settings, teams: dict[str, Team]) -> dict[str, Any]:
    """The per-team stack outputs (of the one stack, or of the tenants stack)."""
    return {
        "teams": {n: {"namespace": t.namespace_name, "role_arn": t.role_arn} for n, t in teams.items()},
        "serving_hosts": sorted(ep.host for t in settings.teams if t.spec for ep in t.spec.serving.values()),
        **serving_outputs(settings),
    }


def build_tenants(settings: Settings) -> dict[str, Any]:
    """The tenants stack: every per-team resource, on the platform stack ``settings.tenants_of``."""
    assert settings.tenants_of, "build_tenants needs mlinfra:tenants_of"
    platform = pulumi.StackReference("platform", stack_name=settings.tenants_of)
    out = platform.require_output
    # The same provider as the platform's (same kubeconfig); the alias is its URN there, so
    # resources moved from the platform stack keep their provider (README, "Splitting the stack").
    provider = k8s.Provider(
        PLATFORM_PROVIDER,
        kubeconfig=out("kubeconfig"),
        opts=pulumi.ResourceOptions(
            aliases=[
                f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::"
                f"{tokens.CLUSTER}$pulumi:providers:kubernetes::{PLATFORM_PROVIDER}"
            ]
        ),
    )
    lake = DataLakeRef(
        settings.data_lake.zones, out("data_lake_buckets"), out("data_lake_bucket_arns"), out("data_lake_kms_key_arn")
    )
    mesh = MeshEndpoints.of(mesh_args(settings, k8s_provider=provider, depends_on=()))
    teams = build_team_resources(settings, PlatformView(out("cluster_name"), provider, lake, mesh))
    outputs = {"region": settings.region, "environment": settings.environment, **team_outputs(settings, teams)}

    config = kafka_args(
        settings,
        vpc_id=out("vpc_id"),
        private_subnet_ids=out("private_subnet_ids"),
        node_security_group_id=out("cluster_security_group_id"),
        k8s_provider=provider,
        account_id=aws.get_caller_identity_output().account_id,
        partition=aws.get_partition_output().partition,
        teams=teams,
        raw_bucket_arn=out("data_lake_bucket_arns").apply(lambda arns: arns.get("raw", "")),
        raw_bucket_name=out("data_lake_buckets").apply(lambda names: names.get("raw", "")),
        lake_key_arn=out("data_lake_kms_key_arn"),
        eks_cluster_name=out("cluster_name"),
    )
    if config is not None:
        arn = out("kafka_cluster_arn") if config.msk is not None else None
        kafka = KafkaTeams(
            "kafka", KafkaTeamsArgs(cluster=config, endpoint=KafkaEndpoint(out("kafka_bootstrap_servers"), cluster_arn=arn))
        )
        outputs["kafka_teams"] = kafka.team_outputs
    return outputs
