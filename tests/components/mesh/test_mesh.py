"""ServiceMesh and LoadBalancerController on the recorded plans: releases in order, values,
mesh-wide mTLS and telemetry, every Istio object valid against the Istio API."""

from __future__ import annotations

import pytest

from components.mesh.mesh import ISTIO_VERSION, ServiceMeshArgs, istio_values
from mlinfra.engine import Plan
from tests._golden import assert_golden_yaml
from tests.istio_api import assert_valid_istio

RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
PEER_AUTHENTICATION = "kubernetes:security.istio.io/v1:PeerAuthentication"
TELEMETRY = "kubernetes:telemetry.istio.io/v1:Telemetry"
ISTIO_KINDS = ("PeerAuthentication", "AuthorizationPolicy", "Gateway", "VirtualService", "DestinationRule", "Telemetry")


class _Provider:
    """Stands in for the Kubernetes provider: Args validation never touches it."""


def lbc_urn(plan: Plan) -> str:
    return plan.get(RELEASE, "load-balancer-controller-release").urn


def test_istio_releases_are_pinned_and_ordered(prod_plan: Plan) -> None:
    base = prod_plan.get(RELEASE, "mesh-base-release")
    cni = prod_plan.get(RELEASE, "mesh-cni-release")
    istiod = prod_plan.get(RELEASE, "mesh-istiod-release")
    gateway = prod_plan.get(RELEASE, "mesh-gateway-release")
    for release, chart, namespace in (
        (base, "base", "istio-system"),
        (cni, "cni", "istio-system"),
        (istiod, "istiod", "istio-system"),
        (gateway, "gateway", "istio-ingress"),
    ):
        inputs = release.inputs
        assert (inputs["chart"], inputs["version"], inputs["namespace"]) == (chart, ISTIO_VERSION, namespace), release.name
        assert inputs["repositoryOpts"]["repo"] == "https://istio-release.storage.googleapis.com/charts", release.name
        assert inputs["atomic"] is True, release.name
    assert base.urn in istiod.dependencies, "istiod must wait for the CRDs of base"
    assert istiod.inputs["values"]["cni"] == {"enabled": True}, "no istio-init: PSA baseline"
    # Injected pods (the gateway first) need the CNI node agent; istiod itself is not injected.
    assert cni.urn in gateway.dependencies and cni.urn not in istiod.dependencies, "gateway waits for the CNI agent"
    nodes = prod_plan.get("aws:eks/nodeGroup:NodeGroup", "cluster-system").urn
    assert all(nodes in r.dependencies for r in (cni, istiod, gateway)), "releases with pods wait for the nodes"
    assert nodes not in base.dependencies and lbc_urn(prod_plan) not in istiod.dependencies, "CRDs need only the API"
    assert cni.inputs["values"]["resourceQuotas"] == {"enabled": True}
    assert istiod.urn in gateway.dependencies, "the gateway pods are injected by istiod's webhook"
    lbc = prod_plan.get(RELEASE, "load-balancer-controller-release")
    assert lbc.urn in gateway.dependencies, "the NLB controller must see the gateway Service created"
    # One namespace per name: istiod shares base's istio-system.
    names = [r.inputs["metadata"]["name"] for r in prod_plan.of_type(NAMESPACE)]
    assert names.count("istio-system") == 1 and names.count("istio-ingress") == 1


@pytest.mark.parametrize(
    ("stack", "replicas", "pdb"), [("dev", (1, 1), False), ("staging", (2, 3), True), ("prod", (3, 6), True)]
)
def test_istiod_availability_per_environment(
    stack: str, replicas: tuple[int, int], pdb: bool, request: pytest.FixtureRequest
) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    values = plan.get(RELEASE, "mesh-istiod-release").inputs["values"]
    assert (values["autoscaleMin"], values["autoscaleMax"]) == replicas
    assert values["autoscaleEnabled"] is (replicas[1] > replicas[0])
    assert values["global"]["defaultPodDisruptionBudget"]["enabled"] is pdb and values["pdb"] == {"minAvailable": 1}
    assert values["meshConfig"]["enablePrometheusMerge"] is True, "Prometheus scrapes pods through the sidecar under mTLS"


def test_gateway_behind_an_nlb(prod_plan: Plan, dev_plan: Plan) -> None:
    values = prod_plan.get(RELEASE, "mesh-gateway-release").inputs["values"]
    service = values["service"]
    assert service["type"] == "LoadBalancer" and service["loadBalancerClass"] == "service.k8s.aws/nlb"
    annotations = service["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internal"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] == "ip"
    assert [p["port"] for p in service["ports"]] == [15021, 443], "prod: HTTPS only"
    assert values["podDisruptionBudget"] == {"minAvailable": 1}
    assert values["name"] == "istio-ingressgateway"
    assert "service.beta.kubernetes.io/aws-load-balancer-alpn-policy" not in annotations, "prod: TLS passes through the NLB"
    assert_golden_yaml("helm/istio-gateway.prod.yaml", values)


def test_dev_gateway_is_plain_http_on_port_80(dev_plan: Plan) -> None:
    """Dev has no certificate: its only listener is port 80, never plain HTTP on 443."""
    service = dev_plan.get(RELEASE, "mesh-gateway-release").inputs["values"]["service"]
    assert [(p["name"], p["port"]) for p in service["ports"]] == [("status-port", 15021), ("http2", 80)]
    gateways = dev_plan.of_type("kubernetes:networking.istio.io/v1:Gateway")
    assert gateways
    for gateway in gateways:
        ports = [(s["port"]["number"], s["port"]["protocol"]) for s in gateway.inputs["spec"]["servers"]]
        assert ports == [(80, "HTTP")], f"{gateway.name}: {ports}"


ACM_ARN = "arn:aws:acm:us-west-2:123456789012:certificate/0b2f3c4d-1234-4abc-9def-0123456789ab"


@pytest.mark.parametrize(
    ("tls", "alpn"),
    [({"certificate_arn": ACM_ARN}, "HTTP2Preferred"), ({"tls_secret": "ml-tls"}, None)],
)
def test_nlb_tls_negotiates_http2(tls: dict, alpn: str | None) -> None:
    """TLS ended at the NLB (ACM) must offer h2 by ALPN or gRPC to the model servers fails; TLS
    ended at the gateway passes the NLB as TCP, where ALPN is the gateway's (Envoy's) business."""
    values = istio_values(ServiceMeshArgs(k8s_provider=_Provider(), **tls))["gateway"]  # type: ignore[arg-type]
    annotations = values["service"]["annotations"]
    assert annotations.get("service.beta.kubernetes.io/aws-load-balancer-alpn-policy") == alpn
    assert [p["port"] for p in values["service"]["ports"]] == [15021, 443]


def test_mtls_per_environment(any_plan: Plan) -> None:
    peer = any_plan.get(PEER_AUTHENTICATION, "mesh-peer-authentication")
    assert peer.inputs["metadata"] == {
        "name": "default",
        "namespace": "istio-system",
        "labels": {"app.kubernetes.io/managed-by": "mlinfra"},
    }
    assert peer.inputs["spec"] == {"mtls": {"mode": "STRICT"}}
    assert "selector" not in peer.inputs["spec"], "mesh-wide: root namespace, no selector"
    telemetry = any_plan.get(TELEMETRY, "mesh-telemetry")
    assert telemetry.inputs["spec"]["accessLogging"] == [{"providers": [{"name": "envoy"}]}]
    istiod = any_plan.get(RELEASE, "mesh-istiod-release")
    assert istiod.urn in peer.dependencies and istiod.urn in telemetry.dependencies


def test_every_istio_object_in_every_plan_is_valid(any_plan: Plan) -> None:
    found = 0
    for r in any_plan.resources:
        if r.type.startswith("kubernetes:") and r.type.rsplit(":", 1)[-1] in ISTIO_KINDS and ".istio.io/" in r.type:
            obj = {k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
            assert_valid_istio(obj, f"{r.type} {r.name}")
            found += 1
    assert found >= 10, f"the {any_plan.stack} plan has only {found} Istio objects"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"istiod_min_replicas": 1, "enable_istiod_pdb": True}, "needs istiod.min_replicas >= 2"),
        ({"istiod_min_replicas": 3, "istiod_max_replicas": 2}, "istiod.max_replicas"),
        ({"tls_secret": None}, "needs HTTPS"),
        ({"certificate_arn": "arn:aws:acm:us-west-2:123456789012:certificate/0b2f3c4d-1234-4abc-9def-0123456789ab"}, "not both"),
        ({"gateway_min_replicas": 3, "gateway_max_replicas": 2}, "gateway.max_replicas"),
    ],
)
def test_args_validation(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServiceMeshArgs(k8s_provider=_Provider(), **{"tls_secret": "ml-tls", **overrides})  # type: ignore[arg-type]
