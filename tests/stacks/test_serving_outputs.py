"""The serving stack outputs `mlinfra verify` reads say exactly what the plan creates: each
version's Deployment, the model prefix its init container copies, the VirtualService weights,
and the TLS Secret the Gateways name."""

from __future__ import annotations

from mlinfra.engine import Plan

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService"
GATEWAY = "kubernetes:networking.istio.io/v1:Gateway"


def test_serving_outputs_match_the_plan(any_plan: Plan) -> None:
    endpoints = any_plan.outputs["serving_endpoints"]
    assert {(e["team"], e["endpoint"]) for e in endpoints} == {("recsys", "recommend"), ("vision", "classify")}
    deployments = {(r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r for r in any_plan.of_type(DEPLOYMENT)}
    for e in endpoints:
        for v in e["versions"]:
            d = deployments[(e["namespace"], v["deployment"])]
            source = d.inputs["spec"]["template"]["spec"]["initContainers"][0]["args"][0]
            assert source.endswith(f"/{e['model_prefix']}{v['version']}/"), (d.name, source)
            assert d.inputs["spec"]["template"]["metadata"]["labels"]["version"] == v["version"]
        [vs] = [
            r
            for r in any_plan.of_type(VIRTUAL_SERVICE)
            if r.inputs["metadata"] == {**r.inputs["metadata"], "namespace": e["namespace"], "name": e["virtual_service"]}
        ]
        route = vs.inputs["spec"]["http"][0]["route"]
        assert [(r["destination"]["subset"], r["weight"]) for r in route] == [(v["subset"], v["weight"]) for v in e["versions"]]


def test_tls_secret_output_is_what_the_gateways_read(any_plan: Plan) -> None:
    names = {s["tls"]["credentialName"] for g in any_plan.of_type(GATEWAY) for s in g.inputs["spec"]["servers"] if "tls" in s}
    secret = any_plan.outputs.get("ingress_tls_secret")
    if any_plan.stack == "dev":
        assert secret is None and not names, "dev has no certificate"
    else:
        assert secret == {"namespace": "istio-ingress", "name": "ml-ingress-tls"} and names == {"ml-ingress-tls"}
