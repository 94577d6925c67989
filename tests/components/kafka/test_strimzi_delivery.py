"""Strimzi delivery into the lake, on a dev plan whose stack file sets ``connect_image``."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mlinfra.engine import Plan, run_program, unwrap_secrets
from stacks.loading import load_settings

SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "strimzi"
CR = "kubernetes:kafka.strimzi.io/v1:{}".format
IMAGE = f"123456789012.dkr.ecr.us-west-2.amazonaws.com/mlinfra/kafka-connect@sha256:{'0123456789abcdef' * 4}"
STACK = f"""config:
  aws:region: us-west-2
  mlinfra:environment: dev
  mlinfra:kafka:
    strimzi:
      connect_image: {IMAGE}
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    stack = tmp_path_factory.mktemp("stack") / "Pulumi.dev.yaml"
    stack.write_text(STACK)
    return run_program(load_settings("dev", stack_file=stack))


def test_no_warning_and_one_connect_per_delivering_team(plan: Plan, dev_plan: Plan) -> None:
    assert any("are not delivered" in d["message"] for d in dev_plan.diagnostics), "without connect_image: a warning"
    assert not any("are not delivered" in d["message"] for d in plan.diagnostics)
    (connect,) = plan.of_type(CR("KafkaConnect"))
    assert connect.inputs["metadata"]["name"] == "lake-recsys", "only recsys has to_lake topics"
    assert connect.inputs["metadata"]["annotations"] == {"strimzi.io/use-connector-resources": "true"}
    # The prebuilt image, as configured; nothing for Strimzi to build (its restricted profile refuses).
    assert connect.inputs["spec"]["image"] == IMAGE and "build" not in connect.inputs["spec"], connect.name
    for kind in ("KafkaConnect", "KafkaConnector", "KafkaUser"):
        schema = json.loads((SCHEMAS / f"{kind.lower()}.schema.json").read_text(encoding="utf-8"))
        for r in plan.of_type(CR(kind)):
            jsonschema.validate(r.inputs, schema)


def test_connector_writes_the_team_topic_prefix(plan: Plan) -> None:
    (connector,) = plan.of_type(CR("KafkaConnector"))
    config = connector.inputs["spec"]["config"]
    assert config["topics"] == "recsys.clicks" and config["file.name.prefix"] == "teams/recsys/kafka/clicks/"
    assert config["aws.s3.bucket.name"] == plan.outputs["data_lake_buckets"]["raw"]
    assert connector.inputs["metadata"]["labels"]["strimzi.io/cluster"] == "lake-recsys"


def test_connect_role_is_limited_to_the_team_raw_prefix(plan: Plan) -> None:
    policy = plan.get("aws:iam/rolePolicy:RolePolicy", "kafka-recsys-lake")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    raw = plan.outputs["data_lake_bucket_arns"]["raw"]
    assert statements["WriteTopicPrefix"]["Resource"] == [f"{raw}/teams/recsys/kafka/*"]
    assert statements["EncryptWithLakeKey"]["Resource"] == [plan.outputs["data_lake_kms_key_arn"]]
    association = plan.get("aws:eks/podIdentityAssociation:PodIdentityAssociation", "kafka-recsys-lake")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == ("kafka", "lake-recsys-connect")
    user = plan.get(CR("KafkaUser"), "kafka-recsys-lake-user")
    topics = [a["resource"] for a in user.inputs["spec"]["authorization"]["acls"] if a["resource"]["type"] == "topic"]
    assert {"type": "topic", "name": "recsys.clicks", "patternType": "literal"} in topics
    assert not any(t["name"] == "recsys." for t in topics), "the Connect user reads only delivered topics"


def test_no_registry_credentials_in_the_cluster(plan: Plan) -> None:
    secrets = plan.of_type("kubernetes:core/v1:Secret")
    assert secrets, "the plan has Secrets (SCRAM passwords), so the check below looks at something"
    for secret in secrets:
        assert secret.inputs.get("type") not in ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg"), secret.name
        keys = set(unwrap_secrets(secret.inputs.get("stringData") or {})) | set(secret.inputs.get("data") or {})
        assert ".dockerconfigjson" not in keys and ".dockercfg" not in keys, secret.name
