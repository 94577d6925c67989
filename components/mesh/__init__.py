"""The mesh area: Istio, its ingress gateway and load balancer controller, team authorization and model serving.

The public face of the area. Its component modules import the provider SDKs (seconds), so
they load when a name is first asked for: the settings read only the pure modules
(``validation``), and `mlinfra team list` stays fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.mesh._model_pod import ModelVersion
    from components.mesh.load_balancer_controller import LoadBalancerController, LoadBalancerControllerArgs
    from components.mesh.mesh import MeshEndpoints, ServiceMesh, ServiceMeshArgs
    from components.mesh.serving import AutoscalingArgs, ModelEndpoint, ModelEndpointArgs
    from components.mesh.team_authorization import TeamAuthorization, TeamAuthorizationArgs

__all__ = [
    "AutoscalingArgs",
    "LoadBalancerController",
    "LoadBalancerControllerArgs",
    "MeshEndpoints",
    "ModelEndpoint",
    "ModelEndpointArgs",
    "ModelVersion",
    "ServiceMesh",
    "ServiceMeshArgs",
    "TeamAuthorization",
    "TeamAuthorizationArgs",
]

_MODULE_OF = {
    "AutoscalingArgs": "serving",
    "LoadBalancerController": "load_balancer_controller",
    "LoadBalancerControllerArgs": "load_balancer_controller",
    "MeshEndpoints": "mesh",
    "ModelEndpoint": "serving",
    "ModelEndpointArgs": "serving",
    "ModelVersion": "_model_pod",
    "ServiceMesh": "mesh",
    "ServiceMeshArgs": "mesh",
    "TeamAuthorization": "team_authorization",
    "TeamAuthorizationArgs": "team_authorization",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'components.mesh' has no attribute {name!r}")
    from components.mesh import _model_pod, load_balancer_controller, mesh, serving, team_authorization

    modules = {
        "_model_pod": _model_pod,
        "load_balancer_controller": load_balancer_controller,
        "mesh": mesh,
        "serving": serving,
        "team_authorization": team_authorization,
    }
    return getattr(modules[_MODULE_OF[name]], name)
