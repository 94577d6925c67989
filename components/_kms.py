"""The one customer-managed KMS key helper: rotating, with an alias, protected when asked.

The cluster's secrets key, the data-lake key and (with Kafka) the broker key are all made
here, so rotation and the deletion window are never forgotten on one of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws


def rotating_key(
    name: str,
    *,
    alias: str,
    description: str,
    deletion_window_days: int,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
    alias_opts: pulumi.ResourceOptions | None = None,
    policy: pulumi.Input[str] | None = None,
) -> aws.kms.Key:
    """A symmetric key ``name`` rotating yearly, and the alias ``alias/<alias>`` (child ``name`` too).

    ``opts`` carries the parent and, for stateful keys, protect/retain_on_delete; the alias
    takes ``alias_opts`` (default: the same). ``policy`` None keeps the default key policy
    (the account root, so IAM policies decide who may use the key).
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
    sid: str = "LogGroups",
) -> pulumi.Output[str]:
    """A key policy: the account root administers (so IAM policies keep working), and the
    regional CloudWatch Logs service may use the key only for these log groups (the encryption
    context names the log group). https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    """

    def document(parts: list[str]) -> str:
        part, account = parts
        arns = [f"arn:{part}:logs:{region}:{account}:log-group:{name}" for name in log_group_names]
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AccountAdministers",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:{part}:iam::{account}:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        "Sid": sid,
                        "Effect": "Allow",
                        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                        "Action": ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                        "Resource": "*",
                        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arns[0] if len(arns) == 1 else arns}},
                    },
                ],
            },
            sort_keys=True,
        )

    return pulumi.Output.all(partition, account_id).apply(document)
