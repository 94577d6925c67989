"""components/mesh/validation.py: each rule with a passing and a failing case."""

from __future__ import annotations

from components.mesh import validation

ARN = "arn:aws:acm:us-west-2:123456789012:certificate/0b2f3c4d-1234-4abc-9def-0123456789ab"


def test_mtls() -> None:
    assert validation.mtls_problems("STRICT", False) == []
    assert validation.mtls_problems("PERMISSIVE", True) == []
    assert "only a dev stack" in validation.mtls_problems("PERMISSIVE", False)[0][1]
    assert "must be one of ['STRICT', 'PERMISSIVE']" in validation.mtls_problems("DISABLE", True)[0][1]


def test_control_plane() -> None:
    assert validation.control_plane_problems(2, 5, True) == []
    assert validation.control_plane_problems(1, 1, False) == []
    assert validation.control_plane_problems(1, 3, True) == [("istiod.enable_pdb", "needs istiod.min_replicas >= 2, got 1")]
    assert validation.control_plane_problems(4, 3, False)[0][0] == "istiod.max_replicas"


def test_tls() -> None:
    assert validation.tls_problems(ARN, None, False, False) == []
    assert validation.tls_problems(None, "ml-tls", False, False) == []
    assert validation.tls_problems(None, None, True, True) == []
    fields = lambda *a: [f for f, _ in validation.tls_problems(*a)]  # noqa: E731
    assert fields("arn:aws:acm:us-west-2:1:certificate/x", None, False, False) == ["gateway.certificate_arn"]
    assert fields(ARN, "ml-tls", False, False) == ["gateway.tls_secret"]
    assert fields(None, "Bad_Name", False, False) == ["gateway.tls_secret"]
    assert fields(ARN, None, True, False) == ["gateway.enable_plain_http"]
    assert fields(None, None, False, False) == ["gateway.certificate_arn"]


def test_allow_from() -> None:
    assert validation.allow_from_problems("recsys", ["vision"], ["recsys", "vision"]) == []
    problems = validation.allow_from_problems("recsys", ["recsys", "ghost", "vision", "vision"], ["recsys", "vision"])
    assert [i for i, _ in problems] == [0, 1, 3]
    assert "no team 'ghost'; teams: ['recsys', 'vision']" in problems[1][1]


def test_principal() -> None:
    assert (
        validation.principal("istio-ingress", "istio-ingressgateway") == "cluster.local/ns/istio-ingress/sa/istio-ingressgateway"
    )
