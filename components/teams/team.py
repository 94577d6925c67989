"""Team: one ML team's share of the platform, from its team file (stacks/teams/<team>.yaml).

A namespace with a quota (GPUs included) and default container resources; network
isolation (default deny, then only what workloads need); a ServiceAccount whose IAM role
(through EKS Pod Identity) reaches only the team's own data-lake prefixes; and an EKS
access entry that lets the same role edit the team's namespace and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components._iam import pod_identity_trust
from components._tags import named_tags
from components.catalog import tokens
from components.catalog.namespaces import KUBE_SYSTEM, MESH_INJECTION_LABEL
from components.catalog.shared import PrefixGrant

# Namespace-scoped "edit" (the Kubernetes edit ClusterRole, without RBAC changes):
# https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
EDIT_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
# Where the EKS Pod Identity agent serves credentials on every node (hostNetwork):
# https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html
POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"
PRIVATE_CIDRS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@dataclass(frozen=True)
class TeamArgs:
    """Inputs of a Team (one environment's view of one team file)."""

    team: str
    """The team's name: namespace name, ``team`` tag and label, data-lake prefix ``teams/<team>/``."""
    cluster_name: pulumi.Input[str]
    k8s_provider: pulumi.ProviderResource
    """The cluster's provider: every Kubernetes object of the team goes through it."""
    gpu_quota: int = 0
    """Total ``requests.nvidia.com/gpu`` of the namespace."""
    cpu_quota: str = "8"
    memory_quota: str = "32Gi"
    max_pods: int = 50
    grants: tuple[PrefixGrant, ...] = ()
    """Data-lake grants; the caller builds ``data_access_policy`` from exactly these."""
    data_access_policy: pulumi.Input[str] | None = None
    """IAM policy JSON (DataLake.access_policy(grants)); None: the role gets no data access."""
    owners: tuple[str, ...] = ()
    """Recorded as a namespace annotation, so `kubectl` shows whom to ask."""
    default_request: Mapping[str, str] = field(default_factory=lambda: {"cpu": "250m", "memory": "512Mi"})
    """Requests of a container that sets none (the quota requires every pod to have some)."""
    default_limit: Mapping[str, str] = field(default_factory=lambda: {"cpu": "2", "memory": "2Gi"})
    """Limits of a container that sets none."""
    monitoring_namespace: str | None = None
    """Namespace whose pods (Prometheus) may scrape the team's pods (the monitoring component's);
    None: no scrape allowance."""
    mesh_namespace: str | None = None
    """Namespace of istiod (the mesh component's): sidecars are injected into the team's pods and
    may reach istiod; None: no mesh, no injection."""
    enable_https_egress: bool = True
    """Allow TCP 443 to non-private addresses (AWS APIs such as S3 and STS, package
    registries); private ranges stay denied, so other namespaces remain unreachable."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Base tags; ``team`` is added to every taggable AWS resource."""

    def __post_init__(self) -> None:
        if self.gpu_quota < 0 or self.max_pods < 1:
            raise ValueError(f"gpu_quota must be >= 0 and max_pods >= 1, got {self.gpu_quota}/{self.max_pods}")
        if (self.data_access_policy is None) != (not self.grants):
            raise ValueError("data_access_policy must be given exactly when grants are")


def team_grants(team: str, data_lake: Mapping[str, str], published_reads: Sequence[tuple[str, str]]) -> tuple[PrefixGrant, ...]:
    """The team's own prefix per zone at its access level, plus read on published prefixes."""
    own = [PrefixGrant(zone=zone, prefix=f"teams/{team}/", access=access) for zone, access in sorted(data_lake.items())]  # type: ignore[arg-type]
    published = [PrefixGrant(zone=zone, prefix=prefix, access="read") for zone, prefix in published_reads]
    return tuple(own + published)


class Team(pulumi.ComponentResource):
    """A team's namespace, quota, network isolation, workload identity and cluster access."""

    namespace_name: pulumi.Output[str]
    """The team's namespace (its name)."""
    service_account_name: pulumi.Output[str]
    """The ServiceAccount whose pods get the team's IAM role (EKS Pod Identity)."""
    role_arn: pulumi.Output[str]
    role_name: pulumi.Output[str]
    """Attach more policies to the team's role by name (e.g. Kafka topic access)."""

    def __init__(self, name: str, args: TeamArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.TEAM, name, None, opts)
        self._name, self._args = name, args
        self._k8s = pulumi.ResourceOptions(provider=args.k8s_provider, parent=self)
        self._namespace = self._create_namespace()
        self._create_quota()
        self._create_network_policies()
        self._role = self._create_role()
        service_account = self._create_workload_identity()
        self._create_access()

        self.namespace_name = self._namespace.metadata.name
        self.service_account_name = service_account.metadata.name
        self.role_arn = self._role.arn
        self.role_name = self._role.name
        self.register_outputs({"namespace": self.namespace_name, "role_arn": self.role_arn})

    def _tags(self, name: str) -> dict[str, str]:
        return named_tags(self._args.tags, name, {"team": self._args.team})

    def _meta(self, name: str) -> k8s.meta.v1.ObjectMetaArgs:
        return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=self._namespace.metadata.name, labels={"team": self._args.team})

    def _create_namespace(self) -> k8s.core.v1.Namespace:
        args = self._args
        return k8s.core.v1.Namespace(
            f"{self._name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.team,
                labels={
                    "team": args.team,
                    **({MESH_INJECTION_LABEL: "enabled"} if args.mesh_namespace else {}),
                    # GPU workloads run as "baseline"; "restricted" is reported, not enforced.
                    "pod-security.kubernetes.io/enforce": "baseline",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
                annotations={"mlinfra.io/owners": ",".join(args.owners)},
            ),
            opts=self._k8s,
        )

    def _create_quota(self) -> None:
        args = self._args
        k8s.core.v1.ResourceQuota(
            f"{self._name}-quota",
            metadata=self._meta("team-quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(
                hard={
                    # Extended resources are quota'd on requests only (requests == limits for GPUs).
                    "requests.nvidia.com/gpu": str(args.gpu_quota),
                    "requests.cpu": args.cpu_quota,
                    "requests.memory": args.memory_quota,
                    "pods": str(args.max_pods),
                }
            ),
            opts=self._k8s,
        )
        k8s.core.v1.LimitRange(
            f"{self._name}-limits",
            metadata=self._meta("team-defaults"),
            spec=k8s.core.v1.LimitRangeSpecArgs(
                limits=[
                    k8s.core.v1.LimitRangeItemArgs(
                        type="Container", default_request=dict(args.default_request), default=dict(args.default_limit)
                    )
                ]
            ),
            opts=self._k8s,
        )

    def _policy(self, role: str, name: str, *, ingress: list | None = None, egress: list | None = None) -> None:
        """One NetworkPolicy over every pod of the namespace; its policyTypes are the directions given."""
        types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
        # An empty list (no rule: deny that direction) is sent as an absent field, as kubectl shows it.
        spec = k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(),
            policy_types=types,
            ingress=ingress or None,
            egress=egress or None,
        )
        k8s.networking.v1.NetworkPolicy(f"{self._name}-{role}", metadata=self._meta(name), spec=spec, opts=self._k8s)

    def _create_network_policies(self) -> None:
        args = self._args
        net = k8s.networking.v1

        def in_namespace(ns: str) -> k8s.meta.v1.LabelSelectorArgs:
            return k8s.meta.v1.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": ns})

        def port(number: int, protocol: str = "TCP") -> k8s.networking.v1.NetworkPolicyPortArgs:
            return net.NetworkPolicyPortArgs(port=number, protocol=protocol)

        same_namespace = net.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs())
        # Policies are additive: the deny-all (empty rule lists, both directions) selects every
        # pod; each policy below opens one path. Enforced: the cluster's vpc-cni add-on runs
        # with enableNetworkPolicy (components/cluster/cluster.py).
        self._policy("deny-all", "default-deny-all", ingress=[], egress=[])
        self._policy(
            "allow-same-namespace",
            "allow-same-namespace",
            ingress=[net.NetworkPolicyIngressRuleArgs(from_=[same_namespace])],
            egress=[net.NetworkPolicyEgressRuleArgs(to=[same_namespace])],
        )
        kube_dns = net.NetworkPolicyPeerArgs(
            namespace_selector=in_namespace(KUBE_SYSTEM),
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
        )
        self._policy(
            "allow-dns",
            "allow-dns",
            egress=[net.NetworkPolicyEgressRuleArgs(to=[kube_dns], ports=[port(53, "UDP"), port(53, "TCP")])],
        )
        if args.monitoring_namespace:
            monitoring = net.NetworkPolicyPeerArgs(namespace_selector=in_namespace(args.monitoring_namespace))
            self._policy(
                "allow-monitoring", "allow-monitoring-scrape", ingress=[net.NetworkPolicyIngressRuleArgs(from_=[monitoring])]
            )
        if args.mesh_namespace:
            # Sidecars are injected: without istiod (xDS and certificates on 15012) they never start.
            istiod = net.NetworkPolicyPeerArgs(namespace_selector=in_namespace(args.mesh_namespace))
            mesh = net.NetworkPolicyEgressRuleArgs(to=[istiod], ports=[port(15012)])
            self._policy("allow-mesh", "allow-mesh-control-plane", egress=[mesh])
        # Without the Pod Identity agent the role below is unusable; without 443 so is S3.
        egress = [
            net.NetworkPolicyEgressRuleArgs(
                to=[net.NetworkPolicyPeerArgs(ip_block=net.IPBlockArgs(cidr=POD_IDENTITY_AGENT_CIDR))], ports=[port(80)]
            )
        ]
        if args.enable_https_egress:
            public = net.IPBlockArgs(cidr="0.0.0.0/0", except_=list(PRIVATE_CIDRS))
            https = net.NetworkPolicyEgressRuleArgs(to=[net.NetworkPolicyPeerArgs(ip_block=public)], ports=[port(443)])
            egress.append(https)
        self._policy("allow-aws", "allow-aws-apis", egress=egress)

    def _create_role(self) -> aws.iam.Role:
        name, args = self._name, self._args
        role = aws.iam.Role(
            f"{name}-role",
            description=f"Pods of team {args.team} (EKS Pod Identity): its data-lake prefixes, edit in its namespace",
            # Only the team's own service account (named after the team, in its namespace) in this cluster.
            assume_role_policy=pod_identity_trust(args.cluster_name, self._namespace.metadata.name, args.team),
            max_session_duration=3600,
            tags=self._tags(f"{name}-role"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        if args.data_access_policy is not None:
            policy = aws.iam.Policy(
                f"{name}-data-access",
                description=f"Team {args.team}: its own data-lake prefixes and the lake key, nothing else",
                policy=args.data_access_policy,
                tags=self._tags(f"{name}-data-access"),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-data-access",
                role=role.name,
                policy_arn=policy.arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return role

    def _create_workload_identity(self) -> k8s.core.v1.ServiceAccount:
        name, args = self._name, self._args
        service_account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=self._meta(args.team),
            # Pods that need the Kubernetes API mount a token explicitly.
            automount_service_account_token=False,
            opts=self._k8s,
        )
        aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity",
            cluster_name=args.cluster_name,
            namespace=self._namespace.metadata.name,
            service_account=service_account.metadata.name,
            role_arn=self._role.arn,
            tags=self._tags(f"{name}-pod-identity"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return service_account

    def _create_access(self) -> None:
        name, args = self._name, self._args
        entry = aws.eks.AccessEntry(
            f"{name}-access",
            cluster_name=args.cluster_name,
            principal_arn=self._role.arn,
            type="STANDARD",
            tags=self._tags(f"{name}-access"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.eks.AccessPolicyAssociation(
            f"{name}-edit",
            cluster_name=args.cluster_name,
            principal_arn=entry.principal_arn,
            policy_arn=EDIT_POLICY,
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                type="namespace", namespaces=[self._namespace.metadata.name]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
