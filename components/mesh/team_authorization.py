"""TeamAuthorization: who may call into one team's namespace through the mesh.

An allow-nothing AuthorizationPolicy first (every request to the namespace is denied unless
an ALLOW policy matches), then explicit ALLOW policies: the namespace itself; the ingress
gateway, to the serving endpoints' ports only; Prometheus from the monitoring namespace; and
the teams the team file lists in ``mesh.allow_from``. Identities are mTLS principals, so this
holds only under STRICT mTLS (a policy rule checks that outside dev).
https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components._crd import custom_resource
from components.catalog import namespaces, tokens
from components.catalog.identities import PROMETHEUS_SERVICE_ACCOUNT
from components.catalog.model_servers import COMPONENT_LABEL, MODEL_SERVER_COMPONENT
from components.mesh import istio, validation

# Ports Prometheus scrapes: the sidecar's merged metrics (application metrics included). The
# sidecar's status port is outside Envoy's inbound capture (Istio excludes it from redirection),
# so for it the NetworkPolicy is what counts; the servers' own metrics ports go through Envoy.
SIDECAR_METRICS_PORT = 15020


@dataclass(frozen=True)
class TeamAuthorizationArgs:
    team: str
    namespace: str
    """The team's namespace (its name); ``depends_on`` holds the Team that creates it."""
    k8s_provider: pulumi.ProviderResource
    gateway_principal: str
    """mTLS identity of the ingress gateway (ServiceMesh.gateway_principal)."""
    serving_ports: tuple[int, ...] = ()
    """Container ports of the team's model servers (AuthorizationPolicy ports are the
    workload's, not the Service's); none: the gateway gets no access."""
    metrics_ports: tuple[int, ...] = ()
    """Container ports of the servers' own metrics, for Prometheus besides the sidecar's."""
    allow_from: tuple[str, ...] = ()
    """Other teams (namespaces) whose workloads may call this team's workloads."""
    calls_to: tuple[str, ...] = ()
    """Teams whose ``allow_from`` lists this team: its pods may open connections to them."""
    ingress_namespace: str = namespaces.MESH_INGRESS
    """Namespace of the ingress gateway pods (ServiceMesh.ingress_namespace)."""
    monitoring_namespace: str = namespaces.MONITORING
    monitoring_service_account: str = PROMETHEUS_SERVICE_ACCOUNT
    """The ServiceAccount Prometheus runs as (kube-prometheus-stack's): its mTLS identity is the
    only caller of the allow-monitoring policy."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The team (its namespace): every object here waits for it."""
    mesh_depends_on: Sequence[pulumi.Resource] = ()
    """The mesh (the AuthorizationPolicy CRD, istiod's validating webhook): only the
    AuthorizationPolicies wait for it; the NetworkPolicies need the namespace alone."""
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.team in self.allow_from:
            raise ValueError(f"allow_from of team {self.team}: a team's own namespace is always allowed")


class TeamAuthorization(pulumi.ComponentResource):
    """Allow-nothing, then one ALLOW AuthorizationPolicy per kind of caller."""

    def __init__(self, name: str, args: TeamAuthorizationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.TEAM_AUTHORIZATION, name, None, opts)
        labels = {"team": args.team, **args.labels}

        def policy(role: str, spec: istio.Spec, after: Sequence[pulumi.Resource]) -> pulumi.Resource:
            return custom_resource(
                f"{name}-{role}",
                "AuthorizationPolicy",
                metadata_name=role,
                namespace=args.namespace,
                spec=spec,
                parent=self,
                provider=args.k8s_provider,
                depends_on=[*args.mesh_depends_on, *after],
                labels=labels,
            )

        # The ALLOW policies first, then allow-nothing: no window in which the namespace
        # denies everything, including its own calls.
        allows = [
            policy("allow-same-namespace", istio.allow_namespaces([args.team]), args.depends_on),
            # Prometheus by its identity (a namespace source would also admit anything else
            # running in the monitoring namespace), to the metrics ports only.
            policy(
                "allow-monitoring",
                istio.allow_principals(
                    [validation.principal(args.monitoring_namespace, args.monitoring_service_account)],
                    ports=[SIDECAR_METRICS_PORT, *args.metrics_ports],
                ),
                args.depends_on,
            ),
        ]
        if args.serving_ports:
            selector = {COMPONENT_LABEL: MODEL_SERVER_COMPONENT}
            spec = istio.allow_principals([args.gateway_principal], ports=args.serving_ports, selector=selector)
            allows.append(policy("allow-ingress-gateway", spec, args.depends_on))
        if args.allow_from:
            allows.append(policy("allow-teams", istio.allow_namespaces(args.allow_from), args.depends_on))
        policy("allow-nothing", istio.allow_nothing(), [*args.depends_on, *allows])
        self._network_policies(name, args, labels)
        self.register_outputs({})

    def _network_policies(self, name: str, args: TeamAuthorizationArgs, labels: dict[str, str]) -> None:
        """The same callers at L3/L4: the Team's NetworkPolicies deny every other namespace by
        default (components/teams/team.py), so each mesh path also needs a NetworkPolicy."""
        net, meta = k8s.networking.v1, k8s.meta.v1
        opts = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=list(args.depends_on))

        def namespaces_peer(names: Sequence[str]) -> k8s.networking.v1.NetworkPolicyPeerArgs:
            return net.NetworkPolicyPeerArgs(
                namespace_selector=meta.LabelSelectorArgs(
                    match_expressions=[
                        meta.LabelSelectorRequirementArgs(key="kubernetes.io/metadata.name", operator="In", values=sorted(names))
                    ]
                )
            )

        def network_policy(role: str, spec: k8s.networking.v1.NetworkPolicySpecArgs) -> None:
            metadata = meta.ObjectMetaArgs(name=role, namespace=args.namespace, labels=labels)
            net.NetworkPolicy(f"{name}-{role}", metadata=metadata, spec=spec, opts=opts)

        if args.serving_ports:
            network_policy(
                "allow-ingress-gateway",
                net.NetworkPolicySpecArgs(
                    pod_selector=meta.LabelSelectorArgs(match_labels={COMPONENT_LABEL: MODEL_SERVER_COMPONENT}),
                    policy_types=["Ingress"],
                    ingress=[
                        net.NetworkPolicyIngressRuleArgs(
                            from_=[namespaces_peer([args.ingress_namespace])],
                            ports=[net.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in sorted(args.serving_ports)],
                        )
                    ],
                ),
            )
        if args.allow_from:
            network_policy(
                "allow-teams",
                net.NetworkPolicySpecArgs(
                    pod_selector=meta.LabelSelectorArgs(),
                    policy_types=["Ingress"],
                    ingress=[net.NetworkPolicyIngressRuleArgs(from_=[namespaces_peer(args.allow_from)])],
                ),
            )
        if args.calls_to:
            network_policy(
                "allow-calls-to-teams",
                net.NetworkPolicySpecArgs(
                    pod_selector=meta.LabelSelectorArgs(),
                    policy_types=["Egress"],
                    egress=[net.NetworkPolicyEgressRuleArgs(to=[namespaces_peer(args.calls_to)])],
                ),
            )
