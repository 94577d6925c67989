"""The serving stack outputs `mlinfra verify` checks after a deploy (mlinfra/verify_serving.py).

``serving_endpoints``: per endpoint, where its model versions must be in the models bucket,
the Deployment of each version and the weight the VirtualService was planned with.
``ingress_tls_secret``: the TLS Secret the gateway reads (created by hand, never by Pulumi).
Plain values only (no secrets): the same text `pulumi stack output --json` prints.
"""

from __future__ import annotations

from typing import Any, Protocol

from components.catalog.namespaces import MESH_INGRESS
from components.mesh import serving_validation as validation
from stacks.serving_settings import ServingEndpoint
from stacks.team_model import TeamSettings


class _Gateway(Protocol):
    @property
    def tls_secret(self) -> str | None: ...


class _Mesh(Protocol):
    @property
    def gateway(self) -> _Gateway: ...


class ServingStack(Protocol):
    """What the serving outputs read of the settings: the teams' endpoints and the gateway's TLS Secret."""

    @property
    def teams(self) -> tuple[TeamSettings, ...]: ...
    @property
    def mesh(self) -> _Mesh: ...


def _endpoint(team: str, name: str, ep: ServingEndpoint) -> dict[str, Any]:
    stable_weight, canary_weight = validation.route_weights(ep.canary.weight if ep.canary else 0)
    versions = [(ep.stable.version, stable_weight), *([(ep.canary.version, canary_weight)] if ep.canary else [])]
    return {
        "team": team,
        "endpoint": name,
        "namespace": team,
        "server": ep.server,
        # components/mesh/_model_pod.model_source: the init container copies <prefix><version>/.
        "model_prefix": f"teams/{team}/models/{ep.model}/",
        "virtual_service": name,
        "versions": [
            {"version": v, "deployment": validation.resource_name(name, v), "subset": validation.subset_name(v), "weight": w}
            for v, w in versions
        ],
    }


def serving_outputs(settings: ServingStack) -> dict[str, Any]:
    """``serving_endpoints`` (always, possibly empty) and ``ingress_tls_secret`` (when the gateway
    terminates TLS with a Secret)."""
    endpoints = [_endpoint(t.name, n, ep) for t in settings.teams if t.spec for n, ep in sorted(t.spec.serving.items())]
    outputs: dict[str, Any] = {"serving_endpoints": endpoints}
    if settings.mesh.gateway.tls_secret is not None:
        outputs["ingress_tls_secret"] = {"namespace": MESH_INGRESS, "name": settings.mesh.gateway.tls_secret}
    return outputs
