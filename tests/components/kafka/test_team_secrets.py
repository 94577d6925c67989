"""Strimzi client Secrets reach team namespaces as reflector copies, and no team reads the Kafka namespace.

On the recorded dev plan (Strimzi, SCRAM) and the same stack with mTLS: which namespaces
kubernetes-reflector would copy each annotated Secret into is computed here from the planned
annotations and Namespaces, by reflector's own rules (``reflected_to``), so a wrong label, a
missing list or another team's name fails; the RBAC check walks every binding of the plan.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.catalog.namespaces import KAFKA, KUBERNETES_NAMESPACES
from components.kafka._mirror import (
    ALLOWED,
    ALLOWED_NAMESPACES,
    ALLOWED_SELECTOR,
    AUTO_ENABLED,
    AUTO_NAMESPACES,
    AUTO_SELECTOR,
    mirror_to_labelled,
    mirror_to_namespaces,
)
from components.kafka._team_secrets import SecretMirrorArgs, reflector_values
from mlinfra.engine import Plan, PlannedResource, plan_stack, unwrap_secrets
from tests._golden import assert_golden_yaml

CR = "kubernetes:kafka.strimzi.io/v1:{}".format
NAMESPACE = "kubernetes:core/v1:Namespace"
RELEASE = "kubernetes:helm.sh/v3:Release"
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:{}".format
REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "tests" / "data" / "strimzi"


@pytest.fixture(scope="module")
def tls_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """Dev with ``mlinfra:kafka.strimzi.authentication: tls`` (mTLS user Secrets)."""
    doc = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    doc["config"]["mlinfra:kafka"] = {"strimzi": {"authentication": "tls"}}
    stack_file = tmp_path_factory.mktemp("tls") / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return plan_stack("dev", stack_file=stack_file)


# -- reflector's rules, as emberstack/kubernetes-reflector v10.0.63 applies them ------------------
def reflected_to(annotations: Mapping[str, str], namespaces: Mapping[str, Mapping[str, str]]) -> set[str]:
    """The namespaces an auto-mirrored source is copied into (MirroringPropertiesExtensions.cs,
    CanBeAutoReflectedToNamespace): allowed and auto-enabled, then each of the two filters
    (allowed, auto) passes when its name patterns (whole-name regular expressions) OR its label
    selector match, and passes everything when both are empty."""

    def passes(names_key: str, selector_key: str, ns: str, labels: Mapping[str, str]) -> bool:
        names, selector = annotations.get(names_key, ""), annotations.get(selector_key, "")
        if not names and not selector:
            return True
        if any(re.fullmatch(p.strip(), ns) for p in names.split(",") if p.strip()):
            return True
        # Only the selector form mlinfra writes (one label key: "exists") is modelled here.
        assert not selector or re.fullmatch(r"[A-Za-z0-9._/-]+", selector), f"selector not modelled: {selector!r}"
        return bool(selector) and selector in labels

    if annotations.get(ALLOWED) != "true" or annotations.get(AUTO_ENABLED) != "true":
        return set()
    return {
        ns
        for ns, labels in namespaces.items()
        if passes(ALLOWED_NAMESPACES, ALLOWED_SELECTOR, ns, labels) and passes(AUTO_NAMESPACES, AUTO_SELECTOR, ns, labels)
    }


def cluster_namespaces(plan: Plan) -> dict[str, dict[str, str]]:
    """Every namespace of the cluster: the planned ones and those Kubernetes creates itself."""
    found: dict[str, dict[str, str]] = {ns: {} for ns in KUBERNETES_NAMESPACES}
    for r in plan.of_type(NAMESPACE):
        found[r.inputs["metadata"]["name"]] = dict(r.inputs["metadata"].get("labels", {}))
    return found


def team_namespaces(plan: Plan) -> dict[str, str]:
    return {team: facts["namespace"] for team, facts in plan.outputs["teams"].items()}


def team_secret_grants(resources: list[PlannedResource], teams: set[str]) -> list[str]:
    """Bindings that let a ServiceAccount of a team namespace read Secrets in the Kafka namespace
    (a RoleBinding there, or any ClusterRoleBinding). A role not in the plan counts as a grant."""
    roles = {
        (r.type.rsplit(":", 1)[-1], r.inputs["metadata"].get("namespace"), r.inputs["metadata"]["name"]): r
        for r in resources
        if r.type in (RBAC("Role"), RBAC("ClusterRole"))
    }
    found = []
    for binding in resources:
        cluster_wide = binding.type == RBAC("ClusterRoleBinding")
        if not cluster_wide and not (
            binding.type == RBAC("RoleBinding") and binding.inputs["metadata"].get("namespace") == KAFKA
        ):
            continue
        subjects = [
            s for s in binding.inputs.get("subjects", []) if s.get("kind") == "ServiceAccount" and s.get("namespace") in teams
        ]
        ref = binding.inputs["roleRef"]
        role = roles.get((ref["kind"], None if ref["kind"] == "ClusterRole" else KAFKA, ref["name"]))
        rules = role.inputs.get("rules", []) if role is not None else [{"resources": ["*"], "verbs": ["*"]}]
        reads = any(
            {"secrets", "*"} & set(r.get("resources", [])) and {"get", "list", "watch", "*"} & set(r.get("verbs", []))
            for r in rules
        )
        if subjects and reads:
            found.append(f"{binding.type} {binding.name}")
    return found


# -- no team reads the Kafka namespace ------------------------------------------------------------
@pytest.mark.parametrize("mode", ["scram", "tls"])
def test_no_team_service_account_may_read_secrets_in_the_kafka_namespace(
    mode: str, dev_plan: Plan, request: pytest.FixtureRequest
) -> None:
    plan = dev_plan if mode == "scram" else request.getfixturevalue("tls_plan")
    teams = set(team_namespaces(plan).values())
    assert teams == {"recsys", "vision"}, "the premise: two Strimzi teams"
    assert team_secret_grants(plan.resources, teams) == []
    in_kafka = [r.name for r in plan.resources if r.type.startswith(RBAC("")) and r.inputs["metadata"].get("namespace") == KAFKA]
    assert in_kafka == [], f"no Role or RoleBinding in {KAFKA}: {in_kafka}"


def test_the_rbac_check_catches_the_old_read_ca_role(dev_plan: Plan) -> None:
    """Near miss: the plan plus one Role/RoleBinding as _access.py registered them before."""
    meta = {"name": "team-vision-read-ca", "namespace": KAFKA, "labels": {"team": "vision"}}
    rule = {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["mlinfra-cluster-ca-cert"], "verbs": ["get"]}
    role = PlannedResource("urn:x:Role", RBAC("Role"), "kafka-vision-read-ca", "", True, {"metadata": meta, "rules": [rule]})
    binding = dataclasses.replace(
        role,
        urn="urn:x:RoleBinding",
        type=RBAC("RoleBinding"),
        inputs={
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": meta["name"]},
            "subjects": [{"kind": "ServiceAccount", "name": "workload", "namespace": "vision"}],
        },
    )
    teams = {"recsys", "vision"}
    assert team_secret_grants([*dev_plan.resources, role, binding], teams) == [f"{RBAC('RoleBinding')} kafka-vision-read-ca"]
    configmaps = dataclasses.replace(role, inputs={"metadata": meta, "rules": [{**rule, "resources": ["configmaps"]}]})
    assert team_secret_grants([configmaps, binding], teams) == [], "only Secrets count"


# -- the CA: every team namespace, nothing else ---------------------------------------------------
@pytest.mark.parametrize("mode", ["scram", "tls"])
def test_the_cluster_ca_is_mirrored_into_every_team_namespace_and_only_there(
    mode: str, dev_plan: Plan, request: pytest.FixtureRequest
) -> None:
    plan = dev_plan if mode == "scram" else request.getfixturevalue("tls_plan")
    kafka = plan.get(CR("Kafka"), "kafka-kafka")
    annotations = kafka.inputs["spec"]["kafka"]["template"]["clusterCaCert"]["metadata"]["annotations"]
    assert reflected_to(annotations, cluster_namespaces(plan)) == set(team_namespaces(plan).values()), kafka.name
    credentials = [unwrap_secrets(r.inputs["stringData"]) for r in plan.resources if r.name.endswith("-credentials")]
    assert len(credentials) == 2 and all(
        c["ca.secret"] == f"{kafka.inputs['metadata']['name']}-cluster-ca-cert" for c in credentials
    )


@pytest.mark.parametrize(
    "annotations",
    [
        mirror_to_namespaces(["recsys"]),  # one team only
        {**mirror_to_labelled("team"), ALLOWED_NAMESPACES: "monitoring", AUTO_NAMESPACES: "monitoring"},  # names OR selector
        mirror_to_labelled("mlinfra.io/node-role"),  # the wrong label
        {ALLOWED: "true", AUTO_ENABLED: "true"},  # no list at all: every namespace
        {**mirror_to_labelled("team"), AUTO_ENABLED: "false"},  # never copied
    ],
)
def test_the_ca_check_sees_a_near_miss(annotations: dict[str, str], dev_plan: Plan) -> None:
    assert reflected_to(annotations, cluster_namespaces(dev_plan)) != {"recsys", "vision"}


def test_a_team_label_on_a_platform_namespace_would_receive_the_ca(dev_plan: Plan) -> None:
    """Near miss on the plan side: the selector is only as exact as the namespaces' labels."""
    annotations = dev_plan.get(CR("Kafka"), "kafka-kafka").inputs["spec"]["kafka"]["template"]["clusterCaCert"]["metadata"][
        "annotations"
    ]
    namespaces = cluster_namespaces(dev_plan)
    namespaces[KAFKA] = {**namespaces[KAFKA], "team": "platform"}
    assert KAFKA in reflected_to(annotations, namespaces)


# -- mTLS: each user's key pair into its own team's namespace only --------------------------------
def test_each_user_secret_is_mirrored_into_its_own_team_namespace_only(tls_plan: Plan) -> None:
    namespaces, teams = cluster_namespaces(tls_plan), team_namespaces(tls_plan)
    users = tls_plan.of_type(CR("KafkaUser"))
    assert {u.inputs["metadata"]["labels"]["team"] for u in users} == set(teams), "one user per team"
    for user in users:
        team = user.inputs["metadata"]["labels"]["team"]
        annotations = user.inputs["spec"]["template"]["secret"]["metadata"]["annotations"]
        assert reflected_to(annotations, namespaces) == {teams[team]}, user.name
        credentials = unwrap_secrets(tls_plan.get("kubernetes:core/v1:Secret", f"kafka-{team}-credentials").inputs["stringData"])
        assert credentials["user.secret"] == user.inputs["metadata"]["name"], f"kafka-{team}-credentials names the copy"
        assert credentials["security.protocol"] == "SSL" and "password" not in credentials, user.name


def test_scram_users_mirror_nothing(dev_plan: Plan) -> None:
    """The password already sits in the team's kafka-credentials; Strimzi's copy stays put."""
    for user in dev_plan.of_type(CR("KafkaUser")):
        assert "template" not in user.inputs["spec"], user.name


def test_every_strimzi_object_of_the_mtls_plan_matches_the_v1_schema(tls_plan: Plan) -> None:
    objects = [r for r in tls_plan.resources if r.type.startswith("kubernetes:kafka.strimzi.io/")]
    assert {r.type.split(":")[-1] for r in objects} >= {"Kafka", "KafkaUser"}
    for r in objects:
        schema = json.loads((SCHEMAS / f"{r.type.split(':')[-1].lower()}.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(r.inputs, schema)


# -- the controller ---------------------------------------------------------------------------------
def test_the_reflector_release_is_pinned_sized_and_on_the_system_nodes(dev_plan: Plan) -> None:
    release = dev_plan.get(RELEASE, "kafka-reflector-release")
    inputs, values = release.inputs, release.inputs["values"]
    assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]["repo"]) == (
        "reflector",
        "10.0.63",
        "https://emberstack.github.io/helm-charts",
    )
    assert inputs["namespace"] == "reflector" and inputs["namespace"] != KAFKA, release.name
    assert values["resources"]["requests"] == {"cpu": "50m", "memory": "256Mi"}, release.name
    assert values["nodeSelector"] == {"mlinfra.io/node-role": "system"} and values["replicaCount"] == 1, release.name
    assert values["securityContext"]["runAsNonRoot"] is True and values["podSecurityContext"]["runAsNonRoot"] is True
    namespace = dev_plan.get(NAMESPACE, "kafka-reflector-namespace")
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert_golden_yaml("helm/reflector.yaml", reflector_values(SecretMirrorArgs()))


def test_the_reflector_depends_on_nothing_of_a_team(dev_plan: Plan) -> None:
    release = dev_plan.get(RELEASE, "kafka-reflector-release")
    teams = set(team_namespaces(dev_plan))
    seen, todo = set(), list(release.dependencies)
    while todo:  # every dependency, transitively, and its parents
        urn = todo.pop()
        r = dev_plan.by_urn(urn)
        if urn in seen or r is None:
            continue
        seen.add(urn)
        labels = r.inputs.get("metadata", {}).get("labels", {}) if isinstance(r.inputs.get("metadata"), dict) else {}
        assert "team" not in labels and not any(f"-{t}-" in f"-{r.name}-" for t in teams), f"{release.name} waits for {r.name}"
        todo += [*r.dependencies, r.parent]
    assert any(u.endswith("NodeGroup::cluster-system") for u in seen), "the premise: it waits for the system nodes"


def test_the_split_keeps_the_mirror_in_the_platform_half() -> None:
    from tests.conftest import cached_split

    halves = cached_split("dev")
    halves.platform.get(RELEASE, "kafka-reflector-release")
    assert not [r.name for r in halves.tenants.resources if "reflector" in r.name], "nothing of it per team"
    ca = halves.platform.get(CR("Kafka"), "kafka-kafka").inputs["spec"]["kafka"]["template"]
    assert ca["clusterCaCert"]["metadata"]["annotations"] == mirror_to_labelled("team"), (
        "by label: a new team changes no platform resource"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mirror_to_namespaces([]), "at least one namespace"),
        (lambda: mirror_to_namespaces(["team-.*"]), "must be DNS labels"),
        (lambda: mirror_to_labelled("team in (a)"), "must be a Kubernetes label key"),
    ],
)
def test_mirror_annotations_refuse_what_would_widen_them(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
