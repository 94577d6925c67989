"""The mesh area: Istio, its ingress gateway and load balancer controller, team authorization and model serving.

The public face of the area; its components load on first use (components/_lazy.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_exports

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

__getattr__ = lazy_exports(
    __name__,
    {
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
    },
)
