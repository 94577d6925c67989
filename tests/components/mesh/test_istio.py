"""The Istio spec builders: every object validates against the Istio API, golden files show it."""

from __future__ import annotations

from typing import Any

import pytest

from components.mesh import istio
from tests._golden import assert_golden_yaml
from tests.istio_api import assert_valid_istio, istio_problems


def obj(api: str, kind: str, spec: dict[str, Any], namespace: str = "recsys") -> dict[str, Any]:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": namespace}, "spec": spec}


SECURITY, NETWORKING, TELEMETRY = "security.istio.io/v1", "networking.istio.io/v1", "telemetry.istio.io/v1"

ROUTE = istio.Route(
    service_host="recommend.recsys.svc.cluster.local",
    port=8500,
    stable_subset="v1",
    stable_weight=90,
    canary_subset="v2",
    canary_weight=10,
    timeout_ms=500,
    retry_attempts=2,
    per_try_timeout_ms=200,
    fault=istio.Fault(abort_percent=10, http_status=503, delay_ms=100, delay_percent=5),
)


def test_validator_catches_typos_and_bad_values() -> None:
    # The checker itself: an unknown key and a bad enum are both problems.
    assert istio_problems(obj(SECURITY, "PeerAuthentication", {"mtls": {"mode": "STRICT", "mdoe": "x"}}))
    assert istio_problems(obj(SECURITY, "PeerAuthentication", {"mtls": {"mode": "OFF"}}))
    assert istio_problems(obj(SECURITY, "AuthorizationPolicy", {"action": "PERMIT"}))
    assert istio_problems(obj(NETWORKING, "VirtualService", {"http": [{"retries": {"perTryTimeOut": "1s"}}]}))
    assert istio_problems(obj(NETWORKING, "Sidecar", {}))
    assert not istio_problems(obj(SECURITY, "PeerAuthentication", {"mtls": {"mode": "STRICT"}}))


@pytest.mark.parametrize("mode", ["STRICT", "PERMISSIVE"])
def test_peer_authentication(mode: str) -> None:
    spec = istio.peer_authentication(mode)
    assert_valid_istio(obj(SECURITY, "PeerAuthentication", spec, "istio-system"))
    assert spec == {"mtls": {"mode": mode}}


def test_telemetry() -> None:
    spec = istio.telemetry(access_logs=True)
    assert_valid_istio(obj(TELEMETRY, "Telemetry", spec, "istio-system"))
    assert spec["accessLogging"] == [{"providers": [{"name": "envoy"}]}]
    assert "accessLogging" not in istio.telemetry(access_logs=False)
    assert_golden_yaml("istio/telemetry.yaml", spec)


def test_authorization_policies() -> None:
    nothing = istio.allow_nothing()
    assert nothing == {"action": "ALLOW"}, "allow-nothing: ALLOW with no rules matches no request"
    same = istio.allow_namespaces(["recsys"])
    gateway = istio.allow_principals(
        ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"],
        ports=[8500],
        selector={"app.kubernetes.io/component": "model-server"},
    )
    scrape = istio.allow_namespaces(["monitoring"], ports=[15020, 8501])
    for spec in (nothing, same, gateway, scrape):
        assert_valid_istio(obj(SECURITY, "AuthorizationPolicy", spec))
    assert gateway["rules"][0]["to"] == [{"operation": {"ports": ["8500"]}}], "ports are strings in the Istio API"
    assert scrape["rules"][0]["to"][0]["operation"]["ports"] == ["8501", "15020"]
    assert_golden_yaml(
        "istio/authorization-policies.yaml", {"nothing": nothing, "same": same, "gateway": gateway, "scrape": scrape}
    )


def test_allow_rule_never_matches_everyone() -> None:
    with pytest.raises(ValueError, match="would allow everyone"):
        istio.allow_namespaces([])
    with pytest.raises(ValueError, match="would allow everyone"):
        istio.allow_principals([])


@pytest.mark.parametrize(
    ("tls", "ports"),
    [
        (istio.GatewayTls(credential_name="ml-example-com-tls"), [(443, "HTTPS")]),
        (istio.GatewayTls(), [(443, "HTTP")]),
        (istio.GatewayTls(enable_plain_http=True), [(443, "HTTP"), (80, "HTTP")]),
        # No certificate anywhere (dev): port 80 only, never plain HTTP on 443.
        (istio.GatewayTls(enable_plain_http=True, enable_https=False), [(80, "HTTP")]),
    ],
)
def test_gateway(tls: istio.GatewayTls, ports: list[tuple[int, str]]) -> None:
    spec = istio.gateway({"istio": "ingressgateway"}, "recommend.ml.example.com", tls)
    assert_valid_istio(obj(NETWORKING, "Gateway", spec))
    assert [(s["port"]["number"], s["port"]["protocol"]) for s in spec["servers"]] == ports
    assert all(s["hosts"] == ["recommend.ml.example.com"] for s in spec["servers"])
    if tls.credential_name:
        assert spec["servers"][0]["tls"] == {
            "mode": "SIMPLE",
            "credentialName": "ml-example-com-tls",
            "minProtocolVersion": "TLSV1_2",
        }


def test_gateway_tls_needs_a_listener() -> None:
    with pytest.raises(ValueError, match="plain HTTP only"):
        istio.GatewayTls(enable_https=False)
    with pytest.raises(ValueError, match="plain HTTP only"):
        istio.GatewayTls(credential_name="ml-tls", enable_plain_http=True, enable_https=False)


def test_virtual_service() -> None:
    spec = istio.virtual_service(["recommend.ml.example.com", ROUTE.service_host], ["recommend", "mesh"], ROUTE)
    assert_valid_istio(obj(NETWORKING, "VirtualService", spec))
    http = spec["http"][0]
    assert [(r["destination"]["subset"], r["weight"]) for r in http["route"]] == [("v1", 90), ("v2", 10)]
    assert http["timeout"] == "500ms"
    assert http["retries"]["attempts"] == 2 and http["retries"]["perTryTimeout"] == "200ms"
    assert http["fault"] == {
        "abort": {"percentage": {"value": 10.0}, "httpStatus": 503},
        "delay": {"percentage": {"value": 5.0}, "fixedDelay": "100ms"},
    }
    assert_golden_yaml("istio/virtual-service.yaml", spec)


def test_virtual_service_without_canary_fault_or_retries() -> None:
    route = istio.Route(
        service_host="r.recsys.svc.cluster.local", port=8500, stable_subset="v1", stable_weight=100, retry_attempts=0
    )
    spec = istio.virtual_service(["r.ml.example.com"], ["r"], route)
    assert_valid_istio(obj(NETWORKING, "VirtualService", spec))
    http = spec["http"][0]
    assert [r["weight"] for r in http["route"]] == [100]
    assert http["retries"] == {"attempts": 0}, "0 attempts must be explicit: Istio's default retries twice"
    assert "fault" not in http
    # A fault at zero injects nothing and is left out.
    zero = istio.virtual_service(["r.ml.example.com"], ["r"], istio.Route(**{**route.__dict__, "fault": istio.Fault()}))
    assert "fault" not in zero["http"][0]


def test_destination_rule() -> None:
    spec = istio.destination_rule(
        ROUTE.service_host,
        {"v1": {"version": "1"}, "v2": {"version": "2"}},
        max_connections=100,
        consecutive_5xx=5,
        ejection_s=30,
    )
    assert_valid_istio(obj(NETWORKING, "DestinationRule", spec))
    policy = spec["trafficPolicy"]
    assert policy["connectionPool"]["tcp"]["maxConnections"] == 100
    assert policy["outlierDetection"]["consecutive5xxErrors"] == 5
    assert policy["outlierDetection"]["baseEjectionTime"] == "30s"
    assert [s["name"] for s in spec["subsets"]] == ["v1", "v2"]
    assert_golden_yaml("istio/destination-rule.yaml", spec)
