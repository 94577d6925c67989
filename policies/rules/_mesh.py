"""Helpers of the mesh and serving rules: Istio custom-resource types and their props.

``apiextensions.CustomResource`` registers as ``kubernetes:<apiVersion>:<kind>``; the kinds'
API versions come from components/catalog/crds.py, so a rule follows an API upgrade.
"""

from __future__ import annotations

from typing import Any

from components.catalog.crds import CRD_API_VERSIONS
from policies.rules._util import get, items


def cr_type(kind: str) -> str:
    return f"kubernetes:{CRD_API_VERSIONS[kind]}:{kind}"


PEER_AUTHENTICATION = cr_type("PeerAuthentication")
AUTHORIZATION_POLICY = cr_type("AuthorizationPolicy")
VIRTUAL_SERVICE = cr_type("VirtualService")
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
NAMESPACE = "kubernetes:core/v1:Namespace"


def http_routes(virtual_service_props: Any) -> list[Any]:
    return items(get(virtual_service_props, "spec", "http"))


def namespace_of(props: Any) -> str:
    value = get(props, "metadata", "namespace", default="")
    return value if isinstance(value, str) else ""
