"""Serving endpoints' pure validation (no Pulumi): names, hosts, versions, ports, weights, faults.

Shared by ``components/mesh/serving.py`` (Args validation: ValueError) and the team-file models in
``stacks/serving_settings.py`` (Problem naming file and field), so a rule has one spelling.
Each check returns ``(field, message)`` pairs, the field relative to the endpoint
(``canary.version``), so callers prefix ``serving.<endpoint>.`` and the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Endpoint names become Deployment/Service names "<endpoint>-v<version>" (DNS-1035 labels, 63
# max): 40 characters leave room for the version.
ENDPOINT_PATTERN = r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$"
ENDPOINT_RULE = "a DNS label of at most 40 characters: lowercase letters, digits and '-', starting with a letter"
# Model names are path segments of s3://<models bucket>/teams/<team>/models/<model>/<version>/
# and the model name the server announces (TF Serving --model_name, a Triton model directory).
MODEL_PATTERN = r"^[a-z0-9]([a-z0-9_.-]{0,62}[a-z0-9])?$"
MODEL_RULE = "1-64 characters of a-z, 0-9, '_', '.', '-', starting and ending with a letter or digit"
# TF Serving and Triton both load numbered version directories (<model>/<n>/) and serve the
# highest or the one asked for: a version is a positive integer, written as a string.
VERSION_PATTERN = r"^[1-9][0-9]{0,17}$"
VERSION_RULE = 'a positive whole number written as a string, such as "1" or "42" (the version directory)'
# A fully qualified DNS name (RFC 1123): at least two labels, no wildcard, no trailing dot.
HOST_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
MAX_HOST_LENGTH = 253
HOST_RULE = "a fully qualified DNS name in lowercase such as recommend.ml.example.com (no wildcard, no trailing dot)"

# Ports the Istio sidecar and gateway take for themselves; an application port there breaks
# the proxy. https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
ISTIO_RESERVED_PORTS: frozenset[int] = frozenset({15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090})

MAX_WEIGHT = 100
MAX_TIMEOUT_MS = 600_000
MAX_RETRY_ATTEMPTS = 10
MAX_GPUS_PER_REPLICA = 8


def port_problem(port: int) -> str | None:
    """Why ``port`` cannot be a Service port of an endpoint, or None."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        return f"must be a port number from 1 to 65535, got {port!r}"
    if port in ISTIO_RESERVED_PORTS:
        return f"{port} is reserved by the Istio sidecar (reserved: {sorted(ISTIO_RESERVED_PORTS)})"
    return None


def route_weights(canary_weight: int | None) -> tuple[int, int]:
    """(stable, canary) weights of the VirtualService: they always sum to 100."""
    canary = canary_weight or 0
    if not 0 <= canary <= MAX_WEIGHT:
        raise ValueError(f"canary weight must be from 0 to {MAX_WEIGHT}, got {canary}")
    return MAX_WEIGHT - canary, canary


def canary_problems(stable_version: str, canary_version: str | None, canary_weight: int | None) -> list[tuple[str, str]]:
    """The canary against the stable version."""
    problems = []
    if canary_version is not None and canary_version == stable_version:
        problems.append(
            ("canary.version", f"must differ from stable.version ({stable_version!r}); promote or remove the canary instead")
        )
    if canary_weight is not None and not 0 <= canary_weight <= MAX_WEIGHT:
        problems.append(("canary.weight", f"must be from 0 to {MAX_WEIGHT} (percent of requests), got {canary_weight}"))
    return problems


def retry_problems(timeout_ms: int, attempts: int, per_try_timeout_ms: int) -> list[tuple[str, str]]:
    """Retries must fit in the route timeout, or the last tries are cut off silently."""
    if attempts > 0 and per_try_timeout_ms > timeout_ms:
        return [
            (
                "retries.per_try_timeout_ms",
                f"must be at most timeout_ms ({timeout_ms}): Istio stops retrying when the route timeout expires, "
                f"got {per_try_timeout_ms}",
            )
        ]
    return []


def autoscaling_problems(min_replicas: int, max_replicas: int, stable_replicas: int) -> list[tuple[str, str]]:
    problems = []
    if min_replicas > max_replicas:
        problems.append(("autoscaling.max", f"must be at least autoscaling.min ({min_replicas}), got {max_replicas}"))
    elif not min_replicas <= stable_replicas <= max_replicas:
        problems.append(
            (
                "stable.replicas",
                f"must be between autoscaling.min ({min_replicas}) and autoscaling.max ({max_replicas}), got {stable_replicas}",
            )
        )
    return problems


def fault_problems(fault_environments: Sequence[str], fault_allowed: bool, environment: str) -> list[tuple[str, str]]:
    """A fault block may act only where the environment's mesh settings allow fault drills."""
    if environment in fault_environments and not fault_allowed:
        return [
            (
                "fault.environments",
                f"fault injection is not allowed in {environment} (mlinfra:mesh allow_fault_injection is false); "
                f"remove {environment!r} from the list",
            )
        ]
    return []


def fault_is_noop(abort_percent: float, delay_ms: int, delay_percent: float) -> bool:
    """A fault that injects nothing (a drill left at zero) is a mistake, not a no-op to keep."""
    return abort_percent == 0 and (delay_ms == 0 or delay_percent == 0)


def gpu_demand(max_stable_replicas: int, canary_replicas: int, gpu: int, canary_gpu: int) -> int:
    """GPUs the endpoint can request at most (stable scaled out, plus the canary)."""
    return max_stable_replicas * gpu + canary_replicas * canary_gpu


def duplicate_hosts(entries: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``(source, field, host)`` entries -> ``(source, field, message)`` for every host used twice."""
    seen: dict[str, list[tuple[str, str]]] = {}
    for source, field, host in entries:
        seen.setdefault(host, []).append((source, field))
    problems = []
    for host, uses in seen.items():
        if len(uses) < 2:
            continue
        for source, field in uses:
            others = ", ".join(f"{s}: {f}" for s, f in uses if (s, f) != (source, field))
            problems.append((source, field, f"host {host!r} is used more than once (also {others}); hosts must be unique"))
    return problems


def resource_name(endpoint: str, version: str) -> str:
    """Name of a version's Deployment and its DestinationRule subset."""
    return f"{endpoint}-v{version}"


def subset_name(version: str) -> str:
    return f"v{version}"
