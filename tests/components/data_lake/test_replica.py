"""The lake's disaster-recovery copy (components/data_lake/_replica.py), on the recorded plans:
prod replicates raw and models to us-west-2 with its own key and a least-privilege role; dev
and staging replicate nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mlinfra.engine import Plan, PlannedResource
from mlinfra.mocks import ACCOUNT_ID

LAKE = "mlinfra:storage:DataLake"
BUCKET, KEY = "aws:s3/bucket:Bucket", "aws:kms/key:Key"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
PROVIDER = "pulumi:providers:aws"
REPLICATED = ("raw", "models")
SOURCE_REGION, REPLICA_REGION = "us-east-1", "us-west-2"


def _name(zone: str, region: str) -> str:
    return f"mlinfra-prod-{zone}-{ACCOUNT_ID}-{region}"


def _s3(plan: Plan, short: str, name: str) -> PlannedResource:
    return plan.get(f"aws:s3/{short[0].lower() + short[1:]}:{short}", name)


def _provider_urn(r: PlannedResource) -> str:
    return r.provider.rsplit("::", 1)[0]


def test_prod_replica_buckets_live_in_the_second_region_through_the_lakes_own_provider(prod_plan: Plan) -> None:
    lake = prod_plan.get(LAKE, "data-lake")
    provider = prod_plan.get(PROVIDER, "data-lake-replica")
    assert provider.parent == lake.urn and provider.inputs["region"] == REPLICA_REGION, provider.inputs
    # Pinned to the lake's account: other credentials cannot replicate elsewhere.
    assert json.loads(provider.inputs["allowedAccountIds"]) == [ACCOUNT_ID], provider.inputs
    replicas = sorted(b.name for b in prod_plan.of_type(BUCKET) if b.name.endswith("-replica"))
    assert replicas == sorted(f"data-lake-{z}-replica" for z in REPLICATED)
    assert prod_plan.outputs["data_lake_replica_buckets"] == {z: _name(z, REPLICA_REGION) for z in REPLICATED}
    for zone in REPLICATED:
        bucket = prod_plan.get(BUCKET, f"data-lake-{zone}-replica")
        assert bucket.inputs["bucket"] == _name(zone, REPLICA_REGION), bucket.name
        assert bucket.parent == lake.urn and _provider_urn(bucket) == provider.urn, f"{bucket.name}: {bucket.provider}"
        assert bucket.protect and bucket.retain_on_delete and "forceDestroy" not in bucket.inputs, bucket.name
        # Every guard of a zone bucket, made in the replica region too.
        for short in (
            "BucketOwnershipControls",
            "BucketPublicAccessBlock",
            "BucketVersioning",
            "BucketLifecycleConfiguration",
            "BucketPolicy",
        ):
            child = _s3(prod_plan, short, bucket.name)
            assert _provider_urn(child) == provider.urn and child.protect, f"{short} {child.name}"
        pab = _s3(prod_plan, "BucketPublicAccessBlock", bucket.name).inputs
        assert all(
            pab[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        ), pab
        assert _s3(prod_plan, "BucketOwnershipControls", bucket.name).inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        assert _s3(prod_plan, "BucketVersioning", bucket.name).inputs["versioningConfiguration"]["status"] == "Enabled"


def test_replica_key_is_in_the_second_region_with_an_explicit_policy(prod_plan: Plan) -> None:
    key = prod_plan.get(KEY, "data-lake-replica-key")
    provider = prod_plan.get(PROVIDER, "data-lake-replica")
    assert _provider_urn(key) == provider.urn and key.protect and key.retain_on_delete, key.name
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30, key.inputs
    alias = prod_plan.get("aws:kms/alias:Alias", "data-lake-replica-key")
    assert alias.inputs["name"] == "alias/mlinfra-prod-data-lake-replica" and _provider_urn(alias) == provider.urn
    statements = {st["Sid"]: st for st in json.loads(key.inputs["policy"])["Statement"]}
    assert set(statements) == {"AccountAdministers", "DenyUseOutsideS3"}, sorted(statements)
    assert statements["DenyUseOutsideS3"]["Condition"] == {
        "StringNotEquals": {"kms:ViaService": f"s3.{REPLICA_REGION}.amazonaws.com"}
    }
    for zone in REPLICATED:
        sse = _s3(prod_plan, "BucketServerSideEncryptionConfiguration", f"data-lake-{zone}-replica").inputs["rules"][0]
        assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms", sse
        assert sse["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith(f"arn:aws:kms:{REPLICA_REGION}:"), sse
        sse_config = _s3(prod_plan, "BucketServerSideEncryptionConfiguration", f"data-lake-{zone}-replica")
        assert key.urn in sse_config.property_dependencies["rules"], f"{sse_config.name} is not encrypted with the replica key"


def _key_arn(plan: Plan, name: str) -> str:
    # The mock derives a key's ARN from its region and id; the SSE configuration carries it.
    bucket = {"data-lake-key": "data-lake-raw", "data-lake-replica-key": "data-lake-raw-replica"}[name]
    rule = _s3(plan, "BucketServerSideEncryptionConfiguration", bucket).inputs["rules"][0]
    return rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]


def test_replica_lifecycle_matches_the_source(prod_plan: Plan) -> None:
    for zone in REPLICATED:
        source = _s3(prod_plan, "BucketLifecycleConfiguration", f"data-lake-{zone}").inputs["rules"]
        replica = _s3(prod_plan, "BucketLifecycleConfiguration", f"data-lake-{zone}-replica").inputs["rules"]
        assert replica == source, zone


def test_replica_bucket_policies_are_tls_only_and_pin_the_replica_key(prod_plan: Plan) -> None:
    key_arn = _key_arn(prod_plan, "data-lake-replica-key")
    for zone in REPLICATED:
        policy = json.loads(_s3(prod_plan, "BucketPolicy", f"data-lake-{zone}-replica").inputs["policy"])
        by_sid = {st["Sid"]: st for st in policy["Statement"]}
        assert by_sid["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        other_key = by_sid["DenyOtherKmsKeys"]
        assert other_key["Effect"] == "Deny" and other_key["Action"] == "s3:PutObject", other_key
        assert other_key["Resource"] == f"arn:aws:s3:::{_name(zone, REPLICA_REGION)}/*", other_key
        assert other_key["Condition"] == {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}}
        assert by_sid["DenyOtherEncryption"]["Condition"] == {
            "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}
        }


def test_zone_bucket_policies_pin_the_lake_key(any_plan: Plan) -> None:
    key_arn = _key_arn(any_plan, "data-lake-key")
    region = any_plan.outputs["region"]
    assert key_arn.startswith(f"arn:aws:kms:{region}:"), key_arn
    for zone in ("raw", "curated", "features", "models"):
        policy = json.loads(_s3(any_plan, "BucketPolicy", f"data-lake-{zone}").inputs["policy"])
        by_sid = {st["Sid"]: st for st in policy["Statement"]}
        assert set(by_sid) == {
            "DenyInsecureTransport",
            "DenyOtherKmsKeys",
            "DenyOtherEncryption",
            "DenyKmsWithoutKeyId",
            "DenyCustomerProvidedKeys",
        }
        assert (
            by_sid["DenyOtherKmsKeys"]["Condition"]["StringNotEqualsIfExists"]["s3:x-amz-server-side-encryption-aws-kms-key-id"]
            == key_arn
        )
        assert by_sid["DenyKmsWithoutKeyId"]["Condition"] == {
            "StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
            "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "true"},
        }
        assert all(st["Effect"] == "Deny" and st["Principal"] == "*" for st in by_sid.values()), zone


def test_one_replication_configuration_per_replicated_zone(prod_plan: Plan) -> None:
    role = prod_plan.get("aws:iam/role:Role", "data-lake-replication")
    replica_key = _key_arn(prod_plan, "data-lake-replica-key")
    assert sorted(r.name for r in prod_plan.of_type(REPLICATION)) == sorted(f"data-lake-{z}" for z in REPLICATED)
    for zone in REPLICATED:
        config = prod_plan.get(REPLICATION, f"data-lake-{zone}")
        assert config.inputs["bucket"] == _name(zone, SOURCE_REGION), config.name
        assert config.property_dependencies["role"] == (role.urn,), config.name
        # The source bucket is in the stack region: the configuration goes through the default provider.
        assert "::pulumi:providers:aws::default_" in config.provider, config.provider
        assert config.protect and config.retain_on_delete, config.name
        (rule,) = config.inputs["rules"]
        assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}, rule
        # The rule ID is the RuleId dimension of the rule's replication metrics (the lag alarms').
        assert rule["id"] == f"{zone}-to-{REPLICA_REGION}", rule
        assert rule["deleteMarkerReplication"] == {"status": "Enabled"}, rule
        assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}, rule
        # Replication metrics on, without RTC (billed per GB) and so without an event threshold,
        # which S3 rejects unless RTC is enabled.
        assert rule["destination"] == {
            "bucket": f"arn:aws:s3:::{_name(zone, REPLICA_REGION)}",
            "encryptionConfiguration": {"replicaKmsKeyId": replica_key},
            "metrics": {"status": "Enabled"},
        }, rule
        versioning = {
            prod_plan.get("aws:s3/bucketVersioning:BucketVersioning", n).urn
            for n in (f"data-lake-{zone}", f"data-lake-{zone}-replica")
        }
        policy = prod_plan.get("aws:iam/rolePolicy:RolePolicy", "data-lake-replication").urn
        assert versioning | {policy} <= set(config.dependencies), f"{config.name} must wait for versioning and the role policy"


def test_replication_role_is_least_privilege(prod_plan: Plan) -> None:
    role = prod_plan.get("aws:iam/role:Role", "data-lake-replication")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        }
    ]
    policy = json.loads(prod_plan.get("aws:iam/rolePolicy:RolePolicy", "data-lake-replication").inputs["policy"])
    sources = sorted(f"arn:aws:s3:::{_name(z, SOURCE_REGION)}" for z in REPLICATED)
    replicas = sorted(f"arn:aws:s3:::{_name(z, REPLICA_REGION)}" for z in REPLICATED)
    expected: dict[str, Any] = {
        "ReadReplicationConfiguration": (["s3:GetReplicationConfiguration", "s3:ListBucket"], sources),
        "ReadSourceVersions": (
            ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            [f"{a}/*" for a in sources],
        ),
        "WriteReplicas": (["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], [f"{a}/*" for a in replicas]),
        "DecryptSource": (["kms:Decrypt"], [_key_arn(prod_plan, "data-lake-key")]),
        "EncryptReplicas": (["kms:Encrypt"], [_key_arn(prod_plan, "data-lake-replica-key")]),
        # S3 verifies a destination S3 Bucket Key with kms:Decrypt before using it.
        "CheckReplicaBucketKeys": (["kms:Decrypt"], [_key_arn(prod_plan, "data-lake-replica-key")]),
    }
    by_sid = {st["Sid"]: st for st in policy["Statement"]}
    assert set(by_sid) == set(expected)
    for sid, (actions, resources) in expected.items():
        st = by_sid[sid]
        assert (st["Effect"], st["Action"], st["Resource"]) == ("Allow", actions, resources), sid
    assert by_sid["DecryptSource"]["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{SOURCE_REGION}.amazonaws.com"}
    assert by_sid["EncryptReplicas"]["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{REPLICA_REGION}.amazonaws.com"}
    assert by_sid["EncryptReplicas"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == sorted(
        [*replicas, *(f"{a}/*" for a in replicas)]
    )
    # Bucket Keys use the bucket ARN as encryption context: the source's and the replicas' are allowed.
    assert by_sid["DecryptSource"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == sorted(
        [*sources, *(f"{a}/*" for a in sources)]
    )
    assert by_sid["CheckReplicaBucketKeys"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"s3.{REPLICA_REGION}.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": replicas},
    }


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_dev_and_staging_replicate_nothing(stack: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(f"{stack}_plan")
    assert plan.of_type(REPLICATION) == [] and plan.outputs["data_lake_replica_buckets"] == {}
    assert [r.name for r in plan.resources if "replica" in r.name] == []
    assert all(p.name.startswith("default_") for p in plan.of_type(PROVIDER)), "no second-region provider"


def test_the_replica_key_is_priced_like_every_key(prod_plan: Plan) -> None:
    from components.catalog.cost import estimate_plan
    from components.catalog.prices import KMS_KEY_MONTHLY

    item = next(i for i in estimate_plan(prod_plan).items if i.name == "data-lake-replica-key")
    assert (item.kind, item.monthly_min, item.monthly_max) == ("kms-key", KMS_KEY_MONTHLY, KMS_KEY_MONTHLY), item
