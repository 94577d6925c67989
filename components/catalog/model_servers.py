"""Model servers a serving endpoint may run: pinned images, ports, health and metrics APIs.

Plain data (standard library only): ``components/mesh/serving.py`` builds the Deployments from it,
the settings validate ``server:`` against it and the policy ``mlinfra-model-server-image-pinned``
reads the pinned-image rule from here.

Pins (checked 2026-11-30 against the upstream release tags; no registry is reachable from
the build machines, so images are pinned by exact release tag; add ``@sha256:...`` when
you mirror an image into your own registry, the policy accepts both forms):
- TensorFlow Serving 2.20.0: https://github.com/tensorflow/serving/releases/tag/2.20.0
  (Docker Hub ``tensorflow/serving:2.20.0``, GPU build ``2.20.0-gpu``).
- Triton Inference Server 2.71.0 = NGC container 26.07: https://github.com/triton-inference-server/server/releases/tag/v2.71.0
- AWS CLI 2.36.15 (the init container copying a model version from S3 with the team's Pod
  Identity credentials): https://gallery.ecr.aws/aws-cli/aws-cli
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ModelServer:
    """One model server image and the APIs the platform relies on."""

    name: str
    """``server:`` in a team file."""
    image: str
    """CPU image, pinned (a release tag, optionally with @sha256 digest)."""
    gpu_image: str
    """Image used when the endpoint asks for GPUs."""
    grpc_port: int
    """Container port of the gRPC inference API (what the endpoint's Service exposes)."""
    http_port: int
    """Container port of the REST API (health probes)."""
    metrics_port: int
    """Container port of the Prometheus metrics."""
    metrics_path: str
    ready_path: str
    """Readiness probe path on ``http_port``; ``{model}`` is the model name."""
    live_path: str
    """Liveness probe path on ``http_port``."""


# TensorFlow Serving: REST model status /v1/models/<m> answers once the model is loaded
# (https://www.tensorflow.org/tfx/serving/api_rest#model_status_api); Prometheus metrics are
# served on the REST port at the path of the monitoring config
# (https://www.tensorflow.org/tfx/serving/serving_config#monitoring_configuration).
TENSORFLOW_SERVING = ModelServer(
    name="tensorflow-serving",
    image="tensorflow/serving:2.20.0",
    gpu_image="tensorflow/serving:2.20.0-gpu",
    grpc_port=8500,
    http_port=8501,
    metrics_port=8501,
    metrics_path="/monitoring/prometheus/metrics",
    ready_path="/v1/models/{model}",
    live_path="/v1/models/{model}",
)
# Triton: KServe v2 health API on the HTTP port, metrics on 8002
# (https://github.com/triton-inference-server/server/blob/v2.71.0/docs/user_guide/metrics.md).
TRITON = ModelServer(
    name="triton",
    image="nvcr.io/nvidia/tritonserver:26.07-py3",
    gpu_image="nvcr.io/nvidia/tritonserver:26.07-py3",
    grpc_port=8001,
    http_port=8000,
    metrics_port=8002,
    metrics_path="/metrics",
    ready_path="/v2/health/ready",
    live_path="/v2/health/live",
)

MODEL_SERVERS: Mapping[str, ModelServer] = MappingProxyType({s.name: s for s in (TENSORFLOW_SERVING, TRITON)})
"""``server:`` of a team file's serving endpoint -> the server."""

MODEL_SYNC_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.36.15"
"""Init container that copies the model version from the models zone into the pod."""

# Uid of the model-server containers: both images run as any uid (Triton's own user is 1000).
MODEL_SERVER_UID = 1000

# A pinned reference: "<repo>:<tag>" with a tag other than "latest", or "<repo>@sha256:<64 hex>"
# (optionally both). A reference with no tag means :latest to the container runtime.
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_TAG = re.compile(r":([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$")


def image_pin_problem(image: str) -> str | None:
    """Why ``image`` is not pinned, or None when it is (an exact tag or a digest)."""
    if _DIGEST.search(image):
        return None
    name = image.rsplit("/", 1)[-1]
    tag = _TAG.search(name)
    if tag is None:
        return f"image {image!r} has no tag, which means :latest; pin a release tag or an @sha256 digest"
    if tag.group(1) == "latest":
        return f"image {image!r} uses :latest; pin a release tag or an @sha256 digest"
    return None


# Every model-server pod carries this label: Service/PDB selectors, the gateway's
# AuthorizationPolicy and the image-pinning policy find the pods by it.
COMPONENT_LABEL = "app.kubernetes.io/component"
MODEL_SERVER_COMPONENT = "model-server"
