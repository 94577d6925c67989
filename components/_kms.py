"""The one customer-managed KMS key helper: rotating, with an alias, protected when asked.

The cluster's secrets key, the data-lake key and (with Kafka) the broker key are all made
here, so rotation and the deletion window are never forgotten on one of them.
"""

from __future__ import annotations

from collections.abc import Mapping

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
