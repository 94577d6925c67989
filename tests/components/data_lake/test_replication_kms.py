"""The replication role's KMS permissions (components/data_lake/_replica.py replication_policy),
judged by the requests S3 makes for it when both sides use SSE-KMS with S3 Bucket Keys:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html

A small evaluator of Allow statements (Action, Resource, StringEquals / StringLike conditions)
answers "is this request allowed?"; near-miss documents (object-ARN-only context, no
kms:ViaService, no kms:Decrypt on the replica key) must fail the same questions."""

from __future__ import annotations

import copy
import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from components.data_lake._replica import replication_policy
from mlinfra.engine import Plan

SOURCE_REGION, REPLICA_REGION = "us-east-1", "us-west-2"
SOURCES = ["arn:aws:s3:::lake-raw-src", "arn:aws:s3:::lake-models-src"]
REPLICAS = ["arn:aws:s3:::lake-raw-dst", "arn:aws:s3:::lake-models-dst"]
SOURCE_KEY = f"arn:aws:kms:{SOURCE_REGION}:123456789012:key/source"
REPLICA_KEY = f"arn:aws:kms:{REPLICA_REGION}:123456789012:key/replica"
CONTEXT = "kms:EncryptionContext:aws:s3:arn"
VIA = "kms:ViaService"


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _condition_holds(condition: dict[str, dict[str, Any]], request: dict[str, str]) -> bool:
    for operator, keys in condition.items():
        match = {"StringEquals": lambda a, b: a == b, "StringLike": fnmatchcase}[operator]
        for key, allowed in keys.items():
            if key not in request or not any(match(request[key], a) for a in _list(allowed)):
                return False
    return True


def allows(policy: dict[str, Any], action: str, resource: str, request: dict[str, str]) -> bool:
    """Whether an Allow statement of ``policy`` grants ``action`` on ``resource`` in this request context."""
    return any(
        st["Effect"] == "Allow"
        and any(fnmatchcase(action, a) for a in _list(st["Action"]))
        and any(fnmatchcase(resource, r) for r in _list(st["Resource"]))
        and _condition_holds(st.get("Condition", {}), request)
        for st in policy["Statement"]
    )


def _s3(region: str, arn: str) -> dict[str, str]:
    """The context of a KMS call S3 makes in ``region`` for ``arn`` (a bucket ARN with Bucket Keys)."""
    return {VIA: f"s3.{region}.amazonaws.com", CONTEXT: arn}


def bucket_key_replication_problems(policy: dict[str, Any]) -> list[str]:
    """What S3 replication with Bucket Keys on both sides would be refused, or what it grants too widely."""
    problems = []
    for source, replica in zip(SOURCES, REPLICAS, strict=True):
        if not allows(policy, "kms:Decrypt", SOURCE_KEY, _s3(SOURCE_REGION, source)):
            problems.append(f"cannot decrypt {source} (bucket-ARN context) through S3 in {SOURCE_REGION}")
        if not allows(policy, "kms:Encrypt", REPLICA_KEY, _s3(REPLICA_REGION, replica)):
            problems.append(f"cannot encrypt into {replica} (bucket-ARN context) through S3 in {REPLICA_REGION}")
        if not allows(policy, "kms:Decrypt", REPLICA_KEY, _s3(REPLICA_REGION, replica)):
            problems.append(f"cannot verify the S3 Bucket Key of {replica} (kms:Decrypt on the replica key)")
    # Never outside S3 in the key's own region, never for another bucket.
    if allows(policy, "kms:Decrypt", SOURCE_KEY, {CONTEXT: SOURCES[0]}):
        problems.append("decrypts the source key outside S3 (no kms:ViaService)")
    if allows(policy, "kms:Decrypt", SOURCE_KEY, _s3(REPLICA_REGION, SOURCES[0])):
        problems.append(f"decrypts the source key through S3 in {REPLICA_REGION}")
    if allows(policy, "kms:Encrypt", REPLICA_KEY, {CONTEXT: REPLICAS[0]}):
        problems.append("encrypts with the replica key outside S3 (no kms:ViaService)")
    if allows(policy, "kms:Decrypt", SOURCE_KEY, _s3(SOURCE_REGION, "arn:aws:s3:::lake-raw-src-other")):
        problems.append("decrypts for a bucket that is not a source")
    if allows(policy, "kms:Decrypt", REPLICA_KEY, _s3(REPLICA_REGION, f"{REPLICAS[0]}/some/object")):
        problems.append("decrypts replica objects, not only the replica Bucket Keys")
    return problems


def _policy() -> dict[str, Any]:
    return replication_policy(SOURCES, REPLICAS, SOURCE_KEY, REPLICA_KEY, SOURCE_REGION, REPLICA_REGION)


def _statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(st for st in policy["Statement"] if st["Sid"] == sid)


def test_the_policy_allows_bucket_key_replication_and_nothing_beside() -> None:
    assert bucket_key_replication_problems(_policy()) == []


def test_objects_written_without_a_bucket_key_still_replicate() -> None:
    # An upload may turn the Bucket Key off; its context is then the object ARN.
    policy = _policy()
    assert allows(policy, "kms:Decrypt", SOURCE_KEY, _s3(SOURCE_REGION, f"{SOURCES[1]}/models/v3/weights.bin"))
    assert allows(policy, "kms:Encrypt", REPLICA_KEY, _s3(REPLICA_REGION, f"{REPLICAS[1]}/models/v3/weights.bin"))


def _object_arn_only(policy: dict[str, Any]) -> None:
    for sid in ("DecryptSource", "EncryptReplicas", "CheckReplicaBucketKeys"):
        condition = _statement(policy, sid)["Condition"]["StringLike"]
        condition[CONTEXT] = [a for a in condition[CONTEXT] if a.endswith("/*")] or [f"{a}/*" for a in condition[CONTEXT]]


def _no_via_service(policy: dict[str, Any]) -> None:
    for st in policy["Statement"]:
        st.get("Condition", {}).pop("StringEquals", None)


def _no_replica_decrypt(policy: dict[str, Any]) -> None:
    policy["Statement"] = [st for st in policy["Statement"] if st["Sid"] != "CheckReplicaBucketKeys"]


def _replica_decrypt_for_objects(policy: dict[str, Any]) -> None:
    _statement(policy, "CheckReplicaBucketKeys")["Condition"]["StringLike"][CONTEXT] = [f"{a}*" for a in REPLICAS]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_object_arn_only, "cannot decrypt arn:aws:s3:::lake-raw-src (bucket-ARN context)"),
        (_no_via_service, "decrypts the source key outside S3 (no kms:ViaService)"),
        (_no_replica_decrypt, "cannot verify the S3 Bucket Key of arn:aws:s3:::lake-raw-dst"),
        (_replica_decrypt_for_objects, "decrypts replica objects, not only the replica Bucket Keys"),
    ],
    ids=["object-arn-only-context", "no-via-service", "no-replica-decrypt", "replica-decrypt-for-objects"],
)
def test_a_near_miss_policy_fails(mutate: Any, expected: str) -> None:
    policy = copy.deepcopy(_policy())
    mutate(policy)
    problems = bucket_key_replication_problems(policy)
    assert any(expected in p for p in problems), problems


def test_the_recorded_prod_replication_policy_passes_the_same_checks(prod_plan: Plan) -> None:
    # The real document, with the recorded ARNs substituted for the ones the checks use.
    recorded = prod_plan.get("aws:iam/rolePolicy:RolePolicy", "data-lake-replication").inputs["policy"]
    lake = prod_plan.outputs["data_lake_buckets"]
    replica = prod_plan.outputs["data_lake_replica_buckets"]
    text = recorded
    for zone, source, dest in (("raw", SOURCES[0], REPLICAS[0]), ("models", SOURCES[1], REPLICAS[1])):
        text = text.replace(f"arn:aws:s3:::{lake[zone]}", source).replace(f"arn:aws:s3:::{replica[zone]}", dest)
    policy = json.loads(text)
    keys = {
        _statement(policy, "DecryptSource")["Resource"][0]: SOURCE_KEY,
        _statement(policy, "EncryptReplicas")["Resource"][0]: REPLICA_KEY,
    }
    for st in policy["Statement"]:
        st["Resource"] = [keys.get(r, r) for r in st["Resource"]]
    assert bucket_key_replication_problems(policy) == []
