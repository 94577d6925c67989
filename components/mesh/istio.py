"""Typed builders of the Istio objects' ``spec`` (no Pulumi): one function per kind and use.

The components pass these specs to ``components/_crd.custom_resource``; the tests validate
every spec against the Istio API models (``cloudcoil-models-istio``, generated from Istio's
CRDs) and compare the result with golden files. Field reference:
https://istio.io/latest/docs/reference/config/ (networking, security, telemetry v1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Spec = dict[str, Any]

# Retry when the upstream could not answer at all or answered 5xx/UNAVAILABLE: safe for
# inference, which is idempotent. https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
RETRY_ON = "connect-failure,refused-stream,reset,5xx,unavailable"
# Outlier detection: how often hosts are scanned and the most of them that may be ejected at
# once (never all: an ejected-everything pool would fail every request).
OUTLIER_INTERVAL = "10s"
MAX_EJECTION_PERCENT = 50


def duration_ms(ms: int) -> str:
    """An Istio duration (protobuf Duration as text) from milliseconds."""
    return f"{ms}ms"


def peer_authentication(mode: str) -> Spec:
    """Mesh-wide (in the root namespace, no selector) or namespace-wide mTLS mode."""
    return {"mtls": {"mode": mode}}


def telemetry(*, access_logs: bool) -> Spec:
    """Mesh-wide metrics to Prometheus (the built-in provider) and Envoy access logs."""
    spec: Spec = {"metrics": [{"providers": [{"name": "prometheus"}]}]}
    if access_logs:
        spec["accessLogging"] = [{"providers": [{"name": "envoy"}]}]
    return spec


def allow_nothing() -> Spec:
    """An ALLOW policy with no rule matches nothing: once it exists, every request to the
    namespace is denied unless another ALLOW policy matches it.
    https://istio.io/latest/docs/reference/config/security/authorization-policy/#AuthorizationPolicy (allow-nothing)"""
    return {"action": "ALLOW"}


def allow_namespaces(namespaces: Sequence[str], *, ports: Sequence[int] = (), selector: Mapping[str, str] | None = None) -> Spec:
    """ALLOW requests from workloads (mTLS identities) of ``namespaces``."""
    return _allow({"namespaces": sorted(namespaces)}, ports=ports, selector=selector)


def allow_principals(principals: Sequence[str], *, ports: Sequence[int] = (), selector: Mapping[str, str] | None = None) -> Spec:
    """ALLOW requests from the given mTLS identities (``cluster.local/ns/<ns>/sa/<sa>``)."""
    return _allow({"principals": sorted(principals)}, ports=ports, selector=selector)


def _allow(source: Spec, *, ports: Sequence[int], selector: Mapping[str, str] | None) -> Spec:
    if not any(source.values()):
        raise ValueError("an ALLOW rule needs at least one source; an empty source would allow everyone")
    rule: Spec = {"from": [{"source": source}]}
    if ports:
        rule["to"] = [{"operation": {"ports": [str(p) for p in sorted(ports)]}}]
    spec: Spec = {"action": "ALLOW", "rules": [rule]}
    if selector:
        spec["selector"] = {"matchLabels": dict(selector)}
    return spec


@dataclass(frozen=True)
class GatewayTls:
    """How the ingress gateway receives outside traffic for a host."""

    credential_name: str | None = None
    """Kubernetes TLS secret in the gateway's namespace: the gateway terminates TLS. None: the
    load balancer terminates TLS (ACM) and forwards plain HTTP to the gateway's 443 port."""
    enable_plain_http: bool = False
    """Also accept plain HTTP on port 80 (dev only)."""
    enable_https: bool = True
    """Serve port 443. False only where neither the load balancer nor the gateway holds a
    certificate (a dev stack on plain HTTP): port 443 would then speak plain HTTP, which no
    HTTPS client can talk to, so the host is served on port 80 only."""

    def __post_init__(self) -> None:
        if not self.enable_https and (self.credential_name is not None or not self.enable_plain_http):
            raise ValueError("without HTTPS the gateway serves plain HTTP only: enable_plain_http and no credential_name")


def gateway(selector: Mapping[str, str], host: str, tls: GatewayTls) -> Spec:
    """One ``Gateway`` for one host on the shared ingress gateway."""
    label = host.replace(".", "-")
    servers: list[Spec] = []
    if tls.credential_name is not None:
        servers.append(
            {
                "port": {"number": 443, "name": f"https-{label}", "protocol": "HTTPS"},
                "hosts": [host],
                "tls": {"mode": "SIMPLE", "credentialName": tls.credential_name, "minProtocolVersion": "TLSV1_2"},
            }
        )
    elif tls.enable_https:
        # TLS ended at the NLB (ACM certificate); the hop NLB -> gateway stays inside the VPC.
        servers.append({"port": {"number": 443, "name": f"http-lb-tls-{label}", "protocol": "HTTP"}, "hosts": [host]})
    if tls.enable_plain_http:
        servers.append({"port": {"number": 80, "name": f"http-{label}", "protocol": "HTTP"}, "hosts": [host]})
    return {"selector": dict(selector), "servers": servers}


@dataclass(frozen=True)
class Fault:
    """A fault drill on a route (percentages 0..100)."""

    abort_percent: float = 0
    http_status: int = 503
    delay_ms: int = 0
    delay_percent: float = 0

    def spec(self) -> Spec:
        fault: Spec = {}
        if self.abort_percent:
            fault["abort"] = {"percentage": {"value": float(self.abort_percent)}, "httpStatus": self.http_status}
        if self.delay_ms and self.delay_percent:
            fault["delay"] = {"percentage": {"value": float(self.delay_percent)}, "fixedDelay": duration_ms(self.delay_ms)}
        return fault


@dataclass(frozen=True)
class Route:
    """A weighted route to the endpoint's stable and (optional) canary subsets."""

    service_host: str
    """The endpoint Service's cluster-local FQDN."""
    port: int
    stable_subset: str
    stable_weight: int
    canary_subset: str | None = None
    canary_weight: int = 0
    timeout_ms: int = 1000
    retry_attempts: int = 2
    per_try_timeout_ms: int = 500
    fault: Fault | None = None


def virtual_service(hosts: Sequence[str], gateways: Sequence[str], route: Route) -> Spec:
    """Weighted stable/canary routing with timeout, retries and an optional fault drill."""
    destinations = [_destination(route, route.stable_subset, route.stable_weight)]
    if route.canary_subset is not None:
        destinations.append(_destination(route, route.canary_subset, route.canary_weight))
    http: Spec = {"name": "default", "route": destinations, "timeout": duration_ms(route.timeout_ms)}
    if route.retry_attempts:
        http["retries"] = {
            "attempts": route.retry_attempts,
            "perTryTimeout": duration_ms(route.per_try_timeout_ms),
            "retryOn": RETRY_ON,
        }
    else:
        http["retries"] = {"attempts": 0}  # Istio retries twice by default; 0 says "never"
    if route.fault is not None and route.fault.spec():
        http["fault"] = route.fault.spec()
    return {"hosts": list(hosts), "gateways": list(gateways), "http": [http]}


def _destination(route: Route, subset: str, weight: int) -> Spec:
    return {"destination": {"host": route.service_host, "subset": subset, "port": {"number": route.port}}, "weight": weight}


def destination_rule(
    service_host: str,
    subsets: Mapping[str, Mapping[str, str]],
    *,
    max_connections: int,
    consecutive_5xx: int,
    ejection_s: int,
) -> Spec:
    """A subset per version (by pod labels), connection-pool limits and outlier detection."""
    return {
        "host": service_host,
        "trafficPolicy": {
            "tls": {"mode": "ISTIO_MUTUAL"},
            "connectionPool": {
                "tcp": {"maxConnections": max_connections},
                # Pending and active requests are capped like connections: beyond them the
                # caller gets 503 at once instead of queueing behind a slow model.
                "http": {"http1MaxPendingRequests": max_connections, "http2MaxRequests": max_connections},
            },
            "outlierDetection": {
                "consecutive5xxErrors": consecutive_5xx,
                "interval": OUTLIER_INTERVAL,
                "baseEjectionTime": f"{ejection_s}s",
                "maxEjectionPercent": MAX_EJECTION_PERCENT,
            },
        },
        "subsets": [{"name": name, "labels": dict(labels)} for name, labels in subsets.items()],
    }
