"""The pod template of one model-server version (no resources registered here).

Hardened like every workload of the platform: non-root, read-only root filesystem, no
privilege escalation, every capability dropped, RuntimeDefault seccomp; requests = limits;
readiness and liveness probes on the server's own health API; Prometheus annotations that
Istio's metrics merging serves through the sidecar under STRICT mTLS.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.catalog.gpu import GPU_TAINT_KEY
from components.catalog.model_servers import (
    COMPONENT_LABEL,
    MODEL_SERVER_COMPONENT,
    MODEL_SERVER_UID,
    MODEL_SYNC_IMAGE,
    ModelServer,
)

MODELS_DIR = "/models"
TF_MONITORING_DIR = "/etc/tfserving"
# TF Serving's Prometheus endpoint is turned on by a monitoring config file:
# https://www.tensorflow.org/tfx/serving/serving_config#monitoring_configuration
TF_MONITORING_CONFIG_NAME = "{endpoint}-monitoring"
TF_MONITORING_CONFIG = 'prometheus_config {\n  enable: true,\n  path: "/monitoring/prometheus/metrics"\n}\n'
# `aws s3 sync` of an empty prefix succeeds: the server would start without a model and, the
# init container never running again, stay unready after the upload. Failing instead makes the
# kubelet retry the init container with back-off until the version is there
# (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/). $1 source, $2 target;
# the image (aws/aws-cli docker/Dockerfile: amazonlinux:2) has sh and ls.
FETCH_SCRIPT = (
    'aws s3 sync --only-show-errors "$1" "$2" && if [ -z "$(ls -A "$2")" ]; then '
    'echo "no model files under $1: upload this model version there (mlinfra verify shows the path)" >&2; exit 1; fi'
)
# The EKS Pod Identity agent (credentials) and HTTPS to S3 bypass the sidecar: the init
# container copying the model runs before the proxy is ready.
POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"


@dataclass(frozen=True)
class ModelVersion:
    """One version of the model and its pods."""

    version: str
    replicas: int = 1
    gpu: int = 0
    """``nvidia.com/gpu`` per pod; > 0 adds the GPU toleration and limit and the GPU image."""


@dataclass(frozen=True)
class PodSpecArgs:
    team: str
    endpoint: str
    model: str
    server: ModelServer
    service_account: pulumi.Input[str]
    models_bucket: pulumi.Input[str]
    region: str
    cpu: str = "1"
    memory: str = "2Gi"


def model_pod_labels(team: str, endpoint: str) -> dict[str, str]:
    """Labels shared by every version of an endpoint (Service, PDB and policy selectors)."""
    return {"app": endpoint, "team": team, COMPONENT_LABEL: MODEL_SERVER_COMPONENT}


def version_labels(team: str, endpoint: str, version: str) -> dict[str, str]:
    """Labels of one version's pods: the DestinationRule subset selects ``version``."""
    return {**model_pod_labels(team, endpoint), "version": version}


def model_source(bucket: pulumi.Input[str], team: str, model: str, version: str) -> pulumi.Output[str]:
    """``s3://<models bucket>/teams/<team>/models/<model>/<version>/``: the team's own prefix."""
    return pulumi.Output.concat("s3://", bucket, f"/teams/{team}/models/{model}/{version}/")


def _server_command(args: PodSpecArgs) -> list[str]:
    s = args.server
    if s.name == "tensorflow-serving":
        return [
            "tensorflow_model_server",
            f"--port={s.grpc_port}",
            f"--rest_api_port={s.http_port}",
            f"--model_name={args.model}",
            f"--model_base_path={MODELS_DIR}/{args.model}",
            f"--monitoring_config_file={TF_MONITORING_DIR}/monitoring.config",
        ]
    return [  # Triton: https://github.com/triton-inference-server/server/blob/v2.71.0/docs/user_guide/model_repository.md
        "tritonserver",
        f"--model-repository={MODELS_DIR}",
        f"--http-port={s.http_port}",
        f"--grpc-port={s.grpc_port}",
        f"--metrics-port={s.metrics_port}",
        "--allow-metrics=true",
        "--strict-readiness=true",
    ]


def _restricted(*, uid: int) -> k8s.core.v1.SecurityContextArgs:
    return k8s.core.v1.SecurityContextArgs(
        run_as_non_root=True,
        run_as_user=uid,
        run_as_group=uid,
        read_only_root_filesystem=True,
        allow_privilege_escalation=False,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def _probe(path: str, port: int, *, period: int, failures: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port),
        period_seconds=period,
        failure_threshold=failures,
        timeout_seconds=5,
    )


def _volumes(args: PodSpecArgs) -> tuple[list[k8s.core.v1.VolumeMountArgs], list[k8s.core.v1.VolumeArgs]]:
    """The server container's mounts and the pod's volumes: the model copy, /tmp, TF's monitoring config."""
    mounts = [
        k8s.core.v1.VolumeMountArgs(name="models", mount_path=MODELS_DIR, read_only=True),
        k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
    ]
    volumes = [
        k8s.core.v1.VolumeArgs(name="models", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()),
        k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="1Gi")),
    ]
    if args.server.name == "tensorflow-serving":
        mounts.append(k8s.core.v1.VolumeMountArgs(name="monitoring", mount_path=TF_MONITORING_DIR, read_only=True))
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="monitoring",
                config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=TF_MONITORING_CONFIG_NAME.format(endpoint=args.endpoint)),
            )
        )
    return mounts, volumes


def _fetch_container(args: PodSpecArgs, version: ModelVersion) -> k8s.core.v1.ContainerArgs:
    """The init container copying the version from the models bucket."""
    return k8s.core.v1.ContainerArgs(
        name="fetch-model",
        image=MODEL_SYNC_IMAGE,
        # The version directory only, with the team's Pod Identity credentials (its own prefix).
        command=["/bin/sh", "-c", FETCH_SCRIPT, "fetch-model"],
        args=[
            model_source(args.models_bucket, args.team, args.model, version.version),
            f"{MODELS_DIR}/{args.model}/{version.version}/",
        ],
        env=[k8s.core.v1.EnvVarArgs(name="AWS_REGION", value=args.region), k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp")],
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name="models", mount_path=MODELS_DIR),
            k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
        ],
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "250m", "memory": "256Mi"}, limits={"cpu": "1", "memory": "512Mi"}
        ),
        security_context=_restricted(uid=MODEL_SERVER_UID),
    )


def _server_container(
    args: PodSpecArgs, version: ModelVersion, mounts: list[k8s.core.v1.VolumeMountArgs]
) -> k8s.core.v1.ContainerArgs:
    """The model server: requests = limits (GPUs included), health probes on its own API."""
    s = args.server
    limits = {"cpu": args.cpu, "memory": args.memory}
    if version.gpu:
        limits["nvidia.com/gpu"] = str(version.gpu)
    metrics = (
        [k8s.core.v1.ContainerPortArgs(name="metrics", container_port=s.metrics_port)] if s.metrics_port != s.http_port else []
    )
    ready = s.ready_path.format(model=args.model)
    return k8s.core.v1.ContainerArgs(
        name="server",
        image=s.gpu_image if version.gpu else s.image,
        command=_server_command(args),
        ports=[
            k8s.core.v1.ContainerPortArgs(name="grpc", container_port=s.grpc_port),
            k8s.core.v1.ContainerPortArgs(name="http", container_port=s.http_port),
            *metrics,
        ],
        resources=k8s.core.v1.ResourceRequirementsArgs(requests=dict(limits), limits=limits),
        # Loading a large model takes minutes: the startup probe holds the liveness probe off.
        startup_probe=_probe(ready, s.http_port, period=10, failures=60),
        readiness_probe=_probe(ready, s.http_port, period=5, failures=3),
        liveness_probe=_probe(s.live_path.format(model=args.model), s.http_port, period=10, failures=3),
        volume_mounts=mounts,
        security_context=_restricted(uid=MODEL_SERVER_UID),
    )


def model_pod_template(args: PodSpecArgs, version: ModelVersion) -> k8s.core.v1.PodTemplateSpecArgs:
    """The pod of one version: the fetch init container, then the server."""
    s = args.server
    mounts, volumes = _volumes(args)
    return k8s.core.v1.PodTemplateSpecArgs(
        metadata=k8s.meta.v1.ObjectMetaArgs(
            labels=version_labels(args.team, args.endpoint, version.version),
            annotations={
                "prometheus.io/scrape": "true",
                "prometheus.io/port": str(s.metrics_port),
                "prometheus.io/path": s.metrics_path,
                "traffic.sidecar.istio.io/excludeOutboundPorts": "443",
                "traffic.sidecar.istio.io/excludeOutboundIPRanges": POD_IDENTITY_AGENT_CIDR,
            },
        ),
        spec=k8s.core.v1.PodSpecArgs(
            service_account_name=args.service_account,
            automount_service_account_token=False,
            security_context=k8s.core.v1.PodSecurityContextArgs(fs_group=MODEL_SERVER_UID, run_as_non_root=True),
            init_containers=[_fetch_container(args, version)],
            containers=[_server_container(args, version, mounts)],
            volumes=volumes,
            tolerations=[k8s.core.v1.TolerationArgs(key=GPU_TAINT_KEY, operator="Exists", effect="NoSchedule")]
            if version.gpu
            else None,
        ),
    )
