"""Validation shared by several areas, pure (no Pulumi): KMS key administrators and node-group sizes.

The settings and the components' Args call them; the settings modules import this without
loading the provider SDKs (fast commands)."""

from __future__ import annotations

import re
from collections.abc import Sequence

# An IAM role ARN, the whole string (IAM role paths and names: [\w+=,.@/-]).
ROLE_ARN = re.compile(r"arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}")


def admin_role_problems(arns: Sequence[str]) -> list[str]:
    """What is wrong with a list of key-administrator role ARNs ([] if nothing)."""
    problems = [
        f"{arn!r} is not an IAM role ARN such as arn:aws:iam::123456789012:role/kms-admin"
        for arn in arns
        if not ROLE_ARN.fullmatch(arn)
    ]
    repeated = sorted({a for a in arns if list(arns).count(a) > 1})
    if repeated:
        problems.append(f"list each role once; repeated: {repeated}")
    return problems


def node_group_size_problems(min_size: int, desired_size: int, max_size: int) -> list[tuple[str, str]]:
    """0 <= min <= desired <= max and max >= 1, reported against the field to change."""
    if min_size < 0:
        return [("min_size", f"({min_size}) must be >= 0")]
    if max_size < 1:
        return [("max_size", f"({max_size}) must be >= 1")]
    if min_size > max_size:
        return [("min_size", f"({min_size}) must be <= max_size ({max_size})")]
    if not min_size <= desired_size <= max_size:
        return [("desired_size", f"({desired_size}) must be between min_size ({min_size}) and max_size ({max_size})")]
    return []
