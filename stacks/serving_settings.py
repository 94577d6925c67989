"""Team files' ``serving:`` section: model endpoints with stable/canary versions.

The models say what one endpoint may contain (types, ranges); ``serving_team_problems``
checks the endpoints against each other and the environment (unique hosts, fault drills
only where allowed, GPU demand within the quota). The pure rules are
``components/mesh/serving_validation.py``, shared with ``components/mesh/serving.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from components.mesh import serving_validation as validation
from stacks.area import CoreStack
from stacks.errors import Problem, explain_patterns

if TYPE_CHECKING:
    import pulumi

    from components.mesh import MeshEndpoints, ModelEndpointArgs, ModelVersion
    from components.mesh.istio import Fault as IstioFault

Environment = Literal["dev", "staging", "prod"]
EndpointName = Annotated[str, StringConstraints(pattern=validation.ENDPOINT_PATTERN)]
Host = Annotated[str, StringConstraints(pattern=validation.HOST_PATTERN, max_length=validation.MAX_HOST_LENGTH)]
ModelName = Annotated[str, StringConstraints(pattern=validation.MODEL_PATTERN)]
Version = Annotated[str, StringConstraints(pattern=validation.VERSION_PATTERN)]
Server = Literal["tensorflow-serving", "triton"]
CPU_PATTERN = r"^([1-9][0-9]{0,4}|[0-9]{1,5}\.[0-9]{1,3}|[1-9][0-9]{0,6}m)$"
MEMORY_PATTERN = r"^[1-9][0-9]{0,6}(Mi|Gi|Ti)$"

# What each pattern means, for the loader's messages (stacks/team_model.PATTERN_MEANS gets these).
SERVING_PATTERN_MEANS = {
    validation.ENDPOINT_PATTERN: f"must be {validation.ENDPOINT_RULE}",
    validation.HOST_PATTERN: f"must be {validation.HOST_RULE}",
    validation.MODEL_PATTERN: f"must be {validation.MODEL_RULE}",
    validation.VERSION_PATTERN: f"must be {validation.VERSION_RULE}",
    CPU_PATTERN: 'must be a CPU quantity such as "16", "0.5" or "500m"',
    MEMORY_PATTERN: 'must be a memory quantity such as "512Mi", "64Gi" or "1Ti"',
}
explain_patterns(SERVING_PATTERN_MEANS)


MODELS_ZONE = "models"
"""The data-lake zone the model servers read their versions from."""


class _FaultSwitch(Protocol):
    @property
    def allow_fault_injection(self) -> bool: ...


class ServingStack(CoreStack, Protocol):
    """What the endpoints read of the stack's settings (beyond ``CoreStack``): the mesh's fault switch."""

    @property
    def mesh(self) -> _FaultSwitch: ...


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


def _version_number(v: Any) -> Any:
    # `version: 2` in YAML is a number; the version directory is the same text.
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class StableVersion(_Model):
    """The version serving most requests."""

    version: Version
    """Model version: the directory ``<version>/`` under the model's prefix in the models zone."""
    replicas: int = Field(default=2, ge=1, le=100)
    """Pods of this version (the starting point when ``autoscaling`` is set)."""
    gpu: int = Field(default=0, ge=0, le=validation.MAX_GPUS_PER_REPLICA)
    """``nvidia.com/gpu`` per pod; > 0 schedules on the GPU nodes (toleration + limit)."""

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return _version_number(v)


class CanaryVersion(_Model):
    """A new version receiving ``weight`` percent of the requests."""

    version: Version
    weight: int = Field(default=0, ge=0, le=validation.MAX_WEIGHT)
    """Percent of requests (0-100); the stable version receives the rest."""
    replicas: int = Field(default=1, ge=1, le=100)
    gpu: int | None = Field(default=None, ge=0, le=validation.MAX_GPUS_PER_REPLICA)
    """GPUs per pod; default: as the stable version."""

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return _version_number(v)


class Retries(_Model):
    attempts: int = Field(default=2, ge=0, le=validation.MAX_RETRY_ATTEMPTS)
    """Retries after a failed try (connection failure, reset, 5xx, gRPC UNAVAILABLE); 0 = none."""
    per_try_timeout_ms: int = Field(default=200, ge=1, le=validation.MAX_TIMEOUT_MS)


class CircuitBreaker(_Model):
    max_connections: int = Field(default=100, ge=1, le=100_000)
    """Connections (and pending/active requests) to the endpoint per calling proxy; beyond: 503 at once."""
    consecutive_5xx: int = Field(default=5, ge=1, le=1000)
    """5xx answers in a row that eject a pod from the pool."""
    ejection_s: int = Field(default=30, ge=1, le=3600)
    """How long an ejected pod stays out (seconds)."""


class Fault(_Model):
    """A fault drill: abort and/or delay a share of the requests (dev and staging by default)."""

    abort_percent: float = Field(default=0, ge=0, le=100)
    http_status: int = Field(default=503, ge=200, le=599)
    delay_ms: int = Field(default=0, ge=0, le=validation.MAX_TIMEOUT_MS)
    delay_percent: float = Field(default=0, ge=0, le=100)
    environments: tuple[Environment, ...] = ("dev", "staging")
    """Environments where the drill runs; prod forbids fault injection (mlinfra:mesh)."""

    @model_validator(mode="after")
    def _injects_something(self) -> Fault:
        if validation.fault_is_noop(self.abort_percent, self.delay_ms, self.delay_percent):
            raise ValueError("injects nothing: set abort_percent, or delay_ms with delay_percent (or remove fault)")
        return self


class Autoscaling(_Model):
    min: int = Field(ge=1, le=100)
    max: int = Field(ge=1, le=100)
    target_cpu_percent: int = Field(default=70, ge=10, le=100)


class ServingEndpoint(_Model):
    """One model endpoint: ``serving.<name>`` of a team file."""

    host: Host
    """DNS name callers use through the ingress gateway; unique across teams."""
    model: ModelName
    """Model name: ``s3://<models bucket>/teams/<team>/models/<model>/<version>/``."""
    server: Server = "tensorflow-serving"
    """Model server (image pinned per server by the platform)."""
    port: int = 8500
    """Port of the endpoint's Service (gRPC inference API)."""
    stable: StableVersion
    canary: CanaryVersion | None = None
    timeout_ms: int = Field(default=1000, ge=1, le=validation.MAX_TIMEOUT_MS)
    """Route timeout (the whole request, retries included)."""
    retries: Retries = Retries()
    circuit_breaker: CircuitBreaker = CircuitBreaker()
    fault: Fault | None = None
    autoscaling: Autoscaling | None = None
    """Scale the stable version on CPU between min and max pods; None: fixed ``stable.replicas``."""
    cpu: Annotated[str, StringConstraints(pattern=CPU_PATTERN)] = "1"
    """CPU request (= limit) per pod."""
    memory: Annotated[str, StringConstraints(pattern=MEMORY_PATTERN)] = "2Gi"
    """Memory request (= limit) per pod."""

    @field_validator("port")
    @classmethod
    def _port(cls, v: int) -> int:
        problem = validation.port_problem(v)
        if problem:
            raise ValueError(problem)
        return v


def endpoint_problems(source: str, name: str, ep: ServingEndpoint, *, environment: str, fault_allowed: bool) -> list[Problem]:
    """One endpoint's cross-field checks in one environment."""
    found = validation.canary_problems(
        ep.stable.version, ep.canary.version if ep.canary else None, ep.canary.weight if ep.canary else None
    )
    found += validation.retry_problems(ep.timeout_ms, ep.retries.attempts, ep.retries.per_try_timeout_ms)
    if ep.autoscaling is not None:
        found += validation.autoscaling_problems(ep.autoscaling.min, ep.autoscaling.max, ep.stable.replicas)
    if ep.fault is not None:
        found += validation.fault_problems(ep.fault.environments, fault_allowed, environment)
    return [Problem(source, f"serving.{name}.{field}", message) for field, message in found]


def endpoint_gpus(ep: ServingEndpoint) -> int:
    """GPUs the endpoint may request at most."""
    most = ep.autoscaling.max if ep.autoscaling else ep.stable.replicas
    canary_gpu = ep.canary.gpu if ep.canary and ep.canary.gpu is not None else ep.stable.gpu
    return validation.gpu_demand(most, ep.canary.replicas if ep.canary else 0, ep.stable.gpu, canary_gpu)


def serving_team_problems(
    teams: Iterable[tuple[str, str, dict[str, ServingEndpoint], int]],
    *,
    environment: str,
    fault_allowed: bool,
) -> list[Problem]:
    """Every team's endpoints in one environment: ``(source, team, endpoints, gpu_quota)`` per team."""
    problems: list[Problem] = []
    hosts: list[tuple[str, str, str]] = []
    for source, _team, endpoints, gpu_quota in teams:
        gpus = 0
        for name, ep in endpoints.items():
            problems += endpoint_problems(source, name, ep, environment=environment, fault_allowed=fault_allowed)
            hosts.append((source, f"serving.{name}.host", ep.host))
            gpus += endpoint_gpus(ep)
        if gpus > gpu_quota:
            problems.append(
                Problem(
                    source,
                    "serving",
                    f"the endpoints may request {gpus} GPUs in {environment} (replicas x gpu, autoscaling max, canary) "
                    f"but the team's {environment}.quota.gpu is {gpu_quota}",
                )
            )
    problems += [Problem(s, f, m) for s, f, m in validation.duplicate_hosts(hosts)]
    return problems


def _drill(settings: ServingStack, ep: ServingEndpoint) -> IstioFault | None:
    """The fault drill, only where the file lists the environment and the mesh settings allow drills."""
    from components.mesh.istio import Fault as IstioFault

    fault = ep.fault
    if fault is None or settings.environment not in fault.environments or not settings.mesh.allow_fault_injection:
        return None
    return IstioFault(
        abort_percent=fault.abort_percent,
        http_status=fault.http_status,
        delay_ms=fault.delay_ms,
        delay_percent=fault.delay_percent,
    )


def _versions(ep: ServingEndpoint) -> tuple[ModelVersion, ModelVersion | None]:
    """The stable version and the canary (its GPUs default to the stable version's)."""
    from components.mesh import ModelVersion

    stable = ModelVersion(version=ep.stable.version, replicas=ep.stable.replicas, gpu=ep.stable.gpu)
    canary = ep.canary
    if canary is None:
        return stable, None
    gpu = ep.stable.gpu if canary.gpu is None else canary.gpu
    return stable, ModelVersion(version=canary.version, replicas=canary.replicas, gpu=gpu)


def endpoint_args(
    settings: ServingStack,
    team: str,
    name: str,
    ep: ServingEndpoint,
    *,
    namespace: str,
    service_account: pulumi.Input[str],
    models_bucket: pulumi.Input[str],
    mesh: MeshEndpoints,
    k8s_provider: pulumi.ProviderResource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> ModelEndpointArgs:
    """ModelEndpointArgs of one endpoint in this environment, field by field."""
    from components.mesh import AutoscalingArgs, ModelEndpointArgs

    stable, canary = _versions(ep)
    return ModelEndpointArgs(
        endpoint=name,
        team=team,
        namespace=namespace,
        service_account=service_account,
        host=ep.host,
        model=ep.model,
        server=ep.server,
        models_bucket=models_bucket,
        region=settings.region,
        stable=stable,
        canary=canary,
        canary_weight=ep.canary.weight if ep.canary else 0,
        k8s_provider=k8s_provider,
        gateway_selector=mesh.gateway_selector,
        gateway_tls=mesh.gateway_tls,
        port=ep.port,
        timeout_ms=ep.timeout_ms,
        retry_attempts=ep.retries.attempts,
        per_try_timeout_ms=ep.retries.per_try_timeout_ms,
        max_connections=ep.circuit_breaker.max_connections,
        consecutive_5xx=ep.circuit_breaker.consecutive_5xx,
        ejection_s=ep.circuit_breaker.ejection_s,
        fault=_drill(settings, ep),
        autoscaling=None
        if ep.autoscaling is None
        else AutoscalingArgs(ep.autoscaling.min, ep.autoscaling.max, ep.autoscaling.target_cpu_percent),
        cpu=ep.cpu,
        memory=ep.memory,
        depends_on=(*mesh.ready, *depends_on),
        labels={"team": team},
    )
