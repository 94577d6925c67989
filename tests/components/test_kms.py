"""The KMS key helper: rotation always on, the deletion window within KMS limits."""

from __future__ import annotations

import json

import pulumi
import pytest

from components._kms import rotating_key
from mlinfra.engine import Plan

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
