"""The mesh's pure validation (no Pulumi): mTLS modes, the gateway's load balancer and TLS,
istiod availability, cross-team callers.

Shared by ``components/mesh/mesh.py`` (Args: ValueError) and ``stacks/mesh_settings.py``
(Problem naming the stack file and field). Checks return ``(field, message)`` pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

MTLS_MODES: tuple[str, ...] = ("STRICT", "PERMISSIVE")
"""Mesh-wide PeerAuthentication modes the platform accepts (DISABLE never)."""
GATEWAY_SCHEMES: tuple[str, ...] = ("internal", "internet-facing")
"""Scheme of the ingress gateway's Network Load Balancer."""
# ACM certificate ARNs: https://docs.aws.amazon.com/acm/latest/userguide/acm-concepts.html
ACM_CERTIFICATE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:acm:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:certificate/[0-9a-f-]{36}$")
ACM_RULE = "an ACM certificate ARN such as arn:aws:acm:us-west-2:123456789012:certificate/<uuid>"
# Kubernetes Secret names (the gateway's TLS secret in the ingress namespace): DNS subdomain.
SECRET_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")

TRUST_DOMAIN = "cluster.local"
"""Istio's default trust domain: SPIFFE principals are ``<trust domain>/ns/<ns>/sa/<sa>``."""


def principal(namespace: str, service_account: str) -> str:
    """The mTLS identity of a workload, as AuthorizationPolicy ``source.principals`` spells it."""
    return f"{TRUST_DOMAIN}/ns/{namespace}/sa/{service_account}"


def mtls_problems(mode: str, allow_permissive: bool) -> list[tuple[str, str]]:
    if mode not in MTLS_MODES:
        return [("mtls_mode", f"must be one of {list(MTLS_MODES)}, got {mode!r}")]
    if mode == "PERMISSIVE" and not allow_permissive:
        return [("mtls_mode", "PERMISSIVE accepts plain-text traffic; only a dev stack may choose it (use STRICT)")]
    return []


def control_plane_problems(min_replicas: int, max_replicas: int, enable_pdb: bool) -> list[tuple[str, str]]:
    """istiod's autoscaling range and disruption budget."""
    problems = []
    if min_replicas > max_replicas:
        problems.append(("istiod.max_replicas", f"must be at least istiod.min_replicas ({min_replicas}), got {max_replicas}"))
    if enable_pdb and min_replicas < 2:
        # With one replica, a budget of minAvailable 1 blocks every node drain (and the chart
        # silently skips it: https://github.com/kubernetes/kubernetes/issues/93476).
        problems.append(("istiod.enable_pdb", f"needs istiod.min_replicas >= 2, got {min_replicas}"))
    return problems


def tls_problems(
    certificate_arn: str | None, tls_secret: str | None, enable_plain_http: bool, allow_plain_http: bool
) -> list[tuple[str, str]]:
    """HTTPS from outside: the NLB terminates TLS with an ACM certificate, or the gateway does
    with a Kubernetes secret; plain HTTP only where the environment allows it."""
    problems = []
    if certificate_arn is not None and not ACM_CERTIFICATE_ARN.match(certificate_arn):
        problems.append(("gateway.certificate_arn", f"must be {ACM_RULE}, got {certificate_arn!r}"))
    if tls_secret is not None and not SECRET_NAME.match(tls_secret):
        problems.append(("gateway.tls_secret", f"must be a Kubernetes Secret name (lowercase DNS subdomain), got {tls_secret!r}"))
    if certificate_arn is not None and tls_secret is not None:
        problems.append(
            (
                "gateway.tls_secret",
                "give certificate_arn (TLS ends at the load balancer) or tls_secret (TLS ends at the gateway), not both",
            )
        )
    if enable_plain_http and not allow_plain_http:
        problems.append(("gateway.enable_plain_http", "plain HTTP is allowed only in dev stacks (mlinfra:mesh allow_plain_http)"))
    if certificate_arn is None and tls_secret is None and not enable_plain_http:
        problems.append(
            (
                "gateway.certificate_arn",
                "the gateway needs HTTPS: give certificate_arn or tls_secret (or enable_plain_http in dev)",
            )
        )
    return problems


def allow_from_problems(team: str, allow_from: Sequence[str], teams: Iterable[str]) -> list[tuple[int, str]]:
    """``mesh.allow_from`` of one team file: ``(index, message)`` per bad entry."""
    known = sorted(set(teams))
    problems = []
    for i, other in enumerate(allow_from):
        if other == team:
            problems.append((i, "a team's own namespace is always allowed; remove it"))
        elif other not in known:
            problems.append((i, f"no team {other!r}; teams: {known}"))
    for i, other in enumerate(allow_from):
        if other in allow_from[:i]:
            problems.append((i, f"{other!r} is listed twice"))
    return problems
