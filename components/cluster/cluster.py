"""Cluster: EKS control plane, system node group, OIDC, add-ons and the Kubernetes provider.

Access is through EKS access entries (authentication mode API): no aws-auth ConfigMap to
drift. Secrets are envelope-encrypted with a customer-managed KMS key that rotates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components._iam import assume_role_policy, managed_policy_arn, pod_identity_trust
from components._kms import key_policy, logs_key_policy, rotating_key
from components._node_group import managed_node_group, node_launch_template
from components._tags import named_tags
from components.catalog import tokens
from components.catalog.kubernetes import ADDON_VERSIONS
from components.catalog.namespaces import KUBE_SYSTEM
from components.catalog.shared import SYSTEM_NODE_LABEL
from components.cluster.eks import kubeconfig, oidc_issuer, role_key
from components.cluster.validation import kubernetes_version_problem
from components.validation import node_group_size_problems

# Add-ons that call AWS APIs get their own role via Pod Identity (not the node role).
_ADDON_ROLES: dict[str, tuple[str, str]] = {
    "vpc-cni": ("aws-node", "AmazonEKS_CNI_Policy"),
    "aws-ebs-csi-driver": ("ebs-csi-controller-sa", "service-role/AmazonEBSCSIDriverPolicy"),
}

_NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",  # shell access through SSM instead of SSH keys
)

# Install order: the first group before any node, the second once nodes exist.
BEFORE_NODES = ("eks-pod-identity-agent", "vpc-cni", "kube-proxy")
AFTER_NODES = ("coredns", "aws-ebs-csi-driver")

CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True)
class SystemNodeGroupArgs:
    """The managed node group for system workloads (CoreDNS, controllers, add-ons)."""

    instance_types: tuple[str, ...] = ("m6i.large",)
    min_size: int = 2
    max_size: int = 4
    desired_size: int = 2
    disk_size_gb: int = 50
    """Encrypted gp3 root volume."""

    def __post_init__(self) -> None:
        if problems := node_group_size_problems(self.min_size, self.desired_size, self.max_size):
            raise ValueError("; ".join(f"{field} {message}" for field, message in problems))


@dataclass(frozen=True)
class ClusterArgs:
    """Inputs of a Cluster."""

    cluster_name: str
    """EKS cluster name (explicit: subnets are tagged with it before the cluster exists)."""
    kubernetes_version: str
    """Kubernetes version; must be a key of components/catalog/kubernetes.py ADDON_VERSIONS."""
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Control-plane interfaces and nodes go here; never public subnets."""
    region: str
    partition: pulumi.Input[str] = "aws"
    endpoint_public_access: bool = False
    """Private endpoint by default; public only from ``public_access_cidrs``."""
    public_access_cidrs: tuple[str, ...] = ()
    log_types: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager", "scheduler")
    log_retention_days: int = 365
    service_cidr: str = "172.20.0.0/16"
    system_nodes: SystemNodeGroupArgs = field(default_factory=SystemNodeGroupArgs)
    admin_role_arns: tuple[str, ...] = ()
    """IAM roles mapped to cluster-admin through access entries (keyed by role name, so order is free)."""
    account_id: pulumi.Input[str] = ""
    """The AWS account: the control-plane log key's policy names the account root and the log group."""
    kms_deletion_window_days: int = 30
    kms_admin_role_arns: tuple[str, ...] = ()
    """IAM roles that administer (never use) the secrets and log keys (components/_kms.py key_policy)."""
    enable_protection: bool = True
    """Protect and retain the cluster and its KMS key; turn on EKS deletion protection."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if problem := kubernetes_version_problem(self.kubernetes_version):
            raise ValueError(f"kubernetes_version {problem}")


class Cluster(pulumi.ComponentResource):
    """An EKS cluster ready for workloads, and the Kubernetes provider that reaches it."""

    name: pulumi.Output[str]
    """The EKS cluster's name (an output: depending on it waits for the cluster)."""
    arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    """The cluster security group EKS creates (control plane and managed nodes)."""
    node_role_arn: pulumi.Output[str]
    """The IAM role every managed node group's nodes use."""
    oidc_provider_arn: pulumi.Output[str]
    secrets_key_arn: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    """A secret: the endpoint, CA and an `aws eks get-token` exec block."""
    k8s_provider: k8s.Provider
    """Every Kubernetes object goes through this provider."""
    nodes_ready: pulumi.Resource
    """Depend on this to wait until the system nodes (and the node role's policies) exist: what runs
    pods and is awaited (Helm releases, Deployments). Objects that only need the API server
    (namespaces, RBAC, CRDs, quotas, policies) depend on nothing but the provider."""
    node_prerequisites: tuple[pulumi.Resource, ...]
    """What any managed node group needs to join (the node role's policies, the CNI and Pod Identity
    add-ons): other node groups wait for these, not for the system nodes."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.CLUSTER, name, None, opts)
        self._name, self._args = name, args
        self._create_control_plane()
        self._create_node_role()
        self._addons: dict[str, aws.eks.Addon] = {}
        # The cluster is created without self-managed add-ons, so nodes only become Ready once
        # the CNI and kube-proxy run: those (and the Pod Identity agent they use) come first.
        self._create_addons(BEFORE_NODES, after=[])
        system_nodes = self._create_system_nodes()
        # CoreDNS and the EBS controller are Deployments: they need nodes to become healthy.
        self._create_addons(AFTER_NODES, after=[system_nodes])
        oidc_provider = self._create_oidc_provider()
        self._create_access_entries()
        self._create_provider()

        self.name = self._cluster.name
        self.arn = self._cluster.arn
        self.endpoint = self._cluster.endpoint
        self.security_group_id = self._cluster.vpc_config.cluster_security_group_id
        self.node_role_arn = self._node_role.arn
        self.oidc_provider_arn = oidc_provider.arn
        self.secrets_key_arn = self._secrets_key.arn
        self.nodes_ready = system_nodes
        self.node_prerequisites = (*self._node_policy_attachments, *(self._addons[a] for a in BEFORE_NODES))
        self.register_outputs(
            {
                "cluster_name": self.name,
                "cluster_arn": self.arn,
                "endpoint": self.endpoint,
                "node_role_arn": self.node_role_arn,
                "oidc_provider_arn": self.oidc_provider_arn,
                "kubeconfig": self.kubeconfig,
            }
        )

    def _tags(self, name: str) -> dict[str, str]:
        return named_tags(self._args.tags, name)

    def _create_control_plane(self) -> None:
        name, args = self._name, self._args
        stateful = pulumi.ResourceOptions(parent=self, protect=args.enable_protection, retain_on_delete=args.enable_protection)
        self._secrets_key = rotating_key(
            f"{name}-secrets",
            alias=f"{args.cluster_name}-secrets",
            description=f"Envelope encryption of Kubernetes secrets in {args.cluster_name}",
            deletion_window_days=args.kms_deletion_window_days,
            tags=self._tags(f"{name}-secrets"),
            opts=stateful,
            alias_opts=pulumi.ResourceOptions(parent=self),
            # Root and administrators only: EKS uses the key through a grant it creates with the
            # permissions of the identity creating the cluster (IAM, via the root statement).
            # https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
            policy=key_policy(partition=args.partition, account_id=args.account_id, admin_role_arns=args.kms_admin_role_arns),
        )
        cluster_policy = self._create_cluster_role()
        log_group = self._create_control_plane_logs(stateful)
        self._cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=args.cluster_name,
            version=args.kubernetes_version,
            role_arn=self._cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=args.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=args.endpoint_public_access,
                public_access_cidrs=list(args.public_access_cidrs) if args.endpoint_public_access else None,
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                # The identity running `pulumi up` administers the cluster through the
                # Kubernetes provider below; other admins come from admin_role_arns.
                bootstrap_cluster_creator_admin_permissions=True,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                resources=["secrets"],
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=self._secrets_key.arn),
            ),
            enabled_cluster_log_types=list(args.log_types),
            kubernetes_network_config=aws.eks.ClusterKubernetesNetworkConfigArgs(
                service_ipv4_cidr=args.service_cidr, ip_family="ipv4"
            ),
            # Add-ons are managed below as pinned EKS add-ons, not the unmanaged defaults.
            bootstrap_self_managed_addons=False,
            deletion_protection=args.enable_protection,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            tags=self._tags(f"{name}-eks"),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.enable_protection,
                retain_on_delete=args.enable_protection,
                depends_on=[cluster_policy, log_group],
            ),
        )

    def _create_cluster_role(self) -> aws.iam.RolePolicyAttachment:
        """The role EKS assumes to run the control plane; the cluster waits for its policy."""
        name, args = self._name, self._args
        self._cluster_role = aws.iam.Role(
            f"{name}-cluster",
            assume_role_policy=assume_role_policy("eks.amazonaws.com", actions=("sts:AssumeRole", "sts:TagSession")),
            tags=self._tags(f"{name}-cluster"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.iam.RolePolicyAttachment(
            f"{name}-cluster",
            role=self._cluster_role.name,
            policy_arn=managed_policy_arn(args.partition, "AmazonEKSClusterPolicy"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_control_plane_logs(self, stateful: pulumi.ResourceOptions) -> aws.cloudwatch.LogGroup:
        """The control plane's encrypted log group and its key."""
        name, args = self._name, self._args
        # Created before the cluster so EKS does not create it without a retention.
        log_group_name = f"/aws/eks/{args.cluster_name}/cluster"
        logs_key = rotating_key(
            f"{name}-control-plane",
            alias=f"{args.cluster_name}-control-plane-logs",
            description=f"Control-plane logs of {args.cluster_name}",
            deletion_window_days=args.kms_deletion_window_days,
            tags=self._tags(f"{name}-control-plane"),
            opts=stateful,
            alias_opts=pulumi.ResourceOptions(parent=self),
            policy=logs_key_policy(
                partition=args.partition,
                account_id=args.account_id,
                region=args.region,
                log_group_names=[log_group_name],
                admin_role_arns=args.kms_admin_role_arns,
            ),
        )
        return aws.cloudwatch.LogGroup(
            f"{name}-control-plane",
            name=log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=logs_key.arn,
            tags=self._tags(f"{name}-control-plane"),
            # The audit log is evidence: protected and retained with the cluster (prod).
            opts=stateful,
        )

    def _create_node_role(self) -> None:
        name, args = self._name, self._args
        self._node_role = aws.iam.Role(
            f"{name}-node",
            assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
            tags=self._tags(f"{name}-node"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._node_policy_attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy}",
                role=self._node_role.name,
                policy_arn=managed_policy_arn(args.partition, policy),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for policy in _NODE_POLICIES
        ]

    def _create_system_nodes(self) -> aws.eks.NodeGroup:
        name, args = self._name, self._args
        nodes = args.system_nodes
        launch_template = node_launch_template(
            f"{name}-system",
            description="System node group: IMDSv2 only, encrypted gp3 root volume",
            device_name="/dev/xvda",
            disk_size_gb=nodes.disk_size_gb,
            tags=self._tags(f"{name}-system"),
            parent=self,
        )
        return managed_node_group(
            f"{name}-system",
            cluster_name=self._cluster.name,
            node_role_arn=self._node_role.arn,
            subnet_ids=args.private_subnet_ids,
            ami_type="AL2023_x86_64_STANDARD",
            capacity_type="ON_DEMAND",
            instance_types=nodes.instance_types,
            sizes=(nodes.min_size, nodes.desired_size, nodes.max_size),
            launch_template=launch_template,
            labels={SYSTEM_NODE_LABEL: "system"},
            tags=self._tags(f"{name}-system"),
            parent=self,
            depends_on=[*self._node_policy_attachments, *(self._addons[a] for a in BEFORE_NODES)],
        )

    def _create_oidc_provider(self) -> aws.iam.OpenIdConnectProvider:
        # Kept for IRSA-only integrations; add-ons and teams use Pod Identity.
        issuer = self._cluster.identities.apply(oidc_issuer)
        return aws.iam.OpenIdConnectProvider(
            f"{self._name}-oidc",
            url=issuer,
            client_id_lists=["sts.amazonaws.com"],
            tags=self._tags(f"{self._name}-oidc"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_access_entries(self) -> None:
        # Keyed by the role's name, not its list position: reordering admin_role_arns changes nothing.
        for role_arn in self._args.admin_role_arns:
            child = f"{self._name}-admin-{role_key(role_arn)}"
            entry = aws.eks.AccessEntry(
                child,
                cluster_name=self._cluster.name,
                principal_arn=role_arn,
                type="STANDARD",
                tags=self._tags(child),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.eks.AccessPolicyAssociation(
                child,
                cluster_name=self._cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=CLUSTER_ADMIN_POLICY,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _create_addons(self, addons: Sequence[str], *, after: Sequence[pulumi.Resource]) -> None:
        name, args = self._name, self._args
        versions = ADDON_VERSIONS[args.kubernetes_version]
        for addon in addons:
            associations = None
            if addon in _ADDON_ROLES:
                service_account, policy = _ADDON_ROLES[addon]
                role = aws.iam.Role(
                    f"{name}-{addon}",
                    # EKS installs these add-ons' service accounts in kube-system.
                    assume_role_policy=pod_identity_trust(self._cluster.name, KUBE_SYSTEM, service_account),
                    tags=self._tags(f"{name}-{addon}"),
                    opts=pulumi.ResourceOptions(parent=self),
                )
                aws.iam.RolePolicyAttachment(
                    f"{name}-{addon}",
                    role=role.name,
                    policy_arn=managed_policy_arn(args.partition, policy),
                    opts=pulumi.ResourceOptions(parent=self),
                )
                associations = [aws.eks.AddonPodIdentityAssociationArgs(role_arn=role.arn, service_account=service_account)]
            # Without the CNI's network-policy agent, EKS silently ignores every NetworkPolicy
            # (the teams' default-deny included).
            configuration = json.dumps({"enableNetworkPolicy": "true"}) if addon == "vpc-cni" else None
            # Add-ons with a Pod Identity role need the agent running to get credentials.
            agent = [self._addons["eks-pod-identity-agent"]] if addon != "eks-pod-identity-agent" else []
            self._addons[addon] = aws.eks.Addon(
                f"{name}-{addon}",
                cluster_name=self._cluster.name,
                addon_name=addon,
                addon_version=versions[addon],
                resolve_conflicts_on_update="OVERWRITE",
                pod_identity_associations=associations,
                configuration_values=configuration,
                tags=self._tags(f"{name}-{addon}"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*agent, *after]),
            )

    def _create_provider(self) -> None:
        args = self._args
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(self._cluster.endpoint, self._cluster.certificate_authority.data).apply(
                lambda v: kubeconfig(args.cluster_name, args.region, v[0], v[1])
            )
        )
        # Waits for the control plane only (through the kubeconfig): what needs nodes says so with
        # depends_on=[nodes_ready], so namespaces, RBAC and CRDs are created while nodes boot.
        self.k8s_provider = k8s.Provider(
            f"{self._name}-k8s",
            kubeconfig=self.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
