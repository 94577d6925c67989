"""TeamAuthorization on the recorded plan: allow-nothing after the explicit ALLOW policies,
each valid against the Istio API, and the NetworkPolicies that open the same paths."""

from __future__ import annotations

from mlinfra.engine import Plan, PlannedResource
from tests.istio_api import assert_valid_istio

AUTHORIZATION_POLICY = "kubernetes:security.istio.io/v1:AuthorizationPolicy"


def istio(r: PlannedResource) -> dict:
    obj = {k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
    assert_valid_istio(obj, r.name)
    return obj["spec"]


def test_team_authorization(prod_plan: Plan) -> None:
    policies = {r.name: r for r in prod_plan.of_type(AUTHORIZATION_POLICY) if r.name.startswith("team-recsys-mesh-")}
    nothing = policies["team-recsys-mesh-allow-nothing"]
    assert istio(nothing) == {"action": "ALLOW"} and nothing.inputs["metadata"]["namespace"] == "recsys"
    for name in ("allow-same-namespace", "allow-monitoring", "allow-ingress-gateway"):
        assert policies[f"team-recsys-mesh-{name}"].urn in nothing.dependencies, f"{name} exists before the deny"
    gateway = istio(policies["team-recsys-mesh-allow-ingress-gateway"])
    assert gateway["rules"][0]["from"][0]["source"]["principals"] == ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"]
    assert gateway["rules"][0]["to"][0]["operation"]["ports"] == ["8500"]
    assert gateway["selector"] == {"matchLabels": {"app.kubernetes.io/component": "model-server"}}
    teams = istio(policies["team-recsys-mesh-allow-teams"])
    assert teams["rules"][0]["from"][0]["source"]["namespaces"] == ["vision"]
    assert "team-vision-mesh-allow-teams" not in {r.name for r in prod_plan.of_type(AUTHORIZATION_POLICY)}, (
        "vision lists no callers"
    )


def test_network_policies_open_the_same_paths(prod_plan: Plan) -> None:
    netpol = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
    gateway = prod_plan.get(netpol, "team-recsys-mesh-allow-ingress-gateway").inputs["spec"]
    assert gateway["podSelector"] == {"matchLabels": {"app.kubernetes.io/component": "model-server"}}
    [rule] = gateway["ingress"]
    assert rule["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == ["istio-ingress"]
    assert rule["ports"] == [{"port": 8500, "protocol": "TCP"}]
    teams = prod_plan.get(netpol, "team-recsys-mesh-allow-teams").inputs["spec"]
    assert teams["ingress"][0]["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == ["vision"]
    calls = prod_plan.get(netpol, "team-vision-mesh-allow-calls-to-teams").inputs["spec"]
    assert calls["policyTypes"] == ["Egress"], "vision's pods may open connections to recsys (it lists vision)"
    assert calls["egress"][0]["to"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == ["recsys"]


def _prometheus_principal(plan: Plan) -> str:
    """The identity of the Prometheus pods the monitoring plan really creates: kube-prometheus-stack
    names the ServiceAccount <fullname>-prometheus, fullname being the release name when it contains
    the chart name, cut at 26 characters (charts/kube-prometheus-stack/templates/_helpers.tpl at tag
    kube-prometheus-stack-88.5.3); the values do not override it."""
    [release] = [r for r in plan.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "kube-prometheus-stack"]
    name, chart = release.inputs["name"], release.inputs["chart"]
    fullname = (name if chart in name else f"{name}-{chart}")[:26].rstrip("-")
    prometheus = release.inputs["values"].get("prometheus", {})
    assert "serviceAccount" not in prometheus and "fullnameOverride" not in release.inputs["values"], "chart default names"
    return f"cluster.local/ns/{release.inputs['namespace']}/sa/{fullname}-prometheus"


def test_monitoring_policy_admits_prometheus(any_plan: Plan) -> None:
    principal = _prometheus_principal(any_plan)
    policies = [r for r in any_plan.of_type(AUTHORIZATION_POLICY) if r.inputs["metadata"]["name"] == "allow-monitoring"]
    assert len(policies) == len(any_plan.of_type("mlinfra:tenancy:Team")) > 0
    for policy in policies:
        [rule] = istio(policy)["rules"]
        assert rule["from"] == [{"source": {"principals": [principal]}}], f"{policy.name}: {rule['from']}"
        assert "15020" in rule["to"][0]["operation"]["ports"], policy.name
