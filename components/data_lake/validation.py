"""The data lake's pure validation (no Pulumi): names, lifecycle minimums, access policies.

Shared by ``components/data_lake/data_lake.py`` (Args validation, re-exports ``PrefixGrant`` and
``build_access_policy``; import them from there) and ``stacks/data_lake_settings.py`` (ConfigError
naming the file and field), so one rule never has two spellings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from components.catalog.regions import REPLICA_REGIONS
from components.catalog.shared import PrefixGrant

DEFAULT_ZONES: tuple[str, ...] = ("raw", "curated", "features", "models")

# Zone names become part of bucket names (DNS rules) and Glue database names.
ZONE_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$")
ZONE_RULE = "1-20 characters of a-z, 0-9 and '-', starting and ending with a letter or digit"
# The access-log bucket is named like a zone bucket with this role; no zone may take it.
LOG_BUCKET_ROLE = "access-logs"

# Bucket names: 3-63 characters, lowercase letters, digits, '-' (dots would break TLS
# virtual-hosted addressing). https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
BUCKET_PREFIX_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
MAX_BUCKET_NAME = 63
ACCOUNT_ID_LENGTH = 12

# S3 rejects a lifecycle transition to STANDARD_IA earlier than 30 days after creation,
# and a later transition (here GLACIER_IR) less than 30 days after the STANDARD_IA one.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
MIN_DAYS_TO_STANDARD_IA = 30
MIN_DAYS_IN_STANDARD_IA = 30
ABORT_MULTIPART_DAYS = 7

ACCESS_LEVELS: tuple[str, ...] = ("read", "read-write")

READ_ACTIONS: tuple[str, ...] = ("s3:GetObject", "s3:GetObjectVersion")
WRITE_ACTIONS: tuple[str, ...] = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")

# One or more path segments of S3 "safe" key characters, each ending in "/". No wildcard
# characters (* ?): a prefix must never widen into a pattern. Safe characters:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
_PREFIX = re.compile(r"^(?:[A-Za-z0-9!_.'()-]+/)+$")
PREFIX_RULE = "one or more segments of [A-Za-z0-9!_.'()-] each ending in '/', no leading '/', no '*' or '?'"


def bucket_name(prefix: str, role: str, account_id: str, region: str) -> str:
    """Deterministic bucket name: ``<prefix>-<zone or access-logs>-<account>-<region>``."""
    return f"{prefix}-{role}-{account_id}-{region}"


def bucket_name_problems(prefix: str, zones: Sequence[str], region: str, *, log_bucket: bool = True) -> list[str]:
    """What is wrong with the bucket names these inputs give (the account id is 12 digits)."""
    if not BUCKET_PREFIX_PATTERN.fullmatch(prefix):
        return [f"bucket prefix {prefix!r} must be lowercase a-z, 0-9 and '-', starting and ending with a letter or digit"]
    longest = max([*zones, *([LOG_BUCKET_ROLE] if log_bucket else [])], key=len)
    length = len(bucket_name(prefix, longest, "0" * ACCOUNT_ID_LENGTH, region))
    if length > MAX_BUCKET_NAME:
        return [
            (
                f"bucket name for {longest!r} would be {length} characters (<prefix>-{longest}-<account>-{region}); "
                f"S3 allows {MAX_BUCKET_NAME}: shorten the prefix {prefix!r} or the zone name"
            )
        ]
    return []


def zone_problems(zones: Sequence[str]) -> list[str]:
    """What is wrong with a list of zone names (empty list: nothing)."""
    problems = []
    if not zones:
        problems.append("at least one zone is required")
    for zone in zones:
        if not ZONE_PATTERN.fullmatch(zone):
            problems.append(f"zone name {zone!r} is not DNS-safe: {ZONE_RULE}")
        elif zone == LOG_BUCKET_ROLE:
            problems.append(f"zone name {zone!r} is reserved for the access-log bucket")
    duplicates = sorted({z for z in zones if list(zones).count(z) > 1})
    if duplicates:
        problems.append(f"zone names must be unique; repeated: {duplicates}")
    return problems


def replication_problems(
    prefix: str, zones: Sequence[str], replicated_zones: Sequence[str], region: str, replica_region: str
) -> list[tuple[str, str]]:
    """(field, message) for each replication setting AWS or the lake would reject."""
    if not replicated_zones:
        return []
    problems = []
    unknown = sorted(set(replicated_zones) - set(zones))
    if unknown:
        problems.append(("replicated_zones", f"{unknown} are not zones; allowed: {list(zones)}"))
    if replica_region not in REPLICA_REGIONS:
        problems.append(("replica_region", f"must be one of {sorted(REPLICA_REGIONS)}, got {replica_region!r}"))
    elif replica_region == region:
        problems.append(
            (
                "replica_region",
                f"must differ from the stack's region {region!r}: a replica in the same region survives no region loss",
            )
        )
    else:
        problems += [
            ("replica_region", m) for m in bucket_name_problems(prefix, replicated_zones, replica_region, log_bucket=False)
        ]
    return problems


# Without S3 Replication Time Control most objects replicate within minutes but S3 promises no
# bound; below 15 minutes (RTC's own SLA) a lag alarm would page on replication working as designed.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html
MIN_LAG_ALARM_MINUTES = 15
MAX_LAG_ALARM_MINUTES = 24 * 60
# An address SNS can deliver to: one '@', no spaces, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def replication_alarm_problems(lag_minutes: int, emails: Sequence[str]) -> list[tuple[str, str]]:
    """(field, message) for each replication-alarm setting the lake would reject."""
    problems = []
    if not MIN_LAG_ALARM_MINUTES <= lag_minutes <= MAX_LAG_ALARM_MINUTES:
        problems.append(
            (
                "replication_lag_alarm_minutes",
                f"must be between {MIN_LAG_ALARM_MINUTES} and {MAX_LAG_ALARM_MINUTES} minutes, got {lag_minutes}",
            )
        )
    bad = [e for e in emails if not _EMAIL.fullmatch(e)]
    if bad:
        problems.append(("replication_alarm_emails", f"{bad} are not email addresses (name@domain.tld)"))
    repeated = sorted({e for e in emails if emails.count(e) > 1})
    if repeated:
        problems.append(("replication_alarm_emails", f"list each address once; repeated: {repeated}"))
    return problems


def ia_days_problem(ia_days: int) -> str:
    """Why S3 would reject this STANDARD_IA transition day ('' if it would not)."""
    if ia_days < MIN_DAYS_TO_STANDARD_IA:
        return f"S3 transitions to STANDARD_IA no earlier than {MIN_DAYS_TO_STANDARD_IA} days after creation; got {ia_days}"
    return ""


def glacier_ir_days_problem(ia_days: int, glacier_ir_days: int) -> str:
    """Why S3 would reject this GLACIER_IR transition day after STANDARD_IA ('' if it would not)."""
    least = ia_days + MIN_DAYS_IN_STANDARD_IA
    if glacier_ir_days < least:
        return (
            f"must be at least raw_to_ia_days + {MIN_DAYS_IN_STANDARD_IA} = {least} (S3 keeps objects "
            f"{MIN_DAYS_IN_STANDARD_IA} days in STANDARD_IA before GLACIER_IR); got {glacier_ir_days}"
        )
    return ""


def positive_days_problem(days: int) -> str:
    return "" if days >= 1 else f"must be >= 1 day; got {days}"


def lifecycle_problems(ia_days: int, glacier_ir_days: int, noncurrent_days: int, log_days: int) -> list[tuple[str, str]]:
    """(field, message) for each lifecycle number S3 would reject."""
    problems = [
        ("raw_to_ia_days", ia_days_problem(ia_days)),
        ("raw_to_glacier_ir_days", glacier_ir_days_problem(ia_days, glacier_ir_days)),
        ("noncurrent_expiry_days", positive_days_problem(noncurrent_days)),
        ("log_retention_days", positive_days_problem(log_days)),
    ]
    return [(f, m) for f, m in problems if m]


def validate_grants(zones: Sequence[str], grants: Sequence[PrefixGrant]) -> None:
    """ValueError naming the zone, prefix or access level that is not allowed."""
    if not grants:
        raise ValueError("grants must not be empty: an IAM policy needs at least one statement")
    for grant in grants:
        if grant.zone not in zones:
            raise ValueError(f"unknown data lake zone {grant.zone!r}; allowed zones: {sorted(zones)}")
        if not _PREFIX.fullmatch(grant.prefix) or any(set(s) == {"."} for s in grant.prefix.split("/")[:-1]):
            raise ValueError(f"bad prefix {grant.prefix!r} for zone {grant.zone!r}: must be {PREFIX_RULE}")
        if grant.access not in ACCESS_LEVELS:
            raise ValueError(f"bad access {grant.access!r} for {grant.zone}/{grant.prefix}: must be one of {list(ACCESS_LEVELS)}")


def build_access_policy(bucket_arns: Mapping[str, str], key_arn: str, grants: Sequence[PrefixGrant]) -> dict:
    """Pure function: an IAM policy document (dict) granting exactly these prefixes.

    Grants are merged per (zone, access) so the document stays small: one object statement
    per (zone, access), one ListBucket statement per zone, one KMS statement. A prefix granted
    read-write is dropped from the same zone's read list (read-write includes read).
    """
    validate_grants(tuple(bucket_arns), grants)
    by_zone: dict[str, dict[str, set[str]]] = {}
    for grant in grants:
        by_zone.setdefault(grant.zone, {"read": set(), "read-write": set()})[grant.access].add(grant.prefix)

    statements: list[dict[str, Any]] = []
    sids: set[str] = set()
    for zone in sorted(by_zone):
        arn = bucket_arns[zone]
        levels = by_zone[zone]
        levels["read"] -= levels["read-write"]
        for access in ACCESS_LEVELS:
            prefixes = sorted(levels[access])
            if not prefixes:
                continue
            actions = READ_ACTIONS + (WRITE_ACTIONS if access == "read-write" else ())
            statements.append(
                {
                    "Sid": unique_sid(f"{'ReadWrite' if access == 'read-write' else 'Read'}{camel(zone)}Objects", sids),
                    "Effect": "Allow",
                    "Action": list(actions),
                    "Resource": [f"{arn}/{p}*" for p in prefixes],
                }
            )
        listed = sorted(levels["read"] | levels["read-write"])
        statements.append(
            {
                "Sid": unique_sid(f"List{camel(zone)}Prefixes", sids),
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [arn],
                "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in listed]}},
            }
        )

    writes = any(g.access == "read-write" for g in grants)
    kms: dict[str, Any] = {
        "Sid": "UseDataLakeKey",
        "Effect": "Allow",
        # SSE-KMS reads need Decrypt; writes need GenerateDataKey (and Decrypt for multipart).
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"] if writes else ["kms:Decrypt"],
        "Resource": [key_arn],
    }
    region = _arn_region(key_arn)
    if region:
        # The key is usable only through S3 in the lake's region, not by direct KMS calls.
        kms["Condition"] = {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}
    statements.append(kms)
    return {"Version": "2012-10-17", "Statement": statements}


def camel(zone: str) -> str:
    """``curated-v2`` -> ``CuratedV2``: zone names inside IAM Sids (alphanumeric only)."""
    return "".join(part[:1].upper() + part[1:] for part in zone.split("-"))


def unique_sid(sid: str, seen: set[str]) -> str:
    """``sid``, or ``sid2``, ``sid3``... if already in ``seen`` (which it joins)."""
    # Zones "a-1" and "a1" camel-case alike; IAM wants distinct Sids.
    candidate, n = sid, 2
    while candidate in seen:
        candidate, n = f"{sid}{n}", n + 1
    seen.add(candidate)
    return candidate


def _arn_region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) >= 6 and parts[0] == "arn" and parts[2] == "kms" else ""
