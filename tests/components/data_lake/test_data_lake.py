"""DataLake, asserted on the recorded offline plans of the shipped stacks, plus the pure
access-policy builder."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.catalog.schema import is_taggable
from components.data_lake.data_lake import (
    DataLake,
    DataLakeArgs,
    PrefixGrant,
    build_access_policy,
)
from mlinfra.engine import Plan, PlannedResource, run_program
from mlinfra.mocks import ACCOUNT_ID
from stacks.loading import load_settings

ZONES = ("raw", "curated", "features", "models")
LOG = "access-logs"
BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
REQUIRED_TAGS = ("environment", "managed-by", "cost-center")
REGION = {"dev": "us-west-2", "staging": "us-west-2", "prod": "us-east-1"}
# (raw_to_ia_days, raw_to_glacier_ir_days, noncurrent_expiry_days, log_retention_days)
LIFECYCLE_DAYS = {"dev": (30, 60, 7, 30), "staging": (30, 90, 30, 90), "prod": (90, 180, 90, 365)}


def _lake_resources(plan: Plan) -> list[PlannedResource]:
    lake = plan.get("mlinfra:storage:DataLake", "data-lake")
    return [r for r in plan.resources if r.parent == lake.urn]


def _of(plan: Plan, short_type: str, role: str) -> PlannedResource:
    module = short_type[0].lower() + short_type[1:]
    return plan.get(f"aws:s3/{module}:{short_type}", f"data-lake-{role}")


def _policy(plan: Plan, role: str) -> dict[str, Any]:
    return json.loads(_of(plan, "BucketPolicy", role).inputs["policy"])


def _bucket_name(stack: str, role: str) -> str:
    return f"mlinfra-{stack}-{role}-{ACCOUNT_ID}-{REGION[stack]}"


def _stack(plan: Plan) -> str:
    return plan.stack


# -- buckets ---------------------------------------------------------------------------
def test_one_bucket_per_zone_with_a_deterministic_name(any_plan: Plan) -> None:
    stack = _stack(any_plan)
    expected = {zone: _bucket_name(stack, zone) for zone in ZONES}
    assert any_plan.outputs["data_lake_buckets"] == expected
    assert any_plan.outputs["data_lake_bucket_arns"] == {z: f"arn:aws:s3:::{n}" for z, n in expected.items()}
    assert any_plan.outputs["data_lake_log_bucket"] == _bucket_name(stack, LOG)
    for role in (*ZONES, LOG):
        bucket = any_plan.get(BUCKET, f"data-lake-{role}")
        assert bucket.inputs["bucket"] == _bucket_name(stack, role), bucket.name
    sources = [b for b in any_plan.of_type(BUCKET) if b.name.startswith("data-lake-") and not b.name.endswith("-replica")]
    assert len(sources) == len(ZONES) + 1, sorted(b.name for b in sources)


def test_zone_buckets_use_sse_kms_with_the_lake_key_and_bucket_keys(any_plan: Plan) -> None:
    key = any_plan.get(KEY, "data-lake-key")
    assert any_plan.outputs["data_lake_kms_key_arn"].startswith("arn:aws:kms:")
    for zone in ZONES:
        sse = _of(any_plan, "BucketServerSideEncryptionConfiguration", zone)
        (rule,) = sse.inputs["rules"]
        default = rule["applyServerSideEncryptionByDefault"]
        assert default["sseAlgorithm"] == "aws:kms", f"{sse.name}: {rule}"
        assert default["kmsMasterKeyId"] == any_plan.outputs["data_lake_kms_key_arn"], f"{sse.name}: {rule}"
        assert key.urn in sse.dependencies, f"{sse.name} must use data-lake-key"
        assert rule["bucketKeyEnabled"] is True, f"{sse.name}: bucket key off"


def test_log_bucket_uses_sse_s3_the_only_default_encryption_log_delivery_supports(any_plan: Plan) -> None:
    sse = _of(any_plan, "BucketServerSideEncryptionConfiguration", LOG)
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}, sse.name


@pytest.mark.parametrize("role", [*ZONES, LOG])
def test_every_bucket_is_versioned_private_and_owner_enforced(any_plan: Plan, role: str) -> None:
    versioning = _of(any_plan, "BucketVersioning", role)
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled", versioning.name
    pab = _of(any_plan, "BucketPublicAccessBlock", role)
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert pab.inputs.get(flag) is True, f"{pab.name}: {flag} is {pab.inputs.get(flag)!r}"
    ownership = _of(any_plan, "BucketOwnershipControls", role)
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}, ownership.name
    bucket = any_plan.get(BUCKET, f"data-lake-{role}")
    for child in (versioning, pab, ownership):
        assert child.inputs["bucket"] == bucket.inputs["bucket"], f"{child.name} configures another bucket"


@pytest.mark.parametrize("role", [*ZONES, LOG])
def test_every_bucket_policy_denies_plain_http(any_plan: Plan, role: str) -> None:
    arn = f"arn:aws:s3:::{_bucket_name(_stack(any_plan), role)}"
    denies = [
        s
        for s in _policy(any_plan, role)["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denies) == 1, f"data-lake-{role}: no TLS-deny statement"
    (deny,) = denies
    assert deny["Principal"] == "*" and deny["Action"] == "s3:*", f"data-lake-{role}: {deny}"
    assert sorted(deny["Resource"]) == [arn, f"{arn}/*"], f"data-lake-{role}: {deny['Resource']}"


def test_zone_bucket_policies_allow_nothing(any_plan: Plan) -> None:
    for zone in ZONES:
        allows = [s for s in _policy(any_plan, zone)["Statement"] if s["Effect"] != "Deny"]
        assert allows == [], f"data-lake-{zone} policy grants: {allows}"


def test_log_bucket_lets_only_s3_logging_of_each_zone_write_its_prefix(any_plan: Plan) -> None:
    stack = _stack(any_plan)
    log_arn = f"arn:aws:s3:::{_bucket_name(stack, LOG)}"
    allows = [s for s in _policy(any_plan, LOG)["Statement"] if s["Effect"] == "Allow"]
    by_source = {s["Condition"]["ArnLike"]["aws:SourceArn"]: s for s in allows}
    assert len(allows) == len(ZONES), f"data-lake-{LOG}: {allows}"
    for zone in ZONES:
        stmt = by_source[f"arn:aws:s3:::{_bucket_name(stack, zone)}"]
        assert stmt["Principal"] == {"Service": "logging.s3.amazonaws.com"}, f"data-lake-{LOG}: {stmt}"
        assert stmt["Action"] == "s3:PutObject", f"data-lake-{LOG}: {stmt}"
        assert stmt["Resource"] == f"{log_arn}/{zone}/*", f"data-lake-{LOG}: {stmt}"
        assert stmt["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}, f"data-lake-{LOG}: {stmt}"


def test_every_zone_logs_to_the_log_bucket_under_its_own_prefix(any_plan: Plan) -> None:
    stack = _stack(any_plan)
    log_policy = _of(any_plan, "BucketPolicy", LOG)
    for zone in ZONES:
        logging = _of(any_plan, "BucketLogging", zone)
        assert logging.inputs["bucket"] == _bucket_name(stack, zone), logging.name
        assert logging.inputs["targetBucket"] == _bucket_name(stack, LOG), logging.name
        assert logging.inputs["targetPrefix"] == f"{zone}/", logging.name
        assert log_policy.urn in logging.dependencies, f"{logging.name} must wait for the log bucket policy"
    with pytest.raises(KeyError):
        _of(any_plan, "BucketLogging", LOG)  # a log bucket logging to itself would loop


def _rules(plan: Plan, role: str) -> dict[str, dict[str, Any]]:
    lifecycle = _of(plan, "BucketLifecycleConfiguration", role)
    for rule in lifecycle.inputs["rules"]:
        assert rule["status"] == "Enabled", f"{lifecycle.name}: {rule}"
        assert rule["filter"] == {"prefix": ""}, f"{lifecycle.name}: rule {rule['id']} must cover every object"
    return {rule["id"]: rule for rule in lifecycle.inputs["rules"]}


def test_lifecycle_days_follow_the_environment(any_plan: Plan) -> None:
    ia, glacier_ir, noncurrent, log_days = LIFECYCLE_DAYS[_stack(any_plan)]
    for role in (*ZONES, LOG):
        rules = _rules(any_plan, role)
        where = f"data-lake-{role}"
        assert rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}, where
        assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": noncurrent}, where
        tiering = rules.get("tier-to-infrequent-access")
        if role == "raw":
            assert tiering is not None, f"{where}: raw zone must tier"
            assert tiering["transitions"] == [
                {"days": ia, "storageClass": "STANDARD_IA"},
                {"days": glacier_ir, "storageClass": "GLACIER_IR"},
            ], where
        else:
            assert tiering is None, f"{where}: only the raw zone tiers"
        assert all("transitions" not in r for r in rules.values() if r is not tiering), where
    assert _rules(any_plan, LOG)["expire-access-logs"]["expiration"] == {"days": log_days}, f"data-lake-{LOG}"
    assert all("expiration" not in r for z in ZONES for r in _rules(any_plan, z).values()), "zone data never expires"


def test_lifecycle_and_policy_wait_for_versioning_and_public_access_block(any_plan: Plan) -> None:
    for role in (*ZONES, LOG):
        lifecycle = _of(any_plan, "BucketLifecycleConfiguration", role)
        assert _of(any_plan, "BucketVersioning", role).urn in lifecycle.dependencies, lifecycle.name
        policy = _of(any_plan, "BucketPolicy", role)
        assert _of(any_plan, "BucketPublicAccessBlock", role).urn in policy.dependencies, policy.name


# -- key, catalog ---------------------------------------------------------------------
def test_lake_key_rotates_and_has_an_alias(any_plan: Plan) -> None:
    key = any_plan.get(KEY, "data-lake-key")
    assert key.inputs["enableKeyRotation"] is True, f"{key.name} does not rotate"
    statements = {st["Sid"]: st for st in json.loads(key.inputs["policy"])["Statement"]}
    assert set(statements) == {"AccountAdministers", "DenyUseOutsideS3"}, f"{key.name}: {sorted(statements)}"
    deny = statements["DenyUseOutsideS3"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {
        "StringNotEquals": {"kms:ViaService": f"s3.{REGION[_stack(any_plan)]}.amazonaws.com"}
    }, f"{key.name}: {deny}"
    alias = any_plan.get("aws:kms/alias:Alias", "data-lake-key")
    assert alias.inputs["name"] == f"alias/mlinfra-{_stack(any_plan)}-data-lake", alias.name
    assert alias.property_dependencies["targetKeyId"] == (key.urn,), f"{alias.name} targets another key"


def test_one_glue_database_per_zone_at_the_zone_bucket(any_plan: Plan) -> None:
    stack = _stack(any_plan)
    databases = [r for r in any_plan.of_type("aws:glue/catalogDatabase:CatalogDatabase") if r.name.startswith("data-lake-")]
    assert sorted(d.name for d in databases) == sorted(f"data-lake-{z}" for z in ZONES)
    for zone in ZONES:
        db = any_plan.get("aws:glue/catalogDatabase:CatalogDatabase", f"data-lake-{zone}")
        assert db.inputs["name"] == f"mlinfra_{stack}_{zone}", db.name
        assert db.inputs["locationUri"] == f"s3://{_bucket_name(stack, zone)}/", db.name


# -- protection, tags, parents --------------------------------------------------------
def test_prod_protects_and_retains_every_lake_resource(prod_plan: Plan) -> None:
    resources = _lake_resources(prod_plan)
    assert {r.type for r in resources} >= {BUCKET, KEY, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"}
    # The replica region's provider holds no data; protecting it would only block its removal.
    for r in (r for r in resources if not r.type.startswith("pulumi:providers:")):
        assert r.protect and r.retain_on_delete, f"{r.type} {r.name} is not protected and retained in prod"


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_non_prod_protects_nothing(stack: str, request: pytest.FixtureRequest) -> None:
    for r in _lake_resources(request.getfixturevalue(f"{stack}_plan")):
        assert not r.protect and not r.retain_on_delete, f"{r.type} {r.name} is protected in {stack}"


def test_prod_never_sets_force_destroy(prod_plan: Plan) -> None:
    for bucket in (r for r in _lake_resources(prod_plan) if r.type == BUCKET):
        assert "forceDestroy" not in bucket.inputs, f"{bucket.name}: forceDestroy={bucket.inputs['forceDestroy']!r}"


def test_dev_buckets_can_be_emptied_on_destroy(dev_plan: Plan) -> None:
    for bucket in (r for r in _lake_resources(dev_plan) if r.type == BUCKET):
        assert bucket.inputs.get("forceDestroy") is True, f"{bucket.name} is not force_destroy in dev"


def test_every_taggable_lake_resource_carries_the_required_tags(any_plan: Plan) -> None:
    taggable = [r for r in _lake_resources(any_plan) if is_taggable(r.type)]
    replicated = any_plan.stack == "prod"  # the replication role, lag alarms and their topic (prod only)
    dr = {"aws:iam/role:Role", "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic"}
    expected = {BUCKET, KEY, "aws:glue/catalogDatabase:CatalogDatabase"} | (dr if replicated else set())
    assert {r.type for r in taggable} == expected
    for r in taggable:
        tags = r.inputs.get("tags", {})
        for tag in REQUIRED_TAGS:
            assert tags.get(tag), f"{r.type} {r.name} lacks tag {tag}"
        assert tags["environment"] == _stack(any_plan), f"{r.type} {r.name}: {tags}"


def test_every_lake_resource_is_a_child_of_the_component(any_plan: Plan) -> None:
    named = [r for r in any_plan.resources if r.name.startswith("data-lake-")]
    children = _lake_resources(any_plan)
    assert named and sorted(r.urn for r in named) == sorted(r.urn for r in children)
    # 5 buckets x 7 (bucket, ownership, PAB, SSE, versioning, lifecycle, policy) + 4 logging
    # + key + alias + 4 Glue databases; prod adds the replica of raw and models: a provider, key +
    # alias, 2 buckets x 7, the replication role + its policy, 2 replication configurations, an
    # alarm topic per region and 2 x (lag + failure) alarms (no email subscriptions shipped).
    replica = 1 + 2 + 2 * 7 + 2 + 2 + 2 + 2 * 2 if any_plan.stack == "prod" else 0
    assert len(children) == 5 * 7 + 4 + 2 + 4 + replica, sorted((r.type, r.name) for r in children)


# -- Args validation --------------------------------------------------------------------
def _args(**overrides: Any) -> DataLakeArgs:
    base: dict[str, Any] = {
        "name_prefix": "mlinfra-dev",
        "account_id": ACCOUNT_ID,
        "region": "us-west-2",
        "enable_protection": False,
    }
    return DataLakeArgs(**{**base, **overrides})


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"force_destroy": True, "enable_protection": True}, "force_destroy cannot be combined with enable_protection"),
        ({"zones": ("raw", "Raw")}, "zone name 'Raw' is not DNS-safe"),
        ({"zones": ("raw", "raw")}, "zone names must be unique; repeated: ['raw']"),
        ({"zones": ("raw", "access-logs")}, "zone name 'access-logs' is reserved"),
        ({"zones": ()}, "at least one zone is required"),
        ({"tiering_zones": ("bronze",)}, "tiering_zones ['bronze'] are not zones"),
        (
            {"raw_to_ia_days": 29, "raw_to_glacier_ir_days": 90},
            "raw_to_ia_days: S3 transitions to STANDARD_IA no earlier than 30",
        ),
        (
            {"raw_to_ia_days": 90, "raw_to_glacier_ir_days": 119},
            "raw_to_glacier_ir_days: must be at least raw_to_ia_days + 30 = 120",
        ),
        ({"noncurrent_expiry_days": 0}, "noncurrent_expiry_days: must be >= 1 day"),
        ({"log_retention_days": 0}, "log_retention_days: must be >= 1 day"),
        ({"name_prefix": "MLinfra"}, "bucket prefix 'MLinfra' must be lowercase"),
        ({"name_prefix": "x" * 30}, "S3 allows 63"),
    ],
)
def test_args_reject_what_s3_or_safety_forbid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        _args(**overrides)
    assert message in str(info.value)


def test_args_accept_the_aws_minimums() -> None:
    args = _args(raw_to_ia_days=30, raw_to_glacier_ir_days=60, noncurrent_expiry_days=1, log_retention_days=1)
    assert (args.raw_to_ia_days, args.raw_to_glacier_ir_days) == (30, 60)


# -- access policies ----------------------------------------------------------------------
ARNS = {z: f"arn:aws:s3:::lake-{z}" for z in ZONES}
KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/abcd"


def _statements(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert doc["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in doc["Statement"]]
    assert len(sids) == len(set(sids)), f"duplicate Sids: {sids}"
    return {s["Sid"]: s for s in doc["Statement"]}


def test_read_grant_gets_and_lists_only_its_prefix() -> None:
    doc = build_access_policy(ARNS, KEY_ARN, [PrefixGrant("raw", "teams/vision/", "read")])
    s = _statements(doc)
    assert set(s) == {"ReadRawObjects", "ListRawPrefixes", "UseDataLakeKey"}
    assert s["ReadRawObjects"]["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert s["ReadRawObjects"]["Resource"] == ["arn:aws:s3:::lake-raw/teams/vision/*"]
    assert s["ListRawPrefixes"]["Action"] == ["s3:ListBucket"]
    assert s["ListRawPrefixes"]["Resource"] == ["arn:aws:s3:::lake-raw"]
    assert s["ListRawPrefixes"]["Condition"] == {"StringLike": {"s3:prefix": ["teams/vision/*"]}}
    assert s["UseDataLakeKey"]["Action"] == ["kms:Decrypt"], "read needs no GenerateDataKey"
    assert s["UseDataLakeKey"]["Resource"] == [KEY_ARN]
    assert s["UseDataLakeKey"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}
    assert all(s_["Effect"] == "Allow" for s_ in doc["Statement"])


def test_read_write_grant_adds_put_delete_abort_and_generate_data_key() -> None:
    doc = build_access_policy(ARNS, KEY_ARN, [PrefixGrant("features", "teams/nlp/", "read-write")])
    s = _statements(doc)
    assert s["ReadWriteFeaturesObjects"]["Action"] == [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
    ]
    assert s["ReadWriteFeaturesObjects"]["Resource"] == ["arn:aws:s3:::lake-features/teams/nlp/*"]
    assert s["UseDataLakeKey"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]


def test_grants_merge_per_zone_and_access() -> None:
    grants = [
        PrefixGrant("raw", "teams/a/", "read"),
        PrefixGrant("raw", "shared/", "read"),
        PrefixGrant("raw", "shared/", "read"),  # duplicates collapse
        PrefixGrant("raw", "teams/a/", "read-write"),  # read-write subsumes read of the same prefix
        PrefixGrant("raw", "teams/b/", "read-write"),
        PrefixGrant("models", "teams/a/", "read"),
    ]
    s = _statements(build_access_policy(ARNS, KEY_ARN, grants))
    assert set(s) == {
        "ReadRawObjects",
        "ReadWriteRawObjects",
        "ListRawPrefixes",
        "ReadModelsObjects",
        "ListModelsPrefixes",
        "UseDataLakeKey",
    }
    assert s["ReadRawObjects"]["Resource"] == ["arn:aws:s3:::lake-raw/shared/*"]
    assert s["ReadWriteRawObjects"]["Resource"] == [
        "arn:aws:s3:::lake-raw/teams/a/*",
        "arn:aws:s3:::lake-raw/teams/b/*",
    ]
    assert s["ListRawPrefixes"]["Condition"]["StringLike"]["s3:prefix"] == ["shared/*", "teams/a/*", "teams/b/*"]
    assert s["ReadModelsObjects"]["Resource"] == ["arn:aws:s3:::lake-models/teams/a/*"]


def test_policy_never_grants_a_wildcard_action_or_a_whole_bucket() -> None:
    doc = build_access_policy(ARNS, KEY_ARN, [PrefixGrant(z, "p/", "read-write") for z in ZONES])
    for stmt in doc["Statement"]:
        assert not any(a.endswith("*") for a in stmt["Action"]), stmt
        for resource in stmt["Resource"]:
            assert not resource.endswith(":::lake-raw/*") and resource != "*", stmt


@pytest.mark.parametrize(
    "grant,message",
    [
        (
            PrefixGrant("gold", "teams/a/", "read"),
            "unknown data lake zone 'gold'; allowed zones: ['curated', 'features', 'models', 'raw']",
        ),
        (PrefixGrant("raw", "teams/a", "read"), "bad prefix 'teams/a' for zone 'raw'"),
        (PrefixGrant("raw", "/teams/a/", "read"), "bad prefix '/teams/a/'"),
        (PrefixGrant("raw", "", "read"), "bad prefix ''"),
        (PrefixGrant("raw", "teams/*/", "read"), "bad prefix 'teams/*/'"),
        (PrefixGrant("raw", "teams//a/", "read"), "bad prefix 'teams//a/'"),
        (PrefixGrant("raw", "teams/../", "read"), "bad prefix 'teams/../'"),
        (PrefixGrant("raw", "teams/a/", "write"), "bad access 'write' for raw/teams/a/: must be one of ['read', 'read-write']"),  # type: ignore[arg-type]
    ],
)
def test_bad_grants_name_the_zone_prefix_or_access(grant: PrefixGrant, message: str) -> None:
    with pytest.raises(ValueError) as info:
        build_access_policy(ARNS, KEY_ARN, [grant])
    assert message in str(info.value)


def test_no_grants_is_an_error() -> None:
    with pytest.raises(ValueError, match="grants must not be empty"):
        build_access_policy(ARNS, KEY_ARN, [])


def test_component_access_policy_uses_the_real_arns() -> None:
    settings = load_settings("dev")
    grants = [PrefixGrant("curated", "teams/vision/", "read-write")]
    errors: list[str] = []

    def program(_settings: Any) -> dict[str, Any]:
        lake = DataLake("lake", _args())
        try:
            lake.access_policy([PrefixGrant("gold", "x/", "read")])
        except ValueError as exc:  # raised at the call, not inside an apply
            errors.append(str(exc))
        return {"policy": lake.access_policy(grants), "arns": lake.bucket_arns, "key": lake.kms_key_arn}

    plan = run_program(settings, program=program)
    assert errors and "unknown data lake zone 'gold'" in errors[0]
    doc = json.loads(plan.outputs["policy"])
    assert doc == json.loads(json.dumps(build_access_policy(plan.outputs["arns"], plan.outputs["key"], grants)))
    s = _statements(doc)
    curated = f"arn:aws:s3:::mlinfra-dev-curated-{ACCOUNT_ID}-us-west-2"
    assert s["ReadWriteCuratedObjects"]["Resource"] == [f"{curated}/teams/vision/*"]
    assert s["UseDataLakeKey"]["Resource"] == [plan.outputs["key"]]
    assert plan.outputs["key"].startswith(f"arn:aws:kms:us-west-2:{ACCOUNT_ID}:key/")


def test_lake_key_is_priced_and_storage_is_not(any_plan: Plan) -> None:
    from components.catalog.cost import estimate_plan

    items = {i.name: i for i in estimate_plan(any_plan).items}
    key = items["data-lake-key"]
    assert (key.kind, key.monthly_min, key.monthly_max) == ("kms-key", 1.0, 1.0), key
    assert "usage-based" in key.detail, key
    # Fixed monthly fees only: the keys, and in prod the replication alarms and replication metrics
    # (tests/components/data_lake/test_replica_alarms.py); buckets and storage are usage-based.
    replicated = ("raw", "models") if any_plan.stack == "prod" else ()
    priced = {"data-lake-key", "data-lake-replica-key"}
    priced |= {f"data-lake-{z}-replication-{a}" for z in replicated for a in ("lag", "failed")}
    priced |= {f"data-lake-{z}" for z in replicated}  # the replication configurations (their metrics)
    assert {n for n in items if n.startswith("data-lake-")} <= priced, sorted(items)
    assert {i.kind for n, i in items.items() if n in {f"data-lake-{z}" for z in replicated}} <= {"replication"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"replicated_zones": ("gold",)}, "replicated_zones: ['gold'] are not zones"),
        ({"replicated_zones": ("raw",)}, "replica_region: must be one of"),
        (
            {"replicated_zones": ("raw",), "replica_region": "us-west-2"},
            "replica_region: must differ from the stack's region 'us-west-2'",
        ),
        (
            {"kms_admin_role_arns": ("arn:aws:iam::123456789012:user/x",)},
            "kms_admin_role_arns: 'arn:aws:iam::123456789012:user/x' is not",
        ),
    ],
    ids=["unknown-zone", "no-region", "same-region", "admin-not-a-role"],
)
def test_replication_and_key_admin_args_are_validated(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _args(**overrides)
    assert _args(replicated_zones=("raw",), replica_region="us-east-1").replica_region == "us-east-1"
