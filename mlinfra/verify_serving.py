"""`mlinfra verify` checks of model serving (stack outputs ``serving_endpoints`` and
``ingress_tls_secret``, written by stacks/serving_outputs.py).

`pulumi up` does not wait for model pods (their Deployments carry ``pulumi.com/skipAwait``:
the models bucket is empty on a first deploy), so readiness is checked here, per endpoint:
each version's model files are in the models bucket (with the upload command when not), each
version's pods are ready, and the live VirtualService splits traffic as planned. The gateway's
TLS Secret, created by hand, must exist and be a TLS Secret. Kubernetes is read through
mlinfra/kube.py; S3 with boto3 (moto in the tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from mlinfra.aws import Aws, AwsError, error_code
from mlinfra.kube import Kube, KubeError, eks_kube
from mlinfra.verify_result import FAIL, PASS, SKIP, Check

# What each server loads from a version directory (components/mesh/_model_pod.py copies
# <prefix><version>/ to /models/<model>/<version>/): TF Serving a SavedModel
# (https://www.tensorflow.org/tfx/serving/serving_basic), Triton any model file of its backend.
MARKER = {"tensorflow-serving": "saved_model.pb"}
TLS_SECRET_KEYS = ("tls.crt", "tls.key")


@dataclass(frozen=True)
class Version:
    version: str
    deployment: str
    subset: str
    weight: int


@dataclass(frozen=True)
class Endpoint:
    team: str
    endpoint: str
    namespace: str
    server: str
    model_prefix: str
    virtual_service: str
    versions: tuple[Version, ...]


@dataclass(frozen=True)
class ServingOutputs:
    endpoints: tuple[Endpoint, ...] | None
    tls_secret: tuple[str, str] | None
    """(namespace, name)."""


def _bad(path: Path, key: str, what: str, value: Any) -> AwsError:
    return AwsError(f"{path}: key {key!r} must be {what}, got {json.dumps(value)[:80]}")


def _endpoint(path: Path, i: int, raw: Any) -> Endpoint:
    key = f"serving_endpoints[{i}]"
    fields = ("team", "endpoint", "namespace", "server", "model_prefix", "virtual_service")
    if not isinstance(raw, dict) or not all(isinstance(raw.get(f), str) and raw[f] for f in fields):
        raise _bad(path, key, f"an object with the strings {', '.join(fields)} and versions", raw)
    versions = raw.get("versions")
    if not isinstance(versions, list) or not versions or not all(_is_version(v) for v in versions):
        raise _bad(path, f"{key}.versions", "a non-empty list of {version, deployment, subset, weight}", versions)
    team, endpoint, namespace, server, prefix, virtual_service = (raw[f] for f in fields)
    return Endpoint(
        team,
        endpoint,
        namespace,
        server,
        prefix,
        virtual_service,
        tuple(Version(v["version"], v["deployment"], v["subset"], v["weight"]) for v in versions),
    )


def _is_version(v: Any) -> bool:
    strings = isinstance(v, dict) and all(isinstance(v.get(f), str) and v[f] for f in ("version", "deployment", "subset"))
    return strings and isinstance(v.get("weight"), int) and not isinstance(v.get("weight"), bool)


def load(path: Path) -> ServingOutputs:
    """The serving keys of `pulumi stack output --json` (the file already parsed once by verify)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    raw = data.get("serving_endpoints")
    if raw is not None and not isinstance(raw, list):
        raise _bad(path, "serving_endpoints", "a list of endpoints", raw)
    endpoints = tuple(_endpoint(path, i, e) for i, e in enumerate(raw)) if raw is not None else None
    secret = data.get("ingress_tls_secret")
    if secret is not None and not (
        isinstance(secret, dict) and all(isinstance(secret.get(k), str) for k in ("namespace", "name"))
    ):
        raise _bad(path, "ingress_tls_secret", "an object {namespace, name}", secret)
    return ServingOutputs(endpoints, (secret["namespace"], secret["name"]) if secret else None)


def _resource(ep: Endpoint) -> str:
    return f"serving:{ep.team}/{ep.endpoint}"


def model_checks(s3: Any, bucket: str, ep: Endpoint) -> Iterator[Check]:
    """One row per version: its files are under ``s3://<bucket>/<model_prefix><version>/``."""
    for v in ep.versions:
        where = f"s3://{bucket}/{ep.model_prefix}{v.version}/"
        name, upload = f"model version {v.version} in s3", f"upload model version {v.version} to {where}"
        marker = MARKER.get(ep.server)
        try:
            if marker:
                found = _exists(s3, bucket, f"{ep.model_prefix}{v.version}/{marker}")
                missing = f"no {marker} in {where}: {upload} (a SavedModel: saved_model.pb and variables/)"
            else:
                found = bool(
                    s3.list_objects_v2(Bucket=bucket, Prefix=f"{ep.model_prefix}{v.version}/", MaxKeys=1).get("KeyCount")
                )
                missing = f"{where} is empty: {upload}"
        except ClientError as exc:
            err = exc.response.get("Error", {})
            yield Check(_resource(ep), name, FAIL, f"cannot read: {err.get('Code')}: {err.get('Message', '')}")
            continue
        yield Check(_resource(ep), name, PASS if found else FAIL, where if found else missing)


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return False
        raise
    return True


def _unreadable(status: int, what: str) -> str:
    if status == 403:
        return f"cannot read {what}: forbidden (the caller's EKS access entry needs read access there)"
    return f"cannot read {what}: HTTP {status}"


def pod_checks(kube: Kube, ep: Endpoint, no_model: set[str]) -> Iterator[Check]:
    """One row per version: its Deployment's pods are all ready."""
    for v in ep.versions:
        name, what = f"version {v.version} pods ready", f"Deployment {ep.namespace}/{v.deployment}"
        status, body = kube.get(f"/apis/apps/v1/namespaces/{ep.namespace}/deployments/{v.deployment}")
        if status == 404 or body is None:
            detail = f"{what} not found (has `pulumi up` run?)" if status == 404 else _unreadable(status, what)
            yield Check(_resource(ep), name, FAIL, detail)
            continue
        want = int(body.get("spec", {}).get("replicas", 1))
        ready = int(body.get("status", {}).get("readyReplicas", 0))
        if want > 0 and ready >= want:
            yield Check(_resource(ep), name, PASS, f"{ready}/{want} ready")
            continue
        why = (
            f"the pods wait for model version {v.version} (see the s3 row)"
            if v.version in no_model
            else f"kubectl -n {ep.namespace} describe deployment {v.deployment}"
        )
        yield Check(_resource(ep), name, FAIL, f"{ready}/{want} ready: {why}")


def route_check(kube: Kube, ep: Endpoint) -> Check:
    """The live VirtualService's weighted split equals the planned one."""
    name, what = "traffic split as planned", f"VirtualService {ep.namespace}/{ep.virtual_service}"
    status, body = kube.get(f"/apis/networking.istio.io/v1/namespaces/{ep.namespace}/virtualservices/{ep.virtual_service}")
    if status == 404 or body is None:
        return Check(_resource(ep), name, FAIL, f"{what} not found" if status == 404 else _unreadable(status, what))
    routes = ((body.get("spec", {}).get("http") or [{}])[0]).get("route") or []
    # Istio: a lone destination without a weight takes all the traffic.
    live = [(r.get("destination", {}).get("subset"), r.get("weight", 100 if len(routes) == 1 else 0)) for r in routes]
    planned = [(v.subset, v.weight) for v in ep.versions]

    def text(split: list[tuple[Any, Any]]) -> str:
        return " ".join(f"{subset}={weight}" for subset, weight in split) or "no route"

    if live == planned:
        return Check(_resource(ep), name, PASS, text(live))
    return Check(
        _resource(ep), name, FAIL, f"live {text(live)}, planned {text(planned)}: changed outside Pulumi? `pulumi up` restores it"
    )


def tls_secret_check(kube: Kube, namespace: str, secret: str) -> Check:
    """The gateway's TLS Secret (made by hand) exists, is a TLS Secret and holds a certificate and key."""
    res, name = f"k8s:{namespace}/{secret}", "ingress TLS secret"
    status, body = kube.get(f"/api/v1/namespaces/{namespace}/secrets/{secret}")
    if status == 404:
        create = f"kubectl -n {namespace} create secret tls {secret} --cert=<fullchain.pem> --key=<key.pem>"
        return Check(res, name, FAIL, f"not found: the gateway serves no HTTPS without it; create it: {create}")
    if body is None:
        return Check(res, name, FAIL, _unreadable(status, f"Secret {namespace}/{secret}"))
    kind, keys = body.get("type"), sorted(body.get("data") or {})
    if kind != "kubernetes.io/tls" or not all(k in keys for k in TLS_SECRET_KEYS):
        return Check(res, name, FAIL, f"type {kind}, keys {keys}: want kubernetes.io/tls with {' and '.join(TLS_SECRET_KEYS)}")
    return Check(res, name, PASS, "kubernetes.io/tls with tls.crt and tls.key")


def serving_checks(
    aws: Aws, serving: ServingOutputs, models_bucket: str | None, cluster: str | None, kube: Callable[[], Kube] | None = None
) -> Iterator[Check]:
    """Every serving row: model files (S3), then pods, routes and the TLS secret (Kubernetes).
    ``kube`` builds the API reader (default: the EKS cluster as the caller, mlinfra/kube.py)."""
    endpoints = serving.endpoints or ()
    if serving.endpoints is None:
        yield Check("serving endpoints", "all", SKIP, "no serving_endpoints in the stack outputs")
    no_model: dict[str, set[str]] = {}
    for ep in endpoints:
        if not models_bucket:
            yield Check(_resource(ep), "model files in s3", SKIP, "no data_lake_buckets.models in the stack outputs")
            continue
        for version, check in zip(ep.versions, model_checks(aws.s3, models_bucket, ep), strict=True):
            if check.result == FAIL:
                no_model.setdefault(ep.endpoint, set()).add(version.version)
            yield check
    if not endpoints and serving.tls_secret is None:
        return
    if not cluster:
        yield Check("kubernetes", "serving objects", SKIP, "no cluster_name in the stack outputs")
        return
    try:
        api = kube() if kube else eks_kube(aws, cluster)
        for ep in endpoints:
            yield from pod_checks(api, ep, no_model.get(ep.endpoint, set()))
            yield route_check(api, ep)
        if serving.tls_secret is not None:
            yield tls_secret_check(api, *serving.tls_secret)
    except (KubeError, ClientError) as exc:
        detail = str(exc) if isinstance(exc, KubeError) else f"cannot read the cluster: {error_code(exc)}"
        yield Check(
            f"eks:{cluster}", "Kubernetes API reachable", FAIL, f"{detail} (run verify where the API endpoint is reachable)"
        )
