"""`mlinfra bootstrap`: the state bucket and key, verified offline against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from typer.testing import CliRunner

from mlinfra import bootstrap
from mlinfra.aws import Aws, AwsError
from mlinfra.cli import app
from tests.mlinfra.conftest import (
    ACCOUNT,
    as_other_account,
    client,
    run_mlinfra,
    server_client,
    subprocess_env,
)

runner = CliRunner()
ALIAS = "alias/mlinfra-state"


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["bootstrap", *args])


def state_of(bucket: str, region: str, s3: Any = None, kms: Any = None) -> dict[str, Any]:
    """Everything bootstrap manages, read back with boto3."""
    s3 = s3 or client("s3", region)
    kms = kms or client("kms", region)
    key = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]
    return {
        "location": s3.get_bucket_location(Bucket=bucket)["LocationConstraint"],
        "encryption": s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"],
        "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
        "public_access_block": s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
        "ownership": s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"],
        "policy": json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]),
        "key_arn": key["Arn"],
        "key_state": key["KeyState"],
        "rotation": kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"],
        "keys": sorted(k["KeyId"] for k in kms.list_keys()["Keys"]),
        "aliases": sorted(
            (a["AliasName"], a.get("TargetKeyId"))
            for a in kms.list_aliases()["Aliases"]
            if not a["AliasName"].startswith("alias/aws/")
        ),
    }


def assert_secure(state: dict[str, Any], bucket: str) -> None:
    rule = state["encryption"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", f"s3://{bucket}: {rule}"
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == state["key_arn"], f"s3://{bucket}: not our key"
    assert rule["BucketKeyEnabled"] is True, f"s3://{bucket}: bucket key off"
    assert state["versioning"] == "Enabled", f"s3://{bucket}"
    assert state["public_access_block"] == bootstrap.PAB_ALL, f"s3://{bucket}"
    assert state["ownership"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], f"s3://{bucket}"
    (stmt,) = [s for s in state["policy"]["Statement"] if s.get("Sid") == bootstrap.TLS_ONLY_SID]
    assert stmt["Effect"] == "Deny" and stmt["Principal"] == "*" and stmt["Action"] == "s3:*", f"s3://{bucket}: {stmt}"
    assert stmt["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, f"s3://{bucket}: {stmt}"
    assert sorted(stmt["Resource"]) == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"], f"s3://{bucket}"
    assert state["rotation"] is True and state["key_state"] == "Enabled", f"{ALIAS}: rotation/state"


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_first_run_creates_everything_secure(moto: None, region: str) -> None:
    bucket = f"mlinfra-state-{region}"
    result = invoke("--region", region, "--bucket", bucket, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["changed"] is True
    assert {s["step"]: s["status"] for s in report["steps"]} == {
        "kms key": "created",
        "kms alias": "created",
        "kms key rotation": "created",
        "bucket": "created",
        "object ownership": "created",
        "public access block": "created",
        "versioning": "created",
        "default encryption": "created",
        "tls-only bucket policy": "created",
    }
    state = state_of(bucket, region)
    assert_secure(state, bucket)
    assert report["kms_key_arn"] == state["key_arn"]
    assert state["aliases"] == [(ALIAS, state["key_arn"].rsplit("/", 1)[-1])]
    # us-east-1 buckets carry no LocationConstraint (GetBucketLocation answers null there).
    assert state["location"] == (None if region == "us-east-1" else region)


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1"])
def test_location_constraint_sent_only_outside_us_east_1(moto: None, region: str) -> None:
    aws = Aws(region)
    sent: list[dict[str, Any]] = []
    aws.s3.meta.events.register("provide-client-params.s3.CreateBucket", lambda params, **_: sent.append(dict(params)))
    bootstrap.run(region, f"lc-test-{region}", aws=aws)
    (params,) = sent
    if region == "us-east-1":
        assert "CreateBucketConfiguration" not in params, params
    else:
        assert params["CreateBucketConfiguration"] == {"LocationConstraint": region}, params


def test_human_output_prints_the_pulumi_commands(moto: None) -> None:
    result = invoke("--region", "us-west-2", "--bucket", "acme-pulumi-state", "--stack", "prod")
    assert result.exit_code == 0, result.output
    assert "pulumi login 's3://acme-pulumi-state?region=us-west-2&awssdk=v2'" in result.stdout
    assert "pulumi stack init prod --secrets-provider='awskms://alias/mlinfra-state?region=us-west-2'" in result.stdout
    assert "9 created, 0 updated, 0 already ok" in result.stdout


def test_second_run_changes_nothing_and_says_so(moto: None) -> None:
    args = ("--region", "eu-west-1", "--bucket", "idempotent-state", "--kms-alias", ALIAS)
    assert invoke(*args).exit_code == 0
    before = state_of("idempotent-state", "eu-west-1")
    second = invoke(*args, "--json")
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert report["changed"] is False
    assert {s["status"] for s in report["steps"]} == {"already ok"}, report["steps"]
    assert state_of("idempotent-state", "eu-west-1") == before  # same key, same settings, no new key
    third = invoke(*args)
    assert "nothing changed: all 9 steps already ok" in third.stdout


def test_run_returns_the_steps_without_a_console(moto: None) -> None:
    """The domain function alone: what it did, as data; a re-run reports every step already ok."""
    first = bootstrap.run("eu-west-1", "domain-state", stack="prod")
    assert first.changed is True and first.account_id == ACCOUNT
    assert {s.status for s in first.steps} == {bootstrap.CREATED}
    assert first.kms_key_arn == state_of("domain-state", "eu-west-1")["key_arn"]
    assert (first.login_command, first.stack_init_command) == bootstrap.pulumi_commands(
        "domain-state", "eu-west-1", ALIAS, "prod"
    )
    second = bootstrap.run("eu-west-1", "domain-state", stack="prod")
    assert second.changed is False and second.to_json()["changed"] is False
    assert [s.step for s in second.steps] == [s.step for s in first.steps]
    assert {s.status for s in second.steps} == {bootstrap.ALREADY_OK}
    assert second.kms_key_arn == first.kms_key_arn


def test_drift_is_repaired_and_foreign_policy_statements_kept(moto: None) -> None:
    bucket, region = "drifted-state", "eu-west-1"
    bootstrap.run(region, bucket)
    s3, kms = client("s3", region), client("kms", region)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    kms.disable_key_rotation(KeyId=kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"])
    reader = {
        "Sid": "ReadForCi",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [reader]}))

    result = bootstrap.run(region, bucket)
    status = {s.step: s.status for s in result.steps}
    assert status == {
        "kms key": "already ok",
        "kms alias": "already ok",
        "kms key rotation": "updated",
        "bucket": "already ok",
        "object ownership": "already ok",
        "public access block": "created",
        "versioning": "updated",
        "default encryption": "updated",
        "tls-only bucket policy": "updated",
    }
    state = state_of(bucket, region)
    assert_secure(state, bucket)
    assert reader in state["policy"]["Statement"], "s3://drifted-state: a statement bootstrap does not own was dropped"


@pytest.mark.parametrize(
    "name, reason",
    [
        ("ab", "3-63 characters"),
        ("a" * 64, "3-63 characters"),
        ("My-Bucket", "lowercase"),
        ("under_score", "lowercase"),
        ("-leading", "begin and end"),
        ("trailing.", "begin and end"),
        ("a..b", "adjacent periods"),
        ("192.168.5.4", "IP address"),
        ("xn--punycode", "'xn--'"),
        ("sthree-bucket", "'sthree-'"),
        ("amzn-s3-demo-x", "'amzn-s3-demo-'"),
        ("mine-s3alias", "'-s3alias'"),
        ("mine--ol-s3", "'--ol-s3'"),
        ("mine.mrap", "'.mrap'"),
        ("mine--x-s3", "'--x-s3'"),
    ],
)
def test_invalid_bucket_name_is_exit_2_and_creates_nothing(moto: None, name: str, reason: str) -> None:
    result = invoke("--region", "eu-west-1", "--bucket", name)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: invalid bucket name {name!r}") and reason in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert client("s3", "eu-west-1").list_buckets()["Buckets"] == []
    assert client("kms", "eu-west-1").list_keys()["Keys"] == []


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.state-bucket-1", "0-9"])
def test_valid_bucket_names_pass_the_name_check(name: str) -> None:
    assert bootstrap.bucket_name_problem(name) is None, name


def test_bucket_of_another_account_is_exit_2_and_no_key_is_made(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    as_other_account(
        monkeypatch,
        lambda: client("s3", "eu-west-1").create_bucket(
            Bucket="someone-elses", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        ),
    )
    result = invoke("--region", "eu-west-1", "--bucket", "someone-elses")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "error: bucket 'someone-elses' already exists and belongs to another AWS account; "
        "bucket names are global, choose another --bucket\n"
    )
    assert client("kms", "eu-west-1").list_keys()["Keys"] == []
    # ...and the other account's bucket was left untouched.
    versioning = as_other_account(monkeypatch, lambda: client("s3", "eu-west-1").get_bucket_versioning(Bucket="someone-elses"))
    assert "Status" not in versioning


def _stubbed(region: str) -> tuple[Aws, Stubber]:
    aws = Aws(region)
    stub = Stubber(aws.s3)
    stub.activate()
    return aws, stub


def test_real_s3_403_on_head_bucket_means_not_yours(moto: None) -> None:
    # Real S3 answers HeadBucket with ExpectedBucketOwner=<us> with 403 for a foreign bucket;
    # moto ignores ExpectedBucketOwner, so this path is exercised with a stubbed response.
    aws, stub = _stubbed("eu-west-1")
    stub.add_client_error(
        "head_bucket",
        service_error_code="403",
        http_status_code=403,
        expected_params={"Bucket": "taken-name", "ExpectedBucketOwner": "123456789012"},
    )
    with pytest.raises(AwsError, match="belongs to another AWS account"):
        bootstrap.run("eu-west-1", "taken-name", aws=aws)


def test_bucket_already_exists_on_create_means_not_yours(moto: None) -> None:
    aws, stub = _stubbed("eu-west-1")
    stub.add_client_error("head_bucket", service_error_code="404", http_status_code=404)
    stub.add_client_error("create_bucket", service_error_code="BucketAlreadyExists", http_status_code=409)
    with pytest.raises(AwsError, match="belongs to another AWS account"):
        bootstrap.run("eu-west-1", "raced-name", aws=aws)


def test_missing_credentials_is_exit_2(no_credentials: None) -> None:
    result = invoke("--region", "eu-west-1", "--bucket", "no-creds-bucket")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: no AWS credentials found") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("region", ["mars-east-1", "us-east1", "EU-WEST-1"])
def test_unsupported_region_is_exit_2(moto: None, region: str) -> None:
    result = invoke("--region", region, "--bucket", "fine-name")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: unsupported region {region!r}"), result.stderr


@pytest.mark.parametrize("alias", ["mlinfra-state", "alias/aws/s3", "alias/has space"])
def test_invalid_kms_alias_is_exit_2(moto: None, alias: str) -> None:
    result = invoke("--region", "eu-west-1", "--bucket", "fine-name", "--kms-alias", alias)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: invalid --kms-alias {alias!r}"), result.stderr


def test_alias_on_a_disabled_key_is_exit_2(moto: None) -> None:
    kms = client("kms", "eu-west-1")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key)
    kms.disable_key(KeyId=key)
    result = invoke("--region", "eu-west-1", "--bucket", "fine-name")
    assert result.exit_code == 2, result.output
    assert "is Disabled, not Enabled" in result.stderr


def test_alias_on_an_asymmetric_key_is_exit_2(moto: None) -> None:
    kms = client("kms", "eu-west-1")
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key)
    result = invoke("--region", "eu-west-1", "--bucket", "fine-name")
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: KMS key behind {ALIAS} is not a symmetric ENCRYPT_DECRYPT key\n"


def test_alias_on_an_aws_managed_key_is_exit_2(moto: None) -> None:
    # moto cannot point a custom alias at an AWS managed key; answer as KMS would.
    aws = Aws("eu-west-1")
    stub = Stubber(aws.kms)
    stub.add_response(
        "describe_key",
        {
            "KeyMetadata": {
                "KeyId": "k-1",
                "Arn": "arn:aws:kms:eu-west-1:123456789012:key/k-1",
                "KeyManager": "AWS",
                "KeyState": "Enabled",
            }
        },
    )
    stub.activate()
    with pytest.raises(AwsError, match=f"^{ALIAS} is an AWS managed key; use a customer managed alias"):
        bootstrap.run("eu-west-1", "fine-name", aws=aws)


@pytest.mark.parametrize("stack", ["has space", "a/b", ""])
def test_invalid_stack_name_is_exit_2(moto: None, stack: str) -> None:
    result = invoke("--region", "eu-west-1", "--bucket", "fine-name", "--stack", stack)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: invalid --stack {stack!r}: letters, digits, '-', '_' and '.' only\n"
    assert client("kms", "eu-west-1").list_keys()["Keys"] == []


def test_own_bucket_in_another_region_is_exit_2_naming_it(moto: None) -> None:
    client("s3", "eu-west-1").create_bucket(
        Bucket="mine-elsewhere", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    result = invoke("--region", "us-west-2", "--bucket", "mine-elsewhere")
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: bucket 'mine-elsewhere' exists in eu-west-1, not us-west-2; pass --region eu-west-1\n"
    assert client("kms", "us-west-2").list_keys()["Keys"] == []


def test_real_s3_301_on_head_bucket_names_the_region(moto: None) -> None:
    aws, stub = _stubbed("us-west-2")
    stub.add_client_error(
        "head_bucket",
        service_error_code="301",
        http_status_code=301,
        response_meta={"HTTPHeaders": {"x-amz-bucket-region": "ap-south-1"}},
    )
    with pytest.raises(AwsError, match=r"^bucket 'moved' exists in ap-south-1, not us-west-2; pass --region ap-south-1$"):
        bootstrap.run("us-west-2", "moved", aws=aws)


def test_name_s3_rejects_is_exit_2(moto: None) -> None:
    # A name the local rules accept but S3 refuses (its rules can tighten): one line, no traceback.
    aws, stub = _stubbed("eu-west-1")
    stub.add_client_error("head_bucket", service_error_code="404", http_status_code=404)
    stub.add_client_error("create_bucket", service_error_code="InvalidBucketName", http_status_code=400)
    with pytest.raises(AwsError, match=r"^invalid bucket name 'odd-name': rejected by S3$"):
        bootstrap.run("eu-west-1", "odd-name", aws=aws)


def test_pulumi_commands_use_the_s3_backend_and_awskms_url_forms() -> None:
    login, init = bootstrap.pulumi_commands("acme-state", "eu-west-1", "alias/team/state", "prod.eu")
    # https://www.pulumi.com/docs/iac/concepts/state-and-backends/#aws-s3 and `pulumi stack init --help`
    assert login == "pulumi login 's3://acme-state?region=eu-west-1&awssdk=v2'"
    assert init == "pulumi stack init prod.eu --secrets-provider='awskms://alias/team/state?region=eu-west-1'"


# -- end to end: `python -m mlinfra bootstrap` against moto_server ------------------------------


def test_end_to_end_against_moto_server(moto_server: str) -> None:
    region, bucket = "eu-west-2", "e2e-bootstrap-state"
    first = run_mlinfra(moto_server, "bootstrap", "--region", region, "--bucket", bucket, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["changed"] is True
    second = run_mlinfra(moto_server, "bootstrap", "--region", region, "--bucket", bucket, "--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["changed"] is False
    # The state lives in the server, so the subprocess used AWS_ENDPOINT_URL, not real AWS.
    s3, kms = server_client(moto_server, "s3", region), server_client(moto_server, "kms", region)
    state = state_of(bucket, region, s3, kms)
    assert_secure(state, bucket)
    assert len(state["keys"]) == 1, state["keys"]
    human = run_mlinfra(moto_server, "bootstrap", "--region", region, "--bucket", bucket)
    assert "nothing changed" in human.stdout and f"pulumi login 's3://{bucket}?region={region}&awssdk=v2'" in human.stdout


def test_end_to_end_missing_credentials_is_one_line() -> None:
    env = subprocess_env("http://127.0.0.1:9")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key)
    done = run_mlinfra(None, "bootstrap", "--region", "eu-west-1", "--bucket", "x-y-z", env=env)
    assert done.returncode == 2 and done.stderr.startswith("error: no AWS credentials found"), done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["bucket\n", "my-state\n", "\nmy-state"])
def test_a_trailing_or_leading_newline_is_not_a_bucket_name(name: str) -> None:
    assert bootstrap.bucket_name_problem(name) is not None, repr(name)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"stack": "prod\n"}, "invalid --stack 'prod\\\\n'"),
        ({"kms_alias": "alias/mlinfra-state\n"}, "invalid --kms-alias 'alias/mlinfra-state\\\\n'"),
    ],
)
def test_names_must_match_whole(kwargs: dict, message: str) -> None:
    # A stack "prod\n" would print a `pulumi stack init` line that drops the secrets provider.
    args = {"region": "us-east-1", "bucket": "mlinfra-state-test", "kms_alias": "alias/mlinfra-state", "stack": "dev", **kwargs}
    with pytest.raises(AwsError, match=message):
        bootstrap.run(**args)


def _keys_by_state(region: str) -> dict[str, list[str]]:
    kms = client("kms", region)
    states: dict[str, list[str]] = {}
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") == "CUSTOMER":
            states.setdefault(meta["KeyState"], []).append(meta["Arn"])
    return states


def test_two_concurrent_runs_end_with_one_key_and_no_orphan(moto: None) -> None:
    """The race from the issue: both runs see no alias and create a key. The run that loses
    CreateAlias adopts the winner's key and retires its own, instead of leaving it orphaned."""
    region, bucket = "eu-west-1", "raced-state"
    loser = Aws(region)
    real_create_key = loser.kms.create_key
    winner_result: list[bootstrap.BootstrapResult] = []

    def create_key_after_the_other_run(**kwargs: Any) -> Any:
        # The other run starts and finishes between this run's DescribeKey and CreateAlias.
        winner_result.append(bootstrap.run(region, bucket))
        return real_create_key(**kwargs)

    loser.kms.create_key = create_key_after_the_other_run
    result = bootstrap.run(region, bucket, aws=loser)

    (winner,) = winner_result
    assert result.kms_key_arn == winner.kms_key_arn  # both runs use the same key
    states = _keys_by_state(region)
    assert states["Enabled"] == [winner.kms_key_arn], states  # exactly one usable key
    (retired,) = states["PendingDeletion"]  # ours: scheduled for deletion, not orphaned
    assert retired != winner.kms_key_arn
    key_steps = {s.step: s for s in result.steps}
    assert key_steps["kms key"].status == bootstrap.ALREADY_OK
    assert "concurrent run" in key_steps["kms key"].detail
    assert_secure(state_of(bucket, region), bucket)


def test_a_failure_between_key_and_alias_retires_the_new_key(moto: None) -> None:
    region = "eu-west-1"
    aws = Aws(region)
    stub_error = ClientError({"Error": {"Code": "LimitExceededException", "Message": "too many aliases"}}, "CreateAlias")

    def failing_create_alias(**kwargs: Any) -> Any:
        raise stub_error

    aws.kms.create_alias = failing_create_alias
    with pytest.raises(ClientError):
        bootstrap.run(region, "alias-fails", aws=aws)
    states = _keys_by_state(region)
    assert "Enabled" not in states, states  # the key this run made is not left usable and nameless
    assert len(states["PendingDeletion"]) == 1, states
