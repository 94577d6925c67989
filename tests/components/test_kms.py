"""The KMS key helper: rotation always on, the deletion window within KMS limits."""

from __future__ import annotations

import pulumi
import pytest

from components._kms import rotating_key
from mlinfra.engine import Plan

KEY, ALIAS = "aws:kms/key:Key", "aws:kms/alias:Alias"


@pytest.mark.parametrize("days", [6, 31])
def test_deletion_window_outside_kms_limits_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match=rf"deletion_window_days must be between 7 and 30 \(KMS limits\), got {days}"):
        rotating_key("k", alias="a", description="d", deletion_window_days=days, tags={}, opts=pulumi.ResourceOptions())


def test_every_key_of_every_stack_rotates_and_has_an_alias(any_plan: Plan) -> None:
    keys = any_plan.of_type(KEY)
    aliases = {a.name: a for a in any_plan.of_type(ALIAS)}
    assert keys, any_plan.stack
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True, key.name
        assert key.name in aliases and aliases[key.name].inputs["name"].startswith("alias/"), f"{key.name} has no alias"
        assert aliases[key.name].parent == key.parent, f"{key.name}: key and alias belong to one component"
