"""ModelEndpoint: one model served behind the mesh, released gradually (stable + canary).

Per version a Deployment of the pinned model server (the version copied from the models
zone with the team's Pod Identity role by an init container); one Service, an HPA on the
stable version, a PodDisruptionBudget; a Gateway server for the host on the shared ingress
gateway; a DestinationRule (a subset per version, connection-pool limits, outlier
detection) and then the VirtualService routing the weighted split with timeout, retries and
the optional fault drill. The rules are components/mesh/serving_validation.py; the Istio specs
components/mesh/istio.py; the pod template components/mesh/_model_pod.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components._crd import custom_resource
from components.catalog import tokens
from components.catalog.model_servers import MODEL_SERVERS
from components.mesh import istio
from components.mesh import serving_validation as validation
from components.mesh._model_pod import (
    TF_MONITORING_CONFIG,
    TF_MONITORING_CONFIG_NAME,
    ModelVersion,
    PodSpecArgs,
    model_pod_labels,
    model_pod_template,
    version_labels,
)

# pulumi-kubernetes waits (10 minutes by default) for a Deployment's ready replicas unless the
# object carries this annotation (pulumi/pulumi-kubernetes v4.32.0-27-g94977969,
# provider/pkg/metadata/annotations.go AnnotationSkipAwait and overrides.go ReadyCondition:
# "If the pulumi.com/skipAwait annotation is true, the ready condition will no-op"). A model
# server is ready only once its version is in the models bucket (empty on the first deploy)
# and, for a GPU model, once a GPU node has scaled up from zero: waiting for it would fail the
# deploy half-way. Readiness is `mlinfra verify`'s job (mlinfra/verify_serving.py).
# The Service selecting those pods is not awaited either: with a selector, pulumi-kubernetes
# waits until no selected pod is running NotReady (v4.32.0 provider/pkg/await/service.go), which
# a model server without its model never leaves (found by mlinfra/awaits.py).
SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}


@dataclass(frozen=True)
class AutoscalingArgs:
    min_replicas: int
    max_replicas: int
    target_cpu_percent: int = 70


@dataclass(frozen=True)
class ModelEndpointArgs:
    """Inputs of one endpoint (``serving.<endpoint>`` of a team file, in one environment)."""

    endpoint: str
    team: str
    namespace: str
    """The team's namespace (its name); ``depends_on`` holds the Team that creates it."""
    service_account: pulumi.Input[str]
    """The team's ServiceAccount: its Pod Identity role reads the team's models prefix."""
    host: str
    model: str
    server: str
    models_bucket: pulumi.Input[str]
    """The models zone's bucket name."""
    region: str
    stable: ModelVersion
    k8s_provider: pulumi.ProviderResource
    gateway_selector: Mapping[str, str]
    """Labels of the shared ingress gateway's pods (ServiceMesh.gateway_selector)."""
    gateway_tls: istio.GatewayTls = istio.GatewayTls()
    port: int = 8500
    canary: ModelVersion | None = None
    canary_weight: int = 0
    timeout_ms: int = 1000
    retry_attempts: int = 2
    per_try_timeout_ms: int = 200
    max_connections: int = 100
    consecutive_5xx: int = 5
    ejection_s: int = 30
    fault: istio.Fault | None = None
    """Only when the environment allows fault drills (the settings decide)."""
    autoscaling: AutoscalingArgs | None = None
    cpu: str = "1"
    memory: str = "2Gi"
    depends_on: Sequence[pulumi.Resource] = ()
    """The team (namespace, ServiceAccount, Pod Identity) and the mesh (CRDs, istiod's
    injection webhook) must exist first."""
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.server not in MODEL_SERVERS:
            raise ValueError(f"server must be one of {sorted(MODEL_SERVERS)}, got {self.server!r}")
        problems = validation.canary_problems(
            self.stable.version, self.canary.version if self.canary else None, self.canary_weight
        )
        problems += validation.retry_problems(self.timeout_ms, self.retry_attempts, self.per_try_timeout_ms)
        port = validation.port_problem(self.port)
        if port:
            problems.append(("port", port))
        if self.autoscaling:
            a = self.autoscaling
            problems += validation.autoscaling_problems(a.min_replicas, a.max_replicas, self.stable.replicas)
        if problems:
            raise ValueError(f"endpoint {self.endpoint}: " + "; ".join(f"{f}: {m}" for f, m in problems))

    @property
    def service_host(self) -> str:
        return f"{self.endpoint}.{self.team}.svc.cluster.local"


class ModelEndpoint(pulumi.ComponentResource):
    """Deployments per version, Service, HPA, PDB, Gateway, DestinationRule, VirtualService."""

    def __init__(self, name: str, args: ModelEndpointArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(tokens.MODEL_ENDPOINT, name, None, opts)
        self._name, self._args = name, args
        self._k8s = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=list(args.depends_on))
        versions = [args.stable, *([args.canary] if args.canary else [])]
        self._monitoring_config()
        self.deployments = {v.version: self._deployment(v, stable=v is args.stable) for v in versions}
        self.service = self._service()
        self._autoscaler()
        self._disruption_budget()
        self._traffic(versions)
        self.register_outputs({"host": args.host, "service": self.service.metadata.name})

    def _meta(
        self, name: str, labels: Mapping[str, str] | None = None, annotations: Mapping[str, str] | None = None
    ) -> k8s.meta.v1.ObjectMetaArgs:
        a = self._args
        return k8s.meta.v1.ObjectMetaArgs(
            name=name,
            namespace=a.namespace,
            labels={**a.labels, **(labels or model_pod_labels(a.team, a.endpoint))},
            annotations=dict(annotations) if annotations else None,
        )

    def _pod_args(self) -> PodSpecArgs:
        a = self._args
        return PodSpecArgs(
            team=a.team,
            endpoint=a.endpoint,
            model=a.model,
            server=MODEL_SERVERS[a.server],
            service_account=a.service_account,
            models_bucket=a.models_bucket,
            region=a.region,
            cpu=a.cpu,
            memory=a.memory,
        )

    def _deployment(self, version: ModelVersion, *, stable: bool) -> k8s.apps.v1.Deployment:
        a = self._args
        name = validation.resource_name(a.endpoint, version.version)
        template = model_pod_template(self._pod_args(), version)
        labels = version_labels(a.team, a.endpoint, version.version)
        autoscaled = stable and a.autoscaling is not None
        return k8s.apps.v1.Deployment(
            f"{self._name}-{name}",
            # Not awaited: see SKIP_AWAIT. `mlinfra verify` reports the pods' readiness instead.
            metadata=self._meta(name, labels, SKIP_AWAIT),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=version.replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=template,
                # A new pod must be ready before an old one goes: capacity never drops.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge="25%", max_unavailable=0),
                ),
            ),
            # The HPA owns the replica count of an autoscaled version once it exists.
            opts=pulumi.ResourceOptions.merge(
                self._k8s, pulumi.ResourceOptions(ignore_changes=["spec.replicas"] if autoscaled else None)
            ),
        )

    def _monitoring_config(self) -> None:
        a = self._args
        if a.server != "tensorflow-serving":
            return
        config = k8s.core.v1.ConfigMap(
            f"{self._name}-monitoring",
            metadata=self._meta(TF_MONITORING_CONFIG_NAME.format(endpoint=a.endpoint)),
            data={"monitoring.config": TF_MONITORING_CONFIG},
            opts=self._k8s,
        )
        # The pods mount it: it must exist before them.
        self._k8s = pulumi.ResourceOptions.merge(self._k8s, pulumi.ResourceOptions(depends_on=[config]))

    def _service(self) -> k8s.core.v1.Service:
        a = self._args
        server = MODEL_SERVERS[a.server]
        return k8s.core.v1.Service(
            f"{self._name}-service",
            metadata=self._meta(a.endpoint, annotations=SKIP_AWAIT),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=model_pod_labels(a.team, a.endpoint),
                # The port name and appProtocol tell Istio the protocol (gRPC): no sniffing.
                ports=[k8s.core.v1.ServicePortArgs(name="grpc", port=a.port, target_port=server.grpc_port, app_protocol="grpc")],
            ),
            opts=self._k8s,
        )

    def _autoscaler(self) -> None:
        a = self._args
        if a.autoscaling is None:
            return
        target = validation.resource_name(a.endpoint, a.stable.version)
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{self._name}-autoscaler",
            metadata=self._meta(a.endpoint),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=target
                ),
                min_replicas=a.autoscaling.min_replicas,
                max_replicas=a.autoscaling.max_replicas,
                metrics=[
                    k8s.autoscaling.v2.MetricSpecArgs(
                        type="Resource",
                        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                            name="cpu",
                            target=k8s.autoscaling.v2.MetricTargetArgs(
                                type="Utilization", average_utilization=a.autoscaling.target_cpu_percent
                            ),
                        ),
                    )
                ],
            ),
            # Not after the Deployments: an HPA whose target is not there yet just waits for it, and
            # nothing of the routing may wait for model pods (SKIP_AWAIT).
            opts=self._k8s,
        )

    def _disruption_budget(self) -> None:
        a = self._args
        # maxUnavailable (not minAvailable): a one-pod endpoint never blocks a node drain.
        k8s.policy.v1.PodDisruptionBudget(
            f"{self._name}-pdb",
            metadata=self._meta(a.endpoint),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=model_pod_labels(a.team, a.endpoint))
            ),
            opts=self._k8s,
        )

    def _traffic(self, versions: list[ModelVersion]) -> None:
        a, name = self._args, self._name
        subsets = {validation.subset_name(v.version): {"version": v.version} for v in versions}
        rule = custom_resource(
            f"{name}-destination-rule",
            "DestinationRule",
            metadata_name=a.endpoint,
            spec=istio.destination_rule(
                a.service_host,
                subsets,
                max_connections=a.max_connections,
                consecutive_5xx=a.consecutive_5xx,
                ejection_s=a.ejection_s,
            ),
            depends_on=list(a.depends_on),
            namespace=a.namespace,
            parent=self,
            provider=a.k8s_provider,
            labels=dict(a.labels),
        )
        gateway = custom_resource(
            f"{name}-gateway",
            "Gateway",
            metadata_name=a.endpoint,
            spec=istio.gateway(a.gateway_selector, a.host, a.gateway_tls),
            depends_on=list(a.depends_on),
            namespace=a.namespace,
            parent=self,
            provider=a.k8s_provider,
            labels=dict(a.labels),
        )
        stable_weight, canary_weight = validation.route_weights(a.canary_weight if a.canary else 0)
        route = istio.Route(
            service_host=a.service_host,
            port=a.port,
            stable_subset=validation.subset_name(a.stable.version),
            stable_weight=stable_weight,
            canary_subset=validation.subset_name(a.canary.version) if a.canary else None,
            canary_weight=canary_weight,
            timeout_ms=a.timeout_ms,
            retry_attempts=a.retry_attempts,
            per_try_timeout_ms=a.per_try_timeout_ms,
            fault=a.fault,
        )
        # The VirtualService names the subsets: the DestinationRule defining them comes first,
        # or requests to a new subset fail (503 NR) until it arrives. Not the Deployments: the
        # routing is complete even while the model pods are still waiting for a model or a node.
        custom_resource(
            f"{name}-virtual-service",
            "VirtualService",
            metadata_name=a.endpoint,
            # "mesh": in-mesh callers (teams in mesh.allow_from) get the same split.
            spec=istio.virtual_service([a.host, a.service_host], [a.endpoint, "mesh"], route),
            depends_on=[*a.depends_on, rule, gateway],
            namespace=a.namespace,
            parent=self,
            provider=a.k8s_provider,
            labels=dict(a.labels),
        )
