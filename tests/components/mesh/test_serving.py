"""ModelEndpoint and TeamAuthorization on the recorded plans: every object and field the
issue asks for, parsed back, and the Istio objects valid against the Istio API."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from components.mesh._model_pod import ModelVersion
from components.mesh.serving import ModelEndpointArgs
from mlinfra.engine import Plan, PlannedResource
from tests.istio_api import assert_valid_istio

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
GATEWAY = "kubernetes:networking.istio.io/v1:Gateway"
VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService"
DESTINATION_RULE = "kubernetes:networking.istio.io/v1:DestinationRule"
ENDPOINT = "serving-recsys-recommend"


def istio(r: PlannedResource) -> dict:
    obj = {k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
    assert_valid_istio(obj, r.name)
    return obj["spec"]


def test_deployment_per_version(staging_plan: Plan) -> None:
    stable = staging_plan.get(DEPLOYMENT, f"{ENDPOINT}-recommend-v1")
    canary = staging_plan.get(DEPLOYMENT, f"{ENDPOINT}-recommend-v2")
    component = staging_plan.get("mlinfra:serving:ModelEndpoint", ENDPOINT)
    assert stable.parent == component.urn and canary.parent == component.urn
    assert stable.inputs["metadata"]["namespace"] == "recsys"
    pod = stable.inputs["spec"]["template"]
    assert pod["metadata"]["labels"] == {
        "app": "recommend",
        "team": "recsys",
        "app.kubernetes.io/component": "model-server",
        "version": "1",
    }
    assert canary.inputs["spec"]["template"]["metadata"]["labels"]["version"] == "2"
    spec = pod["spec"]
    assert spec["serviceAccountName"] == "recsys", "the team's ServiceAccount (its Pod Identity role reads the models prefix)"
    [fetch] = spec["initContainers"]
    assert fetch["args"][0] == "s3://mlinfra-staging-models-123456789012-us-west-2/teams/recsys/models/recommend/1/"
    [server] = spec["containers"]
    assert server["image"] == "tensorflow/serving:2.20.0"
    assert (
        "--model_name=recommend" in server["command"]
        and "--monitoring_config_file=/etc/tfserving/monitoring.config" in server["command"]
    )
    for container in (fetch, server):
        sc = container["securityContext"]
        assert sc["runAsNonRoot"] is True and sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False, (
            container["name"]
        )
        assert sc["capabilities"] == {"drop": ["ALL"]}, container["name"]
        assert container["resources"]["limits"] and container["resources"]["requests"], container["name"]
    assert server["readinessProbe"]["httpGet"] == {"path": "/v1/models/recommend", "port": 8501}
    assert server["livenessProbe"]["httpGet"]["path"] == "/v1/models/recommend"
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/monitoring/prometheus/metrics"
    assert "tolerations" not in spec and "nvidia.com/gpu" not in server["resources"]["limits"], "gpu: 0"


def test_gpu_endpoint_gets_toleration_and_limit(staging_plan: Plan) -> None:
    deployment = staging_plan.get(DEPLOYMENT, "serving-vision-classify-classify-v3")
    spec = deployment.inputs["spec"]["template"]["spec"]
    [server] = spec["containers"]
    assert server["image"] == "nvcr.io/nvidia/tritonserver:26.07-py3"
    assert server["resources"]["limits"]["nvidia.com/gpu"] == "1" and server["resources"]["requests"]["nvidia.com/gpu"] == "1"
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    assert server["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8000}
    assert deployment.inputs["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "8002"


def test_service_hpa_pdb(staging_plan: Plan) -> None:
    service = staging_plan.get(SERVICE, f"{ENDPOINT}-service")
    assert service.inputs["spec"]["ports"] == [{"name": "grpc", "port": 8500, "targetPort": 8500, "appProtocol": "grpc"}]
    assert service.inputs["spec"]["selector"] == {
        "app": "recommend",
        "team": "recsys",
        "app.kubernetes.io/component": "model-server",
    }
    hpa = staging_plan.get(HPA, f"{ENDPOINT}-autoscaler")
    assert hpa.inputs["spec"]["scaleTargetRef"]["name"] == "recommend-v1"
    assert (hpa.inputs["spec"]["minReplicas"], hpa.inputs["spec"]["maxReplicas"]) == (2, 10)
    pdb = staging_plan.get(PDB, f"{ENDPOINT}-pdb")
    assert pdb.inputs["spec"]["maxUnavailable"] == 1


def test_traffic_objects(staging_plan: Plan) -> None:
    rule = staging_plan.get(DESTINATION_RULE, f"{ENDPOINT}-destination-rule")
    vs = staging_plan.get(VIRTUAL_SERVICE, f"{ENDPOINT}-virtual-service")
    gateway = staging_plan.get(GATEWAY, f"{ENDPOINT}-gateway")
    assert rule.urn in vs.dependencies, "the DestinationRule defines the subsets the VirtualService names"
    rule_spec = istio(rule)
    assert [s["name"] for s in rule_spec["subsets"]] == ["v1", "v2"]
    assert rule_spec["trafficPolicy"]["outlierDetection"]["consecutive5xxErrors"] == 5
    vs_spec = istio(vs)
    http = vs_spec["http"][0]
    assert [(d["destination"]["subset"], d["weight"]) for d in http["route"]] == [("v1", 90), ("v2", 10)]
    assert http["timeout"] == "500ms" and http["retries"]["attempts"] == 2
    assert http["fault"]["abort"] == {"percentage": {"value": 10.0}, "httpStatus": 503}, "staging runs the drill"
    assert vs_spec["hosts"] == ["recommend.ml.example.com", "recommend.recsys.svc.cluster.local"]
    gw_spec = istio(gateway)
    assert gw_spec["selector"] == {"istio": "ingressgateway"} and gw_spec["servers"][0]["hosts"] == ["recommend.ml.example.com"]


def test_no_fault_in_prod(prod_plan: Plan) -> None:
    http = prod_plan.get(VIRTUAL_SERVICE, f"{ENDPOINT}-virtual-service").inputs["spec"]["http"][0]
    assert "fault" not in http, "fault.environments lists dev and staging only"


def test_args_validation() -> None:
    class _P:
        pass

    base = dict(
        endpoint="r",
        team="t",
        namespace="t",
        service_account="t",
        host="r.example.com",
        model="r",
        server="triton",
        models_bucket="b",
        region="us-west-2",
        k8s_provider=_P(),
        gateway_selector={},
    )
    with pytest.raises(ValueError, match="canary.version"):
        ModelEndpointArgs(stable=ModelVersion("1"), canary=ModelVersion("1"), **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="server must be one of"):
        ModelEndpointArgs(stable=ModelVersion("1"), **{**base, "server": "torchserve"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reserved by the Istio sidecar"):
        ModelEndpointArgs(stable=ModelVersion("1"), port=15001, **base)  # type: ignore[arg-type]


def _model_server_deployments(plan: Plan) -> list[PlannedResource]:
    endpoints = {r.urn for r in plan.of_type("mlinfra:serving:ModelEndpoint")}
    found = [r for r in plan.of_type(DEPLOYMENT) if r.parent in endpoints]
    assert found, f"stack {plan.stack}: no model-server Deployment in the plan"
    return found


def test_model_servers_are_not_awaited(any_plan: Plan) -> None:
    """The models bucket is empty on the first `pulumi up` (and a GPU node may still be scaling up):
    waiting for ready model pods would fail the deploy, so pulumi-kubernetes must skip the await."""
    for deployment in _model_server_deployments(any_plan):
        annotations = deployment.inputs["metadata"].get("annotations") or {}
        assert annotations.get("pulumi.com/skipAwait") == "true", f"{deployment.name}: no pulumi.com/skipAwait: 'true'"


def test_nothing_waits_for_model_pods(any_plan: Plan) -> None:
    """Routing (Service, HPA, PDB, Gateway, DestinationRule, VirtualService) and everything else
    is complete without a ready model pod: no resource depends on a model-server Deployment."""
    deployments = {d.urn: d.name for d in _model_server_deployments(any_plan)}
    for r in any_plan.resources:
        waits = set(r.dependencies) | {u for urns in r.property_dependencies.values() for u in urns}
        assert not waits & set(deployments), (
            f"{r.type} {r.name} waits for {sorted(deployments[u] for u in waits & set(deployments))}"
        )
    vs = any_plan.get(VIRTUAL_SERVICE, f"{ENDPOINT}-virtual-service")
    rule = any_plan.get(DESTINATION_RULE, f"{ENDPOINT}-destination-rule")
    assert rule.urn in vs.dependencies, "the VirtualService still comes after its DestinationRule"


def _fetch(plan: Plan) -> dict:
    deployment = plan.get(DEPLOYMENT, f"{ENDPOINT}-recommend-v1")
    [fetch] = deployment.inputs["spec"]["template"]["spec"]["initContainers"]
    return fetch


@pytest.mark.parametrize(("uploaded", "code"), [(False, 1), (True, 0)])
def test_fetch_fails_until_the_version_is_uploaded(staging_plan: Plan, tmp_path: Path, uploaded: bool, code: int) -> None:
    """The planned init container, run with a stand-in `aws` (sync copies what the prefix holds):
    an empty prefix fails it, so the kubelet retries it until the upload, instead of starting a
    server without a model that never gets one."""
    fetch = _fetch(staging_plan)
    bin_dir, target = tmp_path / "bin", tmp_path / "models"
    bin_dir.mkdir()
    target.mkdir()
    (bin_dir / "aws").write_text('#!/bin/sh\n[ "$UPLOADED" = 1 ] && touch "$5/saved_model.pb"\nexit 0\n', encoding="utf-8")
    (bin_dir / "aws").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "UPLOADED": "1" if uploaded else "0"}
    argv = [*fetch["command"], fetch["args"][0], str(target)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == code, result.stderr
    if not uploaded:
        assert f"no model files under {fetch['args'][0]}" in result.stderr
