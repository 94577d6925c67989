"""`mlinfra plan` with bad key-administrator or replication settings: exit 2, one line per
problem naming the file and field, nothing written."""

from __future__ import annotations

from pathlib import Path

from tests.mlinfra.test_cli import run


def test_bad_key_admins_and_replication_settings_exit_2_naming_each_field(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(
        "config:\n"
        "  aws:region: us-east-1\n"
        "  mlinfra:environment: prod\n"
        "  mlinfra:kms_key_admin_role_arns: ['arn:aws:iam::123456789012:user/alice']\n"
        "  mlinfra:data_lake:\n"
        "    replicated_zones: [raw, gold]\n"
        "    replica_region: mars-1\n"
    )
    out = tmp_path / "plan.json"
    result = run("plan", "--stack", "bad", "--stack-file", str(stack_file), "--json", str(out))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == "" and not out.exists()
    for field, text in [
        ("mlinfra:kms_key_admin_role_arns", "'arn:aws:iam::123456789012:user/alice' is not an IAM role ARN"),
        ("mlinfra:data_lake.replicated_zones", "['gold'] are not zones"),
        ("mlinfra:data_lake.replica_region", "must be one of ['ap-northeast-1'"),
    ]:
        assert f"{stack_file}: {field}: {text}" in result.stderr, result.stderr


def test_a_replica_in_the_stacks_own_region_exits_2(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(
        "config:\n  aws:region: us-east-1\n  mlinfra:environment: prod\n  mlinfra:data_lake:\n    replica_region: us-east-1\n"
    )
    result = run("plan", "--stack", "bad", "--stack-file", str(stack_file))
    assert result.returncode == 2, result.stderr
    assert f"{stack_file}: mlinfra:data_lake.replica_region: must differ from the stack's region 'us-east-1'" in result.stderr, (
        result.stderr
    )
