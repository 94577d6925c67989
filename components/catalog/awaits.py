"""What `pulumi up` waits for after each create, and for how long (mlinfra/awaits.py reads it).

Plain facts, standard library only. Each row names the upstream source it was read from:

- Kubernetes kinds: pulumi/pulumi-kubernetes ``provider/pkg/await/`` read at tag v4.32.0
  (commit 9497796, the newest snapshot available here; requirements.txt pins the 4.x major,
  >=4.34): ``awaiters.go`` lists the kinds with await logic, each ``<kind>.go`` its success
  conditions and ``Default<Kind>TimeoutMins``; ``await.go`` ``Creation`` applies
  ``metadata.TimeoutDuration`` (customTimeouts, else the ``pulumi.com/timeoutSeconds``
  annotation) and ``metadata.ReadyCondition`` (``pulumi.com/skipAwait``, ``pulumi.com/waitFor``)
  from ``provider/pkg/metadata/overrides.go`` and ``annotations.go``.
- Helm releases: ``provider/pkg/provider/helm_release.go`` (same tag): ``client.Wait =
  !skipAwait``, ``client.WaitForJobs = !skipAwait && waitForJobs``, timeout default
  ``defaultTimeoutSeconds = 300``; what Helm's wait checks: helm/helm ``pkg/kube/ready.go``
  (``IsReady``; ``serviceReady`` wants ``status.loadBalancer.ingress`` on a LoadBalancer Service).
- AWS: pulumi_aws bridges hashicorp/terraform-provider-aws; its create waiters and default
  timeouts: ``internal/service/eks/node_group.go`` (``Timeouts.Create`` 60 min,
  ``waitNodegroupCreated``), ``website/docs/r/eks_addon.html.markdown`` (create 20m, waits for
  ACTIVE), ``website/docs/r/msk_cluster.html.markdown`` (create 120m).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

_PK8S = "pulumi/pulumi-kubernetes v4.32.0 provider/pkg/await/"
_TF_AWS = "hashicorp/terraform-provider-aws "

# Annotations the provider reads on every Kubernetes object (provider/pkg/metadata/annotations.go).
SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait"
"""``"true"``: the create returns as soon as the API server accepts the object (overrides.go SkipAwaitLogic)."""
TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds"
"""Overrides the kind's default await timeout (overrides.go TimeoutDuration)."""
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
"""A jsonpath= or condition= expression the provider waits for instead of its built-in logic."""

GENERIC_TIMEOUT_SECONDS = 600
"""await.go Creation: ``timeout := 10 * time.Minute`` unless overridden (also bounds waitFor)."""

# await.go Creation retries the create while the kind is unknown (a CR before its CRD):
# retry.go SleepingRetry waits 1 s, doubling, WithMaxRetries(5): 1+2+4+8+16 s, then fails.
CRD_RETRY_SECONDS = 31


@dataclass(frozen=True)
class AwaitFact:
    """What the provider waits for after creating one resource of a type, and for how long."""

    condition: str
    """The success condition, in the provider's own terms."""
    timeout_seconds: int
    """Default timeout of the create (the resource's customTimeouts or annotation may override it)."""
    source: str
    """Upstream file the condition and timeout were read from."""
    runs_pods: bool = False
    """The condition needs pods scheduled and Ready: nodes must exist and admit them."""


# Kubernetes kinds, keyed by the Pulumi type token (awaiters.go keys them by apiVersion/kind).
KUBERNETES_AWAITS: Mapping[str, AwaitFact] = MappingProxyType(
    {
        "kubernetes:apps/v1:Deployment": AwaitFact(
            "new ReplicaSet available: Progressing=True (NewReplicaSetAvailable) and Available=True, pods Ready",
            600,
            _PK8S + "deployment.go (DefaultDeploymentTimeoutMins = 10)",
            runs_pods=True,
        ),
        "kubernetes:apps/v1:StatefulSet": AwaitFact(
            "status.replicas, currentReplicas and readyReplicas = spec.replicas; updateRevision = currentRevision",
            600,
            _PK8S + "statefulset.go (DefaultStatefulSetTimeoutMins = 10)",
            runs_pods=True,
        ),
        "kubernetes:apps/v1:DaemonSet": AwaitFact(
            "rollout complete (kstatus Current: every desired pod scheduled, updated and Ready)",
            600,
            _PK8S + "daemonset.go (_defaultDaemonSetTimeout = 10 * time.Minute)",
            runs_pods=True,
        ),
        "kubernetes:batch/v1:Job": AwaitFact(
            "status.startTime set and condition Complete=True, without Failed=True",
            600,
            _PK8S + "job.go (DefaultJobTimeoutMins = 10)",
            runs_pods=True,
        ),
        "kubernetes:core/v1:Pod": AwaitFact(
            "Ready=True and phase Running (or phase Succeeded)",
            600,
            _PK8S + "pod.go (DefaultPodTimeoutMins = 10)",
            runs_pods=True,
        ),
        "kubernetes:core/v1:Service": AwaitFact(
            "endpoints settled with no NotReady address (with a selector); type LoadBalancer: "
            "status.loadBalancer.ingress allocated",
            600,
            _PK8S + "service.go (DefaultServiceTimeoutMins = 10; checkAndLogStatus, processServiceEvent)",
        ),
        "kubernetes:networking.k8s.io/v1:Ingress": AwaitFact(
            "endpoints exist for every backend Service and status.loadBalancer.ingress is set",
            600,
            _PK8S + "ingress.go (DefaultIngressTimeoutMins = 10)",
        ),
        "kubernetes:core/v1:PersistentVolumeClaim": AwaitFact(
            "phase Bound (Pending is enough when its StorageClass binds WaitForFirstConsumer)",
            300,
            _PK8S + "awaiters.go (untilCoreV1PersistentVolumeClaimReady, WatchUntil 5*time.Minute)",
        ),
        "kubernetes:core/v1:ResourceQuota": AwaitFact(
            "status.hard equals spec.hard (the quota controller has counted usage)",
            60,
            _PK8S + "awaiters.go (untilCoreV1ResourceQuotaInitialized, WatchUntil 1*time.Minute)",
        ),
    }
)

HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
HELM_DEFAULT_TIMEOUT_SECONDS = 300
"""helm_release.go ``defaultTimeoutSeconds = 300`` when the Release sets no ``timeout``."""
HELM_RELEASE_AWAIT = AwaitFact(
    "helm --wait: every Deployment, StatefulSet, DaemonSet, Pod and PVC of the chart ready, every "
    "Service with a cluster IP and, if type LoadBalancer, an ingress address",
    HELM_DEFAULT_TIMEOUT_SECONDS,
    "pulumi/pulumi-kubernetes v4.32.0 provider/pkg/provider/helm_release.go (client.Wait = !skipAwait); "
    "helm/helm pkg/kube/ready.go (IsReady, serviceReady)",
    runs_pods=True,
)
HELM_JOBS_CONDITION = "; every Job complete (waitForJobs)"

AWS_AWAITS: Mapping[str, AwaitFact] = MappingProxyType(
    {
        "aws:eks/nodeGroup:NodeGroup": AwaitFact(
            "node group ACTIVE (its instances joined the cluster)",
            3600,
            _TF_AWS + "internal/service/eks/node_group.go (Timeouts.Create 60 min, waitNodegroupCreated)",
        ),
        "aws:eks/addon:Addon": AwaitFact(
            "add-on ACTIVE (its workloads running)",
            1200,
            _TF_AWS + "website/docs/r/eks_addon.html.markdown (Timeouts: create 20m)",
        ),
        "aws:msk/cluster:Cluster": AwaitFact(
            "cluster ACTIVE (every broker up)",
            7200,
            _TF_AWS + "website/docs/r/msk_cluster.html.markdown (Timeouts: create 120m)",
        ),
    }
)

# EKS add-ons whose workload is a Deployment: ACTIVE needs nodes to run it, so they go after
# the node groups (terraform-aws-modules/terraform-aws-eks main.tf creates `aws_eks_addon.this`
# after the node groups and only `before_compute` add-ons such as vpc-cni before them). The
# DaemonSet add-ons (vpc-cni, kube-proxy, eks-pod-identity-agent) are ACTIVE with no node.
EKS_ADDONS_RUNNING_DEPLOYMENTS: frozenset[str] = frozenset({"coredns", "aws-ebs-csi-driver"})

CUSTOM_RESOURCE_AWAIT = AwaitFact(
    "none (no built-in await for custom kinds unless pulumi.com/waitFor); the create retries "
    f"'no matches for kind' for {CRD_RETRY_SECONDS} s, so its CRD must already be installed",
    CRD_RETRY_SECONDS,
    "pulumi/pulumi-kubernetes v4.32.0 provider/pkg/await/await.go (Creation: retrier.Do(..., "
    "meta.IsNoMatchError), WithMaxRetries(5), WithBackoffFactor(2)); provider/pkg/retry/retry.go",
)

# The API group of a custom kind -> the charts whose release installs its CRDs (pinned versions
# in the components that install them).
CRD_INSTALLERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # strimzi/strimzi-kafka-operator packaging/helm-charts/helm3/strimzi-kafka-operator/crds/
        # (040-Crd-kafka.yaml, 043-Crd-kafkatopic.yaml, 044-Crd-kafkauser.yaml, ...), chart 1.2.0.
        "kafka.strimzi.io": ("strimzi-kafka-operator",),
        # prometheus-community/helm-charts charts/prometheus-operator-crds/charts/crds/templates/
        # (crd-servicemonitors.yaml, crd-podmonitors.yaml, crd-prometheusrules.yaml), chart 31.0.1;
        # kube-prometheus-stack carries the same CRDs in its crds subchart.
        "monitoring.coreos.com": ("prometheus-operator-crds", "kube-prometheus-stack"),
        # istio/istio manifests/charts/base/files/crd-all.gen.yaml through templates/crds.yaml
        # (the "base" chart), chart 1.30.3.
        "networking.istio.io": ("base",),
        "security.istio.io": ("base",),
        "telemetry.istio.io": ("base",),
    }
)

# Charts whose release creates no pod (Helm's wait has nothing to schedule): CRDs, RBAC, webhooks.
CHARTS_WITHOUT_PODS: frozenset[str] = frozenset({"base", "prometheus-operator-crds"})

LOAD_BALANCER_CONTROLLER_CHART = "aws-load-balancer-controller"
"""Provisions the NLB of a LoadBalancer Service (loadBalancerClass service.k8s.aws/nlb); without
it no ingress address is ever allocated and the Service's await (or Helm's wait) times out."""

# Charts that render a LoadBalancer Service: chart -> (values path of the Service type, default).
# istio/istio manifests/charts/gateway/values.yaml: ``service.type: LoadBalancer``.
LOAD_BALANCER_CHART_VALUES: Mapping[str, tuple[tuple[str, ...], str]] = MappingProxyType(
    {"gateway": (("service", "type"), "LoadBalancer")}
)

GPU_RESOURCE = "nvidia.com/gpu"
"""The extended resource a GPU pod requests; a node offers it only once a device plugin runs there."""
# Charts whose release runs the NVIDIA device plugin that advertises nvidia.com/gpu on GPU nodes:
# NVIDIA/gpu-operator deployments/gpu-operator/values.yaml (v26.7.0) ``devicePlugin.enabled: true``
# (templates/helm/gpu-operator.yaml.j2 keeps it on). The EKS NVIDIA AMIs ship the driver only.
GPU_DEVICE_PLUGIN_CHARTS: frozenset[str] = frozenset({"gpu-operator"})

# Istio resolves a Gateway server's tls.credentialName to a Secret in the namespace of the
# gateway workload (https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings);
# a Secret the plan does not create is a prerequisite outside the plan.
GATEWAY_TLS_SOURCE = "https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings"
