"""ServiceMesh: Istio (base, CNI agent, istiod, ingress gateway) with mesh-wide mTLS and telemetry.

Four pinned Helm releases in dependency order (the CRDs; the CNI node agent that sets up
the sidecars' traffic redirection, so no pod needs NET_ADMIN; istiod whose webhooks inject
and validate; the gateway whose pods are injected), the gateway behind a Network Load
Balancer of the AWS Load Balancer Controller; a mesh-wide PeerAuthentication and a Telemetry
resource. Teams read ``namespace``, ``injection_label``, ``gateway_selector`` and
``gateway_principal`` from here (never retyped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi

from components._crd import custom_resource
from components._helm import HelmAddonArgs, HelmChart, helm_addon
from components.catalog import namespaces, tokens
from components.mesh import istio, validation
from components.render import render

# Upstream: https://github.com/istio/istio (manifests/charts/{base,istio-control/istio-discovery,gateway}),
# published to https://istio-release.storage.googleapis.com/charts; chart version = Istio
# version. Values checked against the charts' values.yaml (and the gateway's values.schema.json)
# at tag 1.30.3. The three releases move together: istiod must never be older than base's CRDs.
ISTIO_VERSION = "1.30.3"
ISTIO_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"
ISTIO_BASE_CHART = HelmChart(name="base", repository=ISTIO_REPOSITORY, version=ISTIO_VERSION)
ISTIO_CNI_CHART = HelmChart(name="cni", repository=ISTIO_REPOSITORY, version=ISTIO_VERSION)
ISTIOD_CHART = HelmChart(name="istiod", repository=ISTIO_REPOSITORY, version=ISTIO_VERSION)
ISTIO_GATEWAY_CHART = HelmChart(name="gateway", repository=ISTIO_REPOSITORY, version=ISTIO_VERSION)
GATEWAY_NAME = "istio-ingressgateway"
# Labels the gateway chart gives the pods from ``name`` (app, and istio without "istio-").
GATEWAY_SELECTOR = {"istio": "ingressgateway"}
INJECTION_LABEL = namespaces.MESH_INJECTION_LABEL


@dataclass(frozen=True)
class ServiceMeshArgs:
    """Inputs of ServiceMesh (one environment's ``mlinfra:mesh`` settings)."""

    k8s_provider: pulumi.ProviderResource
    mtls_mode: Literal["STRICT", "PERMISSIVE"] = "STRICT"
    """Mesh-wide PeerAuthentication; PERMISSIVE also accepts plain text (dev only, by settings)."""
    istiod_min_replicas: int = 2
    istiod_max_replicas: int = 5
    """Equal to min: no autoscaler."""
    enable_istiod_pdb: bool = True
    """PodDisruptionBudget of istiod (minAvailable 1); needs min replicas >= 2."""
    gateway_min_replicas: int = 2
    gateway_max_replicas: int = 5
    gateway_scheme: Literal["internal", "internet-facing"] = "internal"
    """Scheme of the gateway's Network Load Balancer."""
    certificate_arn: str | None = None
    """ACM certificate: TLS ends at the load balancer."""
    tls_secret: str | None = None
    """TLS secret in the ingress namespace: TLS ends at the gateway."""
    enable_plain_http: bool = False
    """Also listen on port 80 without TLS (the settings allow it in dev only)."""
    enable_access_logs: bool = True
    namespace: str = namespaces.MESH
    ingress_namespace: str = namespaces.MESH_INGRESS
    depends_on: Sequence[pulumi.Resource] = ()
    """The nodes: every release but the CRD-only ``base`` runs pods."""
    gateway_depends_on: Sequence[pulumi.Resource] = ()
    """What only the ingress gateway waits for: the load balancer controller (its webhook must see
    the gateway's Service created, or the in-tree controller makes a Classic Load Balancer)."""

    def __post_init__(self) -> None:
        problems = validation.mtls_problems(self.mtls_mode, allow_permissive=True)
        problems += validation.control_plane_problems(self.istiod_min_replicas, self.istiod_max_replicas, self.enable_istiod_pdb)
        problems += validation.tls_problems(self.certificate_arn, self.tls_secret, self.enable_plain_http, allow_plain_http=True)
        if self.gateway_scheme not in validation.GATEWAY_SCHEMES:
            problems.append(("gateway.scheme", f"must be one of {list(validation.GATEWAY_SCHEMES)}, got {self.gateway_scheme!r}"))
        if not 1 <= self.gateway_min_replicas <= self.gateway_max_replicas:
            problems.append(
                ("gateway.max_replicas", f"need 1 <= min <= max, got {self.gateway_min_replicas}..{self.gateway_max_replicas}")
            )
        if problems:
            raise ValueError("; ".join(f"{f}: {m}" for f, m in problems))

    @property
    def gateway_tls(self) -> istio.GatewayTls:
        """How each endpoint's Gateway server receives HTTPS."""
        return istio.GatewayTls(
            credential_name=self.tls_secret, enable_plain_http=self.enable_plain_http, enable_https=self.enable_https
        )

    @property
    def enable_https(self) -> bool:
        """A certificate somewhere (ACM at the NLB, or the secret at the gateway): port 443 is served."""
        return self.certificate_arn is not None or self.tls_secret is not None


def istio_values(args: ServiceMeshArgs) -> dict[str, dict[str, Any]]:
    """Values of the three releases: templates/helm/istio-*.yaml.j2 rendered and parsed."""
    return {
        "base": render("helm/istio-base.yaml.j2", chart_version=ISTIO_VERSION, mesh_namespace=args.namespace),
        "cni": render("helm/istio-cni.yaml.j2", chart_version=ISTIO_VERSION),
        "istiod": render(
            "helm/istiod.yaml.j2",
            chart_version=ISTIO_VERSION,
            mesh_namespace=args.namespace,
            enable_pdb=args.enable_istiod_pdb,
            min_replicas=args.istiod_min_replicas,
            max_replicas=args.istiod_max_replicas,
        ),
        "gateway": render(
            "helm/istio-gateway.yaml.j2",
            chart_version=ISTIO_VERSION,
            gateway_name=GATEWAY_NAME,
            scheme=args.gateway_scheme,
            certificate_arn=args.certificate_arn,
            enable_https=args.enable_https,
            enable_plain_http=args.enable_plain_http,
            min_replicas=args.gateway_min_replicas,
            max_replicas=args.gateway_max_replicas,
        ),
    }


@dataclass(frozen=True)
class MeshEndpoints:
    """What team policies and model servers use of the mesh (ServiceMesh.endpoints; a tenants
    stack derives it from the same ServiceMeshArgs, stacks/tenants.py)."""

    namespace: str
    ingress_namespace: str
    gateway_selector: dict[str, str]
    gateway_principal: str
    gateway_tls: istio.GatewayTls
    ready: tuple[pulumi.Resource, ...] = ()
    """Depend on these before creating mesh objects or injected pods (empty in a tenants stack:
    the platform stack, deployed first, holds them)."""

    @classmethod
    def of(cls, args: ServiceMeshArgs, ready: Sequence[pulumi.Resource] = ()) -> MeshEndpoints:
        return cls(
            namespace=args.namespace,
            ingress_namespace=args.ingress_namespace,
            gateway_selector=dict(GATEWAY_SELECTOR),
            gateway_principal=validation.principal(args.ingress_namespace, GATEWAY_NAME),
            gateway_tls=args.gateway_tls,
            ready=tuple(ready),
        )


class ServiceMesh(pulumi.ComponentResource):
    """Istio's three releases, mesh-wide PeerAuthentication and Telemetry."""

    def __init__(self, name: str, args: ServiceMeshArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.SERVICE_MESH, name, None, opts)
        self._releases(name, args)
        self._mesh_defaults(name, args)

        self.namespace: str = args.namespace
        self.ingress_namespace: str = args.ingress_namespace
        self.injection_label: str = INJECTION_LABEL
        self.gateway_selector: dict[str, str] = dict(GATEWAY_SELECTOR)
        self.gateway_principal: str = validation.principal(args.ingress_namespace, GATEWAY_NAME)
        self.gateway_tls: istio.GatewayTls = args.gateway_tls
        self.ready: tuple[pulumi.Resource, ...] = (self.istiod, self.cni)
        """Depend on these before creating mesh objects or injected pods (istiod's webhooks, the CNI agent)."""
        self.endpoints = MeshEndpoints.of(args, ready=self.ready)
        self.register_outputs({"namespace": self.namespace, "gateway_status": self.gateway.status})

    def _releases(self, name: str, args: ServiceMeshArgs) -> None:
        """The four Helm releases, in dependency order."""
        values = istio_values(args)
        provider = args.k8s_provider
        self.base = helm_addon(
            f"{name}-base",
            # CRDs and a webhook configuration only, no pods: it needs the API server, not nodes.
            HelmAddonArgs(chart=ISTIO_BASE_CHART, namespace=args.namespace, values=values["base"]),
            parent=self,
            provider=provider,
        )
        self.cni = helm_addon(
            f"{name}-cni",
            HelmAddonArgs(
                chart=ISTIO_CNI_CHART,
                namespace=args.namespace,
                values=values["cni"],
                create_namespace=False,
                depends_on=[*args.depends_on, self.base],
            ),
            parent=self,
            provider=provider,
        )
        self.istiod = helm_addon(
            f"{name}-istiod",
            HelmAddonArgs(
                chart=ISTIOD_CHART,
                namespace=args.namespace,
                values=values["istiod"],
                create_namespace=False,
                # istiod itself is not injected: it needs the CRDs, not the CNI node agent.
                depends_on=[*args.depends_on, self.base],
            ),
            parent=self,
            provider=provider,
        )
        self.gateway = helm_addon(
            f"{name}-gateway",
            HelmAddonArgs(
                chart=ISTIO_GATEWAY_CHART,
                namespace=args.ingress_namespace,
                values=values["gateway"],
                # The gateway pods are injected by istiod's webhook and rely on the CNI node agent
                # instead of istio-init: both must run first.
                depends_on=[*args.depends_on, *args.gateway_depends_on, self.istiod, self.cni],
            ),
            parent=self,
            provider=provider,
        )

    def _mesh_defaults(self, name: str, args: ServiceMeshArgs) -> None:
        """Mesh-wide mTLS and telemetry: in the root namespace without a selector."""
        custom_resource(
            f"{name}-peer-authentication",
            "PeerAuthentication",
            metadata_name="default",
            namespace=args.namespace,
            spec=istio.peer_authentication(args.mtls_mode),
            parent=self,
            provider=args.k8s_provider,
            depends_on=[self.istiod],
        )
        custom_resource(
            f"{name}-telemetry",
            "Telemetry",
            metadata_name="mesh-default",
            namespace=args.namespace,
            spec=istio.telemetry(access_logs=args.enable_access_logs),
            parent=self,
            provider=args.k8s_provider,
            depends_on=[self.istiod],
        )
