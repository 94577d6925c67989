"""Settings of the EKS cluster and its system node group, and their mapping to ``ClusterArgs``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol, get_args

from pydantic import AfterValidator, Field, field_validator, model_validator

from components.catalog.aws_limits import EKS_CLUSTER_NAME_PATTERN, RFC1918_BLOCKS
from components.catalog.kubernetes import DEFAULT_VERSION, SUPPORTED_VERSIONS
from components.catalog.prices import SYSTEM_INSTANCE_PRICES
from components.cluster.eks import role_key
from components.cluster.validation import kubernetes_version_problem
from components.network.validation import is_rfc1918, parse_ipv4_network
from components.validation import ROLE_ARN, node_group_size_problems
from stacks.area import Area, CoreStack, Model, Outputs
from stacks.context import AWS, CLUSTER, NETWORK, ClusterFacts, PlatformContext
from stacks.errors import Problem, explain_patterns

if TYPE_CHECKING:
    import pulumi

    from components.cluster import ClusterArgs, MetricsServerArgs

LogType = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]
ALL_LOG_TYPES: tuple[str, ...] = get_args(LogType)


class ClusterStack(CoreStack, Protocol):
    """What the cluster area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def vpc_cidr(self) -> str: ...

    @property
    def service_cidr(self) -> str: ...

    @property
    def endpoint_public_access(self) -> bool: ...

    @property
    def endpoint_public_access_cidrs(self) -> tuple[str, ...]: ...

    @property
    def system_node_group(self) -> NodeGroupSettings: ...

    @property
    def kubernetes_version(self) -> str: ...

    @property
    def control_plane_log_types(self) -> tuple[LogType, ...]: ...

    @property
    def flow_log_retention_days(self) -> int: ...

    @property
    def admin_role_arns(self) -> tuple[str, ...]: ...


def _is_system_type(name: str) -> str:
    if name not in SYSTEM_INSTANCE_PRICES:
        raise ValueError(f"{name!r} is not a system instance type this toolkit prices; allowed: {sorted(SYSTEM_INSTANCE_PRICES)}")
    return name


SystemInstanceType = Annotated[str, AfterValidator(_is_system_type)]


CLUSTER_NAME_PATTERN = f"^$|^{EKS_CLUSTER_NAME_PATTERN}$"
explain_patterns(
    {
        CLUSTER_NAME_PATTERN: "must be an EKS cluster name: 1-100 letters, digits, '-' and '_', "
        "starting with a letter or digit (or empty for mlinfra-<stack>)"
    }
)


class NodeGroupSettings(Model):
    """The system (non-GPU) managed node group: runs CoreDNS, add-ons and controllers."""

    instance_types: tuple[SystemInstanceType, ...] = Field(min_length=1)
    """EC2 instance types, tried in order by the managed node group (the priced general-purpose types)."""
    min_size: int = Field(ge=0, le=100)
    max_size: int = Field(ge=1, le=100)
    desired_size: int = Field(ge=0, le=100)
    disk_size_gb: int = Field(ge=20, le=2000)
    """Encrypted gp3 root volume size."""

    @model_validator(mode="after")
    def _sizes_are_ordered(self) -> NodeGroupSettings:
        problems = node_group_size_problems(self.min_size, self.desired_size, self.max_size)
        if problems:
            raise ValueError("; ".join(f"{field} {message}" for field, message in problems))
        return self


def _problems(settings: ClusterStack, source: str) -> list[Problem]:
    problems: list[Problem] = []
    name = settings.effective_cluster_name
    if not re.fullmatch(EKS_CLUSTER_NAME_PATTERN, name):
        # Only a derived name gets here (mlinfra:cluster_name has the same pattern): blame the
        # stack name it came from, not a setting the user never wrote.
        problems.append(
            Problem(
                source,
                "stack name",
                f"stack {settings.stack!r} makes the EKS cluster name {name!r}, which EKS refuses (1-100 letters, "
                "digits, '-' and '_', starting with a letter or digit); set mlinfra:cluster_name or use another stack name",
            )
        )
    if parse_ipv4_network(settings.vpc_cidr).overlaps(parse_ipv4_network(settings.service_cidr)):
        problems.append(
            Problem(
                source,
                "mlinfra:service_cidr",
                f"{settings.service_cidr} overlaps vpc_cidr {settings.vpc_cidr}; choose a block outside the VPC",
            )
        )
    if settings.environment == "prod" and settings.endpoint_public_access:
        # An empty list means 0.0.0.0/0 to EKS, so prod must list its CIDRs.
        cidrs = settings.endpoint_public_access_cidrs
        if not cidrs or any(parse_ipv4_network(c).prefixlen == 0 for c in cidrs):
            problems.append(
                Problem(
                    source,
                    "mlinfra:endpoint_public_access_cidrs",
                    "prod's public endpoint must list the CIDRs allowed to reach it, never 0.0.0.0/0 "
                    "(or set mlinfra:endpoint_public_access: false)",
                )
            )
    return problems


_SYSTEM_NODES = {"instance_types": ["m6i.large"], "min_size": 2, "desired_size": 2, "disk_size_gb": 50}


class ClusterArea(Model):
    """The EKS control plane, its access and its system nodes."""

    AREA: ClassVar[Area] = Area(
        name="cluster",
        outputs=(
            "cluster_name",
            "cluster_endpoint",
            "cluster_secrets_key_arn",
            "node_role_arn",
            "oidc_provider_arn",
            "kubeconfig",
            "cluster_security_group_id",
            "storage_class",
        ),
        needs=(AWS, NETWORK),
        provides=(CLUSTER,),
        build=lambda settings, ctx: build(settings, ctx),  # the functions below read the model
        reference=lambda settings, ctx, out: reference(settings, ctx, out),
        defaults={
            "dev": {
                "kubernetes_version": DEFAULT_VERSION,
                # Dev is reached from laptops; IAM still authenticates every request.
                "endpoint_public_access": True,
                "endpoint_public_access_cidrs": ["0.0.0.0/0"],
                "control_plane_log_types": ["api", "audit", "authenticator"],
                # The platform's pods request about 6.7 vCPU in dev, plus 0.28 per node of DaemonSets
                # (`mlinfra plan` prints the table): 3 x m6i.large (5.8 allocatable) left Helm releases
                # Pending until they timed out. 5 nodes hold them with ~16% to spare; it rests at 2.
                "system_node_group": {**_SYSTEM_NODES, "max_size": 5},
            },
            "staging": {
                "kubernetes_version": DEFAULT_VERSION,
                "endpoint_public_access": False,
                "control_plane_log_types": list(ALL_LOG_TYPES),
                # About 7.9 vCPU requested plus the DaemonSets (more brokers and replicas than dev):
                # 4 x m6i.large (7.7 allocatable) cannot hold them; 6 do with ~17% to spare.
                "system_node_group": {**_SYSTEM_NODES, "max_size": 6},
            },
            "prod": {
                "kubernetes_version": DEFAULT_VERSION,
                "endpoint_public_access": False,
                "control_plane_log_types": list(ALL_LOG_TYPES),
                "system_node_group": {
                    "instance_types": ["m6i.xlarge"],
                    "min_size": 3,
                    "max_size": 6,
                    "desired_size": 3,
                    "disk_size_gb": 100,
                },
            },
        },
        problems=_problems,
    )

    cluster_name: str = Field(default="", pattern=CLUSTER_NAME_PATTERN)
    """EKS cluster name; empty means ``mlinfra-<stack>``."""
    kubernetes_version: str
    """EKS Kubernetes version (add-on versions are pinned per version)."""
    service_cidr: str = "172.20.0.0/16"
    """Kubernetes service CIDR; must not overlap the VPC."""
    endpoint_public_access: bool
    """Whether the Kubernetes API endpoint is reachable from the internet."""
    endpoint_public_access_cidrs: tuple[str, ...] = ()
    """CIDRs allowed to reach a public endpoint (prod: never 0.0.0.0/0)."""
    control_plane_log_types: tuple[LogType, ...]
    """EKS control-plane log types sent to CloudWatch."""
    system_node_group: NodeGroupSettings
    admin_role_arns: tuple[str, ...] = ()
    """IAM roles granted cluster-admin through EKS access entries."""

    @field_validator("service_cidr")
    @classmethod
    def _service_cidr_valid(cls, v: str) -> str:
        net = parse_ipv4_network(v)
        if not is_rfc1918(net):
            raise ValueError(f"must be inside an RFC 1918 block ({', '.join(RFC1918_BLOCKS)}), as EKS requires; got {v!r}")
        if not 12 <= net.prefixlen <= 24:
            raise ValueError(f"prefix length must be between /12 and /24, got /{net.prefixlen}")
        return str(net)

    @field_validator("endpoint_public_access_cidrs")
    @classmethod
    def _cidrs_valid(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(str(parse_ipv4_network(c)) for c in v)

    @field_validator("kubernetes_version", mode="before")
    @classmethod
    def _version_is_text(cls, v: Any) -> Any:
        # YAML reads 1.35 as a number (and 1.30 as 1.3), so a version must be quoted.
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(
                f'write the version as a quoted string, e.g. "{DEFAULT_VERSION}" (YAML read {v!r} as a number); '
                f"allowed: {list(SUPPORTED_VERSIONS)}"
            )
        return v

    @field_validator("kubernetes_version")
    @classmethod
    def _version_supported(cls, v: str) -> str:
        if problem := kubernetes_version_problem(v):
            raise ValueError(problem)
        return v

    @field_validator("admin_role_arns")
    @classmethod
    def _admin_roles_are_role_arns(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for arn in v:
            if not ROLE_ARN.fullmatch(arn):
                raise ValueError(f"must be IAM role ARNs such as arn:aws:iam::123456789012:role/platform-admin, got {arn!r}")
        keys = [role_key(arn) for arn in v]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            # Each role becomes an access entry named after the role; two with one name would collide.
            raise ValueError(f"list each role once (roles named {duplicates} appear twice)")
        return v


def cluster_args(
    settings: ClusterStack,
    *,
    vpc_id: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[Sequence[str]],
    partition: pulumi.Input[str],
    account_id: pulumi.Input[str],
) -> ClusterArgs:
    """ClusterArgs from the settings, field by field."""
    from components.cluster import ClusterArgs, SystemNodeGroupArgs

    nodes = settings.system_node_group
    return ClusterArgs(
        cluster_name=settings.effective_cluster_name,
        kubernetes_version=settings.kubernetes_version,
        vpc_id=vpc_id,
        private_subnet_ids=private_subnet_ids,
        region=settings.region,
        partition=partition,
        endpoint_public_access=settings.endpoint_public_access,
        public_access_cidrs=settings.endpoint_public_access_cidrs,
        log_types=settings.control_plane_log_types,
        log_retention_days=settings.flow_log_retention_days,
        service_cidr=settings.service_cidr,
        system_nodes=SystemNodeGroupArgs(
            instance_types=nodes.instance_types,
            min_size=nodes.min_size,
            max_size=nodes.max_size,
            desired_size=nodes.desired_size,
            disk_size_gb=nodes.disk_size_gb,
        ),
        admin_role_arns=settings.admin_role_arns,
        kms_deletion_window_days=settings.kms_deletion_window_days,
        kms_admin_role_arns=settings.kms_key_admin_role_arns,
        account_id=account_id,
        enable_protection=settings.enable_protection,
        tags=settings.base_tags,
    )


def metrics_server_args(
    settings: ClusterStack, *, k8s_provider: pulumi.ProviderResource, depends_on: Sequence[pulumi.Resource] = ()
) -> MetricsServerArgs:
    """MetricsServerArgs: two replicas where the system pool keeps three nodes or more (an HPA must not stall)."""
    from components.cluster import MetricsServerArgs

    return MetricsServerArgs(
        k8s_provider=k8s_provider,
        replicas=2 if settings.system_node_group.min_size >= 3 else 1,
        depends_on=tuple(depends_on),
    )


# -- the platform side --------------------------------------------------------------------------
# The platform stack's Kubernetes provider (components/cluster/cluster.py: Cluster "cluster" -> "cluster-k8s").
PLATFORM_PROVIDER = "cluster-k8s"


def build(settings: ClusterStack, ctx: PlatformContext) -> PlatformContext:
    """The EKS cluster, its system nodes, and the encrypted gp3 StorageClass every stateful workload uses."""
    from components.cluster import STORAGE_CLASS_NAME, Cluster, MetricsServer, StorageClassArgs, encrypted_gp3_storage_class

    aws, network = ctx.get(AWS), ctx.get(NETWORK)
    cluster = Cluster(
        "cluster",
        cluster_args(
            settings,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            partition=aws.partition,
            account_id=aws.account_id,
        ),
    )
    storage_class = encrypted_gp3_storage_class("gp3-encrypted", StorageClassArgs(), provider=cluster.k8s_provider)
    # Every HorizontalPodAutoscaler of the platform and the teams reads the metrics API.
    MetricsServer(
        "metrics-server", metrics_server_args(settings, k8s_provider=cluster.k8s_provider, depends_on=[cluster.nodes_ready])
    )
    facts = ClusterFacts(
        name=cluster.name,
        k8s_provider=cluster.k8s_provider,
        security_group_id=cluster.security_group_id,
        arn=cluster.arn,
        node_role_arn=cluster.node_role_arn,
        nodes_ready=(cluster.nodes_ready,),
        node_prerequisites=cluster.node_prerequisites,
        storage_class=STORAGE_CLASS_NAME,
        storage=(storage_class,),
    )
    return ctx.with_(CLUSTER, facts).export(
        cluster_name=cluster.name,
        cluster_endpoint=cluster.endpoint,
        cluster_secrets_key_arn=cluster.secrets_key_arn,
        node_role_arn=cluster.node_role_arn,
        oidc_provider_arn=cluster.oidc_provider_arn,
        kubeconfig=cluster.kubeconfig,
        cluster_security_group_id=cluster.security_group_id,
        storage_class=storage_class.metadata.name,
    )


def reference(settings: ClusterStack, ctx: PlatformContext, out: Outputs) -> PlatformContext:
    """The platform's cluster through the same kubeconfig; the provider's alias is its URN in the
    platform stack, so resources moved from there keep their provider (README, "Splitting the stack")."""
    import pulumi
    import pulumi_kubernetes as k8s

    from components.catalog import tokens

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
    facts = ClusterFacts(name=out("cluster_name"), k8s_provider=provider, security_group_id=out("cluster_security_group_id"))
    return ctx.with_(CLUSTER, facts)
