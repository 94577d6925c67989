"""components/mesh/serving_validation.py: each rule with a passing and a failing case."""

from __future__ import annotations

import re

import pytest

from components.mesh import serving_validation as validation


@pytest.mark.parametrize("host", ["recommend.ml.example.com", "a.io", "x-1.models.example.co.uk"])
def test_hosts_accepted(host: str) -> None:
    assert re.match(validation.HOST_PATTERN, host)


@pytest.mark.parametrize(
    "host", ["recommend", "*.ml.example.com", "Recommend.example.com", "a.example.com.", "-a.example.com", "a..b.com", "a.b.123"]
)
def test_hosts_rejected(host: str) -> None:
    assert not re.match(validation.HOST_PATTERN, host)


@pytest.mark.parametrize(
    ("version", "ok"), [("1", True), ("42", True), ("0", False), ("01", False), ("v2", False), ("1.0", False)]
)
def test_versions(version: str, ok: bool) -> None:
    assert bool(re.match(validation.VERSION_PATTERN, version)) is ok


@pytest.mark.parametrize(
    ("port", "message"),
    [
        (8500, None),
        (1, None),
        (65535, None),
        (0, "from 1 to 65535"),
        (65536, "from 1 to 65535"),
        (15020, "reserved by the Istio sidecar"),
        (15006, "reserved"),
    ],
)
def test_ports(port: int, message: str | None) -> None:
    problem = validation.port_problem(port)
    assert (problem is None) if message is None else (message in (problem or ""))


def test_route_weights_sum_to_100() -> None:
    assert validation.route_weights(None) == (100, 0)
    assert validation.route_weights(10) == (90, 10)
    assert validation.route_weights(100) == (0, 100)
    with pytest.raises(ValueError, match="from 0 to 100"):
        validation.route_weights(101)


def test_canary_problems() -> None:
    assert validation.canary_problems("1", "2", 10) == []
    assert validation.canary_problems("1", None, None) == []
    [(field, message)] = validation.canary_problems("1", "1", 10)
    assert field == "canary.version" and "must differ from stable.version ('1')" in message
    [(field, message)] = validation.canary_problems("1", "2", 120)
    assert field == "canary.weight" and "from 0 to 100" in message


def test_retry_problems() -> None:
    assert validation.retry_problems(500, 2, 200) == []
    assert validation.retry_problems(100, 0, 200) == [], "no retries: the per-try timeout is unused"
    [(field, message)] = validation.retry_problems(100, 2, 200)
    assert field == "retries.per_try_timeout_ms" and "at most timeout_ms (100)" in message


def test_autoscaling_problems() -> None:
    assert validation.autoscaling_problems(2, 10, 2) == []
    assert validation.autoscaling_problems(5, 2, 5)[0][0] == "autoscaling.max"
    [(field, message)] = validation.autoscaling_problems(2, 10, 12)
    assert field == "stable.replicas" and "between autoscaling.min (2) and autoscaling.max (10)" in message


def test_fault_problems() -> None:
    assert validation.fault_problems(("dev", "staging"), False, "prod") == []
    assert validation.fault_problems(("dev", "prod"), True, "prod") == []
    [(field, message)] = validation.fault_problems(("dev", "prod"), False, "prod")
    assert field == "fault.environments" and "not allowed in prod" in message


def test_fault_noop() -> None:
    assert validation.fault_is_noop(0, 0, 0) and validation.fault_is_noop(0, 100, 0) and validation.fault_is_noop(0, 0, 50)
    assert not validation.fault_is_noop(10, 0, 0) and not validation.fault_is_noop(0, 100, 5)


def test_duplicate_hosts_names_every_use() -> None:
    found = validation.duplicate_hosts(
        [
            ("a.yaml", "serving.x.host", "h.example.com"),
            ("b.yaml", "serving.y.host", "h.example.com"),
            ("b.yaml", "serving.z.host", "z.example.com"),
        ]
    )
    assert [(s, f) for s, f, _ in found] == [("a.yaml", "serving.x.host"), ("b.yaml", "serving.y.host")]
    assert "also b.yaml: serving.y.host" in found[0][2]


def test_gpu_demand_and_names() -> None:
    assert validation.gpu_demand(10, 1, 1, 2) == 12
    assert validation.resource_name("recommend", "2") == "recommend-v2" and validation.subset_name("2") == "v2"
