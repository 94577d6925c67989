"""The CustomResource helper: manifests from the catalog's API versions, registered with parent,
provider and a dependency on the release that installs the CRD."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components._crd import custom_object, custom_resource
from components.catalog.crds import CRD_API_VERSIONS
from mlinfra.engine import Plan, run_program
from stacks.loading import load_settings
from tests._golden import assert_golden_yaml

TOPIC_SPEC = {"partitions": 12, "replicas": 3, "config": {"retention.ms": 604800000}}


def test_manifest_takes_its_api_version_from_the_catalog() -> None:
    manifest = custom_object(
        "KafkaTopic", metadata_name="recsys.clicks", namespace="kafka", spec=TOPIC_SPEC, labels={"strimzi.io/cluster": "events"}
    )
    assert manifest["apiVersion"] == CRD_API_VERSIONS["KafkaTopic"] == "kafka.strimzi.io/v1"
    assert manifest["metadata"]["labels"] == {"strimzi.io/cluster": "events", "app.kubernetes.io/managed-by": "mlinfra"}
    assert_golden_yaml("crd/kafka-topic.yaml", manifest)


def test_cluster_scoped_objects_have_no_namespace() -> None:
    manifest = custom_object("PeerAuthentication", metadata_name="default", namespace=None, spec={"mtls": {"mode": "STRICT"}})
    assert "namespace" not in manifest["metadata"], manifest


def test_unknown_kinds_are_refused_with_what_is_known() -> None:
    with pytest.raises(
        ValueError, match=r"unknown custom resource kind 'KafkaMirrorMaker'; add it to components/catalog/crds.py"
    ):
        custom_object("KafkaMirrorMaker", metadata_name="m", namespace="kafka", spec={})


def test_only_stable_api_versions() -> None:
    unstable = {kind: v for kind, v in CRD_API_VERSIONS.items() if not v.endswith("/v1")}
    assert unstable == {}, f"only v1 APIs are used (Strimzi 1.x removed v1beta2): {unstable}"


class _Owner(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("mlinfra:test:Owner", name)


def _program(_settings: Any) -> dict[str, Any]:
    owner = _Owner("owner")
    provider = k8s.Provider("k8s", kubeconfig="{}")
    crds = k8s.core.v1.ConfigMap("installs-crds", opts=pulumi.ResourceOptions(provider=provider))
    topic = custom_resource(
        "owner-topic",
        "KafkaTopic",
        metadata_name="recsys.clicks",
        namespace="kafka",
        spec=TOPIC_SPEC,
        parent=owner,
        provider=provider,
        depends_on=[crds],
    )
    return {"topic": topic.metadata}


@pytest.fixture(scope="module")
def crd_plan() -> Plan:
    return run_program(load_settings("dev"), program=_program)


def test_registered_object_is_typed_parented_and_waits_for_its_crd(crd_plan: Plan) -> None:
    topic = crd_plan.get("kubernetes:kafka.strimzi.io/v1:KafkaTopic", "owner-topic")
    assert topic.inputs["apiVersion"] == "kafka.strimzi.io/v1" and topic.inputs["kind"] == "KafkaTopic", topic.name
    assert topic.inputs["spec"] == TOPIC_SPEC, topic.name
    assert topic.inputs["metadata"]["namespace"] == "kafka", topic.name
    assert topic.parent == crd_plan.get("mlinfra:test:Owner", "owner").urn, f"{topic.name} must be a child of its owner"
    provider = crd_plan.get("pulumi:providers:kubernetes", "k8s")
    assert topic.provider.startswith(provider.urn + "::"), f"{topic.name} must use the given provider"
    crds = crd_plan.get("kubernetes:core/v1:ConfigMap", "installs-crds")
    assert crds.urn in topic.dependencies, f"{topic.name} must wait for the release that installs its CRD"
