"""The one customer-managed KMS key helper, and the one builder of key policies.

Every key of the platform (the cluster's secrets key, the log keys, the data-lake key and its
replica, the MSK key) is made by ``rotating_key`` with an explicit policy from ``key_policy``:
the account root administers (so IAM policies keep working), the key administrators from the
settings may manage but never use the key, and AWS services get only conditioned statements.
Rotation and the deletion window are never forgotten on one of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.validation import ROLE_ARN, admin_role_problems  # noqa: F401 - re-exported

# What a key administrator may do: manage the key, never encrypt or decrypt with it. The
# "key administrators" statement of AWS's default key policy:
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
KEY_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
)
# The operations that read or write data with a key (what a ViaService deny restricts).
DATA_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
ROOT_SID, ADMINS_SID = "AccountAdministers", "KeyAdministrators"

Statements = Callable[[str, str], list[dict[str, Any]]]
"""Extra statements of a key policy, given the partition and the account id."""


def key_policy_document(
    partition: str, account: str, admin_role_arns: Sequence[str], statements: Sequence[Mapping[str, Any]] = ()
) -> str:
    """A key policy (JSON): the account root gets ``kms:*`` (so IAM policies decide who may use
    the key), each admin role the administrative actions only, then ``statements``.

    Without the root statement a key can become unmanageable; KMS refuses a policy that locks out
    its caller: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
    """
    problems = admin_role_problems(admin_role_arns)
    if problems:
        raise ValueError("; ".join(problems))
    document: list[Mapping[str, Any]] = [
        {
            "Sid": ROOT_SID,
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if admin_role_arns:
        document.append(
            {
                "Sid": ADMINS_SID,
                "Effect": "Allow",
                "Principal": {"AWS": sorted(admin_role_arns)},
                "Action": list(KEY_ADMIN_ACTIONS),
                "Resource": "*",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": [*document, *statements]}, sort_keys=True)


def key_policy(
    *,
    partition: pulumi.Input[str],
    account_id: pulumi.Input[str],
    admin_role_arns: Sequence[str] = (),
    statements: Statements | None = None,
) -> pulumi.Output[str]:
    """``key_policy_document`` once the partition and account are known."""
    # Validate now, so a bad ARN fails at the caller's line, not inside an apply.
    problems = admin_role_problems(admin_role_arns)
    if problems:
        raise ValueError("; ".join(problems))
    admins = tuple(admin_role_arns)

    def document(parts: list[str]) -> str:
        part, account = parts
        return key_policy_document(part, account, admins, statements(part, account) if statements else [])

    return pulumi.Output.all(partition, account_id).apply(document)


def only_through_s3(region: str) -> Statements:
    """A deny: nobody may use the key for data except through S3 in ``region`` (kms:ViaService).

    S3 calls KMS on the caller's behalf for SSE-KMS reads and writes, replication included,
    and then sets kms:ViaService: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    """

    def statements(_partition: str, _account: str) -> list[dict[str, Any]]:
        return [
            {
                "Sid": "DenyUseOutsideS3",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": list(DATA_ACTIONS),
                "Resource": "*",
                "Condition": {"StringNotEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            }
        ]

    return statements


def rotating_key(
    name: str,
    *,
    alias: str,
    description: str,
    deletion_window_days: int,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
    policy: pulumi.Input[str],
    alias_opts: pulumi.ResourceOptions | None = None,
) -> aws.kms.Key:
    """A symmetric key ``name`` rotating yearly, and the alias ``alias/<alias>`` (child ``name`` too).

    ``opts`` carries the parent and, for stateful keys, protect/retain_on_delete (and, for a key
    in another region, the provider); the alias takes ``alias_opts`` (default: the same).
    ``policy`` is required: build it with ``key_policy`` (or ``logs_key_policy``).
    """
    if not 7 <= deletion_window_days <= 30:
        raise ValueError(f"deletion_window_days must be between 7 and 30 (KMS limits), got {deletion_window_days}")
    key = aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_days,
        policy=policy,
        tags=dict(tags),
        opts=opts,
    )
    aws.kms.Alias(name, name=f"alias/{alias}", target_key_id=key.key_id, opts=alias_opts or opts)
    return key


def logs_key_policy(
    *,
    partition: pulumi.Input[str],
    account_id: pulumi.Input[str],
    region: str,
    log_group_names: Sequence[str],
    admin_role_arns: Sequence[str] = (),
    sid: str = "LogGroups",
) -> pulumi.Output[str]:
    """``key_policy`` where the regional CloudWatch Logs service may also use the key, only for
    these log groups (the encryption context names the log group).
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    """

    def statements(part: str, account: str) -> list[dict[str, Any]]:
        arns = [f"arn:{part}:logs:{region}:{account}:log-group:{name}" for name in log_group_names]
        return [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                "Resource": "*",
                "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arns[0] if len(arns) == 1 else arns}},
            }
        ]

    return key_policy(partition=partition, account_id=account_id, admin_role_arns=admin_role_arns, statements=statements)
