"""Settings of the mesh (``mlinfra:mesh``) and the team files' ``serving:`` and ``mesh:``
sections: defaults per environment and one test per error message (file and field named)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from stacks.errors import ConfigError, Problem
from stacks.loading import load_settings, settings_from_config
from tests.stacks.support import RECEIVERS
from tests.stacks.test_teams import team_doc, write

SOURCE = "stacks/Pulumi.test.yaml"
ARN = "arn:aws:acm:us-west-2:123456789012:certificate/0b2f3c4d-1234-4abc-9def-0123456789ab"


def _mesh_error(mesh: dict[str, Any], environment: str = "staging") -> str:
    with pytest.raises(ConfigError) as info:
        settings_from_config(
            {"aws:region": "us-west-2", "mlinfra:environment": environment, "mlinfra:mesh": mesh}, stack="test", source=SOURCE
        )
    return str(info.value)


@pytest.mark.parametrize(
    ("stack", "istiod", "plain_http", "faults"),
    [("dev", (1, 1, False), True, True), ("staging", (2, 3, True), False, True), ("prod", (3, 6, True), False, False)],
)
def test_each_environment_has_its_mesh_defaults(
    stack: str, istiod: tuple[int, int, bool], plain_http: bool, faults: bool
) -> None:
    mesh = load_settings(stack).mesh
    assert mesh.mtls_mode == "STRICT"
    assert (mesh.istiod.min_replicas, mesh.istiod.max_replicas, mesh.istiod.enable_pdb) == istiod
    assert mesh.gateway.enable_plain_http is plain_http and mesh.allow_fault_injection is faults


@pytest.mark.parametrize(
    ("mesh", "environment", "field", "text"),
    [
        ({"mtls_mode": "PERMISSIVE"}, "staging", "mlinfra:mesh.mtls_mode", "only a dev stack may choose it"),
        ({"mtls_mode": "DISABLE"}, "dev", "mlinfra:mesh.mtls_mode", "must be one of 'STRICT' or 'PERMISSIVE'"),
        ({"allow_fault_injection": True}, "prod", "mlinfra:mesh.allow_fault_injection", "prod never injects faults"),
        (
            {"istiod": {"min_replicas": 1, "max_replicas": 2, "enable_pdb": True}},
            "staging",
            "mlinfra:mesh.istiod.enable_pdb",
            "needs istiod.min_replicas >= 2",
        ),
        (
            {"istiod": {"min_replicas": 3, "max_replicas": 2}},
            "staging",
            "mlinfra:mesh.istiod.max_replicas",
            "at least istiod.min_replicas (3)",
        ),
        ({"gateway": {"enable_plain_http": True}}, "staging", "mlinfra:mesh.gateway.enable_plain_http", "only in dev stacks"),
        ({"gateway": {"tls_secret": None}}, "staging", "mlinfra:mesh.gateway.certificate_arn", "the gateway needs HTTPS"),
        (
            {"gateway": {"certificate_arn": "arn:aws:acm:x"}},
            "staging",
            "mlinfra:mesh.gateway.certificate_arn",
            "an ACM certificate ARN",
        ),
        ({"gateway": {"certificate_arn": ARN}}, "staging", "mlinfra:mesh.gateway.tls_secret", "not both"),
        ({"gateway": {"tls_secret": "Bad_Secret"}}, "staging", "mlinfra:mesh.gateway.tls_secret", "Kubernetes Secret name"),
        ({"gateway": {"scheme": "public"}}, "staging", "mlinfra:mesh.gateway.scheme", "'internal' or 'internet-facing'"),
        (
            {"gateway": {"min_replicas": 4, "max_replicas": 2}},
            "staging",
            "mlinfra:mesh.gateway.max_replicas",
            "at least gateway.min_replicas (4)",
        ),
        ({"sidecars": True}, "staging", "mlinfra:mesh.sidecars", "unknown field"),
    ],
)
def test_mesh_setting_messages(mesh: dict[str, Any], environment: str, field: str, text: str) -> None:
    message = _mesh_error(mesh, environment)
    assert f"{SOURCE}: {field}: " in message and text in message, message


def test_acm_certificate_instead_of_the_secret() -> None:
    base = {"aws:region": "us-west-2", "mlinfra:environment": "prod", **RECEIVERS}
    mesh = {"gateway": {"certificate_arn": ARN, "tls_secret": None, "scheme": "internet-facing"}}
    settings = settings_from_config({**base, "mlinfra:mesh": mesh}, stack="test", source=SOURCE)
    assert settings.mesh.gateway.certificate_arn == ARN


# -- team files -------------------------------------------------------------------------------
ENDPOINT: dict[str, Any] = {
    "host": "recommend.ml.example.com",
    "model": "recommend",
    "server": "tensorflow-serving",
    "port": 8500,
    "stable": {"version": "1", "replicas": 2, "gpu": 0},
    "canary": {"version": "2", "weight": 10, "replicas": 1},
    "timeout_ms": 500,
    "retries": {"attempts": 2, "per_try_timeout_ms": 200},
    "fault": {"abort_percent": 10, "http_status": 503},
    "autoscaling": {"min": 2, "max": 10},
}


def endpoint(**changes: Any) -> dict[str, Any]:
    ep = copy.deepcopy(ENDPOINT)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(ep.get(key), dict):
            ep[key] = {**ep[key], **value}
        elif value is None:
            ep.pop(key, None)
        else:
            ep[key] = value
    return ep


def teams(tmp_path: Path, *docs: dict[str, Any]) -> Path:
    d = tmp_path / "teams"
    d.mkdir(exist_ok=True)
    for doc in docs:
        write(d, f"{doc['name']}.yaml", doc)
    return d


def with_models(doc: dict[str, Any]) -> dict[str, Any]:
    for env in ("dev", "staging", "prod"):
        doc[env]["data_lake"] = {"models": "read-write"}
        doc[env]["quota"]["gpu"] = 2
        # 10 (autoscaling max) + 1 canary pods x 1.1 CPU: the quota must hold them (stacks/serving_quota.py).
        doc[env]["quota"]["cpu"] = "16"
    return doc


def team_problems(tmp_path: Path, stack: str, *docs: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load_settings(stack, teams_dir=teams(tmp_path, *docs))
    return info.value.problems


def only(found: list[Problem], file: str, field: str, text: str) -> None:
    matches = [p for p in found if p.file.endswith(file) and p.field == field and text in p.message]
    assert matches, f"expected {file}: {field}: ...{text}...; got:\n" + "\n".join(map(str, found))


def test_a_valid_endpoint_loads_in_every_environment(tmp_path: Path) -> None:
    d = teams(tmp_path, with_models(team_doc("recsys", serving={"recommend": endpoint()})))
    for stack in ("dev", "staging", "prod"):
        [team] = load_settings(stack, teams_dir=d).teams
        assert team.spec is not None and team.spec.serving["recommend"].canary is not None


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"canary": {"version": "1"}}, "serving.recommend.canary.version", "must differ from stable.version ('1')"),
        ({"canary": {"weight": 101}}, "serving.recommend.canary.weight", "less than or equal to 100"),
        ({"canary": {"weight": -1}}, "serving.recommend.canary.weight", "greater than or equal to 0"),
        ({"stable": {"version": "v1"}}, "serving.recommend.stable.version", "a positive whole number written as a string"),
        ({"host": "Recommend"}, "serving.recommend.host", "a fully qualified DNS name"),
        ({"port": 15006}, "serving.recommend.port", "reserved by the Istio sidecar"),
        ({"port": 70000}, "serving.recommend.port", "from 1 to 65535"),
        ({"server": "torchserve"}, "serving.recommend.server", "'tensorflow-serving' or 'triton'"),
        ({"retries": {"per_try_timeout_ms": 900}}, "serving.recommend.retries.per_try_timeout_ms", "at most timeout_ms (500)"),
        ({"autoscaling": {"min": 3}}, "serving.recommend.stable.replicas", "between autoscaling.min (3)"),
        ({"fault": {"abort_percent": 0}}, "serving.recommend.fault", "injects nothing"),
        ({"fault": {"environments": ["dev", "prod"]}}, "serving.recommend.fault.environments", "not allowed in prod"),
        ({"stable": {"gpu": 1}, "canary": {"gpu": 1}}, "serving", "may request 11 GPUs in prod"),
        ({"models": "x"}, "serving.recommend.models", "unknown field"),
    ],
)
def test_endpoint_messages(tmp_path: Path, changes: dict[str, Any], field: str, text: str) -> None:
    found = team_problems(tmp_path, "prod", with_models(team_doc("recsys", serving={"recommend": endpoint(**changes)})))
    only(found, "recsys.yaml", field, text)


def test_bad_endpoint_name(tmp_path: Path) -> None:
    found = team_problems(tmp_path, "dev", with_models(team_doc("recsys", serving={"Recommend": endpoint()})))
    only(found, "recsys.yaml", "serving.Recommend", "a DNS label of at most 40 characters")


def test_hosts_unique_across_teams_and_every_file_reported(tmp_path: Path) -> None:
    a = with_models(team_doc("recsys", serving={"recommend": endpoint(fault=None)}))
    b = with_models(team_doc("vision", serving={"classify": endpoint(fault=None, canary={"version": "1"})}))
    found = team_problems(tmp_path, "dev", a, b)
    only(found, "recsys.yaml", "serving.recommend.host", "also ")
    only(found, "vision.yaml", "serving.classify.host", "is used more than once")
    only(found, "vision.yaml", "serving.classify.canary.version", "must differ"), "every problem of every file"


def test_serving_needs_the_models_zone(tmp_path: Path) -> None:
    doc = team_doc("recsys", serving={"recommend": endpoint(fault=None)})
    for env in ("dev", "staging", "prod"):
        doc[env]["quota"]["gpu"] = 2
        doc[env]["data_lake"] = {"raw": "read"}
    only(team_problems(tmp_path, "staging", doc), "recsys.yaml", "staging.data_lake.models", 'give the team "read"')


def test_allow_from_messages(tmp_path: Path) -> None:
    a = team_doc("recsys", mesh={"allow_from": ["recsys", "ghost"]})
    found = team_problems(tmp_path, "dev", a, team_doc("vision"))
    only(found, "recsys.yaml", "mesh.allow_from[0]", "always allowed")
    only(found, "recsys.yaml", "mesh.allow_from[1]", "no team 'ghost'; teams: ['recsys', 'vision']")


def test_fault_drill_applies_only_where_listed_and_allowed(tmp_path: Path) -> None:
    d = teams(tmp_path, with_models(team_doc("recsys", serving={"recommend": endpoint()})))
    assert load_settings("prod", teams_dir=d).teams[0].spec.serving["recommend"].fault is not None  # type: ignore[union-attr]
