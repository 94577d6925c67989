"""The mesh and serving rules: a violating and a passing case each (mutations of the real
plan are in tests/policies/test_real_plans_mesh.py)."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import (
    mlinfra_mesh_mtls_strict,
    mlinfra_mesh_no_allow_all_sources,
    mlinfra_mesh_no_fault_injection,
    mlinfra_mesh_team_allow_nothing,
    mlinfra_mesh_virtual_service_weights,
    mlinfra_model_server_image_pinned,
)
from policies.rules._mesh import AUTHORIZATION_POLICY, DEPLOYMENT, NAMESPACE, PEER_AUTHENTICATION, VIRTUAL_SERVICE
from policies.rules._util import TEAM_COMPONENT
from tests.policies.support import check_resource, check_stack, resource


def cr(kind: str, spec: dict[str, Any], namespace: str = "recsys") -> dict[str, Any]:
    return {"apiVersion": "x", "kind": kind, "metadata": {"name": "p", "namespace": namespace}, "spec": spec}


def test_types_follow_the_crd_catalog() -> None:
    assert PEER_AUTHENTICATION == "kubernetes:security.istio.io/v1:PeerAuthentication"
    assert VIRTUAL_SERVICE == "kubernetes:networking.istio.io/v1:VirtualService"


# -- mTLS ---------------------------------------------------------------------------------
def test_mtls_strict_passes() -> None:
    assert (
        check_resource(
            mlinfra_mesh_mtls_strict.POLICY, PEER_AUTHENTICATION, cr("PeerAuthentication", {"mtls": {"mode": "STRICT"}})
        )
        == []
    )


@pytest.mark.parametrize(
    "spec",
    [
        {"mtls": {"mode": "PERMISSIVE"}},
        {"mtls": {"mode": "DISABLE"}},
        {},
        {"mtls": {"mode": "STRICT"}, "portLevelMtls": {"8080": {"mode": "DISABLE"}}},
    ],
)
def test_mtls_not_strict_is_a_violation(spec: dict[str, Any]) -> None:
    [message] = check_resource(mlinfra_mesh_mtls_strict.POLICY, PEER_AUTHENTICATION, cr("PeerAuthentication", spec), name="mesh")
    assert "PeerAuthentication 'mesh'" in message and "set STRICT" in message


def test_mtls_permissive_allowed_by_config() -> None:
    props = cr("PeerAuthentication", {"mtls": {"mode": "PERMISSIVE"}})
    assert check_resource(mlinfra_mesh_mtls_strict.POLICY, PEER_AUTHENTICATION, props, config={"allowPermissive": True}) == []
    disable = cr("PeerAuthentication", {"mtls": {"mode": "DISABLE"}})
    assert check_resource(mlinfra_mesh_mtls_strict.POLICY, PEER_AUTHENTICATION, disable, config={"allowPermissive": True})


# -- fault injection -------------------------------------------------------------------------
FAULTY = cr(
    "VirtualService",
    {"http": [{"route": [{"destination": {"host": "a"}}]}, {"fault": {"abort": {"httpStatus": 503}}, "route": []}]},
)


def test_fault_is_a_violation_where_not_allowed() -> None:
    [message] = check_resource(mlinfra_mesh_no_fault_injection.POLICY, VIRTUAL_SERVICE, FAULTY, name="recommend")
    assert "VirtualService 'recommend' injects faults (spec.http[1].fault)" in message


def test_fault_passes_where_allowed_and_without_fault() -> None:
    assert (
        check_resource(mlinfra_mesh_no_fault_injection.POLICY, VIRTUAL_SERVICE, FAULTY, config={"allowFaultInjection": True})
        == []
    )
    clean = cr("VirtualService", {"http": [{"route": [{"destination": {"host": "a"}}]}]})
    assert check_resource(mlinfra_mesh_no_fault_injection.POLICY, VIRTUAL_SERVICE, clean) == []


# -- weights -------------------------------------------------------------------------------
def routes(*weights: int | None) -> dict[str, Any]:
    return cr(
        "VirtualService",
        {
            "http": [
                {
                    "route": [
                        {"destination": {"host": "a", "subset": f"v{i}"}, **({"weight": w} if w is not None else {})}
                        for i, w in enumerate(weights)
                    ]
                }
            ]
        },
    )


@pytest.mark.parametrize("weights", [(90, 10), (100, 0), (0, 100), (None,), (50,), (50, 30, 20)])
def test_weights_passing(weights: tuple[int | None, ...]) -> None:
    assert check_resource(mlinfra_mesh_virtual_service_weights.POLICY, VIRTUAL_SERVICE, routes(*weights)) == []


@pytest.mark.parametrize(("weights", "total"), [((90, 20), 110), ((50, None), 50), ((40, 40), 80)])
def test_weights_violating(weights: tuple[int | None, ...], total: int) -> None:
    [message] = check_resource(mlinfra_mesh_virtual_service_weights.POLICY, VIRTUAL_SERVICE, routes(*weights))
    assert f"adds up to {total}" in message and "must add up to 100" in message


# -- allow-all sources -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        ([{}], "no `from`"),
        ([{"to": [{"operation": {"ports": ["8500"]}}]}], "no `from`"),
        ([{"from": [{"source": {}}]}], "no principals, namespaces or IP blocks"),
        ([{"from": [{"source": {"namespaces": ["*"]}}]}], "namespaces ['*']"),
        ([{"from": [{"source": {"principals": ["*"]}}]}], "principals ['*']"),
        ([{"from": [{"source": {"ipBlocks": ["0.0.0.0/0"]}}]}], "ipBlocks ['0.0.0.0/0']"),
    ],
)
def test_allow_all_sources_violating(rules: list[Any], reason: str) -> None:
    [message] = check_resource(
        mlinfra_mesh_no_allow_all_sources.POLICY,
        AUTHORIZATION_POLICY,
        cr("AuthorizationPolicy", {"action": "ALLOW", "rules": rules}),
        name="open",
    )
    assert "AuthorizationPolicy 'open' spec.rules[0] allows every source" in message and reason in message


@pytest.mark.parametrize(
    "spec",
    [
        {"action": "ALLOW"},  # allow-nothing
        {},  # allow-nothing too
        {"action": "ALLOW", "rules": [{"from": [{"source": {"namespaces": ["recsys"]}}]}]},
        {"rules": [{"from": [{"source": {"principals": ["cluster.local/ns/istio-ingress/sa/istio-ingressgateway"]}}]}]},
        {"action": "DENY", "rules": [{}]},  # a DENY of everything is not an allow
    ],
)
def test_allow_all_sources_passing(spec: dict[str, Any]) -> None:
    assert check_resource(mlinfra_mesh_no_allow_all_sources.POLICY, AUTHORIZATION_POLICY, cr("AuthorizationPolicy", spec)) == []


# -- allow-nothing per team namespace ------------------------------------------------------------
def team_namespace(name: str) -> list[Any]:
    team = resource(TEAM_COMPONENT, name)
    return [team, resource(NAMESPACE, f"{name}-namespace", {"metadata": {"name": name}}, parent=team)]


def test_team_without_allow_nothing_is_a_violation() -> None:
    resources = [*team_namespace("recsys"), *team_namespace("vision")]
    resources.append(
        resource(AUTHORIZATION_POLICY, "recsys-allow-nothing", cr("AuthorizationPolicy", {"action": "ALLOW"}, "recsys"))
    )
    # An ALLOW with rules in vision's namespace is not a default deny.
    resources.append(
        resource(
            AUTHORIZATION_POLICY,
            "vision-same",
            cr("AuthorizationPolicy", {"rules": [{"from": [{"source": {"namespaces": ["vision"]}}]}]}, "vision"),
        )
    )
    [(message, urn)] = check_stack(mlinfra_mesh_team_allow_nothing.POLICY, resources)
    assert "team namespace 'vision' has no allow-nothing AuthorizationPolicy" in message
    assert urn is not None and urn.endswith("vision-namespace")


def test_team_with_allow_nothing_passes_and_platform_namespaces_are_ignored() -> None:
    resources = [*team_namespace("recsys"), resource(NAMESPACE, "monitoring", {"metadata": {"name": "monitoring"}})]
    resources.append(resource(AUTHORIZATION_POLICY, "recsys-allow-nothing", cr("AuthorizationPolicy", {}, "recsys")))
    assert check_stack(mlinfra_mesh_team_allow_nothing.POLICY, resources) == []
    selected = cr("AuthorizationPolicy", {"selector": {"matchLabels": {"app": "x"}}}, "recsys")
    assert not mlinfra_mesh_team_allow_nothing.is_allow_nothing(selected), "a selector limits it to some pods"


# -- pinned model-server images --------------------------------------------------------------------
def deployment(
    image: str, init_image: str = "public.ecr.aws/aws-cli/aws-cli:2.36.15", component: str = "model-server"
) -> dict[str, Any]:
    return {
        "metadata": {"name": "recommend-v1"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/component": component}},
                "spec": {
                    "initContainers": [{"name": "fetch-model", "image": init_image}],
                    "containers": [{"name": "server", "image": image}],
                },
            }
        },
    }


@pytest.mark.parametrize(
    "image",
    [
        "tensorflow/serving:2.20.0",
        "nvcr.io/nvidia/tritonserver:26.07-py3",
        "registry.example.com:5000/tf/serving@sha256:" + "a" * 64,
    ],
)
def test_pinned_images_pass(image: str) -> None:
    assert check_resource(mlinfra_model_server_image_pinned.POLICY, DEPLOYMENT, deployment(image)) == []


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("tensorflow/serving:latest", "uses :latest"),
        ("tensorflow/serving", "no tag"),
        ("registry.example.com:5000/serving", "no tag"),
    ],
)
def test_unpinned_images_violate(image: str, reason: str) -> None:
    [message] = check_resource(mlinfra_model_server_image_pinned.POLICY, DEPLOYMENT, deployment(image), name="recommend-v1")
    assert "Deployment 'recommend-v1' container 'server'" in message and reason in message


def test_init_container_is_checked_and_other_deployments_ignored() -> None:
    [message] = check_resource(
        mlinfra_model_server_image_pinned.POLICY, DEPLOYMENT, deployment("tensorflow/serving:2.20.0", init_image="amazon/aws-cli")
    )
    assert "container 'fetch-model'" in message
    assert check_resource(mlinfra_model_server_image_pinned.POLICY, DEPLOYMENT, deployment("nginx", component="web")) == []
