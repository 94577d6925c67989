"""Settings of the S3 data lake (stack key ``mlinfra:data_lake``) and their mapping to ``DataLakeArgs``.

The rules live in components/data_lake/validation.py, shared with ``DataLakeArgs``, so one rule
never has two spellings. Checks that need other settings (the environment, protection, the
region) run in ``_problems`` and name the exact field, e.g. ``mlinfra:data_lake.force_destroy``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from pydantic import Field, ValidationInfo, field_validator

from components.catalog.regions import DEFAULT_REPLICA_REGION, REPLICA_REGIONS
from components.data_lake.validation import (
    DEFAULT_ZONES,
    MIN_LAG_ALARM_MINUTES,
    bucket_name_problems,
    glacier_ir_days_problem,
    ia_days_problem,
    positive_days_problem,
    replication_alarm_problems,
    replication_problems,
    zone_problems,
)
from stacks.area import Area, CoreStack, Model, Outputs
from stacks.context import AWS, DATA_LAKE, PlatformContext
from stacks.errors import Problem

if TYPE_CHECKING:
    import pulumi

    from components.data_lake import DataLakeArgs


class DataLakeStack(CoreStack, Protocol):
    """What the data lake area reads of the stack's settings (beyond ``CoreStack``)."""

    @property
    def data_lake(self) -> DataLakeSettings: ...


class DataLakeSettings(Model):
    """The S3 data lake (stack key ``mlinfra:data_lake``); rules in components/data_lake/validation.py."""

    zones: tuple[str, ...] = DEFAULT_ZONES
    """One bucket and one Glue database per zone; DNS-safe, unique names."""
    tiering_zones: tuple[str, ...] = Field(default=("raw",), validate_default=True)
    """Zones whose objects move to STANDARD_IA, then GLACIER_IR; each must be a zone."""
    bucket_prefix: str = ""
    """First part of the bucket names; empty means ``mlinfra-<stack>``."""
    force_destroy: bool = False
    """Let `pulumi destroy` empty the buckets (dev only; never with enable_protection)."""
    raw_to_ia_days: int
    """Days after creation before tiering-zone objects move to STANDARD_IA (S3: >= 30)."""
    raw_to_glacier_ir_days: int
    """Days after creation before they move to GLACIER_IR (>= raw_to_ia_days + 30)."""
    noncurrent_expiry_days: int
    """Days a replaced or deleted object version is kept (>= 1)."""
    log_retention_days: int
    """Days S3 server access logs are kept (>= 1)."""
    replicated_zones: tuple[str, ...] = Field(default=(), validate_default=True)
    """Zones copied to a second region for disaster recovery: those whose data cannot be
    regenerated (prod: raw and models). Each must be a zone."""
    replica_region: str = ""
    """Region of the replica buckets and key; empty means the default pairing of the stack's
    region (components/catalog/regions.py DEFAULT_REPLICA_REGION). Never the stack's region."""
    replication_lag_alarm_minutes: int = 30
    """Replication lag that raises a replicated zone's CloudWatch alarm, in minutes (15 to 1440)."""
    replication_alarm_emails: tuple[str, ...] = ()
    """Email addresses subscribed to the replication alarm topics, one per region (e.g. a Slack channel's email
    address, a PagerDuty service's email integration); each confirms once."""

    @field_validator("zones")
    @classmethod
    def _zones_valid(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        problems = zone_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("tiering_zones")
    @classmethod
    def _tiering_zones_known(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        zones = info.data.get("zones")
        unknown = sorted(set(v) - set(zones or ()))
        if zones is not None and unknown:
            raise ValueError(f"{unknown} are not zones; allowed: {list(zones)}")
        return v

    @field_validator("replicated_zones")
    @classmethod
    def _replicated_zones_known(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        zones = info.data.get("zones")
        unknown = sorted(set(v) - set(zones or ()))
        if zones is not None and unknown:
            raise ValueError(f"{unknown} are not zones; allowed: {list(zones)}")
        duplicates = sorted({z for z in v if v.count(z) > 1})
        if duplicates:
            raise ValueError(f"list each zone once; repeated: {duplicates}")
        return v

    @field_validator("replica_region")
    @classmethod
    def _replica_region_known(cls, v: str) -> str:
        if v and v not in REPLICA_REGIONS:
            raise ValueError(f"must be one of {sorted(REPLICA_REGIONS)}, got {v!r}")
        return v

    @field_validator("replication_lag_alarm_minutes")
    @classmethod
    def _lag_alarm_minutes_valid(cls, v: int) -> int:
        problems = [m for f, m in replication_alarm_problems(v, ()) if f == "replication_lag_alarm_minutes"]
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("replication_alarm_emails")
    @classmethod
    def _alarm_emails_valid(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        problems = [m for f, m in replication_alarm_problems(MIN_LAG_ALARM_MINUTES, v) if f == "replication_alarm_emails"]
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @field_validator("raw_to_ia_days")
    @classmethod
    def _ia_days_valid(cls, v: int) -> int:
        if problem := ia_days_problem(v):
            raise ValueError(problem)
        return v

    @field_validator("raw_to_glacier_ir_days")
    @classmethod
    def _glacier_ir_days_valid(cls, v: int, info: ValidationInfo) -> int:
        # Fields validate in declaration order; a bad raw_to_ia_days is reported on its own.
        ia_days = info.data.get("raw_to_ia_days")
        if ia_days is not None and (problem := glacier_ir_days_problem(ia_days, v)):
            raise ValueError(problem)
        return v

    @field_validator("noncurrent_expiry_days", "log_retention_days")
    @classmethod
    def _days_positive(cls, v: int) -> int:
        if problem := positive_days_problem(v):
            raise ValueError(problem)
        return v


def replica_region(settings: DataLakeStack) -> str:
    """The replica region: the setting, or the default pairing of the stack's region."""
    return settings.data_lake.replica_region or DEFAULT_REPLICA_REGION.get(settings.region, "")


def _problems(settings: DataLakeStack, source: str) -> list[Problem]:
    """Checks that need settings outside ``mlinfra:data_lake``, each against the field to change."""
    lake = settings.data_lake
    problems = [
        Problem(source, "mlinfra:data_lake.bucket_prefix", message)
        for message in bucket_name_problems(settings.effective_bucket_prefix, lake.zones, settings.region)
    ]
    if lake.replicated_zones and not problems:
        # Zone membership and the region list are field validators; here, what needs the stack's region.
        for field, message in replication_problems(
            settings.effective_bucket_prefix, lake.zones, lake.replicated_zones, settings.region, replica_region(settings)
        ):
            if field == "replica_region" and not lake.replica_region:
                message += f" (the default pairing of {settings.region}; set mlinfra:data_lake.replica_region)"
            problems.append(Problem(source, f"mlinfra:data_lake.{field}", message))
    if lake.force_destroy and settings.environment == "prod":
        problems.append(
            Problem(
                source,
                "mlinfra:data_lake.force_destroy",
                "prod never sets force_destroy: its buckets are protected and retained; remove it from the stack file",
            )
        )
    elif lake.force_destroy and settings.enable_protection:
        problems.append(
            Problem(
                source,
                "mlinfra:data_lake.force_destroy",
                "cannot be true together with mlinfra:enable_protection: true (protected buckets are never emptied); "
                "set one of them to false",
            )
        )
    return problems


class DataLakeArea(Model):
    """The S3 data lake."""

    AREA: ClassVar[Area] = Area(
        name="data_lake",
        outputs=(
            "data_lake_buckets",
            "data_lake_bucket_arns",
            "data_lake_log_bucket",
            "data_lake_kms_key_arn",
            "data_lake_replica_buckets",
        ),
        needs=(AWS,),
        provides=(DATA_LAKE,),
        build=lambda settings, ctx: build(settings, ctx),  # the functions below read the model
        reference=lambda settings, ctx, out: reference(settings, ctx, out),
        defaults={
            # Dev stacks come and go: let `pulumi destroy` empty the buckets.
            "dev": {
                "data_lake": {
                    "force_destroy": True,
                    "raw_to_ia_days": 30,
                    "raw_to_glacier_ir_days": 60,
                    "noncurrent_expiry_days": 7,
                    "log_retention_days": 30,
                }
            },
            "staging": {
                "data_lake": {
                    "force_destroy": False,
                    "raw_to_ia_days": 30,
                    "raw_to_glacier_ir_days": 90,
                    "noncurrent_expiry_days": 30,
                    "log_retention_days": 90,
                }
            },
            "prod": {
                "data_lake": {
                    "force_destroy": False,
                    "raw_to_ia_days": 90,
                    "raw_to_glacier_ir_days": 180,
                    "noncurrent_expiry_days": 90,
                    "log_retention_days": 365,
                    # The zones nothing can rebuild: raw (the source data) and models (trained
                    # artefacts). Curated and features are derived from raw by pipelines.
                    "replicated_zones": ["raw", "models"],
                }
            },
        },
        problems=_problems,
    )

    data_lake: DataLakeSettings


def data_lake_args(
    settings: DataLakeStack, *, account_id: pulumi.Input[str], partition: pulumi.Input[str] = "aws"
) -> DataLakeArgs:
    """DataLakeArgs from the settings, field by field."""
    from components.data_lake import DataLakeArgs

    lake = settings.data_lake
    return DataLakeArgs(
        name_prefix=settings.effective_bucket_prefix,
        account_id=account_id,
        region=settings.region,
        zones=lake.zones,
        tiering_zones=lake.tiering_zones,
        raw_to_ia_days=lake.raw_to_ia_days,
        raw_to_glacier_ir_days=lake.raw_to_glacier_ir_days,
        noncurrent_expiry_days=lake.noncurrent_expiry_days,
        log_retention_days=lake.log_retention_days,
        force_destroy=lake.force_destroy,
        enable_protection=settings.enable_protection,
        kms_deletion_window_days=settings.kms_deletion_window_days,
        kms_admin_role_arns=settings.kms_key_admin_role_arns,
        partition=partition,
        replicated_zones=lake.replicated_zones,
        replica_region=replica_region(settings) if lake.replicated_zones else "",
        replication_lag_alarm_minutes=lake.replication_lag_alarm_minutes,
        replication_alarm_emails=lake.replication_alarm_emails,
        tags=settings.base_tags,
    )


# -- the platform side --------------------------------------------------------------------------
def build(settings: DataLakeStack, ctx: PlatformContext) -> PlatformContext:
    """The lake's zone buckets, key, catalog and replicas."""
    from components.data_lake import DataLake

    aws = ctx.get(AWS)
    lake = DataLake("data-lake", data_lake_args(settings, account_id=aws.account_id, partition=aws.partition))
    return ctx.with_(DATA_LAKE, lake.ref).export(
        data_lake_buckets=lake.bucket_names,
        data_lake_bucket_arns=lake.bucket_arns,
        data_lake_log_bucket=lake.log_bucket_name,
        data_lake_kms_key_arn=lake.kms_key_arn,
        data_lake_replica_buckets=lake.replica_bucket_names,
    )


def reference(settings: DataLakeStack, ctx: PlatformContext, out: Outputs) -> PlatformContext:
    from components.data_lake import DataLakeRef

    lake = DataLakeRef(
        settings.data_lake.zones, out("data_lake_buckets"), out("data_lake_bucket_arns"), out("data_lake_kms_key_arn")
    )
    return ctx.with_(DATA_LAKE, lake)
