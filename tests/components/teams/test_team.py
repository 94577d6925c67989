"""Team, asserted on the recorded dev plan with the shipped teams (vision, recsys), and the
data isolation of the generated team policies under moto with IAM enforcement on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError
from moto import mock_aws
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin

from components.catalog import tokens
from components.catalog.schema import is_taggable
from components.data_lake.data_lake import PrefixGrant
from components.teams.team import EDIT_POLICY, TeamArgs
from mlinfra.engine import Plan, PlannedResource
from stacks.loading import DEFAULT_TEAMS_DIR, load_settings
from stacks.teams import team_file_paths

TEAM = tokens.TEAM
NAMESPACE = "kubernetes:core/v1:Namespace"
QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMITS = "kubernetes:core/v1:LimitRange"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
PIA = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
TEAMS = ("recsys", "vision")  # the shipped examples; other teams may have been onboarded since


def team_file(team: str) -> dict[str, Any]:
    return yaml.safe_load((DEFAULT_TEAMS_DIR / f"{team}.yaml").read_text())


def children(plan: Plan, team: str) -> list[PlannedResource]:
    return plan.children(plan.get(TEAM, f"team-{team}").urn)


def policy_doc(plan: Plan, team: str) -> dict[str, Any]:
    return json.loads(plan.get(POLICY, f"team-{team}-data-access").plain_inputs()["policy"])


def bucket_arn(plan: Plan, zone: str) -> str:
    return plan.outputs["data_lake_bucket_arns"][zone]


# -- Kubernetes objects -------------------------------------------------------------------
@pytest.mark.parametrize("team", TEAMS)
def test_namespace_is_labelled_for_the_team_and_the_mesh(dev_plan: Plan, team: str) -> None:
    ns = dev_plan.get(NAMESPACE, f"team-{team}-namespace")
    meta = ns.inputs["metadata"]
    assert meta["name"] == team, ns.name
    assert meta["labels"]["team"] == team and meta["labels"]["istio-injection"] == "enabled", f"{ns.name}: {meta}"
    assert meta["annotations"]["mlinfra.io/owners"] == ",".join(team_file(team)["owners"]), ns.name


@pytest.mark.parametrize("team", TEAMS)
def test_quota_is_the_team_files_dev_block(dev_plan: Plan, team: str) -> None:
    quota = dev_plan.get(QUOTA, f"team-{team}-quota")
    want = team_file(team)["dev"]["quota"]
    assert quota.inputs["spec"]["hard"] == {
        "requests.nvidia.com/gpu": str(want["gpu"]),
        "requests.cpu": str(want["cpu"]),
        "requests.memory": want["memory"],
        "pods": str(want["pods"]),
    }, quota.name
    assert quota.inputs["metadata"]["namespace"] == team, quota.name


def test_prod_quota_comes_from_the_prod_block(prod_plan: Plan) -> None:
    quota = prod_plan.get(QUOTA, "team-vision-quota")
    assert quota.inputs["spec"]["hard"]["requests.nvidia.com/gpu"] == str(team_file("vision")["prod"]["quota"]["gpu"]), quota.name


def test_limit_range_gives_containers_default_requests_and_limits(dev_plan: Plan) -> None:
    limits = dev_plan.get(LIMITS, "team-vision-limits")
    (item,) = limits.inputs["spec"]["limits"]
    assert item["type"] == "Container", limits.name
    assert set(item["defaultRequest"]) == {"cpu", "memory"} and set(item["default"]) == {"cpu", "memory"}, limits.name


def _policies(plan: Plan, team: str) -> dict[str, dict[str, Any]]:
    return {r.name.removeprefix(f"team-{team}-"): r.inputs["spec"] for r in children(plan, team) if r.type == NETPOL}


def test_network_is_default_deny_both_ways(dev_plan: Plan) -> None:
    deny = _policies(dev_plan, "vision")["deny-all"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, f"team-vision-deny-all: {deny}"


def test_network_allows_only_the_listed_paths(dev_plan: Plan) -> None:
    p = _policies(dev_plan, "vision")
    assert set(p) == {"deny-all", "allow-same-namespace", "allow-dns", "allow-monitoring", "allow-mesh", "allow-aws"}, sorted(p)
    same = p["allow-same-namespace"]
    assert same["ingress"] == [{"from": [{"podSelector": {}}]}] and same["egress"] == [{"to": [{"podSelector": {}}]}], same
    (dns,) = p["allow-dns"]["egress"]
    assert dns["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ], f"team-vision-allow-dns: {dns}"
    assert sorted((x["protocol"], x["port"]) for x in dns["ports"]) == [("TCP", 53), ("UDP", 53)], dns
    assert p["allow-dns"]["policyTypes"] == ["Egress"], "team-vision-allow-dns must not open ingress"
    scrape = p["allow-monitoring"]
    assert scrape["policyTypes"] == ["Ingress"] and scrape["ingress"] == [
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}
    ], f"team-vision-allow-monitoring: {scrape}"
    https = p["allow-aws"]["egress"][1]["to"][0]["ipBlock"]
    assert https["cidr"] == "0.0.0.0/0" and "10.0.0.0/8" in https["except"], "private ranges stay denied"


def test_every_kubernetes_object_uses_the_cluster_provider(dev_plan: Plan) -> None:
    provider = dev_plan.get("pulumi:providers:kubernetes", "cluster-k8s")
    for team in TEAMS:
        objects = [r for r in children(dev_plan, team) if r.type.startswith("kubernetes:")]
        assert len(objects) == 10, f"team-{team}: {[r.name for r in objects]}"
        for r in objects:
            assert r.provider.startswith(provider.urn + "::"), f"{r.name} uses provider {r.provider!r}"
            if r.type != NAMESPACE:
                assert r.inputs["metadata"]["namespace"] == team, f"{r.name} is outside namespace {team}"


# -- identity and access ------------------------------------------------------------------
def test_service_account_is_bound_to_the_team_role(dev_plan: Plan) -> None:
    pia = dev_plan.get(PIA, "team-vision-pod-identity")
    sa = dev_plan.get(SERVICE_ACCOUNT, "team-vision-service-account")
    role = dev_plan.get(ROLE, "team-vision-role")
    assert pia.inputs["namespace"] == "vision" and pia.inputs["serviceAccount"] == sa.inputs["metadata"]["name"], pia.name
    assert pia.inputs["roleArn"] == dev_plan.outputs["teams"]["vision"]["role_arn"], pia.name
    assert role.urn in pia.property_dependencies["roleArn"], pia.name
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}, role.name


@pytest.mark.parametrize("team", TEAMS)
def test_edit_access_is_scoped_to_the_team_namespace(dev_plan: Plan, team: str) -> None:
    entry = dev_plan.get(ENTRY, f"team-{team}-access")
    assoc = dev_plan.get(ASSOCIATION, f"team-{team}-edit")
    role_arn = dev_plan.outputs["teams"][team]["role_arn"]
    assert entry.inputs["principalArn"] == role_arn and entry.inputs["type"] == "STANDARD", entry.name
    assert assoc.inputs["policyArn"] == EDIT_POLICY, assoc.name
    assert assoc.inputs["accessScope"] == {"type": "namespace", "namespaces": [team]}, assoc.name
    assert assoc.inputs["principalArn"] == role_arn, assoc.name


def test_vision_policy_grants_exactly_its_prefixes(dev_plan: Plan) -> None:
    doc = policy_doc(dev_plan, "vision")
    access = team_file("vision")["dev"]["data_lake"]
    objects = {arn: set(s["Action"]) for s in doc["Statement"] if "s3:GetObject" in s["Action"] for arn in s["Resource"]}
    assert objects == {
        f"{bucket_arn(dev_plan, zone)}/teams/vision/*": (
            {"s3:GetObject", "s3:GetObjectVersion"}
            | ({"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"} if level == "read-write" else set())
        )
        for zone, level in access.items()
    }, f"team-vision-data-access: {objects}"


def test_recsys_policy_reads_vision_published_only(dev_plan: Plan) -> None:
    doc = policy_doc(dev_plan, "recsys")
    resources = [arn for s in doc["Statement"] if s["Action"][0].startswith("s3:Get") for arn in s["Resource"]]
    vision = [arn for arn in resources if "/teams/vision/" in arn]
    assert sorted(vision) == sorted(
        f"{bucket_arn(dev_plan, z)}/teams/vision/published/*" for z in ("curated", "features", "models")
    ), f"team-recsys-data-access: {vision}"
    writes = [arn for s in doc["Statement"] if "s3:PutObject" in s["Action"] for arn in s["Resource"]]
    assert writes and all("/teams/recsys/" in arn for arn in writes), f"team-recsys-data-access writes: {writes}"


@pytest.mark.parametrize("team", TEAMS)
def test_listing_is_conditioned_on_the_granted_prefixes(dev_plan: Plan, team: str) -> None:
    # moto does not evaluate s3:prefix, so the list condition is checked on the plan.
    settings = next(t for t in load_settings("dev").teams if t.name == team)
    want: dict[str, set[str]] = {}
    for zone in settings.data_lake:
        want.setdefault(bucket_arn(dev_plan, zone), set()).add(f"teams/{team}/*")
    for zone, prefix in settings.published_reads:
        want.setdefault(bucket_arn(dev_plan, zone), set()).add(f"{prefix}*")
    got: dict[str, set[str]] = {}
    for s in policy_doc(dev_plan, team)["Statement"]:
        if "s3:ListBucket" in s["Action"]:
            assert s["Action"] == ["s3:ListBucket"], f"team-{team}-data-access {s['Sid']}: list only"
            for arn in s["Resource"]:
                got.setdefault(arn, set()).update(s["Condition"]["StringLike"]["s3:prefix"])
    assert want and got == want, f"team-{team}-data-access list prefixes: {got}"


def test_policy_uses_the_lake_key_and_is_attached(dev_plan: Plan) -> None:
    doc = policy_doc(dev_plan, "vision")
    kms = next(s for s in doc["Statement"] if s["Sid"] == "UseDataLakeKey")
    assert kms["Resource"] == [dev_plan.outputs["data_lake_kms_key_arn"]], "team-vision-data-access kms"
    attachment = dev_plan.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "team-vision-data-access")
    assert dev_plan.get(POLICY, "team-vision-data-access").urn in attachment.property_dependencies["policyArn"]
    assert dev_plan.get(ROLE, "team-vision-role").urn in attachment.property_dependencies["role"]


@pytest.mark.parametrize("team", TEAMS)
def test_every_aws_resource_is_tagged_with_the_team(dev_plan: Plan, team: str) -> None:
    aws_resources = [r for r in children(dev_plan, team) if r.type.startswith("aws:")]
    taggable = [r for r in aws_resources if is_taggable(r.type)]
    assert len(taggable) == 4, f"team-{team}: {[r.name for r in taggable]}"
    for r in taggable:
        tags = r.inputs.get("tags", {})
        assert tags.get("team") == team, f"{r.name}: {tags}"
        assert tags.get("cost-center") == team_file(team)["cost_center"], f"{r.name}: {tags}"
        assert tags.get("environment") == "dev" and tags.get("managed-by") == "mlinfra", f"{r.name}: {tags}"


def test_outputs_list_every_team(dev_plan: Plan) -> None:
    # Every team file, not only the examples: onboarding a team adds one.
    assert sorted(dev_plan.outputs["teams"]) == sorted(p.stem for p in team_file_paths(DEFAULT_TEAMS_DIR))
    assert set(TEAMS) <= set(dev_plan.outputs["teams"])
    assert dev_plan.outputs["teams"]["vision"]["namespace"] == "vision"


# -- isolation under moto, IAM enforced ----------------------------------------------------
@pytest.fixture(scope="module")
def lake(dev_plan: Plan) -> Iterator[dict[str, Any]]:
    """Moto buckets named as in the dev plan, one IAM user per shipped team carrying the exact
    policy document the plan generated for that team; IAM enforcement starts once this setup is done."""
    saved = (moto_settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count)
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = 10**9, 0
    try:
        with mock_aws():
            region = "us-west-2"
            s3 = boto3.client("s3", region_name=region)
            buckets = dict(dev_plan.outputs["data_lake_buckets"])
            for bucket in buckets.values():
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
                for team in TEAMS:  # objects every test can try to read
                    for key in ("data.bin", "published/data.bin"):
                        s3.put_object(Bucket=bucket, Key=f"teams/{team}/{key}", Body=b"x")
            iam = boto3.client("iam", region_name=region)
            clients = {}
            for team in TEAMS:
                document = dev_plan.get(POLICY, f"team-{team}-data-access").plain_inputs()["policy"]
                arn = iam.create_policy(PolicyName=f"team-{team}", PolicyDocument=document)["Policy"]["Arn"]
                iam.create_user(UserName=team)
                iam.attach_user_policy(UserName=team, PolicyArn=arn)
                creds = iam.create_access_key(UserName=team)["AccessKey"]
                clients[team] = boto3.client(
                    "s3",
                    region_name=region,
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                )
            moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = ActionAuthenticatorMixin.request_count
            yield {"clients": clients, "buckets": buckets, "teams": {t.name: t for t in load_settings("dev").teams}}
    finally:
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = saved


def _allowed(call: Any) -> bool:
    try:
        call()
        return True
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "AccessDenied", exc.response["Error"]
        return False


def _can_read(lake: dict[str, Any], team: str, zone: str, key: str) -> bool:
    return _allowed(lambda: lake["clients"][team].get_object(Bucket=lake["buckets"][zone], Key=key))


def _can_write(lake: dict[str, Any], team: str, zone: str, key: str) -> bool:
    return _allowed(lambda: lake["clients"][team].put_object(Bucket=lake["buckets"][zone], Key=key, Body=b"y"))


@pytest.mark.parametrize("team,other", [("vision", "recsys"), ("recsys", "vision")])
def test_a_team_cannot_touch_another_teams_prefix(lake: dict[str, Any], team: str, other: str) -> None:
    # These denials also prove IAM enforcement is on: without it every call would succeed.
    for zone in lake["buckets"]:
        assert not _can_read(lake, team, zone, f"teams/{other}/data.bin"), f"{team} read {zone}:teams/{other}/"
        assert not _can_write(lake, team, zone, f"teams/{other}/new.bin"), f"{team} wrote {zone}:teams/{other}/"
        assert not _can_write(lake, team, zone, f"teams/{other}/published/new.bin"), f"{team} wrote {other}'s published"


@pytest.mark.parametrize("team", TEAMS)
def test_a_team_gets_exactly_its_granted_zones(lake: dict[str, Any], team: str) -> None:
    access = lake["teams"][team].data_lake
    for zone in lake["buckets"]:
        key = f"teams/{team}/data.bin"
        assert _can_read(lake, team, zone, key) == (zone in access), f"{team} read {zone}: granted {access}"
        can_write = _can_write(lake, team, zone, f"teams/{team}/new.bin")
        assert can_write == (access.get(zone) == "read-write"), f"{team} write {zone}: granted {access}"


def test_published_prefixes_are_readable_only_where_granted(lake: dict[str, Any]) -> None:
    granted = {z for z, _ in lake["teams"]["recsys"].published_reads}
    assert granted, "recsys reads vision's published data in the shipped example"
    for zone in lake["buckets"]:
        assert _can_read(lake, "recsys", zone, "teams/vision/published/data.bin") == (zone in granted), zone
        assert not _can_read(lake, "recsys", zone, "teams/vision/data.bin"), f"recsys read vision's private {zone}"
    # vision publishes nothing from recsys, so it reads none of recsys's published data.
    assert not any(_can_read(lake, "vision", z, "teams/recsys/published/data.bin") for z in lake["buckets"])


# -- TeamArgs validation ------------------------------------------------------------------
@pytest.mark.parametrize("changes", [{"gpu_quota": -1}, {"max_pods": 0}])
def test_team_args_refuse_negative_quotas(changes: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="gpu_quota must be >= 0 and max_pods >= 1"):
        TeamArgs(team="a", cluster_name="c", k8s_provider=None, **changes)  # type: ignore[arg-type]


def test_team_args_need_a_policy_exactly_when_there_are_grants() -> None:
    grant = PrefixGrant(zone="raw", prefix="teams/a/", access="read")
    for changes in ({"grants": (grant,)}, {"data_access_policy": "{}"}):
        with pytest.raises(ValueError, match="data_access_policy must be given exactly when grants are"):
            TeamArgs(team="a", cluster_name="c", k8s_provider=None, **changes)  # type: ignore[arg-type]
