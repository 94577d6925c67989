"""`mlinfra verify`, serving rows: model files in the models bucket (moto), pods ready, the live
traffic split and the ingress TLS secret (a fake Kubernetes API), and the EKS token and HTTP
reader of mlinfra/kube.py (a local server)."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlinfra import verify
from mlinfra.aws import Aws
from mlinfra.cli import app
from mlinfra.kube import HttpKube, KubeError, eks_token
from tests.mlinfra.conftest import client

REGION = "us-west-2"
MODELS = "acme-models"
RECSYS = "serving:recsys/recommend"
VISION = "serving:vision/classify"
ENDPOINTS = [
    {
        "team": "recsys",
        "endpoint": "recommend",
        "namespace": "recsys",
        "server": "tensorflow-serving",
        "model_prefix": "teams/recsys/models/recommend/",
        "virtual_service": "recommend",
        "versions": [
            {"version": "1", "deployment": "recommend-v1", "subset": "v1", "weight": 90},
            {"version": "2", "deployment": "recommend-v2", "subset": "v2", "weight": 10},
        ],
    },
    {
        "team": "vision",
        "endpoint": "classify",
        "namespace": "vision",
        "server": "triton",
        "model_prefix": "teams/vision/models/classify/",
        "virtual_service": "classify",
        "versions": [{"version": "3", "deployment": "classify-v3", "subset": "v3", "weight": 100}],
    },
]
OUTPUTS = {
    "region": REGION,
    "data_lake_buckets": {"models": MODELS},
    "serving_endpoints": ENDPOINTS,
    "ingress_tls_secret": {"namespace": "istio-ingress", "name": "ml-ingress-tls"},
}


def deployment(replicas: int, ready: int) -> dict[str, Any]:
    return {"spec": {"replicas": replicas}, "status": {"readyReplicas": ready} if ready else {}}


def virtual_service(*split: tuple[str, int]) -> dict[str, Any]:
    route = [{"destination": {"host": "x", "subset": s, "port": {"number": 8500}}, "weight": w} for s, w in split]
    return {"spec": {"http": [{"name": "default", "route": route}]}}


def good_cluster() -> dict[str, dict[str, Any]]:
    tls = {"type": "kubernetes.io/tls", "data": {"tls.crt": "Y3J0", "tls.key": "a2V5"}}
    return {
        "/apis/apps/v1/namespaces/recsys/deployments/recommend-v1": deployment(2, 2),
        "/apis/apps/v1/namespaces/recsys/deployments/recommend-v2": deployment(1, 1),
        "/apis/apps/v1/namespaces/vision/deployments/classify-v3": deployment(1, 1),
        "/apis/networking.istio.io/v1/namespaces/recsys/virtualservices/recommend": virtual_service(("v1", 90), ("v2", 10)),
        "/apis/networking.istio.io/v1/namespaces/vision/virtualservices/classify": virtual_service(("v3", 100)),
        "/api/v1/namespaces/istio-ingress/secrets/ml-ingress-tls": tls,
    }


class FakeKube:
    def __init__(self, objects: dict[str, dict[str, Any]]) -> None:
        self.objects = objects

    def get(self, path: str) -> tuple[int, dict[str, Any] | None]:
        return (200, self.objects[path]) if path in self.objects else (404, None)


def upload_models() -> None:
    s3 = client("s3", REGION)
    s3.create_bucket(Bucket=MODELS, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key in (
        "teams/recsys/models/recommend/1/saved_model.pb",
        "teams/recsys/models/recommend/1/variables/variables.index",
        "teams/recsys/models/recommend/2/saved_model.pb",
        "teams/vision/models/classify/3/model.onnx",
    ):
        s3.put_object(Bucket=MODELS, Key=key, Body=b"x")


def rows(tmp_path: Path, outputs: dict[str, Any], cluster: dict[str, dict[str, Any]]) -> list[verify.Check]:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**outputs, "cluster_name": "mlinfra-dev"}), encoding="utf-8")
    checks = verify.run(path, aws=Aws(REGION), kube=lambda: FakeKube(cluster)).checks
    return [c for c in checks if c.resource.startswith(("serving:", "k8s:", "eks:mlinfra-dev")) and c.check != "exists"]


def failed(checks: list[verify.Check]) -> dict[tuple[str, str], str]:
    return {(c.resource, c.check): c.detail for c in checks if c.result == "fail"}


def test_a_healthy_deploy_passes(moto: None, tmp_path: Path) -> None:
    upload_models()
    checks = rows(tmp_path, OUTPUTS, good_cluster())
    serving = [c for c in checks if c.resource.startswith(("serving:", "k8s:"))]
    assert len(serving) == 3 + 3 + 2 + 1 and all(c.result == "pass" for c in serving), serving
    assert ("serving:recsys/recommend", "traffic split as planned", "pass", "v1=90 v2=10") in {
        (c.resource, c.check, c.result, c.detail) for c in checks
    }


def test_a_missing_model_version_says_where_to_upload_it(moto: None, tmp_path: Path) -> None:
    upload_models()
    client("s3", REGION).delete_object(Bucket=MODELS, Key="teams/recsys/models/recommend/2/saved_model.pb")
    cluster = {**good_cluster(), "/apis/apps/v1/namespaces/recsys/deployments/recommend-v2": deployment(1, 0)}
    found = failed(rows(tmp_path, OUTPUTS, cluster))
    assert found.keys() == {(RECSYS, "model version 2 in s3"), (RECSYS, "version 2 pods ready")}, found
    where = f"s3://{MODELS}/teams/recsys/models/recommend/2/"
    assert f"upload model version 2 to {where}" in found[(RECSYS, "model version 2 in s3")]
    assert found[(RECSYS, "version 2 pods ready")] == "0/1 ready: the pods wait for model version 2 (see the s3 row)"


def test_tf_serving_needs_a_saved_model_triton_any_file(moto: None, tmp_path: Path) -> None:
    upload_models()
    s3 = client("s3", REGION)
    s3.delete_object(Bucket=MODELS, Key="teams/recsys/models/recommend/1/saved_model.pb")  # variables/ stays
    s3.delete_object(Bucket=MODELS, Key="teams/vision/models/classify/3/model.onnx")
    found = failed(rows(tmp_path, OUTPUTS, good_cluster()))
    assert "no saved_model.pb in" in found[(RECSYS, "model version 1 in s3")]
    assert found[(VISION, "model version 3 in s3")].startswith(f"s3://{MODELS}/teams/vision/models/classify/3/ is empty")


def test_a_changed_traffic_split_fails(moto: None, tmp_path: Path) -> None:
    upload_models()
    cluster = {
        **good_cluster(),
        "/apis/networking.istio.io/v1/namespaces/recsys/virtualservices/recommend": virtual_service(("v1", 50), ("v2", 50)),
    }
    found = failed(rows(tmp_path, OUTPUTS, cluster))
    assert found == {
        (
            RECSYS,
            "traffic split as planned",
        ): "live v1=50 v2=50, planned v1=90 v2=10: changed outside Pulumi? `pulumi up` restores it"
    }


@pytest.mark.parametrize(
    ("secret", "text"),
    [
        (
            None,
            "not found: the gateway serves no HTTPS without it; create it: kubectl -n istio-ingress create secret tls ml-ingress-tls",
        ),
        ({"type": "Opaque", "data": {"tls.crt": "x"}}, "type Opaque, keys ['tls.crt']: want kubernetes.io/tls"),
    ],
)
def test_the_ingress_tls_secret_must_exist_and_be_tls(moto: None, tmp_path: Path, secret: Any, text: str) -> None:
    upload_models()
    cluster = good_cluster()
    path = "/api/v1/namespaces/istio-ingress/secrets/ml-ingress-tls"
    if secret is None:
        del cluster[path]
    else:
        cluster[path] = secret
    found = failed(rows(tmp_path, OUTPUTS, cluster))
    assert list(found) == [("k8s:istio-ingress/ml-ingress-tls", "ingress TLS secret")] and text in next(iter(found.values()))


def test_an_unreachable_api_fails_one_row_and_keeps_the_s3_rows(moto: None, tmp_path: Path) -> None:
    upload_models()

    def unreachable() -> Any:
        raise KubeError("cannot reach the Kubernetes API at https://example: timed out")

    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**OUTPUTS, "cluster_name": "mlinfra-dev"}), encoding="utf-8")
    checks = verify.run(path, aws=Aws(REGION), kube=unreachable).checks
    assert [c.check for c in checks if c.resource.startswith("serving:")] == [
        "model version 1 in s3",
        "model version 2 in s3",
        "model version 3 in s3",
    ]
    assert failed(checks)[("eks:mlinfra-dev", "Kubernetes API reachable")].startswith("cannot reach the Kubernetes API")


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"serving_endpoints": {"a": 1}}, "key 'serving_endpoints' must be a list of endpoints"),
        ({"serving_endpoints": [{"team": "t"}]}, "key 'serving_endpoints[0]' must be an object with the strings"),
        (
            {"serving_endpoints": [{**ENDPOINTS[1], "versions": [{"version": "3"}]}]},
            "key 'serving_endpoints[0].versions' must be",
        ),
        ({"ingress_tls_secret": "ml-ingress-tls"}, "key 'ingress_tls_secret' must be an object {namespace, name}"),
    ],
)
def test_bad_serving_outputs_are_exit_2_naming_file_and_key(moto: None, tmp_path: Path, outputs: Any, message: str) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"region": REGION, "cluster_name": "c", **outputs}), encoding="utf-8")
    result = CliRunner().invoke(app, ["verify", "--stack-outputs", str(path)])
    assert result.exit_code == 2 and f"{path}: {message}" in result.output, result.output
    assert "Traceback" not in result.output


def test_eks_token_is_a_presigned_get_caller_identity_bound_to_the_cluster(moto: None) -> None:
    token = eks_token(Aws(REGION), "mlinfra-prod")
    assert token.startswith("k8s-aws-v1.") and not token.endswith("=")
    url = base64.urlsafe_b64decode(token.removeprefix("k8s-aws-v1.") + "==").decode()
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    assert parts.netloc == f"sts.{REGION}.amazonaws.com" and query["Action"] == ["GetCallerIdentity"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0].split(";") and query["X-Amz-Expires"] == ["60"]


@pytest.fixture
def api() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            seen.append(dict(self.headers))
            found = self.path == "/api/v1/namespaces/istio-ingress/secrets/ml-ingress-tls"
            body = json.dumps({"type": "kubernetes.io/tls"}).encode() if found else b"{}"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_http_reader_sends_the_token_and_reads_json(api: tuple[str, list[dict[str, str]]]) -> None:
    url, seen = api
    kube = HttpKube(url, "k8s-aws-v1.abc", None)
    assert kube.get("/api/v1/namespaces/istio-ingress/secrets/ml-ingress-tls") == (200, {"type": "kubernetes.io/tls"})
    assert kube.get("/api/v1/namespaces/istio-ingress/secrets/other") == (404, None)
    assert seen[0]["Authorization"] == "Bearer k8s-aws-v1.abc"


def test_http_reader_unreachable_is_a_kube_error() -> None:
    with pytest.raises(KubeError, match="cannot reach the Kubernetes API at http://127.0.0.1:9"):
        HttpKube("http://127.0.0.1:9", "t", None).get("/version")
