"""Rules for KMS key administrators, pure (no Pulumi): the settings and DataLakeArgs call them, and
the settings modules import this without loading the provider SDKs (fast commands)."""

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
