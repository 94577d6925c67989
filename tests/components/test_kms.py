"""The KMS key helper: rotation always on, the deletion window within KMS limits."""

from __future__ import annotations

import json

import pulumi
import pytest

from components._kms import rotating_key
from mlinfra.engine import Plan
from tests.stacks.support import RECEIVERS_YAML

KEY, ALIAS = "aws:kms/key:Key", "aws:kms/alias:Alias"


@pytest.mark.parametrize("days", [6, 31])
def test_deletion_window_outside_kms_limits_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match=rf"deletion_window_days must be between 7 and 30 \(KMS limits\), got {days}"):
        rotating_key(
            "k", alias="a", description="d", deletion_window_days=days, tags={}, opts=pulumi.ResourceOptions(), policy="{}"
        )


def test_every_key_of_every_stack_rotates_and_has_an_alias(any_plan: Plan) -> None:
    keys = any_plan.of_type(KEY)
    aliases = {a.name: a for a in any_plan.of_type(ALIAS)}
    assert keys, any_plan.stack
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True, key.name
        assert key.name in aliases and aliases[key.name].inputs["name"].startswith("alias/"), f"{key.name} has no alias"
        assert aliases[key.name].parent == key.parent, f"{key.name}: key and alias belong to one component"


LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def test_every_log_group_is_encrypted_with_a_key_only_cloudwatch_logs_may_use_for_it(any_plan: Plan) -> None:
    keys = {k.urn: k for k in any_plan.of_type(KEY)}
    region = any_plan.outputs["region"]
    groups = any_plan.of_type(LOG_GROUP)
    assert len(groups) >= 2, any_plan.stack
    for group in groups:
        (key_urn,) = group.property_dependencies["kmsKeyId"]
        policy = json.loads(keys[key_urn].inputs["policy"])
        by_sid = {s["Sid"]: s for s in policy["Statement"]}
        root = by_sid.pop("AccountAdministers")
        assert root["Principal"]["AWS"].endswith(":root") and root["Action"] == "kms:*", group.name
        (logs,) = by_sid.values()  # nobody else gets the key
        assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}, group.name
        assert "kms:*" not in logs["Action"], group.name
        arn = logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
        assert arn.endswith(f":log-group:{group.inputs['name']}") and f":logs:{region}:" in arn, f"{group.name}: {arn}"


def test_prod_log_groups_and_their_keys_are_protected(prod_plan: Plan) -> None:
    keys = {k.urn: k for k in prod_plan.of_type(KEY)}
    for group in prod_plan.of_type(LOG_GROUP):
        (key_urn,) = group.property_dependencies["kmsKeyId"]
        assert group.protect and group.retain_on_delete, group.name
        assert keys[key_urn].protect and keys[key_urn].retain_on_delete, keys[key_urn].name


# -- key policies (components/_kms.py key_policy; README "Security decisions" table) -------------
# Key resource name -> the statements its policy holds besides the account root's (and the key
# administrators', when set): the README table, as data.
EXTRA_STATEMENTS = {
    "cluster-secrets": set(),
    "cluster-control-plane": {"LogGroups"},
    "network-flow-logs": {"LogGroups"},
    "kafka-key": {"BrokerLogs"},
    "data-lake-key": {"DenyUseOutsideS3"},
    "data-lake-replica-key": {"DenyUseOutsideS3"},
}


def _statements(key) -> dict[str, dict]:
    document = json.loads(key.inputs["policy"])
    assert document["Version"] == "2012-10-17", key.name
    return {st["Sid"]: st for st in document["Statement"]}


def test_every_key_has_the_explicit_policy_the_readme_table_states(any_plan: Plan) -> None:
    keys = any_plan.of_type(KEY)
    assert {k.name for k in keys} <= set(EXTRA_STATEMENTS), sorted(k.name for k in keys)
    for key in keys:
        statements = _statements(key)
        root = statements.pop("AccountAdministers")
        assert root == {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        }, key.name
        # No key administrators unless the settings name some (none in the shipped stacks).
        assert set(statements) == EXTRA_STATEMENTS[key.name], f"{key.name}: {sorted(statements)}"
        for sid, st in statements.items():
            assert st["Action"] != "kms:*" and "kms:*" not in st["Action"], f"{key.name} {sid}"
            assert st.get("Condition"), f"{key.name} {sid} has no condition"


def test_prod_has_every_kind_of_key(prod_plan: Plan) -> None:
    assert sorted(k.name for k in prod_plan.of_type(KEY)) == sorted(EXTRA_STATEMENTS)


def test_key_administrators_from_the_settings_administer_every_key_but_never_use_it(tmp_path) -> None:
    from components._kms import KEY_ADMIN_ACTIONS
    from mlinfra.engine import plan_stack

    admins = ["arn:aws:iam::123456789012:role/kms-admin", "arn:aws:iam::123456789012:role/security/break-glass"]
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(
        "config:\n  aws:region: us-east-1\n  mlinfra:environment: prod\n  mlinfra:kms_key_admin_role_arns:\n"
        + "".join(f"    - {a}\n" for a in admins)
        + RECEIVERS_YAML
    )
    plan = plan_stack("prod", stack_file=stack_file)
    keys = plan.of_type(KEY)
    assert sorted(k.name for k in keys) == sorted(EXTRA_STATEMENTS)
    for key in keys:
        admin = _statements(key)["KeyAdministrators"]
        assert admin["Effect"] == "Allow" and admin["Principal"] == {"AWS": sorted(admins)}, key.name
        assert admin["Action"] == list(KEY_ADMIN_ACTIONS), key.name
        assert not {"kms:*", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncrypt*"} & set(admin["Action"]), (
            key.name
        )


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/admin\n", "arn:aws:iam::12345:role/admin", "*"],
)
def test_key_policy_refuses_anything_but_role_arns_as_administrators(arn: str) -> None:
    from components._kms import key_policy_document

    with pytest.raises(ValueError, match="is not an IAM role ARN"):
        key_policy_document("aws", "123456789012", [arn])
