"""Settings of the Istio mesh (stack key ``mlinfra:mesh``), the team files' ``mesh:`` section,
and the mapping to ``ServiceMeshArgs``, ``LoadBalancerControllerArgs`` and ``TeamAuthorizationArgs``.

The rules are components/mesh/validation.py, shared with the components. Per environment: mTLS
STRICT outside dev, fault drills never in prod, plain HTTP only in dev.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

from pydantic import Field

from components.catalog import namespaces
from components.catalog.model_servers import MODEL_SERVERS
from components.mesh import validation
from stacks.area import Area, CoreStack, Model, Outputs
from stacks.collisions import joined_name_collisions
from stacks.context import CLUSTER, DATA_LAKE, MESH, MONITORING_NAMESPACE, NETWORK, TEAMS, PlatformContext
from stacks.errors import Problem
from stacks.sections import MeshAccess
from stacks.serving_outputs import serving_outputs
from stacks.serving_quota import team_serving_quota_problems
from stacks.serving_settings import MODELS_ZONE, endpoint_args, serving_team_problems
from stacks.team_model import TeamSettings

if TYPE_CHECKING:
    import pulumi

    from components.mesh import LoadBalancerControllerArgs, MeshEndpoints, ServiceMeshArgs, TeamAuthorizationArgs

KEY = "mlinfra:mesh"


class MeshStack(CoreStack, Protocol):
    """What the mesh area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def mesh(self) -> MeshSettings: ...

    @property
    def teams(self) -> tuple[TeamSettings, ...]: ...


class IstiodSettings(Model):
    min_replicas: int = Field(default=2, ge=1, le=20)
    """istiod replicas (the autoscaler's minimum)."""
    max_replicas: int = Field(default=5, ge=1, le=50)
    """Autoscaler maximum; equal to min_replicas: no autoscaler."""
    enable_pdb: bool = True
    """PodDisruptionBudget (minAvailable 1); needs min_replicas >= 2."""


class GatewaySettings(Model):
    scheme: Literal["internal", "internet-facing"] = "internal"
    """The ingress gateway's Network Load Balancer: reachable from the VPC only, or from the internet."""
    certificate_arn: str | None = None
    """ACM certificate: TLS ends at the load balancer."""
    tls_secret: str | None = None
    """Kubernetes TLS secret in the ingress namespace: TLS ends at the gateway."""
    enable_plain_http: bool = False
    """Also serve plain HTTP on port 80 (dev stacks only)."""
    min_replicas: int = Field(default=2, ge=1, le=50)
    max_replicas: int = Field(default=5, ge=1, le=100)


class MeshSettings(Model):
    """The Istio service mesh (stack key ``mlinfra:mesh``)."""

    mtls_mode: Literal["STRICT", "PERMISSIVE"] = "STRICT"
    """Mesh-wide mutual TLS; PERMISSIVE (plain text accepted too) only in dev."""
    allow_fault_injection: bool = False
    """Whether serving endpoints' fault drills apply in this environment (never in prod)."""
    enable_access_logs: bool = True
    """Envoy access logs for every workload (Telemetry API)."""
    istiod: IstiodSettings = IstiodSettings()
    gateway: GatewaySettings = GatewaySettings()
    serving_quota_shortfall: Literal["warn", "error"] = "error"
    """A team quota (cpu, memory, pods) below what its serving endpoints may scale to: an error
    naming the team file and field, or a warning (dev: small quotas on purpose)."""


# A team name (stacks/team_model.TEAM_NAME_PATTERN, which imports this module).
def _problems(settings: MeshStack, source: str) -> list[Problem]:
    mesh, dev = settings.mesh, settings.environment == "dev"
    found = validation.mtls_problems(mesh.mtls_mode, allow_permissive=dev)
    found += validation.control_plane_problems(mesh.istiod.min_replicas, mesh.istiod.max_replicas, mesh.istiod.enable_pdb)
    g = mesh.gateway
    found += validation.tls_problems(g.certificate_arn, g.tls_secret, g.enable_plain_http, allow_plain_http=dev)
    if g.min_replicas > g.max_replicas:
        found.append(("gateway.max_replicas", f"must be at least gateway.min_replicas ({g.min_replicas}), got {g.max_replicas}"))
    if mesh.allow_fault_injection and settings.environment == "prod":
        found.append(("allow_fault_injection", "prod never injects faults into live traffic; remove it from the stack file"))
    return [Problem(source, f"{KEY}.{field}", message) for field, message in found]


def _team_problems(settings: MeshStack, teams: Sequence[TeamSettings]) -> list[Problem]:
    names = [t.name for t in teams]
    problems = []
    for t in teams:
        access = t.spec.mesh if t.spec is not None else MeshAccess()
        for i, message in validation.allow_from_problems(t.name, access.allow_from, names):
            problems.append(Problem(t.source, f"mesh.allow_from[{i}]", message))
    for t in teams:
        if t.spec is not None and t.spec.serving and MODELS_ZONE not in t.data_lake:
            problems.append(
                Problem(
                    t.source,
                    f"{settings.environment}.data_lake.{MODELS_ZONE}",
                    f"the serving endpoints copy their model versions from the {MODELS_ZONE!r} zone: give the team "
                    f'"read" (or "read-write") access there in {settings.environment}',
                )
            )
    if settings.mesh.serving_quota_shortfall == "error":
        problems += team_serving_quota_problems(teams, settings.environment)
    # ModelEndpoint "serving-<team>-<endpoint>": two files must not spell one name.
    endpoints = [(t.source, f"serving.{ep}", t.name, ep) for t in teams if t.spec for ep in sorted(t.spec.serving)]
    problems += joined_name_collisions(endpoints, "endpoint")
    problems += serving_team_problems(
        [(t.source, t.name, dict(t.spec.serving) if t.spec else {}, t.gpu_quota) for t in teams],
        environment=settings.environment,
        fault_allowed=settings.mesh.allow_fault_injection,
    )
    return problems


class MeshArea(Model):
    """The Istio service mesh and the serving endpoints behind it."""

    AREA: ClassVar[Area] = Area(
        name="mesh",
        outputs=("mesh_namespace", "serving_endpoints", "ingress_tls_secret"),
        namespaces=(namespaces.MESH, namespaces.MESH_INGRESS),
        needs=(CLUSTER, NETWORK),
        provides=(MESH,),
        team_needs=(TEAMS, DATA_LAKE, MONITORING_NAMESPACE),
        build=lambda settings, ctx: build(settings, ctx),  # the functions below read the model
        build_teams=lambda settings, ctx: build_teams(settings, ctx),
        reference=lambda settings, ctx, out: reference(settings, ctx, out),
        defaults={
            # Dev: one istiod, no budget; plain HTTP so a dev stack needs no certificate.
            "dev": {
                "mesh": {
                    "allow_fault_injection": True,
                    "serving_quota_shortfall": "warn",
                    "istiod": {"min_replicas": 1, "max_replicas": 1, "enable_pdb": False},
                    "gateway": {"enable_plain_http": True, "min_replicas": 1, "max_replicas": 2},
                }
            },
            # Staging rehearses prod (fault drills run here); TLS ends at the gateway with a secret
            # the operator provides until a certificate_arn is set.
            "staging": {
                "mesh": {
                    "allow_fault_injection": True,
                    "serving_quota_shortfall": "error",
                    "istiod": {"min_replicas": 2, "max_replicas": 3, "enable_pdb": True},
                    "gateway": {"tls_secret": "ml-ingress-tls", "min_replicas": 2, "max_replicas": 4},
                }
            },
            "prod": {
                "mesh": {
                    "allow_fault_injection": False,
                    "serving_quota_shortfall": "error",
                    "istiod": {"min_replicas": 3, "max_replicas": 6, "enable_pdb": True},
                    "gateway": {"tls_secret": "ml-ingress-tls", "min_replicas": 3, "max_replicas": 10},
                }
            },
        },
        problems=_problems,
        team_problems=_team_problems,
    )

    mesh: MeshSettings


def mesh_args(
    settings: MeshStack,
    *,
    k8s_provider: pulumi.ProviderResource,
    depends_on: Sequence[pulumi.Resource],
    gateway_depends_on: Sequence[pulumi.Resource] = (),
) -> ServiceMeshArgs:
    """ServiceMeshArgs from the settings, field by field."""
    from components.mesh import ServiceMeshArgs

    mesh = settings.mesh
    return ServiceMeshArgs(
        k8s_provider=k8s_provider,
        mtls_mode=mesh.mtls_mode,
        istiod_min_replicas=mesh.istiod.min_replicas,
        istiod_max_replicas=mesh.istiod.max_replicas,
        enable_istiod_pdb=mesh.istiod.enable_pdb,
        gateway_min_replicas=mesh.gateway.min_replicas,
        gateway_max_replicas=mesh.gateway.max_replicas,
        gateway_scheme=mesh.gateway.scheme,
        certificate_arn=mesh.gateway.certificate_arn,
        tls_secret=mesh.gateway.tls_secret,
        enable_plain_http=mesh.gateway.enable_plain_http,
        enable_access_logs=mesh.enable_access_logs,
        depends_on=tuple(depends_on),
        gateway_depends_on=tuple(gateway_depends_on),
    )


def load_balancer_controller_args(
    settings: MeshStack,
    *,
    eks_cluster_name: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
    k8s_provider: pulumi.ProviderResource,
    depends_on: Sequence[pulumi.Resource],
) -> LoadBalancerControllerArgs:
    from components.mesh import LoadBalancerControllerArgs

    return LoadBalancerControllerArgs(
        cluster_name=settings.effective_cluster_name,
        eks_cluster_name=eks_cluster_name,
        region=settings.region,
        vpc_id=vpc_id,
        k8s_provider=k8s_provider,
        tags=settings.base_tags,
        depends_on=tuple(depends_on),
    )


def team_authorization_args(
    settings: MeshStack,
    team: TeamSettings,
    *,
    team_component: pulumi.Resource,
    mesh: MeshEndpoints,
    k8s_provider: pulumi.ProviderResource,
    monitoring_namespace: str,
) -> TeamAuthorizationArgs:
    """The team's mesh callers: its endpoints' server ports for the gateway, mesh.allow_from."""
    from components.mesh import TeamAuthorizationArgs

    endpoints = t.serving.values() if (t := team.spec) is not None else []
    servers = [MODEL_SERVERS[ep.server] for ep in endpoints]
    return TeamAuthorizationArgs(
        team=team.name,
        namespace=team.namespace,
        k8s_provider=k8s_provider,
        gateway_principal=mesh.gateway_principal,
        serving_ports=tuple(sorted({s.grpc_port for s in servers})),
        metrics_ports=tuple(sorted({s.metrics_port for s in servers})),
        allow_from=team.spec.mesh.allow_from if team.spec is not None else (),
        calls_to=tuple(sorted(t.name for t in settings.teams if t.spec is not None and team.name in t.spec.mesh.allow_from)),
        ingress_namespace=mesh.ingress_namespace,
        monitoring_namespace=monitoring_namespace,
        depends_on=(team_component,),
        mesh_depends_on=mesh.ready,
    )


# -- the platform side --------------------------------------------------------------------------
def build(settings: MeshStack, ctx: PlatformContext) -> PlatformContext:
    """Istio and its ingress gateway, behind the AWS Load Balancer Controller's NLB."""
    from components.mesh import LoadBalancerController, ServiceMesh

    cluster, network = ctx.get(CLUSTER), ctx.get(NETWORK)
    lb_controller = LoadBalancerController(
        "load-balancer-controller",
        load_balancer_controller_args(
            settings,
            eks_cluster_name=cluster.name,
            vpc_id=network.vpc_id,
            k8s_provider=cluster.k8s_provider,
            depends_on=cluster.nodes_ready,
        ),
    )
    mesh = ServiceMesh(
        "mesh",
        mesh_args(
            settings,
            k8s_provider=cluster.k8s_provider,
            depends_on=cluster.nodes_ready,
            gateway_depends_on=[lb_controller.release],
        ),
    )
    return ctx.with_(MESH, mesh.endpoints).export(mesh_namespace=mesh.namespace)


def reference(settings: MeshStack, ctx: PlatformContext, out: Outputs) -> PlatformContext:
    """The mesh's names and hosts follow from the settings alone."""
    from components.mesh import MeshEndpoints

    return ctx.with_(MESH, MeshEndpoints.of(mesh_args(settings, k8s_provider=ctx.get(CLUSTER).k8s_provider, depends_on=())))


def build_teams(settings: MeshStack, ctx: PlatformContext) -> PlatformContext:
    """Per team: who may call its workloads, and its model endpoints."""
    import pulumi

    from components.mesh import ModelEndpoint, TeamAuthorization

    cluster, mesh, teams = ctx.get(CLUSTER), ctx.get(MESH), ctx.get(TEAMS)
    lake = ctx.get(DATA_LAKE)
    models_bucket = pulumi.Output.from_input(lake.bucket_names).apply(lambda names: names.get(MODELS_ZONE, ""))
    for team in settings.teams:
        owner = teams[team.name].component
        TeamAuthorization(
            f"team-{team.name}-mesh",
            team_authorization_args(
                settings,
                team,
                team_component=owner,
                mesh=mesh,
                k8s_provider=cluster.k8s_provider,
                monitoring_namespace=ctx.get(MONITORING_NAMESPACE),
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
                    k8s_provider=cluster.k8s_provider,
                    depends_on=[owner],
                ),
            )
    return ctx.export(**serving_outputs(settings))


def serving_quota_warnings(settings: MeshStack) -> list[str]:
    """The same findings as warnings, where ``mlinfra:mesh.serving_quota_shortfall`` is 'warn' (dev)."""
    if settings.mesh.serving_quota_shortfall != "warn":
        return []
    return [
        f"{p} (allowed in {settings.environment}: mlinfra:mesh.serving_quota_shortfall is 'warn')"
        for p in team_serving_quota_problems(settings.teams, settings.environment)
    ]
